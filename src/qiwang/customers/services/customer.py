"""Writes on customers. Each function validates, writes in one transaction and audits."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict
from django.utils.translation import gettext as _

from qiwang.accounts.choices import Role
from qiwang.accounts.models import Branch, User
from qiwang.accounts.permissions import Action, require
from qiwang.accounts.services import diff_fields, record_event
from qiwang.customers.choices import CustomerKind, Language, Tier
from qiwang.customers.models import Customer
from qiwang.customers.phones import normalise_phone
from qiwang.errors import ConflictError, ServiceError

EDITABLE_FIELDS = (
    "code",
    "name",
    "kind",
    "tier",
    "branch",
    "account_manager",
    "phone",
    "email",
    "address",
    "wechat",
    "wechat_openid",
    "wechat_openid_declined",
    "language",
    "notes",
)


def _clean(actor: User, data: dict[str, Any], *, current: Customer | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        errors["__all__"] = [_("Unknown fields: %s.") % ", ".join(sorted(unknown))]
    cleaned = dict(data)
    for name in ("code", "name"):
        if name in cleaned:
            cleaned[name] = str(cleaned[name] or "").strip()
            if not cleaned[name]:
                errors[name] = [_("This field is required.")]
    if "phone" in cleaned:
        try:
            cleaned["phone"] = normalise_phone(str(cleaned["phone"] or ""))
        except ServiceError as error:
            errors.update(error.errors)
    if "wechat_openid" in cleaned:
        from qiwang.customers.channels.wechat import OPENID_PATTERN

        openid = str(cleaned["wechat_openid"] or "").strip()
        if openid and not OPENID_PATTERN.match(openid):
            errors["wechat_openid"] = [
                _(
                    "%s is not a WeChat openid: copy it from the Official Account "
                    "(28 letters, digits, - and _)."
                )
                % repr(openid)
            ]
        cleaned["wechat_openid"] = openid
    if "wechat_openid_declined" in cleaned:
        declined = cleaned["wechat_openid_declined"]
        if not isinstance(declined, bool):
            errors["wechat_openid_declined"] = [_("Give true or false.")]
        elif declined and not (current and current.wechat_openid_declined):
            cleaned["wechat_openid"] = ""  # the objection covers the openid already kept
    if "kind" in cleaned and cleaned["kind"] not in CustomerKind.values:
        errors["kind"] = [_("%s is not a customer kind.") % cleaned["kind"]]
    if "language" in cleaned and cleaned["language"] not in Language.values:
        errors["language"] = [
            _("%s is not a language customers are written to in (zh-hans or en).")
            % cleaned["language"]
        ]
    if "tier" in cleaned and cleaned["tier"] not in Tier.values:
        errors["tier"] = [_("%s is not a tier.") % cleaned["tier"]]
    branch = cleaned.get("branch")
    if "branch" in cleaned:
        if not isinstance(branch, Branch):
            branch = Branch.objects.filter(pk=branch).first() if branch else None
        if branch is None or not actor.can_see_branch(branch.pk):
            errors["branch"] = [_("Choose one of your branches.")]
        cleaned["branch"] = branch
    manager = cleaned.get("account_manager")
    if manager is not None:
        if not isinstance(manager, User):
            manager = User.objects.filter(pk=manager, is_active=True).first()
        target_branch = cleaned.get("branch") or (current.branch if current else None)
        if (
            manager is None
            or manager.role != Role.ACCOUNT_MANAGER
            or (target_branch is not None and not manager.can_see_branch(target_branch.pk))
        ):
            errors["account_manager"] = [
                _("Choose an active account manager who works in the customer's branch.")
            ]
        cleaned["account_manager"] = manager
    if errors:
        raise ServiceError(errors)
    return cleaned


@transaction.atomic
def create_customer(*, actor: User, data: dict[str, Any]) -> Customer:
    """Create a customer in one of the actor's branches."""
    missing = [name for name in ("code", "name", "kind", "branch") if not data.get(name)]
    if missing:
        raise ServiceError({name: [_("This field is required.")] for name in missing})
    cleaned = _clean(actor, data, current=None)
    require(actor, Action.CHANGE_CUSTOMERS, cleaned["branch"])
    if actor.role == Role.ACCOUNT_MANAGER and not actor.is_administrator:
        # An account manager sees only the customers they own (ADR 0005): they own what they add.
        cleaned["account_manager"] = actor
    if Customer.objects.filter(code=cleaned["code"]).exists():
        raise ConflictError(
            _("Customer number %s is already taken.") % cleaned["code"], field="code"
        )
    try:
        with transaction.atomic():
            customer = Customer.objects.create(**cleaned)
    except IntegrityError:
        raise ConflictError(
            _("Customer number %s is already taken.") % cleaned["code"], field="code"
        ) from None
    record_event(
        actor=actor, action="customer_created", obj=customer, changes={"code": customer.code}
    )
    return customer


@transaction.atomic
def update_customer(*, actor: User, customer: Customer, data: dict[str, Any]) -> Customer:
    """Change a customer; moving it needs change rights in both branches."""
    require(actor, Action.CHANGE_CUSTOMERS, customer)
    cleaned = _clean(actor, data, current=customer)
    if (
        "code" in cleaned
        and Customer.objects.exclude(pk=customer.pk).filter(code=cleaned["code"]).exists()
    ):
        raise ConflictError(
            _("Customer number %s is already taken.") % cleaned["code"], field="code"
        )
    before = model_to_dict(customer, fields=EDITABLE_FIELDS)
    for name, value in cleaned.items():
        setattr(customer, name, value)
    customer.save()
    if before["tier"] != customer.tier:
        from qiwang.customers.services.tiers import record_manual_tier_change

        record_manual_tier_change(
            actor=actor, customer=customer, old_tier=before["tier"], new_tier=customer.tier
        )
    after = model_to_dict(customer, fields=EDITABLE_FIELDS)
    changes = diff_fields(before, after)
    for name in Customer.PERSONAL_FIELDS:  # the audit log never copies personal data
        if name in changes:
            changes[name] = ["…", "…"]
    record_event(actor=actor, action="customer_updated", obj=customer, changes=changes)
    return customer
