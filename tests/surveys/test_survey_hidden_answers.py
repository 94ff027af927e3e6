"""Every answer visible on the results page (issue 14, "hidden answers"): choice tallies equal a
direct count of the stored answers whether or not a fold ran; the SERVQUAL item chart carries
wording, the distribution charts one legend per scale, the Kano charts numbered points with a
key; free-text answers can be searched."""

from __future__ import annotations

import json
import random
from collections import Counter

import pytest
from django.test import Client
from django.urls import reverse
from tests.surveys.conftest import deliver_queued, make_instrument, make_wave

from qiwang.surveys import tallies
from qiwang.surveys.choices import QuestionKind, ResponseStatus
from qiwang.surveys.models import Answer, Invitation, Response
from qiwang.surveys.presentation import results_context
from qiwang.surveys.responding import save_answers, start_response
from qiwang.surveys.results import wave_results
from qiwang.surveys.services import send_wave

pytestmark = pytest.mark.django_db


@pytest.fixture
def indicator_wave(org, quality, community_customers):
    """The indicator-groups template (7-level ratings, one single and one multiple choice),
    answered by the 12 customers with seeded random choices."""
    wave = make_wave(quality, make_instrument(quality, org.own, "indicator_groups"), org.own)
    send_wave(actor=quality, wave=wave, base_url="http://testserver")
    deliver_queued()
    questions = list(wave.version.questions.order_by("position"))
    rng = random.Random(7)
    for invitation in Invitation.objects.filter(wave=wave).order_by("pk"):
        raw = {}
        for q in questions:
            if q.kind == QuestionKind.SINGLE:
                raw[q.attribute] = {"choices": [rng.choice(["phone", "wechat", "desk"])]}
            elif q.kind == QuestionKind.MULTIPLE:
                chosen = [
                    o for o in ("repair", "cleaning", "security", "greenery") if rng.random() < 0.5
                ]
                raw[q.attribute] = {"choices": chosen}
            else:
                raw[q.attribute] = {"value": str(rng.randint(1, 7)), "importance": "4"}
        response = start_response(
            wave=wave, invitation=invitation, submission_key=f"i{invitation.pk}"
        )
        save_answers(response=response, questions=questions, raw=raw, submit=True)
    return wave


def _direct_counts(wave, attribute):
    """The reference: every stored answer of the question split into its options."""
    counter, respondents = Counter(), 0
    for text in Answer.objects.filter(
        response__wave=wave, response__status=ResponseStatus.COMPLETE, question__attribute=attribute
    ).values_list("text", flat=True):
        if text:
            respondents += 1
            counter.update(text.split(","))
    return respondents, counter


@pytest.mark.parametrize("state", ["tail", "folded", "half"])
def test_choice_tallies_equal_a_direct_count_however_folded(indicator_wave, state):
    wave = indicator_wave
    if state == "folded":
        tallies.fold_wave(wave)
    elif state == "half":
        held = list(
            Response.objects.filter(wave=wave).order_by("pk").values_list("pk", flat=True)[::2]
        )
        Response.objects.filter(pk__in=held).update(status=ResponseStatus.PARTIAL)
        tallies.fold_wave(wave)
        Response.objects.filter(pk__in=held).update(status=ResponseStatus.COMPLETE)

    choices = {c.question.attribute: c for c in wave_results(wave).choices}

    for attribute in ("channel", "improve"):
        respondents, counter = _direct_counts(wave, attribute)
        assert choices[attribute].respondents == respondents
        assert dict(choices[attribute].counts) == {
            value: counter.get(value, 0) for value, _ in choices[attribute].counts
        }
    assert choices["channel"].respondents == 12
    assert sum(n for _, n in choices["channel"].counts) == 12


def test_results_page_shows_choice_tallies_and_one_legend_per_scale(indicator_wave, quality):
    client = Client()
    client.force_login(quality)

    body = client.get(reverse("surveys:results", args=[indicator_wave.pk])).content.decode()
    charts = json.loads(
        body.split('id="survey-chart-data" type="application/json">')[1].split("</script>")[0]
    )

    assert 'data-testid="choice-section"' in body and "微信" in body
    assert {c["id"] for c in charts["choices"]} == {"chart-choice-channel", "chart-choice-improve"}
    (group,) = charts["distributionGroups"]
    assert group["kind"] == "scale7" and len(group["levels"]) == 7
    assert 'id="chart-distribution-scale7"' in body


def test_servqual_item_chart_shows_wording_and_the_ratio_is_on_the_page(
    org, quality, community_customers
):
    wave = make_wave(quality, make_instrument(quality, org.own, "servqual"), org.own)
    send_wave(actor=quality, wave=wave, base_url="http://testserver")
    deliver_queued()
    questions = list(wave.version.questions.order_by("position"))
    for invitation in Invitation.objects.filter(wave=wave)[:6]:
        raw = {
            q.attribute: {"value": "6", "second": "5"} for q in questions if q.kind == "servqual"
        }
        response = start_response(
            wave=wave, invitation=invitation, submission_key=f"i{invitation.pk}"
        )
        save_answers(response=response, questions=questions, raw=raw, submit=True)

    context = results_context(wave_results(wave))
    client = Client()
    client.force_login(quality)
    body = client.get(reverse("surveys:results", args=[wave.pk])).content.decode()

    items = context["charts"]["servqualItemChart"]
    wording = {q.text_zh for q in questions if q.kind == "servqual"}
    assert len(items) == 22 and all(item[2] in wording for item in items)
    codes = {q.attribute.upper() for q in questions} | {q.attribute for q in questions}
    assert not any(item[0] in codes for item in items)
    # P / E = 5 / 6 for every item: c = 0.83.
    assert body.split('data-testid="servqual-ratio">')[1].split("<")[0] == "0.83"


def test_kano_points_are_numbered_and_named_in_a_key(org, quality, community_customers):
    wave = make_wave(quality, make_instrument(quality, org.own), org.own)
    send_wave(actor=quality, wave=wave, base_url="http://testserver")
    deliver_queued()
    questions = list(wave.version.questions.order_by("position"))
    for invitation in Invitation.objects.filter(wave=wave)[:5]:
        raw = {q.attribute: {"value": "1", "second": "4"} for q in questions if q.kind == "kano"}
        response = start_response(
            wave=wave, invitation=invitation, submission_key=f"i{invitation.pk}"
        )
        save_answers(response=response, questions=questions, raw=raw, submit=True)

    context = results_context(wave_results(wave))

    points = context["charts"]["kanoBetterWorse"]
    assert [p[4] for p in points] == list(range(1, 9))
    assert [row["number"] for row in context["kano_rows"]] == list(range(1, 9))
    # Continuous Kano: like when present (4) and live-with when absent (2) for everyone.
    assert {(p[0], p[1]) for p in context["charts"]["kanoContinuous"]} == {(2.0, 4.0)}


def test_free_text_answers_can_be_searched(org, quality, community_customers):
    wave = make_wave(quality, make_instrument(quality, org.own), org.own)
    send_wave(actor=quality, wave=wave, base_url="http://testserver")
    deliver_queued()
    questions = list(wave.version.questions.order_by("position"))
    comments = ["电梯经常坏，维修太慢", "保洁很好", "停车位太少，电梯也旧"]
    for invitation, comment in zip(Invitation.objects.filter(wave=wave), comments, strict=False):
        raw = {q.attribute: {"value": "1", "second": "4"} for q in questions if q.kind == "kano"}
        raw.update({q.attribute: {"text": comment} for q in questions if q.kind == "text"})
        response = start_response(
            wave=wave, invitation=invitation, submission_key=f"i{invitation.pk}"
        )
        save_answers(response=response, questions=questions, raw=raw, submit=True)
    client = Client()
    client.force_login(quality)

    found = client.get(reverse("surveys:text_answers", args=[wave.pk]), {"search": "电梯"})
    nothing = client.get(reverse("surveys:text_answers", args=[wave.pk]), {"search": "游泳池"})

    body = found.content.decode()
    assert body.split('data-testid="text-total">')[1].split("<")[0] == "2"
    assert "保洁很好" not in body
    assert 'data-testid="text-total"' not in nothing.content.decode()
