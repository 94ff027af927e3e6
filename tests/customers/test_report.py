"""Monthly report: figures counted by hand from the rows each test creates, permissions by role
and branch, the page (chart data, empty state) and the XLSX / PDF files read back."""

from __future__ import annotations

import datetime
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook
from pypdf import PdfReader
from tests.conftest import make_customer

from qiwang.customers.models import (
    ContactTask,
    Interaction,
    LifecycleChange,
    Referral,
    TierChange,
)
from qiwang.customers.services.report import monthly_report
from qiwang.customers.services.report_files import report_pdf, report_xlsx

MONTH = datetime.date(2026, 10, 1)
TZ = datetime.timezone(datetime.timedelta(hours=8))


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def at(day, hour=10):
    return datetime.datetime(2026, 10, day, hour, tzinfo=TZ)


def backdate(customer, days_before_month, last_activity_days=None):
    """Created ``days_before_month`` days before 1 October; optional last activity."""
    start = datetime.datetime(2026, 10, 1, tzinfo=TZ)
    customer.created_at = start - datetime.timedelta(days=days_before_month)
    customer.last_activity_at = (
        start - datetime.timedelta(days=last_activity_days) if last_activity_days else None
    )
    customer.save(update_fields=["created_at", "last_activity_at"])
    type(customer).objects.filter(pk=customer.pk).update(created_at=customer.created_at)
    return customer


def task(customer, day, status="done"):
    return ContactTask.objects.create(
        customer=customer,
        branch=customer.branch,
        assignee=customer.account_manager,
        due_date=datetime.date(2026, 10, day),
        status=status,
    )


def interaction(customer, day, anomaly=False):
    return Interaction.objects.create(
        customer=customer,
        branch=customer.branch,
        author=customer.account_manager,
        channel="phone",
        occurred_at=at(day),
        is_anomaly=anomaly,
        notes="包装破损" if anomaly else "",
    )


@pytest.fixture
def month_data(org, team):
    """Own branch: manager's VIP (old), important (dormant), general (new); second manager's
    VIP (old). Other branch: one VIP with activity that must never be counted."""
    manager, second = team["manager"], team["second"]
    vip = backdate(make_customer(org.own, "R1", tier="vip", account_manager=manager), 400, 30)
    important = backdate(
        make_customer(org.own, "R2", tier="important", account_manager=manager), 700, 200
    )
    new = backdate(make_customer(org.own, "R3", tier="general", account_manager=manager), 10)
    other_vip = backdate(make_customer(org.own, "R4", tier="vip", account_manager=second), 400, 20)
    foreign = backdate(
        make_customer(
            org.other, "R9", tier="vip", account_manager=org.other_users["account_manager"]
        ),
        400,
        20,
    )
    for day in (1, 2, 3, 4, 5):
        task(vip, day, "done" if day <= 3 else "open")  # VIP: 5 planned, 3 made
    task(important, 6)  # important: 1 planned, 1 made
    task(important, 9, "cancelled")  # not counted
    task(other_vip, 7)
    task(foreign, 7)
    ContactTask.objects.create(  # September: outside the month
        customer=vip,
        branch=vip.branch,
        assignee=manager,
        due_date=datetime.date(2026, 9, 30),
        status="done",
    )
    # Manager's interactions: 6 old (vip), 1 dormant (important), 3 new (general) = 60/10/30.
    for day in range(1, 7):
        interaction(vip, day, anomaly=(day == 2))
    interaction(important, 6)
    for day in (11, 12, 13):
        interaction(new, day)
    interaction(other_vip, 7, anomaly=True)
    interaction(foreign, 7, anomaly=True)
    TierChange.objects.create(
        customer=important,
        old_tier="general",
        new_tier="important",
        status="confirmed",
        suggested_at=at(3),
        decided_at=at(4),
    )
    TierChange.objects.create(  # a mere suggestion: not a change
        customer=vip,
        old_tier="vip",
        new_tier="important",
        status="suggested",
        suggested_at=at(4),
    )
    LifecycleChange.objects.create(
        customer=important, old_lifecycle="dormant", new_lifecycle="active", changed_on=MONTH
    )
    Referral.objects.create(
        referrer=vip,
        referred=new,
        referred_on=datetime.date(2026, 10, 8),
        follow_up_due=datetime.date(2026, 10, 15),
        follow_up_done_at=at(14),
    )
    return {"vip": vip, "important": important, "new": new, "other_vip": other_vip}


NOW = datetime.datetime(2026, 11, 20, 12, tzinfo=TZ)


def test_account_manager_report_counts_by_hand(org, team, month_data):
    report = monthly_report(user=team["manager"], month=MONTH, now=NOW)

    tiers = {row.tier: row for row in report.tiers}
    assert (tiers["vip"].planned, tiers["vip"].made) == (5, 3)
    assert (tiers["important"].planned, tiers["important"].made) == (1, 1)
    assert tiers["vip"].interactions == 6 and tiers["vip"].anomalies == 1
    assert (report.planned, report.made, report.interactions, report.anomaly_total) == (6, 4, 10, 1)
    # 6 old / 1 dormant / 3 new interactions: exactly the 60/10/30 target of docs/customers.md.
    effort = {row.group: row for row in report.effort}
    assert effort["old"].actual == pytest.approx(0.6) and effort["old"].target == 0.6
    assert effort["dormant"].actual == pytest.approx(0.1)
    assert effort["new"].actual == pytest.approx(0.3)
    assert [(c.before, c.after, c.customers) for c in report.tier_changes] == [
        ("general", "important", 1)
    ]
    assert [(c.before, c.after) for c in report.lifecycle_changes] == [("dormant", "active")]
    assert (report.referral_total, report.referral_followed_up) == (1, 1)
    assert report.new_customers == 0  # R3 was created in September
    assert report.managers == ()  # a manager's own report has no per-manager table


def test_branch_report_for_quality_manager_splits_by_manager(org, team, month_data):
    report = monthly_report(user=org.users["quality_manager"], month=MONTH, now=NOW)

    assert report.planned == 7 and report.anomaly_total == 2  # the other branch is not counted
    managers = {row.name: row for row in report.managers}
    assert managers[str(team["manager"])].planned == 6
    assert managers[str(team["second"])].anomalies == 1


def test_another_month_is_empty(org, team, month_data):
    report = monthly_report(user=team["manager"], month=datetime.date(2026, 8, 1), now=NOW)

    assert report.is_empty
    assert all(row.actual is None for row in report.effort)


def test_query_count_does_not_grow_with_rows(org, team, month_data):
    monthly_report(user=org.users["quality_manager"], month=MONTH, now=NOW)  # caches branches
    with CaptureQueriesContext(connection) as small:
        monthly_report(user=org.users["quality_manager"], month=MONTH, now=NOW)
    for index in range(30):
        customer = make_customer(
            org.own, f"S{index}", tier="general", account_manager=team["second"]
        )
        task(customer, 10)
        interaction(customer, 10, anomaly=index % 2 == 0)
    with CaptureQueriesContext(connection) as large:
        monthly_report(user=org.users["quality_manager"], month=MONTH, now=NOW)

    assert len(large.captured_queries) == len(small.captured_queries)


# --- pages and files ----------------------------------------------------------------------------


def _client(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("role", "own", "other_branch"),
    [
        ("administrator", 200, 200),
        ("quality_manager", 200, 404),
        ("account_manager", 200, 404),
        ("analyst", 200, 404),
        ("agent", 403, 403),
    ],
)
def test_report_page_by_role_and_branch(org, role, own, other_branch):
    client = _client(org.users[role])
    url = reverse("customers_io:report_monthly")

    assert client.get(url, {"branch": org.own.pk}).status_code == own
    assert client.get(url, {"branch": org.other.pk}).status_code == other_branch
    assert (
        client.get(
            reverse("customers_io:report_monthly_download", args=["pdf"]), {"branch": org.other.pk}
        ).status_code
        == other_branch
    )


def test_account_manager_cannot_see_someone_elses_report(org, team, month_data):
    client = _client(team["manager"])

    response = client.get(
        reverse("customers_io:report_monthly"), {"month": "2026-10", "manager": team["second"].pk}
    )

    assert response.status_code == 200
    assert response.context["report"].manager_id == team["manager"].pk
    assert response.context["report"].planned == 6


def test_page_has_chart_data_and_empty_state(org, team, month_data):
    client = _client(org.users["quality_manager"])
    url = reverse("customers_io:report_monthly")

    full = client.get(url, {"month": "2026-10", "branch": org.own.pk})
    empty = client.get(url, {"month": "2026-08"})
    bad = client.get(url, {"month": "October"})

    assert full.context["chart"]["planned"] == [6, 1, 0, 0]
    assert full.context["chart"]["target"] == [60.0, 10.0, 30.0]
    assert 'id="chart-contacts"' in full.content.decode()
    assert 'data-testid="empty-state"' in empty.content.decode()
    assert "chart-contacts" not in empty.content.decode()
    assert bad.status_code == 404


def test_xlsx_has_sheets_headers_and_numbers(org, team, month_data):
    report = monthly_report(user=team["manager"], month=MONTH, now=NOW)

    workbook = load_workbook(io.BytesIO(report_xlsx(report)))

    assert "Contacts by tier" in workbook.sheetnames and "Effort split" in workbook.sheetnames
    tiers = list(workbook["Contacts by tier"].iter_rows(values_only=True))
    assert tiers[0] == ("Tier", "Planned", "Made", "Completion", "Interactions", "Anomalies")
    assert tiers[1] == ("VIP", 5, 3, 0.6, 6, 1)
    effort_sheet = workbook["Effort split"]
    assert effort_sheet["B2"].value == 0.6 and effort_sheet["B2"].number_format == "0.0%"
    assert isinstance(effort_sheet["C2"].value, int)


def _pdf_text_and_fonts(content: bytes) -> tuple[str, list[dict]]:
    """The text of a PDF and the font dictionaries of its pages, read back by pypdf (an
    independent reader: it decodes the subset font through the ToUnicode map reportlab writes)."""
    reader = PdfReader(io.BytesIO(content))
    text = "".join(page.extract_text() for page in reader.pages)
    fonts = [
        font.get_object() for page in reader.pages for font in page["/Resources"]["/Font"].values()
    ]
    return text, fonts


def test_pdf_in_chinese_embeds_its_font_and_contains_the_text(org, team, month_data):
    with translation.override("zh-hans"):
        report = monthly_report(user=team["manager"], month=MONTH, now=NOW)
        content = report_pdf(report)

    text, fonts = _pdf_text_and_fonts(content)

    assert content.startswith(b"%PDF-")
    assert "客户R1" in text and "包装破损" in text  # the anomaly row, read back from the PDF
    assert "2026-10 / " in text
    # every font is a TrueType subset with its glyphs in the file: no viewer needs a font of its own
    assert fonts and b"STSong" not in content
    for font in fonts:
        descriptor = font["/FontDescriptor"]
        assert "/FontFile2" in descriptor, font["/BaseFont"]
        assert font["/BaseFont"][7:8] == "+"  # a subset: six letters and a plus (PDF 1.7, 9.6.4)


def test_downloads_answer_files(org, team, month_data):
    client = _client(team["manager"])

    pdf = client.get(
        reverse("customers_io:report_monthly_download", args=["pdf"]), {"month": "2026-10"}
    )
    xlsx = client.get(
        reverse("customers_io:report_monthly_download", args=["xlsx"]), {"month": "2026-10"}
    )

    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    assert 'filename="customer-report-2026-10.pdf"' in pdf["Content-Disposition"]
    assert load_workbook(io.BytesIO(xlsx.content)).sheetnames[0]


def test_effort_counts_a_reactivated_customer_as_dormant_then_old(org, team):
    # Lifecycle thresholds of docs/customers.md: active = last activity within 180 days.
    manager = team["manager"]
    lost = backdate(make_customer(org.own, "L1", account_manager=manager), 700, 400)
    interaction(lost, 3)  # no activity for 400 days: effort on a dormant (lost) customer
    interaction(lost, 10)  # contacted a week ago: now an old customer

    report = monthly_report(user=manager, month=MONTH, now=NOW)

    effort = {row.group: row.interactions for row in report.effort}
    assert effort == {"old": 1, "dormant": 1, "new": 0}
