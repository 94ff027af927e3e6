"""Free-text answers on the results page: labelled once, filtered, corrected by users, exported.

Real database, real model (the shipped one), real pages through the test client."""

from __future__ import annotations

import io
import uuid

import pandas as pd
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from tests.surveys.conftest import make_instrument, make_wave

from qiwang.accounts.models import AuditEvent
from qiwang.surveys import text_services
from qiwang.surveys.choices import QuestionKind, ResponseStatus
from qiwang.surveys.models import Answer, Response
from qiwang.surveys.services import add_question
from qiwang.surveys.text_models import AnswerTextLabel, TextLabelCorrection

pytestmark = pytest.mark.django_db

COMMENTS = [
    "报修电话晚上经常打不通，等了三天才有人来",  # negative, responsiveness
    "保安很负责，晚上巡逻很认真",  # positive, assurance
    "小区环境很干净，绿化也很漂亮",  # positive, tangibles
    "电梯又坏了，修了好几次都没修好",  # negative, tangibles + reliability
    "希望增加电动车充电桩",  # neutral suggestion, tangibles
    '=HYPERLINK("http://example.cn")',  # a formula a respondent typed
]


@pytest.fixture
def wave(org):
    quality = org.users["quality_manager"]
    instrument = make_instrument(quality, org.own, "servqual")
    add_question(
        actor=quality,
        instrument=instrument,
        data={"kind": QuestionKind.TEXT, "attribute": "comment", "text_zh": "您还有什么意见？"},
    )
    wave = make_wave(quality, instrument, org.own)
    question = wave.version.questions.get(attribute="comment")
    for i, body in enumerate(COMMENTS):
        response = Response.objects.create(
            wave=wave,
            branch=org.own,
            submission_key=uuid.uuid4().hex,
            status=ResponseStatus.COMPLETE,
            submitted_at=timezone.now(),
        )
        Answer.objects.create(response=response, question=question, text=body)
        if i == 0:  # an unfinished response's comment is never labelled
            partial = Response.objects.create(
                wave=wave, branch=org.own, submission_key=uuid.uuid4().hex
            )
            Answer.objects.create(response=partial, question=question, text="还没写完")
    return wave


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _label(wave, body):
    return AnswerTextLabel.objects.get(wave=wave, answer__text=body)


def test_labelling_stores_sentiment_and_dimensions_once(wave):
    # when the wave's free text is labelled twice
    first = text_services.label_wave_answers(wave)
    second = text_services.label_wave_answers(wave)
    # then every complete response's comment has one label, and the second run has nothing to do
    assert first.labelled == len(COMMENTS)
    assert second.labelled == 0
    assert AnswerTextLabel.objects.filter(wave=wave).count() == len(COMMENTS)
    late = _label(wave, COMMENTS[0])
    assert late.sentiment == "negative"
    assert late.responsiveness == "negative"
    assert late.model_version == text_services.model_version()
    patrol = _label(wave, COMMENTS[1])
    assert (patrol.sentiment, patrol.assurance, patrol.tangibles) == ("positive", "positive", "")
    lift = _label(wave, COMMENTS[3])
    assert lift.sentiment == "negative"
    assert {"tangibles", "reliability"} <= set(lift.dimensions)


def test_a_limited_run_labels_a_batch_and_reports_what_remains(wave):
    run = text_services.label_wave_answers(wave, limit=4)
    assert (run.labelled, run.remaining) == (4, len(COMMENTS) - 4)


def test_the_section_labels_on_first_view_and_filters_by_sentiment_and_dimension(wave, org):
    client = _client(org.users["analyst"])
    url = reverse("surveys:text_answers", args=[wave.pk])
    # when an analyst opens the section for the first time
    page = client.get(url)
    # then every comment was labelled and is listed, with the negative share per dimension
    assert page.status_code == 200
    assert AnswerTextLabel.objects.filter(wave=wave).count() == len(COMMENTS)
    body = page.content.decode()
    assert body.count('data-testid="text-comment"') == len(COMMENTS)
    assert "还没写完" not in body
    assert (
        page.context["by_sentiment"]["negative"]
        == AnswerTextLabel.objects.filter(wave=wave, sentiment="negative").count()
    )
    rows = {row["code"]: row for row in page.context["dimension_rows"]}
    assert rows["responsiveness"]["negative"] >= 1
    assert rows["responsiveness"]["negative_share"] == pytest.approx(
        100 * rows["responsiveness"]["negative"] / rows["responsiveness"]["mentions"], abs=0.05
    )
    # when filtered to negative comments, then only those are listed
    negative = client.get(url, {"sentiment": "negative"})
    assert {c["sentiment"] for c in negative.context["comments"]} == {"negative"}
    assert COMMENTS[1] not in negative.content.decode()
    # when filtered to one dimension, then only comments about it are listed
    tangibles = client.get(url, {"dimension": "tangibles"})
    assert {c["text"] for c in tangibles.context["comments"]} >= {COMMENTS[2], COMMENTS[3]}
    assert COMMENTS[0] not in {c["text"] for c in tangibles.context["comments"]}
    # unknown filter values are ignored, not an error
    assert client.get(url, {"sentiment": "<b>", "page": "x"}).status_code == 200


def test_stored_text_is_escaped_on_the_page(wave, org):
    page = _client(org.users["analyst"]).get(reverse("surveys:text_answers", args=[wave.pk]))
    assert "=HYPERLINK(&quot;http://example.cn&quot;)" in page.content.decode()


@pytest.mark.parametrize(
    ("role", "own_branch", "view", "correct"),
    [
        ("quality_manager", True, 200, 200),
        ("quality_manager", False, 404, 404),
        ("analyst", True, 200, 403),
        ("agent", True, 200, 403),
        ("account_manager", True, 200, 403),
        ("administrator", True, 200, 200),
    ],
)
def test_permissions_to_view_and_correct(wave, org, role, own_branch, view, correct):
    user = (org.users if own_branch else org.other_users)[role]
    client = _client(user)
    answer = Answer.objects.get(text=COMMENTS[4])
    assert client.get(reverse("surveys:text_answers", args=[wave.pk])).status_code == view
    response = client.post(
        reverse("surveys:text_label_correct", args=[wave.pk, answer.pk]),
        {"sentiment": "positive", "dimensions": ["tangibles"]},
    )
    assert response.status_code == correct
    assert TextLabelCorrection.objects.exists() == (correct == 200)


def test_anonymous_users_are_sent_to_log_in(wave):
    response = Client().get(reverse("surveys:text_answers", args=[wave.pk]))
    assert response.status_code == 302


def test_a_correction_is_stored_with_who_and_when_and_wins_over_the_model(wave, org):
    quality = org.users["quality_manager"]
    text_services.label_wave_answers(wave)
    answer = Answer.objects.get(text=COMMENTS[4])
    before = _label(wave, COMMENTS[4])
    # when the quality manager says the suggestion is negative and about empathy and tangibles
    response = _client(quality).post(
        reverse("surveys:text_label_correct", args=[wave.pk, answer.pk]),
        {"sentiment": "negative", "dimensions": ["empathy", "tangibles"]},
    )
    # then the row shows the correction, the correction row keeps before and after, and the
    # audit log has the event
    assert response.status_code == 200
    assert 'data-testid="comment-corrected"' in response.content.decode()
    correction = TextLabelCorrection.objects.get(answer=answer)
    assert correction.corrected_by == quality
    assert correction.sentiment == "negative"
    assert correction.dimensions == ["empathy", "tangibles"]
    assert correction.previous_sentiment == before.sentiment
    assert correction.previous_dimensions == before.dimensions
    label = _label(wave, COMMENTS[4])
    assert (label.sentiment, label.is_corrected) == ("negative", True)
    assert label.dimensions == ["empathy", "tangibles"]
    assert AuditEvent.objects.filter(action="survey_text_label_corrected").count() == 1
    # and relabelling after a new model leaves the corrected label alone
    AnswerTextLabel.objects.filter(wave=wave).update(model_version="older")
    text_services.relabel_wave(wave)
    assert _label(wave, COMMENTS[4]).sentiment == "negative"
    assert _label(wave, COMMENTS[1]).model_version == text_services.model_version()


def test_a_bad_correction_is_refused_and_nothing_is_written(wave, org):
    answer = Answer.objects.get(text=COMMENTS[4])
    response = _client(org.users["quality_manager"]).post(
        reverse("surveys:text_label_correct", args=[wave.pk, answer.pk]),
        {"sentiment": "furious", "dimensions": ["beauty"]},
    )
    assert response.status_code == 422
    assert not TextLabelCorrection.objects.exists()
    assert AuditEvent.objects.filter(action="survey_text_label_corrected").count() == 0


def test_the_response_export_carries_the_labels_through_the_formula_guard(wave, org):
    text_services.label_wave_answers(wave)
    client = _client(org.users["analyst"])
    response = client.get(
        reverse("surveys:export", args=[wave.pk]), {"what": "responses", "format": "csv"}
    )
    frame = pd.read_csv(io.BytesIO(response.content), encoding="utf-8-sig")
    assert {
        "comment",
        "comment_sentiment",
        "comment_positive_probability",
        "comment_dimensions",
    } <= set(frame.columns)
    by_text = frame.set_index("comment")
    assert by_text.loc[COMMENTS[0], "comment_sentiment"] == "negative"
    assert "responsiveness" in by_text.loc[COMMENTS[0], "comment_dimensions"].split(";")
    assert "'" + COMMENTS[5] in by_text.index  # the formula is neutralised
    assert COMMENTS[5] not in by_text.index
