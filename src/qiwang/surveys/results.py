"""Results of a wave: stage 1 in the database, stage 2 in :mod:`qiwang.analysis`.

Stage 1 is a handful of GROUP BY queries over complete responses (answer-pair counts for Kano,
sums and cross-products for SERVQUAL, level counts for CSAT / NPS / CES, sums for IPA); their
output is the small summary objects of :mod:`qiwang.analysis`, and every number shown comes from
the analysis functions applied to them. Nothing here loops over responses in Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db import connection
from django.db.models import Count, F, IntegerField, Sum
from django.db.models.functions import Cast

from qiwang.analysis import ipa, kano, satisfaction, servqual
from qiwang.surveys.choices import InvitationStatus, QuestionKind, ResponseStatus
from qiwang.surveys.models import Answer, Invitation, Question, Response, Wave

SEGMENTS = {"tier": "response__tier", "branch": "response__branch__name"}


def _answers(wave: Wave, kinds: list[str]) -> Any:
    # Filter by the version's question ids rather than joining the question table.
    questions = list(
        Question.objects.filter(version_id=wave.version_id, kind__in=kinds).values_list(
            "pk", flat=True
        )
    )
    return Answer.objects.filter(
        response__wave=wave, response__status=ResponseStatus.COMPLETE, question_id__in=questions
    )


def _names(wave: Wave) -> dict[int, str]:
    """Question id → attribute key of the wave's version (grouping by the id avoids a join)."""
    return dict(Question.objects.filter(version_id=wave.version_id).values_list("pk", "attribute"))


def _square(name: str) -> Any:
    return Cast(F(name), IntegerField()) * Cast(F(name), IntegerField())


# --- stage 1 ------------------------------------------------------------------------------------


def kano_counts(wave: Wave, *, segment: str | None = None) -> kano.KanoCounts | None:
    """Answer-pair counts per (segment, attribute): one GROUP BY."""
    group = {"question_key": F("question_id"), "f": F("value"), "d": F("second")}
    if segment is not None:
        group["segment"] = F(SEGMENTS[segment])
    rows = list(
        _answers(wave, [QuestionKind.KANO])
        .filter(value__isnull=False, second__isnull=False)
        .values(**group)
        .annotate(
            n=Count("pk"),
            importance_sum=Sum("importance"),
            importance_square_sum=Sum(_square("importance")),
            importance_count=Count("importance"),
        )
        .order_by()
    )
    if not rows:
        return None
    names = _names(wave)
    for row in rows:
        row["attribute"] = names[row["question_key"]]
    keys = sorted({(row.get("segment"), row["attribute"]) for row in rows}, key=_key_order)
    index = {key: i for i, key in enumerate(keys)}
    shape = (len(keys), 5, 5)
    pairs = np.zeros(shape, dtype=np.int64)
    i_sum, i_square, i_count = np.zeros(shape), np.zeros(shape), np.zeros(shape, dtype=np.int64)
    for row in rows:
        at = (index[(row.get("segment"), row["attribute"])], row["f"] - 1, row["d"] - 1)
        pairs[at] = row["n"]
        i_sum[at] = row["importance_sum"] or 0
        i_square[at] = row["importance_square_sum"] or 0
        i_count[at] = row["importance_count"]
    has_importance = bool(i_count.any())
    return kano.KanoCounts(
        attributes=tuple(key[1] for key in keys),
        segments=tuple(key[0] for key in keys),
        pairs=pairs,
        importance_sum=i_sum if has_importance else None,
        importance_square_sum=i_square if has_importance else None,
        importance_count=i_count if has_importance else None,
        segment_column=segment,
    )


def collapse_segments(counts: kano.KanoCounts) -> kano.KanoCounts:
    """The unsegmented counts from segmented ones: add the cells of each attribute over its
    segments (exact; it saves running the GROUP BY a second time on a large wave)."""
    attributes = sorted(set(counts.attributes))
    index = {name: i for i, name in enumerate(attributes)}
    rows = [index[name] for name in counts.attributes]

    def total(array):  # type: ignore[no-untyped-def]
        if array is None:
            return None
        out = np.zeros((len(attributes), 5, 5), dtype=array.dtype)
        np.add.at(out, rows, array)
        return out

    return kano.KanoCounts(
        attributes=tuple(attributes),
        segments=(None,) * len(attributes),
        pairs=total(counts.pairs),
        importance_sum=total(counts.importance_sum),
        importance_square_sum=total(counts.importance_square_sum),
        importance_count=total(counts.importance_count),
    )


def _key_order(key: tuple[str | None, str]) -> tuple[str, str]:
    return (key[0] or "", key[1])


def level_counts(
    wave: Wave, kind: str, low: int, high: int, *, segment: str | None = None
) -> satisfaction.LevelCounts | None:
    """Answers per level for the questions of one kind: one GROUP BY."""
    group = {"question_key": F("question_id"), "level": F("value")}
    if segment is not None:
        group["segment"] = F(SEGMENTS[segment])
    rows = list(
        _answers(wave, [kind])
        .filter(value__isnull=False)
        .values(**group)
        .annotate(n=Count("pk"))
        .order_by()
    )
    if not rows:
        return None
    names = _names(wave)
    for row in rows:
        row["attribute"] = names[row["question_key"]]
    keys = sorted({(row.get("segment"), row["attribute"]) for row in rows}, key=_key_order)
    index = {key: i for i, key in enumerate(keys)}
    counts = np.zeros((len(keys), high - low + 1), dtype=np.int64)
    for row in rows:
        counts[index[(row.get("segment"), row["attribute"])], row["level"] - low] = row["n"]
    return satisfaction.LevelCounts(tuple(keys), low, high, counts)


def ipa_sums(wave: Wave) -> ipa.IpaSums | None:
    """Stated importance and performance sums per attribute of the rating questions."""
    rows = list(
        _answers(wave, [QuestionKind.SCALE_5, QuestionKind.SCALE_7])
        .filter(question__asks_importance=True)
        .values(attribute=F("question__attribute"))
        .annotate(
            importance_n=Count("importance"),
            importance_sum=Sum("importance"),
            performance_n=Count("value"),
            performance_sum=Sum("value"),
        )
        .order_by("attribute")
    )
    rows = [row for row in rows if row["importance_n"] and row["performance_n"]]
    if len(rows) < 2:
        return None
    return ipa.IpaSums(
        keys=tuple((None, row["attribute"]) for row in rows),
        importance_n=np.array([row["importance_n"] for row in rows], dtype=np.int64),
        importance_sum=np.array([row["importance_sum"] for row in rows], dtype=np.float64),
        performance_n=np.array([row["performance_n"] for row in rows], dtype=np.int64),
        performance_sum=np.array([row["performance_sum"] for row in rows], dtype=np.float64),
    )


def servqual_sums(wave: Wave) -> servqual.ServqualSums | None:
    """Sums per item, per dimension (respondents' dimension means) and overall, in SQL."""
    items = [
        servqual.ServqualItem(code=q.attribute, dimension=q.dimension or "other", text=q.text_en)
        for q in wave.version.questions.filter(kind=QuestionKind.SERVQUAL).order_by("position")
    ]
    if not items:
        return None
    instrument = servqual.Instrument(tuple(items))
    answer, question, response = (
        Answer._meta.db_table,
        Question._meta.db_table,
        Response._meta.db_table,
    )
    # Table names come from the models' meta, values are bound parameters.
    pairs = (
        "SELECT r.id AS rid, q.attribute AS item, q.dimension AS dim,"  # noqa: S608
        " a.value * 1.0 AS e, a.second * 1.0 AS p"
        f" FROM {answer} a JOIN {question} q ON q.id = a.question_id"
        f" JOIN {response} r ON r.id = a.response_id"
        " WHERE r.wave_id = %s AND r.status = %s AND q.kind = %s"
        " AND a.value IS NOT NULL AND a.second IS NOT NULL"
    )
    sums = "COUNT(*), SUM(e), SUM(e * e), SUM(p), SUM(p * p), SUM(e * p)"
    means = "AVG(e) AS e, AVG(p) AS p"
    by_dimension = f"SELECT rid, dim, {means} FROM ({pairs}) t GROUP BY rid, dim"  # noqa: S608
    by_respondent = f"SELECT rid, {means} FROM ({by_dimension}) u GROUP BY rid"  # noqa: S608
    item_sql = f"SELECT item, {sums} FROM ({pairs}) t GROUP BY item"  # noqa: S608
    dimension_sql = f"SELECT dim, {sums} FROM ({by_dimension}) v GROUP BY dim"  # noqa: S608
    overall_sql = f"SELECT 'overall', {sums} FROM ({by_respondent}) w"  # noqa: S608
    params = [wave.pk, ResponseStatus.COMPLETE, QuestionKind.SERVQUAL]
    with connection.cursor() as cursor:
        cursor.execute(item_sql, params)
        item_rows = cursor.fetchall()
        cursor.execute(dimension_sql, params)
        dimension_rows = cursor.fetchall()
        cursor.execute(overall_sql, params)
        overall_rows = [row for row in cursor.fetchall() if row[1]]
    if not item_rows:
        return None
    order = {code: i for i, code in enumerate(instrument.codes + instrument.dimensions)}
    return servqual.ServqualSums(
        instrument=instrument,
        items=_gap_sums(item_rows, order),
        dimensions=_gap_sums(dimension_rows, order),
        overall=_gap_sums(overall_rows, order),
    )


def _gap_sums(rows: list[tuple[Any, ...]], order: dict[str, int]) -> servqual.GapSums:
    rows = sorted(rows, key=lambda row: order.get(row[0], len(order)))
    column = list(zip(*rows, strict=True)) if rows else [()] * 7
    return servqual.GapSums(
        keys=tuple((None, str(name)) for name in column[0]),
        n=np.array(column[1], dtype=np.int64),
        sum_e=np.array(column[2], dtype=np.float64),
        sum_e2=np.array(column[3], dtype=np.float64),
        sum_p=np.array(column[4], dtype=np.float64),
        sum_p2=np.array(column[5], dtype=np.float64),
        sum_ep=np.array(column[6], dtype=np.float64),
    )


# --- stage 2 ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResponseRate:
    invited: int
    complete: int
    partial: int
    opted_out: int

    @property
    def rate(self) -> float | None:
        return self.complete / self.invited if self.invited else None


@dataclass(frozen=True)
class WaveResults:
    wave: Wave
    rate: ResponseRate
    kano: kano.KanoResult | None = None
    kano_by_tier: kano.KanoResult | None = None
    comparison: kano.KanoComparison | None = None
    previous: Wave | None = None
    servqual: servqual.ServqualResult | None = None
    levels: dict[str, satisfaction.LevelCounts] = field(default_factory=dict)
    csat: tuple[satisfaction.CsatResult, ...] = ()
    csat_by_segment: dict[str, tuple[satisfaction.CsatResult, ...]] = field(default_factory=dict)
    nps: tuple[satisfaction.NpsResult, ...] = ()
    nps_by_segment: dict[str, tuple[satisfaction.NpsResult, ...]] = field(default_factory=dict)
    ces: tuple[satisfaction.CesResult, ...] = ()
    ipa: ipa.IpaResult | None = None

    @property
    def is_empty(self) -> bool:
        return self.rate.complete == 0


SCALES = {
    QuestionKind.SCALE_5: (1, 5),
    QuestionKind.SCALE_7: (1, 7),
    QuestionKind.NPS: (0, 10),
    QuestionKind.CES: (1, 7),
}


def response_rate(wave: Wave) -> ResponseRate:
    by_status = dict(
        Response.objects.filter(wave=wave)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return ResponseRate(
        invited=Invitation.objects.filter(wave=wave).count(),
        complete=by_status.get(ResponseStatus.COMPLETE, 0),
        partial=by_status.get(ResponseStatus.PARTIAL, 0),
        opted_out=Invitation.objects.filter(wave=wave, status=InvitationStatus.OPTED_OUT).count(),
    )


def wave_results(wave: Wave, *, previous: Wave | None = None) -> WaveResults:
    """Every analysis the wave's questions allow, from stage-1 summaries of complete responses."""
    kinds = set(wave.version.questions.values_list("kind", flat=True))
    data: dict[str, Any] = {"wave": wave, "rate": response_rate(wave)}
    if QuestionKind.KANO in kinds:
        by_tier = kano_counts(wave, segment="tier")
        if by_tier is not None:
            data["kano"] = kano.analyze_counts(collapse_segments(by_tier))
            data["kano_by_tier"] = kano.analyze_counts(by_tier)
            before = kano_counts(previous) if previous is not None else None
            if before is not None:
                data["previous"] = previous
                data["comparison"] = kano.compare_waves(
                    kano.analyze_counts(before),
                    data["kano"],
                    before_label=previous.name,  # type: ignore[union-attr]
                    after_label=wave.name,
                )
    if QuestionKind.SERVQUAL in kinds:
        sums = servqual_sums(wave)
        data["servqual"] = servqual.analyze_sums(sums) if sums is not None else None
    levels: dict[str, satisfaction.LevelCounts] = {}
    for kind, (low, high) in SCALES.items():
        if kind in kinds:
            counts = level_counts(wave, kind, low, high)
            if counts is not None:
                levels[kind] = counts
    data["levels"] = levels
    rating = [levels[k] for k in (QuestionKind.SCALE_5, QuestionKind.SCALE_7) if k in levels]
    data["csat"] = tuple(result for counts in rating for result in satisfaction.csat(counts))
    if QuestionKind.NPS in levels:
        data["nps"] = satisfaction.nps(levels[QuestionKind.NPS])
    if QuestionKind.CES in levels:
        data["ces"] = satisfaction.ces(levels[QuestionKind.CES])
    csat_by: dict[str, tuple[satisfaction.CsatResult, ...]] = {}
    nps_by: dict[str, tuple[satisfaction.NpsResult, ...]] = {}
    for segment in SEGMENTS:
        for kind in (QuestionKind.SCALE_5, QuestionKind.SCALE_7):
            if kind in levels:
                counts = level_counts(wave, kind, *SCALES[kind], segment=segment)
                if counts is not None:
                    csat_by[segment] = csat_by.get(segment, ()) + satisfaction.csat(counts)
        if QuestionKind.NPS in levels:
            counts = level_counts(wave, QuestionKind.NPS, 0, 10, segment=segment)
            if counts is not None:
                nps_by[segment] = satisfaction.nps(counts)
    data["csat_by_segment"] = csat_by
    data["nps_by_segment"] = nps_by
    sums = ipa_sums(wave)
    data["ipa"] = ipa.analyze_sums(sums) if sums is not None else None
    return WaveResults(**data)
