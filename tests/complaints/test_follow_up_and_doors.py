"""Closing sends the one-question follow-up the customer answers from the SMS link; an incident
is handled once (its reports are resolved with it); the stage clocks; the staff form refuses bad
input with 400 naming the field and writes nothing."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from tests.complaints.conftest import FRIDAY_17, SHANGHAI

from qiwang.complaints.choices import Status, Step
from qiwang.complaints.models import Complaint, Move, Notification
from qiwang.complaints.presentation import clock
from qiwang.complaints.services import handling
from qiwang.complaints.services.follow_up import follow_up_link
from qiwang.complaints.services.intake import answer_incident, open_incident
from qiwang.complaints.services.notify import _render_sms


def _close(complaint, agent):
    for step in (Step.APOLOGISE, Step.GATHER, Step.PROPOSE, Step.FOLLOW_UP, Step.CLOSED):
        handling.move_complaint(
            complaint, to_step=step, actor=agent, base_url="https://qiwang.example/"
        )


def test_closing_sends_a_link_the_customer_answers_once(make_complaint, org):
    complaint = make_complaint(reporter_phone="13800001111")
    _close(complaint, org.users["agent"])

    row = Notification.objects.get(code="complaint.follow_up")
    link = row.params["link"]
    assert link.startswith("https://qiwang.example/c/f/")
    assert link in _render_sms(row) and "1" in _render_sms(row)

    path = link.removeprefix("https://qiwang.example")
    public = Client(HTTP_ACCEPT_LANGUAGE="en")
    page = public.get(path)
    assert page.status_code == 200 and 'data-testid="score-5"' in page.content.decode()

    bad = public.post(path, {"score": "7"})
    assert bad.status_code == 400 and "from 1 to 5" in bad.content.decode()
    complaint.refresh_from_db()
    assert complaint.follow_up_score is None

    done = public.post(path, {"score": "4"})
    assert done.status_code == 200 and 'data-testid="follow-up-thanks"' in done.content.decode()
    again = public.post(path, {"score": "1"})
    assert again.status_code == 409 and "4 of 5" in again.content.decode()
    complaint.refresh_from_db()
    assert complaint.follow_up_score == 4
    answers = Move.objects.filter(complaint=complaint, code="follow_up_score")
    assert [(m.params["score"], m.actor_id) for m in answers] == [(4, None)]


def test_a_forged_link_is_not_found_and_an_open_complaint_cannot_be_rated(make_complaint, org):
    public = Client()
    assert public.get("/c/f/12:forged/").status_code == 404

    open_one = make_complaint()
    response = public.post(follow_up_link(open_one), {"score": "5"})
    assert response.status_code == 400
    open_one.refresh_from_db()
    assert open_one.follow_up_score is None


def test_the_follow_up_page_is_rate_limited(make_complaint, org, settings):
    settings.QIWANG_COMPLAINT_RATE = "2/m"
    complaint = make_complaint()
    path = follow_up_link(complaint)
    statuses = [Client().post(path, {"score": "x"}).status_code for _ in range(3)]
    assert statuses == [400, 400, 429]


def test_resolving_an_incident_resolves_every_report_once(make_complaint, org, setup):
    incident = open_incident(
        branch=org.own,
        category=setup["heating_outage"],
        title="3号楼停暖",
        actor=org.users["agent"],
        started_at=FRIDAY_17 - datetime.timedelta(hours=1),
    )
    reports = [
        make_complaint(category=setup["heating_outage"], reporter_phone=f"1380000001{i}")
        for i in range(3)
    ]
    handling.move_complaint(reports[0], to_step=Step.APOLOGISE, actor=org.users["agent"])

    assert answer_incident(incident=incident, actor=org.users["agent"], text="已恢复供暖") == 3

    rows = Complaint.objects.filter(incident=incident)
    assert set(rows.values_list("step", "status")) == {(Step.FOLLOW_UP, Status.RESOLVED)}
    moves = Move.objects.filter(complaint__incident=incident, code="incident.resolved")
    assert sorted(moves.values_list("from_step", flat=True)) == ["apologise", "listen", "listen"]
    assert not rows.filter(resolved_at__isnull=True).exists()
    # the reporters are followed up one by one, as any complaint
    handling.move_complaint(reports[1], to_step=Step.CLOSED, actor=org.users["agent"])


def test_an_answer_without_resolving_leaves_the_reports_open(make_complaint, org, setup):
    incident = open_incident(
        branch=org.own,
        category=setup["heating_outage"],
        title="停暖",
        actor=None,
        started_at=FRIDAY_17,
    )
    make_complaint(category=setup["heating_outage"])
    answer_incident(incident=incident, actor=org.users["agent"], text="正在抢修", resolve=False)
    assert Complaint.objects.get(incident=incident).step == Step.LISTEN


def test_a_clock_per_stage_in_business_hours(make_complaint, org):
    complaint = make_complaint()  # Friday 13 Feb 2026 17:00; Saturday 14th is a working day
    agent, quality = org.users["agent"], org.users["quality_manager"]
    saturday_10 = datetime.datetime(2026, 2, 14, 10, tzinfo=SHANGHAI)
    for step in (Step.APOLOGISE, Step.GATHER, Step.PROPOSE):
        handling.move_complaint(complaint, to_step=step, actor=agent, now=saturday_10)
    handling.move_complaint(
        complaint, to_step=Step.ESCALATE, actor=agent, escalate_to=quality, now=saturday_10
    )
    complaint.refresh_from_db()

    # 17:00–18:00 Friday + 09:00–10:00 Saturday = 2 h on the first line; the escalation owner's
    # clock runs from Saturday 10:00 to 12:30 = 2.5 h (hand-counted, 09:00–18:00 hours)
    shown = clock(complaint, now=datetime.datetime(2026, 2, 14, 12, 30, tzinfo=SHANGHAI))
    assert (shown["first_line_hours"], shown["escalation_hours"]) == (2.0, 2.5)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"description": ""}, "description", "This field is required"),
        ({"description": "x" * 2001}, "description", "At most 2000 characters"),
        ({"customer_code": "NOPE"}, "customer_code", "No customer with this number"),
        ({"measured_temperature": "hot"}, "measured_temperature", "is not a temperature"),
        ({"reporter_phone": "12ab"}, "reporter_phone", ""),
        ({"severity": "huge"}, "severity", "huge"),
    ],
)
def test_the_staff_form_refuses_bad_input_naming_the_field(org, setup, data, field, message):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(org.users["agent"])
    body = {
        "branch": org.own.pk,
        "category": setup["repair"].pk,
        "severity": "medium",
        "channel": "phone",
        "workflow": "complaint",
        "description": "楼道灯坏了",
    }
    body.update(data)

    response = client.post("/complaints/new/", body)

    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="id_{field}"' in html and message in html
    form = response.context["form"]
    assert field in form.errors
    assert not Complaint.objects.exists()
