"""Weighted SERVQUAL from the 100-point allocation: stage 1 in the database, stage 2 in
:mod:`qiwang.analysis.servqual`.

A SERVQUAL instrument may ask each respondent to share 100 points among the five dimensions
(question kind ``allocation``, one question per dimension, ``value`` = points; the answer page
requires exactly 100). Zeithaml, Parasuraman & Berry (1990, *Delivering Quality Service*,
appendix "computing SERVQUAL scores") weight each respondent's dimension scores by the
respondent's own points and average the weighted scores over respondents:

    weighted score of respondent r = Σ_d (points_rd / 100) · (P̄_rd − Ē_rd)

Stage 1 here is SQL only: :func:`allocation_sums` is one GROUP BY over the allocation answers
(count and sum of points per dimension, for the mean weights), :func:`weighted_gap_sums` the
per-respondent weighted E and P summed over respondents (nested aggregates, like
``results.servqual_sums``). :func:`weighted_servqual` hands both to
:func:`qiwang.analysis.servqual.analyze_sums`, which computes the means, the weighted gap and its
interval. Nothing loops over responses in Python.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from django.db import connection
from django.db.models import Count, F, Sum

from qiwang.analysis import servqual
from qiwang.surveys.choices import QuestionKind, ResponseStatus
from qiwang.surveys.models import Answer, Question, Response, Wave
from qiwang.surveys.responding import ALLOCATION_TOTAL

__all__ = ["WeightedServqual", "allocation_sums", "weighted_gap_sums", "weighted_servqual"]


def _dimension_order(dimension: str) -> tuple[int, str]:
    order = {name: i for i, name in enumerate(servqual.DIMENSIONS)}
    return (order.get(dimension, len(order)), dimension)


def allocation_sums(wave: Wave) -> servqual.WeightSums | None:
    """Count and sum of the points per dimension over the complete responses: one GROUP BY.

    Returns ``None`` when the wave has no allocation answers.
    """
    questions = Question.objects.filter(
        version_id=wave.version_id, kind=QuestionKind.ALLOCATION
    ).values("pk")
    rows = list(
        Answer.objects.filter(
            response__wave=wave,
            response__status=ResponseStatus.COMPLETE,
            question_id__in=questions,
            value__isnull=False,
        )
        .values(dimension=F("question__dimension"))
        .annotate(n=Count("pk"), points=Sum("value"))
        .order_by()
    )
    if not rows:
        return None
    rows.sort(key=lambda row: _dimension_order(row["dimension"]))
    return servqual.WeightSums(
        keys=tuple((None, str(row["dimension"])) for row in rows),
        n=np.array([row["n"] for row in rows], dtype=np.int64),
        total=np.array([row["points"] for row in rows], dtype=np.float64),
    )


def weighted_gap_sums(wave: Wave, instrument: servqual.Instrument) -> servqual.GapSums | None:
    """Sums over respondents of the weighted expectation and perception (unit ``"weighted"``).

    A respondent counts when they gave points to every dimension of ``instrument`` adding up to
    100 and rated at least one item of every dimension (the rule of
    :func:`qiwang.analysis.servqual.summarize`). Returns ``None`` when nobody qualifies.
    """
    answer, question, response = (
        Answer._meta.db_table,
        Question._meta.db_table,
        Response._meta.db_table,
    )
    dimensions = list(instrument.dimensions)
    # Table names come from the models' meta, values are bound parameters.
    base = (
        f" FROM {answer} a JOIN {question} q ON q.id = a.question_id"  # noqa: S608
        f" JOIN {response} r ON r.id = a.response_id"
        " WHERE r.wave_id = %s AND r.status = %s AND q.kind = %s"
    )
    pairs = (
        "SELECT r.id AS rid, q.dimension AS dim, a.value * 1.0 AS e, a.second * 1.0 AS p"  # noqa: S608
        + base
        + " AND a.value IS NOT NULL AND a.second IS NOT NULL"
    )
    points = "SELECT r.id AS rid, q.dimension AS dim, a.value * 1.0 AS w" + base  # noqa: S608
    points += " AND a.value IS NOT NULL"
    scores = f"SELECT rid, dim, AVG(e) AS e, AVG(p) AS p FROM ({pairs}) t GROUP BY rid, dim"  # noqa: S608
    placeholders = ", ".join(["%s"] * len(dimensions))
    weighted = (
        "SELECT s.rid, SUM(pt.w / 100.0 * s.e) AS e, SUM(pt.w / 100.0 * s.p) AS p"  # noqa: S608
        f" FROM ({scores}) s JOIN ({points}) pt ON pt.rid = s.rid AND pt.dim = s.dim"
        f" WHERE s.dim IN ({placeholders})"
        " GROUP BY s.rid HAVING COUNT(*) = %s AND SUM(pt.w) = %s"
    )
    sql = (
        "SELECT COUNT(*), SUM(e), SUM(e * e), SUM(p), SUM(p * p), SUM(e * p)"  # noqa: S608
        f" FROM ({weighted}) w"
    )
    common = [wave.pk, ResponseStatus.COMPLETE]
    params = [
        *common,
        QuestionKind.SERVQUAL,
        *common,
        QuestionKind.ALLOCATION,
        *dimensions,
        len(dimensions),
        ALLOCATION_TOTAL,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None or not row[0]:
        return None
    return servqual.GapSums(
        keys=((None, "weighted"),),
        n=np.array([row[0]], dtype=np.int64),
        sum_e=np.array([row[1]], dtype=np.float64),
        sum_e2=np.array([row[2]], dtype=np.float64),
        sum_p=np.array([row[3]], dtype=np.float64),
        sum_p2=np.array([row[4]], dtype=np.float64),
        sum_ep=np.array([row[5]], dtype=np.float64),
    )


@dataclass(frozen=True)
class WeightedServqual:
    """The allocation results of a wave, as the results page reads them.

    Attributes
    ----------
    weights : tuple of servqual.DimensionWeight
        Mean points (out of 100) per dimension, in SERVQUAL order.
    weighted_servqual : servqual.GapStatistic or None
        The weighted SERVQUAL score (``gap``, with ``expectation_mean``, ``perception_mean``,
        ``gap_low`` / ``gap_high``, ``n`` respondents); ``None`` without SERVQUAL answers from
        respondents who allocated their points.
    servqual : servqual.ServqualResult or None
        The whole SERVQUAL result with ``weighted`` and ``weights`` filled in (for the API and
        the exports); ``None`` when the wave has no SERVQUAL sums.
    """

    weights: tuple[servqual.DimensionWeight, ...]
    weighted_servqual: servqual.GapStatistic | None
    servqual: servqual.ServqualResult | None


def _empty_gap_sums() -> servqual.GapSums:
    empty = np.zeros(0, dtype=np.float64)
    return servqual.GapSums(
        keys=(),
        n=np.zeros(0, dtype=np.int64),
        sum_e=empty,
        sum_e2=empty,
        sum_p=empty,
        sum_p2=empty,
        sum_ep=empty,
    )


def weighted_servqual(
    wave: Wave, sums: servqual.ServqualSums | None, *, confidence: float = 0.95
) -> WeightedServqual | None:
    """Mean weights and the weighted SERVQUAL score of ``wave``.

    Parameters
    ----------
    wave : Wave
    sums : servqual.ServqualSums or None
        The wave's SERVQUAL stage 1 (``results.servqual_sums(wave)``); its instrument gives the
        dimensions a respondent's points must cover.
    confidence : float, default 0.95

    Returns
    -------
    WeightedServqual or None
        ``None`` when the wave has no allocation answers.
    """
    weight_sums = allocation_sums(wave)
    if weight_sums is None:
        return None
    if sums is None:
        # Points but no SERVQUAL answers: the mean allocation alone.
        dimensions = tuple(key[1] for key in weight_sums.keys)
        only_weights = servqual.ServqualSums(
            instrument=servqual.Instrument.from_mapping({d: [d] for d in dimensions}),
            items=_empty_gap_sums(),
            dimensions=_empty_gap_sums(),
            overall=_empty_gap_sums(),
            weights=weight_sums,
        )
        result = servqual.analyze_sums(only_weights, confidence=confidence)
        return WeightedServqual(weights=result.weights, weighted_servqual=None, servqual=None)
    weighted = weighted_gap_sums(wave, sums.instrument)
    result = servqual.analyze_sums(
        dataclasses.replace(sums, weighted=weighted, weights=weight_sums), confidence=confidence
    )
    return WeightedServqual(
        weights=result.weights,
        weighted_servqual=result.weighted[0] if result.weighted else None,
        servqual=result,
    )
