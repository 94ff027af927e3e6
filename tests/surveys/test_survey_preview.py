"""Preview as a respondent (issue 14, item 6): the real answer page in a phone frame, in the
viewer's language, paged as respondents see it, conditions shown, nothing saved."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from tests.surveys.conftest import make_instrument
from tests.surveys.test_survey_logic import WHY

from qiwang.surveys.models import Answer, Response
from qiwang.surveys.services import add_question

pytestmark = pytest.mark.django_db


@pytest.fixture
def instrument(org, quality):
    instrument = make_instrument(quality, org.own, "csat_pulse")
    add_question(actor=quality, instrument=instrument, data=WHY)
    return instrument


def _client(user, language: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", ["Preview as a respondent", "Page 1 of 2", "Next"]), ("zh-hans", ["以受访者身份预览"])],
)
def test_the_preview_is_the_answer_page_in_a_phone_frame(instrument, quality, language, words):
    client = _client(quality, language)
    url = reverse("surveys:instrument_preview", args=[instrument.pk])

    detail = client.get(reverse("surveys:instrument", args=[instrument.pk])).content.decode()
    page = client.get(url)

    assert 'data-testid="preview-link"' in detail
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="phone-frame"' in html and 'class="answer-form"' in html
    for word in words:
        assert word in html
    overall = instrument.latest_version().questions.get(attribute="overall")
    assert overall.text in html or overall.text_en in html


def test_moving_through_the_preview_saves_nothing_and_shows_conditions(instrument, quality):
    client = _client(quality, "en")
    url = reverse("surveys:instrument_preview", args=[instrument.pk])

    moved = client.post(url, {"action": "next", "page": "1", "overall.value": "1"})
    second = client.get(moved["Location"]).content.decode()
    back = client.post(url, {"action": "back", "page": "2"})
    submitted = client.post(url, {"action": "submit", "page": "2"})

    assert moved.status_code == 302 and moved["Location"].endswith("?page=2")
    assert "What disappointed you?" in second
    assert 'data-testid="preview-condition"' in second and "only if overall is 1, 2" in second
    assert back["Location"].endswith("?page=1") and submitted["Location"].endswith("?page=1")
    assert not Response.objects.exists() and not Answer.objects.exists()


def test_another_branchs_instrument_is_not_previewed(org, instrument):
    client = _client(org.other_users["quality_manager"], "en")

    page = client.get(reverse("surveys:instrument_preview", args=[instrument.pk]))

    assert page.status_code == 404


@pytest.mark.parametrize("template", ["kano_property", "servqual", "indicator_groups", "ecsi"])
def test_every_page_of_every_template_previews(org, quality, template):
    instrument = make_instrument(quality, org.own, template)
    client = _client(quality, "en")
    url = reverse("surveys:instrument_preview", args=[instrument.pk])

    first = client.get(url).content.decode()
    count = int(first.split('max="')[1].split('"')[0])
    pages = [client.get(f"{url}?page={n}") for n in range(1, count + 1)]

    assert all(page.status_code == 200 for page in pages)
    assert count >= 2
