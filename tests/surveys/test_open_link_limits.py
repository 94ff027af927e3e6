"""The open link's repeat protection: a cookie, a limit on completed responses per address, and
no row written by a bare visit (issue 10)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from tests.surveys.conftest import deliver_queued, make_instrument, make_wave

from qiwang.surveys.choices import ResponseStatus
from qiwang.surveys.models import Response
from qiwang.surveys.services import open_link_token, send_wave

pytestmark = pytest.mark.django_db

FIRST_PAGE = {
    "action": "next",
    "page": "1",
    **{f"{a}.value": "4" for a in ("overall", "repair-speed", "repair-quality", "cleanliness")},
}
LAST_PAGE = {"action": "submit", "page": "2", "recommend.value": "9", "effort.value": "6"}


@pytest.fixture
def open_wave(org, quality, community_customers):
    wave = make_wave(
        quality, make_instrument(quality, org.own, "csat_pulse"), org.own, allows_open_link=True
    )
    send_wave(actor=quality, wave=wave, base_url="http://testserver")
    deliver_queued()
    return wave


def _link(wave) -> str:
    return reverse("survey_public:open", args=[wave.pk, open_link_token(wave)])


def _complete(wave, address="192.0.2.10"):
    browser = Client(REMOTE_ADDR=address)
    browser.post(_link(wave), FIRST_PAGE)
    return browser.post(_link(wave), LAST_PAGE)


def test_a_bare_visit_writes_no_response(open_wave):
    visits = [Client().get(_link(open_wave)) for _ in range(5)]

    assert [v.status_code for v in visits] == [200] * 5
    assert 'name="overall.value"' in visits[0].content.decode()
    assert not Response.objects.filter(wave=open_wave).exists()


def test_the_response_is_stored_with_the_first_answers_and_keeps_the_cookie(open_wave):
    browser = Client()
    browser.get(_link(open_wave))

    refused = browser.post(_link(open_wave), {"action": "next", "page": "1", "overall.value": "99"})
    stored_after_refusal = Response.objects.filter(wave=open_wave).count()
    browser.post(_link(open_wave), FIRST_PAGE)
    done = browser.post(_link(open_wave), LAST_PAGE)

    assert refused.status_code == 422 and stored_after_refusal == 0
    assert done.status_code == 302
    assert Response.objects.get(wave=open_wave).status == ResponseStatus.COMPLETE


def test_one_address_completes_at_most_the_limit(open_wave, settings):
    settings.QIWANG_OPEN_LINK_COMPLETES = "2/d"

    same_address = [_complete(open_wave) for _ in range(3)]
    elsewhere = _complete(open_wave, address="198.51.100.20")

    assert [r.status_code for r in same_address] == [302, 302, 429]
    assert int(same_address[2]["Retry-After"]) > 0
    assert "already completed 2 answers" in same_address[2].content.decode() or (
        "已完成 2 份" in same_address[2].content.decode()
    )
    assert elsewhere.status_code == 302
    assert Response.objects.filter(wave=open_wave, status=ResponseStatus.COMPLETE).count() == 3


def test_the_wave_page_says_what_the_open_link_can_and_cannot_prove(open_wave, quality, settings):
    settings.QIWANG_OPEN_LINK_COMPLETES = "3/d"
    client = Client()
    client.force_login(quality)
    url = reverse("surveys:wave", args=[open_wave.pk])

    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "at most 3 answers per day" in english
    assert "cannot prove one person, one answer" in english
    assert "每天最多完成 3 份" in chinese
    assert "无法证明一人一份" in chinese


def test_completions_beyond_the_burst_rate_are_flagged_and_shown(open_wave, quality, settings):
    settings.QIWANG_OPEN_LINK_BURST = "2/h"

    codes = [_complete(open_wave).status_code for _ in range(3)]
    _complete(open_wave, address="198.51.100.20")
    client = Client()
    client.force_login(quality)
    page = client.get(
        reverse("surveys:wave", args=[open_wave.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()

    assert codes == [302, 302, 302]
    flags = list(
        Response.objects.filter(wave=open_wave).order_by("pk").values_list("is_burst", flat=True)
    )
    assert flags == [False, False, True, False]
    assert 'data-testid="burst-complete">1<' in page
    assert "in bursts from one address" in page
