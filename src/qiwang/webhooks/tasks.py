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
