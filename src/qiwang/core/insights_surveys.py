"""The survey sections of the Insights page: satisfaction per wave, its trend per branch, and
where expectations are not met. Reads only, and no statistics of its own: every number comes
from the functions the results and trend pages use (``surveys.results``: stage 1 and the
response rate; ``surveys.indices``: the satisfaction index; ``qiwang.analysis``: CSAT, NPS,
SERVQUAL gaps, IPA quadrants; ``surveys.text_answers``: the shares of negative comments).

Bounded: at most :data:`MAX_WAVES` waves (the newest with complete responses in the user's
branches), each read once through :func:`~qiwang.surveys.results.read_stage1` (a few small
queries per wave whatever its size).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qiwang.analysis import ipa, satisfaction, servqual
from qiwang.surveys import indices
from qiwang.surveys.choices import QuestionKind, ResponseStatus, WaveStatus
from qiwang.surveys.models import Response, Wave
from qiwang.surveys.presentation import DIMENSION_LABELS, QUADRANT_LABELS, csat_text, min_n
from qiwang.surveys.results import (
    ResponseRate,
    Stage1,
    ipa_sums,
    level_counts,
    read_stage1,
    response_rate,
    servqual_sums,
)
from qiwang.surveys.text_answers import Filters, dimension_shares, labels_of
from qiwang.surveys.text_models import AnswerTextLabel

if TYPE_CHECKING:
    from qiwang.accounts.models import User

#: At most this many waves on the page (the newest with complete responses).
MAX_WAVES = 12
#: Rows of the "lowest rated" and "worst gaps" lists.
WORST_ROWS = 5

#: What each headline measures, and its unit (shown beside every number and on the chart axis).
METRICS = {
    "index": (gettext_lazy("Satisfaction index"), gettext_lazy("points (0–100)")),
    "csat": (gettext_lazy("CSAT (satisfied or very satisfied)"), "%"),
    "servqual": (gettext_lazy("SERVQUAL gap (perception − expectation)"), gettext_lazy("points")),
    "nps": (gettext_lazy("Net Promoter Score"), gettext_lazy("points (−100 … 100)")),
}
#: Fixed ends of the chart's value axis per metric (``None``: fitted to the values).
AXIS_RANGE: dict[str, tuple[int, int] | None] = {
    "index": (0, 100),
    "csat": (0, 100),
    "servqual": None,
    "nps": (-100, 100),
}
#: Headline preference when an instrument allows several (the one its results page leads with).
METRIC_ORDER = ("index", "csat", "servqual", "nps")


@dataclass
class Headline:
    metric: str  # a key of METRICS
    value: float  # on the metric's own scale (CSAT in percent)
    n: int
    question: str = ""  # the question it is read from (CSAT, NPS), else ""

    @property
    def text(self) -> str:
        if self.metric == "csat":
            return csat_text(self.value / 100)
        return f"{self.value:.1f}"

    @property
    def label(self) -> str:
        return str(METRICS[self.metric][0])

    @property
    def unit(self) -> str:
        return str(METRICS[self.metric][1])


@dataclass
class WaveSummary:
    wave: Wave
    rate: ResponseRate
    headline: Headline | None
    stage: Stage1 = field(repr=False)
    servqual: servqual.ServqualResult | None = None
    csat: tuple[satisfaction.CsatResult, ...] = ()
    ipa: ipa.IpaResult | None = None


def recent_waves(user: User) -> list[Wave]:
    """The newest :data:`MAX_WAVES` sent waves of the user's branches with a complete response,
    newest first (one query)."""
    complete = Response.objects.filter(wave=OuterRef("pk"), status=ResponseStatus.COMPLETE)
    return list(
        Wave.objects.for_user(user)
        .exclude(status=WaveStatus.DRAFT)
        .filter(Exists(complete))
        .select_related("branch", "version__instrument")
        .order_by("-opens_at", "-pk")[:MAX_WAVES]
    )


def _csat_headline(results: tuple[satisfaction.CsatResult, ...]) -> Headline | None:
    if not results:
        return None
    chosen = next((r for r in results if r.question == indices.TARGET), results[0])
    if not chosen.n or math.isnan(chosen.csat):
        return None
    return Headline("csat", 100 * chosen.csat, chosen.n, chosen.question)


def _index_headline(wave: Wave, stage: Stage1) -> Headline | None:
    if not any(q.kind == QuestionKind.RATING_10 for q in stage.questions):
        return None
    sums = indices.bucket_sums(wave)
    found = indices.satisfaction_index(sums) if sums is not None else None
    if found is None or math.isnan(found.index):
        return None
    return Headline("index", found.index, sums.n if sums is not None else 0)


def summarise(wave: Wave) -> WaveSummary:
    """One wave's response rate, its headline and what the "expectations" section needs."""
    stage = read_stage1(wave)
    summary = WaveSummary(wave=wave, rate=response_rate(wave, stage), headline=None, stage=stage)
    kinds = set(stage.kinds.values())
    for kind in (QuestionKind.SCALE_5, QuestionKind.SCALE_7):
        if kind in kinds:
            counts = level_counts(stage, kind, 1, 5 if kind == QuestionKind.SCALE_5 else 7)
            if counts is not None:
                summary.csat += satisfaction.csat(counts)
    if QuestionKind.SERVQUAL in kinds:
        sums = servqual_sums(stage)
        summary.servqual = servqual.analyze_sums(sums) if sums is not None else None
    sums_ipa = ipa_sums(stage)
    summary.ipa = ipa.analyze_sums(sums_ipa) if sums_ipa is not None else None
    candidates: dict[str, Headline | None] = {"csat": _csat_headline(summary.csat)}
    if summary.servqual is not None and summary.servqual.overall:
        overall = summary.servqual.overall[0]
        if not math.isnan(overall.gap):
            candidates["servqual"] = Headline("servqual", overall.gap, overall.n)
    if QuestionKind.NPS in kinds:
        counts = level_counts(stage, QuestionKind.NPS, 0, 10)
        result = satisfaction.nps(counts)[0] if counts is not None else None
        if result is not None and result.n and not math.isnan(result.nps):
            candidates["nps"] = Headline("nps", result.nps, result.n, result.question)
    if candidates["csat"] is None and "servqual" not in candidates:
        candidates["index"] = _index_headline(wave, stage)
    summary.headline = next(
        (found for key in METRIC_ORDER if (found := candidates.get(key)) is not None), None
    )
    return summary


def _label(stage: Stage1, attribute: str) -> str:
    question = next((q for q in stage.questions if q.attribute == attribute), None)
    return question.text if question is not None else attribute


def satisfaction_rows(summaries: list[WaveSummary]) -> list[dict[str, Any]]:
    rows = []
    for s in summaries:
        h = s.headline
        rows.append(
            {
                "wave": s.wave,
                "branch": s.wave.branch.name,
                "headline": h,
                "question": _label(s.stage, h.question) if h and h.question else "",
                "complete": s.rate.complete,
                "invited": s.rate.invited,
                "rate": s.rate.percent,
                "small": h is not None and h.n < min_n(),
            }
        )
    return rows


def trend_charts(summaries: list[WaveSummary]) -> list[dict[str, Any]]:
    """One chart per headline metric with at least two waves: a line per branch over the
    waves' opening dates (one category per date, oldest first; a branch without a wave that
    day has no point there). Each point names its wave for the tooltip."""
    points: dict[str, dict[str, dict[str, tuple[float, str]]]] = {}
    for s in sorted(summaries, key=lambda s: (s.wave.opens_at, s.wave.pk)):
        if s.headline is None:
            continue
        day = timezone.localtime(s.wave.opens_at).date().isoformat()
        lines = points.setdefault(s.headline.metric, {})
        lines.setdefault(s.wave.branch.name, {})[day] = (round(s.headline.value, 1), s.wave.name)
    charts = []
    for metric in METRIC_ORDER:
        lines = points.get(metric, {})
        if sum(len(line) for line in lines.values()) < 2:
            continue
        days = sorted({day for line in lines.values() for day in line})
        charts.append(
            {
                "id": f"chart-trend-{metric}",
                "metric": metric,
                "title": str(METRICS[metric][0]),
                "unit": str(METRICS[metric][1]),
                "range": AXIS_RANGE[metric],
                "days": days,
                "series": [
                    {
                        "name": name,
                        "values": [line[day][0] if day in line else None for day in days],
                        "waves": [line[day][1] if day in line else "" for day in days],
                    }
                    for name, line in lines.items()
                ],
            }
        )
    return charts


def _round(value: float, digits: int = 2) -> float | None:
    return None if math.isnan(value) else round(value, digits)


def servqual_gaps(summaries: list[WaveSummary]) -> dict[str, Any] | None:
    """The newest wave with SERVQUAL: dimensions worst gap first, and its worst items."""
    s = next((s for s in summaries if s.servqual is not None and s.servqual.dimensions), None)
    if s is None or s.servqual is None:
        return None
    dimensions = sorted(s.servqual.dimensions, key=lambda d: (math.isnan(d.gap), d.gap))
    items = sorted((i for i in s.servqual.items if not math.isnan(i.gap)), key=lambda i: i.gap)[
        :WORST_ROWS
    ]
    return {
        "wave": s.wave,
        "dimensions": [
            {
                "label": str(DIMENSION_LABELS.get(d.name, d.name)),
                "e": _round(d.expectation_mean),
                "p": _round(d.perception_mean),
                "gap": _round(d.gap),
                "n": d.n,
                "small": d.n < min_n(),
            }
            for d in dimensions
        ],
        "items": [
            {"label": _label(s.stage, i.name), "gap": _round(i.gap), "n": i.n} for i in items
        ],
        "chart": {
            "id": "chart-servqual-gaps",
            "seriesName": _("Gap (points)"),
            "pairs": [
                [str(DIMENSION_LABELS.get(d.name, d.name)), _round(d.gap)]
                for d in dimensions
                if not math.isnan(d.gap)
            ],
        },
    }


def lowest_rated(summaries: list[WaveSummary]) -> dict[str, Any] | None:
    """The newest wave with rating questions: its lowest CSAT first, with the IPA quadrant of
    each attribute when the wave asked importance."""
    s = next((s for s in summaries if s.csat), None)
    if s is None:
        return None
    quadrants = {
        a.attribute: str(QUADRANT_LABELS.get(a.quadrant, a.quadrant))
        for a in (s.ipa.attributes if s.ipa is not None else ())
        if a.quadrant
    }
    ranked = sorted((r for r in s.csat if r.n), key=lambda r: r.csat)[:WORST_ROWS]
    return {
        "wave": s.wave,
        "rows": [
            {
                "label": _label(s.stage, r.question),
                "csat": csat_text(r.csat),
                "n": r.n,
                "small": r.n < min_n(),
                "quadrant": quadrants.get(r.question, ""),
            }
            for r in ranked
        ],
    }


def negative_comments(summaries: list[WaveSummary]) -> dict[str, Any] | None:
    """Per SERVQUAL dimension, the share of negative mentions in the free-text comments of the
    newest of the waves whose comments are labelled (two queries)."""
    ids = [s.wave.pk for s in summaries]
    labelled = set(
        AnswerTextLabel.objects.filter(wave_id__in=ids)
        .order_by()
        .values_list("wave_id", flat=True)
        .distinct()
    )
    s = next((s for s in summaries if s.wave.pk in labelled), None)
    if s is None:
        return None
    rows = labels_of(s.wave, Filters(), s.stage.questions)
    total, by_sentiment, dimensions = dimension_shares(rows)
    shown = [d for d in dimensions if d["mentions"]]
    shown.sort(key=lambda d: -(d["negative_share"] or 0))
    return {
        "wave": s.wave,
        "total": total,
        "negative": by_sentiment["negative"],
        "dimensions": shown,
    }


def survey_sections(user: User) -> dict[str, Any]:
    summaries = [summarise(wave) for wave in recent_waves(user)]
    return {
        "waves": satisfaction_rows(summaries),
        "trend_charts": trend_charts(summaries),
        "gaps": servqual_gaps(summaries),
        "lowest": lowest_rated(summaries),
        "comments": negative_comments(summaries),
        "max_waves": MAX_WAVES,
    }
