"""Reads on accounts models."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from qiwang.accounts.models import User


class BranchScopedQuerySet(models.QuerySet):
    """Base for every model with a ``branch`` field: ``.for_user(user)`` keeps visible rows."""

    branch_field = "branch"

    def for_user(self, user: User) -> BranchScopedQuerySet:
        if not user.is_authenticated:
            return self.none()
        visible = user.visible_branch_ids()
        if visible is None:
            return self
        return self.filter(**{f"{self.branch_field}__in": visible})


class BranchQuerySet(BranchScopedQuerySet):
    branch_field = "pk"

    def active(self) -> BranchQuerySet:
        return self.filter(is_active=True)

    def with_descendants(self, branch_ids: Iterable[int]) -> set[int]:
        """The given branches and all branches below them (one query per tree level)."""
        found = set(branch_ids)
        frontier = set(found)
        while frontier:
            children = set(self.filter(parent__in=frontier).values_list("pk", flat=True))
            frontier = children - found
            found |= frontier
        return found


class ApiTokenQuerySet(models.QuerySet):
    def active(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True)


class AuditEventQuerySet(BranchScopedQuerySet):
    pass
