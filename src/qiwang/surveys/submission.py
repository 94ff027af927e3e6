"""The one-request submission: a whole response in one transaction of three statements.

A mini-program, a kiosk or an integration sends every answer at once (``POST
/api/surveys/respond/{token}`` with ``submit: true``). When the invitation has no response yet —
the usual case — this path stores it with:

1. one query that resolves the token (invitation, wave, version, the customer's branch and tier);
2. the version's questions from a per-process cache (versions are frozen once a wave uses them,
   ADR 0007, so a cached copy can never be stale; the key includes the version's creation time so
   a reused primary key in another database or test never hits an old entry);
3. on PostgreSQL, unless a follow-up is due or an app with a completion hook cannot say what it
   writes in SQL (:func:`qiwang.surveys.loop.statement_parts`), ONE prepared statement —
   data-modifying CTEs inserting the response ``ON CONFLICT DO NOTHING`` (any unique key: the
   submission key or the invitation, so a concurrent double tap never raises), its answers, the
   invitation's new status and what the hooks would write (the webhook outbox row and its task,
   ``webhooks/statement.py``) — one round trip, one implicit transaction; otherwise the same
   statements in one Django transaction that then runs
   :func:`qiwang.surveys.loop.response_completed`. A response is never stored without its
   answers.

When the ``INSERT`` finds the submission key taken (a retry, or a partial response saved page by
page), nothing was written and the caller takes the general path of
:func:`qiwang.surveys.responding.save_answers`, which locks the existing response and reports
``already_submitted`` or merges the answers. Either way a retry never counts twice. The numbers
are in docs/benchmarks.md (survey submissions).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from qiwang.surveys.choices import InvitationStatus, ResponseStatus
from qiwang.surveys.loop import response_completed, statement_parts
from qiwang.surveys.models import Answer, Invitation, InvitationToken, Question, Response, Wave
from qiwang.surveys.responding import AnswerValues, SaveResult, TokenNotFound, validate_page
from qiwang.surveys.services import token_digest

_WAVE_FIELDS = (
    "id",
    "name",
    "version_id",
    "branch_id",
    "status",
    "opens_at",
    "closes_at",
    "follow_up_rule",
    "follow_up_threshold",
)
_ANSWER_COLUMNS = ("question_id", "value", "second", "importance", "text")
_INVITATION_FIELDS = ("id", "wave_id", "customer_id", "branch_id", "status", "opted_out_at")


@dataclass(frozen=True)
class TokenTarget:
    """What a token leads to, read in one query."""

    invitation: Invitation
    wave: Wave
    customer_branch_id: int
    customer_tier: str
    version_created_at: datetime.datetime
    response_id: int | None
    response_status: str | None = None

    @property
    def is_complete(self) -> bool:
        """The invitation's response is complete: it never changes again (a retry is a no-op)."""
        return self.response_status == ResponseStatus.COMPLETE


@cache
def _token_sql() -> str:
    invitation, wave, version = (
        Invitation._meta.db_table,
        Wave._meta.db_table,
        Wave._meta.get_field("version").related_model._meta.db_table,
    )
    customer = Invitation._meta.get_field("customer").related_model._meta.db_table
    response = Response._meta.db_table
    columns = [f"i.{name}" for name in _INVITATION_FIELDS] + [f"w.{name}" for name in _WAVE_FIELDS]
    # Table names come from the models' meta; the token digest is a bound parameter.
    return (
        f"SELECT {', '.join(columns)}, c.branch_id, c.tier, v.created_at, r.id, r.status"  # noqa: S608
        f" FROM {invitation} i JOIN {wave} w ON w.id = i.wave_id"
        f" JOIN {version} v ON v.id = w.version_id"
        f" JOIN {customer} c ON c.id = i.customer_id"
        f" LEFT JOIN {response} r ON r.invitation_id = i.id"
        " WHERE i.token_hash = %s"
    )


def _fetchone(sql: str, params: list[Any]) -> tuple[Any, ...] | None:
    """Run a hot-path statement. On PostgreSQL through a server-side-binding psycopg cursor, which
    psycopg prepares after a few executions of the same text (``prepare_threshold``): the
    statement is then parsed and planned once per connection, not per request. Django's own
    cursors bind on the client and cannot prepare. Wrapped by Django, so the statement joins
    Django's transaction and shows in query logs and tests' query counts."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()
    import psycopg

    connection.ensure_connection()
    raw = psycopg.Cursor(connection.connection)
    cursor = (
        connection.make_debug_cursor(raw)
        if connection.queries_logged
        else connection.make_cursor(raw)
    )
    with cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def resolve_token(token: str) -> TokenTarget:
    """The invitation, its wave and what a response needs, in one query; 404 material if none."""
    digest = token_digest(token)
    row = _fetchone(_token_sql(), [digest])
    if row is None:
        # An earlier link a reminder replaced still answers (ADR 0172): one more query, only
        # for such links.
        current = (
            InvitationToken.objects.filter(token_hash=digest)
            .values_list("invitation__token_hash", flat=True)
            .first()
        )
        row = _fetchone(_token_sql(), [current]) if current else None
    if row is None:
        raise TokenNotFound(token)
    row = [_aware(value) for value in row]
    n_inv, n_wave = len(_INVITATION_FIELDS), len(_WAVE_FIELDS)
    invitation = Invitation.from_db(connection.alias, _INVITATION_FIELDS, row[:n_inv])
    wave = Wave.from_db(connection.alias, _WAVE_FIELDS, row[n_inv : n_inv + n_wave])
    invitation.wave = wave
    branch_id, tier, created_at, response_id, response_status = row[n_inv + n_wave :]
    return TokenTarget(invitation, wave, branch_id, tier, created_at, response_id, response_status)


def _aware(value: Any) -> Any:
    # A raw cursor on SQLite returns naive UTC datetimes; the ORM would make them aware.
    if isinstance(value, datetime.datetime) and timezone.is_naive(value):
        return timezone.make_aware(value, datetime.UTC)
    return value


@lru_cache(maxsize=512)
def _questions(alias: str, version_id: int, created_at: datetime.datetime) -> tuple[Question, ...]:
    return tuple(Question.objects.using(alias).filter(version_id=version_id).order_by("position"))


def version_questions(wave: Wave, created_at: datetime.datetime) -> list[Question]:
    """The questions of the wave's (frozen) version, read once per process."""
    return list(_questions(connection.alias, wave.version_id, created_at))


@lru_cache(maxsize=16)
def _one_statement(parts: tuple[str, ...] = ()) -> str:
    """Response, answers and invitation in one PostgreSQL statement (data-modifying CTEs): one
    round trip, one implicit transaction, a constant text that can be prepared. ``parts`` are
    the common table expressions of the completion hooks that have work
    (:class:`qiwang.surveys.loop.StatementPart`: the webhook outbox), each a constant text."""
    response, answer, invitation = (
        Response._meta.db_table,
        Answer._meta.db_table,
        Invitation._meta.db_table,
    )
    # Table names come from the models' meta; every value is a bound parameter.
    return (
        f"WITH ins AS (INSERT INTO {response} (wave_id, invitation_id, customer_id, branch_id,"  # noqa: S608
        " tier, submission_key, status, source, started_at, submitted_at)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
        " ON CONFLICT DO NOTHING RETURNING id),"
        f" ans AS (INSERT INTO {answer} (response_id, question_id, value, second, importance, text)"
        " SELECT ins.id, a.q, a.v, a.s, a.i, a.t FROM ins,"
        " json_to_recordset(%s::json) AS a(q bigint, v smallint, s smallint, i smallint, t text)),"
        f" upd AS (UPDATE {invitation} SET status = %s, responded_at = %s"
        " WHERE id = %s AND EXISTS (SELECT 1 FROM ins))" + "".join(parts) + " SELECT id FROM ins"
    )


def _as_json(kept: list[tuple[int, AnswerValues]]) -> str:
    return json.dumps(
        [{"q": pk, "v": v.value, "s": v.second, "i": v.importance, "t": v.text} for pk, v in kept],
        ensure_ascii=False,
    )


def submit_at_once(
    target: TokenTarget,
    questions: list[Question],
    raw: Mapping[str, Mapping[str, Any]],
    *,
    source: str = "api",
    now: datetime.datetime | None = None,
) -> SaveResult | None:
    """Store a complete response with all its answers, or return ``None`` (writing nothing) when
    the invitation already has a response. Raises :class:`ServiceError` naming every bad or missing
    answer before anything is written."""
    if target.response_id is not None:
        return None
    now = now or timezone.now()
    parsed = validate_page(questions, raw, require=True)
    invitation, wave = target.invitation, target.wave
    by_pk = {question.pk: question for question in questions}
    kept = [(pk, values) for pk, values in parsed.items() if not values.is_empty]

    def pairs() -> Iterator[tuple[Question, Answer]]:
        # Model objects only where a hook reads them: building them costs more than the write.
        return ((by_pk[pk], Answer(question_id=pk, **values.__dict__)) for pk, values in kept)

    response = Response(
        wave=wave,
        invitation_id=invitation.pk,
        customer_id=invitation.customer_id,
        branch_id=target.customer_branch_id,
        tier=target.customer_tier,
        submission_key=f"i{invitation.pk}",
        status=ResponseStatus.COMPLETE,
        source=source,
        started_at=now,
        submitted_at=now,
    )
    head = [
        wave.pk,
        invitation.pk,
        response.customer_id,
        response.branch_id,
        response.tier,
        response.submission_key,
        response.status,
        source,
        now,
        now,
    ]
    parts = statement_parts(response, wave, pairs()) if connection.vendor == "postgresql" else None
    if parts is not None:
        row = _fetchone(
            _one_statement(tuple(part.ctes for part in parts)),
            [
                *head,
                _as_json(kept),
                InvitationStatus.RESPONDED,
                now,
                invitation.pk,
                *(value for part in parts for value in part.params),
            ],
        )
        if row is None:  # the submission key is taken: a retry or a concurrent first submission
            return None
        response.pk = row[0]
        return SaveResult(response, len(kept), True)
    answered = list(pairs())
    answers = [answer for _question, answer in answered]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Response._meta.db_table} (wave_id, invitation_id, customer_id,"  # noqa: S608
            " branch_id, tier, submission_key, status, source, started_at, submitted_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT DO NOTHING RETURNING id",
            head,
        )
        row = cursor.fetchone()
        if row is None:
            return None
        response.pk = row[0]
        for answer in answers:
            answer.response_id = response.pk
        if answers:
            cursor.execute(
                f"INSERT INTO {Answer._meta.db_table} (response_id, question_id,"  # noqa: S608
                f" {', '.join(_ANSWER_COLUMNS[1:])}) VALUES "
                + ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(answers)),
                [
                    value
                    for a in answers
                    for value in (response.pk, *(getattr(a, name) for name in _ANSWER_COLUMNS))
                ],
            )
        cursor.execute(
            f"UPDATE {Invitation._meta.db_table} SET status = %s, responded_at = %s"  # noqa: S608
            " WHERE id = %s",
            [InvitationStatus.RESPONDED, now, invitation.pk],
        )
        response_completed(response, wave, answered)
    return SaveResult(response, len(answers), True)
