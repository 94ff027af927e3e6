"""Survey services: templates and versions, sampling, sending, answering (idempotent, all-or-nothing)."""

from __future__ import annotations

import datetime
import json
import re

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from tests.surveys.conftest import deliver_queued, make_instrument, make_wave

from qiwang.errors import ConflictError, ServiceError
from qiwang.surveys.choices import InvitationStatus, QuestionKind, ResponseStatus, WaveStatus
from qiwang.surveys.models import Answer, Invitation, Response
from qiwang.surveys.responding import (
    TokenNotFound,
    WaveClosed,
    invitation_for_token,
    opt_out,
    save_answers,
    start_response,
)
from qiwang.surveys.services import (
    draw_sample,
    revise_instrument,
    send_reminders,
    send_wave,
    token_digest,
)

pytestmark = pytest.mark.django_db


def _token_from(message) -> str:
    return re.search(r"/s/([A-Za-z0-9_\-]+)/", message.body).group(1)


def test_servqual_template_has_the_22_items_in_5_dimensions(org, quality):
    instrument = make_instrument(quality, org.own, "servqual")

    questions = list(instrument.latest_version().questions.all())

    assert len(questions) == 22
    assert {q.kind for q in questions} == {QuestionKind.SERVQUAL}
    assert sorted({q.dimension for q in questions}) == [
        "assurance",
        "empathy",
        "reliability",
        "responsiveness",
        "tangibles",
    ]
    assert questions[0].attribute == "tan1" and questions[0].text_zh == "物业设备设施现代、完好"


def test_revising_makes_a_new_version_and_the_sent_wave_keeps_its_own(
    org, quality, community_customers
):
    instrument = make_instrument(quality, org.own)
    wave = make_wave(quality, instrument, org.own)
    send_wave(actor=quality, wave=wave, base_url="http://testserver")
    deliver_queued()

    version = revise_instrument(
        actor=quality, instrument=instrument, texts={1: ("新措辞", "New wording")}
    )

    wave.refresh_from_db()
    assert version.number == 2
    assert wave.version.number == 1
    assert wave.version.questions.get(position=1).text_zh == "关于「24 小时报修热线」"
    assert version.questions.get(position=1).text_zh == "新措辞"


def test_only_a_quality_manager_of_the_branch_creates_instruments(org):
    with pytest.raises(ServiceError):
        make_instrument(org.users["analyst"], org.own)
    with pytest.raises(ServiceError):
        make_instrument(org.other_users["quality_manager"], org.own)


def test_sample_by_tier_is_limited_to_the_branch(org, quality, community_customers):
    wave = make_wave(quality, make_instrument(quality, org.own), org.own, sample_tiers=["vip"])

    sample = draw_sample(wave)

    assert sample.customer_ids == tuple(c.pk for c in community_customers["own"][:3])


def test_random_sample_is_reproducible_for_its_seed(org, quality, community_customers):
    instrument = make_instrument(quality, org.own)
    first = make_wave(quality, instrument, org.own, sample_size=5, sample_seed=42)
    second = make_wave(quality, instrument, org.own, sample_size=5, sample_seed=42)
    third = make_wave(quality, instrument, org.own, sample_size=5, sample_seed=43)

    assert draw_sample(first).customer_ids == draw_sample(second).customer_ids
    assert len(draw_sample(first).customer_ids) == 5
    assert draw_sample(first).customer_ids != draw_sample(third).customer_ids


def test_contact_frequency_and_opt_out_are_honoured(org, quality, community_customers):
    instrument = make_instrument(quality, org.own)
    first = make_wave(quality, instrument, org.own, sample_size=4, sample_seed=1)
    send_wave(actor=quality, wave=first, base_url="http://testserver")
    deliver_queued()
    surveyed = set(Invitation.objects.filter(wave=first).values_list("customer_id", flat=True))
    opt_out(Invitation.objects.filter(wave=first).first())

    soon = make_wave(quality, instrument, org.own, contact_gap_days=30)
    sample = draw_sample(soon)
    later = draw_sample(soon, now=timezone.now() + datetime.timedelta(days=31))

    assert not surveyed & set(sample.customer_ids)
    assert len(sample.customer_ids) == 8
    assert sample.excluded_recent == 3 and sample.excluded_opted_out == 1
    assert len(later.customer_ids) == 11  # the one who opted out stays out


def test_sending_mails_one_link_per_customer_and_stores_only_a_digest(
    org, quality, community_customers
):
    wave = make_wave(quality, make_instrument(quality, org.own), org.own)

    result = send_wave(actor=quality, wave=wave, base_url="http://testserver")
    assert (result.invited, result.queued, len(mail.outbox)) == (12, 12, 0)
    assert set(Invitation.objects.values_list("status", flat=True)) == {InvitationStatus.QUEUED}
    ran = deliver_queued()

    wave.refresh_from_db()
    assert (ran["sent"], ran["failed"]) == (12, 0)
    assert wave.status == WaveStatus.OPEN
    assert len(mail.outbox) == 12
    token = _token_from(mail.outbox[0])
    assert len(token) >= 32
    invitation = Invitation.objects.get(token_hash=token_digest(token))
    assert invitation.status == InvitationStatus.SENT
    assert not Invitation.objects.filter(token_hash=token).exists()
    with pytest.raises(ConflictError):
        send_wave(actor=quality, wave=wave, base_url="http://testserver")
        deliver_queued()


def test_sms_invitations_go_through_the_customers_sms_backend(
    org, quality, community_customers, settings, tmp_path
):
    settings.QIWANG_SMS_BACKEND = "qiwang.customers.messaging.FileSmsBackend"
    settings.QIWANG_SMS_DIR = str(tmp_path)
    wave = make_wave(
        quality, make_instrument(quality, org.own), org.own, channel="sms", sample_size=2
    )

    result = send_wave(actor=quality, wave=wave, base_url="https://survey.example.cn")
    ran = deliver_queued()

    lines = [
        json.loads(line) for f in tmp_path.iterdir() for line in f.read_text("utf-8").splitlines()
    ]
    assert (result.queued, ran["sent"], len(lines)) == (2, 2, 2)
    assert lines[0]["to"] == "+8613812345678"
    assert "https://survey.example.cn/s/" in lines[0]["text"]


def test_a_failed_message_marks_only_that_invitation(org, quality, community_customers):
    community_customers["own"][0].__class__.objects.filter(
        pk=community_customers["own"][0].pk
    ).update(email="not-an-address")
    wave = make_wave(quality, make_instrument(quality, org.own), org.own)

    result = send_wave(actor=quality, wave=wave, base_url="http://testserver")
    ran = deliver_queued()

    assert (result.invited, ran["sent"], ran["failed"]) == (12, 11, 1)
    failed = Invitation.objects.get(wave=wave, status=InvitationStatus.FAILED)
    assert "not-an-address" in failed.send_error and failed.send_attempts == 1


@pytest.fixture
def sent(org, quality, community_customers):
    wave = make_wave(quality, make_instrument(quality, org.own, "csat_pulse"), org.own)
    send_wave(actor=quality, wave=wave, base_url="http://testserver")
    deliver_queued()
    invitation = invitation_for_token(_token_from(mail.outbox[0]))
    questions = list(wave.version.questions.order_by("position"))
    return wave, invitation, questions


def _full_answers(questions):
    raw = {}
    for q in questions:
        if q.kind == QuestionKind.NPS:
            raw[q.attribute] = {"value": "9"}
        elif q.kind == QuestionKind.CES:
            raw[q.attribute] = {"value": "6"}
        else:
            raw[q.attribute] = {"value": "4", "importance": "5"}
    return raw


def test_a_tampered_token_is_not_found(sent):
    with pytest.raises(TokenNotFound):
        invitation_for_token("not-a-real-token")


def test_submitting_twice_counts_once(sent):
    wave, invitation, questions = sent
    response = start_response(wave=wave, invitation=invitation, submission_key=f"i{invitation.pk}")

    first = save_answers(
        response=response, questions=questions, raw=_full_answers(questions), submit=True
    )
    again = start_response(wave=wave, invitation=invitation, submission_key=f"i{invitation.pk}")
    second = save_answers(
        response=again, questions=questions, raw=_full_answers(questions), submit=True
    )

    assert first.is_complete and not first.already_submitted
    assert second.already_submitted
    assert again.pk == response.pk
    assert Response.objects.filter(wave=wave).count() == 1
    assert Answer.objects.filter(response=response).count() == len(questions)
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.RESPONDED


def test_partial_answers_are_kept_and_submission_needs_the_rest(sent):
    wave, invitation, questions = sent
    response = start_response(wave=wave, invitation=invitation, submission_key=f"i{invitation.pk}")
    first_page, rest = questions[:2], questions[2:]

    save_answers(response=response, questions=first_page, raw=_full_answers(first_page))
    with pytest.raises(ServiceError) as error:
        save_answers(response=response, questions=[], raw={}, submit=True)

    assert Answer.objects.filter(response=response).count() == 2
    assert set(error.value.errors) == {q.attribute for q in rest}
    assert "请回答" in " ".join(error.value.errors[rest[0].attribute]) or "answer" in " ".join(
        error.value.errors[rest[0].attribute]
    )
    response.refresh_from_db()
    assert response.status == ResponseStatus.PARTIAL


def test_a_value_outside_the_scale_names_the_question_and_stores_nothing(sent):
    wave, invitation, questions = sent
    response = start_response(wave=wave, invitation=invitation, submission_key=f"i{invitation.pk}")
    raw = _full_answers(questions)
    raw["recommend"] = {"value": "11"}

    with pytest.raises(ServiceError) as error:
        save_answers(response=response, questions=questions, raw=raw, submit=True)

    assert list(error.value.errors) == ["recommend.value"]
    assert (
        "0" in error.value.errors["recommend.value"][0]
        and "10" in error.value.errors["recommend.value"][0]
    )
    assert not Answer.objects.filter(response=response).exists()


def test_oversized_free_text_is_refused_naming_the_question(org, quality, community_customers):
    wave = make_wave(quality, make_instrument(quality, org.own), org.own)
    send_wave(actor=quality, wave=wave, base_url="http://testserver")
    deliver_queued()
    invitation = invitation_for_token(_token_from(mail.outbox[0]))
    comment = wave.version.questions.get(attribute="kano-comment")
    response = start_response(wave=wave, invitation=invitation, submission_key="k1")

    with pytest.raises(ServiceError) as error:
        save_answers(
            response=response, questions=[comment], raw={"kano-comment": {"text": "长" * 1001}}
        )

    assert list(error.value.errors) == ["kano-comment.text"]
    assert "1000" in error.value.errors["kano-comment.text"][0]


def test_a_closed_wave_takes_no_answers(sent, quality):
    from qiwang.surveys.services import close_wave

    wave, invitation, questions = sent
    response = start_response(wave=wave, invitation=invitation, submission_key=f"i{invitation.pk}")
    close_wave(actor=quality, wave=wave)
    response.refresh_from_db()

    with pytest.raises(WaveClosed):
        save_answers(
            response=response, questions=questions, raw=_full_answers(questions), submit=True
        )
    assert not Answer.objects.exists()


def test_reminders_reach_only_those_who_have_not_finished_and_keep_their_answers(sent, quality):
    wave, invitation, questions = sent
    response = start_response(wave=wave, invitation=invitation, submission_key=f"i{invitation.pk}")
    save_answers(response=response, questions=questions[:2], raw=_full_answers(questions[:2]))
    finished = invitation_for_token(_token_from(mail.outbox[1]))
    done = start_response(wave=wave, invitation=finished, submission_key=f"i{finished.pk}")
    save_answers(response=done, questions=questions, raw=_full_answers(questions), submit=True)
    opt_out(invitation_for_token(_token_from(mail.outbox[2])))
    old_token = _token_from(mail.outbox[0])
    mail.outbox.clear()

    result = send_reminders(actor=quality, wave=wave, base_url="http://testserver")
    assert (result.invited, result.queued, len(mail.outbox)) == (10, 10, 0)
    ran = deliver_queued()

    assert ran["sent"] == 10
    assert len(mail.outbox) == 10
    # The first link keeps working after the reminder (customers tap the first SMS; ADR 0172),
    # on the answer page and on the one-query path of the submission too.
    assert invitation_for_token(old_token).pk == invitation.pk
    from qiwang.surveys.submission import resolve_token

    assert resolve_token(old_token).invitation.pk == invitation.pk
    assert Client().get(f"/s/{old_token}/").status_code == 200
    with pytest.raises(TokenNotFound):
        invitation_for_token(old_token + "x")
    reminded = [invitation_for_token(_token_from(m)) for m in mail.outbox]
    assert invitation.pk in {i.pk for i in reminded}
    assert finished.pk not in {i.pk for i in reminded}
    again = start_response(wave=wave, invitation=invitation, submission_key=f"i{invitation.pk}")
    assert again.pk == response.pk and Answer.objects.filter(response=again).count() == 2
    assert Invitation.objects.get(pk=invitation.pk).reminder_count == 1
