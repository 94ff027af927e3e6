"""Reads on survey models. Every branch-scoped read goes through ``.for_user(user)``."""

from __future__ import annotations

from django.db.models import Count, Q

from qiwang.accounts.querysets import BranchScopedQuerySet
from qiwang.surveys.choices import InvitationStatus, ResponseStatus


class InstrumentQuerySet(BranchScopedQuerySet):
    pass


class WaveQuerySet(BranchScopedQuerySet):
    def with_counts(self) -> WaveQuerySet:
        """Invitations, invitations answered and complete responses of any origin per wave
        (one query). The response rate is ``invited_complete_count / invitation_count`` only."""
        return self.annotate(
            invitation_count=Count("invitations", distinct=True),
            invited_complete_count=Count(
                "invitations",
                filter=Q(invitations__status=InvitationStatus.RESPONDED),
                distinct=True,
            ),
            complete_count=Count(
                "responses",
                filter=Q(responses__status=ResponseStatus.COMPLETE),
                distinct=True,
            ),
        ).select_related("version__instrument", "branch")

    def previous_of(self, wave) -> WaveQuerySet:  # type: ignore[no-untyped-def]
        """Earlier waves of the same instrument (any version), latest first."""
        return self.filter(
            version__instrument_id=wave.version.instrument_id, opens_at__lt=wave.opens_at
        ).order_by("-opens_at", "-pk")


class InvitationQuerySet(BranchScopedQuerySet):
    def unanswered(self) -> InvitationQuerySet:
        return self.filter(status__in=[InvitationStatus.SENT, InvitationStatus.OPENED])


class ResponseQuerySet(BranchScopedQuerySet):
    def complete(self) -> ResponseQuerySet:
        return self.filter(status=ResponseStatus.COMPLETE)
