"""The question library of a branch, offered on an instrument page to be copied in.

Two sources: the **curated library** (:class:`LibraryQuestion`) — questions a manager saved with
*Save to the library* on an instrument page and may remove on the library page, per branch — and
every question of the latest version of the other instruments the user sees (their branches and
those below).

A copied question keeps its attribute key, so its answers line up with the source instrument's
across waves (trends, the falling test). Questions whose key the instrument already uses are not
offered; one question per key (the newest instrument's); a condition (display logic) is not
copied, since its source question may be missing here.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _

from qiwang.accounts.models import User
from qiwang.accounts.permissions import Action, can
from qiwang.accounts.services import record_event
from qiwang.errors import ServiceError
from qiwang.surveys.models import Instrument, InstrumentVersion, LibraryQuestion, Question

__all__ = [
    "LIBRARY_FIELDS",
    "LIBRARY_LIMIT",
    "curated_questions",
    "library_questions",
    "remove_from_library",
    "save_to_library",
]

#: What a library entry keeps of a question (not its condition, nor its catalogue link).
LIBRARY_FIELDS = (
    "attribute",
    "kind",
    "dimension",
    "text_zh",
    "text_en",
    "options",
    "is_required",
    "asks_importance",
    "max_length",
)

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


def curated_questions(user: User, instrument: Instrument | None = None) -> list[LibraryQuestion]:
    """The curated library entries ``user`` sees (keys ``instrument`` already uses left out)."""
    rows = LibraryQuestion.objects.for_user(user).select_related("branch", "added_by")
    if instrument is not None:
        latest = instrument.latest_version()
        if latest is not None:
            rows = rows.exclude(attribute__in=latest.questions.values("attribute"))
    return list(rows.order_by("branch__name", "attribute")[:LIBRARY_LIMIT])


def save_to_library(*, actor: User, question: Question) -> tuple[LibraryQuestion, bool]:
    """Save a question of an instrument to its branch's library (the entry with the same key is
    updated: the library keeps one wording per key and branch). Returns (entry, created)."""
    branch = question.version.instrument.branch
    if not can(actor, Action.CHANGE_SURVEYS, branch):
        raise ServiceError(_("You may not change surveys here."))
    with transaction.atomic():
        entry, created = LibraryQuestion.objects.update_or_create(
            branch=branch,
            attribute=question.attribute,
            defaults={
                **{key: getattr(question, key) for key in LIBRARY_FIELDS if key != "attribute"},
                "added_by": actor,
            },
        )
        record_event(
            actor=actor,
            action="survey_library_saved",
            obj=entry,
            changes={"attribute": entry.attribute, "created": created},
        )
    return entry, created


def remove_from_library(*, actor: User, entry: LibraryQuestion) -> None:
    """Remove an entry from the library (instruments that copied it keep their questions)."""
    if not can(actor, Action.CHANGE_SURVEYS, entry.branch):
        raise ServiceError(_("You may not change surveys here."))
    with transaction.atomic():
        record_event(
            actor=actor,
            action="survey_library_removed",
            obj=entry,
            changes={"attribute": entry.attribute},
        )
        entry.delete()
