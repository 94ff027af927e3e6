"""Openids collected by the Official Account's web authorisation (scope snsapi_base) when a
customer opens their invitation inside WeChat: the code exchange against a stand-in of the
platform on 127.0.0.1 (tests/surveys/standin_weixin.py), the pages through Django's test client
with a WeChat User-Agent (docs/messaging.md "Collecting openids", docs/privacy.md)."""

from __future__ import annotations

import datetime
import logging
import urllib.parse

import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone
from tests.conftest import PASSWORD, make_customer
from tests.surveys.conftest import deliver_queued, make_instrument, make_wave
from tests.surveys.standin_weixin import serve

from qiwang.accounts.models import AuditEvent
from qiwang.customers.models import Customer
from qiwang.surveys.choices import InvitationStatus, WaveStatus
from qiwang.surveys.models import Invitation, Wave
from qiwang.surveys.services import draw_sample, send_wave, token_digest
from qiwang.surveys.wechat_oauth import SALT, store_openid

OPENID = "oAbCdEfGhIjKlMnOpQrStUvWxYz0"
APP_ID = "wx0123456789abcdef"
APP_SECRET = "wx-app-secret-never-logged"
TOKEN = "Tk3nOfTheInvitationLink-0123456789abcdefXYZ"
WECHAT_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN"
)
SAFARI_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.2 Mobile/15E148 Safari/604.1"
)
WECOM_UA = WECHAT_UA + " wxwork/4.1.16 MicroMessenger/7.0.1"
AUTHORIZE = "https://open.weixin.example"


@pytest.fixture
def standin(db):
    yield from serve()


@pytest.fixture
def wechat(settings, standin):
    settings.QIWANG_WECHAT_APP_ID = APP_ID
    settings.QIWANG_WECHAT_APP_SECRET = APP_SECRET
    settings.QIWANG_WECHAT_ENDPOINT = standin.url
    settings.QIWANG_WECHAT_OAUTH_ENDPOINT = AUTHORIZE
    settings.QIWANG_WECHAT_TIMEOUT = 5
    settings.QIWANG_WECHAT_COLLECT_OPENID = True
    settings.QIWANG_WECHAT_TEMPLATES = {
        "invitation": {"id": "TPL-invite", "fields": [("thing1", "wave")]},
    }
    return standin


@pytest.fixture
def wave(org, quality):
    wave = make_wave(quality, make_instrument(quality, org.own), org.own)
    Wave.objects.filter(pk=wave.pk).update(status=WaveStatus.OPEN)  # as sending opens it
    wave.refresh_from_db()
    return wave


@pytest.fixture
def customer(org):
    return make_customer(org.own, "W0001", email="w1@example.cn")


@pytest.fixture
def invitation(wave, customer):
    return Invitation.objects.create(
        wave=wave,
        customer=customer,
        branch=wave.branch,
        token_hash=token_digest(TOKEN),
        channel="email",
        status=InvitationStatus.SENT,
    )


def _visit(client: Client, ua: str = WECHAT_UA, path: str = f"/s/{TOKEN}/", **extra):
    return client.get(path, HTTP_USER_AGENT=ua, **extra)


def _authorize_params(response) -> dict[str, str]:
    location = response["Location"]
    assert location.startswith(f"{AUTHORIZE}/connect/oauth2/authorize?")
    assert location.endswith("#wechat_redirect")
    query = urllib.parse.urlsplit(location).query
    return dict(urllib.parse.parse_qsl(query))


def _come_back(client: Client, params: dict[str, str], **query):
    """What WeChat does after the authorise page: back to redirect_uri with code and state."""
    callback = urllib.parse.urlsplit(params["redirect_uri"])
    return client.get(callback.path, {"state": params["state"], **query}, HTTP_USER_AGENT=WECHAT_UA)


def _events():
    return AuditEvent.objects.filter(action="customer_wechat_openid_collected")


SURVEY = f"/s/{TOKEN}/?wx=1"


def test_the_whole_round_stores_the_openid_with_an_audit_event_and_no_value_in_it(
    wechat, invitation, customer, caplog
):
    client = Client()
    caplog.set_level(logging.DEBUG)

    first = _visit(client)

    assert first.status_code == 302
    params = _authorize_params(first)
    assert params["appid"] == APP_ID
    assert params["response_type"] == "code" and params["scope"] == "snsapi_base"
    assert params["redirect_uri"] == f"http://testserver/s/{TOKEN}/wechat/"
    assert APP_SECRET not in first["Location"]
    assert TOKEN not in params["state"] and token_digest(TOKEN) not in params["state"]
    invitation.refresh_from_db()
    assert invitation.opened_at is None  # opened when the survey page is drawn, after the round
    wechat.codes["CODE-1"] = OPENID

    back = _come_back(client, params, code="CODE-1")

    assert (back.status_code, back["Location"]) == (302, SURVEY)
    (exchange,) = wechat.exchanges()
    assert exchange["query"] == {
        "appid": APP_ID,
        "secret": APP_SECRET,
        "code": "CODE-1",
        "grant_type": "authorization_code",
    }
    customer.refresh_from_db()
    assert customer.wechat_openid == OPENID
    (event,) = _events()
    assert event.object_id == str(customer.pk) and event.actor is None
    assert OPENID not in str(event.changes) and OPENID not in event.object_repr
    assert event.changes["wechat_openid"] == ["", "…"]
    # the survey page itself, once: no second round
    page = _visit(client, path=SURVEY)
    assert page.status_code == 200 and "第 1 /" in page.content.decode()
    invitation.refresh_from_db()
    assert invitation.opened_at is not None
    # neither the link's token nor the secret nor the openid is in any log line
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert TOKEN not in logged and APP_SECRET not in logged and OPENID not in logged
    assert f"invitation {invitation.pk}: WeChat openid collected" in logged
    # the next visit of the link (the customer has an openid now) goes straight to the survey
    assert _visit(Client()).status_code == 200


@pytest.mark.parametrize(
    "condition",
    [
        "collect off",
        "no app id",
        "not wechat",
        "wecom",
        "has openid",
        "opted out before",
        "post",
        "later page",
        "mark",
        "declined",
    ],
)
def test_each_condition_off_means_no_redirect(
    wechat, invitation, customer, settings, condition, org, quality
):
    # under every condition at once the page does send WeChat round (the control)
    assert _visit(Client()).status_code == 302
    client = Client()
    ua, path = WECHAT_UA, f"/s/{TOKEN}/"
    if condition == "collect off":
        settings.QIWANG_WECHAT_COLLECT_OPENID = False
    elif condition == "no app id":
        settings.QIWANG_WECHAT_APP_ID = ""
    elif condition == "not wechat":
        ua = SAFARI_UA
    elif condition == "wecom":
        ua = WECOM_UA
    elif condition == "has openid":
        Customer.objects.filter(pk=customer.pk).update(wechat_openid=OPENID)
    elif condition == "declined":
        Customer.objects.filter(pk=customer.pk).update(wechat_openid_declined=True)
    elif condition == "opted out before":
        spring = make_wave(quality, make_instrument(quality, org.own), org.own, name="2025 春季")
        Invitation.objects.create(
            wave=spring,
            customer=customer,
            branch=spring.branch,
            token_hash=token_digest("EarlierLink-0123456789abcdefXYZ0123456789"),
            opted_out_at=timezone.now(),
        )
    elif condition == "later page":
        path += "?page=2"
    elif condition == "mark":
        path += "?wx=1"

    if condition == "post":
        response = client.post(path, {"page": "1", "action": "later"}, HTTP_USER_AGENT=ua)
        assert response.status_code == 200  # "saved, come back later", not a redirect
    else:
        response = _visit(client, ua=ua, path=path)
        assert response.status_code == 200
    assert not wechat.requests


def test_a_tampered_expired_or_foreign_state_goes_to_the_survey_with_nothing_stored(
    wechat, invitation, customer, wave, org
):
    client = Client()
    params = _authorize_params(_visit(client))
    other_token = "AnotherInvitationsLink-0123456789abcdefXYZ"
    other = make_customer(org.own, "W0002")
    Invitation.objects.create(
        wave=wave, customer=other, branch=wave.branch, token_hash=token_digest(other_token)
    )
    wechat.codes["CODE-1"] = OPENID
    states = {
        "tampered": params["state"][:-2] + ("AA" if not params["state"].endswith("AA") else "BB"),
        "missing": "",
        "unsigned": "1",
        "other salt": signing.dumps("1", salt=SALT),
    }
    for name, state in states.items():
        back = _come_back(client, {**params, "state": state}, code="CODE-1")
        assert (name, back.status_code, back["Location"]) == (name, 302, SURVEY)
    # a state made for this link, used on the other invitation's callback
    foreign = client.get(
        f"/s/{other_token}/wechat/",
        {"code": "CODE-1", "state": params["state"]},
        HTTP_USER_AGENT=WECHAT_UA,
    )
    assert foreign["Location"] == f"/s/{other_token}/?wx=1"
    assert not wechat.exchanges()
    assert not Customer.objects.exclude(wechat_openid="").exists()
    assert not _events().exists()


def test_an_expired_state_is_refused(wechat, invitation, customer, monkeypatch):
    import time

    client = Client()
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now - 11 * 60)
    params = _authorize_params(_visit(client))
    monkeypatch.setattr(time, "time", lambda: now)
    wechat.codes["CODE-1"] = OPENID

    back = _come_back(client, params, code="CODE-1")

    assert back["Location"] == SURVEY
    assert not wechat.exchanges()
    customer.refresh_from_db()
    assert customer.wechat_openid == ""


def test_an_invalid_code_no_code_or_an_unreachable_platform_go_to_the_survey(
    wechat, invitation, customer, settings, caplog
):
    client = Client()
    params = _authorize_params(_visit(client))

    refused = _come_back(client, params, code="USED-OR-WRONG")  # errcode 40029
    no_code = _come_back(client, params)  # the user refused, or the link was opened elsewhere
    settings.QIWANG_WECHAT_ENDPOINT = "http://127.0.0.1:9"  # nothing listens there
    unreachable = _come_back(client, params, code="CODE-2")

    assert [r["Location"] for r in (refused, no_code, unreachable)] == [SURVEY] * 3
    assert len(wechat.exchanges()) == 1
    assert "errcode 40029" in caplog.text and "network" in caplog.text
    assert APP_SECRET not in caplog.text
    customer.refresh_from_db()
    assert customer.wechat_openid == ""
    assert not _events().exists()
    # and the survey page after a failed round is the survey, not another round
    assert _visit(client, path=SURVEY).status_code == 200


def test_a_slow_platform_times_out_and_the_respondent_still_reaches_the_survey(
    wechat, invitation, customer, settings
):
    import socket

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # accepts the connection, never answers
    try:
        settings.QIWANG_WECHAT_ENDPOINT = f"http://127.0.0.1:{silent.getsockname()[1]}"
        settings.QIWANG_WECHAT_TIMEOUT = 1
        client = Client()
        back = _come_back(client, _authorize_params(_visit(client)), code="CODE-1")
    finally:
        silent.close()
    assert back["Location"] == SURVEY
    customer.refresh_from_db()
    assert customer.wechat_openid == ""


def test_an_openid_is_never_overwritten_nor_given_to_a_second_customer(
    wechat, invitation, customer, org, wave, caplog
):
    caplog.set_level(logging.INFO)
    client = Client()
    params = _authorize_params(_visit(client))
    # meanwhile someone entered the customer's openid by hand
    Customer.objects.filter(pk=customer.pk).update(wechat_openid="oEnteredByHand0000000000000")
    wechat.codes["CODE-1"] = OPENID

    assert _come_back(client, params, code="CODE-1")["Location"] == SURVEY
    customer.refresh_from_db()
    assert customer.wechat_openid == "oEnteredByHand0000000000000"
    assert not wechat.exchanges()  # known before the exchange: the code is not even spent
    # entered between the check and the storing (the row is read again, locked): kept too
    stale = Invitation.objects.select_related("customer").get(pk=invitation.pk)
    stale.customer.wechat_openid = ""
    assert store_openid(stale, OPENID) is False
    customer.refresh_from_db()
    assert customer.wechat_openid == "oEnteredByHand0000000000000"

    # another customer opens their link on a phone whose WeChat account is already on file
    token = "SecondCustomersLink-0123456789abcdefXYZ012"
    second = make_customer(org.own, "W0003")
    Invitation.objects.create(
        wave=wave, customer=second, branch=wave.branch, token_hash=token_digest(token)
    )
    wechat.codes["CODE-2"] = "oEnteredByHand0000000000000"
    params = _authorize_params(_visit(client, path=f"/s/{token}/"))

    back = _come_back(client, params, code="CODE-2")

    assert back["Location"] == f"/s/{token}/?wx=1"
    second.refresh_from_db()
    assert second.wechat_openid == ""
    assert not _events().exists()
    assert f"already customer {customer.pk}'s; not stored" in caplog.text


def test_the_callback_is_rate_limited_per_address(wechat, invitation, customer, settings):
    settings.QIWANG_WECHAT_OAUTH_RATE = "2/m"
    client = Client()
    params = _authorize_params(_visit(client))

    for code in ("WRONG-1", "WRONG-2", "CODE-3"):
        assert _come_back(client, params, code=code)["Location"] == SURVEY
    wechat.codes["CODE-3"] = OPENID
    assert _come_back(client, params, code="CODE-3")["Location"] == SURVEY

    assert len(wechat.exchanges()) == 2  # the third and fourth were not sent to the platform
    customer.refresh_from_db()
    assert customer.wechat_openid == ""


def test_pages_outside_wechat_are_unchanged_in_both_languages(wechat, invitation):
    english = _visit(Client(), ua=SAFARI_UA, HTTP_ACCEPT_LANGUAGE="en")
    chinese = _visit(Client(), ua=SAFARI_UA, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert english.status_code == chinese.status_code == 200
    assert "Page 1 of" in english.content.decode()
    assert "第 1 /" in chinese.content.decode()
    assert "wechat_redirect" not in english.content.decode() + chinese.content.decode()
    # and after the round, in WeChat, the survey page is the same page in each language
    after = _visit(Client(), path=SURVEY, HTTP_ACCEPT_LANGUAGE="en")
    assert "Page 1 of" in after.content.decode()
    assert not wechat.requests


def test_an_unknown_link_on_the_callback_is_the_not_found_page(wechat):
    response = Client().get("/s/not-a-link/wechat/", {"code": "X", "state": "Y"})
    assert response.status_code == 404
    assert not wechat.requests


def test_the_collected_openid_receives_the_next_wechat_wave(
    wechat, invitation, customer, org, quality
):
    client = Client()
    wechat.codes["CODE-1"] = OPENID
    _come_back(client, _authorize_params(_visit(client)), code="CODE-1")
    # the autumn survey, beyond the contact gap since this invitation
    year_ago = invitation.created_at - datetime.timedelta(days=365)
    Invitation.objects.filter(pk=invitation.pk).update(created_at=year_ago)
    later = make_wave(
        quality, make_instrument(quality, org.own), org.own, channel="wechat", name="2026 秋季"
    )

    sample = draw_sample(later)
    # the only customer who can be reached by WeChat
    assert list(sample.customer_ids) == [customer.pk]
    result = send_wave(actor=quality, wave=later, base_url="https://survey.example.cn")
    assert (result.invited, result.queued) == (1, 1)
    assert deliver_queued()["sent"] == 1

    (send,) = wechat.sends()
    assert send["json"]["touser"] == OPENID
    assert send["json"]["template_id"] == "TPL-invite"
    assert send["json"]["url"].startswith("https://survey.example.cn/s/")
    sent = Invitation.objects.get(wave=later)
    assert (sent.customer_id, sent.channel, sent.status) == (customer.pk, "wechat", "sent")


def test_a_customer_who_declined_is_never_given_an_openid(
    wechat, invitation, customer, client, org
):
    """Declining in the edit page clears the openid kept and stops collection for good, even
    on a callback already under way."""
    manager = org.users["account_manager"]
    Customer.objects.filter(pk=customer.pk).update(wechat_openid=OPENID, account_manager=manager)
    assert client.login(username=manager.username, password=PASSWORD)
    form = {"name": customer.name, "tier": customer.tier, "phone": "", "email": customer.email}
    form.update(address="", wechat_openid=OPENID, wechat_openid_declined="on", notes="")
    assert client.post(f"/customers/{customer.pk}/edit/", form).status_code == 302

    customer.refresh_from_db()
    assert customer.wechat_openid_declined and customer.wechat_openid == ""
    assert store_openid(invitation, OPENID) is False
    customer.refresh_from_db()
    assert customer.wechat_openid == ""
    assert _visit(Client()).status_code == 200  # the survey, not WeChat's authorise page
    assert not wechat.requests
