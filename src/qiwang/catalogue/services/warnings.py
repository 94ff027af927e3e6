"""Warnings on services: codes and parameters, computed for many services at once.

Each warning is a :class:`Warning` (``code``, ``params``); ``presentation.render_warning``
turns it into the title, the rule and the recommended action in the reader's language at
display time. The rules (docs/catalogue.md):

- ``kano_must_be_as_surprise``: the latest wave classes the service must-be but it is served as
  a surprise (absent → anger; it must become a basic service with a standard);
- ``kano_attractive_promised``: classed attractive but promised by an explicit standard (a
  promised delight is no delight, and speeds its fall);
- ``kano_tier_mismatch``: any other disagreement of tier and class (basic ↔ must-be, expected ↔
  one-dimensional, surprise ↔ attractive);
- ``kano_fell``: the class fell between the two latest waves (attractive → one-dimensional →
  must-be);
- ``basic_without_explicit``: a basic service without an explicit commitment in force;
- ``over_promise``: the commitment in force is broken significantly more often than allowed
  (the lower end of the breach rate's 95 % interval is above the allowed rate);
- ``publication_beyond_scope``: a publication reached wider than the publicity scope;
- ``comparison_risk``: customers told of the service who are not eligible for it;
- ``habituation``: customers whose past surprises became predictable;
- ``ratchet``: customers whose expectation jumped after a large positive gap on a repeated
  service.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Count

from qiwang.catalogue.choices import CommitmentLevel, KanoClass, ServiceTier
from qiwang.catalogue.models import (
    Commitment,
    Delivery,
    ExpectationState,
    Service,
    ServiceMeasurement,
)
from qiwang.catalogue.services.keeping import Rate, keeping_by
from qiwang.catalogue.services.publications import beyond_scope, comparison_risk
from qiwang.catalogue.services.surprises import habituated_customers
from qiwang.catalogue.services.tallies import tallied_rates, window

if TYPE_CHECKING:
    from qiwang.accounts.models import User

#: Tier a Kano class calls for.
TIER_OF_CLASS = {
    KanoClass.MUST_BE: ServiceTier.BASIC,
    KanoClass.ONE_DIMENSIONAL: ServiceTier.EXPECTED,
    KanoClass.ATTRACTIVE: ServiceTier.SURPRISE,
}
#: Rank in the fall attractive → one-dimensional → must-be.
FALL_RANK = {KanoClass.ATTRACTIVE: 2, KanoClass.ONE_DIMENSIONAL: 1, KanoClass.MUST_BE: 0}
CODES = (
    "kano_must_be_as_surprise",
    "kano_attractive_promised",
    "kano_tier_mismatch",
    "kano_fell",
    "basic_without_explicit",
    "over_promise",
    "publication_beyond_scope",
    "comparison_risk",
    "habituation",
    "ratchet",
)


@dataclass(frozen=True)
class Warning:
    code: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class ServiceFacts:
    """What the catalogue page shows about one service."""

    service: Service
    commitment: Commitment | None = None
    kano_class: str = ""
    kano_previous: str = ""
    satisfaction: float | None = None
    servqual_gap: float | None = None
    wave_name: str = ""
    keeping: Rate | None = None
    publications: int = 0
    comparison_risk: int = 0
    warnings: list[Warning] = field(default_factory=list)


def _latest_two(
    measurements: list[ServiceMeasurement], keys: list[str]
) -> list[ServiceMeasurement]:
    """The two latest Kano classes of the service's first attribute classed by a wave."""
    by_attribute: dict[str, list[ServiceMeasurement]] = defaultdict(list)
    for m in measurements:
        by_attribute[m.attribute].append(m)
    for key in list(keys) + sorted(by_attribute):
        rows = [m for m in by_attribute.get(key, []) if m.kano_class]
        if rows:
            return sorted(rows, key=lambda m: (m.measured_on, m.wave_id), reverse=True)[:2]
    return []


def service_facts(
    services: Iterable[Service],
    *,
    today: datetime.date,
    deliveries: Any = None,
    user: User | None = None,
) -> list[ServiceFacts]:
    """Facts and warnings for each service, with a fixed number of queries per service kind.

    The keeping rate covers :func:`tallies.window` (the last 12 whole months and the current
    one): read from the tallies in ``user``'s scope when ``user`` is given, else counted live
    over ``deliveries`` (every delivery if ``None``) — the same figures (a test checks it)."""
    services = list(services)
    ids = [s.pk for s in services]
    facts = {s.pk: ServiceFacts(service=s) for s in services}
    for c in Commitment.objects.filter(service__in=ids).in_force_on(today):
        facts[c.service_id].commitment = c
    grouped: dict[int, list[ServiceMeasurement]] = defaultdict(list)
    for m in ServiceMeasurement.objects.filter(service__in=ids):
        grouped[m.service_id].append(m)
    if user is not None:
        keeping = tallied_rates(user, ids, "service", today=today)
    else:
        first, last = window(today)
        scoped = deliveries if deliveries is not None else Delivery.objects.all()
        keeping = keeping_by(scoped.filter(service__in=ids), "service", start=first, end=last)
    ratchets = dict(
        ExpectationState.objects.filter(service__in=ids, ratchet_warning=True)
        .order_by()
        .values("service")
        .annotate(n=Count("pk"))
        .values_list("service", "n")
    )
    publication_counts = dict(
        Service.objects.filter(pk__in=ids).annotate(n=Count("publications")).values_list("pk", "n")
    )
    for service in services:
        f = facts[service.pk]
        f.keeping = keeping.get(service.pk)
        f.publications = publication_counts.get(service.pk, 0)
        latest = _latest_two(grouped.get(service.pk, []), list(service.survey_attributes or []))
        if latest:
            f.kano_class, f.wave_name = latest[0].kano_class, latest[0].wave_name
            if len(latest) > 1:
                f.kano_previous = latest[1].kano_class
        gaps = [m for m in grouped.get(service.pk, []) if m.satisfaction is not None]
        if gaps:
            newest = max(gaps, key=lambda m: (m.measured_on, m.wave_id))
            f.satisfaction, f.servqual_gap = newest.satisfaction, newest.servqual_gap
        f.warnings = _kano_warnings(f, latest) + _commitment_warnings(f)
        if f.publications:
            f.warnings += _publication_warnings(f)
        if service.tier == ServiceTier.SURPRISE:
            habituated = habituated_customers(service)
            if habituated:
                f.warnings.append(Warning("habituation", {"customers": len(habituated)}))
        if ratchets.get(service.pk):
            f.warnings.append(Warning("ratchet", {"customers": ratchets[service.pk]}))
    return [facts[s.pk] for s in services]


def _kano_warnings(f: ServiceFacts, latest: list[ServiceMeasurement]) -> list[Warning]:
    out: list[Warning] = []
    kano, tier = f.kano_class, f.service.tier
    if kano in TIER_OF_CLASS:
        params = {"kano": kano, "tier": tier, "wave": f.wave_name, "attribute": latest[0].attribute}
        explicit = f.commitment is not None and f.commitment.level == CommitmentLevel.EXPLICIT
        if kano == KanoClass.MUST_BE and tier == ServiceTier.SURPRISE:
            out.append(Warning("kano_must_be_as_surprise", params))
        elif kano == KanoClass.ATTRACTIVE and explicit:
            out.append(Warning("kano_attractive_promised", params))
        elif TIER_OF_CLASS[kano] != tier:
            out.append(Warning("kano_tier_mismatch", {**params, "suggested": TIER_OF_CLASS[kano]}))
    before, after = f.kano_previous, f.kano_class
    if before in FALL_RANK and after in FALL_RANK and FALL_RANK[after] < FALL_RANK[before]:
        out.append(
            Warning(
                "kano_fell",
                {
                    "before": before,
                    "after": after,
                    "wave_before": latest[1].wave_name,
                    "wave": latest[0].wave_name,
                    "attribute": latest[0].attribute,
                },
            )
        )
    return out


def _commitment_warnings(f: ServiceFacts) -> list[Warning]:
    out: list[Warning] = []
    c = f.commitment
    if f.service.tier == ServiceTier.BASIC and (c is None or c.level != CommitmentLevel.EXPLICIT):
        out.append(Warning("basic_without_explicit", {"level": c.level if c else ""}))
    rate = f.keeping
    if c is not None and c.has_target and rate is not None and rate.n:
        breach_low = 1.0 - rate.high
        if breach_low > c.allowed_breach:
            out.append(
                Warning(
                    "over_promise",
                    {
                        "target": c.target_text,
                        "breach": round(100 * rate.broken / rate.n, 1),
                        "breach_low": round(100 * breach_low, 1),
                        "allowed": round(100 * c.allowed_breach, 1),
                        "n": rate.n,
                    },
                )
            )
    return out


def _publication_warnings(f: ServiceFacts) -> list[Warning]:
    out: list[Warning] = []
    for publication in f.service.publications.all():
        publication.service = f.service
        reason = beyond_scope(publication)
        if reason:
            out.append(
                Warning(
                    "publication_beyond_scope",
                    {
                        "title": publication.title,
                        "date": publication.published_on.isoformat(),
                        "scope": f.service.publicity_scope,
                        "audience": publication.audience,
                        "reason": reason,
                    },
                )
            )
    f.comparison_risk = comparison_risk(f.service).count()
    if f.comparison_risk:
        out.append(Warning("comparison_risk", {"customers": f.comparison_risk}))
    return out
