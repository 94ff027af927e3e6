"""Survey pages through the test client: manager pages, public answer pages, permissions."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from tests.surveys.conftest import deliver_queued, make_instrument, make_wave

from qiwang.surveys.choices import ResponseStatus
from qiwang.surveys.models import Answer, Response, Wave
from qiwang.surveys.services import open_link_token, send_wave

pytestmark = pytest.mark.django_db

ROLES = ["administrator", "quality_manager", "account_manager", "agent", "analyst"]
CHANGES = {"administrator", "quality_manager"}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _link(message) -> str:
    return re.search(r"http://testserver(/s/[A-Za-z0-9_\-]+/)", message.body).group(1)


@pytest.fixture
def kano_wave(org, quality, community_customers):
    wave = make_wave(quality, make_instrument(quality, org.own), org.own)
    send_wave(actor=quality, wave=wave, base_url="http://testserver")
    deliver_queued()
    return wave


def _kano_post(wave, page, *, functional="1", dysfunctional="4", action="next"):
    data = {"action": action, "page": str(page)}
    for q in wave.version.questions.order_by("position")[(page - 1) * 4 : page * 4]:
        if q.kind == "kano":
            data[f"{q.attribute}.value"] = functional
            data[f"{q.attribute}.second"] = dysfunctional
            data[f"{q.attribute}.importance"] = "4"
    return data


def test_manager_creates_instrument_and_wave_then_sends(org, quality, community_customers):
    client = _client(quality)

    created = client.post(
        reverse("surveys:instrument_new"),
        {"template": "kano_property", "name": "", "branch": org.own.pk},
    )
    version = quality and org.own.instruments.get().latest_version()
    wave_page = client.post(
        reverse("surveys:wave_new"),
        {
            "name": "秋季 Kano",
            "version": version.pk,
            "branch": org.own.pk,
            "sample_tiers": ["vip"],
            "sample_seed": 1,
            "contact_gap_days": 30,
            "channel": "email",
            "opens_at": "2020-01-01T08:00",
            "closes_at": "2099-01-01T08:00",
        },
    )
    wave = Wave.objects.get()
    preview = client.get(reverse("surveys:wave_sample", args=[wave.pk]), HTTP_HX_REQUEST="true")
    sent = client.post(reverse("surveys:wave_send", args=[wave.pk]), follow=True)

    assert created.status_code == 302 and wave_page.status_code == 302
    assert "<strong>3</strong>" in preview.content.decode()
    page = sent.content.decode()
    # Honest: queued, not "delivered"; the wave page shows the progress until the worker ran.
    assert "已排队 3 条邀请" in page and wave.invitations.count() == 3
    assert 'data-testid="sending-queued">3<' in page and len(mail.outbox) == 0
    deliver_queued()
    assert len(mail.outbox) == 3
    page = client.get(reverse("surveys:wave", args=[wave.pk])).content.decode()
    assert 'data-testid="sending-sent">3<' in page and 'data-testid="sending-queued">0<' in page


def test_wave_form_names_the_bad_field(org, quality, community_customers):
    version = make_instrument(quality, org.own).latest_version()

    response = _client(quality).post(
        reverse("surveys:wave_new"),
        {
            "name": "x",
            "version": version.pk,
            "branch": org.own.pk,
            "sample_seed": 1,
            "contact_gap_days": 30,
            "channel": "email",
            "opens_at": "2026-05-01T08:00",
            "closes_at": "2026-04-01T08:00",
        },
    )

    assert response.status_code == 422
    assert (
        "The wave must close after it opens." in response.content.decode()
        or "结束" in response.content.decode()
    )
    assert not Wave.objects.exists()


def test_respondent_answers_page_by_page_resumes_and_submits_once(kano_wave):
    link = _link(mail.outbox[0])
    client = Client()

    first = client.get(link)
    client.post(link, _kano_post(kano_wave, 1))
    resumed = Client().get(link)  # another device, same link: resumes on page 2
    client.post(link, _kano_post(kano_wave, 2))
    last = client.post(
        link, {"action": "submit", "page": "3", "kano-comment.text": "希望增加快递柜"}
    )
    again = client.post(link, {"action": "submit", "page": "3"})

    assert first.status_code == 200 and 'max="3"' in first.content.decode()
    assert 'value="2" max="3"' in resumed.content.decode()
    assert last.status_code == 302 and last["Location"].endswith("/done/")
    assert again.status_code == 200 and 'data-testid="thanks"' in again.content.decode()
    response = Response.objects.get()
    assert response.status == ResponseStatus.COMPLETE
    assert Answer.objects.filter(response=response).count() == 9


def test_missing_answer_is_named_and_nothing_of_the_page_is_stored(kano_wave):
    link = _link(mail.outbox[0])
    data = _kano_post(kano_wave, 1)
    del data["parcel-lockers.second"]

    response = Client().post(link, data)

    body = response.content.decode()
    assert response.status_code == 422
    assert "快递柜" in body and 'data-testid="errors"' in body
    assert not Answer.objects.exists()


def test_out_of_scale_and_oversized_text_are_refused_with_the_question(kano_wave):
    link = _link(mail.outbox[0])
    client = Client()
    bad = client.post(link, _kano_post(kano_wave, 1, functional="9"))
    client.post(link, _kano_post(kano_wave, 1))
    client.post(link, _kano_post(kano_wave, 2))

    long = client.post(link, {"action": "submit", "page": "3", "kano-comment.text": "长" * 1001})

    assert bad.status_code == 422 and "1" in bad.content.decode() and "5" in bad.content.decode()
    assert long.status_code == 422 and "1000" in long.content.decode()
    assert Response.objects.get().status == ResponseStatus.PARTIAL


def test_tampered_token_is_404_and_closed_wave_is_410(kano_wave, quality):
    link = _link(mail.outbox[0])

    tampered = Client().get(link[:-3] + "xx/")
    kano_wave.status = "closed"
    kano_wave.save()
    closed = Client().get(link)

    assert tampered.status_code == 404 and 'data-testid="not-found"' in tampered.content.decode()
    assert closed.status_code == 410 and 'data-testid="closed"' in closed.content.decode()


def test_public_pages_are_rate_limited_per_address(kano_wave, settings):
    settings.QIWANG_PUBLIC_RATE = "3/d"
    cache.clear()
    client = Client()

    codes = [client.get("/s/some-guess/").status_code for _ in range(5)]
    cache.clear()

    assert codes[:3] == [404, 404, 404]
    assert codes[3:] == [429, 429]


def test_open_link_counts_one_response_per_browser(org, quality, community_customers):
    wave = make_wave(
        quality, make_instrument(quality, org.own, "csat_pulse"), org.own, allows_open_link=True
    )
    send_wave(actor=quality, wave=wave, base_url="http://testserver")
    deliver_queued()
    link = reverse("survey_public:open", args=[wave.pk, open_link_token(wave)])
    answers = {
        "action": "next",
        "page": "1",
        **{f"{a}.value": "4" for a in ("overall", "repair-speed", "repair-quality", "cleanliness")},
    }
    browser = Client()

    browser.get(link)
    browser.post(link, answers)
    browser.post(
        link, {"action": "submit", "page": "2", "recommend.value": "10", "effort.value": "7"}
    )
    repeat = browser.post(
        link, {"action": "submit", "page": "2", "recommend.value": "0", "effort.value": "1"}
    )
    other = Client().get(link)
    wrong = Client().get(reverse("survey_public:open", args=[wave.pk, "0" * 32]))

    assert 'data-testid="thanks"' in repeat.content.decode()
    assert Response.objects.filter(wave=wave, status=ResponseStatus.COMPLETE).count() == 1
    assert Answer.objects.get(question__attribute="recommend").value == 10
    # A bare visit from another browser stores nothing (tests/surveys/test_open_link_limits.py).
    assert other.status_code == 200 and Response.objects.filter(wave=wave).count() == 1
    assert wrong.status_code == 404


def test_qr_code_is_an_svg_of_the_open_link(org, quality, community_customers):
    wave = make_wave(quality, make_instrument(quality, org.own), org.own, allows_open_link=True)
    send_wave(actor=quality, wave=wave, base_url="http://testserver")
    deliver_queued()

    response = _client(quality).get(reverse("surveys:wave_qr", args=[wave.pk]))

    assert response["Content-Type"] == "image/svg+xml"
    assert response.content.decode().lstrip().startswith(("<?xml", "<svg"))


def test_results_page_updates_after_a_response(kano_wave, quality):
    client = _client(quality)
    before = client.get(reverse("surveys:results", args=[kano_wave.pk])).content.decode()
    link = _link(mail.outbox[0])
    respondent = Client()
    respondent.post(link, _kano_post(kano_wave, 1))
    respondent.post(link, _kano_post(kano_wave, 2))
    respondent.post(link, {"action": "submit", "page": "3"})

    after = client.get(reverse("surveys:results", args=[kano_wave.pk])).content.decode()

    assert 'data-testid="empty-state"' in before
    assert 'data-testid="kano-table"' in after
    # like when present, live-with when absent: attractive (Berger et al. 1993, table 1)
    kano_table = after.split('data-testid="kano-table"')[1].split("</table>")[0]
    assert kano_table.count('class="kano kano-A"') == 8


@pytest.mark.parametrize("role", ROLES)
def test_permission_table_for_survey_pages(role, org, kano_wave):
    own_client = _client(org.users[role])
    other_wave = make_wave(
        org.other_users["quality_manager"],
        make_instrument(org.other_users["quality_manager"], org.other),
        org.other,
    )

    listing = own_client.get(reverse("surveys:list"))
    own = own_client.get(reverse("surveys:results", args=[kano_wave.pk]))
    other = own_client.get(reverse("surveys:results", args=[other_wave.pk]))
    new = own_client.get(reverse("surveys:wave_new"))
    send = own_client.post(reverse("surveys:wave_send", args=[other_wave.pk]))

    assert listing.status_code == 200
    assert own.status_code == 200
    assert other.status_code == (200 if role == "administrator" else 404)
    assert new.status_code == (200 if role in CHANGES else 403)
    assert send.status_code == (302 if role == "administrator" else 404)
