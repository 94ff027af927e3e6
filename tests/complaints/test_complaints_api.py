"""The complaints API: the same rules as the pages, one error format."""

from __future__ import annotations

import pytest
from django.test import Client
from tests.conftest import make_customer

from qiwang.complaints.models import Compensation, Complaint


def api(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def post(client, path, data):
    return client.post(path, data, content_type="application/json")


def test_a_hotline_creates_a_complaint_once(org, setup):
    client = api(org.users["agent"])
    body = {
        "branch": "a",
        "category": "heating",
        "description": "暖气不热，家里只有16度",
        "measured_temperature": "16",
        "reporter_phone": "13800002222",
        "submission_key": "hotline-778",
    }

    created = post(client, "/api/complaints", body)
    again = post(client, "/api/complaints", body)

    assert created.status_code == 201, created.content
    assert created.json()["channel"] == "api" and created.json()["category"] == "heating"
    assert again.status_code == 409
    assert str(created.json()["id"]) in again.json()["detail"]
    assert Complaint.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"branch": "a", "category": "heating", "description": ""}, "description"),
        ({"branch": "b", "category": "heating", "description": "x"}, "branch"),
        ({"branch": "a", "category": "nope", "description": "x"}, "category"),
        (
            {"branch": "a", "category": "heating", "description": "x", "severity": "huge"},
            "severity",
        ),
    ],
)
def test_bad_input_names_the_field(org, setup, body, field):
    response = post(api(org.users["agent"]), "/api/complaints", body)

    assert response.status_code == 422
    assert field in {error["field"] for error in response.json()["errors"]}
    assert not Complaint.objects.exists()


def test_steps_through_the_api_and_an_illegal_one_is_409(org, make_complaint):
    complaint = make_complaint()
    client = api(org.users["agent"])

    done = post(
        client, f"/api/complaints/{complaint.pk}/steps", {"to_step": "apologise", "note": "道歉了"}
    )
    illegal = post(client, f"/api/complaints/{complaint.pk}/steps", {"to_step": "closed"})
    steps = client.get(f"/api/complaints/{complaint.pk}/steps").json()

    assert done.status_code == 201 and done.json()["to_step"] == "apologise"
    assert illegal.status_code == 409 and illegal.json()["code"] == "conflict"
    assert [step["kind"] for step in steps] == ["opened", "done"]


def test_scope_role_and_personal_data(org, make_complaint):
    own = make_complaint(reporter_phone="13812345678")
    other = make_complaint(branch=org.other)

    assert api(org.users["agent"]).get(f"/api/complaints/{other.pk}").status_code == 404
    assert (
        post(
            api(org.users["analyst"]), f"/api/complaints/{own.pk}/steps", {"to_step": "apologise"}
        ).status_code
        == 403
    )
    assert (
        api(org.users["analyst"]).get(f"/api/complaints/{own.pk}").json()["reporter_phone"]
        == "138****5678"
    )
    assert (
        api(org.users["agent"]).get(f"/api/complaints/{own.pk}").json()["reporter_phone"]
        == "+8613812345678"
    )
    listed = api(org.users["agent"]).get("/api/complaints").json()
    assert [row["id"] for row in listed["items"]] == [own.pk]


def test_reply_check_and_replies(org, make_complaint):
    complaint = make_complaint()
    client = api(org.users["agent"])

    checked = post(client, "/api/reply-check", {"text": "你应该早点报修"})
    stored = post(
        client,
        f"/api/complaints/{complaint.pk}/replies",
        {"text": "我理解您的感受，我们会尽快为您解决问题"},
    )

    assert checked.json()["flags"][0]["rule"] == "forbidden.you_should"
    assert stored.status_code == 201 and stored.json()["flags"] == []


def test_compensation_and_approval_within_the_limit(org, make_complaint):
    complaint = make_complaint(customer=make_customer(org.own, "A8001"))
    org.users["quality_manager"].branches.add(org.own)

    proposed = post(
        api(org.users["agent"]),
        f"/api/complaints/{complaint.pk}/compensations",
        {"option": "heating_refund", "value": "600"},
    )
    pending = api(org.users["quality_manager"]).get("/api/approvals").json()
    by_agent = post(
        api(org.users["agent"]), f"/api/approvals/{proposed.json()['id']}", {"decision": "approve"}
    )
    by_manager = post(
        api(org.users["quality_manager"]),
        f"/api/approvals/{proposed.json()['id']}",
        {"decision": "approve"},
    )
    too_much = post(
        api(org.users["agent"]),
        f"/api/complaints/{complaint.pk}/compensations",
        {"option": "refund", "value": "500000"},
    )

    assert proposed.status_code == 201 and proposed.json()["status"] == "pending"
    assert [row["id"] for row in pending] == [proposed.json()["id"]]
    assert by_agent.status_code == 403
    assert by_manager.status_code == 200 and by_manager.json()["status"] == "approved"
    assert too_much.status_code == 422 and Compensation.objects.count() == 1


def test_incidents_through_the_api(org, make_complaint):
    client = api(org.users["agent"])
    incident = post(
        client,
        "/api/incidents",
        {"branch": "a", "category": "heating_outage", "title": "5号楼停暖"},
    )
    Complaint.objects.all().delete()

    answered = post(client, f"/api/incidents/{incident.json()['id']}/answer", {"text": "今晚恢复"})

    assert incident.status_code == 201
    assert answered.status_code == 200 and answered.json() == {"answered": 0}


def test_an_incident_answer_refused_names_the_field_text(org):
    # Found by the outside audit: the errors named ``answer``, a field the request does not have.
    client = api(org.users["agent"])
    incident = post(
        client,
        "/api/incidents",
        {"branch": "a", "category": "heating_outage", "title": "5号楼停暖"},
    )
    url = f"/api/incidents/{incident.json()['id']}/answer"

    blank = post(client, url, {"text": "   "})
    too_long = post(client, url, {"text": "热" * 501})

    done = post(client, url, {"text": "今晚恢复"})
    again = post(client, url, {"text": "今晚恢复"})

    for refused in (blank, too_long):
        assert refused.status_code == 422
        assert [e["field"] for e in refused.json()["errors"]] == ["text"]
    assert done.status_code == 200
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    assert [e["field"] for e in again.json()["errors"]] == ["text"]


def test_incidents_take_the_shared_filter_base_and_refusals_follow_the_language(org):
    # Found by the outside audit: the incidents list took no ordering or created_after, and a
    # refused branch or category was an English f-string whatever the language.
    client = api(org.users["agent"])
    first = post(
        client, "/api/incidents", {"branch": "a", "category": "heating_outage", "title": "一"}
    )
    second = post(
        client, "/api/incidents", {"branch": "a", "category": "heating_outage", "title": "二"}
    )
    ids = [first.json()["id"], second.json()["id"]]

    by_creation = client.get("/api/incidents", {"ordering": "created_at"}).json()["items"]
    newest = client.get("/api/incidents", {"ordering": "-created_at"}).json()["items"]
    later = client.get("/api/incidents", {"created_after": "2999-01-01"}).json()
    bad = client.get("/api/incidents", {"ordering": "title"})
    no_branch = client.post(
        "/api/incidents",
        {"branch": "zz", "category": "heating_outage", "title": "三"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    no_category = client.post(
        "/api/incidents",
        {"branch": "a", "category": "zz", "title": "三"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    assert [i["id"] for i in by_creation] == ids
    assert [i["id"] for i in newest] == ids[::-1]
    assert later["count"] == 0
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "query.ordering"
    assert no_branch.status_code == 422 and "没有" in no_branch.json()["detail"]
    assert no_branch.json()["errors"][0]["field"] == "branch"
    assert no_category.status_code == 422 and "投诉类别" in no_category.json()["detail"]
