"""Results page (issue 14): the headline figures carry the small-sample caution, and a conditional
question prints its condition and how many respondents saw it.

Expected numbers are counted by hand from the answers posted here: three complete responses
answering "overall" 5, 2 and 1; "why unhappy?" is shown after overall 1 or 2, so 2 of 3 saw it.
The minimum n is the default of QIWANG_SURVEY_MIN_N, 5.
"""

from __future__ import annotations

import html
import io

import pandas as pd
import pytest
from django.test import Client
from django.urls import reverse
from tests.surveys.conftest import make_instrument
from tests.surveys.test_survey_logic import FIRST_PAGE, SECOND_PAGE, WHY, _links

from qiwang.surveys.models import Question, Wave
from qiwang.surveys.services import add_question

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_wave(org, quality, community_customers):
    instrument = make_instrument(quality, org.own, "csat_pulse")
    add_question(actor=quality, instrument=instrument, data=WHY)
    links = _links(org, quality, instrument)
    for link, overall in zip(links, ["5", "2", "1"], strict=False):
        client = Client()
        client.post(link, {"action": "next", "page": "1", "overall.value": overall, **FIRST_PAGE})
        second = dict(SECOND_PAGE)
        if overall in ("1", "2"):
            second["why-unhappy.text"] = "慢"
        done = client.post(link, {"action": "submit", "page": "2", **second})
        assert done.status_code == 302
    return Wave.objects.get()


def _page(quality, wave, language="zh-hans"):
    client = Client()
    client.force_login(quality)
    response = client.get(reverse("surveys:results", args=[wave.pk]), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def _table(page: str, testid: str) -> str:
    start = page.index(f'data-testid="{testid}"')
    return page[start : page.index("</table>", start)]


def test_the_headline_table_greys_a_wave_below_the_minimum(quality, small_wave):
    page = _page(quality, small_wave, "en")

    table = _table(page, "csat-table")
    assert 'class="small-sample"' in table
    assert "small sample: n = 3, minimum 5" in table
    assert 'data-testid="headline-small-note"' in page
    assert "fewer than 5 answers" in page


def test_the_caution_is_translated(quality, small_wave):
    page = _page(quality, small_wave)

    assert "样本过少：n = 3，最少 5" in _table(page, "csat-table")


def test_no_caution_at_or_above_the_minimum(quality, small_wave, settings):
    settings.QIWANG_SURVEY_MIN_N = 3

    page = _page(quality, small_wave, "en")

    assert 'class="small-sample"' not in _table(page, "csat-table")
    assert 'data-testid="headline-small-note"' not in page


def test_the_results_export_keeps_the_caution(quality, small_wave):
    client = Client()
    client.force_login(quality)
    response = client.get(
        reverse("surveys:export", args=[small_wave.pk]), {"what": "results", "format": "xlsx"}
    )
    assert response.status_code == 200
    sheets = pd.read_excel(io.BytesIO(response.content), sheet_name=None)
    nps = next(frame for name, frame in sheets.items() if "nps" in name.lower())
    assert nps["small_sample"].tolist() == [True]
    assert nps["n"].tolist() == [3]


def test_a_conditional_question_shows_its_condition_and_who_saw_it(quality, small_wave):
    overall = Question.objects.get(attribute="overall")

    page = _page(quality, small_wave, "en")

    section = page[page.index('data-testid="conditional-questions"') :]
    section = section[: section.index("</section>")]
    assert "What disappointed you?" in section
    assert f"Q{overall.position}</span> = very dissatisfied, dissatisfied" in section
    assert "2 of 3 respondents saw it" in section


def test_the_condition_in_chinese(quality, small_wave):
    page = _page(quality, small_wave)

    assert "很不满意, 不满意" in page
    assert "3 位答卷人中 2 位看到此题" in page


def test_stored_text_in_a_condition_is_escaped(quality, small_wave):
    Question.objects.filter(attribute="overall").update(text_en="<b>Overall</b>")

    page = _page(quality, small_wave, "en")

    assert html.escape("<b>Overall</b>", quote=True) in page
    assert "<b>Overall</b>" not in page
