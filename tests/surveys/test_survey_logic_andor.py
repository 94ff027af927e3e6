"""Display logic with several conditions (issue 14, item 6): AND / OR, the reachability proof
(checked against brute force over every combination of answers, with hypothesis), the editor
for new and existing questions (in place, or a new version once a wave uses the version), the
answer pages, the API and the one evaluator they share."""

from __future__ import annotations

import itertools
import re
from types import SimpleNamespace

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.surveys.conftest import deliver_queued, make_instrument, make_wave

from qiwang.errors import ServiceError
from qiwang.surveys.logic import check_logic, hidden_questions, show_if_from_data
from qiwang.surveys.models import Answer
from qiwang.surveys.services import add_question, send_wave, set_condition

WHY = {"kind": "text", "attribute": "why", "text_zh": "为什么？", "text_en": "Why?"}
UNHAPPY_OR_DETRACTOR = {
    "match": "any",
    "conditions": [
        {"question": "overall", "values": ["1", "2"]},
        {"question": "recommend", "values": [str(n) for n in range(7)]},
    ],
}


def _error(call) -> ServiceError:
    with translation.override("en"), pytest.raises(ServiceError) as caught:
        call()
    return caught.value


# --- the proof, against brute force ----------------------------------------------------------

KINDS = {"single": ["a", "b", "c"], "multiple": ["a", "b"], "text": []}


def _answers_of(kind: str) -> list[object]:
    """Every way a question of this kind can be answered (None: not answered)."""
    options = KINDS[kind]
    if kind == "single":
        return [None, *(SimpleNamespace(value=None, text=o) for o in options)]
    if kind == "multiple":
        subsets = [
            c for n in range(1, len(options) + 1) for c in itertools.combinations(options, n)
        ]
        return [None, *(SimpleNamespace(value=None, text=",".join(c)) for c in subsets)]
    return [None]


def _question(n: int, kind: str, show_if: dict) -> dict:
    return {
        "pk": n,
        "attribute": f"q{n}",
        "kind": kind,
        "options": [[o, o, o] for o in KINDS[kind]],
        "show_if": show_if,
    }


@st.composite
def instruments(draw):
    count = draw(st.integers(2, 5))
    questions = []
    for n in range(1, count + 1):
        kind = draw(st.sampled_from(sorted(KINDS)))
        sources = [q for q in questions if q["kind"] != "text"]
        show_if: dict = {}
        if sources and draw(st.booleans()):
            clauses = []
            for _ in range(draw(st.integers(1, 3))):
                source = draw(st.sampled_from(sources))
                values = draw(
                    st.lists(st.sampled_from(KINDS[source["kind"]]), min_size=1, unique=True)
                )
                clauses.append({"question": source["attribute"], "values": values})
            show_if = show_if_from_data(
                {"match": draw(st.sampled_from(["all", "any"])), "conditions": clauses}
            )
        questions.append(_question(n, kind, show_if))
    return questions


def _reachable_by_brute_force(questions: list[dict]) -> set[int]:
    objects = [SimpleNamespace(**q) for q in questions]
    shown: set[int] = set()
    for combination in itertools.product(*(_answers_of(q["kind"]) for q in questions)):
        answers = {q["attribute"]: a for q, a in zip(questions, combination, strict=True)}
        hidden = hidden_questions(objects, answers)
        shown |= {q["pk"] for q in questions} - hidden
    return shown


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instruments())
def test_the_proof_refuses_exactly_the_instruments_with_a_question_never_shown(questions):
    """Soundness and completeness of ``check_logic``: it accepts an instrument if and only if
    the evaluator the answer pages use shows every question for some answers; when it refuses,
    it names the first question that is never shown."""
    reachable = _reachable_by_brute_force(questions)
    never = [q for q in questions if q["pk"] not in reachable]
    try:
        with translation.override("en"):
            check_logic(questions)
    except ServiceError as error:
        assert never, error.errors
        assert f"Question {never[0]['pk']} (q{never[0]['pk']})" in error.errors["show_if"][0]
    else:
        assert not never


@settings(max_examples=200, deadline=None)
@given(instruments(), st.data())
def test_a_question_with_a_hidden_source_is_shown_only_through_another_condition(questions, data):
    """Invariant of the evaluator: a shown question has, for AND, every source shown and
    answered with one of its values; for OR, at least one such source."""
    objects = [SimpleNamespace(**q) for q in questions]
    combination = [data.draw(st.sampled_from(_answers_of(q["kind"]))) for q in questions]
    answers = {q["attribute"]: a for q, a in zip(questions, combination, strict=True)}
    hidden = hidden_questions(objects, answers)
    hidden_keys = {q["attribute"] for q in questions if q["pk"] in hidden}
    for question in objects:
        condition = SimpleNamespace(**question.__dict__)
        from qiwang.surveys.logic import condition_of

        parsed = condition_of(condition)
        if parsed is None:
            assert question.pk not in hidden
            continue

        def holds(clause) -> bool:
            answer = answers.get(clause.question)
            chosen = set((answer.text or "").split(",")) if answer else set()
            return clause.question not in hidden_keys and bool(chosen & set(clause.values))

        held = [holds(clause) for clause in parsed.clauses]
        expected = any(held) if parsed.is_any else all(held)
        assert (question.pk not in hidden) == expected


def test_contradictions_are_refused_naming_the_question():
    questions = [
        _question(1, "single", {}),
        _question(2, "multiple", {"question": "q1", "values": ["a"]}),
        _question(
            3,
            "text",
            show_if_from_data(
                {
                    "match": "all",
                    "conditions": [
                        {"question": "q1", "values": ["b"]},
                        {"question": "q2", "values": ["a"]},
                    ],
                }
            ),
        ),
    ]
    error = _error(lambda: check_logic(questions))
    message = error.errors["show_if"][0]
    assert "Question 3 (q3) could never be shown" in message
    assert "q1 is b and q2 is a" in message
    # Two options of a multiple choice may both be chosen: that AND holds.
    questions[2]["show_if"] = show_if_from_data(
        {
            "match": "all",
            "conditions": [
                {"question": "q2", "values": ["a"]},
                {"question": "q2", "values": ["b"]},
            ],
        }
    )
    check_logic(questions)


def test_the_stored_shapes():
    one = show_if_from_data({"match": "any", "conditions": [{"question": "a", "values": [1]}]})
    assert one == {"question": "a", "values": ["1"]}
    assert show_if_from_data({"question": "", "values": [], "match": "all", "conditions": []}) == {}
    with pytest.raises(ServiceError):
        show_if_from_data({"match": "either", "conditions": [{"question": "a", "values": [1]}]})
    with pytest.raises(ServiceError):
        show_if_from_data(
            {"match": "all", "conditions": [{"question": f"q{n}", "values": [1]} for n in range(6)]}
        )


# --- the service, the pages and the API ------------------------------------------------------

pytestmark = pytest.mark.django_db


@pytest.fixture
def pulse(org, quality):
    instrument = make_instrument(quality, org.own, "csat_pulse")
    add_question(
        actor=quality, instrument=instrument, data={**WHY, "show_if": UNHAPPY_OR_DETRACTOR}
    )
    return instrument


def test_an_or_condition_is_stored_and_shown_in_both_languages(org, quality, pulse):
    why = pulse.latest_version().questions.get(attribute="why")
    assert why.show_if == {
        "match": "any",
        "conditions": [
            {"question": "overall", "values": ["1", "2"]},
            {"question": "recommend", "values": ["0", "1", "2", "3", "4", "5", "6"]},
        ],
    }
    client = Client()
    client.force_login(quality)
    url = reverse("surveys:instrument", args=[pulse.pk])
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "only if overall is 1, 2 <strong>or</strong> recommend is 0, 1, 2" in english
    assert "<strong>或</strong>" in chinese


def test_editing_a_condition_in_place_then_as_a_new_version(org, quality, pulse):
    client = Client()
    client.force_login(quality)
    url = reverse("surveys:question_condition", args=[pulse.pk, "why"])
    and_condition = {
        "version": "1",
        "cwhy-match": "all",
        "cwhy-q1": "overall",
        "cwhy-v1": ["1", "2"],
        "cwhy-q2": "effort",
        "cwhy-v2": ["5", "6", "7"],
    }

    saved = client.post(url, and_condition, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert saved.status_code == 200
    assert "Saved in version 1" in saved.content.decode()
    why = pulse.latest_version().questions.get(attribute="why")
    assert why.show_if["match"] == "all" and len(why.show_if["conditions"]) == 2

    make_wave(quality, pulse, org.own)  # version 1 is now used by a wave: frozen
    cleared = client.post(
        url, {"version": "1", "always": "1"}, follow=True, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "Saved as version 2" in cleared.content.decode()
    assert pulse.latest_version().number == 2
    assert pulse.latest_version().questions.get(attribute="why").show_if == {}
    assert pulse.versions.get(number=1).questions.get(attribute="why").show_if["match"] == "all"


def test_a_contradiction_in_the_editor_is_named_and_the_rows_come_back(org, quality, pulse):
    client = Client()
    client.force_login(quality)
    url = reverse("surveys:question_condition", args=[pulse.pk, "why"])
    refused = client.post(
        url,
        {
            "version": "1",
            "cwhy-match": "all",
            "cwhy-q1": "overall",
            "cwhy-v1": ["1"],
            "cwhy-q2": "overall",
            "cwhy-v2": ["5"],
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    page = refused.content.decode()
    assert refused.status_code == 422
    assert "could never be shown" in page and "overall is 1 and overall is 5" in page
    # the rows as sent, ticked, so the manager corrects rather than starts again
    assert re.search(r'name="cwhy-v2" value="5" checked', page)
    assert pulse.latest_version().questions.get(attribute="why").show_if["match"] == "any"


def test_choosing_a_source_redraws_the_row_with_its_answers(org, quality, pulse, org_users=None):
    client = Client()
    client.force_login(quality)
    url = reverse("surveys:condition_values", args=[pulse.pk])
    row = client.get(url, {"prefix": "add-", "row": "2", "add-q2": "recommend"})
    assert row.status_code == 200
    body = row.content.decode()
    assert body.count('name="add-v2"') == 11  # NPS 0–10
    earlier_only = client.get(
        url, {"prefix": "cwhy-", "row": "1", "before": "2", "cwhy-q1": "recommend"}
    ).content.decode()
    assert 'name="cwhy-v1"' not in earlier_only  # recommend is not before question 2


def test_roles_that_may_not_change_surveys_cannot_edit_conditions(org, pulse):
    analyst = org.users["analyst"]
    client = Client()
    client.force_login(analyst)
    url = reverse("surveys:question_condition", args=[pulse.pk, "why"])
    assert client.post(url, {"always": "1"}).status_code == 403
    assert client.get(reverse("surveys:condition_values", args=[pulse.pk])).status_code == 403


def _link(org, quality, instrument) -> str:
    mail.outbox.clear()
    wave = make_wave(quality, instrument, org.own, contact_gap_days=0)
    send_wave(actor=quality, wave=wave, base_url="http://testserver")
    deliver_queued()
    return re.search(r"http://testserver(/s/[A-Za-z0-9_\-]+/)", mail.outbox[0].body).group(1)


FIRST = {
    f"{key}.{part}": "4"
    for key in ("repair-speed", "repair-quality", "cleanliness")
    for part in ("value", "importance")
}


@pytest.mark.parametrize(
    ("overall", "recommend", "asked"),
    [("5", "9", False), ("5", "3", True), ("1", "9", True), ("2", "0", True)],
)
def test_the_answer_pages_follow_the_or_condition(
    org, quality, pulse, community_customers, overall, recommend, asked
):
    link = _link(org, quality, pulse)
    client = Client()
    client.post(link, {"action": "next", "page": "1", "overall.value": overall, **FIRST})
    client.post(
        link, {"action": "next", "page": "2", "recommend.value": recommend, "effort.value": "3"}
    )
    last = client.get(f"{link}?page=3").content.decode()
    submitted = client.post(link, {"action": "submit", "page": "3"})

    assert ("为什么" in last) is asked
    # required when asked: submitting without it is refused; when hidden it is not required
    assert submitted.status_code == (422 if asked else 302)
    if asked:
        done = client.post(link, {"action": "submit", "page": "3", "why.text": "太慢"})
        assert done.status_code == 302
        assert Answer.objects.get(question__attribute="why").text == "太慢"


def test_the_api_takes_several_conditions(org, quality, community_customers):
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
    added = client.post(
        base,
        {**WHY, "show_if": UNHAPPY_OR_DETRACTOR},
        content_type="application/json",
        **headers,
    )
    contradiction = client.post(
        base,
        {
            **WHY,
            "attribute": "why-2",
            "show_if": {
                "match": "all",
                "conditions": [
                    {"question": "overall", "values": [1]},
                    {"question": "overall", "values": [5]},
                ],
            },
        },
        content_type="application/json",
        **headers,
    )

    assert added.status_code == 201, added.content
    assert added.json()["questions"][-1]["show_if"]["match"] == "any"
    assert contradiction.status_code == 422
    assert contradiction.json()["errors"][0]["field"] == "show_if"


def test_set_condition_refuses_an_unknown_question(org, quality, pulse):
    error = _error(
        lambda: set_condition(actor=quality, instrument=pulse, attribute="nope", show_if={})
    )
    assert "nope" in error.text
