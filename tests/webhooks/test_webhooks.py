"""Outbound webhooks: the outbox joins the caller's transaction, deliveries are signed POSTs to a
real local HTTP server with retries and back-off, no query at all while no endpoint exists,
branch scoping of events and pages."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django_tasks_db.models import DBTaskResult
from tests.conftest import make_customer
from tests.surveys.conftest import make_instrument, make_wave

from qiwang.errors import ServiceError
from qiwang.surveys import loop
from qiwang.surveys.models import Answer, Response
from qiwang.webhooks import hooks, services
from qiwang.webhooks.choices import DeliveryStatus, Event
from qiwang.webhooks.models import Delivery, Endpoint
from qiwang.webhooks.services import attempt_delivery, create_endpoint, emit

pytestmark = pytest.mark.django_db

BOTH = [Event.SURVEY_RESPONSE_COMPLETED, Event.SURVEY_FOLLOW_UP_CREATED]


@pytest.fixture
def quality(org):
    return org.users["quality_manager"]


@pytest.fixture
def pulse(quality, org):
    instrument = make_instrument(quality, org.own, "csat_pulse")
    return make_wave(
        quality, instrument, org.own, follow_up_rule="low_rating", follow_up_threshold=2
    )


def _complete(wave, customer, *, overall=4, key="k1"):
    """A complete response of ``customer`` with every required answer, and its answer pairs."""
    response = Response.objects.create(
        wave=wave,
        customer=customer,
        branch_id=customer.branch_id if customer else wave.branch_id,
        tier=customer.tier if customer else "",
        submission_key=key,
        status="complete",
        submitted_at=timezone.now(),
    )
    pairs = []
    for question in wave.version.questions.order_by("position"):
        value = overall if question.attribute == "overall" else 4
        answer = Answer.objects.create(response=response, question=question, value=value)
        pairs.append((question, answer))
    return response, pairs


def _endpoint(actor, branch, url, events=BOTH):
    endpoint, secret = create_endpoint(
        actor=actor, name="CRM", branch=branch, url=url, events=events
    )
    return endpoint, secret


def _run_worker():
    """The real ``db_worker`` of ``qiwang worker``, until the queue is empty."""
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def test_the_app_hooks_itself_into_the_surveys_registries():
    assert hooks.survey_response_completed in loop.COMPLETION_HOOKS
    assert hooks.survey_follow_up_created in loop.FOLLOW_UP_HOOKS


@pytest.mark.django_db(transaction=True)  # the worker needs committed rows and autocommit
def test_a_completed_response_reaches_the_endpoint_signed_through_the_worker(
    org, quality, pulse, receiver
):
    endpoint, secret = _endpoint(quality, org.own, receiver.url, [Event.SURVEY_RESPONSE_COMPLETED])
    customer = make_customer(org.own, "A0042", tier="vip", name="王建国")
    response, pairs = _complete(pulse, customer)

    with transaction.atomic():
        loop.response_completed(response, pulse, pairs)
    _run_worker()

    assert len(receiver.requests) == 1
    received = receiver.requests[0]
    delivery = Delivery.objects.get(endpoint=endpoint)
    expected = hmac.new(secret.encode(), received.body, hashlib.sha256).hexdigest()
    assert received.headers["X-Qiwang-Signature"] == f"sha256={expected}"
    assert received.headers["X-Qiwang-Event"] == "survey.response.completed"
    assert received.headers["X-Qiwang-Delivery"] == str(delivery.pk)
    data = received.json["data"]
    assert data["wave"] == {"id": pulse.pk, "name": pulse.name}
    assert data["response"]["id"] == response.pk
    assert data["branch"] == {"id": org.own.pk, "code": "a"}
    assert (data["tier"], data["customer_code"]) == ("vip", "A0042")
    assert data["answers"]["overall"]["value"] == 4
    assert set(data["answers"]) == {q.attribute for q, _a in pairs}
    body = received.body.decode()
    assert (
        "王建国" not in body
        and "13812345678" not in body
        and "+8613812345678" not in body
        and "翠湖花园 3栋" not in body
    )
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 200)


def test_a_low_rating_also_sends_the_follow_up_event_with_the_task(org, quality, pulse, receiver):
    # The company's endpoint hears its communities' events.
    _endpoint(org.users["administrator"], org.company, receiver.url)
    customer = make_customer(org.own, "A0007")
    response, pairs = _complete(pulse, customer, overall=1)

    loop.response_completed(response, pulse, pairs)

    events = dict(Delivery.objects.values_list("event", "payload"))
    assert set(events) == {"survey.response.completed", "survey.follow_up.created"}
    follow_up = events["survey.follow_up.created"]["data"]
    assert follow_up["customer_code"] == "A0007"
    assert follow_up["response"] == {"id": response.pk}
    assert "1" in follow_up["reason"] and follow_up["task"]["id"] is not None


def test_500_then_200_is_retried_with_back_off_and_the_same_delivery_id(
    org, quality, pulse, receiver
):
    receiver.script = [500, 200]
    _endpoint(quality, org.own, receiver.url)
    response, pairs = _complete(pulse, make_customer(org.own, "A0001"))
    loop.response_completed(response, pulse, pairs)
    delivery = Delivery.objects.get(event=Event.SURVEY_RESPONSE_COMPLETED)
    before = timezone.now()

    first = attempt_delivery(delivery.pk)
    retry = DBTaskResult.objects.filter(args_kwargs__args=[delivery.pk]).order_by("-enqueued_at")[0]
    second = attempt_delivery(delivery.pk)

    assert (first.status, first.attempts, first.last_status_code) == ("pending", 1, 500)
    assert retry.run_after is not None
    wait = (retry.run_after - before).total_seconds()
    assert 59 <= wait <= 61  # first back-off step: 1 minute
    assert (second.status, second.attempts, second.last_status_code) == ("delivered", 2, 200)
    ids = [r.headers["X-Qiwang-Delivery"] for r in receiver.requests]
    assert ids == [str(delivery.pk), str(delivery.pk)]


def test_back_off_steps_then_failed(org, quality, receiver):
    receiver.script = [500]
    endpoint, _secret = _endpoint(quality, org.own, receiver.url)
    delivery = Delivery.objects.create(
        endpoint=endpoint, event=Event.TEST, payload={"event": "webhook.test"}
    )
    waits = []

    for _attempt in range(5):
        start = timezone.now()
        state = attempt_delivery(delivery.pk)
        if state.next_attempt_at:
            waits.append(round((state.next_attempt_at - start).total_seconds() / 60))

    assert waits == [1, 5, 30, 120]
    assert (state.status, state.attempts, state.last_status_code) == ("failed", 5, 500)
    assert attempt_delivery(delivery.pk).attempts == 5  # a failed delivery is left alone
    assert len(receiver.requests) == 5


def test_a_slow_receiver_times_out_and_is_retried(org, quality, receiver):
    receiver.script = [("sleep", 2.0)]
    endpoint, _secret = _endpoint(quality, org.own, receiver.url)
    delivery = services.send_test_event(actor=quality, endpoint=endpoint)

    state = attempt_delivery(delivery.pk)

    assert state.status == DeliveryStatus.PENDING and state.attempts == 1
    assert state.last_status_code is None
    # one sentence for every network failure: no port or address state (issue 10)
    assert state.last_error == gettext("The receiver could not be reached.")


def test_a_rolled_back_write_emits_nothing_and_a_committed_one_its_event(
    org, quality, pulse, receiver
):
    _endpoint(quality, org.own, receiver.url)
    customer = make_customer(org.own, "A0002")
    tasks_before = DBTaskResult.objects.count()

    with pytest.raises(RuntimeError), transaction.atomic():
        response, pairs = _complete(pulse, customer, key="rolled-back")
        loop.response_completed(response, pulse, pairs)
        raise RuntimeError("the submission failed after the hook ran")
    rolled_back = (Delivery.objects.count(), DBTaskResult.objects.count() - tasks_before)
    with transaction.atomic():
        response, pairs = _complete(pulse, customer, key="committed")
        loop.response_completed(response, pulse, pairs)

    assert rolled_back == (0, 0)
    assert Delivery.objects.count() == 1
    assert DBTaskResult.objects.count() - tasks_before == 1  # its task, queued with it


def test_no_query_at_all_while_no_endpoint_exists(org, quality, pulse, django_assert_num_queries):
    pulse.follow_up_rule = ""  # the wave's own rule would read the customer
    customer = make_customer(org.own, "A0003")
    response, pairs = _complete(pulse, customer)
    emit(Event.SURVEY_RESPONSE_COMPLETED, org.own.pk, {})  # fills the per-process cache

    with django_assert_num_queries(0):
        for _ in range(50):
            loop.response_completed(response, pulse, pairs)

    assert Delivery.objects.count() == 0


def test_an_endpoint_made_elsewhere_is_seen_within_the_cache_time(
    org, quality, pulse, receiver, monkeypatch
):
    response, pairs = _complete(pulse, make_customer(org.own, "A0004"))
    emit(Event.SURVEY_RESPONSE_COMPLETED, org.own.pk, {})  # cache: no endpoints
    Endpoint.objects.create(  # as another process would: this process's cache is not told
        name="x", branch=org.own, url=receiver.url, events=BOTH, secret="s"
    )
    loop.response_completed(response, pulse, pairs)
    stale = Delivery.objects.count()
    later = services.time.monotonic() + services.CACHE_SECONDS + 1
    monkeypatch.setattr(services.time, "monotonic", lambda: later)

    loop.response_completed(response, pulse, pairs)

    assert stale == 0
    assert Delivery.objects.count() == 1


def test_events_reach_endpoints_of_the_branch_and_above_only(org, quality, pulse, receiver):
    admin = org.users["administrator"]
    own, _s = _endpoint(quality, org.own, receiver.url)
    company, _s = _endpoint(admin, org.company, receiver.url)
    other, _s = _endpoint(admin, org.other, receiver.url)
    paused, _s = _endpoint(quality, org.own, receiver.url)
    services.set_endpoint_active(actor=quality, endpoint=paused, is_active=False)
    response, pairs = _complete(pulse, make_customer(org.own, "A0005"))

    loop.response_completed(response, pulse, pairs)

    reached = set(
        Delivery.objects.filter(event=Event.SURVEY_RESPONSE_COMPLETED).values_list(
            "endpoint_id", flat=True
        )
    )
    assert reached == {own.pk, company.pk}


def test_addresses_are_checked(org, quality, settings):
    settings.QIWANG_WEBHOOK_ALLOW_HTTP = False
    settings.QIWANG_WEBHOOK_ALLOW_PRIVATE = False
    cases = {
        "http://93.184.216.34/hook": "https://",
        "https://127.0.0.1/hook": "127.0.0.1",
        "https://10.1.2.3/hook": "10.1.2.3",
        "https://[::1]/hook": "::1",
        "https://169.254.169.254/latest": "169.254.169.254",
        "https://user:pw@93.184.216.34/": "user",
        "ftp://93.184.216.34/": "https://",
    }
    messages = {}
    for url in cases:
        with pytest.raises(ServiceError) as error:
            create_endpoint(actor=quality, name="x", branch=org.own, url=url, events=BOTH)
        messages[url] = " ".join(error.value.errors["url"])

    assert services.check_url("https://93.184.216.34/hook") == "https://93.184.216.34/hook"
    for url, fragment in cases.items():
        if fragment != "user":
            assert fragment in messages[url] or "https" in messages[url], url
    assert not Endpoint.objects.exists()


def test_a_manager_cannot_create_an_endpoint_for_another_branch(org, quality, receiver):
    with pytest.raises(ServiceError):
        create_endpoint(actor=quality, name="x", branch=org.other, url=receiver.url, events=BOTH)
    with pytest.raises(ServiceError):
        create_endpoint(
            actor=org.users["account_manager"],
            name="x",
            branch=org.own,
            url=receiver.url,
            events=BOTH,
        )
    with pytest.raises(ServiceError) as unknown:
        create_endpoint(actor=quality, name="x", branch=org.own, url=receiver.url, events=["nope"])
    assert "nope" in unknown.value.errors["events"][0]


# --- pages -------------------------------------------------------------------------------------


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_create_on_the_page_shows_the_secret_once(org, quality, receiver):
    client = _client(quality)

    created = client.post(
        reverse("webhooks:new"),
        {"name": "企业微信机器人", "branch": org.own.pk, "url": receiver.url, "events": BOTH},
    )
    endpoint = Endpoint.objects.get()
    first = client.get(created["Location"])
    second = client.get(created["Location"])

    assert created.status_code == 302
    assert endpoint.secret in first.content.decode()
    assert 'data-testid="secret"' in first.content.decode()
    assert endpoint.secret not in second.content.decode()


def test_the_page_refuses_a_bad_address_with_422(org, quality, settings):
    settings.QIWANG_WEBHOOK_ALLOW_PRIVATE = False

    page = _client(quality).post(
        reverse("webhooks:new"),
        {"name": "x", "branch": org.own.pk, "url": "http://127.0.0.1:9/", "events": BOTH},
    )

    assert page.status_code == 422
    assert "127.0.0.1" in page.content.decode()
    assert not Endpoint.objects.exists()


@pytest.mark.django_db(transaction=True)  # the worker needs committed rows and autocommit
def test_test_event_and_redelivery_from_the_endpoint_page(org, quality, receiver):
    receiver.script = [500, 200]
    endpoint, _secret = _endpoint(quality, org.own, receiver.url)
    client = _client(quality)

    client.post(reverse("webhooks:test", args=[endpoint.pk]))
    delivery = Delivery.objects.get(event=Event.TEST)
    Delivery.objects.filter(pk=delivery.pk).update(attempts=4)  # its last try is next
    attempt_delivery(delivery.pk)
    failed = Delivery.objects.get(pk=delivery.pk).status
    page = client.get(reverse("webhooks:endpoint", args=[endpoint.pk])).content.decode()
    client.post(reverse("webhooks:redeliver", args=[delivery.pk]))
    _run_worker()

    assert failed == "failed"
    assert "HTTP 500" in page and 'data-testid="redeliver"' in page
    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_status_code) == ("delivered", 200)
    assert [r.headers["X-Qiwang-Event"] for r in receiver.requests] == ["webhook.test"] * 2


@pytest.mark.parametrize(
    ("role", "own", "other"),
    [
        ("administrator", 200, 200),
        ("quality_manager", 200, 404),
        ("account_manager", 403, 403),
        ("agent", 403, 403),
        ("analyst", 403, 403),
    ],
)
def test_endpoint_pages_are_scoped_by_role_and_branch(org, receiver, role, own, other):
    admin = org.users["administrator"]
    mine, _s = _endpoint(admin, org.own, receiver.url)
    theirs, _s = _endpoint(admin, org.other, receiver.url)
    theirs_delivery = Delivery.objects.create(
        endpoint=theirs, event=Event.TEST, payload={}, status="failed"
    )
    theirs.name = "锦绣华庭数据仓库"
    theirs.save()
    client = _client(org.users[role])

    listing = client.get(reverse("webhooks:list"))
    own_page = client.get(reverse("webhooks:endpoint", args=[mine.pk]))
    other_page = client.get(reverse("webhooks:endpoint", args=[theirs.pk]))
    redeliver = client.post(reverse("webhooks:redeliver", args=[theirs_delivery.pk]))
    test_other = client.post(reverse("webhooks:test", args=[theirs.pk]))

    assert own_page.status_code == own
    assert other_page.status_code == other
    assert redeliver.status_code == (302 if other == 200 else other)
    assert test_other.status_code == (302 if other == 200 else other)
    if own == 200:
        assert listing.status_code == 200
        assert ("锦绣华庭数据仓库" in listing.content.decode()) == (other == 200)
    else:
        assert listing.status_code == 403


def test_the_payload_is_json_the_receiver_can_verify(org, quality, receiver):
    endpoint, secret = _endpoint(quality, org.own, receiver.url)
    delivery = services.send_test_event(actor=quality, endpoint=endpoint)

    attempt_delivery(delivery.pk)

    received = receiver.requests[0]
    assert received.headers["Content-Type"].startswith("application/json")
    assert json.loads(received.body)["event"] == "webhook.test"
    digest = hmac.new(secret.encode(), received.body, hashlib.sha256).hexdigest()
    assert received.headers["X-Qiwang-Signature"] == "sha256=" + digest
    assert datetime.datetime.fromisoformat(json.loads(received.body)["created_at"])
