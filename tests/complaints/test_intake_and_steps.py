"""Intake, the six steps as a transition table, SLA in business time, incidents, returns.

SLA deadlines are hand-counted on the 2026 Spring Festival calendar (State Council notice: off
15–23 February, Saturdays 14 and 28 February worked), business hours 09:00–18:00.
"""

from __future__ import annotations

import datetime

import pytest
from tests.complaints.conftest import FRIDAY_17, SHANGHAI
from tests.conftest import make_customer

from qiwang.complaints.choices import MoveKind, Outcome, Status, Step
from qiwang.complaints.models import Complaint, Move, Notification
from qiwang.complaints.services import handling, sla
from qiwang.complaints.services.intake import (
    DuplicateSubmission,
    answer_incident,
    open_complaint_for_survey,
    open_incident,
)
from qiwang.errors import ServiceError


def test_a_complaint_gets_emotion_priority_and_deadlines_in_business_time(make_complaint):
    complaint = make_complaint()

    assert complaint.step == Step.LISTEN and complaint.status == Status.OPEN
    assert complaint.dimension == "responsiveness"
    # general tier, medium: first response 4 h, resolution 27 h (business hours)
    # 4 h: Fri 17–18 (1) + Sat 14 Feb 09–12 (3)
    assert complaint.first_response_due == datetime.datetime(2026, 2, 14, 12, tzinfo=SHANGHAI)
    # 27 h: Fri 1 + Sat 9 + Tue 24 Feb 9 + Wed 25 Feb 8 → 17:00
    assert complaint.resolution_due == datetime.datetime(2026, 2, 25, 17, tzinfo=SHANGHAI)
    assert Move.objects.get(complaint=complaint).code == "opened.phone"


def test_an_angry_customer_raises_the_priority(make_complaint):
    calm = make_complaint(description="请问楼道灯什么时候修")
    angry = make_complaint(description="第三次打电话了还没人管，再不解决我就打12345投诉！！")

    assert (calm.emotion, angry.emotion) == ("calm", "angry")
    assert angry.priority > calm.priority


def test_a_round_the_clock_category_counts_holidays(make_complaint, setup):
    outage = make_complaint(category=setup["heating_outage"], severity="critical")

    # 24/7: 1 h and 8 h of wall-clock time
    assert outage.first_response_due == FRIDAY_17 + datetime.timedelta(hours=1)
    assert outage.resolution_due == FRIDAY_17 + datetime.timedelta(hours=8)


def test_a_year_the_calendar_does_not_know_leaves_the_deadline_empty(make_complaint):
    complaint = make_complaint(received_at=datetime.datetime(2026, 12, 31, 17, tzinfo=SHANGHAI))

    assert complaint.resolution_due is None
    assert complaint.sla_problem == "calendar_unknown:2027"


@pytest.mark.parametrize(
    ("description", "field"), [("   ", "description"), ("投" * 2001, "description")]
)
def test_an_empty_or_oversized_complaint_is_refused_and_nothing_is_written(
    make_complaint, description, field
):
    with pytest.raises(ServiceError) as caught:
        make_complaint(description=description)

    assert field in caught.value.errors
    assert not Complaint.objects.exists() and not Move.objects.exists()


def test_a_duplicate_submission_names_the_stored_complaint(make_complaint):
    first = make_complaint(submission_key="public:abc")

    with pytest.raises(DuplicateSubmission) as caught:
        make_complaint(submission_key="public:abc")

    assert caught.value.complaint == first
    assert Complaint.objects.count() == 1


def test_the_six_steps_in_order_each_a_row(make_complaint, org):
    complaint = make_complaint()
    agent = org.users["agent"]

    for step in (Step.APOLOGISE, Step.GATHER, Step.PROPOSE, Step.FOLLOW_UP, Step.CLOSED):
        handling.move_complaint(complaint, to_step=step, actor=agent, note=f"did {step}")

    complaint.refresh_from_db()
    assert complaint.status == Status.CLOSED and complaint.closed_at is not None
    rows = list(complaint.moves.values_list("kind", "from_step", "to_step", "actor__username"))
    assert rows[0][0] == MoveKind.OPENED
    assert [(r[1], r[2]) for r in rows[1:]] == [
        ("listen", "apologise"),
        ("apologise", "gather"),
        ("gather", "propose"),
        ("propose", "follow_up"),
        ("follow_up", "closed"),
    ]
    assert {r[3] for r in rows[1:]} == {"agent_a"}
    assert complaint.first_response_at is not None


def test_a_move_the_table_does_not_allow_is_refused_and_not_recorded(make_complaint, org):
    complaint = make_complaint()
    count = Move.objects.count()

    with pytest.raises(handling.IllegalMove, match="cannot follow"):
        handling.move_complaint(complaint, to_step=Step.PROPOSE, actor=org.users["agent"])

    assert Move.objects.count() == count
    complaint.refresh_from_db()
    assert complaint.step == Step.LISTEN


def test_a_step_is_skipped_only_to_the_next_step_with_a_reason(make_complaint, org):
    complaint = make_complaint()
    agent = org.users["agent"]

    handling.move_complaint(
        complaint, to_step=Step.APOLOGISE, actor=agent, skip_reason="客户通过API提交，无需倾听"
    )

    move = complaint.moves.last()
    assert (move.kind, move.reason) == (MoveKind.SKIPPED, "客户通过API提交，无需倾听")
    assert complaint.first_response_at is None  # a skip is not a response


def test_a_failed_follow_up_goes_back_to_a_better_solution(make_complaint, org):
    complaint = make_complaint()
    agent = org.users["agent"]
    for step in (Step.APOLOGISE, Step.GATHER, Step.PROPOSE, Step.FOLLOW_UP):
        handling.move_complaint(complaint, to_step=step, actor=agent)

    handling.move_complaint(complaint, to_step=Step.PROPOSE, actor=agent, note="灯又坏了")

    complaint.refresh_from_db()
    assert complaint.moves.last().kind == MoveKind.BACK
    assert (complaint.status, complaint.resolved_at) == (Status.OPEN, None)


@pytest.mark.parametrize("role", ["analyst", "account_manager"])
def test_roles_without_change_complaints_cannot_move(make_complaint, org, role):
    from django.core.exceptions import PermissionDenied

    complaint = make_complaint()
    with pytest.raises(PermissionDenied):
        handling.move_complaint(complaint, to_step=Step.APOLOGISE, actor=org.users[role])


def test_an_agent_of_another_branch_cannot_move(make_complaint, org):
    from django.core.exceptions import PermissionDenied

    complaint = make_complaint()
    with pytest.raises(PermissionDenied):
        handling.move_complaint(complaint, to_step=Step.APOLOGISE, actor=org.other_users["agent"])


def test_pause_survives_a_change_of_severity(make_complaint, org):
    complaint = make_complaint()
    agent = org.users["agent"]
    Complaint.objects.filter(pk=complaint.pk).update(
        paused_since=datetime.datetime(2026, 2, 24, 9, tzinfo=SHANGHAI), status="waiting"
    )
    complaint.refresh_from_db()
    # resume at Tue 24 Feb 12:00: 3 business hours of pause
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            "django.utils.timezone.now",
            lambda: datetime.datetime(2026, 2, 24, 12, tzinfo=SHANGHAI),
        )
        handling.resume(complaint, actor=agent)
    complaint.refresh_from_db()
    assert complaint.paused_seconds == 3 * 3600
    # 27 h + 3 h = 30 h: Fri 1 + Sat 9 + Tue 9 + Wed 9 + Thu 26 Feb 2 → 11:00
    assert complaint.resolution_due == datetime.datetime(2026, 2, 26, 11, tzinfo=SHANGHAI)

    handling.change_severity(complaint, actor=agent, severity="high")

    complaint.refresh_from_db()
    assert complaint.paused_seconds == 3 * 3600
    # high: 16 h + 3 h = 19 h: Fri 1 + Sat 9 + Tue 9 → Tue 24 Feb 18:00
    assert complaint.resolution_due == datetime.datetime(2026, 2, 24, 18, tzinfo=SHANGHAI)
    kinds = list(complaint.moves.values_list("kind", flat=True))
    assert MoveKind.RESUMED in kinds


def test_the_breach_scan_is_set_based_and_records_each_breach_once(make_complaint, org):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    org.users["quality_manager"].branches.add(org.own)
    for _ in range(2):
        make_complaint()
    with CaptureQueriesContext(connection) as few:
        counts = sla.scan_breaches(now=datetime.datetime(2026, 3, 2, 9, tzinfo=SHANGHAI))
    for _ in range(12):
        make_complaint(received_at=FRIDAY_17 + datetime.timedelta(days=20))
    with CaptureQueriesContext(connection) as many:
        later = sla.scan_breaches(now=datetime.datetime(2026, 4, 1, 9, tzinfo=SHANGHAI))

    assert counts["first_response_breaches"] == 2 and counts["resolution_breaches"] == 2
    assert later["resolution_breaches"] == 12  # the first two are not recorded again
    assert len(many) == len(few)
    assert Move.objects.filter(kind=MoveKind.BREACH).count() == 28
    assert Notification.objects.filter(code="sla.breach").count() == 14


def test_a_bad_survey_answer_opens_one_complaint(org, setup):
    customer = make_customer(org.own, "A9001")

    class Response:
        pk = 4242

    open_complaint_for_survey(Response(), customer, "“维修及时性”: 1 of 5")
    open_complaint_for_survey(Response(), customer, "“维修及时性”: 1 of 5")

    complaint = Complaint.objects.get()
    assert (complaint.channel, complaint.customer) == ("survey", customer)


def test_a_second_complaint_of_the_same_customer_is_a_second_failure(make_complaint, org):
    customer = make_customer(org.own, "A9002")
    make_complaint(customer=customer)

    second = make_complaint(customer=customer, received_at=FRIDAY_17 + datetime.timedelta(days=20))

    assert second.is_second_failure
    assert second.moves.filter(code="second_failure").exists()


def test_reports_join_an_open_incident_and_every_reporter_is_answered(make_complaint, org, setup):
    incident = open_incident(
        branch=org.own,
        category=setup["heating_outage"],
        title="3号楼停暖",
        actor=org.users["agent"],
        started_at=FRIDAY_17 - datetime.timedelta(hours=1),
    )
    reports = [
        make_complaint(category=setup["heating_outage"], reporter_phone=f"1380000000{i}")
        for i in range(3)
    ]
    make_complaint(category=setup["heating_outage"], reporter_phone="13800000000")

    assert {report.incident for report in reports} == {incident}
    answered = answer_incident(
        incident=incident, actor=org.users["agent"], text="管道已修复，今晚8点前恢复供暖。"
    )

    assert answered == 4
    assert Notification.objects.filter(code="incident.answer").count() == 3  # distinct phones
    assert not Complaint.objects.filter(incident=incident, first_response_at__isnull=True).exists()


def test_a_return_asks_for_the_real_reason_and_records_the_outcome(make_complaint, org):
    complaint = make_complaint(workflow="return", description="我要退掉明年的保洁服务")
    agent = org.users["agent"]
    handling.move_complaint(complaint, to_step=Step.TRY_REVERSE, actor=agent)
    handling.move_complaint(complaint, to_step=Step.ACCEPT, actor=agent)
    handling.move_complaint(complaint, to_step=Step.REAL_REASON, actor=agent)

    with pytest.raises(ServiceError, match="real reason"):
        handling.move_complaint(complaint, to_step=Step.OTHER_WAY, actor=agent)
    handling.move_complaint(complaint, to_step=Step.OTHER_WAY, actor=agent, return_reason="price")
    handling.move_complaint(complaint, to_step=Step.NEXT_DEAL, actor=agent)
    handling.move_complaint(complaint, to_step=Step.CLOSED, actor=agent)

    complaint.refresh_from_db()
    assert (complaint.return_reason, complaint.outcome) == ("price", Outcome.LOST)


def test_a_reply_stores_its_coaching_flags(make_complaint, org):
    complaint = make_complaint()

    move = handling.record_reply(
        complaint, actor=org.users["agent"], text="你别激动，但是师傅下班了"
    )

    assert move.params["flags"] == ["forbidden.calm_down", "adversative.but"]
    complaint.refresh_from_db()
    assert complaint.first_response_at is not None


def test_organisation_rules_extend_the_coaching(org, setup):
    from qiwang.complaints.coaching import check_text
    from qiwang.complaints.models import CoachingRule

    CoachingRule.objects.create(
        code="not_ours", phrase="你找开发商去", suggestion_zh="我来帮您联系开发商", why_zh="推诿"
    )

    assert [flag.rule for flag in check_text("这事您去找开发商去吧").flags] == []
    assert [flag.rule for flag in check_text("您还是找开发商去").flags] == ["org.not_ours"]


def test_a_failing_sms_channel_keeps_the_complaint_and_retries(
    make_complaint, org, settings, setup
):
    from qiwang.complaints.services.notify import deliver_pending

    settings.QIWANG_SMS_BACKEND = "tests.complaints.failing_sms.FailingBackend"
    incident = open_incident(
        branch=org.own,
        category=setup["heating_outage"],
        title="停暖",
        actor=None,
        started_at=FRIDAY_17,
    )
    make_complaint(category=setup["heating_outage"], reporter_phone="13800000009")
    answer_incident(incident=incident, actor=org.users["agent"], text="今晚恢复")
    now = datetime.datetime(2026, 2, 13, 18, tzinfo=SHANGHAI)

    assert deliver_pending(now=now) == {"sent": 0, "failed": 1}
    row = Notification.objects.get(code="incident.answer")
    assert row.attempts == 1 and row.next_attempt_at > now and "down" in row.last_error
    assert deliver_pending(now=now) == {"sent": 0, "failed": 0}  # not yet due again
    settings.QIWANG_SMS_BACKEND = "qiwang.customers.messaging.FileSmsBackend"
    assert deliver_pending(now=row.next_attempt_at) == {"sent": 1, "failed": 0}
    assert Complaint.objects.count() == 1


def test_outcomes_are_decided_after_the_window(make_complaint, org):
    from qiwang.complaints.services.outcomes import evaluate_outcomes

    stayed = make_customer(org.own, "A9101")
    left = make_customer(org.own, "A9102", lifecycle="lost")
    closed_at = FRIDAY_17 + datetime.timedelta(days=1)
    for customer in (stayed, left):
        complaint = make_complaint(customer=customer)
        Complaint.objects.filter(pk=complaint.pk).update(status="closed", closed_at=closed_at)
    type(stayed).objects.filter(pk=stayed.pk).update(
        last_activity_at=closed_at + datetime.timedelta(days=30)
    )

    early = evaluate_outcomes(now=closed_at + datetime.timedelta(days=60))
    late = evaluate_outcomes(now=closed_at + datetime.timedelta(days=91))

    assert early == {"recovered": 0, "lost": 0}
    assert late == {"recovered": 1, "lost": 1}
    assert set(Complaint.objects.values_list("customer__code", "outcome")) == {
        ("A9101", "recovered"),
        ("A9102", "lost"),
    }


def test_the_periodic_jobs_are_registered(db):
    from qiwang.operations.scheduler import JOBS

    assert {
        "complaints.sla_scan",
        "complaints.notifications",
        "complaints.outcomes",
        "complaints.tallies",
    } <= set(JOBS)
