"""Reads on the catalogue.

Services (and their commitments and measurements) are seen by users of the service's branch,
of the branches below it (a service offered by a branch company applies to its communities) and
of the branches above it. Deliveries, perceptions and planned surprises are scoped like the
customer they concern: an account manager sees those of the customers they own
(docs/adr/0005-customer-ownership.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models

from qiwang.accounts.choices import Role
from qiwang.accounts.querysets import BranchScopedQuerySet

if TYPE_CHECKING:
    from qiwang.accounts.models import User


def _owns_only_own_customers(user: User) -> bool:
    return user.is_authenticated and not user.is_administrator and user.role == Role.ACCOUNT_MANAGER


def branches_with_ancestors(branch_ids: frozenset[int]) -> set[int]:
    """The given branches and every branch above them (one query per tree level)."""
    from qiwang.accounts.models import Branch

    found = set(branch_ids)
    frontier = set(found)
    while frontier:
        parents = set(
            Branch.objects.filter(pk__in=frontier, parent__isnull=False).values_list(
                "parent_id", flat=True
            )
        )
        frontier = parents - found
        found |= frontier
    return found


def service_branch_ids(user: User) -> set[int] | None:
    """Branches whose services ``user`` sees; ``None`` for every branch."""
    if not user.is_authenticated:
        return set()
    visible = user.visible_branch_ids()
    if visible is None:
        return None
    cached: set[int] | None = getattr(user, "_service_branch_ids", None)
    if cached is None:
        cached = branches_with_ancestors(visible)
        user._service_branch_ids = cached  # type: ignore[attr-defined]
    return cached


class ServiceQuerySet(BranchScopedQuerySet):
    def for_user(self, user: User) -> ServiceQuerySet:
        ids = service_branch_ids(user)
        if ids is None:
            return self
        return self.filter(branch__in=ids)

    def active(self) -> ServiceQuerySet:
        return self.filter(is_active=True)


class ServiceChildQuerySet(BranchScopedQuerySet):
    """Rows of one service (commitments, measurements): seen with the service."""

    branch_field = "service__branch"

    def for_user(self, user: User) -> ServiceChildQuerySet:
        ids = service_branch_ids(user)
        if ids is None:
            return self
        return self.filter(service__branch__in=ids)


class CommitmentQuerySet(ServiceChildQuerySet):
    def in_force_on(self, day: object) -> CommitmentQuerySet:
        return self.filter(valid_from__lte=day).filter(
            models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=day)
        )


class MeasurementQuerySet(ServiceChildQuerySet):
    pass


class CustomerScopedQuerySet(BranchScopedQuerySet):
    """Rows about one customer with the customer's branch in ``branch``."""

    def for_user(self, user: User) -> CustomerScopedQuerySet:
        scoped = super().for_user(user)
        if _owns_only_own_customers(user):
            scoped = scoped.filter(customer__account_manager=user)
        return scoped


class PublicationQuerySet(BranchScopedQuerySet):
    pass


class SurprisePlanQuerySet(BranchScopedQuerySet):
    pass
