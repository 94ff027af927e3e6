"""The database task backend, carrying the request id of the web request that queued a task.

Identical to django-tasks-db's backend except that the row's ``args_kwargs`` JSON also holds
``request_id`` (the task's own arguments are untouched); ``qiwang worker`` puts it back into the
logging context while the task runs. Still a ``DatabaseBackend``: the task row is written through
the caller's connection, in the caller's transaction (the webhook outbox relies on it, ADR 0009).
"""

from __future__ import annotations

from typing import Any

from django_tasks_db.backend import DatabaseBackend as _DatabaseBackend
from django_tasks_db.compat import normalize_json

from qiwang.operations.logs import request_id


class DatabaseBackend(_DatabaseBackend):
    def task_row(self, task: Any, args: Any, kwargs: Any) -> Any:
        """The unsaved task row that :meth:`enqueue` would write (the webhook outbox writes the
        same columns from its prepared statement, ``webhooks/statement.py``)."""
        from django_tasks_db.models import DBTaskResult, get_date_max

        payload: dict[str, Any] = {"args": args, "kwargs": kwargs}
        current = request_id()
        if current:
            payload["request_id"] = current
        return DBTaskResult(
            id=self._get_id(),
            args_kwargs=normalize_json(payload),
            priority=task.priority,
            task_path=task.module_path,
            queue_name=task.queue_name,
            # The library's pre_save handler does the same; a row written by SQL needs it here.
            run_after=task.run_after or get_date_max(),
            backend_name=self.alias,
        )

    def _task_to_db_task(self, task: Any, args: Any, kwargs: Any) -> Any:
        row = self.task_row(task, args, kwargs)
        row.save(force_insert=True)
        return row
