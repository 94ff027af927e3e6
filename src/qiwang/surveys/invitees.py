"""The invitees of a wave and each invitation's state (issue 14, item 7).

One state per invitation, the furthest it reached: *completed* (its response is complete),
*started* (a response with at least one saved answer — the definition of ADR 0070), *opened*,
*sent*, *queued* or *retrying* (waiting for the worker), *not sent*, and the two ends that stop it: *opted out* and *bounced* (the message could
not be delivered). Counted in one GROUP BY, listed a page at a time; the customer's code and name
only for roles that may see personal data (others see the branch and tier).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Case, CharField, Count, Exists, OuterRef, Q, Value, When
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qiwang.accounts.models import User
from qiwang.accounts.permissions import Action, can
from qiwang.surveys.choices import InvitationStatus, ResponseStatus
from qiwang.surveys.models import Answer, Invitation, Response, Wave

__all__ = ["STATES", "InviteePage", "invitees"]

#: (code, label) of each state, in the order of the funnel.
STATES: tuple[tuple[str, Any], ...] = (
    ("pending", _("Not sent")),
    ("queued", _("Queued for sending")),
    ("retrying", _("Waiting to retry")),
    ("sent", _("Sent")),
    ("opened", _("Opened")),
    ("started", pgettext_lazy("invitation state", "Started")),
    ("completed", _("Completed")),
    ("opted_out", _("Opted out")),
    ("bounced", _("Bounced")),
)
PAGE_SIZE = 50


@dataclass(frozen=True)
class InviteePage:
    counts: list[dict[str, Any]]  # code, label, n
    rows: list[Invitation]  # annotated with ``state``
    state: str
    total: int
    page: int
    pages: int
    shows_customer: bool


def _annotated(wave: Wave, user: User) -> Any:
    responses = Response.objects.filter(invitation=OuterRef("pk"))
    answered = Answer.objects.filter(response__invitation=OuterRef("pk"))
    return (
        Invitation.objects.for_user(user)
        .filter(wave=wave)
        .annotate(
            is_complete=Exists(responses.filter(status=ResponseStatus.COMPLETE)),
            has_answers=Exists(answered),
        )
        .annotate(
            state=Case(
                When(status=InvitationStatus.OPTED_OUT, then=Value("opted_out")),
                When(status=InvitationStatus.FAILED, then=Value("bounced")),
                When(
                    Q(is_complete=True) | Q(status=InvitationStatus.RESPONDED),
                    then=Value("completed"),
                ),
                When(has_answers=True, then=Value("started")),
                When(status=InvitationStatus.OPENED, then=Value("opened")),
                # A provider's receipt saying the SMS never arrived (surveys.receipts).
                When(delivery_status__in=["failed", "bounced"], then=Value("bounced")),
                When(status=InvitationStatus.SENT, then=Value("sent")),
                # Waiting for the worker (surveys.sending): first attempt or after a failure.
                When(status=InvitationStatus.QUEUED, send_attempts__gt=0, then=Value("retrying")),
                When(status=InvitationStatus.QUEUED, then=Value("queued")),
                default=Value("pending"),
                output_field=CharField(),
            )
        )
    )


def invitees(wave: Wave, user: User, *, state: str = "", page: int = 1) -> InviteePage:
    """The counts per state and one page of invitations (filtered by ``state`` if given)."""
    rows = _annotated(wave, user)
    found = dict(rows.order_by().values_list("state").annotate(n=Count("pk")))
    counts = [{"code": code, "label": label, "n": found.get(code, 0)} for code, label in STATES]
    if state not in dict(STATES):
        state = ""
    if state:
        rows = rows.filter(state=state)
    total = found.get(state, 0) if state else sum(found.values())
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    listed = list(
        rows.select_related("customer", "branch").order_by("pk")[
            (page - 1) * PAGE_SIZE : page * PAGE_SIZE
        ]
    )
    return InviteePage(
        counts=counts,
        rows=listed,
        state=state,
        total=total,
        page=page,
        pages=pages,
        shows_customer=can(user, Action.VIEW_PERSONAL_DATA, wave),
    )
