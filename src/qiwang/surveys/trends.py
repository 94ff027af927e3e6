"""Attributes across waves (issue 14): the waves that share attribute keys with a wave, across
instruments, and each attribute's Kano class, Better / Worse, SERVQUAL gap and CSAT per wave.

Answers are grouped by ``Question.attribute`` (docs/surveys.md), so an instrument built anew from
the same template — or any instrument that keeps the keys — continues the history of the old
one. Every wave's numbers come from its own stage 1 (:func:`results.read_stage1`, tallies ∪ the
live tail: a few small queries per wave), and the falling test between two chosen waves is
:func:`qiwang.analysis.kano.compare_waves` on their stage-1 counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from qiwang.analysis import kano, satisfaction, servqual
from qiwang.surveys.choices import QuestionKind, WaveStatus
from qiwang.surveys.models import Question, Wave
from qiwang.surveys.presentation import DIMENSION_LABELS, csat_text
from qiwang.surveys.results import kano_counts, level_counts, read_stage1, servqual_sums

#: Kinds whose answers can be followed across waves, grouped by what is compared.
TRACKED = {
    QuestionKind.KANO: "kano",
    QuestionKind.SERVQUAL: "servqual",
    QuestionKind.SCALE_5: "csat",
    QuestionKind.SCALE_7: "csat",
}
#: At most this many waves on one trend page (the latest ones).
MAX_WAVES = 24


def attribute_keys(wave: Wave, kinds: tuple[str, ...] | None = None) -> set[str]:
    questions = Question.objects.filter(version_id=wave.version_id)
    if kinds is not None:
        questions = questions.filter(kind__in=kinds)
    return set(questions.values_list("attribute", flat=True))


def related_waves(
    wave: Wave, visible: QuerySet[Wave], *, kinds: tuple[str, ...] | None = None
) -> list[Wave]:
    """Waves the user may see, sent (not drafts), that share at least one attribute key of the
    given kinds with ``wave`` — any instrument — oldest first, ``wave`` included."""
    kinds = kinds or tuple(TRACKED)
    keys = attribute_keys(wave, kinds)
    if not keys:
        return [wave]
    ids = (
        visible.exclude(status=WaveStatus.DRAFT)
        .filter(version__questions__attribute__in=keys, version__questions__kind__in=kinds)
        .values_list("pk", flat=True)
        .distinct()
    )
    waves = list(
        Wave.objects.filter(pk__in=set(ids) | {wave.pk})
        .select_related("version__instrument")
        .order_by("opens_at", "pk")
    )
    return waves[-MAX_WAVES:]


def comparable_waves(wave: Wave, visible: QuerySet[Wave]) -> list[Wave]:
    """Earlier waves whose Kano attributes share keys with this wave's: what the results page
    offers to compare with, latest first."""
    return [
        other
        for other in reversed(related_waves(wave, visible, kinds=(QuestionKind.KANO,)))
        if other.pk != wave.pk and (other.opens_at, other.pk) < (wave.opens_at, wave.pk)
    ]


@dataclass
class WavePoint:
    wave: Wave
    n: int
    kano: dict[str, kano.KanoAttributeResult] = field(default_factory=dict)
    servqual: dict[str, servqual.GapStatistic] = field(default_factory=dict)
    csat: dict[str, satisfaction.CsatResult] = field(default_factory=dict)
    kano_counts: kano.KanoCounts | None = None


@dataclass
class Trend:
    waves: list[WavePoint]
    labels: dict[str, str]  # attribute key → wording (latest wave's)
    falls: dict[tuple[int, str], kano.KanoChange]  # (index of the later wave, attribute)

    def attributes(self, section: str) -> list[str]:
        seen: dict[str, None] = {}
        for point in self.waves:
            for key in getattr(point, section):
                seen.setdefault(key, None)
        return list(seen)


def wave_point(wave: Wave) -> WavePoint:
    stage = read_stage1(wave)
    n = sum(int(row[4]) for row in stage.respondents if row[0] == "responses")
    point = WavePoint(wave=wave, n=n)
    counts = kano_counts(stage)
    if counts is not None:
        point.kano_counts = counts
        point.kano = {item.attribute: item for item in kano.analyze_counts(counts).attributes}
    sums = servqual_sums(stage)
    if sums is not None:
        result = servqual.analyze_sums(sums)
        point.servqual = {stat.name: stat for stat in result.dimensions}
    for kind in (QuestionKind.SCALE_5, QuestionKind.SCALE_7):
        levels = level_counts(stage, kind, 1, 5 if kind == QuestionKind.SCALE_5 else 7)
        if levels is not None:
            point.csat.update({r.question: r for r in satisfaction.csat(levels)})
    return point


def build_trend(waves: list[Wave]) -> Trend:
    points = [wave_point(wave) for wave in waves]
    labels: dict[str, str] = {}
    for wave in waves:
        for question in Question.objects.filter(version_id=wave.version_id):
            labels[question.attribute] = _label(question)
    falls: dict[tuple[int, str], kano.KanoChange] = {}
    for i in range(1, len(points)):
        before, after = points[i - 1].kano_counts, points[i].kano_counts
        if before is None or after is None:
            continue
        comparison = kano.compare_waves(kano.analyze_counts(before), kano.analyze_counts(after))
        for change in comparison.changes:
            falls[(i, change.attribute)] = change
    return Trend(waves=points, labels=labels, falls=falls)


def _label(question: Question) -> str:
    if question.kind == QuestionKind.KANO:
        return question.text.removeprefix("关于「").removesuffix("」").removeprefix("About: ")
    return question.text


def trend_context(trend: Trend, *, attribute: str = "", min_n: int = 5) -> dict[str, Any]:
    """Tables (attribute × wave) and the chart of one chosen Kano attribute."""
    heads = [
        {"pk": p.wave.pk, "name": p.wave.name, "date": p.wave.opens_at, "n": p.n}
        for p in trend.waves
    ]
    kano_rows = []
    for key in trend.attributes("kano"):
        cells = []
        for i, point in enumerate(trend.waves):
            item = point.kano.get(key)
            change = trend.falls.get((i, key))
            cells.append(
                None
                if item is None
                else {
                    "category": item.category,
                    "n": item.n,
                    "better": round(item.better, 2),
                    "worse": round(item.worse, 2),
                    "small": item.n < min_n,
                    "falling": bool(
                        change is not None
                        and change.is_falling
                        and min(change.n_before, change.n_after) >= min_n
                    ),
                }
            )
        kano_rows.append({"key": key, "label": trend.labels.get(key, key), "cells": cells})
    servqual_rows = []
    for key in trend.attributes("servqual"):
        servqual_rows.append(
            {
                "key": key,
                "label": str(DIMENSION_LABELS.get(key, key)),
                "cells": [
                    None
                    if (stat := point.servqual.get(key)) is None
                    else {"gap": round(stat.gap, 2), "ratio": round(stat.ratio, 2), "n": stat.n}
                    for point in trend.waves
                ],
            }
        )
    csat_rows = []
    for key in trend.attributes("csat"):
        csat_rows.append(
            {
                "key": key,
                "label": trend.labels.get(key, key),
                "cells": [
                    None
                    if (r := point.csat.get(key)) is None
                    else {"csat": csat_text(r.csat), "n": r.n, "small": r.n < min_n}
                    for point in trend.waves
                ],
            }
        )
    chosen = attribute if attribute in {row["key"] for row in kano_rows} else ""
    if not chosen and kano_rows:
        chosen = kano_rows[0]["key"]
    chart = None
    if chosen:
        row = next(r for r in kano_rows if r["key"] == chosen)
        chart = {
            "waves": [h["name"] for h in heads],
            "better": [c["better"] if c else None for c in row["cells"]],
            "worse": [abs(c["worse"]) if c else None for c in row["cells"]],
            "categories": [c["category"] if c else "" for c in row["cells"]],
        }
    return {
        "heads": heads,
        "kano_rows": kano_rows,
        "servqual_rows": servqual_rows,
        "csat_rows": csat_rows,
        "chosen": chosen,
        "trend_chart": chart,
    }
