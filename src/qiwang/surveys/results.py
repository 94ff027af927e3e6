"""Results of a wave: stage 1 in the database, stage 2 in :mod:`qiwang.analysis`.

Stage 1 is two queries (:func:`read_stage1`): the wave's answer cells — (question, tier, branch,
value, second) → count and importance sums — and its respondent moments (response counts,
SERVQUAL respondents' dimension and overall means), each read from the folded tallies plus the
live tail of complete responses not folded yet (:mod:`qiwang.surveys.tallies`, ADR 0008). So a
page costs the same for a wave of 1 million responses as for 100. The functions below turn those
few hundred rows into the summary objects of :mod:`qiwang.analysis` (answer-pair counts for Kano,
moments for SERVQUAL, level counts for CSAT / NPS / CES, sums for IPA), and every number shown
comes from the analysis functions applied to them. Nothing here loops over responses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q

from qiwang.accounts.models import Branch
from qiwang.analysis import ipa, kano, satisfaction, servqual
from qiwang.surveys import indices, tallies, weights
from qiwang.surveys.choices import InvitationStatus, QuestionKind, ResponseStatus
from qiwang.surveys.models import Answer, Invitation, Question, Response, Wave
from qiwang.surveys.tallies import EMPTY

SEGMENTS = ("tier", "branch")
CHOICE_KINDS = (QuestionKind.SINGLE, QuestionKind.MULTIPLE)


@dataclass(frozen=True)
class Cell:
    question_id: int
    tier: str
    branch_id: int
    value: int
    second: int
    n: int
    importance_n: int
    importance_sum: int
    importance_square_sum: int


@dataclass
class Stage1:
    """A wave's stage-1 rows, read once per results computation: answer cells and respondent
    moments from the tallies plus the live tail (see :mod:`qiwang.surveys.tallies`)."""

    wave: Wave
    questions: list[Question]  # of the wave's version, in order
    cells: list[Cell]
    respondents: list[tuple[Any, ...]]
    branch_names: dict[int, str]
    choices: list[tuple[int, str, int]] = field(default_factory=list)  # question, text, n
    names: dict[int, str] = field(init=False)  # question id → attribute key
    kinds: dict[int, str] = field(init=False)  # question id → kind

    def __post_init__(self) -> None:
        self.names = {q.pk: q.attribute for q in self.questions}
        self.kinds = {q.pk: q.kind for q in self.questions}

    def segment(self, cell: Cell, segment: str | None) -> str | None:
        if segment == "tier":
            return cell.tier
        if segment == "branch":
            return self.branch_names.get(cell.branch_id, str(cell.branch_id))
        return None

    def of_kind(self, *kinds: str) -> list[Cell]:
        return [cell for cell in self.cells if self.kinds.get(cell.question_id) in kinds]


def read_stage1(wave: Wave) -> Stage1:
    """The version's questions, the size of the live tail, then every answer cell and every
    respondent row of the wave (tallies ∪ tail): four small queries."""
    questions = list(Question.objects.filter(version_id=wave.version_id).order_by("position"))
    # The tail's size picks the plan (index probes or a hash join); the partial index counts it.
    tail = tallies.Scope.tail(wave.pk, tallies.tail_size(wave))
    tail_cells, cell_params = tallies.cell_select(tail)
    servqual_items = any(q.kind == QuestionKind.SERVQUAL for q in questions)
    tail_respondents, respondent_params = tallies.respondent_select(tail, servqual=servqual_items)
    sums = "SUM(n), SUM(importance_n), SUM(importance_sum), SUM(importance_square_sum)"
    cell_sql = (
        f"SELECT question_id, tier, branch_id, value, second, {sums} FROM ("  # noqa: S608
        f" SELECT {', '.join(tallies.CELL_COLUMNS)} FROM {tallies.CELLS} WHERE wave_id = %s"
        f" UNION ALL SELECT * FROM ({tail_cells}) t) c"
        " GROUP BY question_id, tier, branch_id, value, second"
    )
    moments = ", ".join(f"SUM({name})" for name in tallies.MOMENTS)
    respondent_sql = (
        f"SELECT scope, key, tier, branch_id, {moments} FROM ("  # noqa: S608
        f" SELECT {', '.join(tallies.RESPONDENT_COLUMNS)} FROM {tallies.RESPONDENTS}"
        f" WHERE wave_id = %s UNION ALL SELECT * FROM ({tail_respondents}) t) m"
        " GROUP BY scope, key, tier, branch_id"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Small reads: compiling them to machine code (JIT) would cost more than it saves
            # when the planner overestimates the tail from stale statistics.
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(cell_sql, [wave.pk, *cell_params])
        cells = [Cell(*(int(v) if i != 1 else v for i, v in enumerate(row))) for row in cursor]
        cursor.execute(respondent_sql, [wave.pk, *respondent_params])
        respondents = cursor.fetchall()
        choices: list[tuple[int, str, int]] = []
        if any(q.kind in CHOICE_KINDS for q in questions):
            tail_choices, choice_params = tallies.choice_select(tail)
            cursor.execute(
                "SELECT question_id, text, SUM(n) FROM ("  # noqa: S608
                f" SELECT question_id, text, n FROM {tallies.CHOICES} WHERE wave_id = %s"
                f" UNION ALL SELECT question_id, text, n FROM ({tail_choices}) t) c"
                " GROUP BY question_id, text",
                [wave.pk, *choice_params],
            )
            choices = [(int(q), str(text), int(n)) for q, text, n in cursor]
    branch_ids = {cell.branch_id for cell in cells}
    return Stage1(
        wave=wave,
        questions=questions,
        cells=cells,
        respondents=respondents,
        branch_names=dict(Branch.objects.filter(pk__in=branch_ids).values_list("pk", "name")),
        choices=choices,
    )


def _key_order(key: tuple[str | None, str]) -> tuple[str, str]:
    return (key[0] or "", key[1])


def _index(keys: set[tuple[str | None, str]]) -> tuple[list[tuple[str | None, str]], dict]:  # type: ignore[type-arg]
    ordered = sorted(keys, key=_key_order)
    return ordered, {key: i for i, key in enumerate(ordered)}


# --- stage 1: from cells to the summaries of qiwang.analysis -------------------------------------


def kano_counts(stage: Stage1, *, segment: str | None = None) -> kano.KanoCounts | None:
    """Answer-pair counts (and importance sums) per (segment, attribute)."""
    cells = [c for c in stage.of_kind(QuestionKind.KANO) if c.value != EMPTY and c.second != EMPTY]
    if not cells:
        return None
    keys, index = _index({(stage.segment(c, segment), stage.names[c.question_id]) for c in cells})
    shape = (len(keys), 5, 5)
    pairs = np.zeros(shape, dtype=np.int64)
    i_sum, i_square, i_count = np.zeros(shape), np.zeros(shape), np.zeros(shape, dtype=np.int64)
    for c in cells:
        at = (
            index[(stage.segment(c, segment), stage.names[c.question_id])],
            c.value - 1,
            c.second - 1,
        )
        pairs[at] += c.n
        i_sum[at] += c.importance_sum
        i_square[at] += c.importance_square_sum
        i_count[at] += c.importance_n
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


def level_counts(
    stage: Stage1, kind: str, low: int, high: int, *, segment: str | None = None
) -> satisfaction.LevelCounts | None:
    """Answers per level for the questions of one kind."""
    cells = [c for c in stage.of_kind(kind) if low <= c.value <= high]
    if not cells:
        return None
    keys, index = _index({(stage.segment(c, segment), stage.names[c.question_id]) for c in cells})
    counts = np.zeros((len(keys), high - low + 1), dtype=np.int64)
    for c in cells:
        counts[index[(stage.segment(c, segment), stage.names[c.question_id])], c.value - low] += c.n
    return satisfaction.LevelCounts(tuple(keys), low, high, counts)


def ipa_sums(stage: Stage1) -> ipa.IpaSums | None:
    """Stated importance and performance sums per attribute of the rating questions that ask
    importance."""
    asking = {
        q.pk
        for q in stage.questions
        if q.asks_importance and q.kind in (QuestionKind.SCALE_5, QuestionKind.SCALE_7)
    }
    totals: dict[str, list[float]] = {}
    for c in stage.cells:
        if c.question_id not in asking:
            continue
        row = totals.setdefault(stage.names[c.question_id], [0, 0, 0, 0])
        row[0] += c.importance_n
        row[1] += c.importance_sum
        if c.value != EMPTY:
            row[2] += c.n
            row[3] += c.n * c.value
    rows = [(name, *row) for name, row in sorted(totals.items()) if row[0] and row[2]]
    if len(rows) < 2:
        return None
    return ipa.IpaSums(
        keys=tuple((None, row[0]) for row in rows),
        importance_n=np.array([row[1] for row in rows], dtype=np.int64),
        importance_sum=np.array([row[2] for row in rows], dtype=np.float64),
        performance_n=np.array([row[3] for row in rows], dtype=np.int64),
        performance_sum=np.array([row[4] for row in rows], dtype=np.float64),
    )


def servqual_sums(stage: Stage1) -> servqual.ServqualSums | None:
    """Item moments from the (expectation, perception) cells; dimension and overall moments of
    respondents' means from the respondent rows."""
    items = [
        servqual.ServqualItem(code=q.attribute, dimension=q.dimension or "other", text=q.text_en)
        for q in stage.questions
        if q.kind == QuestionKind.SERVQUAL
    ]
    if not items:
        return None
    instrument = servqual.Instrument(tuple(items))
    item_rows: dict[str, list[float]] = {}
    for c in stage.of_kind(QuestionKind.SERVQUAL):
        if c.value == EMPTY or c.second == EMPTY:
            continue
        e, p = c.value, c.second
        row = item_rows.setdefault(stage.names[c.question_id], [0] * 6)
        for i, term in enumerate((1, e, e * e, p, p * p, e * p)):
            row[i] += c.n * term
    if not item_rows:
        return None
    dimension_rows: dict[str, list[float]] = {}
    overall_rows: dict[str, list[float]] = {}
    for scope, key, _tier, _branch, *moments in stage.respondents:
        if scope == "dimension":
            target = dimension_rows.setdefault(key, [0] * 6)
        elif scope == "overall":
            target = overall_rows.setdefault("overall", [0] * 6)
        else:
            continue
        for i, value in enumerate(moments):
            target[i] += float(value or 0)
    order = {code: i for i, code in enumerate(instrument.codes + instrument.dimensions)}
    return servqual.ServqualSums(
        instrument=instrument,
        items=_gap_sums(item_rows, order),
        dimensions=_gap_sums(dimension_rows, order),
        overall=_gap_sums({k: v for k, v in overall_rows.items() if v[0]}, order),
    )


def _gap_sums(rows: dict[str, list[float]], order: dict[str, int]) -> servqual.GapSums:
    names = sorted(rows, key=lambda name: order.get(name, len(order)))
    column = [[rows[name][i] for name in names] for i in range(6)]
    return servqual.GapSums(
        keys=tuple((None, str(name)) for name in names),
        n=np.array(column[0], dtype=np.int64),
        sum_e=np.array(column[1], dtype=np.float64),
        sum_e2=np.array(column[2], dtype=np.float64),
        sum_p=np.array(column[3], dtype=np.float64),
        sum_p2=np.array(column[4], dtype=np.float64),
        sum_ep=np.array(column[5], dtype=np.float64),
    )


@dataclass(frozen=True)
class ChoiceCount:
    """How often each option of a single / multiple-choice question was chosen."""

    question: Question
    respondents: int  # complete responses that answered the question
    counts: tuple[tuple[str, int], ...]  # (option value, times chosen), in the options' order

    @property
    def shares(self) -> tuple[float, ...]:
        """Share of the question's respondents who chose each option (multiple choice: they
        add up to more than 1)."""
        return tuple(n / self.respondents if self.respondents else 0.0 for _, n in self.counts)


def choice_counts(stage: Stage1) -> tuple[ChoiceCount, ...]:
    """Options chosen per choice question, from the stored combinations (tallies ∪ tail)."""
    by_question: dict[int, dict[str, int]] = {}
    respondents: dict[int, int] = {}
    for question_id, text, n in stage.choices:
        chosen = by_question.setdefault(question_id, {})
        respondents[question_id] = respondents.get(question_id, 0) + n
        for value in dict.fromkeys(text.split(",")):
            if value:
                chosen[value] = chosen.get(value, 0) + n
    results = []
    for question in stage.questions:
        if question.kind not in CHOICE_KINDS:
            continue
        chosen = by_question.get(question.pk, {})
        values = [str(option[0]) for option in question.options]
        extra = sorted(value for value in chosen if value not in values)
        results.append(
            ChoiceCount(
                question=question,
                respondents=respondents.get(question.pk, 0),
                counts=tuple((value, chosen.get(value, 0)) for value in values + extra),
            )
        )
    return tuple(results)


# --- stage 2 ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResponseRate:
    """Who answered a wave, by where the answers came from (issue 14).

    ``invited`` invitations sent; ``invited_complete`` of them answered completely — the
    response rate is the one over the other, and nothing else: anonymous open-link / QR answers
    (``open_complete``), imported answers and API answers without an invitation are reported
    beside it, never mixed in. ``started`` counts responses with at least one saved answer that
    are not complete (a visit of a link that saved nothing is not a start)."""

    invited: int
    complete: int
    started: int
    opted_out: int
    invited_complete: int = 0
    open_complete: int = 0
    imported_complete: int = 0
    other_complete: int = 0
    #: Open-link responses flagged as part of a burst from one address (still in ``complete``).
    burst_complete: int = 0

    @property
    def rate(self) -> float | None:
        return self.invited_complete / self.invited if self.invited else None

    @property
    def partial(self) -> int:
        """Kept for templates and callers written before ``started`` (same number)."""
        return self.started

    @property
    def percent(self) -> str:
        """The response rate as shown everywhere: one decimal and a percent sign."""
        return "—" if self.rate is None else f"{100 * self.rate:.1f} %"


@dataclass(frozen=True)
class WaveResults:
    wave: Wave
    rate: ResponseRate
    kano: kano.KanoResult | None = None
    kano_by_tier: kano.KanoResult | None = None
    comparison: kano.KanoComparison | None = None
    previous: Wave | None = None
    servqual: servqual.ServqualResult | None = None
    weights: tuple[servqual.DimensionWeight, ...] = ()
    weighted_servqual: servqual.GapStatistic | None = None
    levels: dict[str, satisfaction.LevelCounts] = field(default_factory=dict)
    csat: tuple[satisfaction.CsatResult, ...] = ()
    csat_by_segment: dict[str, tuple[satisfaction.CsatResult, ...]] = field(default_factory=dict)
    nps: tuple[satisfaction.NpsResult, ...] = ()
    nps_by_segment: dict[str, tuple[satisfaction.NpsResult, ...]] = field(default_factory=dict)
    ces: tuple[satisfaction.CesResult, ...] = ()
    ipa: ipa.IpaResult | None = None
    choices: tuple[ChoiceCount, ...] = ()
    satisfaction_index: Any = None  # indices.IndexResult
    drivers: Any = None  # qiwang.analysis.drivers.DriverResult
    index_cases: int = 0

    @property
    def is_empty(self) -> bool:
        return self.rate.complete == 0


SCALES = {
    QuestionKind.SCALE_5: (1, 5),
    QuestionKind.SCALE_7: (1, 7),
    QuestionKind.NPS: (0, 10),
    QuestionKind.CES: (1, 7),
    QuestionKind.RATING_10: (1, 10),
}


def response_rate(wave: Wave, stage: Stage1) -> ResponseRate:
    """Invited, complete by origin, started and opted out. Complete counts come from the stage's
    respondent rows (tallies ∪ tail, keyed by origin: ``tallies.ORIGINS``) instead of counting a
    million response rows; invitations are counted in one aggregate."""
    by_origin = dict.fromkeys(tallies.ORIGINS, 0)
    for row in stage.respondents:
        if row[0] == "responses":
            origin = row[1] if row[1] in by_origin else "other"
            by_origin[origin] += int(row[4])
    invitations = Invitation.objects.filter(wave=wave).aggregate(
        invited=Count("pk"), opted_out=Count("pk", filter=Q(status=InvitationStatus.OPTED_OUT))
    )
    started = (
        Response.objects.filter(wave=wave, status=ResponseStatus.PARTIAL)
        .filter(Exists(Answer.objects.filter(response=OuterRef("pk"))))
        .count()
    )
    return ResponseRate(
        invited=invitations["invited"],
        complete=sum(by_origin.values()),
        started=started,
        opted_out=invitations["opted_out"],
        invited_complete=by_origin["invited"],
        open_complete=by_origin["open"],
        imported_complete=by_origin["import"],
        other_complete=by_origin["other"],
        burst_complete=(
            Response.objects.filter(
                wave=wave, status=ResponseStatus.COMPLETE, is_burst=True
            ).count()
            if wave.allows_open_link
            else 0
        ),
    )


def wave_results(wave: Wave, *, previous: Wave | None = None) -> WaveResults:
    """Every analysis the wave's questions allow, from stage-1 summaries of complete responses."""
    stage = read_stage1(wave)
    kinds = set(stage.kinds.values())
    data: dict[str, Any] = {"wave": wave, "rate": response_rate(wave, stage)}
    if QuestionKind.KANO in kinds:
        by_tier = kano_counts(stage, segment="tier")
        if by_tier is not None:
            data["kano"] = kano.analyze_counts(kano_counts(stage))  # type: ignore[arg-type]
            data["kano_by_tier"] = kano.analyze_counts(by_tier)
            before = kano_counts(read_stage1(previous)) if previous is not None else None
            if before is not None:
                data["previous"] = previous
                data["comparison"] = kano.compare_waves(
                    kano.analyze_counts(before),
                    data["kano"],
                    before_label=previous.name,  # type: ignore[union-attr]
                    after_label=wave.name,
                )
    if QuestionKind.SERVQUAL in kinds or QuestionKind.ALLOCATION in kinds:
        sums = servqual_sums(stage)
        data["servqual"] = servqual.analyze_sums(sums) if sums is not None else None
        # The 100-point allocation (weights.py): mean weights and the weighted SERVQUAL score.
        allocation = weights.weighted_servqual(wave, sums)
        if allocation is not None:
            data["weights"] = allocation.weights
            data["weighted_servqual"] = allocation.weighted_servqual
            if allocation.servqual is not None:
                data["servqual"] = allocation.servqual
    levels: dict[str, satisfaction.LevelCounts] = {}
    for kind, (low, high) in SCALES.items():
        if kind in kinds:
            counts = level_counts(stage, kind, low, high)
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
                counts = level_counts(stage, kind, *SCALES[kind], segment=segment)
                if counts is not None:
                    csat_by[segment] = csat_by.get(segment, ()) + satisfaction.csat(counts)
        if QuestionKind.NPS in levels:
            counts = level_counts(stage, QuestionKind.NPS, 0, 10, segment=segment)
            if counts is not None:
                nps_by[segment] = satisfaction.nps(counts)
    data["csat_by_segment"] = csat_by
    data["nps_by_segment"] = nps_by
    sums = ipa_sums(stage)
    data["ipa"] = ipa.analyze_sums(sums) if sums is not None else None
    data["choices"] = choice_counts(stage)
    if sum(q.kind in tallies.RATING_KINDS for q in stage.questions) >= 2:
        found = indices.indices_for(wave)
        data["satisfaction_index"] = found.get("index")
        data["drivers"] = found.get("drivers")
        data["index_cases"] = found.get("cases", 0)
    return WaveResults(**data)
