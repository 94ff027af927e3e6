"""A customer's timeline: everything that happened with them, newest first.

Extension point: a module that records things about customers (surveys, deliveries, complaints)
registers a provider in its ``AppConfig.ready``::

    from qiwang.customers.timeline import TimelineEntry, register

    def survey_entries(customer, user, limit):
        for response in Response.objects.for_user(user).filter(customer=customer)[:limit]:
            yield TimelineEntry(at=response.submitted_at, kind="survey", title=..., detail=...)

    register("surveys", survey_entries)

A provider returns at most ``limit`` entries (its newest) and applies the user's scope itself;
the timeline merges all providers and keeps the newest ``limit``.
"""

from __future__ import annotations

import datetime
import heapq
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _

from qiwang.accounts.models import User
from qiwang.customers.choices import TaskStatus, TierChangeStatus
from qiwang.customers.models import (
    ContactTask,
    Customer,
    Interaction,
    LifecycleChange,
    OutboundMessage,
    Referral,
    TierChange,
)

__all__ = ["TimelineEntry", "register", "timeline"]


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime.datetime
    kind: str  # "interaction", "tier", "task", "lifecycle", "message", "referral", "survey", …
    title: str
    detail: str = ""
    url: str = ""
    is_alert: bool = False


Provider = Callable[[Customer, User, int], Iterable[TimelineEntry]]
_PROVIDERS: dict[str, Provider] = {}


def register(name: str, provider: Provider) -> None:
    """Add (or replace) the provider called ``name``."""
    _PROVIDERS[name] = provider


def timeline(customer: Customer, user: User, *, limit: int = 100) -> list[TimelineEntry]:
    entries: list[TimelineEntry] = []
    for provider in _PROVIDERS.values():
        entries.extend(provider(customer, user, limit))
    return heapq.nlargest(limit, entries, key=lambda entry: entry.at)


def _midnight(day: datetime.date) -> datetime.datetime:
    from django.utils import timezone

    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def _interactions(customer: Customer, user: User, limit: int) -> Iterable[TimelineEntry]:
    from qiwang.customers.models import ContactTopic
    from qiwang.customers.services.profiles import answer_text, industry_of_branch

    rows = Interaction.objects.for_user(user).filter(customer=customer).select_related("author")
    topics = {
        topic.code: topic
        for topic in ContactTopic.objects.filter(industry=industry_of_branch(customer.branch_id))
    }
    for row in rows[:limit]:
        facts = [answer_text(topics.get(code), code, value) for code, value in row.answers.items()]
        if row.next_step:
            facts.append(_("next: %s") % row.next_step)
        yield TimelineEntry(
            at=row.occurred_at,
            kind="interaction",
            title=_("%(channel)s by %(author)s")
            % {"channel": row.get_channel_display(), "author": row.author or "—"},
            detail=" · ".join([*(str(fact) for fact in facts), row.notes][:4]).strip(" ·"),
            is_alert=row.is_anomaly,
        )


def _tier_changes(customer: Customer, user: User, limit: int) -> Iterable[TimelineEntry]:
    rows = (
        TierChange.objects.for_user(user)
        .filter(customer=customer)
        .exclude(status=TierChangeStatus.REJECTED)
        .select_related("decided_by")
    )
    for row in rows[:limit]:
        title = _("Tier %(old)s → %(new)s") % {
            "old": row.get_old_tier_display(),
            "new": row.get_new_tier_display(),
        }
        if row.status == TierChangeStatus.SUGGESTED:
            title = _("Suggested: %s") % title
        yield TimelineEntry(
            at=row.decided_at or row.suggested_at,
            kind="tier",
            title=title,
            detail=row.reason_text,
            url=reverse("customers:tiers"),
        )


def _tasks(customer: Customer, user: User, limit: int) -> Iterable[TimelineEntry]:
    rows = (
        ContactTask.objects.for_user(user)
        .filter(customer=customer)
        .exclude(status=TaskStatus.DONE)
        .order_by("-due_date", "-pk")
    )
    for row in rows[:limit]:
        yield TimelineEntry(
            at=row.escalated_at or _midnight(row.due_date),
            kind="task",
            title=_("%(kind)s due %(date)s (%(status)s)")
            % {
                "kind": row.get_kind_display(),
                "date": row.due_date.isoformat(),
                "status": row.get_status_display(),
            },
            detail=row.note_text,
            is_alert=row.escalated_at is not None,
        )


def _lifecycle(customer: Customer, user: User, limit: int) -> Iterable[TimelineEntry]:
    for row in LifecycleChange.objects.for_user(user).filter(customer=customer)[:limit]:
        yield TimelineEntry(
            at=_midnight(row.changed_on),
            kind="lifecycle",
            title=_("Lifecycle %(old)s → %(new)s")
            % {
                "old": row.get_old_lifecycle_display() or "—",
                "new": row.get_new_lifecycle_display(),
            },
        )


def _messages(customer: Customer, user: User, limit: int) -> Iterable[TimelineEntry]:
    for row in OutboundMessage.objects.for_user(user).filter(customer=customer)[:limit]:
        title = _("%(channel)s sent") % {"channel": row.get_channel_display()}
        if row.delivery_status:  # the SMS provider's receipt (surveys.receipts)
            title = _("%(channel)s sent — receipt: %(state)s") % {
                "channel": row.get_channel_display(),
                "state": " ".join(
                    part for part in (row.get_delivery_status_display(), row.delivery_error) if part
                ),
            }
        yield TimelineEntry(at=row.sent_at, kind="message", title=title, detail=row.body[:200])


def _referrals(customer: Customer, user: User, limit: int) -> Iterable[TimelineEntry]:
    rows = (
        Referral.objects.filter(referrer=customer) | Referral.objects.filter(referred=customer)
    ).select_related("referrer", "referred")
    for row in rows.order_by("-referred_on", "-pk")[:limit]:
        yield TimelineEntry(
            at=_midnight(row.referred_on),
            kind="referral",
            title=_("%(referrer)s referred %(referred)s")
            % {"referrer": row.referrer.name, "referred": row.referred.name},
            detail=row.note,
        )


register("interactions", _interactions)
register("tier_changes", _tier_changes)
register("tasks", _tasks)
register("lifecycle", _lifecycle)
register("messages", _messages)
register("referrals", _referrals)
