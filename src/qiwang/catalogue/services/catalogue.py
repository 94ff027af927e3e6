"""Writes on services and commitments: validate (naming field and value), one transaction,
audit. Eligibility of customers as one query."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.forms.models import model_to_dict
from django.utils.translation import gettext as _

from qiwang.accounts.models import Branch, User
from qiwang.accounts.permissions import Action, require
from qiwang.accounts.services import diff_fields, record_event
from qiwang.catalogue.choices import (
    CommitmentLevel,
    Comparison,
    PublicityScope,
    ServiceTier,
)
from qiwang.catalogue.models import Commitment, Service
from qiwang.customers.choices import Tier
from qiwang.customers.models import Customer
from qiwang.errors import ConflictError, ServiceError

SERVICE_FIELDS = (
    "code",
    "name",
    "description",
    "tier",
    "cost_per_delivery",
    "resource_priority",
    "publicity_scope",
    "eligible_tiers",
    "survey_attributes",
    "is_active",
)
SERVICE_RELATIONS = ("eligible_branches", "eligible_customers")


def subtree(branch_ids: set[int] | list[int]) -> set[int]:
    return Branch.objects.with_descendants(branch_ids)


def _decimal(value: Any, field: str, errors: dict[str, list[str]]) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors[field] = [_("%(value)s is not a number.") % {"value": value}]
        return None
    if not number.is_finite() or number < 0:
        errors[field] = [_("%(value)s must be zero or more.") % {"value": value}]
        return None
    return number


def _slug_list(value: Any, field: str, errors: dict[str, list[str]]) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = value.replace("，", ",").split(",")
    items = [str(item).strip() for item in value if str(item).strip()]
    bad = [item for item in items if not item.replace("-", "").replace("_", "").isalnum()]
    if bad:
        errors[field] = [
            _("%(value)s is not an attribute key (letters, digits, - and _).") % {"value": bad[0]}
        ]
    return list(dict.fromkeys(items))


def _clean_service(
    actor: User, branch: Branch, data: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    errors: dict[str, list[str]] = {}
    unknown = set(data) - set(SERVICE_FIELDS) - set(SERVICE_RELATIONS)
    if unknown:
        errors["__all__"] = [_("Unknown fields: %s.") % ", ".join(sorted(unknown))]
    cleaned: dict[str, Any] = {}
    relations: dict[str, list[Any]] = {}
    for name in ("code", "name"):
        if name in data:
            cleaned[name] = str(data[name] or "").strip()
            if not cleaned[name]:
                errors[name] = [_("This field is required.")]
    if "description" in data:
        cleaned["description"] = str(data["description"] or "").strip()
    if "tier" in data:
        if data["tier"] not in ServiceTier.values:
            errors["tier"] = [_("%(value)s is not a service tier.") % {"value": data["tier"]}]
        cleaned["tier"] = data["tier"]
    if "publicity_scope" in data:
        if data["publicity_scope"] not in PublicityScope.values:
            errors["publicity_scope"] = [
                _("%(value)s is not a publicity scope.") % {"value": data["publicity_scope"]}
            ]
        cleaned["publicity_scope"] = data["publicity_scope"]
    if "cost_per_delivery" in data:
        cleaned["cost_per_delivery"] = _decimal(
            data["cost_per_delivery"], "cost_per_delivery", errors
        )
    if "resource_priority" in data:
        try:
            priority = int(data["resource_priority"])
        except (TypeError, ValueError):
            priority = 0
        if not 1 <= priority <= 9:
            errors["resource_priority"] = [
                _("%(value)s is not a priority from 1 to 9.") % {"value": data["resource_priority"]}
            ]
        cleaned["resource_priority"] = priority
    if "eligible_tiers" in data:
        tiers = list(data["eligible_tiers"] or [])
        bad = [tier for tier in tiers if tier not in Tier.values]
        if bad:
            errors["eligible_tiers"] = [_("%(value)s is not a customer tier.") % {"value": bad[0]}]
        cleaned["eligible_tiers"] = list(dict.fromkeys(tiers))
    if "survey_attributes" in data:
        cleaned["survey_attributes"] = _slug_list(
            data["survey_attributes"], "survey_attributes", errors
        )
    if "is_active" in data:
        cleaned["is_active"] = bool(data["is_active"])
    inside = subtree([branch.pk])
    if "eligible_branches" in data:
        ids = [getattr(item, "pk", item) for item in data["eligible_branches"] or []]
        found = set(
            Branch.objects.filter(pk__in=[i for i in ids if isinstance(i, int)]).values_list(
                "pk", flat=True
            )
        )
        outside = [i for i in ids if i not in found or i not in inside]
        if outside:
            errors["eligible_branches"] = [
                _("Branch %(value)s is not the service's branch or one below it.")
                % {"value": outside[0]}
            ]
        relations["eligible_branches"] = sorted(found & inside)
    if "eligible_customers" in data:
        ids = [getattr(item, "pk", item) for item in data["eligible_customers"] or []]
        found = dict(
            Customer.objects.filter(pk__in=[i for i in ids if isinstance(i, int)]).values_list(
                "pk", "branch_id"
            )
        )
        outside = [i for i in ids if i not in found or found[i] not in inside]
        if outside:
            errors["eligible_customers"] = [
                _("Customer %(value)s is not a customer of the service's branches.")
                % {"value": outside[0]}
            ]
        relations["eligible_customers"] = sorted(found)
    if errors:
        raise ServiceError(errors)
    return cleaned, relations


def _resolve_branch(actor: User, branch: Any) -> Branch:
    if not isinstance(branch, Branch):
        branch = Branch.objects.filter(pk=branch).first() if branch else None
    if branch is None or not actor.can_see_branch(branch.pk):
        raise ServiceError({"branch": [_("Choose one of your branches.")]})
    return branch


@transaction.atomic
def create_service(*, actor: User, branch: Any, data: dict[str, Any]) -> Service:
    """Add a service to a branch's catalogue."""
    missing = [name for name in ("code", "name", "tier") if not data.get(name)]
    if missing:
        raise ServiceError({name: [_("This field is required.")] for name in missing})
    branch = _resolve_branch(actor, branch)
    require(actor, Action.CHANGE_SERVICES, branch)
    cleaned, relations = _clean_service(actor, branch, data)
    if Service.objects.filter(branch=branch, code=cleaned["code"]).exists():
        raise ConflictError(
            _("Service code %(value)s is already used in this branch.")
            % {"value": cleaned["code"]},
            field="code",
        )
    try:
        with transaction.atomic():
            service = Service.objects.create(branch=branch, **cleaned)
    except IntegrityError:
        raise ConflictError(
            _("Service code %(value)s is already used in this branch.")
            % {"value": cleaned["code"]},
            field="code",
        ) from None
    for name, ids in relations.items():
        getattr(service, name).set(ids)
    record_event(actor=actor, action="service_created", obj=service, changes={"code": service.code})
    return service


@transaction.atomic
def update_service(*, actor: User, service: Service, data: dict[str, Any]) -> Service:
    """Change a service. Turning it into a surprise service needs its commitments without
    targets first (a surprise is never promised)."""
    require(actor, Action.CHANGE_SERVICES, service)
    cleaned, relations = _clean_service(actor, service.branch, data)
    if (
        cleaned.get("tier") == ServiceTier.SURPRISE
        and service.commitments.exclude(comparison="").exists()
    ):
        raise ServiceError(
            {
                "tier": [
                    _(
                        "A surprise service makes no measurable promise: end its commitments with a target first."
                    )
                ]
            }
        )
    if (
        "code" in cleaned
        and Service.objects.filter(branch=service.branch, code=cleaned["code"])
        .exclude(pk=service.pk)
        .exists()
    ):
        raise ConflictError(
            _("Service code %(value)s is already used in this branch.")
            % {"value": cleaned["code"]},
            field="code",
        )
    before = model_to_dict(service, fields=SERVICE_FIELDS)
    for name, value in cleaned.items():
        setattr(service, name, value)
    service.save()
    for name, ids in relations.items():
        getattr(service, name).set(ids)
    changes = diff_fields(before, model_to_dict(service, fields=SERVICE_FIELDS))
    changes.update({name: ["…", len(ids)] for name, ids in relations.items()})
    record_event(actor=actor, action="service_updated", obj=service, changes=changes)
    return service


# --- eligibility ---------------------------------------------------------------------------------


def eligible_customers(service: Service) -> QuerySet[Customer]:
    """The customers eligible for ``service`` (docs/catalogue.md), as one query."""
    customers = Customer.objects.filter(branch__in=subtree([service.branch_id]))
    if service.eligible_tiers:
        customers = customers.filter(tier__in=service.eligible_tiers)
    branch_ids = list(service.eligible_branches.values_list("pk", flat=True))
    if branch_ids:
        customers = customers.filter(branch__in=subtree(branch_ids))
    if service.eligible_customers.exists():
        customers = customers.filter(pk__in=service.eligible_customers.values("pk"))
    return customers


# --- commitments ---------------------------------------------------------------------------------

COMMITMENT_FIELDS = (
    "level",
    "statement",
    "scope",
    "metric",
    "comparison",
    "threshold",
    "unit",
    "allowed_breach",
    "valid_from",
    "valid_to",
)


def _date(value: Any, field: str, errors: dict[str, list[str]]) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        errors[field] = [_("%(value)s is not a date (YYYY-MM-DD).") % {"value": value}]
        return None


def clean_commitment(service: Service, data: dict[str, Any]) -> dict[str, Any]:
    """Validate a commitment for ``service``; raise :class:`ServiceError` naming field and value."""
    errors: dict[str, list[str]] = {}
    unknown = set(data) - set(COMMITMENT_FIELDS)
    if unknown:
        errors["__all__"] = [_("Unknown fields: %s.") % ", ".join(sorted(unknown))]
    level = data.get("level")
    if level not in CommitmentLevel.values:
        errors["level"] = [_("%(value)s is not a commitment level.") % {"value": level}]
    comparison = str(data.get("comparison") or "").strip()
    threshold = data.get("threshold")
    has_target = bool(comparison) or threshold not in (None, "")
    cleaned: dict[str, Any] = {
        "level": level,
        "statement": str(data.get("statement") or "").strip()[:200],
        "scope": str(data.get("scope") or "").strip(),
        "metric": str(data.get("metric") or "").strip(),
        "unit": str(data.get("unit") or "").strip(),
        "comparison": "",
        "threshold": None,
    }
    if has_target:
        if service.tier == ServiceTier.SURPRISE:
            errors["comparison"] = [
                _(
                    "%(service)s is a surprise service: a surprise carries no measurable promise (DOMAIN §3)."
                )
                % {"service": service.name}
            ]
        elif level == CommitmentLevel.NONE:
            errors["level"] = [
                _(
                    "A commitment of level “none” has no target; choose a level or remove the target."
                )
            ]
        if comparison not in Comparison.values:
            errors.setdefault(
                "comparison",
                [_("%(value)s is not a comparison (<=, <, >=, >).") % {"value": comparison}],
            )
        try:
            number = float(threshold)  # type: ignore[arg-type]
            if number != number or number in (float("inf"), float("-inf")):
                raise ValueError
        except (TypeError, ValueError):
            errors["threshold"] = [_("%(value)s is not a number.") % {"value": threshold}]
            number = None
        if not cleaned["metric"]:
            errors["metric"] = [_("Name what is measured, e.g. visit_hours.")]
        cleaned.update(comparison=comparison, threshold=number)
    elif level in (CommitmentLevel.EXPLICIT,) and service.tier != ServiceTier.SURPRISE:
        errors["threshold"] = [_("An explicit standard needs a measurable target.")]
    try:
        allowed = float(
            data.get("allowed_breach", 0.05)
            if data.get("allowed_breach") not in (None, "")
            else 0.05
        )
    except (TypeError, ValueError):
        allowed = -1.0
    if not 0 < allowed < 1:
        errors["allowed_breach"] = [
            _("%(value)s is not a share between 0 and 1 (0.05 = 5 %%).")
            % {"value": data.get("allowed_breach")}
        ]
    cleaned["allowed_breach"] = allowed
    valid_from = _date(data.get("valid_from"), "valid_from", errors)
    if valid_from is None and "valid_from" not in errors:
        errors["valid_from"] = [_("This field is required.")]
    valid_to = _date(data.get("valid_to"), "valid_to", errors)
    if valid_from and valid_to and valid_to < valid_from:
        errors["valid_to"] = [
            _("%(value)s is before the start date.") % {"value": valid_to.isoformat()}
        ]
    cleaned.update(valid_from=valid_from, valid_to=valid_to)
    if errors:
        raise ServiceError(errors)
    return cleaned


@transaction.atomic
def add_commitment(*, actor: User | None, service: Service, data: dict[str, Any]) -> Commitment:
    """Put a commitment in force from ``valid_from``.

    An open-ended commitment in force on that day ends the day before; one that would overlap
    another way is refused. Deliveries on and after ``valid_from`` are judged again against it.
    """
    if actor is not None:
        require(actor, Action.CHANGE_SERVICES, service)
    cleaned = clean_commitment(service, data)
    start, end = cleaned["valid_from"], cleaned["valid_to"]
    others = Commitment.objects.select_for_update().filter(service=service)
    for other in others:
        other_end = other.valid_to or datetime.date.max
        if other.valid_from < start and other.valid_to is None:
            other.valid_to = start - datetime.timedelta(days=1)
            other.save(update_fields=["valid_to"])
            continue
        if other.valid_from <= (end or datetime.date.max) and start <= other_end:
            raise ConflictError(
                _("From %(start)s it overlaps the commitment valid from %(other)s.")
                % {"start": start.isoformat(), "other": other.valid_from.isoformat()},
                field="valid_from",
            )
    commitment = Commitment.objects.create(service=service, created_by=actor, **cleaned)
    from qiwang.catalogue.services.judging import rejudge_service

    rejudge_service(service)
    if actor is not None:
        record_event(
            actor=actor,
            action="commitment_added",
            obj=service,
            changes={
                "commitment": commitment.target_text or commitment.level,
                "valid_from": start.isoformat(),
            },
        )
    return commitment
