"""Closing a survey wave pushes its Kano classes, gaps and customers' perceptions into the
catalogue (surveys call the catalogue; the catalogue never imports surveys)."""

from __future__ import annotations

import pytest
from tests.conftest import make_customer
from tests.surveys.conftest import deliver_queued, make_instrument, make_wave

from qiwang.catalogue.models import ExpectationState, Observation, ServiceMeasurement
from qiwang.surveys.choices import QuestionKind
from qiwang.surveys.models import Invitation
from qiwang.surveys.responding import save_answers, start_response
from qiwang.surveys.services import close_wave, send_wave


def _answer_all(wave, raw_for):
    questions = list(wave.version.questions.order_by("position"))
    for invitation in Invitation.objects.filter(wave=wave):
        response = start_response(
            wave=wave, invitation=invitation, submission_key=f"i{invitation.pk}"
        )
        save_answers(
            response=response,
            questions=questions,
            raw={q.attribute: raw_for(q) for q in questions},
            submit=True,
        )


@pytest.mark.django_db(transaction=False)
def test_a_closed_kano_wave_classes_the_hotline_must_be(org, catalogue):
    repair = catalogue["repair"]
    repair.survey_attributes = ["repair-hotline"]
    repair.save()
    for i in range(5):
        make_customer(org.own, f"K{i:03}", email=f"k{i}@example.cn")
    manager = org.users["quality_manager"]
    wave = make_wave(manager, make_instrument(manager, org.own, "kano_property"), org.own)
    send_wave(actor=manager, wave=wave, base_url="http://testserver")
    deliver_queued()

    def raw(question):
        if question.kind == QuestionKind.KANO:
            # neutral if present, dislike if absent: must-be (Berger et al. 1993, table 1)
            return {"value": "3", "second": "5", "importance": "5"}
        return {"text": ""}

    _answer_all(wave, raw)
    close_wave(actor=manager, wave=wave)
    measurement = ServiceMeasurement.objects.get(service=repair)
    assert (measurement.kano_class, measurement.wave_name) == ("M", wave.name)
    assert measurement.respondents == Invitation.objects.filter(wave=wave).count()


def test_servqual_answers_become_each_customers_perceptions(org, catalogue):
    repair = catalogue["repair"]
    repair.survey_attributes = ["rel1"]
    repair.save()
    for i in range(3):
        make_customer(org.own, f"S{i:03}", email=f"s{i}@example.cn")
    manager = org.users["quality_manager"]
    wave = make_wave(manager, make_instrument(manager, org.own, "servqual"), org.own)
    send_wave(actor=manager, wave=wave, base_url="http://testserver")
    deliver_queued()

    def raw(question):
        if question.kind == QuestionKind.SERVQUAL:
            return {"value": "6", "second": "4"}
        if question.kind == QuestionKind.ALLOCATION:
            return {"value": "20"}
        return {"value": "4", "text": ""}

    _answer_all(wave, raw)
    close_wave(actor=manager, wave=wave)
    measurement = ServiceMeasurement.objects.get(service=repair, attribute="rel1")
    assert (measurement.expectation, measurement.perception) == (6.0, 4.0)
    assert measurement.satisfaction == pytest.approx(-2.0)  # S = P − E
    invited = Invitation.objects.filter(wave=wave).count()
    assert Observation.objects.filter(service=repair, source="survey").count() == invited
    state = ExpectationState.objects.filter(service=repair).first()
    assert state is not None and state.observations == 1
