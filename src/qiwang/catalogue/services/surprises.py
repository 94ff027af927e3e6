"""Surprise plans: who receives a surprise service and when, so that it stays a surprise.

The plan comes from ``qiwang.analysis.surprise.plan_surprises`` (irregular intervals, minimum
gap, cap per year, never near last year's date, spread across customer tiers, within budget,
reproducible from the seed) over the service's eligible customers, with the service's past
deliveries and still-planned surprises as history. Habituation (``habituation``) flags the
customers whose past surprises became predictable.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qiwang.accounts.models import User
from qiwang.accounts.permissions import Action, require
from qiwang.accounts.services import record_event
from qiwang.analysis import AnalysisInputError
from qiwang.analysis.surprise import habituation, plan_surprises
from qiwang.catalogue.choices import DeliverySource, PlannedStatus, PlanStatus, ServiceTier
from qiwang.catalogue.models import Delivery, PlannedSurprise, Service, SurprisePlan
from qiwang.catalogue.services.catalogue import eligible_customers
from qiwang.catalogue.services.deliveries import record_deliveries
from qiwang.errors import ConflictError, ServiceError

PLAN_FIELDS = ("name", "budget", "cost", "start", "end", "min_gap_days", "max_per_year", "seed")


def _history(service: Service) -> list[tuple[str, datetime.date]]:
    past = [
        (str(c), timezone.localtime(at).date() if timezone.is_aware(at) else at.date())
        for c, at in Delivery.objects.filter(service=service).values_list(
            "customer_id", "delivered_at"
        )
    ]
    planned = [
        (str(c), d)
        for c, d in PlannedSurprise.objects.filter(
            plan__service=service,
            status=PlannedStatus.PLANNED,
            plan__status__in=[PlanStatus.DRAFT, PlanStatus.CONFIRMED],
        ).values_list("customer_id", "date")
    ]
    return past + planned


def _clean(service: Service, data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    unknown = set(data) - set(PLAN_FIELDS)
    if unknown:
        errors["__all__"] = [_("Unknown fields: %s.") % ", ".join(sorted(unknown))]
    if service.tier != ServiceTier.SURPRISE:
        errors["service"] = [_("%(value)s is not a surprise service.") % {"value": service.name}]
    cleaned: dict[str, Any] = {"name": str(data.get("name") or "").strip()[:120]}
    if not cleaned["name"]:
        errors["name"] = [_("This field is required.")]
    for name, default in (("budget", None), ("cost", service.cost_per_delivery)):
        raw = data.get(name)
        raw = default if raw in (None, "") else raw
        try:
            amount = Decimal(str(raw))
            if not amount.is_finite() or amount < 0:
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            errors[name] = [_("%(value)s is not an amount of zero or more.") % {"value": raw}]
            continue
        cleaned[name] = amount
    if "cost" in cleaned and cleaned["cost"] <= 0:
        errors["cost"] = [
            _("The cost per delivery must be more than 0, not %(value)s.")
            % {"value": cleaned["cost"]}
        ]
    elif "budget" in cleaned and "cost" in cleaned and cleaned["budget"] < cleaned["cost"]:
        errors["budget"] = [
            _("A budget of %(budget)s yuan cannot buy one surprise at %(cost)s yuan.")
            % {"budget": cleaned["budget"], "cost": cleaned["cost"]}
        ]
    for name in ("start", "end"):
        raw = data.get(name)
        try:
            cleaned[name] = (
                raw if isinstance(raw, datetime.date) else datetime.date.fromisoformat(str(raw))
            )
        except ValueError:
            errors[name] = [_("%(value)s is not a date (YYYY-MM-DD).") % {"value": raw}]
    if "start" in cleaned and "end" in cleaned and cleaned["end"] < cleaned["start"]:
        errors["end"] = [
            _("%(value)s is before the start date.") % {"value": cleaned["end"].isoformat()}
        ]
    for name, low, default in (("min_gap_days", 1, 60), ("max_per_year", 1, 2), ("seed", 0, 1)):
        raw = data.get(name, default)
        try:
            number = int(raw if raw not in (None, "") else default)
            if number < low or isinstance(raw, bool):
                raise ValueError
        except (TypeError, ValueError):
            errors[name] = [
                _("%(value)s is not a whole number of at least %(low)s.")
                % {"value": raw, "low": low}
            ]
            continue
        cleaned[name] = number
    if errors:
        raise ServiceError(errors)
    return cleaned


@transaction.atomic
def create_plan(*, actor: User, service: Service, data: dict[str, Any]) -> SurprisePlan:
    """Plan a surprise campaign (a draft until confirmed)."""
    require(actor, Action.CHANGE_SERVICES, service)
    cleaned = _clean(service, data)
    customers = list(eligible_customers(service).values_list("pk", "tier", "branch_id"))
    if not customers:
        raise ServiceError(
            {"service": [_("No customer is eligible for %(value)s.") % {"value": service.name}]}
        )
    branch_of = {str(pk): branch for pk, _tier, branch in customers}
    try:
        plan = plan_surprises(
            {str(pk): tier for pk, tier, _branch in customers},
            budget=cleaned["budget"],
            cost=cleaned["cost"],
            start=cleaned["start"],
            end=cleaned["end"],
            min_gap_days=cleaned["min_gap_days"],
            max_per_year=cleaned["max_per_year"],
            seed=cleaned["seed"],
            history=_history(service) or None,
        )
    except AnalysisInputError as error:
        raise ServiceError({"__all__": [str(error)]}) from None
    left_out: dict[str, int] = {}
    for _customer, reason in plan.left_out:
        left_out[reason] = left_out.get(reason, 0) + 1
    record = SurprisePlan.objects.create(
        service=service,
        branch=service.branch,
        spent=Decimal(str(plan.spent)).quantize(Decimal("0.01")),
        created_by=actor,
        summary={
            "max_deliveries": plan.max_deliveries,
            "left_out": left_out,
            "notices": [{"code": n.code, "params": dict(n.params)} for n in plan.notices],
            "segments": [s.to_dict() for s in plan.segments],
        },
        **cleaned,
    )
    PlannedSurprise.objects.bulk_create(
        [
            PlannedSurprise(
                plan=record, customer_id=int(customer), branch_id=branch_of[customer], date=day
            )
            for customer, day in plan.deliveries
        ],
        batch_size=2000,
    )
    record_event(
        actor=actor,
        action="surprise_plan_created",
        obj=record,
        changes={"deliveries": len(plan.deliveries), "spent": str(record.spent)},
    )
    return record


@transaction.atomic
def set_plan_status(*, actor: User, plan: SurprisePlan, status: str) -> SurprisePlan:
    require(actor, Action.CHANGE_SERVICES, plan)
    if status not in (PlanStatus.CONFIRMED, PlanStatus.CANCELLED):
        raise ServiceError(
            {"status": [_("%(value)s is not a plan status you can set.") % {"value": status}]}
        )
    if plan.status == PlanStatus.CANCELLED:
        raise ConflictError(_("The plan is cancelled."), field="status")
    plan.status = status
    plan.save(update_fields=["status"])
    if status == PlanStatus.CANCELLED:
        plan.items.filter(status=PlannedStatus.PLANNED).update(status=PlannedStatus.CANCELLED)
    record_event(actor=actor, action=f"surprise_plan_{status}", obj=plan)
    return plan


@transaction.atomic
def deliver_planned(*, actor: User, plan: SurprisePlan, up_to: datetime.date) -> int:
    """Record the confirmed plan's surprises planned on or before ``up_to`` as delivered."""
    require(actor, Action.CHANGE_SERVICES, plan)
    if plan.status != PlanStatus.CONFIRMED:
        raise ConflictError(_("Confirm the plan before recording its deliveries."), field="status")
    due = list(
        plan.items.filter(status=PlannedStatus.PLANNED, date__lte=up_to).select_related("customer")
    )
    if not due:
        return 0
    batch = record_deliveries(
        actor=actor,
        items=[
            {
                "service": plan.service_id,
                "customer": item.customer.code,
                "delivered_at": item.date.isoformat(),
                "cost": str(plan.cost),
                "reference": f"plan-{plan.pk}-{item.pk}",
            }
            for item in due
        ],
        source=DeliverySource.SURPRISE_PLAN,
        all_or_nothing=True,
    )
    if batch.failed:
        raise ServiceError(batch.failed[0].errors)
    stored = {d.reference: d for d in batch.stored}
    for item in due:
        item.delivery = stored[f"plan-{plan.pk}-{item.pk}"]
        item.status = PlannedStatus.DELIVERED
    PlannedSurprise.objects.bulk_update(due, ["delivery", "status"])
    return len(due)


def habituated_customers(service: Service) -> list[dict[str, Any]]:
    """Customers whose past deliveries of ``service`` became predictable, with why."""
    history = [
        (str(c), timezone.localtime(at).date())
        for c, at in Delivery.objects.filter(service=service).values_list(
            "customer_id", "delivered_at"
        )
    ]
    if not history:
        return []
    result = habituation(history)
    frame = result.frame[result.frame["is_habituated"]]
    return [
        {
            "customer_id": int(row["customer"]),
            "deliveries": int(row["deliveries"]),
            "interval_cv": None
            if row["interval_cv"] != row["interval_cv"]
            else float(row["interval_cv"]),
            "same_date_repeats": int(row["same_date_repeats"]),
            "is_regular": bool(row["is_regular"]),
            "repeats_same_date": bool(row["repeats_same_date"]),
        }
        for row in frame.to_dict("records")
    ]
