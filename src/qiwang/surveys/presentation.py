"""How results are shown: labels, rounding and chart data. No statistics here — every number
comes from :mod:`qiwang.surveys.results` (stage 1) and :mod:`qiwang.analysis` (stage 2)."""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qiwang.analysis import FIVE_LEVEL, KANO_ANSWERS, SEVEN_LEVEL
from qiwang.customers.choices import Tier
from qiwang.surveys.choices import QuestionKind
from qiwang.surveys.logic import condition_of
from qiwang.surveys.results import WaveResults

KANO_CATEGORY_LABELS = {
    "A": gettext_lazy("Attractive (delighter)"),
    "O": gettext_lazy("One-dimensional (expected)"),
    "M": gettext_lazy("Must-be (basic)"),
    "I": gettext_lazy("Indifferent"),
    "R": gettext_lazy("Reverse"),
    "Q": gettext_lazy("Questionable"),
}
DIMENSION_LABELS = {
    "tangibles": gettext_lazy("Tangibles"),
    "reliability": gettext_lazy("Reliability"),
    "responsiveness": gettext_lazy("Responsiveness"),
    "assurance": gettext_lazy("Assurance"),
    "empathy": gettext_lazy("Empathy"),
}
QUADRANT_LABELS = {
    "concentrate here": gettext_lazy("Concentrate here"),
    "keep up the good work": gettext_lazy("Keep up the good work"),
    "low priority": gettext_lazy("Low priority"),
    "possible overkill": gettext_lazy("Possible overkill"),
}


def scale_labels(kind: str) -> list[str]:
    """Labels of each level of a rating question, in the current language."""
    english = translation.get_language() == "en"
    if kind in (QuestionKind.SCALE_5, QuestionKind.SCALE_7):
        scale = FIVE_LEVEL if kind == QuestionKind.SCALE_5 else SEVEN_LEVEL
        return list(scale.labels_en if english else scale.labels_zh)
    if kind == QuestionKind.KANO:
        return list(KANO_ANSWERS.labels_en if english else KANO_ANSWERS.labels_zh)
    if kind == QuestionKind.NPS:
        return [str(level) for level in range(11)]
    if kind == QuestionKind.RATING_10:
        return [str(level) for level in range(1, 11)]
    if kind == QuestionKind.ALLOCATION:
        # Points are typed, not picked; one label per possible value keeps callers uniform.
        return [str(points) for points in range(101)]
    return [str(level) for level in range(1, 8)]


#: What a respondent reads as the Kano answers: the standard wording of Berger et al. (1993) in
#: English, the template's wording in Chinese (the catalogue's translations). The analysis keeps
#: its short codes (like, must-be, neutral, live-with, dislike) for managers and exports.
KANO_RESPONDENT_LABELS = (
    gettext_lazy("I like it that way"),
    gettext_lazy("It must be that way"),
    gettext_lazy("I am neutral"),
    gettext_lazy("I can live with it that way"),
    gettext_lazy("I dislike it that way"),
)


def respondent_labels(kind: str) -> list[str]:
    """The level labels a respondent sees: plain-language Kano answers, else
    :func:`scale_labels`."""
    if kind == QuestionKind.KANO:
        return [str(label) for label in KANO_RESPONDENT_LABELS]
    return scale_labels(kind)


def question_pages(questions: list[Any], size: int) -> list[list[Any]]:
    """Split questions into answer pages of at most ``size``, keeping a run of 100-point
    allocation questions together on one page of its own (its points must add up to 100 on
    that page, so the block may not be cut; a block longer than ``size`` is one longer page).
    A question shown only after an answer on the same page starts a new page (display logic,
    ``surveys.logic``: the answer it depends on is saved before its page is drawn)."""
    pages: list[list[Any]] = []
    current: list[Any] = []
    for question in questions:
        is_allocation = question.kind == QuestionKind.ALLOCATION
        in_block = bool(current) and current[-1].kind == QuestionKind.ALLOCATION
        condition = condition_of(question)
        depends_here = condition is not None and bool(
            condition.sources & {q.attribute for q in current}
        )
        if current and (
            is_allocation != in_block
            or (not is_allocation and len(current) >= size)
            or depends_here
        ):
            pages.append(current)
            current = []
        current.append(question)
    if current:
        pages.append(current)
    return pages or [[]]


def allocation_context(weights: Any, weighted: Any) -> dict[str, Any]:
    """The 100-point allocation section of the results page: mean points per dimension
    (``results.weights``: :class:`qiwang.analysis.servqual.DimensionWeight`) and the weighted
    SERVQUAL score (``results.weighted_servqual``: a ``GapStatistic`` or ``None``)."""
    rows = [
        {
            "label": DIMENSION_LABELS.get(weight.dimension, weight.dimension),
            "dimension": weight.dimension,
            "n": weight.n,
            "points": _round(weight.mean_points, 1),
        }
        for weight in weights or ()
        if weight.segment is None
    ]
    context: dict[str, Any] = {"allocation_rows": rows}
    if weighted is not None:
        context["weighted_servqual"] = {
            "n": weighted.n,
            "e": _round(weighted.expectation_mean),
            "p": _round(weighted.perception_mean),
            "gap": _round(weighted.gap),
            "low": _round(weighted.gap_low),
            "high": _round(weighted.gap_high),
        }
    return context


def _round(value: float | None, digits: int = 2) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return round(value, digits)


def _p_value(value: float) -> str:
    if math.isnan(value):
        return "—"
    return "< 0.0001" if value < 0.0001 else f"{value:.4f}"


SCALE_TITLES = {
    QuestionKind.SCALE_5: gettext_lazy("5-level satisfaction"),
    QuestionKind.SCALE_7: gettext_lazy("7-level satisfaction"),
    QuestionKind.NPS: gettext_lazy("Likelihood to recommend (0–10)"),
    QuestionKind.CES: gettext_lazy("Customer effort (1–7)"),
    QuestionKind.RATING_10: gettext_lazy("Rating 1–10 (satisfaction-index items)"),
}


def _short(text: str, limit: int = 16) -> str:
    """A chart axis label: the wording cut to ``limit`` characters with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def min_n() -> int:
    """Below this many answers a figure is greyed with a small-sample caution (issue 14)."""
    return int(getattr(settings, "QIWANG_SURVEY_MIN_N", 5))


def csat_text(share: float | None) -> str:
    """CSAT, one definition and one format everywhere: the share of top-two-box answers
    (satisfied or very satisfied) as a percentage with one decimal, e.g. "63.2 %"."""
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return "—"
    return f"{100 * share:.1f} %"


def nps_text(value: float | None) -> str:
    """NPS: promoters minus detractors in points (−100 … 100), one decimal, no percent sign."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:.1f}"


def _segment_label(segment: str | None, column: str) -> str:
    if column == "tier" and segment in Tier.values:
        return str(Tier(segment).label)
    return segment or "—"


def results_context(results: WaveResults) -> dict[str, Any]:
    wave = results.wave
    questions = {q.attribute: q for q in wave.version.questions.all()}

    def label(attribute: str) -> str:
        question = questions.get(attribute)
        if question is None:
            return attribute
        if question.kind == QuestionKind.KANO:
            return question.text.removeprefix("关于「").removesuffix("」").removeprefix("About: ")
        return question.text

    context: dict[str, Any] = {"results": results, "wave": wave, "rate": results.rate}
    charts: dict[str, Any] = {}
    if results.kano is not None:
        rows = []
        for item in results.kano.attributes:
            rows.append(
                {
                    "label": label(item.attribute),
                    "attribute": item.attribute,
                    "n": item.n,
                    "counts": [item.counts[c] for c in "AOMIRQ"],
                    "category": item.category,
                    "category_label": KANO_CATEGORY_LABELS[item.category],
                    "better": _round(item.better),
                    "worse": _round(item.worse),
                    "significant": item.fong_significant,
                    "problem": item.has_questionnaire_problem,
                    "functional": _round(item.continuous.functional_mean)
                    if item.continuous
                    else None,
                    "dysfunctional": _round(item.continuous.dysfunctional_mean)
                    if item.continuous
                    else None,
                    "importance": _round(item.continuous.importance_mean)
                    if item.continuous and item.continuous.importance_n
                    else None,
                }
            )
        for number, row in enumerate(rows, 1):
            row["number"] = number
        context["kano_rows"] = rows
        # Points carry a number, not the name: numbers are short enough not to collide, and the
        # key under each chart (and the tooltip) names them. Issue 14.
        charts["kanoBetterWorse"] = [
            [
                abs(row["worse"] or 0),
                row["better"] or 0,
                row["label"],
                row["category"],
                row["number"],
            ]
            for row in rows
        ]
        charts["kanoContinuous"] = [
            [
                row["dysfunctional"],
                row["functional"],
                row["label"],
                row["importance"] or 3,
                row["number"],
                row["category"],
            ]
            for row in rows
            if row["functional"] is not None
        ]
    if results.kano_by_tier is not None:
        # A pivot: one row per attribute, one column per tier (in tier order).
        present = {item.segment for item in results.kano_by_tier.attributes}
        tiers = [tier for tier in Tier.values if tier in present]
        cells = {(i.attribute, i.segment): i for i in results.kano_by_tier.attributes}
        context["kano_tiers"] = [_segment_label(tier, "tier") for tier in tiers]
        context["kano_by_tier"] = [
            {
                "label": label(row["attribute"]),
                "cells": [
                    {
                        "category": cells[key].category,
                        "n": cells[key].n,
                        "small": cells[key].n < min_n(),
                    }
                    if (key := (row["attribute"], tier)) in cells
                    else None
                    for tier in tiers
                ],
            }
            for row in context.get("kano_rows", [])
        ]
    if results.comparison is not None:
        context["comparison"] = [
            {
                "label": label(change.attribute),
                "before": change.category_before,
                "after": change.category_after,
                "falling": change.is_falling,
                "fall_move": change.is_fall_move,
                "p": _p_value(change.p_value),
                "p_text": ("p " if _p_value(change.p_value).startswith("<") else "p = ")
                + _p_value(change.p_value),
                "n_before": change.n_before,
                "n_after": change.n_after,
                "small": min(change.n_before, change.n_after) < min_n(),
                "exact": change.is_permutation_test,
            }
            for change in results.comparison.changes
        ]
        context["falling"] = [
            row for row in context["comparison"] if row["falling"] and not row["small"]
        ]
        context["falling_uncertain"] = [
            row for row in context["comparison"] if row["falling"] and row["small"]
        ]
    if results.servqual is not None:
        dimensions = [
            {
                "label": DIMENSION_LABELS.get(stat.name, stat.name),
                "n": stat.n,
                "e": _round(stat.expectation_mean),
                "p": _round(stat.perception_mean),
                "gap": _round(stat.gap),
                "low": _round(stat.gap_low),
                "high": _round(stat.gap_high),
                "ratio": _round(stat.ratio),
                "ratio_low": _round(stat.ratio_low),
                "ratio_high": _round(stat.ratio_high),
                "small": stat.n < min_n(),
            }
            for stat in results.servqual.dimensions
        ]
        items = [
            {
                "label": label(stat.name),
                "code": stat.name.upper(),
                "n": stat.n,
                "e": _round(stat.expectation_mean),
                "p": _round(stat.perception_mean),
                "gap": _round(stat.gap),
                "ratio": _round(stat.ratio),
            }
            for stat in results.servqual.items
        ]
        context["servqual_dimensions"] = dimensions
        context["servqual_items"] = items
        context["servqual_overall"] = [
            {
                "gap": _round(s.gap),
                "e": _round(s.expectation_mean),
                "p": _round(s.perception_mean),
                "ratio": _round(s.ratio),
            }
            for s in results.servqual.overall
        ]
        charts["servqualDimensions"] = [[d["label"], d["gap"]] for d in dimensions]
        # Item wording on the axis (cut to fit; the tooltip shows it whole), never the code.
        charts["servqualItemChart"] = [[_short(i["label"]), i["gap"], i["label"]] for i in items]
    # WaveResults.weights / .weighted_servqual (qiwang.surveys.weights.weighted_servqual)
    context.update(
        allocation_context(
            getattr(results, "weights", ()), getattr(results, "weighted_servqual", None)
        )
    )
    distributions = []
    groups = []
    for kind, counts in results.levels.items():
        levels = scale_labels(kind)
        rows = []
        for k, key in enumerate(counts.keys):
            row = {
                "label": label(key[1]),
                "kind": kind,
                "levels": levels,
                "counts": [int(c) for c in counts.counts[k]],
            }
            distributions.append(row)
            rows.append({"label": row["label"], "counts": row["counts"]})
        groups.append(
            {"kind": kind, "title": str(SCALE_TITLES[kind]), "levels": levels, "rows": rows}
        )
    context["distributions"] = distributions
    context["distribution_groups"] = groups
    charts["distributionGroups"] = groups
    choice_rows = []
    for choice in results.choices:
        options = dict(choice.question.option_labels())
        choice_rows.append(
            {
                "label": choice.question.text,
                "attribute": choice.question.attribute,
                "multiple": choice.question.kind == QuestionKind.MULTIPLE,
                "respondents": choice.respondents,
                "small": choice.respondents < min_n(),
                "options": [
                    {
                        "label": options.get(value, value),
                        "n": n,
                        "share": _round(100 * share, 1),
                    }
                    for (value, n), share in zip(choice.counts, choice.shares, strict=True)
                ],
            }
        )
    context["choice_rows"] = choice_rows
    charts["choices"] = [
        {
            "id": f"chart-choice-{row['attribute']}",
            "options": [_short(o["label"]) for o in row["options"]],
            "names": [o["label"] for o in row["options"]],
            "shares": [o["share"] for o in row["options"]],
            "counts": [o["n"] for o in row["options"]],
        }
        for row in choice_rows
        if row["respondents"]
    ]
    context["csat_rows"] = [
        {
            "label": label(r.question),
            "n": r.n,
            "attribute": r.question,
            "csat": csat_text(r.csat),
            "low": _round(100 * r.low, 1),
            "high": _round(100 * r.high, 1),
            "mean_score": _round(r.mean_score, 1),
            "small": r.n < min_n(),
        }
        for r in results.csat
    ]
    context["nps_rows"] = [
        {
            "label": label(r.question),
            "n": r.n,
            "attribute": r.question,
            "nps": nps_text(r.nps),
            "low": _round(r.low, 1),
            "high": _round(r.high, 1),
            "promoters": r.promoters,
            "passives": r.passives,
            "detractors": r.detractors,
            "small": r.n < min_n(),
        }
        for r in results.nps
    ]
    context["ces_rows"] = [
        {
            "label": label(r.question),
            "n": r.n,
            "attribute": r.question,
            "mean": _round(r.mean),
            "low": _round(r.low),
            "high": _round(r.high),
            "easy": _round(100 * r.share_easy, 1),
            "small": r.n < min_n(),
        }
        for r in results.ces
    ]
    breakdown = []
    for column, rows in results.csat_by_segment.items():
        for r in rows:
            if r.question == "overall" or len(results.csat) == 1:
                breakdown.append(
                    {
                        "by": _("Tier") if column == "tier" else _("Branch"),
                        "segment": _segment_label(r.segment, column),
                        "measure": "CSAT",
                        "label": label(r.question),
                        "n": r.n,
                        "value": csat_text(r.csat),
                        "small": r.n < min_n(),
                    }
                )
    for column, nps_rows in results.nps_by_segment.items():
        for r in nps_rows:
            breakdown.append(
                {
                    "by": _("Tier") if column == "tier" else _("Branch"),
                    "segment": _segment_label(r.segment, column),
                    "measure": "NPS",
                    "label": label(r.question),
                    "n": r.n,
                    "value": nps_text(r.nps),
                    "small": r.n < min_n(),
                }
            )
    context["headline_small"] = any(
        row["small"] for key in ("csat_rows", "nps_rows", "ces_rows") for row in context[key]
    )
    context["breakdown"] = breakdown
    context["min_n"] = min_n()
    if results.ipa is not None:
        ipa_rows = [
            {
                "label": label(a.attribute),
                "importance": _round(a.importance),
                "performance": _round(a.performance),
                "quadrant": QUADRANT_LABELS.get(a.quadrant, a.quadrant),
            }
            for a in results.ipa.attributes
        ]
        context["ipa_rows"] = ipa_rows
        charts["ipa"] = {
            "points": [[r["performance"], r["importance"], r["label"]] for r in ipa_rows],
            "x": _round(next(iter(results.ipa.performance_crosshair.values()))),
            "y": _round(next(iter(results.ipa.importance_crosshair.values()))),
        }
    from qiwang.surveys.presentation_index import index_context

    more, more_charts = index_context(results, label)
    context.update(more)
    charts.update(more_charts)
    charts["labels"] = {
        "better": _("Better (satisfaction when present)"),
        "worse": _("|Worse| (dissatisfaction when absent)"),
        "functional": _("Functional score"),
        "dysfunctional": _("Dysfunctional score"),
        "gap": _("Gap P − E"),
        "importance": _("Importance"),
        "performance": _("Performance"),
        "answers": _("Answers"),
        "share": _("Share of answers (%)"),
        "chosen": _("Respondents who chose it (%)"),
        "respondents": _("respondents"),
        "attributes": _("Attributes (size: importance)"),
        "shareOfR2": _("Share of explained variance (%)"),
        "indexScale": _("Index (0–100)"),
        "totalEffect": _("Importance (total effect)"),
        "pathCoefficient": _("Path coefficient"),
        "kanoCategories": {code: str(label) for code, label in KANO_CATEGORY_LABELS.items()},
    }
    context["charts"] = charts
    return context


def trend_labels() -> dict[str, str]:
    """Names of the trend chart's series and axes, in the current language."""
    return {
        "better": _("Better (satisfaction when present)"),
        "worse": _("|Worse| (dissatisfaction when absent)"),
        "kanoCategories": {code: str(label) for code, label in KANO_CATEGORY_LABELS.items()},
    }
