"""The SERVQUAL 100-point allocation: answer rules, the answer page, stage 1 in SQL and the
weighted SERVQUAL score.

Method: each respondent shares 100 points among the five dimensions; the respondent's weighted
SERVQUAL score is Σ_d (points_d / 100) · (P̄_d − Ē_d), and the survey's weighted score is the mean
of the respondents' weighted scores (Zeithaml, Parasuraman & Berry 1990, *Delivering Quality
Service*, appendix "computing SERVQUAL scores", steps 1–5; the allocation question as in
Parasuraman, Berry & Zeithaml 1991, "Refinement and reassessment of the SERVQUAL scale",
Journal of Retailing 67(4)). Expected numbers are worked by hand in each test.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from django.core import mail
from django.core.cache import cache
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.utils import translation
from tests.surveys.conftest import deliver_queued, make_instrument, make_wave

from qiwang.analysis import servqual
from qiwang.errors import ServiceError
from qiwang.surveys.choices import QuestionKind, ResponseStatus
from qiwang.surveys.models import Answer, Response
from qiwang.surveys.presentation import allocation_context, question_pages, results_context
from qiwang.surveys.responding import save_answers, start_response, validate_page
from qiwang.surveys.results import wave_results
from qiwang.surveys.services import (
    add_question,
    create_instrument_from_template,
    remove_question,
    send_wave,
)
from qiwang.surveys.weights import allocation_sums, weighted_gap_sums, weighted_servqual

pytestmark = pytest.mark.django_db

DIMENSIONS = ("tangibles", "reliability", "responsiveness", "assurance", "empathy")


def _allocation_block(org, quality):
    instrument = create_instrument_from_template(
        actor=quality, template="servqual", branch=org.own, allocation=True
    )
    questions = list(instrument.latest_version().questions.order_by("position"))
    return instrument, [q for q in questions if q.kind == QuestionKind.ALLOCATION]


def _points(block, values):
    return {q.attribute: {"value": str(v) if v is not None else ""} for q, v in zip(block, values)}


# --- answer rules ----------------------------------------------------------------------------------


def test_points_adding_up_to_100_are_accepted(org, quality):
    _instrument, block = _allocation_block(org, quality)

    parsed = validate_page(block, _points(block, [10, 30, 30, 20, 10]), require=True)

    assert [parsed[q.pk].value for q in block] == [10, 30, 30, 20, 10]


def test_points_not_adding_up_to_100_name_the_questions_and_the_sum(org, quality):
    _instrument, block = _allocation_block(org, quality)

    with translation.override("en"), pytest.raises(ServiceError) as caught:
        validate_page(block, _points(block, [10, 30, 30, 10, 10]), require=True)

    assert list(caught.value.errors) == ["weight-tangibles.value"]
    message = caught.value.errors["weight-tangibles.value"][0]
    assert message.endswith("must add up to 100; they add up to 90.")
    for question in block:
        assert f"“{question.text_en}”" in message


def test_blank_points_count_as_zero_when_moving_on(org, quality):
    _instrument, block = _allocation_block(org, quality)
    for question in block:
        question.is_required = False

    with pytest.raises(ServiceError) as caught:
        validate_page(block, _points(block, [50, 30, None, None, None]), require=True)
    assert "80" in caught.value.errors["weight-tangibles.value"][0]
    # an optional block left entirely blank is no answer, and passes
    assert validate_page(block, _points(block, [None] * 5), require=True)


def test_save_for_later_keeps_an_unfinished_allocation_but_not_a_wrong_one(org, quality):
    _instrument, block = _allocation_block(org, quality)

    unfinished = validate_page(block, _points(block, [50, 30, None, None, None]), require=False)
    with pytest.raises(ServiceError):
        validate_page(block, _points(block, [50, 30, 10, 10, 10]), require=False)

    assert unfinished[block[0].pk].value == 50


def test_points_outside_0_to_100_are_refused(org, quality):
    _instrument, block = _allocation_block(org, quality)

    with translation.override("en"), pytest.raises(ServiceError) as caught:
        validate_page(block, _points(block, [101, 0, 0, 0, 0]), require=True)

    assert caught.value.errors == {
        "weight-tangibles.value": [
            f"“{block[0].text_en}”: give a whole number of points from 0 to 100."
        ]
    }


def test_question_pages_keep_the_allocation_block_on_one_page(org, quality):
    instrument, block = _allocation_block(org, quality)
    questions = list(instrument.latest_version().questions.order_by("position"))

    pages = question_pages(questions, 4)

    assert [len(page) for page in pages] == [4, 4, 4, 4, 4, 2, 5]
    assert pages[-1] == block


# --- the answer page -------------------------------------------------------------------------------


@pytest.fixture
def allocation_wave(org, quality, community_customers):
    """A short instrument whose one page is a three-dimension allocation (an allocation block
    always gets a page of its own, so the rating it started with is removed)."""
    instrument = make_instrument(quality, org.own, "csat_pulse")

    for attribute in ("repair-speed", "repair-quality", "cleanliness", "recommend", "effort"):
        remove_question(actor=quality, instrument=instrument, attribute=attribute)
    for dimension, zh, en in (
        ("reliability", "可靠性", "Reliability"),
        ("responsiveness", "响应性", "Responsiveness"),
        ("empathy", "移情性", "Empathy"),
    ):
        add_question(
            actor=quality,
            instrument=instrument,
            data={"kind": "allocation", "dimension": dimension, "text_zh": zh, "text_en": en},
        )
    remove_question(actor=quality, instrument=instrument, attribute="overall")
    wave = make_wave(quality, instrument, org.own, sample_size=1)
    mail.outbox.clear()
    send_wave(actor=quality, wave=wave, base_url="http://testserver")
    deliver_queued()
    link = re.search(r"http://testserver(/s/[A-Za-z0-9_\-]+/)", mail.outbox[0].body).group(1)
    cache.clear()
    return wave, link


def test_answer_page_shows_the_allocation_with_a_running_total(allocation_wave):
    _wave, link = allocation_wave

    page = Client().get(link).content.decode()

    assert page.count("data-allocation>") == 3
    assert page.count('data-testid="allocation-total"') == 1
    assert 'name="weight-reliability.value"' in page and 'min="0" max="100"' in page


def test_answer_page_rejects_an_allocation_that_does_not_add_up(allocation_wave):
    wave, link = allocation_wave
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    data = {
        "page": "1",
        "action": "submit",
        "weight-reliability.value": "50",
        "weight-responsiveness.value": "30",
        "weight-empathy.value": "30",
    }

    refused = client.post(link + "?page=1", data)
    accepted = client.post(link + "?page=1", data | {"weight-empathy.value": "20"})

    assert refused.status_code == 422
    body = refused.content.decode()
    assert "they add up to 110" in body
    assert "“Reliability”, “Responsiveness”, “Empathy”" in body
    assert accepted.status_code == 302
    response = Response.objects.get(wave=wave)
    assert response.status == ResponseStatus.COMPLETE
    points = dict(
        Answer.objects.filter(response=response, question__kind="allocation").values_list(
            "question__dimension", "value"
        )
    )
    assert points == {"reliability": 50, "responsiveness": 30, "empathy": 20}


# --- stage 1 and the weighted score ------------------------------------------------------------------

#: The hand-worked survey: expectation 6 on every item; the perception makes each dimension's gap.
GAPS = {
    "r1": {"tangibles": -1, "reliability": -2, "responsiveness": -3, "assurance": 0, "empathy": 1},
    "r2": {"tangibles": 0, "reliability": -1, "responsiveness": -1, "assurance": -1, "empathy": 0},
}
POINTS = {"r1": (10, 30, 30, 20, 10), "r2": (20, 20, 20, 20, 20)}


def _answer_frame(wave) -> pd.DataFrame:
    rows = [
        {
            "respondent": answer.response_id,
            "kind": answer.question.kind,
            "item": answer.question.attribute,
            "dimension": answer.question.dimension,
            "expectation": answer.value,
            "perception": answer.second,
        }
        for answer in Answer.objects.filter(
            response__wave=wave, response__status=ResponseStatus.COMPLETE
        ).select_related("question")
    ]
    return pd.DataFrame(rows)


def servqual_sums(wave) -> servqual.ServqualSums:
    """The wave's unweighted SERVQUAL stage 1, by the pandas route of qiwang.analysis (the
    results page computes the same in SQL; tests/surveys/test_survey_results.py compares)."""
    items = wave.version.questions.filter(kind=QuestionKind.SERVQUAL).order_by("position")
    instrument = servqual.Instrument(
        tuple(servqual.ServqualItem(code=q.attribute, dimension=q.dimension) for q in items)
    )
    frame = _answer_frame(wave)
    return servqual.summarize(frame[frame["kind"] == "servqual"], instrument=instrument)


@pytest.fixture
def weighted_wave(org, quality, community_customers):
    instrument, _block = _allocation_block(org, quality)
    wave = make_wave(quality, instrument, org.own)
    send_wave(actor=quality, wave=wave, base_url="http://testserver")
    deliver_queued()
    questions = list(wave.version.questions.order_by("position"))
    for key in ("r1", "r2"):
        raw = {}
        for q in questions:
            if q.kind == QuestionKind.SERVQUAL:
                raw[q.attribute] = {"value": "6", "second": str(6 + GAPS[key][q.dimension])}
            else:
                raw[q.attribute] = {"value": str(POINTS[key][DIMENSIONS.index(q.dimension)])}
        response = start_response(wave=wave, submission_key=f"test-{key}")
        save_answers(response=response, questions=questions, raw=raw, submit=True)
    return wave


def test_allocation_sums_are_one_group_by(weighted_wave, django_assert_num_queries):
    with django_assert_num_queries(1):
        sums = allocation_sums(weighted_wave)

    assert sums.keys == tuple((None, d) for d in DIMENSIONS)
    assert sums.n.tolist() == [2, 2, 2, 2, 2]
    assert sums.total.tolist() == [30.0, 50.0, 50.0, 40.0, 30.0]


def test_weighted_servqual_by_hand(weighted_wave):
    # Respondent 1: (10·−1 + 30·−2 + 30·−3 + 20·0 + 10·1) / 100 = −1.5
    # Respondent 2: (20·0 + 20·−1 + 20·−1 + 20·−1 + 20·0) / 100 = −0.6
    # Weighted SERVQUAL = mean over respondents = −1.05. (Multiplying the mean weights by the
    # mean dimension gaps would give −0.975: the method weights each respondent by their own
    # points.) Unweighted overall: mean of (−1, −0.6) = −0.8.
    sums = servqual_sums(weighted_wave)

    result = weighted_servqual(weighted_wave, sums)

    assert result.weighted_servqual.n == 2
    assert result.weighted_servqual.gap == pytest.approx(-1.05)
    assert result.weighted_servqual.expectation_mean == pytest.approx(6.0)
    assert result.weighted_servqual.perception_mean == pytest.approx(4.95)
    assert [(w.dimension, w.mean_points) for w in result.weights] == [
        ("tangibles", pytest.approx(15.0)),
        ("reliability", pytest.approx(25.0)),
        ("responsiveness", pytest.approx(25.0)),
        ("assurance", pytest.approx(20.0)),
        ("empathy", pytest.approx(15.0)),
    ]
    assert result.servqual.overall[0].gap == pytest.approx(-0.8)
    assert result.servqual.weighted[0] == result.weighted_servqual


def test_database_stage_one_equals_the_pandas_stage_one(weighted_wave):
    # the same answers through qiwang.analysis.servqual.summarize (long format, points columns)
    frame = _answer_frame(weighted_wave)
    points = frame[frame["kind"] == "allocation"].pivot(
        index="respondent", columns="dimension", values="expectation"
    )
    items = frame[frame["kind"] == "servqual"].copy()
    for dimension in DIMENSIONS:
        items[f"w_{dimension}"] = items["respondent"].map(points[dimension])
    sums = servqual_sums(weighted_wave)
    expected = servqual.summarize(
        items,
        instrument=sums.instrument,
        weights={d: f"w_{d}" for d in DIMENSIONS},
    )

    weighted = weighted_gap_sums(weighted_wave, sums.instrument)
    weights = allocation_sums(weighted_wave)

    assert weighted.keys == expected.weighted.keys
    np.testing.assert_allclose(weighted.n, expected.weighted.n)
    # pandas' stage 1 sums around each key's means (numerically stable); the database's are
    # raw: compare both around zero (exact algebra, GapSums.shifted_to).
    zero = np.zeros((len(weighted.keys), 2))
    ours, theirs = weighted.shifted_to(zero), expected.weighted.shifted_to(zero)
    for name in ("sum_e", "sum_e2", "sum_p", "sum_p2", "sum_ep"):
        np.testing.assert_allclose(ours[name], theirs[name])
    assert weights.keys == expected.weights.keys
    np.testing.assert_allclose(weights.total, expected.weights.total)


def test_a_respondent_whose_points_do_not_cover_every_dimension_is_left_out(weighted_wave):
    # a third respondent's answers stored without the empathy points (e.g. an import of old data)
    wave = weighted_wave
    response = Response.objects.create(
        wave=wave,
        branch=wave.branch,
        submission_key="test-r3",
        status=ResponseStatus.COMPLETE,
    )
    for question in wave.version.questions.all():
        if question.kind == QuestionKind.SERVQUAL:
            Answer.objects.create(response=response, question=question, value=7, second=1)
        elif question.dimension != "empathy":
            Answer.objects.create(response=response, question=question, value=25)

    result = weighted_servqual(wave, servqual_sums(wave))

    assert result.weighted_servqual.n == 2
    assert result.weighted_servqual.gap == pytest.approx(-1.05)
    assert {w.dimension: w.n for w in result.weights}["empathy"] == 2


def test_no_allocation_answers_no_weights(org, quality, community_customers):
    wave = make_wave(quality, make_instrument(quality, org.own, "servqual"), org.own)

    assert allocation_sums(wave) is None
    assert weighted_servqual(wave, None) is None


def test_results_section_shows_weights_and_the_weighted_score(weighted_wave, quality):
    # The integrator's wave_results puts weighted_servqual's fields on WaveResults; here the
    # section is rendered from the same objects.
    results = wave_results(weighted_wave)
    allocation = weighted_servqual(weighted_wave, servqual_sums(weighted_wave))
    request = RequestFactory().get("/")
    request.user = quality
    context = results_context(results) | allocation_context(
        allocation.weights, allocation.weighted_servqual
    )

    with translation.override("en"):
        html = render_to_string("surveys/results.html", context, request=request)

    assert 'data-testid="allocation-section"' in html
    assert "<strong>-1.05</strong>" in html
    assert "<td>Reliability</td><td>2</td><td>25.0</td>" in html


def test_the_servqual_allocation_block_is_one_answer_page(org, quality, community_customers):
    instrument, block = _allocation_block(org, quality)
    wave = make_wave(quality, instrument, org.own, sample_size=1)
    mail.outbox.clear()
    send_wave(actor=quality, wave=wave, base_url="http://testserver")
    deliver_queued()
    link = re.search(r"http://testserver(/s/[A-Za-z0-9_\-]+/)", mail.outbox[0].body).group(1)
    cache.clear()

    last = Client().get(link + "?page=7").content.decode()

    assert last.count("data-allocation>") == 5
    for question in block:
        assert f'name="{question.attribute}.value"' in last
