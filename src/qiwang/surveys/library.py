"""The question library of a branch: every question of the latest version of the instruments the
user sees (their branches and those below), offered on an instrument page to be copied in.

A copied question keeps its attribute key, so its answers line up with the source instrument's
across waves (trends, the falling test). Questions whose key the instrument already uses are not
offered; one question per key (the newest instrument's); a condition (display logic) is not
copied, since its source question may be missing here.
"""

from __future__ import annotations

from django.db.models import OuterRef, Subquery

from qiwang.accounts.models import User
from qiwang.surveys.models import Instrument, InstrumentVersion, Question

__all__ = ["LIBRARY_LIMIT", "library_questions"]

#: At most this many questions are offered (newest instruments first).
LIBRARY_LIMIT = 300


def library_questions(user: User, instrument: Instrument) -> list[Question]:
    """The questions ``user`` may copy into ``instrument`` (one query)."""
    latest = instrument.latest_version()
    taken = set(latest.questions.values_list("attribute", flat=True)) if latest else set()
    newest = (
        InstrumentVersion.objects.filter(instrument=OuterRef("version__instrument"))
        .order_by("-number")
        .values("pk")[:1]
    )
    rows = (
        Question.objects.filter(version__instrument__in=Instrument.objects.for_user(user))
        .exclude(version__instrument=instrument)
        .exclude(attribute__in=taken)
        .filter(version=Subquery(newest))
        .select_related("version__instrument")
        .order_by("-version__instrument_id", "position")
    )
    offered: dict[str, Question] = {}
    for question in rows[: LIBRARY_LIMIT * 4]:
        offered.setdefault(question.attribute, question)
        if len(offered) >= LIBRARY_LIMIT:
            break
    return list(offered.values())
