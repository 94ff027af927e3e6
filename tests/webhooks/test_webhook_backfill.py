"""No event is missed after an endpoint is created: responses completed while another process
still trusted its 30-second coverage cache are sent by the webhooks.retries job, exactly once,
and nothing the live path already sent is sent again (issue 16, item 8)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from tests.conftest import make_customer
from tests.webhooks.test_webhooks import BOTH, _complete, _run_worker

from qiwang.surveys import loop
from qiwang.webhooks.backfill import SETTLE_SECONDS, backfill_new_endpoints
from qiwang.webhooks.choices import Event
from qiwang.webhooks.models import Delivery, Endpoint
from qiwang.webhooks.services import emit
from qiwang.webhooks.tasks import retries_and_backfill

pytestmark = pytest.mark.django_db


@pytest.fixture
def pulse(org):
    from tests.surveys.conftest import make_instrument, make_wave

    quality = org.users["quality_manager"]
    instrument = make_instrument(quality, org.own, "csat_pulse")
    return make_wave(
        quality, instrument, org.own, follow_up_rule="low_rating", follow_up_threshold=2
    )


def _later():
    return timezone.now() + datetime.timedelta(seconds=SETTLE_SECONDS + 1)


# transaction=True: the real worker loop checks its connection between tasks (as in
# test_webhook_recovery.py).
@pytest.mark.django_db(transaction=True)
def test_events_missed_by_a_stale_cache_are_sent_once(org, pulse, receiver):
    emit(Event.SURVEY_RESPONSE_COMPLETED, org.own.pk, {})  # this process: no endpoints
    endpoint = Endpoint.objects.create(  # made by another process: this cache is not told
        name="CRM", branch=org.company, url=receiver.url, events=BOTH, secret="s"
    )
    happy, happy_pairs = _complete(pulse, make_customer(org.own, "A0001"), overall=5, key="k1")
    unhappy, unhappy_pairs = _complete(pulse, make_customer(org.own, "A0002"), overall=1, key="k2")
    for response, pairs in ((happy, happy_pairs), (unhappy, unhappy_pairs)):
        loop.response_completed(response, pulse, pairs)
    assert Delivery.objects.count() == 0  # the live path missed them

    first = backfill_new_endpoints(_later())
    second = backfill_new_endpoints(_later())

    # two completions and the unhappy customer's follow-up; nothing twice
    assert first == {"endpoints": 1, "backfilled": 3}
    assert second == {"endpoints": 1, "backfilled": 0}
    keys = sorted(Delivery.objects.values_list("event", "object_key"))
    assert keys == sorted(
        [
            (Event.SURVEY_RESPONSE_COMPLETED, f"response:{happy.pk}"),
            (Event.SURVEY_RESPONSE_COMPLETED, f"response:{unhappy.pk}"),
            (Event.SURVEY_FOLLOW_UP_CREATED, f"response:{unhappy.pk}"),
        ]
    )
    follow_up = Delivery.objects.get(event=Event.SURVEY_FOLLOW_UP_CREATED)
    assert follow_up.payload["data"]["customer_code"] == "A0002"
    assert follow_up.payload["data"]["reason"]
    _run_worker()
    assert len(receiver.requests) == 3
    assert endpoint.deliveries.filter(status="delivered").count() == 3


def test_what_the_live_path_sent_is_not_sent_again(org, pulse, receiver):
    Endpoint.objects.create(name="CRM", branch=org.own, url=receiver.url, events=BOTH, secret="s")
    from qiwang.webhooks.services import invalidate_cache

    invalidate_cache()
    response, pairs = _complete(pulse, make_customer(org.own, "A0003"), overall=1)
    loop.response_completed(response, pulse, pairs)
    assert Delivery.objects.count() == 2

    assert backfill_new_endpoints(_later())["backfilled"] == 0
    assert Delivery.objects.count() == 2


def test_unsettled_old_and_foreign_responses_are_left_alone(org, pulse, receiver):
    emit(Event.SURVEY_RESPONSE_COMPLETED, org.own.pk, {})
    Endpoint.objects.create(name="CRM", branch=org.other, url=receiver.url, events=BOTH, secret="s")
    response, pairs = _complete(pulse, make_customer(org.own, "A0004"))  # another branch
    loop.response_completed(response, pulse, pairs)
    assert backfill_new_endpoints(_later())["backfilled"] == 0

    own = Endpoint.objects.create(
        name="own", branch=org.own, url=receiver.url, events=BOTH, secret="s"
    )
    fresh, _pairs = _complete(pulse, make_customer(org.own, "A0005"), key="k5")
    # still inside its settling time: a submission might not have committed yet
    assert backfill_new_endpoints(timezone.now())["backfilled"] == 0
    # an endpoint older than the look-back is not backfilled
    Endpoint.objects.filter(pk=own.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=1)
    )
    assert backfill_new_endpoints(_later())["backfilled"] == 0
    assert fresh.pk


def test_the_periodic_job_runs_both_halves(org):
    assert retries_and_backfill() == {
        "overdue": 0,
        "requeued": 0,
        "endpoints": 0,
        "backfilled": 0,
    }
