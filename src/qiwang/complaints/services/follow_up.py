"""The one-question satisfaction follow-up after a complaint is closed (CSAT after closing).

Closing a complaint sends the customer an SMS (through the outbox, see ``notify``) with a signed
link to a one-question page: "how satisfied are you with how we handled it?" 1–5. The customer
answers without an account; the answer is stored on the complaint with a row on its timeline,
once (a second tap shows the answer already stored). An agent who hears the answer by phone
records it on the complaint page instead (``handling.record_follow_up_score``), only while no
answer is stored; the customer's own answer from the link then still replaces the staff entry.
"""

from __future__ import annotations

from typing import Any

from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from qiwang.complaints.choices import MoveKind, Status
from qiwang.complaints.models import Complaint, Move
from qiwang.errors import ConflictError, ServiceError

SALT = "qiwang.complaints.follow_up"
#: The link answers for this long after closing.
MAX_AGE_DAYS = 30


def follow_up_token(complaint: Complaint) -> str:
    return signing.TimestampSigner(salt=SALT).sign(str(complaint.pk))


def follow_up_link(complaint: Complaint, base_url: str = "") -> str:
    path = reverse("complaints_public:follow_up", args=[follow_up_token(complaint)])
    return base_url.rstrip("/") + path if base_url else path


def complaint_from_token(token: str) -> Complaint | None:
    """The complaint a follow-up link names, or None for a forged or expired link."""
    try:
        pk = signing.TimestampSigner(salt=SALT).unsign(token, max_age=MAX_AGE_DAYS * 86400)
    except signing.BadSignature:  # SignatureExpired is a BadSignature
        return None
    if not pk.isdigit():
        return None
    return Complaint.objects.select_related("branch").filter(pk=int(pk)).first()


class AlreadyAnswered(ConflictError):
    def __init__(self, score: int) -> None:
        self.score = score
        super().__init__(_("You have already answered: %(score)s of 5.") % {"score": score})


def record_customer_answer(complaint: Complaint, *, score: Any) -> Complaint:
    """Store the customer's own answer (1–5) once; refuse a bad score naming the field."""
    try:
        value = int(str(score).strip())
    except ValueError:
        value = 0
    if not 1 <= value <= 5:
        raise ServiceError(_("Choose a score from 1 to 5."), field="score")
    now = timezone.now()
    with transaction.atomic():
        current = Complaint.objects.select_for_update(of=("self",)).get(pk=complaint.pk)
        if current.status not in (Status.RESOLVED, Status.CLOSED):
            raise ServiceError(_("This complaint is not resolved yet."), field="score")
        replaced = current.follow_up_score
        if replaced is not None and current.follow_up_by != "staff":
            raise AlreadyAnswered(replaced)
        # The customer's own answer wins over one staff entered on their behalf (kept on the
        # timeline); never the reverse (``handling.record_follow_up_score``).
        current.follow_up_score, current.follow_up_by = value, "customer"
        current.save(update_fields=["follow_up_score", "follow_up_by", "updated_at"])
        params: dict[str, Any] = {"score": value, "by": "customer"}
        if replaced is not None:
            params["replaces"] = replaced
        Move.objects.create(
            complaint=current,
            kind=MoveKind.OUTCOME,
            code="follow_up_score",
            params=params,
            at=now,
            from_step=current.step,
            to_step=current.step,
        )
    return current
