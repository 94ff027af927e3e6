"""Key drivers and the satisfaction index of a wave, from folded cross-products (ADR 0071).

Stage 1 is one query: the wave's :class:`~qiwang.surveys.models.CrossTally` rows (count and sums
of a, b and a·b per bucket and pair of rating questions, over respondents who rated every rating
question) plus the same SELECT over the live tail. From their totals come the means and centred
cross-products that :mod:`qiwang.analysis.drivers` (Shapley values / relative weights of R²) and
:mod:`qiwang.analysis.csi` (PLS path model, ACSI / ECSI) need; a page costs the same for a
million responses as for a hundred. The index's interval is a Poisson bootstrap over the buckets
(ADR 0010's bucket bootstrap, with response id mod 64 as the buckets).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import connection

from qiwang.analysis import csi, drivers
from qiwang.analysis._errors import AnalysisInputError
from qiwang.surveys import tallies
from qiwang.surveys.choices import QuestionKind
from qiwang.surveys.models import Question, Wave

#: The key-driver target: the rating question with this attribute key.
TARGET = "overall"
#: Bootstrap replicates of the satisfaction index.
RESAMPLES = 200
#: Fewer complete cases than this: no drivers, no index (too few to estimate).
MIN_CASES = 10
SCALE = {
    QuestionKind.SCALE_5: (1, 5),
    QuestionKind.SCALE_7: (1, 7),
    QuestionKind.RATING_10: (1, 10),
}


@dataclass(frozen=True)
class BucketSums:
    """Per bucket, the augmented sums Σ z zᵀ with z = (1, x₁ … x_p) over complete cases."""

    questions: tuple[Question, ...]
    sums: np.ndarray  # (buckets, p + 1, p + 1)

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(q.attribute for q in self.questions)

    @property
    def n(self) -> int:
        return int(self.sums[:, 0, 0].sum())

    def cross_products(self, weights: np.ndarray | None = None) -> drivers.CrossProducts:
        total = self.sums.sum(axis=0) if weights is None else np.tensordot(weights, self.sums, 1)
        n = total[0, 0]
        mean = total[0, 1:] / n
        scatter = total[1:, 1:] - n * np.outer(mean, mean)
        return drivers.CrossProducts(
            columns=self.columns, n=int(round(n)), mean=mean, scatter=scatter
        )

    def moments(self, weights: np.ndarray | None = None) -> csi.Moments:
        cp = self.cross_products(weights)
        low = np.array([SCALE[q.kind][0] for q in self.questions], dtype=np.float64)
        high = np.array([SCALE[q.kind][1] for q in self.questions], dtype=np.float64)
        return csi.Moments(
            columns=cp.columns,
            count=float(cp.n),
            mean=cp.mean,
            comoment=cp.scatter,
            minimum=low,
            maximum=high,
            rows_read=cp.n,
        )


def bucket_sums(wave: Wave) -> BucketSums | None:
    """The wave's cross-products by bucket: tallies ∪ live tail, one query."""
    questions = tuple(
        Question.objects.filter(version_id=wave.version_id, kind__in=tallies.RATING_KINDS).order_by(
            "position"
        )
    )
    if len(questions) < 2:
        return None
    tail = tallies.Scope.tail(wave.pk, 0)
    select, params = tallies.cross_select(tail, len(questions))
    columns = "bucket, question_a_id, question_b_id, n, sum_a, sum_b, sum_ab"
    sql = (
        "SELECT bucket, question_a_id, question_b_id, SUM(n), SUM(sum_a), SUM(sum_b),"  # noqa: S608
        " SUM(sum_ab) FROM ("
        f" SELECT {columns} FROM {tallies.CROSS} WHERE wave_id = %s"
        f" UNION ALL SELECT {columns} FROM ({select}) t) c"
        " GROUP BY bucket, question_a_id, question_b_id"
    )
    index = {q.pk: i + 1 for i, q in enumerate(questions)}
    sums = np.zeros((tallies.BUCKETS, len(questions) + 1, len(questions) + 1))
    with connection.cursor() as cursor:
        cursor.execute(sql, [wave.pk, *params])
        for bucket, qa, qb, n, sa, _sb, sab in cursor.fetchall():
            i, j, b = index.get(qa), index.get(qb), int(bucket)
            if i is None or j is None:
                continue
            sums[b, i, j] = sums[b, j, i] = float(sab)
            if i == j:
                sums[b, 0, 0] = float(n)
                sums[b, 0, i] = sums[b, i, 0] = float(sa)
    return BucketSums(questions, sums)


@dataclass(frozen=True)
class IndexResult:
    model: str  # "ecsi" or "acsi"
    fit: csi.PlsResult
    index: float
    low: float
    high: float
    resamples: int


def satisfaction_index(sums: BucketSums, *, seed: int = 1) -> IndexResult | None:
    """The ACSI / ECSI model when the wave's attribute keys name its indicators (``cusa1``,
    ``perq2``, … as `csi.preset` expects), else ``None``; with a 95 % percentile interval of
    the target's 0–100 index from a Poisson bootstrap over the buckets."""
    if sums.n < MIN_CASES:
        return None
    for name in ("ecsi", "acsi"):
        try:
            spec = csi.preset(name, sums.columns)
        except csi.ModelError:
            continue
        scale = (
            float(min(SCALE[q.kind][0] for q in sums.questions)),
            float(max(SCALE[q.kind][1] for q in sums.questions)),
        )
        try:
            fit = csi.fit(sums.moments(), spec, scale=scale)
        except AnalysisInputError:
            return None
        target = spec.target_variable
        # Indicators in the model's order, as rows / columns of the augmented sums.
        order = [0] + [1 + sums.columns.index(c) for c in spec.indicators]
        weights = np.random.default_rng(seed).poisson(1.0, size=(RESAMPLES, tallies.BUCKETS))
        replicates = np.tensordot(weights.astype(np.float64), sums.sums, 1)[:, order][:, :, order]
        draws = csi.replicate_indices(replicates, fit)[:, list(fit.index.index).index(target)]
        values = draws[np.isfinite(draws)]
        low, high = np.percentile(values, [2.5, 97.5]) if values.size else (np.nan, np.nan)
        return IndexResult(
            name, fit, float(fit.index[target]), float(low), float(high), len(values)
        )
    return None


def key_drivers(sums: BucketSums) -> drivers.DriverResult | None:
    """Shapley values of R² (relative weights beyond ``MAX_SHAPLEY_PREDICTORS``) of the rating
    questions on the overall rating (attribute key ``overall``)."""
    if TARGET not in sums.columns or len(sums.columns) < 3 or sums.n < MIN_CASES:
        return None
    predictors = [c for c in sums.columns if c != TARGET]
    method = "shapley" if len(predictors) <= drivers.MAX_SHAPLEY_PREDICTORS else "relative-weights"
    cp = sums.cross_products()
    try:
        if method == "shapley":
            return drivers.shapley(cp, target=TARGET, predictors=predictors)
        return drivers.relative_weights(cp, target=TARGET, predictors=predictors)
    except (AnalysisInputError, ValueError, np.linalg.LinAlgError):
        return None


def indices_for(wave: Wave) -> dict[str, Any]:
    sums = bucket_sums(wave)
    if sums is None:
        return {}
    return {"index": satisfaction_index(sums), "drivers": key_drivers(sums), "cases": sums.n}
