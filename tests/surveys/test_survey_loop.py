"""Closing the loop: a bad answer gives the customer's account manager a follow-up, once."""

from __future__ import annotations

import pytest
from django.core import mail
from tests.surveys.conftest import deliver_queued, make_instrument, make_wave
from tests.surveys.test_survey_services import _token_from

from qiwang.customers.models import ContactTask
from qiwang.surveys import loop
from qiwang.surveys.responding import invitation_for_token, save_answers, start_response
from qiwang.surveys.services import send_wave

pytestmark = pytest.mark.django_db


def _answers(overall: int, recommend: int) -> dict:
    return {
        "overall": {"value": str(overall)},
        "repair-speed": {"value": "4"},
        "repair-quality": {"value": "4"},
        "cleanliness": {"value": "4"},
        "recommend": {"value": str(recommend)},
        "effort": {"value": "5"},
    }


def _submit(wave, message, raw):
    invitation = invitation_for_token(_token_from(message))
    response = start_response(wave=wave, invitation=invitation, submission_key=f"i{invitation.pk}")
    questions = list(wave.version.questions.order_by("position"))
    save_answers(response=response, questions=questions, raw=raw, submit=True)
    return invitation


@pytest.fixture
def pulse(org, quality, community_customers):
    def make(**rule):
        mail.outbox.clear()
        wave = make_wave(
            quality,
            make_instrument(quality, org.own, "csat_pulse"),
            org.own,
            contact_gap_days=0,
            **rule,
        )
        send_wave(actor=quality, wave=wave, base_url="http://testserver")
        deliver_queued()
        return wave

    return make


def test_low_rating_creates_one_follow_up_for_the_account_manager(org, pulse, community_customers):
    for customer in community_customers["own"]:
        customer.account_manager = org.users["account_manager"]
        customer.save()
    wave = pulse(follow_up_rule="low_rating", follow_up_threshold=2)

    unhappy = _submit(wave, mail.outbox[0], _answers(overall=2, recommend=9))
    _submit(wave, mail.outbox[1], _answers(overall=3, recommend=2))
    again = start_response(wave=wave, invitation=unhappy, submission_key=f"i{unhappy.pk}")
    save_answers(
        response=again,
        questions=list(wave.version.questions.all()),
        raw=_answers(overall=1, recommend=0),
        submit=True,
    )

    task = ContactTask.objects.get()
    assert task.customer_id == unhappy.customer_id
    assert task.assignee == org.users["account_manager"]
    assert task.key == f"survey-response:{unhappy.response.pk}"
    assert "：2 / 5" in task.note and "总体而言" in task.note


def test_nps_detractor_rule(pulse):
    wave = pulse(follow_up_rule="nps_detractor")

    _submit(wave, mail.outbox[0], _answers(overall=1, recommend=7))
    detractor = _submit(wave, mail.outbox[1], _answers(overall=5, recommend=6))

    task = ContactTask.objects.get()
    assert task.customer_id == detractor.customer_id
    assert "6 / 10（贬损者）" in task.note


def test_no_rule_no_follow_up(pulse):
    wave = pulse()

    _submit(wave, mail.outbox[0], _answers(overall=1, recommend=0))

    assert not ContactTask.objects.exists()


def test_other_modules_hook_in(pulse, monkeypatch):
    seen = []
    monkeypatch.setattr(
        loop,
        "FOLLOW_UP_HOOKS",
        [*loop.FOLLOW_UP_HOOKS, lambda r, c, why: seen.append((r.pk, c.pk))],
    )
    wave = pulse(follow_up_rule="nps_detractor")

    invitation = _submit(wave, mail.outbox[0], _answers(overall=4, recommend=3))

    assert seen == [(invitation.response.pk, invitation.customer_id)]
    assert ContactTask.objects.count() == 1
