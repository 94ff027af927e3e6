"""Reads on customers, contact tasks and interactions.

Ownership (docs/adr/0005-customer-ownership.md): an account manager sees the customers they own
(``account_manager``) in their branches; every other role sees its branches.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from qiwang.accounts.choices import Role
from qiwang.accounts.querysets import BranchScopedQuerySet
from qiwang.customers.choices import Lifecycle, TaskStatus, Tier

if TYPE_CHECKING:
    from qiwang.accounts.models import User

#: Lifecycle thresholds in days (docs/customers.md).
NEW_DAYS = 90
ACTIVE_DAYS = 180
DORMANT_DAYS = 365

TIER_ORDER = [Tier.VIP, Tier.IMPORTANT, Tier.HIGH_QUALITY, Tier.GENERAL]


def tier_rank(field: str = "tier") -> Case:
    """0 for VIP … 3 for general, to sort by tier priority in the database."""
    return Case(
        *[When(**{field: tier}, then=Value(rank)) for rank, tier in enumerate(TIER_ORDER)],
        default=Value(len(TIER_ORDER)),
        output_field=IntegerField(),
    )


def _owns_only_own_customers(user: User) -> bool:
    return user.is_authenticated and not user.is_administrator and user.role == Role.ACCOUNT_MANAGER


class CustomerQuerySet(BranchScopedQuerySet):
    def for_user(self, user: User) -> CustomerQuerySet:
        scoped = super().for_user(user)
        if _owns_only_own_customers(user):
            scoped = scoped.filter(account_manager=user)
        return scoped

    def workable_by(self, user: User) -> CustomerQuerySet:
        """Customers the user may work on: :meth:`for_user`, plus (for an account manager) the
        customers of the branches they see whose open tasks were reassigned to them (a colleague
        covering; issue 15 item 6)."""
        if not _owns_only_own_customers(user):
            return self.for_user(user)
        from qiwang.customers.models import ContactTask

        covered = ContactTask.objects.filter(
            customer=OuterRef("pk"), assignee=user, status=TaskStatus.OPEN
        )
        return BranchScopedQuerySet.for_user(self, user).filter(
            Q(account_manager=user) | Exists(covered)
        )

    def with_related(self) -> CustomerQuerySet:
        return self.select_related("branch", "account_manager")

    def with_lifecycle(self, now: datetime.datetime) -> CustomerQuerySet:
        """Annotate ``computed_lifecycle`` and ``last_seen`` from activity (docs/customers.md).

        ``last_seen`` is the last activity, or the creation time for a customer never contacted.
        New: created in the last ``NEW_DAYS``; active: seen in the last ``ACTIVE_DAYS``; dormant:
        seen in the last ``DORMANT_DAYS``; lost: not seen for longer.
        """
        last = Coalesce("last_activity_at", "created_at")
        return self.annotate(last_seen=last).annotate(
            computed_lifecycle=Case(
                When(
                    created_at__gte=now - datetime.timedelta(days=NEW_DAYS),
                    then=Value(Lifecycle.NEW.value),
                ),
                When(
                    last_seen__gte=now - datetime.timedelta(days=ACTIVE_DAYS),
                    then=Value(Lifecycle.ACTIVE.value),
                ),
                When(
                    last_seen__gte=now - datetime.timedelta(days=DORMANT_DAYS),
                    then=Value(Lifecycle.DORMANT.value),
                ),
                default=Value(Lifecycle.LOST.value),
                output_field=CharField(),
            ),
        )

    def by_tier_priority(self) -> CustomerQuerySet:
        return self.annotate(tier_rank=tier_rank()).order_by("tier_rank", "code")


class ContactTaskQuerySet(BranchScopedQuerySet):
    def for_user(self, user: User) -> ContactTaskQuerySet:
        scoped = super().for_user(user)
        if _owns_only_own_customers(user):
            scoped = scoped.filter(assignee=user)
        return scoped

    def open(self) -> ContactTaskQuerySet:
        return self.filter(status=TaskStatus.OPEN)

    def due_by(self, day: datetime.date) -> ContactTaskQuerySet:
        return self.filter(due_date__lte=day)

    def overdue(self, day: datetime.date) -> ContactTaskQuerySet:
        return self.open().filter(due_date__lt=day)

    def for_day(self, user: User, day: datetime.date) -> ContactTaskQuerySet:
        """The user's own open tasks due by ``day``: urgent first, then VIP, then oldest."""
        return (
            self.filter(assignee=user)
            .open()
            .due_by(day)
            .select_related("customer", "plan", "occasion", "assignee")
            .annotate(tier_rank=tier_rank("customer__tier"))
            .order_by("-is_urgent", "tier_rank", "due_date", "pk")
        )

    def escalated_to_user(self, user: User) -> ContactTaskQuerySet:
        """Open tasks escalated to ``user`` (a supervisor), oldest first."""
        return (
            self.open()
            .filter(escalated_to=user)
            .select_related("customer", "assignee")
            .order_by("due_date", "pk")
        )

    def counts_by_day(self, start: datetime.date, end: datetime.date) -> QuerySet:
        """``{due_date, total, done}`` rows for a calendar between ``start`` and ``end``."""
        return (
            self.filter(due_date__gte=start, due_date__lte=end)
            .values("due_date")
            .annotate(total=Count("pk"), done=Count("pk", filter=Q(status=TaskStatus.DONE)))
            .order_by("due_date")
        )


class InteractionQuerySet(BranchScopedQuerySet):
    def for_user(self, user: User) -> InteractionQuerySet:
        scoped = super().for_user(user)
        if _owns_only_own_customers(user):
            scoped = scoped.filter(customer__account_manager=user)
        return scoped


class CustomerChildQuerySet(BranchScopedQuerySet):
    """Rows that belong to one customer (contacts, tier changes, …): scoped like the customer."""

    branch_field = "customer__branch"

    def for_user(self, user: User) -> CustomerChildQuerySet:
        scoped = super().for_user(user)
        if _owns_only_own_customers(user):
            scoped = scoped.filter(customer__account_manager=user)
        return scoped


class ReferralQuerySet(BranchScopedQuerySet):
    """Referrals are seen with the referrer (the follow-up is owed to them)."""

    branch_field = "referrer__branch"

    def for_user(self, user: User) -> ReferralQuerySet:
        scoped = super().for_user(user)
        if _owns_only_own_customers(user):
            scoped = scoped.filter(referrer__account_manager=user)
        return scoped

    def follow_up_open(self) -> ReferralQuerySet:
        return self.filter(follow_up_done_at__isnull=True)


class AllocationQuerySet(BranchScopedQuerySet):
    """Allocations are seen by the branch; an account manager sees the ones they made."""

    def for_user(self, user: User) -> AllocationQuerySet:
        scoped = super().for_user(user)
        if _owns_only_own_customers(user):
            scoped = scoped.filter(created_by=user)
        return scoped
