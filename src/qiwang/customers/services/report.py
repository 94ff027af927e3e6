"""The monthly relationship report (月度报告) per account manager and per branch.

Every figure is one GROUP BY in the database (no per-customer Python loop), so the report costs
the same few queries for 300 or 1 million customers. Definitions (docs/customers-import-report.md):

- planned contacts: contact tasks due in the month (cancelled ones excluded); made: those done;
- interactions: every interaction logged in the month; anomalies: those flagged as anomalies;
- tier and lifecycle changes: confirmed ``TierChange`` rows decided in the month and
  ``LifecycleChange`` rows of the month (written by the daily lifecycle job);
- referrals: made in the month by the scope's customers, and whether the referrer was followed up;
- effort split (docs/customers.md: old 60 % / dormant 10 % / new 30 %): interactions of the month by
  the customer's lifecycle when contacted — the rule of ``CustomerQuerySet.with_lifecycle``
  applied at the interaction's time with the customer's latest earlier interaction (or
  ``last_activity_at`` when that is earlier) — *new* is new, *old* is active, *dormant* is
  dormant or lost.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    DateTimeField,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qiwang.accounts.choices import Role
from qiwang.accounts.models import Branch, User
from qiwang.accounts.permissions import Action, require
from qiwang.customers.choices import Lifecycle, TaskKind, TaskStatus, Tier, TierChangeStatus
from qiwang.customers.models import (
    ContactTask,
    Customer,
    Interaction,
    LifecycleChange,
    Referral,
    TierChange,
)
from qiwang.customers.querysets import ACTIVE_DAYS, DORMANT_DAYS, NEW_DAYS, TIER_ORDER

__all__ = [
    "EFFORT_TARGETS",
    "EffortShare",
    "MonthlyReport",
    "monthly_report",
    "month_bounds",
    "parse_month",
    "visible_account_managers",
]

#: docs/customers.md: split effort old 60 % / dormant 10 % / new 30 %.
EFFORT_TARGETS = (("old", 60), ("dormant", 10), ("new", 30))
EFFORT_LABELS = {
    "old": gettext_lazy("Old customers"),
    "dormant": gettext_lazy("Dormant customers"),
    "new": gettext_lazy("New customers"),
}
_EFFORT_OF_LIFECYCLE = {
    Lifecycle.NEW.value: "new",
    Lifecycle.ACTIVE.value: "old",
    Lifecycle.DORMANT.value: "dormant",
    Lifecycle.LOST.value: "dormant",
}
MAX_LISTED = 50


def parse_month(text: str | None, today: datetime.date) -> datetime.date:
    """``"2026-11"`` → 2026-11-01; blank → the current month. ``ValueError`` names the value."""
    if not text:
        return today.replace(day=1)
    try:
        year, month = (int(part) for part in text.strip().split("-"))
        return datetime.date(year, month, 1)
    except (TypeError, ValueError):
        raise ValueError(_("%s is not a month (YYYY-MM).") % text) from None


def month_bounds(first: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The month as ``[start, end)`` aware datetimes in the current time zone."""
    next_first = (first.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    tz = timezone.get_current_timezone()
    return (
        datetime.datetime.combine(first, datetime.time.min, tz),
        datetime.datetime.combine(next_first, datetime.time.min, tz),
    )


@dataclass(frozen=True)
class TierContacts:
    tier: str
    label: str
    planned: int
    made: int
    interactions: int
    anomalies: int

    @property
    def completion(self) -> float | None:
        return self.made / self.planned if self.planned else None


@dataclass(frozen=True)
class EffortShare:
    group: str
    label: str
    target: float  # fraction, 0.6
    interactions: int
    actual: float | None  # fraction of the month's interactions; None when there are none

    @property
    def gap(self) -> float | None:
        return None if self.actual is None else self.actual - self.target


@dataclass(frozen=True)
class ManagerRow:
    manager_id: int | None
    name: str
    planned: int
    made: int
    interactions: int
    anomalies: int


@dataclass(frozen=True)
class Change:
    before: str
    after: str
    before_label: str
    after_label: str
    customers: int


@dataclass(frozen=True)
class AnomalyRow:
    occurred_at: datetime.datetime
    customer_id: int
    customer: str
    code: str
    tier: str
    author: str
    notes: str


@dataclass(frozen=True)
class ReferralRow:
    referrer: str
    referred: str
    referred_on: datetime.date
    follow_up_due: datetime.date
    followed_up: bool
    follow_up_note: str


@dataclass(frozen=True)
class MonthlyReport:
    """Everything the page, the XLSX and the PDF show; computed by :func:`monthly_report`."""

    month: datetime.date
    scope: str
    branch_id: int | None
    manager_id: int | None
    generated_at: datetime.datetime
    tiers: tuple[TierContacts, ...]
    effort: tuple[EffortShare, ...]
    managers: tuple[ManagerRow, ...]
    lifecycle_changes: tuple[Change, ...]
    new_customers: int
    tier_changes: tuple[Change, ...]
    anomalies: tuple[AnomalyRow, ...]
    anomaly_total: int
    referrals: tuple[ReferralRow, ...] = ()
    referral_total: int = 0
    referral_followed_up: int = 0

    @property
    def planned(self) -> int:
        return sum(row.planned for row in self.tiers)

    @property
    def made(self) -> int:
        return sum(row.made for row in self.tiers)

    @property
    def interactions(self) -> int:
        return sum(row.interactions for row in self.tiers)

    @property
    def is_empty(self) -> bool:
        return not (
            self.planned
            or self.interactions
            or self.lifecycle_changes
            or self.tier_changes
            or self.referral_total
        )

    @property
    def month_label(self) -> str:
        return f"{self.month:%Y-%m}"


def _annotate_lifecycle_when_contacted(interactions: QuerySet) -> QuerySet:
    """Annotate ``lifecycle_then``: the customer's lifecycle at each interaction, before it.

    The thresholds of ``CustomerQuerySet.with_lifecycle`` applied at the interaction's time; the
    last activity is the customer's latest earlier interaction, else ``last_activity_at`` when
    that is earlier. One correlated subquery on the (customer, occurred_at) index.
    """
    moment = F("occurred_at")
    earlier = (
        Interaction.objects.filter(
            customer=OuterRef("customer_id"), occurred_at__lt=OuterRef("occurred_at")
        )
        .order_by()
        .values("customer")
        .annotate(latest=Max("occurred_at"))
        .values("latest")[:1]
    )
    last = Coalesce(
        Subquery(earlier),
        Case(
            When(customer__last_activity_at__lt=moment, then=F("customer__last_activity_at")),
            output_field=DateTimeField(),
        ),
        output_field=DateTimeField(),
    )

    def before(days: int) -> Any:
        return ExpressionWrapper(moment - datetime.timedelta(days=days), DateTimeField())

    lifecycle = Case(
        When(customer__created_at__gte=before(NEW_DAYS), then=Value(Lifecycle.NEW.value)),
        When(_last_then__gte=before(ACTIVE_DAYS), then=Value(Lifecycle.ACTIVE.value)),
        When(
            Q(_last_then__isnull=True) | Q(_last_then__gte=before(DORMANT_DAYS)),
            then=Value(Lifecycle.DORMANT.value),
        ),
        default=Value(Lifecycle.LOST.value),
        output_field=CharField(),
    )
    return interactions.annotate(_last_then=last).annotate(lifecycle_then=lifecycle)


def visible_account_managers(user: User) -> QuerySet[User]:
    """The active account managers working in the user's branches (whose report they may read)."""
    managers = User.objects.filter(role=Role.ACCOUNT_MANAGER, is_active=True)
    visible = user.visible_branch_ids()
    if visible is not None:
        managers = managers.filter(branches__in=visible).distinct()
    return managers.order_by("username")


def _scope_customers(user: User, branch: Branch | None, manager: User | None) -> QuerySet[Customer]:
    customers = Customer.objects.for_user(user)
    if branch is not None:
        customers = customers.filter(branch__in=Branch.objects.with_descendants([branch.pk]))
    if manager is not None:
        customers = customers.filter(account_manager=manager)
    return customers


def _tier_label(value: str) -> str:
    return str(Tier(value).label) if value in Tier.values else value


def _lifecycle_label(value: str) -> str:
    return str(Lifecycle(value).label) if value in Lifecycle.values else value


def monthly_report(
    *,
    user: User,
    month: datetime.date,
    branch: Branch | None = None,
    manager: User | None = None,
    now: datetime.datetime | None = None,
) -> MonthlyReport:
    """The report for ``month`` over the customers ``user`` sees, narrowed to a branch (and its
    sub-branches) and/or an account manager. An account manager always gets their own report.

    The caller resolves ``branch`` and ``manager`` among the objects the user may see (404
    otherwise); this function checks the role.
    """
    require(user, Action.VIEW_CUSTOMER_REPORTS)
    now = now or timezone.now()
    if user.role == Role.ACCOUNT_MANAGER and not user.is_administrator:
        manager = user
    start, end = month_bounds(month.replace(day=1))
    customers = _scope_customers(user, branch, manager)
    in_scope = Q(customer__in=customers.values("pk"))

    tasks = (
        ContactTask.objects.filter(in_scope, kind=TaskKind.CONTACT)
        .filter(due_date__gte=start.date(), due_date__lt=end.date())
        .exclude(status=TaskStatus.CANCELLED)
    )
    interactions = Interaction.objects.filter(in_scope, occurred_at__gte=start, occurred_at__lt=end)
    task_counts = {
        row["customer__tier"]: row
        for row in tasks.values("customer__tier")
        .annotate(planned=Count("pk"), made=Count("pk", filter=Q(status=TaskStatus.DONE)))
        .order_by()
    }
    interaction_counts = {
        row["customer__tier"]: row
        for row in interactions.values("customer__tier")
        .annotate(total=Count("pk"), anomalies=Count("pk", filter=Q(is_anomaly=True)))
        .order_by()
    }
    tiers = tuple(
        TierContacts(
            tier=tier.value,
            label=str(tier.label),
            planned=task_counts.get(tier.value, {}).get("planned", 0),
            made=task_counts.get(tier.value, {}).get("made", 0),
            interactions=interaction_counts.get(tier.value, {}).get("total", 0),
            anomalies=interaction_counts.get(tier.value, {}).get("anomalies", 0),
        )
        for tier in TIER_ORDER
    )

    # Effort split: the month's interactions by the customer's lifecycle when contacted.
    by_lifecycle = {
        row["lifecycle_then"]: row["total"]
        for row in _annotate_lifecycle_when_contacted(interactions)
        .values("lifecycle_then")
        .annotate(total=Count("pk"))
        .order_by()
    }
    groups: dict[str, int] = {"old": 0, "dormant": 0, "new": 0}
    for lifecycle, total in by_lifecycle.items():
        groups[_EFFORT_OF_LIFECYCLE.get(lifecycle, "dormant")] += total
    total_interactions = sum(groups.values())
    effort = tuple(
        EffortShare(
            group=group,
            label=str(EFFORT_LABELS[group]),
            target=target / 100,
            interactions=groups[group],
            actual=groups[group] / total_interactions if total_interactions else None,
        )
        for group, target in EFFORT_TARGETS
    )

    lifecycle_changes = _lifecycle_changes(customers, start, end)
    new_customers = customers.filter(created_at__gte=start, created_at__lt=end).count()

    manager_rows = _manager_rows(tasks, interactions) if manager is None else ()
    anomaly_rows = interactions.filter(is_anomaly=True).select_related("customer", "author")
    anomalies = tuple(
        AnomalyRow(
            occurred_at=item.occurred_at,
            customer_id=item.customer_id,
            customer=item.customer.name,
            code=item.customer.code,
            tier=_tier_label(item.customer.tier),
            author=str(item.author) if item.author else "",
            notes=item.notes[:200],
        )
        for item in anomaly_rows.order_by("-occurred_at", "-pk")[:MAX_LISTED]
    )
    tier_changes = _tier_changes(customers, start, end)
    referral_data = _referrals(customers, start, end)

    if branch is not None and manager is not None:
        scope = f"{branch.name} / {manager}"
    elif manager is not None:
        scope = str(manager)
    elif branch is not None:
        scope = branch.name
    else:
        scope = _("All my branches")
    return MonthlyReport(
        month=month.replace(day=1),
        scope=scope,
        branch_id=branch.pk if branch else None,
        manager_id=manager.pk if manager else None,
        generated_at=now,
        tiers=tiers,
        effort=effort,
        managers=tuple(manager_rows),
        lifecycle_changes=lifecycle_changes,
        new_customers=new_customers,
        tier_changes=tier_changes,
        anomalies=anomalies,
        anomaly_total=sum(row.anomalies for row in tiers),
        **referral_data,
    )


def _manager_rows(tasks: QuerySet, interactions: QuerySet) -> list[ManagerRow]:
    planned = {
        row["customer__account_manager"]: row
        for row in tasks.values("customer__account_manager")
        .annotate(planned=Count("pk"), made=Count("pk", filter=Q(status=TaskStatus.DONE)))
        .order_by()
    }
    logged = {
        row["customer__account_manager"]: row
        for row in interactions.values("customer__account_manager")
        .annotate(total=Count("pk"), anomalies=Count("pk", filter=Q(is_anomaly=True)))
        .order_by()
    }
    ids = set(planned) | set(logged)
    names = {user.pk: str(user) for user in User.objects.filter(pk__in=[i for i in ids if i])}
    rows = [
        ManagerRow(
            manager_id=manager_id,
            name=names.get(manager_id, "") if manager_id else _("No account manager"),
            planned=planned.get(manager_id, {}).get("planned", 0),
            made=planned.get(manager_id, {}).get("made", 0),
            interactions=logged.get(manager_id, {}).get("total", 0),
            anomalies=logged.get(manager_id, {}).get("anomalies", 0),
        )
        for manager_id in ids
    ]
    return sorted(rows, key=lambda row: (row.manager_id is None, row.name))


def _tier_changes(
    customers: QuerySet[Customer], start: datetime.datetime, end: datetime.datetime
) -> tuple[Change, ...]:
    """Confirmed tier changes decided in the month, grouped by old → new tier."""
    rows = (
        TierChange.objects.filter(
            customer__in=customers.values("pk"),
            status=TierChangeStatus.CONFIRMED,
            decided_at__gte=start,
            decided_at__lt=end,
        )
        .values("old_tier", "new_tier")
        .annotate(total=Count("customer", distinct=True))
        .order_by("old_tier", "new_tier")
    )
    return tuple(
        Change(
            before=row["old_tier"],
            after=row["new_tier"],
            before_label=_tier_label(row["old_tier"]),
            after_label=_tier_label(row["new_tier"]),
            customers=row["total"],
        )
        for row in rows
    )


def _lifecycle_changes(
    customers: QuerySet[Customer], start: datetime.datetime, end: datetime.datetime
) -> tuple[Change, ...]:
    """Lifecycle moves recorded in the month (``LifecycleChange``), grouped by old → new."""
    rows = (
        LifecycleChange.objects.filter(
            customer__in=customers.values("pk"),
            changed_on__gte=start.date(),
            changed_on__lt=end.date(),
        )
        .values("old_lifecycle", "new_lifecycle")
        .annotate(total=Count("customer", distinct=True))
        .order_by("old_lifecycle", "new_lifecycle")
    )
    return tuple(
        Change(
            before=row["old_lifecycle"],
            after=row["new_lifecycle"],
            before_label=_lifecycle_label(row["old_lifecycle"]) or "—",
            after_label=_lifecycle_label(row["new_lifecycle"]),
            customers=row["total"],
        )
        for row in rows
    )


def _referrals(
    customers: QuerySet[Customer], start: datetime.datetime, end: datetime.datetime
) -> dict[str, Any]:
    """Referrals made in the month by the scope's customers (the follow-up is owed to the
    referrer) and whether the follow-up was done."""
    referrals = Referral.objects.filter(
        referrer__in=customers.values("pk"),
        referred_on__gte=start.date(),
        referred_on__lt=end.date(),
    )
    counts = referrals.aggregate(
        total=Count("pk"), followed=Count("pk", filter=Q(follow_up_done_at__isnull=False))
    )
    rows = tuple(
        ReferralRow(
            referrer=item.referrer.name,
            referred=item.referred.name,
            referred_on=item.referred_on,
            follow_up_due=item.follow_up_due,
            followed_up=item.follow_up_done_at is not None,
            follow_up_note=item.follow_up_note,
        )
        for item in referrals.select_related("referrer", "referred").order_by(
            "-referred_on", "-pk"
        )[:MAX_LISTED]
    )
    return {
        "referrals": rows,
        "referral_total": counts["total"],
        "referral_followed_up": counts["followed"],
    }
