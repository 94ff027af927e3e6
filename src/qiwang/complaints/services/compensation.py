"""Compensation: suggested by the kind of failure, within each role's limit, approvals, ledger.

The kind of compensation that restores a customer depends on the failure (Roschk & Gelbrich
2014, *Journal of Service Research* 17(2)): money for a money loss, the service performed again
(or extra) for a failed service, an apology and attention for neglect. A proposal within the
proposer's limit is approved at once ("given at once where possible"); above it, it waits for an
approver whose own limit covers it. Compensation that becomes regular becomes expected: a
customer compensated :data:`HABIT_COUNT` times within :data:`HABIT_DAYS` days is flagged.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, F, Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from qiwang.accounts.permissions import Action, require
from qiwang.complaints.choices import CompensationKind, CompensationStatus, FailureKind, MoveKind
from qiwang.complaints.models import (
    Compensation,
    CompensationOption,
    Complaint,
    Incident,
    Move,
    RoleLimit,
)
from qiwang.errors import ServiceError

SUGGESTED_KINDS: dict[str, tuple[str, ...]] = {
    FailureKind.MONEY_LOSS: (CompensationKind.REFUND, CompensationKind.DISCOUNT),
    FailureKind.FAILED_SERVICE: (
        CompensationKind.FREE_SERVICE,
        CompensationKind.EXTRA,
        CompensationKind.DISCOUNT,
    ),
    FailureKind.NEGLECT: (CompensationKind.APOLOGY, CompensationKind.GIFT),
}
HABIT_COUNT = 3
HABIT_DAYS = 365


def suggested_options(failure_kind: str) -> list[CompensationOption]:
    """Active options, the kinds that fit the failure first."""
    kinds = SUGGESTED_KINDS.get(failure_kind, ())
    options = list(CompensationOption.objects.filter(is_active=True))
    return sorted(
        options,
        key=lambda option: (
            kinds.index(option.kind) if option.kind in kinds else len(kinds),
            option.default_value,
        ),
    )


def limit_for(user: Any) -> Decimal:
    """The largest value ``user`` may give or approve (0 without a limit row)."""
    if not getattr(user, "is_authenticated", False):
        return Decimal(0)
    row = RoleLimit.objects.filter(role=user.role).first()
    if row is not None:
        return row.max_value
    if user.is_administrator:
        return Decimal("1e9")
    return Decimal(0)


def highest_limit() -> Decimal:
    return RoleLimit.objects.aggregate(top=Max("max_value"))["top"] or Decimal(0)


def _value(raw: Any) -> Decimal:
    try:
        value = Decimal(str(raw)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ServiceError(
            _("“%(value)s” is not an amount.") % {"value": raw}, field="value"
        ) from None
    if value < 0 or value > Decimal("9999999"):
        raise ServiceError(_("The value must be between 0 and 9,999,999 yuan."), field="value")
    return value


def propose_compensation(
    complaint: Complaint, *, actor: Any, option: CompensationOption, value: Any, note: str = ""
) -> Compensation:
    """Propose one compensation for a complaint: approved at once within the proposer's limit,
    else waiting for an approver. Above every limit it is refused."""
    require(actor, Action.CHANGE_COMPLAINTS, complaint)
    amount = _value(value)
    return _propose(
        actor=actor,
        option=option,
        amount=amount,
        recipients=1,
        note=note,
        branch_id=complaint.branch_id,
        complaint=complaint,
        customer=complaint.customer,
    )


def propose_incident_compensation(
    incident: Incident, *, actor: Any, option: CompensationOption, value: Any, note: str = ""
) -> Compensation:
    """Group compensation: ``value`` for each reporter of the incident, told only to them."""
    require(actor, Action.CHANGE_COMPLAINTS, incident)
    amount = _value(value)
    reporters = incident.reports.values("customer_id", "reporter_phone").distinct().count()
    if reporters == 0:
        raise ServiceError(_("The incident has no reports yet."), field="incident")
    return _propose(
        actor=actor,
        option=option,
        amount=amount,
        recipients=reporters,
        note=note,
        branch_id=incident.branch_id,
        incident=incident,
    )


def _propose(
    *,
    actor: Any,
    option: CompensationOption,
    amount: Decimal,
    recipients: int,
    note: str,
    branch_id: int,
    complaint: Complaint | None = None,
    incident: Incident | None = None,
    customer: Any = None,
) -> Compensation:
    if not option.is_active:
        raise ServiceError(_("This compensation is no longer offered."), field="option")
    if len(note or "") > 300:
        raise ServiceError(_("At most 300 characters."), field="note")
    total = amount * recipients
    top = highest_limit()
    if total > top:
        raise ServiceError(
            _("%(total)s yuan is above every approval limit (the highest is %(top)s yuan).")
            % {"total": total, "top": top},
            field="value",
        )
    now = timezone.now()
    within = total <= limit_for(actor)
    with transaction.atomic():
        compensation = Compensation.objects.create(
            branch_id=branch_id,
            complaint=complaint,
            incident=incident,
            customer=customer,
            option=option,
            value=amount,
            recipients=recipients,
            note=(note or "").strip(),
            status=CompensationStatus.APPROVED if within else CompensationStatus.PENDING,
            proposed_by=actor,
            proposed_at=now,
            decided_by=actor if within else None,
            decided_at=now if within else None,
            affected_only=True,
        )
        if complaint is not None:
            Move.objects.create(
                complaint=complaint,
                kind=MoveKind.COMPENSATION,
                actor=actor,
                at=now,
                code="compensation.approved" if within else "compensation.pending",
                params={
                    "compensation": compensation.pk,
                    "value": str(amount),
                    "option": option.code,
                },
                from_step=complaint.step,
                to_step=complaint.step,
            )
    return compensation


def decide_compensation(compensation: Compensation, *, actor: Any, approve: bool) -> Compensation:
    """One click: approve or reject a waiting compensation, within the approver's own limit."""
    require(actor, Action.CHANGE_COMPLAINTS, compensation)
    if compensation.status != CompensationStatus.PENDING:
        raise ServiceError(_("This compensation is not waiting for a decision."), field="status")
    if approve and compensation.total_value > limit_for(actor):
        raise PermissionDenied("approval above the approver's limit")
    now = timezone.now()
    with transaction.atomic():
        locked = Compensation.objects.select_for_update().get(pk=compensation.pk)
        if locked.status != CompensationStatus.PENDING:
            raise ServiceError(
                _("This compensation is not waiting for a decision."), field="status"
            )
        locked.status = CompensationStatus.APPROVED if approve else CompensationStatus.REJECTED
        locked.decided_by, locked.decided_at = actor, now
        locked.save(update_fields=["status", "decided_by", "decided_at"])
        if locked.complaint_id:
            Move.objects.create(
                complaint_id=locked.complaint_id,
                kind=MoveKind.COMPENSATION,
                actor=actor,
                at=now,
                code="compensation.approved" if approve else "compensation.rejected",
                params={"compensation": locked.pk, "value": str(locked.value)},
            )
    return locked


def habit_warnings(
    customer_ids: list[int], *, today: datetime.date | None = None
) -> dict[int, int]:
    """Customers compensated at least :data:`HABIT_COUNT` times in :data:`HABIT_DAYS` days, with
    their count (one query)."""
    today = today or timezone.localdate()
    since = timezone.make_aware(
        datetime.datetime.combine(today - datetime.timedelta(days=HABIT_DAYS), datetime.time())
    )
    rows = (
        Compensation.objects.counted()
        .filter(customer_id__in=customer_ids, proposed_at__gte=since)
        .values("customer_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=HABIT_COUNT)
    )
    return {row["customer_id"]: row["n"] for row in rows}


def ledger(queryset: Any, *, by: str) -> list[dict[str, Any]]:
    """Totals of given compensations by ``customer``, ``branch`` or ``month``."""
    from django.db.models.functions import TruncMonth

    keys = {
        "customer": ("customer_id", "customer__name"),
        "branch": ("branch_id", "branch__name"),
    }
    counted = queryset.counted()
    if by == "month":
        rows = counted.annotate(month=TruncMonth("proposed_at")).values("month")
        group = ("month",)
    elif by in keys:
        rows = counted.values(*keys[by])
        group = keys[by]
    else:
        raise ServiceError(_("Group by customer, branch or month."), field="by")
    result = list(
        rows.annotate(
            count=Count("pk"), total=Sum(F("value") * F("recipients")), recipients=Sum("recipients")
        ).order_by(*group)
    )
    for row in result:
        row["total"] = Decimal(row["total"] or 0).quantize(Decimal("0.01"))
    return result
