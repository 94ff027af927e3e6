"""Regression tests (recovery3): a resolved incident is not answered again; the customer's own
follow-up answer is never overwritten by staff; the pre-breach warning counts business time;
editing the working-day calendar recomputes the deadlines of open complaints."""

from __future__ import annotations

import datetime

from django.test import Client
from tests.complaints.conftest import FRIDAY_17, SHANGHAI

from qiwang.complaints.choices import MoveKind, Step
from qiwang.complaints.models import Complaint, Move, Notification
from qiwang.complaints.services import handling, sla
from qiwang.complaints.services.follow_up import follow_up_link
from qiwang.complaints.services.intake import answer_incident, open_incident
from qiwang.errors import ConflictError


def _at(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SHANGHAI)


# --- 1. a resolved incident keeps no answer form and refuses a second answer ----------------


def _incident_with_reports(org, setup, make_complaint, count=2):
    incident = open_incident(
        branch=org.own,
        category=setup["heating_outage"],
        title="3号楼停暖",
        actor=org.users["agent"],
        started_at=FRIDAY_17 - datetime.timedelta(hours=1),
    )
    for i in range(count):
        make_complaint(category=setup["heating_outage"], reporter_phone=f"1390000001{i}")
    return incident


def test_a_resolved_incident_is_not_answered_again(org, setup, make_complaint):
    incident = _incident_with_reports(org, setup, make_complaint)
    assert answer_incident(incident=incident, actor=org.users["agent"], text="已恢复供暖") == 2
    sent = Notification.objects.filter(code="incident.answer").count()
    replies = Move.objects.filter(code="incident.answer").count()
    assert sent == 2 and replies == 2

    try:
        answer_incident(incident=incident, actor=org.users["agent"], text="再次通知")
    except ConflictError as error:
        assert error.status_code == 409 and "already resolved" in error.text
    else:
        raise AssertionError("a second answer to a resolved incident was accepted")
    # a stale copy of the incident (another tab) is refused too: the row is re-read locked
    stale = type(incident).objects.get(pk=incident.pk)
    stale.resolved_at = None
    try:
        answer_incident(incident=stale, actor=org.users["agent"], text="再次通知")
    except ConflictError:
        pass
    else:
        raise AssertionError("a stale copy sent the answer again")

    assert Notification.objects.filter(code="incident.answer").count() == sent
    assert Move.objects.filter(code="incident.answer").count() == replies
    incident.refresh_from_db()
    assert incident.answer == "已恢复供暖"


def test_the_incident_page_drops_its_answer_form_once_resolved(org, setup, make_complaint):
    incident = _incident_with_reports(org, setup, make_complaint)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(org.users["agent"])
    path = f"/complaints/incidents/{incident.pk}/"
    before = client.get(path).content.decode()
    assert 'name="answer"' in before

    done = client.post(path, {"action": "answer", "answer": "已恢复供暖"})
    assert done.status_code == 302
    page = client.get(path).content.decode()
    assert 'name="answer"' not in page and 'data-testid="answer-closed"' in page

    # a second post (an old tab, a double click) is refused with 409 and sends nothing
    sent = Notification.objects.filter(code="incident.answer").count()
    again = client.post(path, {"action": "answer", "answer": "已恢复供暖"})
    assert again.status_code == 409
    assert "already resolved" in again.content.decode()
    assert Notification.objects.filter(code="incident.answer").count() == sent


# --- 2. the customer's follow-up answer wins -------------------------------------------------


def _close(complaint, agent):
    for step in (Step.APOLOGISE, Step.GATHER, Step.PROPOSE, Step.FOLLOW_UP, Step.CLOSED):
        handling.move_complaint(complaint, to_step=step, actor=agent)


def test_staff_cannot_overwrite_the_customers_follow_up_answer(make_complaint, org):
    complaint = make_complaint(reporter_phone="13800002222")
    _close(complaint, org.users["agent"])
    assert Client().post(follow_up_link(complaint), {"score": "2"}).status_code in (200, 302)

    staff = Client(HTTP_ACCEPT_LANGUAGE="en")
    staff.force_login(org.users["agent"])
    page = staff.get(f"/complaints/{complaint.pk}/").content.decode()
    assert 'data-testid="score-form"' not in page and "the customer" in page
    response = staff.post(f"/complaints/{complaint.pk}/score/", {"score": "5"}, follow=True)
    assert "The customer has already answered the follow-up (2 of 5)" in response.content.decode()

    complaint.refresh_from_db()
    assert (complaint.follow_up_score, complaint.follow_up_by) == (2, "customer")
    rows = Move.objects.filter(complaint=complaint, code="follow_up_score")
    assert [(m.params["score"], m.params["by"]) for m in rows] == [(2, "customer")]


def test_staff_enter_an_answer_by_phone_once_and_the_customer_still_wins(make_complaint, org):
    complaint = make_complaint(reporter_phone="13800003333")
    _close(complaint, org.users["agent"])
    handling.record_follow_up_score(complaint, actor=org.users["agent"], score=4)
    complaint.refresh_from_db()
    assert (complaint.follow_up_score, complaint.follow_up_by) == (4, "staff")

    try:
        handling.record_follow_up_score(complaint, actor=org.users["quality_manager"], score=5)
    except ConflictError as error:
        assert "not overwritten" in error.text
    else:
        raise AssertionError("a second staff entry overwrote the first")

    # the customer's own answer from the link replaces the entry made on their behalf
    Client().post(follow_up_link(complaint), {"score": "1"})
    complaint.refresh_from_db()
    assert (complaint.follow_up_score, complaint.follow_up_by) == (1, "customer")
    rows = Move.objects.filter(complaint=complaint, code="follow_up_score").order_by("pk")
    assert [(m.params["score"], m.params["by"], m.actor_id) for m in rows] == [
        (4, "staff", org.users["agent"].pk),
        (1, "customer", None),
    ]
    # ... and nobody replaces the customer's answer afterwards
    Client().post(follow_up_link(complaint), {"score": "5"})
    complaint.refresh_from_db()
    assert complaint.follow_up_score == 1


# --- 3. the pre-breach warning in business time ----------------------------------------------


def _due_at(complaint, moment):
    Complaint.objects.filter(pk=complaint.pk).update(resolution_due=moment)


def _warned(complaint):
    return Move.objects.filter(complaint=complaint, kind=MoveKind.WARNING).exists()


def test_the_warning_counts_business_hours_across_a_weekend(make_complaint):
    # Due Monday 9 March 2026 10:00 (a plain week, no holiday; hours 09:00-18:00). Four business
    # hours before it, counted by hand: Monday 09:00-10:00 is one, Friday 6 March 15:00-18:00
    # the other three; Saturday and Sunday count nothing. Wall-clock would say Monday 06:00.
    complaint = make_complaint(received_at=_at(2026, 3, 5, 10))
    _due_at(complaint, _at(2026, 3, 9, 10))

    assert sla.scan_breaches(now=_at(2026, 3, 6, 14, 59))["warnings"] == 0
    assert sla.scan_breaches(now=_at(2026, 3, 6, 15, 0))["warnings"] == 1
    assert _warned(complaint)


def test_the_warning_skips_a_public_holiday(make_complaint):
    # Monday 6 April 2026 is a public holiday: the Qingming Festival falls on Sunday 5 April and
    # the State Council's 2026 holiday notice gives Saturday 4 – Monday 6 April off (no make-up
    # day). Due Tuesday 7 April 10:00: Tuesday 09:00-10:00 is one business hour, Monday (holiday),
    # Sunday and Saturday none, Friday 3 April 15:00-18:00 the other three → warn Friday 15:00.
    complaint = make_complaint(received_at=_at(2026, 4, 1, 10))
    _due_at(complaint, _at(2026, 4, 7, 10))

    assert sla.scan_breaches(now=_at(2026, 4, 3, 14, 59))["warnings"] == 0
    # on Monday 6 April (the holiday), 4 wall-clock hours before would not yet warn either;
    # the business-time warning has already been given on Friday
    assert sla.scan_breaches(now=_at(2026, 4, 3, 15, 0))["warnings"] == 1
    assert sla.scan_breaches(now=_at(2026, 4, 7, 6, 0))["warnings"] == 0  # not again


def test_a_round_the_clock_category_warns_four_plain_hours_before(make_complaint, setup):
    # 24/7 categories (a heating outage) count every hour, holidays included.
    complaint = make_complaint(category=setup["heating_outage"], received_at=_at(2026, 4, 5, 8))
    _due_at(complaint, _at(2026, 4, 6, 10))

    assert sla.scan_breaches(now=_at(2026, 4, 6, 5, 59))["warnings"] == 0
    assert sla.scan_breaches(now=_at(2026, 4, 6, 6, 0))["warnings"] == 1


# --- 4. editing the working-day calendar recomputes the deadlines of open complaints ---------


def test_editing_the_calendar_moves_the_deadlines_of_open_complaints(make_complaint, org):
    from qiwang.accounts.calendar_services import delete_calendar_day, set_calendar_day
    from qiwang.accounts.models import AuditEvent

    admin = org.users["administrator"]
    # Medium severity: 4 h to the first response, 27 h to the resolution (DEFAULT_TARGETS),
    # 09:00-18:00. Received Wednesday 4 March 2026 10:00 (an ordinary week), counted by hand:
    # Wed 10-18 = 8, Thu 5th 9 (17), Fri 6th 9 (26), Mon 9th 09-10 (27) → Monday 10:00.
    moving = make_complaint(severity="medium", received_at=_at(2026, 3, 4, 10))
    assert moving.resolution_due == _at(2026, 3, 9, 10)
    assert moving.first_response_due == _at(2026, 3, 4, 14)
    # due before the edited day: untouched (received Mon 2 March 09:00 → due Wed 4 March 18:00)
    earlier = make_complaint(severity="medium", received_at=_at(2026, 3, 2, 9))
    earlier_due = earlier.resolution_due
    # closed: never recomputed
    closed = make_complaint(severity="medium", received_at=_at(2026, 3, 4, 10))
    Complaint.objects.filter(pk=closed.pk).update(status="closed")

    # The administrator declares Friday 6 March a (company) day off: Wed 8, Thu 9 (17),
    # Mon 9th 9 (26), Tue 10th 09-10 (27) → Tuesday 10:00.
    entry = set_calendar_day(actor=admin, day=datetime.date(2026, 3, 6), kind="holiday")
    moving.refresh_from_db()
    assert moving.resolution_due == _at(2026, 3, 10, 10)
    assert moving.first_response_due == _at(2026, 3, 4, 14)
    assert Complaint.objects.get(pk=earlier.pk).resolution_due == earlier_due
    assert Complaint.objects.get(pk=closed.pk).resolution_due == _at(2026, 3, 9, 10)
    row = Move.objects.get(complaint=moving, code="sla.calendar_changed")
    assert row.actor == admin and row.params["new"].startswith("2026-03-10T10:00")
    event = AuditEvent.objects.get(action="complaint_deadlines_recomputed")
    assert event.changes["complaints"] == [moving.pk] and event.actor == admin

    # Deleting that day again restores the Monday deadline.
    delete_calendar_day(actor=admin, entry=entry)
    moving.refresh_from_db()
    assert moving.resolution_due == _at(2026, 3, 9, 10)

    # A make-up working Saturday 7 March: Wed 8, Thu 9 (17), Fri 9 (26), Sat 09-10 (27).
    set_calendar_day(actor=admin, day=datetime.date(2026, 3, 7), kind="workday")
    moving.refresh_from_db()
    assert moving.resolution_due == _at(2026, 3, 7, 10)
    assert Move.objects.filter(complaint=moving, code="sla.calendar_changed").count() == 3
    assert not Move.objects.filter(complaint=closed, code="sla.calendar_changed").exists()


def test_a_branch_day_moves_only_that_branchs_complaints(make_complaint, org):
    from qiwang.accounts.calendar_services import set_calendar_day

    own = make_complaint(severity="medium", received_at=_at(2026, 3, 4, 10))
    other = make_complaint(branch=org.other, severity="medium", received_at=_at(2026, 3, 4, 10))
    set_calendar_day(
        actor=org.users["administrator"],
        day=datetime.date(2026, 3, 6),
        kind="holiday",
        branch=org.other,
    )
    own.refresh_from_db()
    other.refresh_from_db()
    assert own.resolution_due == _at(2026, 3, 9, 10)
    assert other.resolution_due == _at(2026, 3, 10, 10)
