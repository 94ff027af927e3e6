"""Keeping counts per service, branch and month (docs/adr/0142): after every write path the
tallies hold exactly what counting the stored deliveries gives.

The reference is a count in Python over the stored rows (each delivery's month taken with
``zoneinfo`` in the site's time zone), independent of the ``GROUP BY`` that fills the tallies;
the pages' figures are checked against the live ``GROUP BY`` of ``services.keeping``.
"""

from __future__ import annotations

import datetime
from collections import Counter

from django.conf import settings as django_settings
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qiwang.catalogue.models import Commitment, Delivery, DeliveryTally
from qiwang.catalogue.services import add_commitment, record_deliveries, record_delivery
from qiwang.catalogue.services.judging import rejudge_service
from qiwang.catalogue.services.keeping import keeping_by, keeping_by_month
from qiwang.catalogue.services.tallies import (
    refresh_tallies,
    tallied_months,
    tallied_rates,
    tallies_job,
    window,
)


def reference() -> dict[tuple[int, int, datetime.date], tuple[int, int]]:
    """(service, branch, local month) → (judged, kept), counted in Python."""
    import zoneinfo

    zone = zoneinfo.ZoneInfo(django_settings.TIME_ZONE)
    n: Counter[tuple[int, int, datetime.date]] = Counter()
    kept: Counter[tuple[int, int, datetime.date]] = Counter()
    for service_id, branch_id, at, k in Delivery.objects.values_list(
        "service_id", "branch_id", "delivered_at", "kept"
    ):
        if k is None:
            continue
        key = (service_id, branch_id, at.astimezone(zone).date().replace(day=1))
        n[key] += 1
        kept[key] += bool(k)
    return {key: (n[key], kept[key]) for key in n}


def tallies() -> dict[tuple[int, int, datetime.date], tuple[int, int]]:
    rows = DeliveryTally.objects.values_list("service_id", "branch_id", "month", "n", "kept")
    found = {(s, b, m): (n, k) for s, b, m, n, k in rows}
    assert len(found) == DeliveryTally.objects.count()  # one row per key
    return found


delivery = st.fixed_dictionaries(
    {
        "service": st.sampled_from(["repair", "heating"]),
        "customer": st.sampled_from(["A0001", "A0002", "B0001"]),
        "days_ago": st.integers(min_value=0, max_value=450),
        "hour": st.integers(min_value=0, max_value=23),
        "utc": st.booleans(),  # a UTC time near midnight falls in another local day / month
        "value": st.one_of(st.none(), st.integers(min_value=0, max_value=40)),
    }
)


def _items(rows, catalogue):
    today = timezone.localdate()
    items = []
    for row in rows:
        day = today - datetime.timedelta(days=row["days_ago"])
        zone = datetime.UTC if row["utc"] else timezone.get_current_timezone()
        moment = datetime.datetime.combine(day, datetime.time(row["hour"], 30), tzinfo=zone)
        if moment > timezone.now():  # today's local date in UTC can still lie ahead (UTC+8)
            day -= datetime.timedelta(days=1)
        at = f"{day.isoformat()}T{row['hour']:02d}:30:00" + ("+00:00" if row["utc"] else "")
        # heating is the own community's service: a customer of the other one gets a repair
        service = "repair" if row["customer"] == "B0001" else row["service"]
        items.append(
            {
                "service": catalogue[service].pk,
                "customer": row["customer"],
                "delivered_at": at,
                "value": row["value"],
                "unit": "h" if service == "repair" else "°C",
            }
        )
    return items


def _page_figures_match(org, catalogue):
    """The pages' figures from tallies equal the live GROUP BY over the same months."""
    today = timezone.localdate()
    first, last = window(today)
    ids = [catalogue["repair"].pk, catalogue["heating"].pk]
    for user in (
        org.users["administrator"],
        org.users["quality_manager"],
        org.other_users["quality_manager"],
        org.users["account_manager"],  # own customers only: counted live
    ):
        live = Delivery.objects.for_user(user).filter(service__in=ids)
        for by in ("service", "branch"):
            got = tallied_rates(user, ids, by, today=today)
            want = keeping_by(live, by, start=first, end=last)
            assert {k: (r.n, r.kept) for k, r in got.items()} == {
                k: (r.n, r.kept) for k, r in want.items()
            }
            assert [(r.low, r.high) for r in got.values()] == [
                (want[k].low, want[k].high) for k in got
            ]
        months = tallied_months(user, ids[0], today=today)
        want_months = keeping_by_month(live.filter(service=ids[0]), start=first, end=last)
        assert [(m.key, m.n, m.kept) for m in months] == [(m.key, m.n, m.kept) for m in want_months]


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    batches=st.lists(st.lists(delivery, min_size=1, max_size=12), min_size=1, max_size=3),
    threshold=st.integers(min_value=5, max_value=30),
    from_days_ago=st.integers(min_value=0, max_value=400),
)
def test_tallies_equal_a_count_of_the_deliveries_after_posts_and_a_rejudge(
    org, catalogue, batches, threshold, from_days_ago
):
    Delivery.objects.all().delete()
    DeliveryTally.objects.all().delete()
    repair = catalogue["repair"]
    repair.commitments.exclude(valid_from=datetime.date(2020, 1, 1)).delete()
    repair.commitments.update(valid_to=None)
    admin = org.users["administrator"]
    for rows in batches:  # the bulk API's path
        batch = record_deliveries(actor=admin, items=_items(rows, catalogue))
        assert all(r.ok for r in batch.results), [r.errors for r in batch.results]
        assert tallies() == reference()
    assert (
        sum(n for n, _k in tallies().values())
        == Delivery.objects.filter(kept__isnull=False).count()
    )
    _page_figures_match(org, catalogue)
    # a new commitment judges the repair deliveries from its day on again
    add_commitment(
        actor=admin,
        service=repair,
        data={
            "level": "explicit",
            "metric": "visit_hours",
            "comparison": "<=",
            "threshold": threshold,
            "unit": "h",
            "allowed_breach": 0.05,
            "valid_from": (
                timezone.localdate() - datetime.timedelta(days=from_days_ago)
            ).isoformat(),
        },
    )
    assert tallies() == reference()
    _page_figures_match(org, catalogue)


def test_a_single_delivery_and_a_rejudge_move_the_tally(org, catalogue):
    repair = catalogue["repair"]
    today = timezone.localdate()
    at = f"{today.isoformat()} 09:00"
    record_delivery(
        actor=org.users["quality_manager"],
        data={
            "service": repair.pk,
            "customer": "A0001",
            "delivered_at": at,
            "value": 20,
            "unit": "h",
        },
    )
    (row,) = DeliveryTally.objects.all()
    assert (row.service_id, row.branch_id, row.month, row.n, row.kept) == (
        repair.pk,
        org.own.pk,
        today.replace(day=1),
        1,
        1,
    )
    # 20 h against a 12 h target: broken once judged again
    Commitment.objects.filter(service=repair).update(threshold=12)
    rejudge_service(repair)
    (row,) = DeliveryTally.objects.all()  # replaced, not updated
    assert (row.n, row.kept) == (1, 0)
    rates = tallied_rates(org.users["quality_manager"], [repair.pk], "service", today=today)
    assert (rates[repair.pk].n, rates[repair.pk].kept) == (1, 0)
    # another branch's reader does not see the own community's delivery
    assert (
        tallied_rates(org.other_users["quality_manager"], [repair.pk], "service", today=today) == {}
    )


def test_the_nightly_job_recounts_after_a_customer_is_deleted(org, catalogue):
    admin = org.users["administrator"]
    record_deliveries(
        actor=admin,
        items=[
            {
                "service": catalogue["repair"].pk,
                "customer": code,
                "delivered_at": "2026-01-05 10:00",
                "value": 30,
            }
            for code in ("A0001", "B0001")
        ],
    )
    assert sum(n for n, _k in tallies().values()) == 2
    catalogue["other"].delete()  # cascades to the deliveries past the write paths
    assert sum(n for n, _k in tallies().values()) == 2
    assert tallies_job()["tallies"] == 1
    assert tallies() == reference()
    assert refresh_tallies() == 1


def test_the_recount_is_a_daily_job(db):
    from qiwang.operations.scheduler import JOBS

    job = JOBS["catalogue.tallies"]
    assert job.function == "qiwang.catalogue.services.tallies.tallies_job"
    assert job.at == datetime.time(4, 50)


def test_a_delivery_deleted_in_the_admin_leaves_the_tally(org, catalogue):
    from django.contrib.admin import site
    from django.test import RequestFactory

    admin = org.users["administrator"]
    batch = record_deliveries(
        actor=admin,
        items=[
            {
                "service": catalogue["repair"].pk,
                "customer": code,
                "delivered_at": "2026-01-05 10:00",
                "value": 30,
            }
            for code in ("A0001", "B0001")
        ],
    )
    request = RequestFactory().post("/admin/")
    request.user = admin
    model_admin = site._registry[Delivery]
    gone = batch.stored[0]
    model_admin.delete_model(request, gone)
    assert not Delivery.objects.filter(pk=gone.pk).exists()
    assert tallies() == reference()
    assert sum(n for n, _k in tallies().values()) == 1
    model_admin.delete_queryset(request, Delivery.objects.all())
    assert tallies() == {}
