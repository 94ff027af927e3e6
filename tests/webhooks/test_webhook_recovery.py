"""A pending delivery whose task was lost (failed while the database was away, or left with a
dead worker) is queued again by the periodic job webhooks.retries, exactly once, and reaches the
receiver with its own delivery id; a delivery whose task still waits is left alone."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from qiwang.operations.scheduler import JOBS
from qiwang.webhooks.choices import Event
from qiwang.webhooks.models import Delivery
from qiwang.webhooks.services import create_endpoint, emit
from qiwang.webhooks.tasks import requeue_overdue

# transaction=True: the real worker loop checks its connection between tasks, which it may
# not do inside the atomic block of a plain database test.
pytestmark = pytest.mark.django_db(transaction=True)


def test_a_delivery_whose_task_was_lost_is_requeued_once_and_delivered(org, receiver):
    endpoint, _secret = create_endpoint(
        actor=org.users["administrator"],
        name="CRM",
        branch=org.own,
        url=receiver.url,
        events=[Event.SURVEY_RESPONSE_COMPLETED],
    )
    lost, waiting = (emit(Event.SURVEY_RESPONSE_COMPLETED, org.own.pk, {"n": n})[0] for n in (1, 2))
    # the first one's task failed while the database was away; both are overdue
    lost_task = DBTaskResult.objects.get(args_kwargs__args=[lost.pk])
    DBTaskResult.objects.filter(pk=lost_task.pk).update(status="FAILED")
    Delivery.objects.update(next_attempt_at=timezone.now() - datetime.timedelta(minutes=5))

    first = requeue_overdue()
    second = requeue_overdue()

    assert "webhooks.retries" in JOBS
    assert first == {"overdue": 2, "requeued": 1}
    assert second == {"overdue": 2, "requeued": 0}
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    delivered = sorted(r.headers["X-Qiwang-Delivery"] for r in receiver.requests)
    assert delivered == sorted([str(lost.pk), str(waiting.pk)])
    assert set(Delivery.objects.values_list("status", flat=True)) == {"delivered"}
    assert endpoint.deliveries.count() == 2
