"""Background delivery of webhooks (Django's Tasks API on the database queue; ``qiwang worker``
runs it). One task per attempt: a failed attempt queues the next one with ``run_after`` set by
the back-off schedule, so no worker sleeps while it waits."""

from __future__ import annotations

from django_tasks import task

from qiwang.webhooks.services import attempt_delivery


@task()
def deliver_webhook(delivery_id: int) -> dict[str, object]:
    """POST one delivery once (see :func:`qiwang.webhooks.services.attempt_delivery`)."""
    delivery = attempt_delivery(delivery_id)
    if delivery is None:
        return {"delivery": delivery_id, "status": "missing"}
    return {
        "delivery": delivery.pk,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "status_code": delivery.last_status_code,
    }


#: A pending delivery this far past its attempt time with no task waiting for it is re-queued.
OVERDUE_SECONDS = 120


def register_jobs() -> None:
    from django.utils.translation import gettext_lazy as _

    from qiwang.operations.scheduler import Job, register

    register(
        Job(
            key="webhooks.retries",
            function="qiwang.webhooks.tasks.retries_and_backfill",
            label=_(
                "Re-queue webhook deliveries whose task was lost; send new endpoints what they missed"
            ),
            every=60,
        )
    )


def _deliveries() -> list[tuple[tuple[str, ...], float]]:
    from django.db.models import Count

    from qiwang.webhooks.choices import DeliveryStatus
    from qiwang.webhooks.models import Delivery

    counts = dict(Delivery.objects.values_list("status").annotate(n=Count("pk")))
    return [((status,), counts.get(status, 0)) for status in DeliveryStatus.values]


def register_metrics() -> None:
    from qiwang.operations.metrics import register_database_metric

    register_database_metric(
        "qiwang_webhook_deliveries",
        "Webhook deliveries kept, by status (pending, delivered, failed).",
        ("status",),
        _deliveries,
    )


def requeue_overdue(*, slot: object = None, limit: int = 1000) -> dict[str, int]:
    """Queue a task for every pending delivery that is overdue and has no task waiting or
    running (its task failed while the database was away, or was lost with a worker): the outbox
    row is the truth, so no committed event is lost. The delivery keeps its id (the receiver's
    idempotency key); an attempt records its outcome only from the state it read, so a delivery
    that does have a task is never queued twice by this job."""
    import datetime

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from qiwang.operations.tasks import TASK_READY, TASK_RUNNING
    from qiwang.webhooks.choices import DeliveryStatus
    from qiwang.webhooks.models import Delivery

    cutoff = timezone.now() - datetime.timedelta(seconds=OVERDUE_SECONDS)
    overdue = list(
        Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=cutoff)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    if not overdue:
        return {"overdue": 0, "requeued": 0}
    waiting = {
        args_kwargs["args"][0]
        for args_kwargs in DBTaskResult.objects.filter(
            task_path=deliver_webhook.module_path, status__in=[TASK_READY, TASK_RUNNING]
        ).values_list("args_kwargs", flat=True)
        if args_kwargs.get("args")
    }
    lost = [pk for pk in overdue if pk not in waiting]
    for pk in lost:
        deliver_webhook.enqueue(pk)
    return {"overdue": len(overdue), "requeued": len(lost)}


def retries_and_backfill(*, slot: object = None) -> dict[str, int]:
    """The ``webhooks.retries`` job: re-queue lost delivery tasks, then send new endpoints the
    events they missed while other processes' caches were stale (webhooks/backfill.py)."""
    from qiwang.webhooks.backfill import backfill_new_endpoints

    return {**requeue_overdue(slot=slot), **backfill_new_endpoints()}
