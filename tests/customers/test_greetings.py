"""Greetings: the year's holiday table, greeting tasks on occasions, sending by SMS and e-mail."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import translation
from tests.conftest import PASSWORD, make_customer

from qiwang.customers.choices import OccasionKind, TaskKind, TaskStatus
from qiwang.customers.messaging import FileSmsBackend, MessagingError, send_sms
from qiwang.customers.models import ContactTask, Interaction, MonthlySales, Occasion
from qiwang.customers.services.greetings import (
    add_occasion,
    generate_greeting_tasks,
    holiday_table,
    load_year,
    send_greeting,
)
from qiwang.errors import ServiceError


@pytest.fixture(autouse=True)
def sms_outbox(settings, tmp_path):
    settings.QIWANG_SMS_DIR = str(tmp_path / "sms")
    settings.QIWANG_SMS_BACKEND = "qiwang.customers.messaging.FileSmsBackend"
    settings.QIWANG_GREETING_LEAD_DAYS = 1
    return tmp_path / "sms"


def test_holiday_table_2026_matches_the_published_dates(db):
    # Lunar festivals (Hong Kong Observatory Gregorian–lunar conversion tables, 2026):
    # Spring Festival 17 Feb, Lantern 3 Mar, Dragon Boat 19 Jun, Mid-Autumn 25 Sep, Double Ninth
    # 18 Oct. Public holidays: State Council notice on the 2026 holiday arrangement — New Year
    # 1 Jan, Qingming from 4 Apr, Labour Day from 1 May, National Day from 1 Oct.
    table = {row.name: (row.date, row.kind) for row in holiday_table(2026)}
    assert table == {
        "元旦": (datetime.date(2026, 1, 1), OccasionKind.PUBLIC_HOLIDAY),
        "春节": (datetime.date(2026, 2, 17), OccasionKind.FESTIVAL),
        "元宵节": (datetime.date(2026, 3, 3), OccasionKind.FESTIVAL),
        "清明节": (datetime.date(2026, 4, 4), OccasionKind.PUBLIC_HOLIDAY),
        "劳动节": (datetime.date(2026, 5, 1), OccasionKind.PUBLIC_HOLIDAY),
        "端午节": (datetime.date(2026, 6, 19), OccasionKind.FESTIVAL),
        "中秋节": (datetime.date(2026, 9, 25), OccasionKind.FESTIVAL),
        "重阳节": (datetime.date(2026, 10, 18), OccasionKind.FESTIVAL),
        "国庆节": (datetime.date(2026, 10, 1), OccasionKind.PUBLIC_HOLIDAY),
    }


def test_load_year_is_idempotent(db):
    assert load_year(2026) == 9
    assert load_year(2026) == 0
    assert Occasion.objects.filter(date__year=2026).count() == 9


def test_holiday_eve_gives_every_owned_customer_a_greeting_with_the_tier_channel(book):
    # the day before Mid-Autumn 2026 (25 September)
    eve = datetime.date(2026, 9, 24)
    created = generate_greeting_tasks(eve)
    tasks = ContactTask.objects.filter(kind=TaskKind.GREETING, due_date=eve)
    # six owned customers (the unowned VIP gets none)
    assert created == 6 == tasks.count()
    channels = dict(tasks.values_list("customer__code", "channel"))
    assert channels["A1000"] == "phone"  # VIP: by phone (docs/customers.md)
    assert channels["A1003"] == "sms"  # general: SMS
    assert set(tasks.values_list("greeting_kind", flat=True)) == {OccasionKind.FESTIVAL}
    assert generate_greeting_tasks(eve) == 0  # idempotent


def test_birthdays_and_anniversaries_on_the_day_and_leap_day_birthdays_on_28_february(org, team):
    manager = team["manager"]
    make_customer(org.own, "P1", account_manager=manager, birthday=datetime.date(1980, 3, 5))
    make_customer(org.own, "P2", account_manager=manager, birthday=datetime.date(1984, 2, 29))
    make_customer(org.own, "P3", account_manager=manager, founded_on=datetime.date(2001, 3, 5))
    load_year(2026)  # so the holiday table does not add greetings of its own
    generate_greeting_tasks(datetime.date(2026, 3, 5))
    generate_greeting_tasks(datetime.date(2026, 2, 28))
    kinds = set(
        ContactTask.objects.filter(kind=TaskKind.GREETING).values_list(
            "customer__code", "greeting_kind", "due_date"
        )
    )
    assert kinds == {
        ("P1", "birthday", datetime.date(2026, 3, 5)),
        ("P3", "anniversary", datetime.date(2026, 3, 5)),
        ("P2", "birthday", datetime.date(2026, 2, 28)),
    }


def test_sales_rise_greets_vip_and_important_customers_above_the_threshold(book):
    def sales(customer, month, revenue):
        MonthlySales.objects.create(customer=customer, month=month, revenue=Decimal(revenue))

    october, november = datetime.date(2026, 10, 1), datetime.date(2026, 11, 1)
    sales(book["vip"], october, "1000")
    sales(book["vip"], november, "1200")  # +20 %: a rise
    sales(book["important"], october, "1000")
    sales(book["important"], november, "1199")  # +19.9 %: not
    sales(book["general"], october, "100")
    sales(book["general"], november, "500")  # general tier: not greeted for sales
    load_year(2026)
    load_year(2027)
    generate_greeting_tasks(datetime.date(2026, 12, 1))
    tasks = ContactTask.objects.filter(greeting_kind=OccasionKind.SALES_RISE)
    assert list(tasks.values_list("customer__code", "key")) == [("A1000", "sales-rise:2026-11")]


def test_a_product_launch_greets_only_the_chosen_tiers(org, book):
    launch = add_occasion(
        actor=org.users["quality_manager"],
        kind=OccasionKind.PRODUCT_LAUNCH,
        date=datetime.date(2026, 12, 10),
        name="节能阀门 X2",
        branch=org.own,
        tiers=["vip", "important"],
    )
    load_year(2026)
    generate_greeting_tasks(datetime.date(2026, 12, 9))
    codes = sorted(
        ContactTask.objects.filter(occasion=launch).values_list("customer__code", flat=True)
    )
    assert codes == ["A1000", "A1001", "A2001"]  # own branch only (B2001 is elsewhere)


def test_sending_an_sms_greeting_writes_the_outbox_and_completes_the_task(book, team, sms_outbox):
    generate_greeting_tasks(datetime.date(2026, 9, 24))
    task = ContactTask.objects.get(kind=TaskKind.GREETING, customer=book["general"])
    message = send_greeting(actor=team["manager"], task=task, channel="sms")
    lines = [
        json.loads(line)
        for path in sms_outbox.glob("outbox-*.jsonl")
        for line in path.read_text(encoding="utf-8").splitlines()
    ]
    assert len(lines) == 1
    assert lines[0]["to"] == "+8613812345678"
    assert "中秋节" in lines[0]["text"] and book["general"].name in lines[0]["text"]
    assert message.body == lines[0]["text"]
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    assert Interaction.objects.get(task=task).channel == "sms"


def test_sending_an_email_greeting_goes_through_django_mail(book, team):
    generate_greeting_tasks(datetime.date(2026, 9, 24))
    task = ContactTask.objects.get(kind=TaskKind.GREETING, customer=book["vip"])
    send_greeting(actor=team["manager"], task=task, channel="email")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["owner@example.cn"]
    assert "中秋节" in mail.outbox[0].subject
    # the VIP template: the name inside the salutation, not run into it
    assert mail.outbox[0].body.startswith(f"尊敬的{book['vip'].name}，您好！")


def test_a_customer_without_a_phone_cannot_get_an_sms_and_nothing_is_written(book, team):
    book["general"].phone = ""
    book["general"].save()
    generate_greeting_tasks(datetime.date(2026, 9, 24))
    task = ContactTask.objects.get(kind=TaskKind.GREETING, customer=book["general"])
    with pytest.raises(ServiceError) as error:
        send_greeting(actor=team["manager"], task=task, channel="sms")
    assert "channel" in error.value.errors
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN
    assert not Interaction.objects.exists()


def test_a_greeting_counts_against_the_channels_rate_limit_and_nothing_is_written(
    book, team, sms_outbox, settings
):
    # A survey invitation just went to this number (the worker counted it): a greeting in the
    # same minute would be refused by the provider's per-number limit, so it is held back here,
    # with the wait, and the task stays open.
    from qiwang.customers.delivery import take_slot

    settings.QIWANG_RATE_SMS_RECIPIENT = "1/m"
    assert take_slot("sms", book["general"].phone).allowed
    generate_greeting_tasks(datetime.date(2026, 9, 24))
    task = ContactTask.objects.get(kind=TaskKind.GREETING, customer=book["general"])

    with (
        translation.override("en"),
        pytest.raises(ServiceError, match=r"again in \d+ seconds") as error,
    ):
        send_greeting(actor=team["manager"], task=task, channel="sms")

    assert "channel" in error.value.errors
    assert list(sms_outbox.glob("outbox-*.jsonl")) == []
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN
    assert not Interaction.objects.exists()


def test_send_sms_refuses_a_bad_number():
    with pytest.raises(MessagingError):
        send_sms("call me", "你好")


def test_file_backend_appends(tmp_path):
    backend = FileSmsBackend(tmp_path)
    backend.send("13800000000", "一")
    backend.send("13800000001", "二")
    (path,) = tmp_path.glob("*.jsonl")
    assert [json.loads(line)["text"] for line in path.read_text().splitlines()] == ["一", "二"]


def test_my_day_shows_the_greeting_and_sends_it_through_htmx(
    client, book, team, sms_outbox, working_today
):
    from django.utils import timezone

    today = timezone.localdate()
    occasion = Occasion.objects.create(
        kind=OccasionKind.FESTIVAL, date=today + datetime.timedelta(days=1), name="测试节"
    )
    load_year(today.year)
    load_year((today + datetime.timedelta(days=1)).year)
    generate_greeting_tasks(today)
    client.login(username=team["manager"].username, password=PASSWORD)
    page = client.get("/customers/my-day/")
    assert "测试节" in page.content.decode()
    task = ContactTask.objects.get(occasion=occasion, customer=book["general"])
    response = client.post(
        f"/customers/tasks/{task.pk}/send/", {"channel": "sms"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert 'data-testid="task-done"' in response.content.decode()
    assert list(sms_outbox.glob("*.jsonl"))


def test_another_managers_greeting_is_404(client, book, team, org):
    generate_greeting_tasks(datetime.date(2026, 9, 24))
    task = ContactTask.objects.get(kind=TaskKind.GREETING, customer=book["second_vip"])
    client.login(username=team["manager"].username, password=PASSWORD)
    response = client.post(f"/customers/tasks/{task.pk}/send/", {"channel": "sms"})
    assert response.status_code == 404


def test_occasions_page_lists_the_year_and_adds_a_launch(client, org, company_quality):
    client.login(username=company_quality.username, password=PASSWORD)  # the holiday table
    client.post("/customers/occasions/?year=2026", {"action": "load_year"})
    page = client.get("/customers/occasions/?year=2026")
    assert len(page.context["occasions"]) == 9
    response = client.post(
        "/customers/occasions/?year=2026",
        {"name": "新品", "date": "2026-12-10", "branch": org.own.pk, "tiers": ["vip"]},
    )
    assert response.status_code == 302
    assert Occasion.objects.get(kind=OccasionKind.PRODUCT_LAUNCH).tiers == ["vip"]


def test_account_managers_cannot_add_occasions(client, org):
    client.login(username=org.users["account_manager"].username, password=PASSWORD)
    response = client.post("/customers/occasions/", {"action": "load_year"})
    assert response.status_code == 403
