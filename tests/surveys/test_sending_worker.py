"""Survey invitations sent by the worker (qiwang.surveys.sending): queued by "send", sent in
batches within the channel's rate limits, temporary failures retried with back-off, permanent
ones failed with the reason, never one invitation twice. The SMS provider is Alibaba Cloud's SDK
pointed at the stand-in HTTP server on 127.0.0.1 (tests/surveys/standin_sms.py); the clock is
injected, so rate limits and back-off are checked by counting, not by waiting."""

from __future__ import annotations

import datetime
import json
import smtplib
import threading

import pytest
from django.db import connection
from django.utils import timezone
from tests.surveys.conftest import make_instrument, make_wave
from tests.surveys.standin_sms import serve

from qiwang.customers.delivery import is_retryable
from qiwang.customers.messaging import MessagingError
from qiwang.customers.models import Customer
from qiwang.surveys.choices import InvitationStatus
from qiwang.surveys.models import Invitation
from qiwang.surveys.sending import claim, deliver_due, progress
from qiwang.surveys.services import send_reminders, send_wave
from qiwang.surveys.submission import resolve_token

ALIYUN = "qiwang.customers.channels.aliyun.AliyunSmsBackend"
#: A whole minute: the rate limits' windows start here.
T0 = datetime.datetime(2026, 12, 7, 2, 0, 0, tzinfo=datetime.UTC)


def limit_answer(code: str = "isv.BUSINESS_LIMIT_CONTROL") -> tuple[int, dict]:
    return 200, {"Code": code, "Message": "触发分钟级流控Permits:1", "RequestId": "r"}


@pytest.fixture
def standin():
    yield from serve()


@pytest.fixture
def aliyun(settings, standin):
    settings.QIWANG_SMS_BACKEND = ALIYUN
    settings.QIWANG_SMS_KEY_ID = "LTAI-test-key"
    settings.QIWANG_SMS_KEY_SECRET = "test-secret-never-logged"
    settings.QIWANG_SMS_SIGN_NAME = "期望物业"
    settings.QIWANG_SMS_REGION = ""
    settings.QIWANG_SMS_ENDPOINT = standin.url
    settings.QIWANG_SMS_TEMPLATES = {
        "invitation": {"code": "SMS_100", "params": ["wave", "link"]},
        "reminder": {"code": "SMS_101", "params": ["wave", "link"]},
    }
    settings.QIWANG_RATE_SMS = "100/s"
    settings.QIWANG_RATE_SMS_RECIPIENT = "1/m"
    settings.QIWANG_SEND_BACKOFF_SECONDS = 60
    settings.QIWANG_SEND_BACKOFF_MAX_SECONDS = 3600
    settings.QIWANG_SEND_MAX_ATTEMPTS = 4
    return standin


def _sms_wave(org, quality, size: int):
    """An SMS wave of ``size`` customers, each with their own mobile number, sent (queued)."""
    for i, customer in enumerate(Customer.objects.filter(branch=org.own).order_by("pk")):
        Customer.objects.filter(pk=customer.pk).update(phone=f"+861390000{i:04d}")
    wave = make_wave(
        quality,
        make_instrument(quality, org.own),
        org.own,
        channel="sms",
        sample_size=size,
        closes_at=T0 + datetime.timedelta(days=30),
        opens_at=T0 - datetime.timedelta(days=1),
    )
    result = send_wave(actor=quality, wave=wave, base_url="https://survey.example.cn")
    assert result.queued == size
    return wave


def _at(seconds: float):
    return lambda: T0 + datetime.timedelta(seconds=seconds)


def _numbers(standin) -> list[str]:
    return [request["query"]["PhoneNumbers"] for request in standin.requests]


def _link(request) -> str:
    return json.loads(request["query"]["TemplateParam"])["link"]


def test_send_queues_and_the_worker_sends_each_invitation_once(
    aliyun, org, quality, community_customers
):
    wave = _sms_wave(org, quality, 5)
    assert aliyun.requests == []  # nothing is sent in the request
    assert progress(wave).queued == 5 and progress(wave).sent == 0

    run = deliver_due(now=_at(0), sleep=None)

    assert (run.sent, run.failed, run.retrying) == (5, 0, 0)
    assert len(set(_numbers(aliyun))) == 5
    rows = Invitation.objects.filter(wave=wave)
    assert {row.status for row in rows} == {InvitationStatus.SENT}
    assert {row.send_kind for row in rows} == {""}
    assert sorted(row.provider_message_id for row in rows) == [f"biz-{n}" for n in range(1, 6)]
    # The link sent is the one that answers: the worker minted the token and stored its digest.
    token = _link(aliyun.requests[0]).rsplit("/s/", 1)[1].strip("/")
    assert resolve_token(token).invitation.wave_id == wave.pk
    assert progress(wave) == progress(wave).__class__(sent=5, queued=0, retrying=0, failed=0)
    # Nothing left: a second run sends nothing again.
    assert deliver_due(now=_at(120), sleep=None).sent == 0
    assert len(aliyun.requests) == 5


def test_a_rate_limit_answer_is_retried_after_a_back_off_then_sent(
    aliyun, org, quality, community_customers
):
    wave = _sms_wave(org, quality, 1)
    aliyun.answers = [limit_answer(), limit_answer("LimitExceeded.PhoneNumberOneHourLimit")]

    first = deliver_due(now=_at(0), sleep=None)

    row = Invitation.objects.get(wave=wave)
    assert (first.sent, first.retrying, first.failed) == (0, 1, 0)
    assert row.status == InvitationStatus.QUEUED and row.send_attempts == 1
    assert row.send_next_at == T0 + datetime.timedelta(seconds=60)
    assert "isv.BUSINESS_LIMIT_CONTROL" in row.send_error
    assert progress(wave).retrying == 1

    assert deliver_due(now=_at(59), sleep=None).sent == 0  # not before its time
    assert len(aliyun.requests) == 1
    second = deliver_due(now=_at(61), sleep=None)  # refused again: the wait doubles
    row.refresh_from_db()
    assert second.retrying == 1 and row.send_attempts == 2
    assert row.send_next_at == T0 + datetime.timedelta(seconds=61 + 120)
    assert "LimitExceeded.PhoneNumberOneHourLimit" in row.send_error

    third = deliver_due(now=_at(61 + 120), sleep=None)

    row.refresh_from_db()
    assert third.sent == 1 and row.status == InvitationStatus.SENT and row.send_attempts == 3
    assert row.send_error == "" and row.provider_message_id == "biz-3"
    # Every link that may have reached the phone answers (a refused attempt's too, ADR 0172).
    for request in aliyun.requests:
        token = _link(request).rsplit("/s/", 1)[1].strip("/")
        assert resolve_token(token).invitation.pk == row.pk


def test_a_permanent_refusal_fails_at_once_with_the_reason(
    aliyun, org, quality, community_customers
):
    wave = _sms_wave(org, quality, 2)
    aliyun.answers = [limit_answer("isv.MOBILE_NUMBER_ILLEGAL")]

    run = deliver_due(now=_at(0), sleep=None)
    later = deliver_due(now=_at(7200), sleep=None)

    assert (run.sent, run.failed, later.sent, later.failed) == (1, 1, 0, 0)
    failed = Invitation.objects.get(wave=wave, status=InvitationStatus.FAILED)
    assert "isv.MOBILE_NUMBER_ILLEGAL" in failed.send_error
    assert failed.send_kind == "" and failed.send_attempts == 1
    assert len(aliyun.requests) == 2
    assert progress(wave).failed == 1 and progress(wave).sent == 1


def test_temporary_failures_stop_at_the_attempts_limit(
    aliyun, org, quality, community_customers, settings
):
    settings.QIWANG_SEND_MAX_ATTEMPTS = 2
    wave = _sms_wave(org, quality, 1)
    aliyun.answers = [limit_answer(), limit_answer()]

    deliver_due(now=_at(0), sleep=None)
    run = deliver_due(now=_at(3600), sleep=None)

    row = Invitation.objects.get(wave=wave)
    assert run.failed == 1 and row.status == InvitationStatus.FAILED and row.send_attempts == 2
    assert deliver_due(now=_at(7200), sleep=None).sent == 0 and len(aliyun.requests) == 2


def test_the_channel_rate_limit_is_counted_per_window(
    aliyun, org, quality, community_customers, settings
):
    settings.QIWANG_RATE_SMS = "3/m"
    wave = _sms_wave(org, quality, 7)

    sent_per_window = []
    for minute in range(4):
        before = len(aliyun.requests)
        deliver_due(now=_at(minute * 60 + 1), sleep=None)
        deliver_due(now=_at(minute * 60 + 30), sleep=None)  # the same window: nothing more
        sent_per_window.append(len(aliyun.requests) - before)

    assert sent_per_window == [3, 3, 1, 0]
    assert Invitation.objects.filter(wave=wave, status=InvitationStatus.SENT).count() == 7
    # Held back by the limit is not an attempt.
    assert set(Invitation.objects.values_list("send_attempts", flat=True)) == {1}


def test_a_short_window_is_waited_for_with_the_injected_sleep(
    aliyun, org, quality, community_customers, settings
):
    settings.QIWANG_RATE_SMS = "2/s"
    _sms_wave(org, quality, 5)
    clock = [0.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock[0] += seconds

    run = deliver_due(now=lambda: _at(clock[0])(), sleep=sleep)

    assert run.sent == 5 and waits == [1, 1]  # 2 + 2 + 1, one wait per full window


def test_one_number_gets_at_most_its_limit_whatever_the_account_allows(
    aliyun, org, quality, community_customers
):
    wave = _sms_wave(org, quality, 3)
    Customer.objects.filter(branch=org.own).update(phone="+8613900001111")

    first = deliver_due(now=_at(0), sleep=None)
    second = deliver_due(now=_at(60), sleep=None)

    assert (first.sent, first.deferred, second.sent) == (1, 2, 1)
    assert _numbers(aliyun) == ["13900001111", "13900001111"]
    assert progress(wave).queued == 1


def test_two_claims_never_hold_the_same_invitation_and_a_dead_claim_expires(
    aliyun, org, quality, community_customers
):
    _sms_wave(org, quality, 5)
    now = timezone.now()

    first = claim(now=now, limit=3)
    second = claim(now=now, limit=3)
    third = claim(now=now, limit=3)

    assert len(first) == 3 and len(second) == 2 and third == []
    assert not {i.pk for i, _t in first} & {i.pk for i, _t in second}
    # A worker that died holding rows: its lease ends and another worker takes them.
    again = claim(now=now + datetime.timedelta(hours=2), limit=10)
    assert {i.pk for i, _t in again} == {i.pk for i, _t in first + second}


@pytest.mark.postgres_only  # two connections at once: the PostgreSQL pass runs it
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_each_invitation_once(aliyun, org, community_customers):
    assert connection.vendor == "postgresql"
    quality = org.users["quality_manager"]
    _sms_wave(org, quality, 12)
    start = threading.Barrier(2)
    runs = []

    def work() -> None:
        try:
            start.wait()
            runs.append(deliver_due(batch=2, sleep=None))
        finally:
            connection.close()

    workers = [threading.Thread(target=work) for _n in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)

    numbers = _numbers(aliyun)
    assert len(numbers) == 12 and len(set(numbers)) == 12
    assert sum(run.sent for run in runs) == 12 and all(run.sent for run in runs)


def test_reminders_are_queued_then_sent_with_a_new_link_the_old_one_kept(
    aliyun, org, quality, community_customers
):
    wave = _sms_wave(org, quality, 2)
    deliver_due(now=_at(0), sleep=None)
    first_links = [_link(request) for request in aliyun.requests]
    Invitation.objects.filter(wave=wave).update(sent_at=timezone.now())

    result = send_reminders(actor=quality, wave=wave, base_url="https://survey.example.cn")
    assert (result.queued, len(aliyun.requests)) == (2, 2)
    run = deliver_due(now=_at(120), sleep=None)

    assert run.sent == 2
    reminders = aliyun.requests[2:]
    assert {r["query"]["TemplateCode"] for r in reminders} == {"SMS_101"}
    assert set(Invitation.objects.values_list("reminder_count", flat=True)) == {1}
    for link in first_links + [_link(r) for r in reminders]:
        assert resolve_token(link.rsplit("/s/", 1)[1].strip("/")).invitation.wave_id == wave.pk


@pytest.mark.django_db(transaction=True)  # the worker needs committed rows and autocommit
def test_the_real_worker_runs_the_task_that_send_queues(aliyun, org, community_customers, settings):
    from django_tasks_db.models import DBTaskResult

    from qiwang.operations.worker import run_worker

    settings.QIWANG_RATE_SMS_RECIPIENT = ""
    wave = _sms_wave(org, org.users["quality_manager"], 3)  # "send" queues the task on commit
    assert DBTaskResult.objects.filter(task_path__endswith="send_invitations").count() == 1

    run_worker(batch=True, schedule=False)

    assert Invitation.objects.filter(wave=wave, status=InvitationStatus.SENT).count() == 3
    assert len(aliyun.requests) == 3


class _Refused(smtplib.SMTPResponseException):
    pass


@pytest.mark.parametrize(
    ("error", "retryable"),
    [
        (MessagingError("x", code="isv.BUSINESS_LIMIT_CONTROL"), True),
        (MessagingError("x", code="LimitExceeded.PhoneNumberDailyLimit"), True),
        (MessagingError("x", code="RequestLimitExceeded"), True),
        (MessagingError("x", code="Throttling.User"), True),
        (MessagingError("x", code="isv.SMS_TEMPLATE_ILLEGAL"), False),
        (MessagingError("x", code="FailedOperation.TemplateIncorrectOrUnapproved"), False),
        (MessagingError("x", code="isv.MOBILE_NUMBER_ILLEGAL"), False),
        (MessagingError("no template set"), False),
        (MessagingError("x", code="isv.BUSINESS_LIMIT_CONTROL", retryable=False), False),
        (MessagingError("x", retryable=True), True),
        (smtplib.SMTPResponseException(451, b"try later"), True),
        (smtplib.SMTPResponseException(550, b"no such user"), False),
        (smtplib.SMTPRecipientsRefused({}), False),
    ],
)
def test_which_failures_are_retried(error, retryable):
    assert is_retryable(error) is retryable


def test_network_failures_are_retried_whatever_wraps_them():
    for cause in (ConnectionRefusedError(111, "refused"), TimeoutError("timed out")):
        try:
            try:
                raise cause
            except OSError as inner:
                raise MessagingError(f"SMS provider failed: {inner}") from inner
        except MessagingError as wrapped:
            assert is_retryable(wrapped)


def test_an_unreachable_provider_is_a_temporary_failure(
    aliyun, org, quality, community_customers, settings
):
    settings.QIWANG_SMS_ENDPOINT = "http://127.0.0.1:9"  # nothing listens (discard port)
    settings.QIWANG_SMS_TIMEOUT = 2
    wave = _sms_wave(org, quality, 1)

    run = deliver_due(now=_at(0), sleep=None)

    row = Invitation.objects.get(wave=wave)
    assert run.retrying == 1 and row.status == InvitationStatus.QUEUED and row.send_error


def test_a_retry_is_dropped_when_the_earlier_message_arrived_and_was_opened(
    aliyun, org, quality, community_customers, client
):
    wave = _sms_wave(org, quality, 1)
    aliyun.answers = [(200, {"Code": "isp.SYSTEM_ERROR", "Message": "超时"})]
    deliver_due(now=_at(0), sleep=None)
    token = _link(aliyun.requests[0]).rsplit("/s/", 1)[1].strip("/")

    assert client.get(f"/s/{token}/").status_code == 200  # the message arrived after all
    run = deliver_due(now=_at(61), sleep=None)

    row = Invitation.objects.get(wave=wave)
    assert run.sent == 0 and len(aliyun.requests) == 1
    assert row.status == InvitationStatus.OPENED and row.send_kind == ""


def test_the_pages_show_queued_retrying_and_failed_with_the_reason(
    aliyun, org, quality, community_customers, client
):
    wave = _sms_wave(org, quality, 3)
    client.force_login(quality)
    page = client.get(f"/surveys/waves/{wave.pk}/invitees/").content.decode()
    assert page.count('data-state="queued"') == 3

    aliyun.answers = [limit_answer(), limit_answer("isv.MOBILE_NUMBER_ILLEGAL")]
    deliver_due(now=_at(0), sleep=None)

    page = client.get(f"/surveys/waves/{wave.pk}/invitees/").content.decode()
    assert page.count('data-state="retrying"') == 1 and page.count('data-state="sent"') == 1
    assert page.count('data-state="bounced"') == 1  # could not be delivered
    assert "isv.BUSINESS_LIMIT_CONTROL" in page and "isv.MOBILE_NUMBER_ILLEGAL" in page
    assert "下次尝试" in page  # the retry's next attempt, in the reader's language
    wave_page = client.get(f"/surveys/waves/{wave.pk}/").content.decode()
    for name, n in (("sent", 1), ("queued", 0), ("retrying", 1), ("failed", 1)):
        assert f'data-testid="sending-{name}">{n}<' in wave_page
    assert "等待重试" in wave_page


def test_a_printed_link_wave_queues_nothing_and_says_so(org, quality, community_customers, client):
    wave = make_wave(quality, make_instrument(quality, org.own), org.own, channel="link")
    client.force_login(quality)

    page = client.post(f"/surveys/waves/{wave.pk}/send/", follow=True).content.decode()

    assert "已生成 12 个链接" in page and "排队" not in page
    assert not Invitation.objects.exclude(send_kind="").exists()
    assert 'data-testid="sending-progress"' not in page
