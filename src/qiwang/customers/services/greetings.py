"""Greetings on occasions (docs/customers.md): the year's holiday table, the customers' own dates,
product launches and sales rises become greeting tasks; a greeting is sent by SMS or e-mail (or
made by phone and logged).

Task generation is set-based: one ``INSERT … SELECT … ON CONFLICT DO NOTHING`` per occasion,
built from an ORM queryset, so a holiday eve for a million customers is one statement and running
it twice adds nothing (tasks are unique by customer, kind, day and key).

When tasks fall due:

* public holidays, traditional festivals and product launches: ``QIWANG_GREETING_LEAD_DAYS``
  (default 1) days before the date, for every customer (or the tiers and branch the occasion
  names);
* birthdays and company anniversaries: on the day (29 February is greeted on 28 February in
  other years);
* sales rise: on the 1st of the month, for VIP and important customers whose revenue last month
  was at least ``QIWANG_SALES_RISE_PERCENT`` (default 20 %) above the month before.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from lunardate import LunarDate

from qiwang.accounts.models import Branch, User
from qiwang.accounts.permissions import Action, is_company_scoped, require, require_company
from qiwang.accounts.services import record_event
from qiwang.accounts.working_calendar import WorkingCalendar
from qiwang.customers.choices import (
    Channel,
    OccasionKind,
    TaskKind,
    TaskStatus,
    Tier,
)
from qiwang.customers.models import (
    ContactTask,
    Customer,
    MaintenancePlan,
    MonthlySales,
    Occasion,
)
from qiwang.errors import ServiceError

#: Public holidays greeted: the first day of each holiday period in the working-day calendar
#: (``accounts.CalendarDay``, the State Council's yearly notice), by holiday code. The festivals
#: with a public holiday are in FESTIVALS instead (their lunar date is the greeting day).
PUBLIC_HOLIDAYS = {
    "new_years_day": "元旦",
    "tomb_sweeping_day": "清明节",
    "labour_day": "劳动节",
    "national_day": "国庆节",
}
#: Traditional festivals by lunar month and day (lunardate).
FESTIVALS = (
    (1, 1, "春节"),
    (1, 15, "元宵节"),
    (5, 5, "端午节"),
    (8, 15, "中秋节"),
    (9, 9, "重阳节"),
)
#: Tiers greeted on a customer's sales rise (docs/customers.md: VIP, and important "as VIP").
SALES_RISE_TIERS = (Tier.VIP, Tier.IMPORTANT)


@dataclass(frozen=True)
class YearOccasion:
    date: datetime.date
    kind: str
    name: str


def holiday_table(year: int) -> list[YearOccasion]:
    """Public holidays and traditional festivals of ``year``, by date.

    Public holidays come from the working-day calendar; for a year it does not know there are
    none (never guessed: the dates move every year) — :func:`holidays_known` tells. Festivals are
    lunar dates, computed."""
    from qiwang.accounts.calendar_models import CalendarDay, CalendarYear, DayKind

    rows: list[YearOccasion] = []
    if CalendarYear.objects.filter(year=year).exists():
        found: dict[str, datetime.date] = {}
        days = CalendarDay.objects.filter(
            day__year=year, branch__isnull=True, kind=DayKind.HOLIDAY, name__in=PUBLIC_HOLIDAYS
        ).order_by("day")
        for day, code in days.values_list("day", "name"):
            found.setdefault(PUBLIC_HOLIDAYS[code], day)
        for name, date in found.items():
            rows.append(YearOccasion(date=date, kind=OccasionKind.PUBLIC_HOLIDAY, name=name))
    for month, day_of_month, name in FESTIVALS:
        date = LunarDate(year, month, day_of_month).to_solar_date()
        rows.append(YearOccasion(date=date, kind=OccasionKind.FESTIVAL, name=name))
    return sorted(rows, key=lambda row: row.date)


def holidays_known(year: int) -> bool:
    """Whether the working-day calendar knows ``year`` (so its public holidays are greeted)."""
    from qiwang.accounts.calendar_models import CalendarYear

    return CalendarYear.objects.filter(year=year).exists()


@transaction.atomic
def load_year(year: int, *, actor: User | None = None) -> int:
    """Store the year's holiday table as company-wide occasions; returns how many were new.
    A user loading it must be scoped to the whole company."""
    if actor is not None:
        require_company(actor, Action.MANAGE_MAINTENANCE_PLANS)
    if not 2000 <= year <= 2100:
        raise ServiceError(_("Choose a year between 2000 and 2100."), field="year")
    created = 0
    for row in holiday_table(year):
        _occasion, is_new = Occasion.objects.get_or_create(
            kind=row.kind, date=row.date, name=row.name, branch=None, customer=None
        )
        created += is_new
    return created


@transaction.atomic
def add_occasion(
    *,
    actor: User,
    kind: str,
    date: datetime.date,
    name: str,
    branch: Branch | None = None,
    tiers: list[str] | None = None,
) -> Occasion:
    """A product launch (or another company occasion) to greet customers on."""
    require(actor, Action.MANAGE_MAINTENANCE_PLANS, branch)
    errors: dict[str, list[str]] = {}
    name = str(name or "").strip()
    if not name:
        errors["name"] = [_("This field is required.")]
    if kind not in (
        OccasionKind.PRODUCT_LAUNCH,
        OccasionKind.PUBLIC_HOLIDAY,
        OccasionKind.FESTIVAL,
    ):
        errors["kind"] = [_("Only launches, holidays and festivals are added by hand.")]
    unknown = [tier for tier in tiers or [] if tier not in Tier.values]
    if unknown:
        errors["tiers"] = [_("Unknown tiers: %s.") % ", ".join(unknown)]
    if branch is None and not is_company_scoped(actor):
        # A company-wide occasion greets every branch's customers: whole-company users only.
        errors["branch"] = [_("Choose one of your branches.")]
    if errors:
        raise ServiceError(errors)
    occasion = Occasion.objects.create(
        kind=kind, date=date, name=name[:80], branch=branch, tiers=list(tiers or [])
    )
    record_event(actor=actor, action="occasion_added", obj=occasion, changes={"name": name})
    return occasion


# --- generation -----------------------------------------------------------------------------


def _greeting_channels(industry: str) -> dict[str, str]:
    channels = dict(
        MaintenancePlan.objects.filter(industry=industry).values_list("tier", "greeting_channel")
    )
    return {tier: channels.get(tier, Channel.SMS) for tier in Tier.values}


_INSERT_GREETINGS = """
INSERT INTO {task} (customer_id, branch_id, assignee_id, plan_id, kind, due_date, status, key,
                    channel, greeting_kind, occasion_id, message, note, note_code,
                    note_params, created_at)
SELECT s.c_id, s.b_id, s.m_id, NULL, %s, %s, %s, %s, {channel}, %s, %s, '', %s, %s, %s, %s
FROM ({source}) s WHERE 1 = 1
ON CONFLICT (customer_id, kind, due_date, key) DO NOTHING
"""


def _insert_greetings(
    source: QuerySet,
    *,
    day: datetime.date,
    key: str,
    greeting_kind: str,
    occasion_id: int | None,
    note: str,
    now: datetime.datetime,
    code: str = "",
    params: dict[str, Any] | None = None,
) -> int:
    """INSERT … SELECT the rows of ``source`` (annotated ``c_id``, ``b_id``, ``m_id``,
    ``c_tier``) as greeting tasks due on ``day``, on the greeting channel of each customer's
    profile and tier (one statement per profile in use)."""
    from qiwang.customers.services.profiles import branch_industries, branches_in_industry

    mapping = branch_industries()
    created = 0
    for industry in sorted(set(mapping.values())):
        branch_ids = branches_in_industry(industry, mapping)
        created += _insert_greetings_of(
            source.filter(b_id__in=branch_ids),
            channels=_greeting_channels(industry),
            day=day,
            key=key,
            greeting_kind=greeting_kind,
            occasion_id=occasion_id,
            note=note,
            now=now,
            code=code,
            params=params or {},
        )
    return created


def _insert_greetings_of(
    source: QuerySet,
    *,
    channels: dict[str, str],
    day: datetime.date,
    key: str,
    greeting_kind: str,
    occasion_id: int | None,
    note: str,
    now: datetime.datetime,
    code: str,
    params: dict[str, Any],
) -> int:
    select_sql, select_params = (
        source.order_by().values("c_id", "b_id", "m_id", "c_tier").query.sql_with_params()
    )
    channel_case = "CASE s.c_tier " + " ".join("WHEN %s THEN %s" for _tier in channels)
    channel_case += " ELSE %s END"
    channel_params: list[Any] = []
    for tier, channel in channels.items():
        channel_params += [tier, channel]
    channel_params.append(Channel.SMS.value)
    ops = connection.ops
    sql = _INSERT_GREETINGS.format(
        task=ops.quote_name(ContactTask._meta.db_table), channel=channel_case, source=select_sql
    )
    params = [
        TaskKind.GREETING.value,
        ops.adapt_datefield_value(day),
        TaskStatus.OPEN.value,
        key,
        *channel_params,
        greeting_kind,
        occasion_id,
        note[:300],
        code,
        ContactTask._meta.get_field("note_params").get_db_prep_value(params, connection),
        ops.adapt_datetimefield_value(now),
        *select_params,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


def _owned(customers: QuerySet) -> QuerySet:
    return customers.filter(account_manager__isnull=False).annotate(
        c_id=F("pk"), b_id=F("branch_id"), m_id=F("account_manager_id"), c_tier=F("tier")
    )


def _ensure_year(year: int) -> None:
    """Load the year's holiday table on first use, and its public holidays once the working-day
    calendar knows the year (an administrator may enter it after the festivals were loaded)."""
    occasions = Occasion.objects.filter(date__year=year, customer__isnull=True, branch=None)
    if not occasions.filter(kind=OccasionKind.FESTIVAL).exists() or (
        holidays_known(year) and not occasions.filter(kind=OccasionKind.PUBLIC_HOLIDAY).exists()
    ):
        load_year(year)


@transaction.atomic
def generate_greeting_tasks(
    day: datetime.date,
    *,
    now: datetime.datetime | None = None,
    calendar: WorkingCalendar | None = None,
) -> int:
    """Create the greeting tasks due on ``day``; returns how many were created. Idempotent.

    Only on working days: a working day also greets for the days off right after it (a birthday
    on Sunday is greeted on Friday, a holiday's greeting due on a Saturday on the Friday before).
    A day in a year the working-day calendar does not know creates nothing."""
    from qiwang.accounts.calendar_services import load_working_calendar
    from qiwang.customers.services.workdays import UnknownCalendarYear, days_ahead

    now = now or timezone.now()
    try:
        covered = days_ahead(calendar or load_working_calendar(), day)
    except UnknownCalendarYear:
        return 0
    created = 0
    lead = datetime.timedelta(days=settings.QIWANG_GREETING_LEAD_DAYS)
    for year in sorted({(covered_day + lead).year for covered_day in covered}):
        _ensure_year(year)
    company = Occasion.objects.filter(
        date__in=[covered_day + lead for covered_day in covered], customer__isnull=True
    )
    for occasion in company:
        customers = Customer.objects.all()
        if occasion.branch_id:
            customers = customers.filter(
                branch_id__in=Branch.objects.with_descendants([occasion.branch_id])
            )
        if occasion.tiers:
            customers = customers.filter(tier__in=occasion.tiers)
        created += _insert_greetings(
            _owned(customers),
            day=day,
            key=f"occasion:{occasion.pk}",
            greeting_kind=occasion.kind,
            occasion_id=occasion.pk,
            note=occasion.name,
            now=now,
        )
    for covered_day in covered:
        created += _own_dates(day, covered_day, now)
        if covered_day.day == 1:
            created += _insert_sales_rises(covered_day, due=day, now=now)
    return created


def _own_dates(day: datetime.date, covered_day: datetime.date, now: datetime.datetime) -> int:
    """Birthdays and company anniversaries on ``covered_day``, due on ``day``."""
    created = 0
    leap_day = (
        covered_day.month == 2 and covered_day.day == 28 and not calendar.isleap(covered_day.year)
    )
    for field, kind, note, code in (
        ("birthday", OccasionKind.BIRTHDAY, _("Birthday"), "birthday"),
        ("founded_on", OccasionKind.ANNIVERSARY, _("Company anniversary"), "anniversary"),
    ):
        same_day = Q(**{f"{field}__month": covered_day.month, f"{field}__day": covered_day.day})
        if leap_day:
            same_day |= Q(**{f"{field}__month": 2, f"{field}__day": 29})
        created += _insert_greetings(
            _owned(Customer.objects.filter(same_day)),
            day=day,
            key=f"{kind}:{covered_day.year}",
            greeting_kind=kind,
            occasion_id=None,
            note=str(note),
            now=now,
            code=code,
        )
    return created


def _insert_sales_rises(first: datetime.date, *, due: datetime.date, now: datetime.datetime) -> int:
    """Sales rises of the month before ``first`` (the 1st of a month), due on ``due``."""
    last_month = (first - datetime.timedelta(days=1)).replace(day=1)
    month_before = (last_month - datetime.timedelta(days=1)).replace(day=1)
    factor = 1 + settings.QIWANG_SALES_RISE_PERCENT / 100
    before = MonthlySales.objects.filter(customer=OuterRef("customer"), month=month_before)
    rises = (
        MonthlySales.objects.filter(
            month=last_month,
            customer__tier__in=SALES_RISE_TIERS,
            customer__account_manager__isnull=False,
        )
        .annotate(revenue_before=Subquery(before.values("revenue")[:1]))
        .filter(revenue_before__gt=0, revenue__gte=F("revenue_before") * factor)
        .annotate(
            c_id=F("customer_id"),
            b_id=F("customer__branch_id"),
            m_id=F("customer__account_manager_id"),
            c_tier=F("customer__tier"),
        )
    )
    return _insert_greetings(
        rises,
        day=due,
        key=f"sales-rise:{last_month:%Y-%m}",
        greeting_kind=OccasionKind.SALES_RISE,
        occasion_id=None,
        note=_("Sales rose in %(month)s") % {"month": f"{last_month:%Y-%m}"},
        now=now,
        code="sales_rise",
        params={"month": f"{last_month:%Y-%m}"},
    )


# --- rendering and sending: greeting_messages.py ----------------------------------------------
from qiwang.customers.services.greeting_messages import (  # noqa: E402, F401 — re-exported
    RenderedGreeting,
    greeting_previews,
    organisation_name,
    render_greeting,
    send_greeting,
    sms_segments,
    templates_by_key,
)
