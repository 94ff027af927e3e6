"""Reads on complaints: every list goes through ``.for_user(user)``."""

from __future__ import annotations

import datetime

from django.db import models
from django.db.models import Case, IntegerField, Q, Value, When

from qiwang.accounts.querysets import BranchScopedQuerySet

OPEN_STATUSES = ("open", "waiting")


class ComplaintQuerySet(BranchScopedQuerySet):
    def open(self) -> ComplaintQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, now: datetime.datetime) -> ComplaintQuerySet:
        """Open complaints past a deadline (first response not given in time, or resolution);
        a paused clock is not overdue."""
        return self.open().filter(
            Q(first_response_at__isnull=True, first_response_due__lt=now)
            | Q(resolution_due__lt=now, paused_since__isnull=True)
        )

    def queue_order(self) -> ComplaintQuerySet:
        """Angry first, then priority, then the earliest deadline."""
        return self.annotate(
            angry_rank=Case(
                When(emotion="angry", then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        ).order_by("angry_rank", "-priority", models.F("resolution_due").asc(nulls_last=True), "pk")

    def with_related(self) -> ComplaintQuerySet:
        """The small tables joined; the customer read for the page's rows only (joining a
        million-customer table before the queue's sort and limit costs more than the sort)."""
        return self.select_related(
            "branch", "category", "assigned_to", "incident"
        ).prefetch_related("customer")


class IncidentQuerySet(BranchScopedQuerySet):
    def open(self) -> IncidentQuerySet:
        return self.filter(resolved_at__isnull=True)


class MoveQuerySet(BranchScopedQuerySet):
    branch_field = "complaint__branch"


class CompensationQuerySet(BranchScopedQuerySet):
    def pending(self) -> CompensationQuerySet:
        return self.filter(status="pending")

    def counted(self) -> CompensationQuerySet:
        """Compensations that were (or will be) given: the ledger."""
        return self.filter(status__in=("approved", "given"))


class TallyQuerySet(BranchScopedQuerySet):
    pass
