"""Contact persons and referrals: validate, one transaction, audit."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qiwang.accounts.models import User
from qiwang.accounts.permissions import Action, require
from qiwang.accounts.services import record_event
from qiwang.customers.choices import TaskKind, TaskStatus
from qiwang.customers.models import Contact, ContactTask, Customer, Referral
from qiwang.customers.phones import normalise_phone
from qiwang.customers.services.maintenance import create_follow_up
from qiwang.errors import ConflictError, ServiceError

#: Days the account manager has to thank the referrer.
REFERRAL_FOLLOW_UP_DAYS = 3


def _own(actor: User, customer: Customer, action: Action) -> None:
    require(actor, action, customer)
    if not Customer.objects.for_user(actor).filter(pk=customer.pk).exists():
        raise ServiceError(_("This is not one of your customers."), field="customer")


@transaction.atomic
def add_contact(*, actor: User, customer: Customer, data: dict[str, Any]) -> Contact:
    """Add a contact person to ``customer``."""
    _own(actor, customer, Action.CHANGE_CUSTOMERS)
    cleaned = {
        name: str(data.get(name) or "").strip()
        for name in ("name", "title", "phone", "wechat", "email")
    }
    errors: dict[str, list[str]] = {}
    if not cleaned["name"]:
        errors["name"] = [_("This field is required.")]
    try:
        cleaned["phone"] = normalise_phone(cleaned["phone"])
    except ServiceError as error:
        errors.update(error.errors)
    if cleaned["email"] and "@" not in cleaned["email"]:
        errors["email"] = [_("Not an e-mail address.")]
    if errors:
        raise ServiceError(errors)
    contact = Contact.objects.create(
        customer=customer, is_primary=bool(data.get("is_primary")), **cleaned
    )
    if contact.is_primary:
        Contact.objects.filter(customer=customer).exclude(pk=contact.pk).update(is_primary=False)
    record_event(actor=actor, action="contact_added", obj=customer, changes={"contact": contact.pk})
    return contact


@transaction.atomic
def record_referral(
    *,
    actor: User,
    referrer: Customer,
    referred: Customer,
    note: str = "",
    referred_on: datetime.date | None = None,
) -> Referral:
    """Record that ``referrer`` brought ``referred``, and owe the referrer a thank-you: a
    referral task for the referrer's account manager, due in REFERRAL_FOLLOW_UP_DAYS days."""
    _own(actor, referrer, Action.LOG_INTERACTIONS)
    if not Customer.objects.for_user(actor).filter(pk=referred.pk).exists() and not (
        actor.can_see_branch(referred.branch_id)
    ):
        raise ServiceError(_("Choose a customer you can see."), field="referred")
    if referrer.pk == referred.pk:
        raise ServiceError(_("A customer cannot refer themselves."), field="referred")
    day = referred_on or timezone.localdate()
    due = day + datetime.timedelta(days=REFERRAL_FOLLOW_UP_DAYS)
    try:
        with transaction.atomic():
            referral = Referral.objects.create(
                referrer=referrer,
                referred=referred,
                referred_on=day,
                follow_up_due=due,
                note=str(note or "").strip()[:300],
                created_by=actor,
            )
    except IntegrityError:
        raise ConflictError(_("This referral is already recorded."), field="referred") from None
    create_follow_up(
        referrer,
        reason=_("Thank %(referrer)s for referring %(referred)s.")
        % {"referrer": referrer.name, "referred": referred.name},
        due=due,
        source=f"referral:{referral.pk}",
        kind=TaskKind.REFERRAL,
        reason_code="referral_thanks",
        reason_params={"referrer": referrer.name, "referred": referred.name},
    )
    record_event(
        actor=actor,
        action="referral_recorded",
        obj=referrer,
        changes={"referral": referral.pk, "referred": referred.pk},
    )
    return referral


@transaction.atomic
def complete_referral_follow_up(*, actor: User, referral: Referral, note: str = "") -> Referral:
    """The referrer has been thanked: mark the follow-up done and close its task."""
    _own(actor, referral.referrer, Action.LOG_INTERACTIONS)
    if referral.follow_up_done_at is not None:
        raise ConflictError(_("This follow-up is already done."), field="referral")
    now = timezone.now()
    referral.follow_up_done_at = now
    referral.follow_up_note = str(note or "").strip()[:300]
    referral.save(update_fields=["follow_up_done_at", "follow_up_note"])
    ContactTask.objects.filter(
        customer=referral.referrer, kind=TaskKind.REFERRAL, key=f"referral:{referral.pk}"
    ).update(status=TaskStatus.DONE, done_at=now)
    record_event(
        actor=actor,
        action="referral_followed_up",
        obj=referral.referrer,
        changes={"referral": referral.pk},
    )
    return referral
