"""The daily generation of contact tasks from the tier plans (docs/customers.md cadences)."""

from __future__ import annotations

import datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qiwang.accounts.working_calendar import WorkingCalendar
from qiwang.customers.choices import TaskKind, TaskStatus
from qiwang.customers.models import ContactTask, Customer, MaintenancePlan
from qiwang.customers.services import generate_contact_tasks

# A Thursday: the default important / high-quality plans call on Monday and Thursday.
THURSDAY = datetime.date(2026, 11, 19)


def _tiers_due(day):
    return sorted(
        ContactTask.objects.filter(due_date=day, kind=TaskKind.CONTACT).values_list(
            "customer__code", flat=True
        )
    )


def _general_due(book, day):
    """The general customer is called on day ``1 + id % 28`` of each month."""
    return ["A1003"] if book["general"].pk % 28 == day.day - 1 else []


def test_thursday_calls_vip_important_and_high_quality(book):
    # given the default plans: VIP daily, important and high-quality Monday + Thursday
    # when the job runs for a Thursday
    result = generate_contact_tasks(THURSDAY)
    # then every owned VIP, important and high-quality customer has a task; the unowned VIP none
    expected = sorted(["A1000", "A1001", "A1002", "A2001", "B2001", *_general_due(book, THURSDAY)])
    assert _tiers_due(THURSDAY) == expected
    assert result.created == len(expected)


def test_friday_calls_only_vips(book):
    friday = THURSDAY + datetime.timedelta(days=1)
    generate_contact_tasks(friday)
    assert _tiers_due(friday) == sorted(["A1000", "A2001", "B2001", *_general_due(book, friday)])


def test_general_customers_are_called_once_a_month_on_their_rotation_day(book):
    general = book["general"]
    due = [
        day
        for day in (datetime.date(2026, 11, 1) + datetime.timedelta(days=n) for n in range(30))
        if generate_contact_tasks(day, escalate=False)
        and ContactTask.objects.filter(customer=general, due_date=day).exists()
    ]
    # on its rotation day, or on the first working day after it when that day is off
    rotation_day = datetime.date(2026, 11, 1 + general.pk % 28)
    calendar = WorkingCalendar.from_library()
    assert due == [calendar.next_working_day(rotation_day)]


def test_running_twice_creates_no_duplicates(book):
    first = generate_contact_tasks(THURSDAY)
    second = generate_contact_tasks(THURSDAY)
    assert first.created == 5 + len(_general_due(book, THURSDAY))
    assert second.created == 0
    assert ContactTask.objects.filter(due_date=THURSDAY).count() == first.created


def test_tasks_go_to_the_account_manager_with_the_plan_channel(book, team):
    generate_contact_tasks(THURSDAY)
    task = ContactTask.objects.get(customer=book["vip"], due_date=THURSDAY)
    assert task.assignee == team["manager"]
    assert task.branch_id == book["vip"].branch_id
    assert task.channel == "phone"
    assert task.status == TaskStatus.OPEN


def test_overdue_tasks_escalate_to_the_supervisor_once(book, team):
    generate_contact_tasks(THURSDAY)
    # on Saturday (a day off) nothing is escalated: nobody is at work
    assert generate_contact_tasks(THURSDAY + datetime.timedelta(days=2)).escalated == 0
    # on Monday the VIP task of Thursday is still open: Friday, one working day, has passed
    monday = THURSDAY + datetime.timedelta(days=4)
    result = generate_contact_tasks(monday)
    task = ContactTask.objects.get(customer=book["vip"], due_date=THURSDAY)
    assert task.escalated_to == team["supervisor"]
    assert task.escalated_at is not None
    # every Thursday task, whoever's supervisor (Friday's are not overdue yet)
    assert result.escalated == 5 + len(_general_due(book, THURSDAY))
    again = generate_contact_tasks(monday)
    assert again.escalated == 0


def test_done_tasks_do_not_escalate(book):
    generate_contact_tasks(THURSDAY)
    ContactTask.objects.filter(customer=book["vip"]).update(status=TaskStatus.DONE)
    generate_contact_tasks(THURSDAY + datetime.timedelta(days=4))
    assert ContactTask.objects.get(customer=book["vip"], due_date=THURSDAY).escalated_at is None


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    weekdays=st.lists(st.integers(min_value=0, max_value=6), min_size=1, max_size=7, unique=True),
    offset=st.integers(min_value=0, max_value=60),
    runs=st.integers(min_value=1, max_value=3),
)
def test_generation_invariants(book, weekdays, offset, runs):
    """Whatever the weekly plan and the day: on a working day each owned customer of a tier due
    on that day or on the days off just before it gets exactly one contact task, nobody else gets
    one, re-running changes nothing; a day off gets none; a year without calendar data none.
    The expected working days come from the chinese-calendar package (the State Council's
    notices), independently of the database calendar the generation reads."""
    ContactTask.objects.all().delete()
    MaintenancePlan.objects.filter(tier="important").update(weekdays=weekdays)
    day = THURSDAY + datetime.timedelta(days=offset)
    for _ in range(runs):
        result = generate_contact_tasks(day, escalate=False)
    calendar = WorkingCalendar.from_library()
    covered: list[datetime.date] = []
    if calendar.knows(day.year) and calendar.is_working_day(day):
        covered = [day]
        before = day - datetime.timedelta(days=1)
        while not calendar.is_working_day(before):
            covered.append(before)
            before -= datetime.timedelta(days=1)
    if not calendar.knows(day.year):
        assert result.unknown_year == day.year
    covered_weekdays = {covered_day.weekday() for covered_day in covered}
    slots = {covered_day.day - 1 for covered_day in covered if covered_day.day <= 28}
    due_tiers = {"vip"} if covered else set()
    due_tiers |= {"important"} if covered_weekdays & set(weekdays) else set()
    due_tiers |= {"high_quality"} if covered_weekdays & {0, 3} else set()
    expected = {
        customer.pk
        for customer in Customer.objects.filter(account_manager__isnull=False)
        if customer.tier in due_tiers or (customer.tier == "general" and customer.pk % 28 in slots)
    }
    tasks = ContactTask.objects.filter(kind=TaskKind.CONTACT)
    assert set(tasks.values_list("due_date", flat=True)) <= {day}
    assert sorted(tasks.values_list("customer_id", flat=True)) == sorted(expected)


def test_cli_generates_a_day_twice_without_duplicates_and_refuses_a_bad_day(book):
    from typer.testing import CliRunner

    from qiwang.cli import app

    runner = CliRunner()
    first = runner.invoke(app, ["customers", "generate-tasks", "--day", THURSDAY.isoformat()])
    assert first.exit_code == 0, first.output
    count = ContactTask.objects.filter(due_date=THURSDAY).count()
    assert count >= 5
    again = runner.invoke(app, ["customers", "generate-tasks", "--day", THURSDAY.isoformat()])
    assert again.exit_code == 0, again.output
    assert ContactTask.objects.filter(due_date=THURSDAY).count() == count
    bad = runner.invoke(app, ["customers", "generate-tasks", "--day", "2026-02-30"])
    assert bad.exit_code == 2
    assert "2026-02-30" in bad.output


def test_enqueue_puts_the_job_on_the_database_queue(book):
    from django_tasks_db.models import DBTaskResult
    from typer.testing import CliRunner

    from qiwang.cli import app

    result = CliRunner().invoke(
        app, ["customers", "generate-tasks", "--day", THURSDAY.isoformat(), "--enqueue"]
    )
    assert result.exit_code == 0, result.output
    job = DBTaskResult.objects.get()
    assert job.args_kwargs["args"][0] == THURSDAY.isoformat()


def test_the_job_generates_and_no_longer_queues_itself(book):
    # The self-re-queuing chain is replaced by the scheduler (customers.daily_tasks);
    # reschedule=True is deprecated and queues nothing.
    from django_tasks_db.models import DBTaskResult

    from qiwang.customers.tasks import generate_daily_contact_tasks

    outcome = generate_daily_contact_tasks.call(THURSDAY.isoformat(), reschedule=True)
    assert outcome["created"] >= 5
    assert DBTaskResult.objects.count() == 0


def test_generating_a_future_day_escalates_nothing(book):
    """Issue 15: ``generate-tasks --day <future date>`` escalated tasks that were not overdue."""
    now = datetime.datetime(2026, 11, 19, 9, tzinfo=datetime.UTC)  # Thursday morning
    generate_contact_tasks(THURSDAY, now=now, escalate=False)
    # planning a (working) day a month ahead: today's open tasks are not overdue
    ahead = generate_contact_tasks(datetime.date(2026, 12, 21), now=now)
    assert ahead.escalated == 0
    assert not ContactTask.objects.filter(escalated_at__isnull=False).exists()
    # a future day still gets its tasks (planning ahead)
    assert ahead.created > 0
