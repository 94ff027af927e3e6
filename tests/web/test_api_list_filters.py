"""List filters of issue 17 item 2: waves, instruments and responses; ordering and
``created_after`` / ``updated_since`` on catalogue, complaints, maintenance plans and the audit
log. An ordering outside the declared fields is a 422 naming ``query.ordering``; an unknown
parameter a 400."""

from __future__ import annotations

import datetime
import itertools
import warnings

import pytest
from django.test import Client
from django.utils import timezone
from tests.surveys.conftest import make_instrument, make_wave

from qiwang.accounts.models import AuditEvent
from qiwang.accounts.services import create_api_token, record_event
from qiwang.customers.models import MaintenancePlan
from qiwang.surveys.models import Response, Wave

_NAMES = itertools.count()


def _get(user, url, params=None):
    key = create_api_token(user=user, name=f"f{next(_NAMES)}").key
    return Client().get(url, params or {}, HTTP_AUTHORIZATION=f"Bearer {key}")


def _ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["items"]]


def _fields(response):
    return {error["field"] for error in response.json()["errors"]}


@pytest.fixture
def waves(org):
    quality = org.users["quality_manager"]
    other_quality = org.other_users["quality_manager"]
    instrument = make_instrument(quality, org.own)
    now = timezone.now()
    draft = make_wave(quality, instrument, org.own, name="草稿", opens_at=now + _days(10))
    opened = make_wave(quality, instrument, org.own, name="进行中")
    closed = make_wave(quality, instrument, org.own, name="已结束")
    Wave.objects.filter(pk=opened.pk).update(status="open")
    Wave.objects.filter(pk=closed.pk).update(
        status="closed", opens_at=now - _days(40), created_at=now - _days(40)
    )
    foreign = make_wave(other_quality, make_instrument(other_quality, org.other), org.other)
    return {"draft": draft, "open": opened, "closed": closed, "foreign": foreign, "now": now}


def _days(count):
    return datetime.timedelta(days=count)


def test_waves_filter_by_status_branch_opening_and_creation(org, waves):
    analyst = org.users["analyst"]
    now = waves["now"]

    open_or_closed = _ids(_get(analyst, "/api/surveys/waves?status=open&status=closed"))
    drafts = _ids(_get(analyst, "/api/surveys/waves", {"status": "draft", "branch": org.own.pk}))
    later = _ids(_get(analyst, "/api/surveys/waves", {"opens_after": (now + _days(1)).isoformat()}))
    recent = _ids(
        _get(analyst, "/api/surveys/waves", {"created_after": (now - _days(1)).isoformat()})
    )
    foreign_branch = _ids(_get(analyst, "/api/surveys/waves", {"branch": org.other.pk}))

    assert sorted(open_or_closed) == sorted([waves["open"].pk, waves["closed"].pk])
    assert drafts == [waves["draft"].pk]
    assert later == [waves["draft"].pk]
    assert waves["closed"].pk not in recent and waves["open"].pk in recent
    assert foreign_branch == []


def test_waves_order_by_declared_fields_only(org, waves):
    analyst = org.users["analyst"]

    by_name = _get(analyst, "/api/surveys/waves?ordering=name").json()["items"]
    by_opening = _ids(_get(analyst, "/api/surveys/waves?ordering=opens_at"))
    refused = _get(analyst, "/api/surveys/waves?ordering=sample_seed")
    unknown = _get(analyst, "/api/surveys/waves?state=open")
    bad_status = _get(analyst, "/api/surveys/waves?status=paused")

    assert [row["name"] for row in by_name] == sorted(row["name"] for row in by_name)
    assert by_opening[0] == waves["closed"].pk and by_opening[-1] == waves["draft"].pk
    assert refused.status_code == 422 and _fields(refused) == {"query.ordering"}
    assert unknown.status_code == 400 and _fields(unknown) == {"query.state"}
    assert bad_status.status_code == 422


def test_instruments_filter_by_branch_and_template(org):
    quality = org.users["quality_manager"]
    kano = make_instrument(quality, org.own)
    csat = make_instrument(quality, org.own, template="csat_pulse")
    analyst = org.users["analyst"]

    only_csat = _ids(_get(analyst, "/api/surveys/instruments", {"template": "csat_pulse"}))
    newest_first = _ids(_get(analyst, "/api/surveys/instruments?ordering=-created_at"))

    assert only_csat == [csat.pk]
    assert newest_first == [csat.pk, kano.pk]


def test_responses_filter_by_submission_time_and_order(org, waves):
    wave = waves["open"]
    now = waves["now"]
    rows = [
        Response.objects.create(
            wave=wave,
            branch=org.own,
            submission_key=f"k{index}",
            status="complete",
            submitted_at=now - _days(index * 5),
        )
        for index in range(3)
    ]
    analyst = org.users["analyst"]
    url = f"/api/surveys/waves/{wave.pk}/responses"

    recent = _ids(_get(analyst, url, {"submitted_after": (now - _days(6)).isoformat()}))
    oldest_first = _ids(_get(analyst, url, {"ordering": "submitted_at"}))
    refused = _get(analyst, url, {"ordering": "tier"})

    assert sorted(recent) == sorted([rows[0].pk, rows[1].pk])
    assert oldest_first == [rows[2].pk, rows[1].pk, rows[0].pk]
    assert refused.status_code == 422 and _fields(refused) == {"query.ordering"}


def test_audit_events_filter_by_time_and_action(org, customers):
    quality = org.users["quality_manager"]
    record_event(actor=quality, action="tier_change_confirmed", obj=customers["own"])
    record_event(actor=quality, action="contact_added", obj=customers["own"])
    AuditEvent.objects.filter(action="contact_added").update(at=timezone.now() - _days(5))

    recent = _get(
        quality, "/api/audit-events", {"created_after": (timezone.now() - _days(1)).isoformat()}
    ).json()["items"]
    by_action = _get(quality, "/api/audit-events", {"action": "contact_added"}).json()["items"]
    oldest_first = _get(quality, "/api/audit-events?ordering=at").json()["items"]
    refused = _get(quality, "/api/audit-events?ordering=actor")

    assert "contact_added" not in {row["action"] for row in recent}
    assert [row["action"] for row in by_action] == ["contact_added"]
    assert oldest_first[0]["action"] == "contact_added"
    assert refused.status_code == 422 and _fields(refused) == {"query.ordering"}


def test_maintenance_plans_filter_by_update_time(org):
    plans = list(MaintenancePlan.objects.all())
    if len(plans) < 2:
        pytest.skip("the migrations seed the plans")
    MaintenancePlan.objects.exclude(pk=plans[0].pk).update(updated_at=timezone.now() - _days(9))
    analyst = org.users["analyst"]

    changed = _get(
        analyst,
        "/api/maintenance/plans",
        {"updated_since": (timezone.now() - _days(1)).isoformat()},
    )
    created = _get(analyst, "/api/maintenance/plans?created_after=2026-01-01")

    assert [row["id"] for row in changed.json()] == [plans[0].pk]
    assert created.status_code == 400  # plans keep no creation time


def test_complaints_and_services_take_ordering_and_created_after(org, customers):
    from qiwang.catalogue.models import Service

    analyst = org.users["analyst"]

    with warnings.catch_warnings():
        # A date without an offset is read in the project's time zone, never compared naively.
        warnings.simplefilter("error", RuntimeWarning)
        complaints = _get(analyst, "/api/complaints?ordering=-received_at&created_after=2026-01-01")
        services = _get(
            analyst, "/api/catalogue/services?ordering=-updated_at&updated_since=2026-01-01"
        )
    bad = _get(analyst, "/api/complaints?ordering=description")

    assert complaints.status_code == 200 and services.status_code == 200
    assert bad.status_code == 422 and _fields(bad) == {"query.ordering"}
    assert services.json()["count"] == Service.objects.for_user(analyst).count()


def test_tasks_and_interactions_take_ordering_and_created_after(org, customers):
    from qiwang.customers.models import ContactTask, Interaction

    today = timezone.localdate()
    soon = ContactTask.objects.create(customer=customers["own"], branch=org.own, due_date=today)
    later = ContactTask.objects.create(
        customer=customers["own"], branch=org.own, due_date=today + _days(3)
    )
    ContactTask.objects.filter(pk=later.pk).update(created_at=timezone.now() - _days(5))
    now = timezone.now()
    old = Interaction.objects.create(
        customer=customers["own"], branch=org.own, channel="phone", occurred_at=now - _days(8)
    )
    new = Interaction.objects.create(
        customer=customers["own"], branch=org.own, channel="phone", occurred_at=now
    )
    analyst = org.users["analyst"]
    since = (now - _days(1)).isoformat()

    latest_due_first = _ids(_get(analyst, "/api/maintenance/tasks?ordering=-due_date"))
    fresh_tasks = _ids(_get(analyst, "/api/maintenance/tasks", {"created_after": since}))
    oldest_first = _ids(_get(analyst, "/api/maintenance/interactions?ordering=occurred_at"))
    recent = _ids(_get(analyst, "/api/maintenance/interactions", {"created_after": since}))
    refused = _get(analyst, "/api/maintenance/tasks?ordering=assignee")

    assert latest_due_first == [later.pk, soon.pk]
    assert fresh_tasks == [soon.pk]
    assert oldest_first == [old.pk, new.pk]
    assert recent == [new.pk]
    assert refused.status_code == 422 and _fields(refused) == {"query.ordering"}


def test_an_offset_the_database_cannot_store_is_read_in_utc_or_refused_never_a_500(org):
    """ISO 8601 and pydantic allow offsets up to ±23:59; PostgreSQL refuses beyond ±15:59 (found by
    tests/security/test_api_fuzz.py: GET /api/audit-events answered 500). A filter time is
    compared in UTC; a value the database still cannot take is a 422, not a 500."""
    quality = org.users["quality_manager"]
    record_event(actor=quality, action="contact_added", obj=org.own)
    far = "2000-02-28T16:56:32-18:32"
    listed = _get(quality, "/api/audit-events", {"created_after": far})
    assert listed.status_code == 200, listed.content
    assert len(listed.json()["items"]) >= 1

    beyond = _get(quality, "/api/audit-events", {"created_after": "9999-12-31T23:59:59-18:00"})
    assert beyond.status_code == 422, beyond.content  # years are checked (1000–8999) first
    assert _fields(beyond) == {"created_after"}
