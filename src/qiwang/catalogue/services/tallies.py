"""Keeping counts per service, branch and month (:class:`DeliveryTally`), kept in step with
the deliveries set-based (docs/adr/0142-keeping-rates-from-tallies.md).

Every write that stores or judges deliveries again calls :func:`refresh_tallies` for the
services and months it touched, in its own transaction: one ``DELETE`` of those tally rows and
one ``INSERT … SELECT … GROUP BY`` over the deliveries of those services and months (a range on
the ``(service, delivered_at)`` index), never a loop per delivery. Months are calendar months in
the site's time zone (``TIME_ZONE``), whatever the reader's.

The pages read :func:`tallied_rates`: the last 12 whole months and the current month. An
account manager sees only their own customers' deliveries, which a branch tally cannot tell
apart, so for them the rates are counted live over the same months (a small set).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.db.models import Count, DateField, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from qiwang.catalogue.models import Delivery, DeliveryTally, Service
from qiwang.catalogue.querysets import _owns_only_own_customers
from qiwang.catalogue.services.keeping import Rate, keeping_by, keeping_by_month, rates_from_rows

if TYPE_CHECKING:
    from qiwang.accounts.models import User

#: Whole months before the current one that the pages' keeping rates cover.
WINDOW_MONTHS = 12


def month_of(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def add_months(month: datetime.date, count: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + count
    return datetime.date(index // 12, index % 12 + 1, 1)


def window(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first and last day the pages' keeping rates cover: the first day of the month 12
    months before ``today``'s, and the last day of ``today``'s month."""
    first = add_months(month_of(today), -WINDOW_MONTHS)
    last = add_months(month_of(today), 1) - datetime.timedelta(days=1)
    return first, last


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), tzinfo=timezone.get_default_timezone())


def grouped_sql(
    delivery_model: Any,
    service_ids: Sequence[int],
    months: tuple[datetime.date, datetime.date] | None,
) -> tuple[str, tuple[Any, ...]]:
    """``SELECT service_id, branch_id, month, n, kept … GROUP BY`` over the judged deliveries
    of ``service_ids`` (in ``months``, first and last month inclusive, if given)."""
    rows = delivery_model._default_manager.filter(kept__isnull=False, service_id__in=service_ids)
    if months is not None:
        rows = rows.filter(
            delivered_at__gte=_local_midnight(months[0]),
            delivered_at__lt=_local_midnight(add_months(months[1], 1)),
        )
    grouped = (
        rows.order_by()
        .annotate(
            tally_month=TruncMonth(
                "delivered_at", output_field=DateField(), tzinfo=timezone.get_default_timezone()
            )
        )
        .values("service_id", "branch_id", "tally_month")
        .annotate(tally_n=Count("pk"), tally_kept=Count("pk", filter=Q(kept=True)))
        .values_list("service_id", "branch_id", "tally_month", "tally_n", "tally_kept")
    )
    sql, params = grouped.query.sql_with_params()
    return sql, tuple(params)


def refill(
    delivery_model: Any,
    tally_model: Any,
    service_ids: Sequence[int],
    months: tuple[datetime.date, datetime.date] | None = None,
) -> None:
    """Replace the tally rows of ``service_ids`` (in ``months`` if given): one DELETE, one
    INSERT … SELECT. Used by :func:`refresh_tallies` and by the migration that fills them."""
    if not service_ids:
        return
    stale = tally_model._default_manager.filter(service_id__in=service_ids)
    if months is not None:
        stale = stale.filter(month__gte=months[0], month__lte=months[1])
    stale.delete()
    sql, params = grouped_sql(delivery_model, service_ids, months)
    table = connection.ops.quote_name(tally_model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (service_id, branch_id, month, n, kept) {sql}",  # noqa: S608
            params,
        )


@transaction.atomic
def refresh_tallies(
    service_ids: Iterable[int] | None = None,
    months: tuple[datetime.date, datetime.date] | None = None,
) -> int:
    """Count the deliveries of ``service_ids`` (every service if ``None``) into tallies again,
    for the months from ``months[0]`` to ``months[1]`` (every month if ``None``).

    The services' rows are locked first, so two writers refreshing the same service follow one
    another (each then counts the other's committed deliveries). Returns the tally rows written.
    """
    ids = sorted(set(service_ids)) if service_ids is not None else None
    services = Service.objects.order_by("pk").select_for_update()
    if ids is not None:
        services = services.filter(pk__in=ids)
    ids = list(services.values_list("pk", flat=True))
    refill(Delivery, DeliveryTally, ids, months)
    return DeliveryTally.objects.filter(service_id__in=ids).count() if ids else 0


def refresh_for(deliveries: Sequence[Delivery]) -> None:
    """Refresh the tallies of the services and months of newly stored ``deliveries``: per
    service one range from its earliest to its latest month."""
    spans: dict[int, tuple[datetime.date, datetime.date]] = {}
    for d in deliveries:
        month = month_of(timezone.localtime(d.delivered_at, timezone.get_default_timezone()).date())
        low, high = spans.get(d.service_id, (month, month))
        spans[d.service_id] = (min(low, month), max(high, month))
    groups: dict[tuple[datetime.date, datetime.date], list[int]] = {}
    for service_id, span in spans.items():
        groups.setdefault(span, []).append(service_id)
    for span, ids in groups.items():
        refresh_tallies(ids, span)


def tallies_job(slot: datetime.datetime | None = None) -> dict[str, int]:
    """Count every delivery into tallies again (the nightly ``catalogue.tallies`` job): catches
    deliveries removed with their customer (a deletion cascades past the write paths)."""
    return {"tallies": refresh_tallies()}


# --- reading -------------------------------------------------------------------------------------


def _live(user: User) -> bool:
    return _owns_only_own_customers(user)


def tallied_rates(
    user: User, service_ids: Sequence[int], by: str, *, today: datetime.date
) -> dict[Any, Rate]:
    """Keeping rate per ``service`` or ``branch`` over :func:`window`, for ``user``'s scope."""
    first, last = window(today)
    if _live(user):
        rows = Delivery.objects.for_user(user).filter(service__in=service_ids)
        return keeping_by(rows, by, start=first, end=last)
    grouped = (
        DeliveryTally.objects.for_user(user)
        .filter(service__in=service_ids, month__gte=first, month__lte=last)
        .order_by()
        .values(by)
        .annotate(n=Sum("n"), kept=Sum("kept"))
    )
    return {rate.key: rate for rate in rates_from_rows(grouped, by)}


def tallied_months(user: User, service_id: int, *, today: datetime.date) -> list[Rate]:
    """Keeping rate per month of ``service_id`` over :func:`window`, oldest first."""
    first, last = window(today)
    if _live(user):
        rows = Delivery.objects.for_user(user).filter(service=service_id)
        return keeping_by_month(rows, start=first, end=last)
    grouped = (
        DeliveryTally.objects.for_user(user)
        .filter(service=service_id, month__gte=first, month__lte=last)
        .order_by()
        .values("month")
        .annotate(n=Sum("n"), kept=Sum("kept"))
        .order_by("month")
    )
    return rates_from_rows(grouped, "month")
