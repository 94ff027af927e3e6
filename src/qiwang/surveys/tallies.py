"""Stage-1 tallies of complete responses, kept in the database (ADR 0008).

The results of a wave are sums over its complete responses: answer-pair counts (Kano), level
counts (CSAT, NPS, CES), sums and cross-products (SERVQUAL, IPA). Computing them from the answer
rows on every page view reads every answer (8 million rows for 1 million Kano responses). Instead,
**folding** moves complete responses into two small tables in one transaction:

1. ``UPDATE`` the wave's complete, not yet folded responses: ``tally_batch`` = a new batch number;
2. ``INSERT … SELECT … GROUP BY … ON CONFLICT DO UPDATE`` adds that batch's answer cells to
   :class:`~qiwang.surveys.models.AnswerTally` and its respondent statistics (response counts,
   SERVQUAL respondents' dimension and overall means) to
   :class:`~qiwang.surveys.models.RespondentTally`.

Responses are append-only once complete (a complete response's answers never change), so a folded
response never needs folding again. Results read **tallies ∪ the live tail** — the same SELECTs
over complete responses whose ``tally_batch`` is still NULL (a partial index finds them) — so the
numbers are exact whether or not a fold has run; folding only makes the page fast. The worker
folds every ``QIWANG_SURVEY_FOLD_SECONDS``; imports and the demo fold when they finish;
``qiwang surveys fold --rebuild`` recounts a wave from its answers (after responses were deleted).

Concurrent folds are safe on PostgreSQL: the second ``UPDATE`` waits for the first's row locks and
then skips the rows it marked. SQLite has one writer at a time.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from qiwang.surveys.choices import QuestionKind, ResponseStatus
from qiwang.surveys.models import (
    Answer,
    AnswerTally,
    ChoiceTally,
    CrossTally,
    Question,
    RespondentTally,
    Response,
    Wave,
)

#: Cell value standing for "no answer" in ``AnswerTally.value`` / ``second``.
EMPTY = -1

ANSWER, QUESTION, RESPONSE = (
    Answer._meta.db_table,
    Question._meta.db_table,
    Response._meta.db_table,
)
CELLS, RESPONDENTS = AnswerTally._meta.db_table, RespondentTally._meta.db_table
CHOICES = ChoiceTally._meta.db_table
CROSS = CrossTally._meta.db_table
#: Rating kinds whose answers enter key drivers and the satisfaction index.
RATING_KINDS = (QuestionKind.SCALE_5, QuestionKind.SCALE_7, QuestionKind.RATING_10)
#: Buckets of responses (id mod BUCKETS) the cross-products are kept in, for the bootstrap.
BUCKETS = 64
MOMENTS = ("n", "sum_e", "sum_e2", "sum_p", "sum_p2", "sum_ep")


@dataclass(frozen=True)
class Scope:
    """Which responses a stage-1 SELECT reads: a fold batch, or a wave's live tail."""

    where: str
    params: tuple[Any, ...]
    #: Roughly how many responses are in scope: a few thousand are read one index probe per
    #: response, hundreds of thousands with a hash join over the answers.
    size: int = 0

    @classmethod
    def batch(cls, number: int, size: int) -> Scope:
        return cls("r.tally_batch = %s", (number,), size)

    @classmethod
    def tail(cls, wave_id: int, size: int) -> Scope:
        return cls(
            "r.wave_id = %s AND r.status = %s AND r.tally_batch IS NULL",
            (wave_id, ResponseStatus.COMPLETE),
            size,
        )

    @property
    def probes(self) -> bool:
        return self.size <= PROBE_LIMIT


# Table names below come from the models' meta; every value is a bound parameter.


#: Up to this many responses in scope, their answers are read by one index probe each.
PROBE_LIMIT = 50_000


def _answers_of_responses(scope: Scope) -> str:
    """``FROM`` the responses ``r`` and each one's answers ``a``, answers found by response.

    On PostgreSQL a LATERAL subquery (``OFFSET 0`` keeps the planner from flattening it into a
    plain join) pins the plan to one index probe per response in scope: a
    live tail of a few thousand responses must never become a scan of all 8 million answers of
    the wave, whatever the planner's (possibly stale) estimate of the tail's size. SQLite has no
    LATERAL and always runs a nested loop over the index anyway. A large scope (a wave never
    folded, a big fold) is read with a plain join, which PostgreSQL hashes."""
    if connection.vendor == "postgresql" and scope.probes:
        return (
            f"{RESPONSE} r CROSS JOIN LATERAL (SELECT question_id, value, second, importance"  # noqa: S608
            f" FROM {ANSWER} WHERE response_id = r.id OFFSET 0) a"
        )
    return f"{RESPONSE} r JOIN {ANSWER} a ON a.response_id = r.id"


def cell_select(scope: Scope) -> tuple[str, list[Any]]:
    """Answer cells of the responses in ``scope``: wave, question, tier, branch, value, second,
    n, importance n / sum / sum of squares."""
    sql = (
        "SELECT r.wave_id, a.question_id, r.tier, r.branch_id,"  # noqa: S608
        f" COALESCE(a.value, {EMPTY}) AS value, COALESCE(a.second, {EMPTY}) AS second,"
        " COUNT(*) AS n, COUNT(a.importance) AS importance_n,"
        " COALESCE(SUM(a.importance), 0) AS importance_sum,"
        " COALESCE(SUM(a.importance * a.importance), 0) AS importance_square_sum"
        f" FROM {_answers_of_responses(scope)}"
        f" WHERE {scope.where}"
        " AND (a.value IS NOT NULL OR a.second IS NOT NULL OR a.importance IS NOT NULL)"
        f" GROUP BY r.wave_id, a.question_id, r.tier, r.branch_id,"
        f" COALESCE(a.value, {EMPTY}), COALESCE(a.second, {EMPTY})"
    )
    return sql, list(scope.params)


#: Where a complete response came from, the ``key`` of the "responses" respondent rows: an
#: invitation ("invited"), the anonymous open link / QR code ("open"), an import ("import"), or
#: an API client's own key ("other"). The response rate counts only "invited" (issue 14).
ORIGINS = ("invited", "open", "import", "other")
ORIGIN_SQL = (
    "CASE WHEN r.invitation_id IS NOT NULL THEN 'invited'"
    " WHEN r.source = 'import' THEN 'import'"
    " WHEN r.submission_key LIKE 'o%%' THEN 'open' ELSE 'other' END"
)


def respondent_select(scope: Scope, *, servqual: bool = True) -> tuple[str, list[Any]]:
    """Respondent statistics of the responses in ``scope``: wave, scope, key, tier, branch and the
    moments (n, Σe, Σe², Σp, Σp², Σep) of respondents' SERVQUAL dimension and overall means
    (only the response counts when ``servqual`` is false: the wave has no SERVQUAL item)."""
    pairs = (
        "SELECT r.id AS rid, r.wave_id, r.tier, r.branch_id, q.dimension AS dim,"  # noqa: S608
        " a.value * 1.0 AS e, a.second * 1.0 AS p"
        f" FROM {_answers_of_responses(scope)} JOIN {QUESTION} q ON q.id = a.question_id"
        f" WHERE {scope.where} AND q.kind = %s AND a.value IS NOT NULL AND a.second IS NOT NULL"
    )
    keep = "wave_id, tier, branch_id"
    by_dimension = (
        f"SELECT rid, {keep}, dim, AVG(e) AS e, AVG(p) AS p FROM ({pairs}) t"  # noqa: S608
        f" GROUP BY rid, {keep}, dim"
    )
    by_respondent = (
        f"SELECT rid, {keep}, AVG(e) AS e, AVG(p) AS p FROM ({by_dimension}) u"  # noqa: S608
        f" GROUP BY rid, {keep}"
    )
    sums = "COUNT(*), SUM(e), SUM(e * e), SUM(p), SUM(p * p), SUM(e * p)"
    responses = (
        f"SELECT wave_id, 'responses', {ORIGIN_SQL}, tier, branch_id,"  # noqa: S608
        " COUNT(*), 0.0, 0.0, 0.0, 0.0, 0.0"
        f" FROM {RESPONSE} r WHERE {scope.where} GROUP BY wave_id, {ORIGIN_SQL}, tier, branch_id"
    )
    if not servqual:
        return responses, list(scope.params)
    sql = (
        f"{responses}"  # noqa: S608
        f" UNION ALL SELECT wave_id, 'dimension', dim, tier, branch_id, {sums}"
        f" FROM ({by_dimension}) v GROUP BY wave_id, dim, tier, branch_id"
        f" UNION ALL SELECT wave_id, 'overall', '', tier, branch_id, {sums}"
        f" FROM ({by_respondent}) w GROUP BY wave_id, tier, branch_id"
    )
    params = [*scope.params, *scope.params, QuestionKind.SERVQUAL]
    params += [*scope.params, QuestionKind.SERVQUAL]
    return sql, params


def choice_select(scope: Scope) -> tuple[str, list[Any]]:
    """Single / multiple-choice answers of the responses in ``scope``: wave, question, the stored
    text (chosen option values) and how many answered exactly that."""
    sql = (
        "SELECT r.wave_id, a.question_id, a.text, COUNT(*) AS n"  # noqa: S608
        f" FROM {RESPONSE} r JOIN {ANSWER} a ON a.response_id = r.id"
        f" JOIN {QUESTION} q ON q.id = a.question_id"
        f" WHERE {scope.where} AND q.kind IN (%s, %s) AND a.text <> ''"
        " GROUP BY r.wave_id, a.question_id, a.text"
    )
    return sql, [*scope.params, QuestionKind.SINGLE, QuestionKind.MULTIPLE]


def rating_questions(wave_id: int) -> int:
    """How many rating questions the wave's version has (a respondent must rate all of them to
    enter the cross-products)."""
    return Question.objects.filter(version__waves__pk=wave_id, kind__in=RATING_KINDS).count()


def cross_select(scope: Scope, ratings: int) -> tuple[str, list[Any]]:
    """Cross-products of the rating answers of the responses in ``scope`` that rated all
    ``ratings`` rating questions: wave, bucket, question a, question b (a ≤ b), n, Σa, Σb, Σab."""
    kinds = ", ".join(["%s"] * len(RATING_KINDS))
    rated = (
        "SELECT r.id AS rid, r.wave_id AS wave_id, a.question_id AS qid, a.value * 1.0 AS v"  # noqa: S608
        f" FROM {RESPONSE} r JOIN {ANSWER} a ON a.response_id = r.id"
        f" JOIN {QUESTION} q ON q.id = a.question_id"
        f" WHERE {scope.where} AND q.kind IN ({kinds}) AND a.value IS NOT NULL"
    )
    params = [*scope.params, *RATING_KINDS]
    sql = (
        f"SELECT x.wave_id AS wave_id, x.rid %% {BUCKETS} AS bucket, x.qid AS question_a_id,"  # noqa: S608
        " y.qid AS question_b_id, COUNT(*) AS n, SUM(x.v) AS sum_a, SUM(y.v) AS sum_b,"
        f" SUM(x.v * y.v) AS sum_ab FROM ({rated}) x JOIN ({rated}) y ON y.rid = x.rid AND y.qid >= x.qid"
        f" WHERE x.rid IN (SELECT rid FROM ({rated}) c GROUP BY rid HAVING COUNT(*) = %s)"
        f" GROUP BY x.wave_id, x.rid %% {BUCKETS}, x.qid, y.qid"
    )
    return sql, [*params, *params, *params, ratings]


def has_choices(wave_id: int) -> bool:
    return Question.objects.filter(
        version__waves__pk=wave_id, kind__in=[QuestionKind.SINGLE, QuestionKind.MULTIPLE]
    ).exists()


def _upsert(table: str, columns: tuple[str, ...], key: tuple[str, ...], select: str) -> str:
    added = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in columns if c not in key)
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) {select}"  # noqa: S608
        f" ON CONFLICT ({', '.join(key)}) DO UPDATE SET {added}"
    )


CELL_KEY = ("wave_id", "question_id", "tier", "branch_id", "value", "second")
CHOICE_KEY = ("wave_id", "question_id", "text")
CHOICE_COLUMNS = (*CHOICE_KEY, "n")
CROSS_KEY = ("wave_id", "bucket", "question_a_id", "question_b_id")
CROSS_COLUMNS = (*CROSS_KEY, "n", "sum_a", "sum_b", "sum_ab")
CELL_COLUMNS = (*CELL_KEY, "n", "importance_n", "importance_sum", "importance_square_sum")
RESPONDENT_KEY = ("wave_id", "scope", "key", "tier", "branch_id")
RESPONDENT_COLUMNS = (*RESPONDENT_KEY, *MOMENTS)


@dataclass(frozen=True)
class FoldResult:
    wave_id: int
    responses: int
    batch: int


#: After a fold this large, refresh the planner's statistics of the response table in the same
#: transaction: with the old ones (every response unfolded) PostgreSQL would scan every response
#: of the wave to find an empty tail, until autovacuum's next ANALYZE.
ANALYZE_AFTER = 10_000


def has_servqual(wave_id: int) -> bool:
    return Question.objects.filter(version__waves__pk=wave_id, kind=QuestionKind.SERVQUAL).exists()


def fold_wave(wave: Wave | int) -> FoldResult:
    """Fold the wave's complete responses that no fold has counted yet; one transaction."""
    wave_id = wave if isinstance(wave, int) else wave.pk
    batch = secrets.randbits(62)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {RESPONSE} SET tally_batch = %s"  # noqa: S608
            " WHERE wave_id = %s AND status = %s AND tally_batch IS NULL",
            [batch, wave_id, ResponseStatus.COMPLETE],
        )
        marked = cursor.rowcount
        if marked:
            scope = Scope.batch(batch, marked)
            select, params = cell_select(scope)
            cursor.execute(_upsert(CELLS, CELL_COLUMNS, CELL_KEY, select), params)
            select, params = respondent_select(scope, servqual=has_servqual(wave_id))
            # SQLite reads "INSERT … SELECT … ON CONFLICT" as a join unless the SELECT is wrapped.
            wrapped = f"SELECT * FROM ({select}) s WHERE true"  # noqa: S608
            cursor.execute(
                _upsert(RESPONDENTS, RESPONDENT_COLUMNS, RESPONDENT_KEY, wrapped), params
            )
            if has_choices(wave_id):
                select, params = choice_select(scope)
                wrapped = f"SELECT * FROM ({select}) s WHERE true"  # noqa: S608
                cursor.execute(_upsert(CHOICES, CHOICE_COLUMNS, CHOICE_KEY, wrapped), params)
            ratings = rating_questions(wave_id)
            if ratings >= 2:
                select, params = cross_select(scope, ratings)
                wrapped = f"SELECT * FROM ({select}) s WHERE true"  # noqa: S608
                cursor.execute(_upsert(CROSS, CROSS_COLUMNS, CROSS_KEY, wrapped), params)
            if marked >= ANALYZE_AFTER and connection.vendor == "postgresql":
                cursor.execute(f"ANALYZE {RESPONSE}")
    return FoldResult(wave_id, marked, batch)


def waves_with_tail() -> list[int]:
    """Waves that have complete responses no fold has counted (uses the partial index)."""
    return sorted(
        set(
            Response.objects.filter(status=ResponseStatus.COMPLETE, tally_batch__isnull=True)
            .values_list("wave_id", flat=True)
            .distinct()
        )
    )


def fold_all() -> list[FoldResult]:
    """Fold every wave with a tail; what the periodic job runs."""
    return [fold_wave(wave_id) for wave_id in waves_with_tail()]


def rebuild_wave(wave: Wave | int) -> FoldResult:
    """Recount a wave from its answers: drop its tallies, unmark its responses, fold. For the rare
    case where responses were deleted (tallies only ever add)."""
    wave_id = wave if isinstance(wave, int) else wave.pk
    with transaction.atomic():
        AnswerTally.objects.filter(wave_id=wave_id).delete()
        RespondentTally.objects.filter(wave_id=wave_id).delete()
        ChoiceTally.objects.filter(wave_id=wave_id).delete()
        CrossTally.objects.filter(wave_id=wave_id).delete()
        Response.objects.filter(wave_id=wave_id).update(tally_batch=None)
        return fold_wave(wave_id)


def tail_size(wave: Wave | int) -> int:
    wave_id = wave if isinstance(wave, int) else wave.pk
    return Response.objects.filter(
        wave_id=wave_id, status=ResponseStatus.COMPLETE, tally_batch__isnull=True
    ).count()
