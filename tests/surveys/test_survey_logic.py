"""Display logic (issue 14, item 6): a question shown only after some earlier answers — checked
so that no question becomes unreachable, built on the instrument page, followed by the answer
pages and the one-call API submission."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation
from tests.surveys.conftest import deliver_queued, make_instrument, make_wave

from qiwang.errors import ServiceError
from qiwang.surveys.choices import ResponseStatus
from qiwang.surveys.models import Answer, Response
from qiwang.surveys.services import add_question, move_question, remove_question, send_wave

pytestmark = pytest.mark.django_db

WHY = {
    "kind": "text",
    "attribute": "why-unhappy",
    "text_zh": "哪里让您不满意？",
    "text_en": "What disappointed you?",
    "is_required": True,
    "show_if": {"question": "overall", "values": ["1", "2"]},
}


@pytest.fixture
def pulse(org, quality):
    """The satisfaction pulse (overall first) plus "why unhappy?" shown after overall 1 or 2."""
    instrument = make_instrument(quality, org.own, "csat_pulse")
    add_question(actor=quality, instrument=instrument, data=WHY)
    return instrument


def _error(call) -> ServiceError:
    with translation.override("en"), pytest.raises(ServiceError) as caught:
        call()
    return caught.value


# --- the rules: nothing unreachable ------------------------------------------------------------


def test_a_condition_is_stored_as_data(pulse):
    why = pulse.latest_version().questions.get(attribute="why-unhappy")

    assert why.show_if == {"question": "overall", "values": ["1", "2"]}


@pytest.mark.parametrize(
    ("condition", "words"),
    [
        ({"question": "nothing-like-it", "values": ["1"]}, "not an earlier question"),
        ({"question": "overall", "values": ["6"]}, "can be answered 1, 2, 3, 4, 5"),
        ({"question": "overall", "values": []}, "can be answered 1, 2, 3, 4, 5"),
        ({"question": "why-unhappy", "values": ["x"]}, "no fixed answers"),
    ],
)
def test_a_condition_that_could_never_hold_is_refused(pulse, quality, condition, words):
    data = {**WHY, "attribute": "second-why", "show_if": condition}

    error = _error(lambda: add_question(actor=quality, instrument=pulse, data=data))

    assert list(error.errors) == ["show_if"]
    assert words in error.errors["show_if"][0]
    assert "second-why" in error.errors["show_if"][0]


def test_values_without_a_question_are_refused(pulse, quality):
    data = {**WHY, "attribute": "x", "show_if": None, "show_if_values": "1, 2"}

    error = _error(lambda: add_question(actor=quality, instrument=pulse, data=data))

    assert list(error.errors) == ["show_if"]


def test_removing_the_source_or_moving_the_question_above_it_is_refused(pulse, quality):
    removed = _error(lambda: remove_question(actor=quality, instrument=pulse, attribute="overall"))
    assert "why-unhappy" in removed.errors["show_if"][0]

    for _step in range(5):  # up to just below overall (position 2)
        move_question(actor=quality, instrument=pulse, attribute="why-unhappy", direction="up")
    moved = _error(
        lambda: move_question(
            actor=quality, instrument=pulse, attribute="why-unhappy", direction="up"
        )
    )
    assert "could never be reached" in moved.errors["show_if"][0]
    positions = dict(pulse.latest_version().questions.values_list("attribute", "position"))
    assert positions["overall"] < positions["why-unhappy"]


# --- the builder -------------------------------------------------------------------------------


def test_the_instrument_page_builds_a_condition_and_names_a_wrong_one(org, quality):
    instrument = make_instrument(quality, org.own, "csat_pulse")
    client = Client()
    client.force_login(quality)
    url = reverse("surveys:question_add", args=[instrument.pk])
    form = {"kind": "text", "text_zh": "哪里让您不满意？", "text_en": "What disappointed you?"}

    page = client.get(reverse("surveys:instrument", args=[instrument.pk]))
    assert 'name="add-q1"' in page.content.decode()
    wrong = client.post(
        url,
        {**form, "add-match": "all", "add-q1": "overall", "add-v1": ["0", "1"]},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    added = client.post(
        url, {**form, "add-match": "all", "add-q1": "overall", "add-v1": ["1", "2"]}, follow=True
    )

    assert wrong.status_code == 422
    assert "can be answered 1, 2, 3, 4, 5" in wrong.content.decode()
    assert added.status_code == 200
    question = instrument.latest_version().questions.get(text_zh="哪里让您不满意？")
    assert question.show_if == {"question": "overall", "values": ["1", "2"]}
    assert 'data-testid="show-if"' in added.content.decode()


# --- the answer pages --------------------------------------------------------------------------


def _links(org, quality, instrument) -> list[str]:
    mail.outbox.clear()
    wave = make_wave(quality, instrument, org.own, contact_gap_days=0)
    send_wave(actor=quality, wave=wave, base_url="http://testserver")
    deliver_queued()
    return [
        re.search(r"http://testserver(/s/[A-Za-z0-9_\-]+/)", m.body).group(1) for m in mail.outbox
    ]


FIRST_PAGE = {
    "repair-speed.value": "4",
    "repair-speed.importance": "4",
    "repair-quality.value": "4",
    "repair-quality.importance": "4",
    "cleanliness.value": "4",
    "cleanliness.importance": "4",
}
SECOND_PAGE = {"recommend.value": "9", "effort.value": "6"}


def _answer(link: str, overall: str, second: dict) -> tuple[Client, object, object]:
    client = Client()
    client.post(link, {"action": "next", "page": "1", "overall.value": overall, **FIRST_PAGE})
    page_two = client.get(f"{link}?page=2")
    submitted = client.post(link, {"action": "submit", "page": "2", **second})
    return client, page_two, submitted


def test_a_satisfied_respondent_never_sees_the_question_and_may_submit(
    org, quality, pulse, community_customers
):
    link = _links(org, quality, pulse)[0]

    _client, page_two, submitted = _answer(link, "5", SECOND_PAGE)

    assert "What disappointed you?" not in page_two.content.decode()
    assert "哪里让您不满意" not in page_two.content.decode()
    assert submitted.status_code == 302
    assert Response.objects.filter(status=ResponseStatus.COMPLETE).count() == 1


def test_an_unhappy_respondent_is_asked_and_must_answer(org, quality, pulse, community_customers):
    link = _links(org, quality, pulse)[0]

    client, page_two, refused = _answer(link, "2", SECOND_PAGE)
    assert "哪里让您不满意" in page_two.content.decode()
    assert refused.status_code == 422
    done = client.post(
        link, {"action": "submit", "page": "2", **SECOND_PAGE, "why-unhappy.text": "修得太慢"}
    )

    assert done.status_code == 302
    assert Answer.objects.get(question__attribute="why-unhappy").text == "修得太慢"


def test_an_answer_hidden_by_a_changed_earlier_answer_is_not_kept(
    org, quality, pulse, community_customers
):
    link = _links(org, quality, pulse)[0]
    client, _page, _refused = _answer(link, "1", SECOND_PAGE)
    client.post(link, {"action": "later", "page": "2", **SECOND_PAGE, "why-unhappy.text": "慢"})

    client.post(link, {"action": "next", "page": "1", "overall.value": "5", **FIRST_PAGE})
    done = client.post(link, {"action": "submit", "page": "2", **SECOND_PAGE})

    assert done.status_code == 302
    assert not Answer.objects.filter(question__attribute="why-unhappy").exists()


def test_a_conditional_question_starts_a_new_page_after_its_source(org, quality):
    from qiwang.surveys.presentation import question_pages

    instrument = make_instrument(quality, org.own, "csat_pulse")
    add_question(actor=quality, instrument=instrument, data=WHY)
    for _step in range(5):
        move_question(actor=quality, instrument=instrument, attribute="why-unhappy", direction="up")
    questions = list(instrument.latest_version().questions.order_by("position"))

    pages = question_pages(questions, 4)

    assert [[q.attribute for q in page] for page in pages][:2] == [
        ["overall"],
        ["why-unhappy", "repair-speed", "repair-quality", "cleanliness"],
    ]


def test_the_api_submission_at_once_follows_the_logic(org, quality, pulse, community_customers):
    link = _links(org, quality, pulse)[0]
    token = link.strip("/").split("/")[-1]
    answers = {
        "overall": {"value": 5},
        "repair-speed": {"value": 4, "importance": 4},
        "repair-quality": {"value": 4, "importance": 4},
        "cleanliness": {"value": 4, "importance": 4},
        "recommend": {"value": 9},
        "effort": {"value": 6},
    }

    response = Client().post(
        f"/api/surveys/respond/{token}",
        {"answers": answers},
        content_type="application/json",
    )

    assert response.status_code in (200, 201), response.content
    assert Response.objects.get().status == ResponseStatus.COMPLETE


def test_the_import_follows_the_logic_row_by_row(org, quality, pulse, community_customers):
    import io

    import openpyxl

    from qiwang.surveys.imports import import_responses

    wave = make_wave(quality, pulse, org.own, contact_gap_days=0)
    book = openpyxl.Workbook()
    sheet = book.active
    header = ["customer_code", "overall", "repair_speed_P", "repair_speed_I"]
    header += ["repair_quality_P", "repair_quality_I", "cleanliness_P", "cleanliness_I"]
    sheet.append([*header, "recommend", "effort", "why_unhappy"])
    sheet.append(["A0001", 5, 4, 4, 4, 4, 4, 4, 9, 6, ""])  # satisfied: not asked
    sheet.append(["A0002", 1, 4, 4, 4, 4, 4, 4, 9, 6, "太慢"])  # unhappy: answered
    sheet.append(["A0003", 2, 4, 4, 4, 4, 4, 4, 9, 6, ""])  # unhappy: missing
    buffer = io.BytesIO()
    book.save(buffer)

    report = import_responses(
        actor=quality, wave=wave, content=buffer.getvalue(), filename="paper.xlsx"
    )

    assert [(e.row, e.column) for e in report.errors] == [(4, "why-unhappy")]


def test_the_api_adds_a_condition_lists_it_and_names_a_wrong_one(org, quality, community_customers):
    from qiwang.accounts.services import create_api_token

    headers = {"HTTP_AUTHORIZATION": f"Bearer {create_api_token(user=quality, name='t').key}"}
    client = Client()
    created = client.post(
        "/api/surveys/instruments",
        {"template": "csat_pulse", "branch_id": org.own.pk},
        content_type="application/json",
        **headers,
    ).json()
    base = f"/api/surveys/instruments/{created['id']}/questions"
    question = {"kind": "text", "text_zh": "哪里让您不满意？", "attribute": "why-unhappy"}

    wrong = client.post(
        base,
        {**question, "show_if": {"question": "overall", "values": [0]}},
        content_type="application/json",
        **headers,
    )
    added = client.post(
        base,
        {**question, "show_if": {"question": "overall", "values": [1, "2"]}},
        content_type="application/json",
        **headers,
    )

    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "show_if"
    assert added.status_code == 201
    assert added.json()["questions"][-1]["show_if"] == {"question": "overall", "values": ["1", "2"]}
    assert added.json()["questions"][0]["show_if"] == {}


@pytest.mark.parametrize(
    ("language", "shown", "not_shown"),
    [
        ("en", ["I like it that way", "I can live with it that way"], ["must-be", "live-with"]),
        ("zh-hans", ["我很喜欢", "理应如此", "能忍受"], ["I like it that way"]),
    ],
)
def test_kano_answers_read_in_plain_language_for_respondents(
    org, quality, community_customers, language, shown, not_shown
):
    # item 6: Berger et al. (1993) wording in English, the template's wording in Chinese
    link = _links(org, quality, make_instrument(quality, org.own, "kano_property"))[0]

    page = Client(HTTP_ACCEPT_LANGUAGE=language).get(link).content.decode()

    for words in shown:
        assert words in page
    for words in not_shown:
        assert words not in page


def test_the_dimension_is_chosen_from_a_labelled_list(org, quality):
    # item 6: dimension and group chosen from a list, labelled in the reader's language
    instrument = make_instrument(quality, org.own, "csat_pulse")
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(quality)
    url = reverse("surveys:question_add", args=[instrument.pk])

    page = client.get(reverse("surveys:instrument", args=[instrument.pk])).content.decode()
    typed = client.post(url, {"kind": "scale5", "text_zh": "绿化", "dimension": "greenery"})
    chosen = client.post(url, {"kind": "scale5", "text_zh": "绿化", "dimension": "core"})

    assert '<select name="dimension"' in page
    assert "核心产品与服务 (core)" in page and "有形性 (tangibles)" in page
    assert typed.status_code == 422
    assert chosen.status_code == 302
    assert instrument.latest_version().questions.get(text_zh="绿化").dimension == "core"
