from __future__ import annotations

from qiwang.accounts.querysets import BranchScopedQuerySet


class EndpointQuerySet(BranchScopedQuerySet):
    def active(self) -> EndpointQuerySet:
        return self.filter(is_active=True)


class DeliveryQuerySet(BranchScopedQuerySet):
    branch_field = "endpoint__branch"
