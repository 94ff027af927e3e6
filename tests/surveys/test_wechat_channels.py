"""WeChat Official Account template messages and WeCom application messages, against stand-ins
of both HTTP APIs on 127.0.0.1 (issue 17, item 5; docs/messaging.md, ADR 0230)."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone, translation
from tests.conftest import make_customer
from tests.surveys.conftest import deliver_queued, make_instrument, make_wave
from tests.surveys.standin_weixin import serve

from qiwang.customers.alerts import deliver_follow_up_alert, send_follow_up_alert
from qiwang.customers.messaging import MessagingError, send_wechat_template, send_wecom_message
from qiwang.customers.services import create_follow_up
from qiwang.errors import ConflictError
from qiwang.surveys.choices import InvitationStatus
from qiwang.surveys.models import Invitation
from qiwang.surveys.services import draw_sample, send_reminders, send_wave

OPENID = "oAbCdEfGhIjKlMnOpQrStUvWxYz0"  # 28 characters, as the platform gives them
APP_SECRET = "wx-app-secret-never-logged"
WECOM_SECRET = "wecom-secret-never-logged"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):  # the sentences below are matched in English
        yield


@pytest.fixture
def standin(db):  # the token cache is the database cache (each test's writes roll back)
    yield from serve()


@pytest.fixture
def wechat(settings, standin):
    settings.QIWANG_WECHAT_APP_ID = "wx0123456789abcdef"
    settings.QIWANG_WECHAT_APP_SECRET = APP_SECRET
    settings.QIWANG_WECHAT_ENDPOINT = standin.url
    settings.QIWANG_WECHAT_TIMEOUT = 5
    settings.QIWANG_WECHAT_TEMPLATES = {
        "invitation": {
            "id": "TPL-invite",
            "fields": [("thing1", "wave"), ("thing2", "company"), ("time3", "closes")],
        },
        "reminder": {"id": "TPL-remind", "fields": [("thing1", "wave")]},
        "greeting": {"id": "TPL-greet", "fields": [("thing1", "text"), ("name2", "name")]},
    }
    settings.QIWANG_WECOM_CORP_ID = "ww0123456789"
    settings.QIWANG_WECOM_AGENT_ID = 1000002
    settings.QIWANG_WECOM_SECRET = WECOM_SECRET
    settings.QIWANG_WECOM_ENDPOINT = standin.url
    return standin


INVITE = {
    "wave": "2026 春季物业服务满意度调查（翠湖花园全体业主）",
    "company": "期望物业",
    "name": "王建国",
    "closes": "2026-12-20",
    "link": "https://survey.example.cn/s/abc/",
}


def test_the_template_message_carries_openid_template_link_and_keywords(wechat):
    sent = send_wechat_template(OPENID, purpose="invitation", params=INVITE)

    token, send = wechat.requests
    assert token["path"] == "/cgi-bin/token"
    assert token["query"] == {
        "grant_type": "client_credential",
        "appid": "wx0123456789abcdef",
        "secret": APP_SECRET,
    }
    assert send["path"] == "/cgi-bin/message/template/send"
    assert send["query"] == {"access_token": "TOKEN-1"}
    assert send["headers"]["content-type"].startswith("application/json")
    assert send["json"] == {
        "touser": OPENID,
        "template_id": "TPL-invite",
        "url": "https://survey.example.cn/s/abc/",
        "data": {
            # a "thing" keyword holds 20 characters: the wave's long name is cut, marked with …
            "thing1": {"value": "2026 春季物业服务满意度调查（翠湖…"},
            "thing2": {"value": "期望物业"},
            "time3": {"value": "2026-12-20"},
        },
    }
    assert len(send["json"]["data"]["thing1"]["value"]) == 20
    assert APP_SECRET not in send["raw"].decode()
    assert (sent.channel, sent.recipient, sent.provider_id) == ("wechat", OPENID, "1002")

    send_wechat_template(OPENID, purpose="reminder", params=INVITE)
    assert len(wechat.token_fetches()) == 1  # the token is kept in the cache
    assert wechat.sends()[-1]["json"]["template_id"] == "TPL-remind"


def test_a_stale_token_is_refreshed_once_and_only_once(wechat):
    send_wechat_template(OPENID, purpose="invitation", params=INVITE)
    wechat.revoked.add("TOKEN-1")  # e.g. another system fetched a token for the same account

    again = send_wechat_template(OPENID, purpose="invitation", params=INVITE)

    assert [r["query"].get("access_token") for r in wechat.sends()] == [
        "TOKEN-1",
        "TOKEN-1",
        "TOKEN-2",
    ]
    assert again.provider_id == "1005"
    # A platform that refuses every fresh token too: one refresh, then a (temporary) refusal.
    wechat.revoked.update({"TOKEN-2", "TOKEN-3"})
    with pytest.raises(MessagingError, match="errcode 40001") as refused:
        send_wechat_template(OPENID, purpose="invitation", params=INVITE)
    assert refused.value.retryable is True and refused.value.code == "40001"
    assert len(wechat.token_fetches()) == 3
    assert len(wechat.sends()) == 5


@pytest.mark.parametrize(
    ("answer", "code", "retryable"),
    [
        ((200, {"errcode": 43004, "errmsg": "require subscribe rid: 1"}), "43004", False),
        ((200, {"errcode": 40003, "errmsg": "invalid openid"}), "40003", False),
        ((200, {"errcode": 40037, "errmsg": "invalid template_id"}), "40037", False),
        ((200, {"errcode": 45009, "errmsg": "reach max api daily quota limit"}), "45009", True),
        ((200, {"errcode": -1, "errmsg": "system error"}), "-1", True),
        ((502, {"message": "bad gateway"}), "HTTP 502", True),
        ((200, {"errcode": 0, "errmsg": "ok"}), "no-msgid", False),
    ],
)
def test_refusals_name_the_errcode_and_say_whether_to_retry(wechat, answer, code, retryable):
    wechat.answers.append(answer)

    with pytest.raises(MessagingError) as refused:
        send_wechat_template(OPENID, purpose="invitation", params=INVITE)

    assert f"WeChat Official Account refused the message: errcode {code}" in str(refused.value)
    assert (refused.value.code, refused.value.retryable) == (code, retryable)


def test_wrong_secret_unreachable_platform_and_bad_input_are_one_sentence(wechat, settings):
    settings.QIWANG_WECHAT_APP_SECRET = "wrong-secret"
    with pytest.raises(MessagingError, match="errcode 40125") as refused:
        send_wechat_template(OPENID, purpose="invitation", params=INVITE)
    assert "wrong-secret" not in str(refused.value) and refused.value.retryable is False

    settings.QIWANG_WECHAT_APP_SECRET = APP_SECRET
    with pytest.raises(MessagingError, match="no WeChat openid on file"):
        send_wechat_template("", purpose="invitation", params=INVITE)
    with pytest.raises(MessagingError, match="'not an openid!' is not a WeChat openid"):
        send_wechat_template("not an openid!", purpose="invitation", params=INVITE)
    with pytest.raises(MessagingError, match="set QIWANG_WECHAT_TEMPLATE_ALERT"):
        send_wechat_template(OPENID, purpose="alert", params=INVITE)
    with pytest.raises(MessagingError, match="WeChat template TPL-invite needs a value for closes"):
        send_wechat_template(OPENID, purpose="invitation", params={**INVITE, "closes": ""})
    assert wechat.sends() == []

    settings.QIWANG_WECHAT_ENDPOINT = "http://127.0.0.1:9"  # nothing listens (discard port)
    cache.clear()
    with pytest.raises(MessagingError, match="errcode network") as unreachable:
        send_wechat_template(OPENID, purpose="invitation", params=INVITE)
    assert unreachable.value.retryable is True


def test_wecom_sends_a_text_application_message_to_the_member(wechat):
    sent = send_wecom_message("zhangsan", "紧急回访：王建国（A0042）")

    token, send = wechat.requests
    assert token["path"] == "/cgi-bin/gettoken"
    assert token["query"] == {"corpid": "ww0123456789", "corpsecret": WECOM_SECRET}
    assert send["path"] == "/cgi-bin/message/send"
    assert send["json"] == {
        "touser": "zhangsan",
        "msgtype": "text",
        "agentid": 1000002,
        "text": {"content": "紧急回访：王建国（A0042）"},
        "safe": 0,
    }
    assert (sent.channel, sent.provider_id) == ("wecom", "1002")

    # A member outside the application's visible range comes back in invaliduser, errcode 0.
    wechat.answers.append((200, {"errcode": 0, "errmsg": "ok", "invaliduser": "lisi"}))
    with pytest.raises(MessagingError, match="WeCom refused the message: errcode invaliduser"):
        send_wecom_message("lisi", "x")
    wechat.answers.append((200, {"errcode": 60020, "errmsg": "not allow to access from your ip"}))
    with pytest.raises(MessagingError, match="errcode 60020") as refused:
        send_wecom_message("zhangsan", "x")
    assert refused.value.retryable is False
    with pytest.raises(MessagingError, match="'张 三' is not a WeCom userid"):
        send_wecom_message("张 三", "x")


def test_a_wrong_wecom_secret_is_a_permanent_refusal(wechat, settings):
    settings.QIWANG_WECOM_SECRET = "wrong-secret"

    with pytest.raises(MessagingError, match="WeCom refused the message: errcode 40001") as refused:
        send_wecom_message("zhangsan", "x")

    assert refused.value.retryable is False  # a wrong secret stays wrong
    assert "wrong-secret" not in str(refused.value)
    assert wechat.sends() == []


def test_urgent_follow_up_alerts_go_to_the_assignees_wecom(wechat, settings, org):
    settings.QIWANG_FOLLOW_UP_ALERTS = ["wecom"]
    manager = org.users["account_manager"]
    manager.wecom_userid = "wangli"
    manager.save(update_fields=["wecom_userid"])
    customer = make_customer(org.own, "A0042", name="王建国", account_manager=manager)
    task = create_follow_up(
        customer, reason="满意度 1 / 5", due=timezone.localdate(), source="t:1", urgent=True
    )

    assert deliver_follow_up_alert(task.pk) == ["wecom"]

    (send,) = wechat.sends()
    assert send["json"]["touser"] == "wangli"
    assert "王建国" in send["json"]["text"]["content"]
    assert "A0042" in send["json"]["text"]["content"]
    # Without a userid the channel is skipped, not failed.
    manager.wecom_userid = ""
    manager.save(update_fields=["wecom_userid"])
    assert deliver_follow_up_alert(task.pk) == []


def _wecom_alert_task(settings, org, code="A0043"):
    settings.QIWANG_FOLLOW_UP_ALERTS = ["wecom"]
    manager = org.users["account_manager"]
    manager.wecom_userid = "wangli"
    manager.save(update_fields=["wecom_userid"])
    customer = make_customer(org.own, code, name="李秀英", account_manager=manager)
    return create_follow_up(
        customer, reason="满意度 1 / 5", due=timezone.localdate(), source=f"t:{code}", urgent=True
    )


def _queued_alerts():
    from django_tasks_db.models import DBTaskResult

    return [
        (row.args_kwargs["args"], row.args_kwargs["kwargs"], row.run_after)
        for row in DBTaskResult.objects.filter(task_path__endswith="send_follow_up_alert").order_by(
            "enqueued_at"
        )
    ]


def test_a_busy_wecom_is_tried_again_after_the_back_off_on_that_channel_only(wechat, settings, org):
    # errcode -1 (system busy) may pass: the worker queues the WeCom alert again, later, with the
    # attempt counted; the second run delivers it.
    settings.QIWANG_SEND_BACKOFF_SECONDS = 60
    task = _wecom_alert_task(settings, org)
    before = len(_queued_alerts())  # the alert queued when the task was created
    wechat.answers[:] = [(200, {"errcode": -1, "errmsg": "system busy"})]
    started = timezone.now()

    assert send_follow_up_alert.call(task.pk) == []

    (args, kwargs, run_after) = _queued_alerts()[before]
    assert (args, kwargs) == ([task.pk], {"channels": ["wecom"], "attempt": 2})
    assert run_after >= started + datetime.timedelta(seconds=59)
    assert send_follow_up_alert.call(task.pk, channels=["wecom"], attempt=2) == ["wecom"]
    assert len(wechat.sends()) == 2
    assert len(_queued_alerts()) == before + 1  # nothing more to try


def test_a_permanent_wecom_refusal_and_the_last_attempt_are_not_queued_again(wechat, settings, org):
    settings.QIWANG_SEND_MAX_ATTEMPTS = 2
    task = _wecom_alert_task(settings, org)
    before = len(_queued_alerts())
    wechat.answers[:] = [
        (200, {"errcode": 81013, "errmsg": "user & party & tag all invalid"}),
        (200, {"errcode": -1, "errmsg": "system busy"}),
    ]

    assert send_follow_up_alert.call(task.pk) == []  # permanent: an unknown member
    assert send_follow_up_alert.call(task.pk, channels=["wecom"], attempt=2) == []  # the last

    assert len(_queued_alerts()) == before


def test_alerts_count_against_the_channels_rate_limit_per_recipient(wechat, settings, org):
    # The second alert to the same person within the minute is not sent (nor counted as an
    # attempt): it waits for the window, on that channel.
    settings.QIWANG_RATE_WECOM_RECIPIENT = "1/m"
    first = _wecom_alert_task(settings, org, "A0044")
    second = _wecom_alert_task(settings, org, "A0045")
    before = len(_queued_alerts())

    assert send_follow_up_alert.call(first.pk) == ["wecom"]
    assert send_follow_up_alert.call(second.pk) == []

    assert len(wechat.sends()) == 1
    (args, kwargs, run_after) = _queued_alerts()[before]
    assert (args, kwargs) == ([second.pk], {"channels": ["wecom"], "attempt": 1})
    assert run_after > timezone.now()


def _follow(customers, n):
    for customer in customers[:n]:
        customer.wechat_openid = f"oOpenid{customer.code}xxxxxxxxxxxxxxx"[:28]
        customer.save(update_fields=["wechat_openid"])


def test_a_wave_by_wechat_stores_the_msgids_and_reports_customers_without_openid(
    wechat, org, quality, community_customers
):
    own = community_customers["own"]
    _follow(own, 3)
    wave = make_wave(quality, make_instrument(quality, org.own), org.own, channel="wechat")
    sample = draw_sample(wave)
    assert len(sample.customer_ids) == 3
    assert sample.excluded_no_address == 9  # the nine who do not follow the Official Account
    # the second customer unfollowed since: the platform refuses with 43004, the others go out
    wechat.answers[:] = [
        (200, {"errcode": 0, "errmsg": "ok", "msgid": 7001}),
        (200, {"errcode": 43004, "errmsg": "require subscribe"}),
        (200, {"errcode": 0, "errmsg": "ok", "msgid": 7003}),
    ]

    result = send_wave(actor=quality, wave=wave, base_url="https://survey.example.cn")
    assert (result.invited, result.queued) == (3, 3)
    ran = deliver_queued()  # the worker's sending step (surveys.sending)

    # 43004 is permanent (MessagingError.retryable False): failed at once, never retried
    assert (ran["sent"], ran["failed"], ran["retrying"]) == (2, 1, 0)
    rows = {
        i.customer.code: (i.status, i.provider_message_id, i.channel)
        for i in Invitation.objects.filter(wave=wave).select_related("customer")
    }
    assert sorted(rows.values()) == [
        (InvitationStatus.FAILED, "", "wechat"),
        (InvitationStatus.SENT, "7001", "wechat"),
        (InvitationStatus.SENT, "7003", "wechat"),
    ]
    sends = wechat.sends()
    assert {s["json"]["touser"] for s in sends} == {c.wechat_openid for c in own[:3]}
    assert all(s["json"]["url"].startswith("https://survey.example.cn/s/") for s in sends)
    assert sends[0]["json"]["data"]["thing1"] == {"value": wave.name}

    reminded = send_reminders(actor=quality, wave=wave, base_url="https://survey.example.cn")
    assert (reminded.invited, reminded.queued) == (2, 2)
    assert deliver_queued()["sent"] == 2
    assert {s["json"]["template_id"] for s in wechat.sends()[3:]} == {"TPL-remind"}


def test_a_busy_official_account_is_retried_by_the_worker_and_then_delivers(
    wechat, org, quality, community_customers
):
    # 45009 (the account's daily API quota) is temporary: the invitation waits for its back-off
    # and the next attempt, with the same recipient and template, goes out.
    own = community_customers["own"]
    _follow(own, 1)
    wave = make_wave(quality, make_instrument(quality, org.own), org.own, channel="wechat")
    wechat.answers[:] = [
        (200, {"errcode": 45009, "errmsg": "reach max api daily quota limit"}),
        (200, {"errcode": 0, "errmsg": "ok", "msgid": 8002}),
    ]

    send_wave(actor=quality, wave=wave, base_url="https://survey.example.cn")
    ran = deliver_queued()

    assert (ran["retrying"], ran["sent"], ran["failed"]) == (1, 1, 0)
    invitation = Invitation.objects.get(wave=wave)
    assert (invitation.status, invitation.provider_message_id) == (InvitationStatus.SENT, "8002")
    assert invitation.send_attempts == 2
    assert [s["json"]["touser"] for s in wechat.sends()] == [own[0].wechat_openid] * 2


def test_a_wechat_wave_without_the_official_account_is_refused_before_anything(
    settings, org, quality, community_customers
):
    settings.QIWANG_WECHAT_APP_ID = ""
    settings.QIWANG_WECHAT_TEMPLATES = {}
    _follow(community_customers["own"], 2)
    wave = make_wave(quality, make_instrument(quality, org.own), org.own, channel="wechat")

    with pytest.raises(ConflictError, match="QIWANG_WECHAT_TEMPLATE_INVITATION"):
        send_wave(actor=quality, wave=wave, base_url="https://survey.example.cn")

    assert not Invitation.objects.filter(wave=wave).exists()
