"""The webhook outbox inside the one prepared statement that stores a complete survey response.

When an endpoint covers the response's branch, the submission would otherwise leave its one
round trip (``qiwang.surveys.submission``) for an ORM transaction of six statements: the
response, its answers, the invitation, the endpoint lookup, the delivery row and its task row,
plus two reads for the payload's branch and customer codes (2.5 times the cost, measured).
:func:`response_completed_part` writes the same rows as :func:`qiwang.webhooks.hooks.
survey_response_completed` from common table expressions appended to that statement:

- ``wh_ep``: the active endpoints of the branch or a branch above it subscribed to the event;
- ``wh_dlv``: one :class:`~qiwang.webhooks.models.Delivery` per endpoint, its payload built in
  Python and completed in SQL with what only the database knows (the response's id, the branch
  and customer codes), its ``object_key`` ``response:<id>``;
- ``wh_task``: one task row per delivery on the database queue, the same columns as
  ``operations.queue.DatabaseBackend.task_row`` (the column list comes from the models, so a
  new column of either table cannot be forgotten), a fresh UUID each.

Nothing is written when ``ins`` is empty (the submission key was taken). The outbox promise of
ADR 0009 holds unchanged: the delivery and its task commit with the response or not at all. The
library's ``task_enqueued`` signal (a debug log line) is not sent for these rows.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import connection
from django.db.models import Model

from qiwang.accounts.models import Branch
from qiwang.customers.models import Customer
from qiwang.surveys.loop import StatementPart
from qiwang.surveys.models import Answer, Question, Response, Wave
from qiwang.webhooks.choices import Event
from qiwang.webhooks.hooks import response_payload_with
from qiwang.webhooks.models import Delivery, Endpoint
from qiwang.webhooks.services import _ancestors, _current_coverage, _envelope

EVENT = Event.SURVEY_RESPONSE_COMPLETED


def _row_values(row: Model, skip: set[str]) -> tuple[list[str], list[str], list[Any]]:
    """Column names, placeholders and values of ``row`` as an INSERT would write them, less the
    columns in ``skip`` (which the caller writes from SQL expressions)."""
    columns: list[str] = []
    values: list[Any] = []
    for field in row._meta.concrete_fields:
        if field.column in skip:
            continue
        columns.append(connection.ops.quote_name(field.column))
        value = field.pre_save(row, add=True)
        values.append(field.get_db_prep_save(value, connection))
    return columns, ["%s"] * len(columns), values


def response_completed_part(
    response: Response, wave: Wave, answers: list[tuple[Question, Answer]]
) -> StatementPart | None:
    """The ``survey.response.completed`` outbox rows as a statement part, or ``None`` when the
    task queue is not the database one (its task could not join the statement)."""
    from qiwang.operations.queue import DatabaseBackend
    from qiwang.webhooks.tasks import deliver_webhook

    backend = deliver_webhook.get_backend()
    if not isinstance(backend, DatabaseBackend):
        return None
    branches = _ancestors(_current_coverage(), response.branch_id)
    body = _envelope(
        EVENT,
        response_payload_with(response, wave, answers, branch_code=None, customer_code=None),
    )
    delivery = Delivery(
        endpoint_id=0, event=EVENT, payload=body, next_attempt_at=response.submitted_at
    )
    d_columns, d_marks, d_values = _row_values(
        delivery, {"id", "endpoint_id", "payload", "object_key"}
    )
    task_row = backend.task_row(deliver_webhook, [0], {})
    t_columns, t_marks, t_values = _row_values(task_row, {"id", "args_kwargs"})
    quote = connection.ops.quote_name
    endpoint, delivery_table = Endpoint._meta.db_table, Delivery._meta.db_table
    task_table = type(task_row)._meta.db_table
    branch_table, customer_table = Branch._meta.db_table, Customer._meta.db_table
    # Table and column names come from the models' meta; every value is a bound parameter.
    ctes = (
        f", wh_ep AS (SELECT id FROM {endpoint} WHERE is_active"  # noqa: S608
        " AND branch_id = ANY(%s) AND events @> %s::jsonb),"
        f" wh_dlv AS (INSERT INTO {delivery_table} (endpoint_id, payload, object_key,"
        f" {', '.join(d_columns)})"
        " SELECT wh_ep.id,"
        " jsonb_set(jsonb_set(jsonb_set(%s::jsonb, '{data,response,id}', to_jsonb(ins.id)),"
        f" '{{data,branch,code}}', COALESCE((SELECT to_jsonb(code) FROM {branch_table}"
        " WHERE id = %s), 'null'::jsonb)),"
        f" '{{data,customer_code}}', COALESCE((SELECT to_jsonb(code) FROM {customer_table}"
        " WHERE id = %s), 'null'::jsonb)),"
        f" 'response:' || ins.id, {', '.join(d_marks)}"
        " FROM ins, wh_ep ORDER BY wh_ep.id RETURNING id),"
        f" wh_task AS (INSERT INTO {task_table} ({quote('id')}, {quote('args_kwargs')},"
        f" {', '.join(t_columns)})"
        " SELECT gen_random_uuid(), jsonb_set(%s::jsonb, '{args}', jsonb_build_array(wh_dlv.id)),"
        f" {', '.join(t_marks)} FROM wh_dlv)"
    )
    params = [
        branches,
        f'["{EVENT.value}"]',
        _json(body),
        response.branch_id,
        response.customer_id,
        *d_values,
        _json(task_row.args_kwargs),
        *t_values,
    ]
    return StatementPart(ctes, params)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
