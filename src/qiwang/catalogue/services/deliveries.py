"""Recording deliveries: one by one, from a file or in bulk from another system.

Every item is validated on its own (service, customer, time, value, unit against the target in
force, reference); valid items are judged kept / broken set-based (``judging.judge``) and stored
with one ``bulk_create`` in one transaction. ``all_or_nothing`` stores nothing when any item
fails; otherwise each item is stored whole or not at all and the result says which.

A broken promise on a recent delivery gives the customer's account manager a follow-up
(``customers.services.create_follow_up``, one per customer, service and day) and, after commit,
is passed to every ``hooks.BROKEN_PROMISE_HOOKS`` (complaints fill it).
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from qiwang.accounts.models import User
from qiwang.accounts.permissions import Action, has_permission
from qiwang.accounts.services import record_event
from qiwang.catalogue.choices import DeliverySource
from qiwang.catalogue.hooks import run_broken_promise_hooks
from qiwang.catalogue.models import Commitment, Delivery, Service
from qiwang.catalogue.services.catalogue import subtree
from qiwang.catalogue.services.judging import commitments_by_service, judge, local_day
from qiwang.catalogue.services.tallies import refresh_for
from qiwang.catalogue.services.units import canonical_unit, same_unit
from qiwang.customers.models import Customer
from qiwang.customers.services import create_follow_up
from qiwang.errors import ServiceError

#: The most items one request or file may carry.
MAX_ITEMS = 10_000
#: Broken promises older than this (days) get no follow-up: history, not news.
FOLLOW_UP_WINDOW_DAYS = 14
ITEM_FIELDS = ("service", "customer", "delivered_at", "value", "unit", "reference", "note", "cost")


@dataclass
class ItemResult:
    index: int
    ok: bool
    delivery: Delivery | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)
    withheld: bool = False  # valid, but not stored because another item failed (all or nothing)


@dataclass
class DeliveryBatch:
    results: list[ItemResult]

    @property
    def stored(self) -> list[Delivery]:
        return [
            r.delivery for r in self.results if r.ok and r.delivery is not None and r.delivery.pk
        ]

    @property
    def valid(self) -> list[Delivery]:
        """Items that passed (stored, or would be on a dry run), judged."""
        return [r.delivery for r in self.results if r.ok and r.delivery is not None]

    @property
    def failed(self) -> list[ItemResult]:
        return [r for r in self.results if not r.ok]

    @property
    def invalid(self) -> list[ItemResult]:
        """Items that failed for their own reason (not merely withheld)."""
        return [r for r in self.results if not r.ok and not r.withheld]


def _moment(value: Any) -> datetime.datetime | None:
    if isinstance(value, datetime.datetime):
        moment = value
    elif isinstance(value, datetime.date):
        moment = datetime.datetime.combine(value, datetime.time(12, 0))
    else:
        text = str(value or "").strip()
        try:
            moment = parse_datetime(text.replace(" ", "T", 1) if len(text) > 10 else text)
        except ValueError:
            moment = None
        if moment is None:
            try:
                moment = datetime.datetime.combine(
                    datetime.date.fromisoformat(text), datetime.time(12, 0)
                )
            except ValueError:
                return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


class _Resolver:
    """Services and customers of a batch, each looked up once."""

    def __init__(self, actor: User | None, items: list[Mapping[str, Any]]) -> None:
        self.actor = actor
        services = Service.objects.all() if actor is None else Service.objects.for_user(actor)
        ids = {i.get("service") for i in items if isinstance(i.get("service"), int)}
        codes = {str(i.get("service")) for i in items if isinstance(i.get("service"), str)}
        found = list(services.filter(pk__in=ids)) + list(services.filter(code__in=codes))
        self.by_id = {s.pk: s for s in found}
        self.by_code: dict[str, list[Service]] = {}
        for service in {s.pk: s for s in found}.values():
            self.by_code.setdefault(service.code, []).append(service)
        customers = Customer.objects.all() if actor is None else Customer.objects.for_user(actor)
        numbers = {str(i.get("customer") or "").strip() for i in items}
        self.customers = {
            c.code: c
            for c in customers.filter(code__in=numbers).only(
                "pk", "code", "branch_id", "name", "account_manager_id"
            )
        }
        self.subtrees = {sid: subtree([s.branch_id]) for sid, s in self.by_id.items()}
        self.commitments = commitments_by_service(sorted(self.by_id))

    def service(self, value: Any, errors: dict[str, list[str]]) -> Service | None:
        if isinstance(value, bool) or value in (None, ""):
            errors["service"] = [_("This field is required.")]
            return None
        if isinstance(value, int):
            service = self.by_id.get(value)
        else:
            matches = self.by_code.get(str(value), [])
            if len(matches) > 1:
                errors["service"] = [
                    _("Service code %(value)s is used in several branches: give the service id.")
                    % {"value": value}
                ]
                return None
            service = matches[0] if matches else None
        if service is None:
            errors["service"] = [_("Unknown service: %(value)s.") % {"value": value}]
        return service

    def commitment_on(self, service: Service, day: datetime.date) -> Commitment | None:
        for commitment in reversed(self.commitments.get(service.pk, [])):
            if commitment.valid_from <= day and (
                commitment.valid_to is None or day <= commitment.valid_to
            ):
                return commitment
        return None


def _clean_item(
    resolver: _Resolver, item: Mapping[str, Any], source: str, actor: User | None
) -> Delivery | dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not isinstance(item, Mapping):
        return {"__all__": [_("Each item must be an object.")]}
    unknown = set(item) - set(ITEM_FIELDS)
    if unknown:
        errors["__all__"] = [_("Unknown fields: %s.") % ", ".join(sorted(map(str, unknown)))]
    service = resolver.service(item.get("service"), errors)
    number = str(item.get("customer") or "").strip()
    customer = resolver.customers.get(number)
    if not number:
        errors["customer"] = [_("This field is required.")]
    elif customer is None:
        errors["customer"] = [_("Unknown customer: %(value)s.") % {"value": number}]
    elif service is not None and customer.branch_id not in resolver.subtrees[service.pk]:
        errors["customer"] = [
            _("Customer %(value)s is not in the branches of %(service)s.")
            % {"value": number, "service": service.name}
        ]
    moment = _moment(item.get("delivered_at"))
    if moment is None:
        errors["delivered_at"] = [
            _("%(value)s is not a date and time (YYYY-MM-DD HH:MM).")
            % {"value": item.get("delivered_at")}
        ]
    elif moment > timezone.now() + datetime.timedelta(days=1):
        errors["delivered_at"] = [
            _("%(value)s is in the future.") % {"value": item.get("delivered_at")}
        ]
    raw = item.get("value")
    value: float | None = None
    if raw not in (None, ""):
        try:
            value = float(raw)
            if not math.isfinite(value):
                raise ValueError
        except (TypeError, ValueError):
            errors["value"] = [_("%(value)s is not a number.") % {"value": raw}]
    unit = str(item.get("unit") or "").strip()
    if service is not None and moment is not None:
        commitment = resolver.commitment_on(service, local_day(moment))
        if commitment is not None and commitment.has_target:
            if unit and commitment.unit and not same_unit(unit, commitment.unit):
                errors["unit"] = [
                    _("%(value)s does not match the unit of the target in force (%(target)s).")
                    % {"value": unit, "target": commitment.target_text}
                ]
            unit = commitment.unit or canonical_unit(unit)
    cost = None
    if item.get("cost") not in (None, ""):
        try:
            cost = Decimal(str(item["cost"]))
            if not cost.is_finite() or cost < 0:
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            errors["cost"] = [_("%(value)s must be zero or more.") % {"value": item.get("cost")}]
    elif service is not None:
        cost = service.cost_per_delivery
    reference = str(item.get("reference") or "").strip()
    if len(reference) > 80:
        errors["reference"] = [_("The reference is at most 80 characters.")]
    if errors:
        return errors
    assert service is not None and customer is not None and moment is not None
    return Delivery(
        service=service,
        customer=customer,
        branch_id=customer.branch_id,
        delivered_at=moment,
        value=value,
        unit=unit[:20],
        cost=cost,
        source=source,
        reference=reference,
        note=str(item.get("note") or "").strip()[:300],
        recorded_by=actor if actor is not None and actor.is_authenticated else None,
    )


def record_deliveries(
    *,
    actor: User | None,
    items: Iterable[Mapping[str, Any]],
    source: str = DeliverySource.MANUAL,
    all_or_nothing: bool = False,
    dry_run: bool = False,
) -> DeliveryBatch:
    """Validate, judge and store deliveries. ``actor`` None is the system (imports by a job,
    the demo): no scope. Raises :class:`ServiceError` for a batch that is too large or an
    actor without the right; item errors are in the result. ``dry_run`` validates and judges
    without storing anything."""
    items = list(items)
    if actor is not None and not has_permission(actor, Action.RECORD_DELIVERIES):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(Action.RECORD_DELIVERIES.value)
    if not items:
        raise ServiceError({"items": [_("Send at least one delivery.")]})
    if len(items) > MAX_ITEMS:
        raise ServiceError(
            {
                "items": [
                    _("%(count)s deliveries in one request; at most %(max)s.")
                    % {"count": len(items), "max": MAX_ITEMS}
                ]
            }
        )
    if source not in DeliverySource.values:
        raise ServiceError(
            {"source": [_("%(value)s is not a delivery source.") % {"value": source}]}
        )
    resolver = _Resolver(actor, items)
    results: list[ItemResult] = []
    seen_refs: dict[tuple[int, str], int] = {}
    for index, item in enumerate(items):
        cleaned = _clean_item(resolver, item, source, actor)
        if isinstance(cleaned, dict):
            results.append(ItemResult(index=index, ok=False, errors=cleaned))
            continue
        if cleaned.reference:
            key = (cleaned.service_id, cleaned.reference)
            if key in seen_refs:
                results.append(
                    ItemResult(
                        index=index,
                        ok=False,
                        errors={
                            "reference": [
                                _("Reference %(value)s repeats item %(other)s.")
                                % {"value": cleaned.reference, "other": seen_refs[key]}
                            ]
                        },
                    )
                )
                continue
            seen_refs[key] = index
        results.append(ItemResult(index=index, ok=True, delivery=cleaned))
    _refuse_stored_references(results)
    pending = [r.delivery for r in results if r.ok and r.delivery is not None]
    if all_or_nothing and any(not r.ok for r in results):
        for result in results:
            if result.ok:
                result.ok, result.delivery, result.withheld = False, None, True
                result.errors = {
                    "__all__": [
                        _("Not stored: another item failed and the batch is all or nothing.")
                    ]
                }
        return DeliveryBatch(results=results)
    if not pending:
        return DeliveryBatch(results=results)
    judge(pending, commitments=resolver.commitments)
    if dry_run:
        return DeliveryBatch(results=results)
    with transaction.atomic():
        Delivery.objects.bulk_create(pending, batch_size=2000)
        refresh_for(pending)
        broken = [d for d in pending if d.kept is False]
        follow_up_broken(broken)
        if actor is not None:
            services = sorted({d.service_id for d in pending})
            record_event(
                actor=actor,
                action="deliveries_recorded",
                obj=resolver.by_id[services[0]],
                changes={
                    "count": len(pending),
                    "broken": len(broken),
                    "services": services,
                    "source": source,
                },
            )
        run_broken_promise_hooks(recent_broken(broken))
    return DeliveryBatch(results=results)


def _refuse_stored_references(results: list[ItemResult]) -> None:
    wanted: dict[int, set[str]] = {}
    for r in results:
        if r.ok and r.delivery is not None and r.delivery.reference:
            wanted.setdefault(r.delivery.service_id, set()).add(r.delivery.reference)
    taken: set[tuple[int, str]] = set()
    for service_id, refs in wanted.items():
        taken |= set(
            Delivery.objects.filter(service_id=service_id, reference__in=refs).values_list(
                "service_id", "reference"
            )
        )
    if not taken:
        return
    for r in results:
        d = r.delivery
        if r.ok and d is not None and (d.service_id, d.reference) in taken:
            r.ok, r.delivery = False, None
            r.errors = {
                "reference": [
                    _("Reference %(value)s is already recorded for this service.")
                    % {"value": d.reference}
                ]
            }


def recent_broken(broken: list[Delivery]) -> list[Delivery]:
    """The broken deliveries of the last ``FOLLOW_UP_WINDOW_DAYS`` days: news that calls for a
    follow-up and a complaint. Older ones (an imported year of history) only count in the rates."""
    since = timezone.localdate() - datetime.timedelta(days=FOLLOW_UP_WINDOW_DAYS)
    return [d for d in broken if local_day(d.delivered_at) >= since]


def follow_up_broken(broken: list[Delivery]) -> None:
    """A follow-up for each customer, service and day with a recent broken promise."""
    done: set[tuple[int, int, datetime.date]] = set()
    for delivery in recent_broken(broken):
        day = local_day(delivery.delivered_at)
        key = (delivery.customer_id, delivery.service_id, day)
        if key in done:
            continue
        done.add(key)
        commitment = delivery.commitment
        create_follow_up(
            delivery.customer,
            reason=_("Promise broken: %(service)s on %(day)s (%(value)s against %(target)s).")
            % {
                "service": delivery.service.name,
                "day": day.isoformat(),
                "value": f"{delivery.value:g} {delivery.unit}".strip(),
                "target": commitment.target_text if commitment else "",
            },
            due=max(timezone.localdate(), day) + datetime.timedelta(days=1),
            source=f"broken-promise:{delivery.service_id}:{day.isoformat()}",
        )


def record_delivery(*, actor: User, data: Mapping[str, Any]) -> Delivery:
    """One delivery recorded by staff; raises :class:`ServiceError` naming the field."""
    batch = record_deliveries(actor=actor, items=[data], source=DeliverySource.MANUAL)
    result = batch.results[0]
    if not result.ok or result.delivery is None:
        raise ServiceError(result.errors)
    return result.delivery
