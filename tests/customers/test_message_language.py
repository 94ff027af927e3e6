"""Messages in the customer's preferred language (issue 15, item 4): the customer's language on
the edit page, the API and the import; greetings previewed and sent in it, falling back to the
Chinese text when a template has no English one."""

from __future__ import annotations

import csv
import datetime
import io
import json

import pytest
from django.core import mail
from django.test import Client
from django.utils import translation
from tests.conftest import PASSWORD

from qiwang.accounts.services import create_api_token
from qiwang.customers.choices import TaskKind
from qiwang.customers.models import ContactTask, Customer, MessageTemplate
from qiwang.customers.services.greetings import (
    generate_greeting_tasks,
    greeting_previews,
    render_greeting,
    send_greeting,
)
from qiwang.customers.services.io import apply_import, preview_import

MID_AUTUMN_EVE = datetime.date(2026, 9, 24)


@pytest.fixture(autouse=True)
def sms_outbox(settings, tmp_path):
    settings.QIWANG_SMS_DIR = str(tmp_path / "sms")
    settings.QIWANG_SMS_BACKEND = "qiwang.customers.messaging.FileSmsBackend"
    settings.QIWANG_GREETING_LEAD_DAYS = 1
    return tmp_path / "sms"


def _outbox(directory):
    return [
        json.loads(line)
        for path in sorted(directory.glob("outbox-*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
    ]


def _greeting(customer):
    generate_greeting_tasks(MID_AUTUMN_EVE)
    return ContactTask.objects.select_related("customer", "occasion").get(
        kind=TaskKind.GREETING, customer=customer
    )


def test_new_customers_are_written_to_in_chinese(book):
    assert book["general"].language == "zh-hans"


def test_an_english_customer_gets_the_english_sms_and_a_chinese_one_the_chinese(
    book, team, sms_outbox
):
    Customer.objects.filter(pk=book["general"].pk).update(language="en")
    # two households (one number each: a greeting counts against the number's SMS rate limit)
    Customer.objects.filter(pk=book["high_quality"].pk).update(phone="+8613912345678")
    english = _greeting(book["general"])
    chinese = ContactTask.objects.get(kind=TaskKind.GREETING, customer=book["high_quality"])

    send_greeting(actor=team["manager"], task=english, channel="sms")
    send_greeting(actor=team["manager"], task=chinese, channel="sms")

    texts = {line["text"] for line in _outbox(sms_outbox)}
    english_text = next(text for text in texts if book["general"].name in text)
    chinese_text = next(text for text in texts if book["high_quality"].name in text)
    # the holiday's name in the customer's language too, whatever the sender's page shows
    assert english_text.startswith(f"Hello {book['general'].name},")
    assert "Mid-Autumn Festival" in english_text and "中秋" not in english_text
    assert chinese_text.startswith(f"{book['high_quality'].name}，您好！")
    assert "中秋节" in chinese_text


def test_the_english_email_has_an_english_subject(book, team):
    Customer.objects.filter(pk=book["vip"].pk).update(language="en")
    task = _greeting(book["vip"])
    with translation.override("zh-hans"):  # a manager reading Chinese sends it
        send_greeting(actor=team["manager"], task=task, channel="email")
    assert mail.outbox[0].subject == "Happy Mid-Autumn Festival"
    assert mail.outbox[0].body.startswith(f"Dear {book['vip'].name},")


def test_a_template_without_english_falls_back_to_the_chinese_text(book, team, sms_outbox):
    Customer.objects.filter(pk=book["general"].pk).update(language="en")
    task = _greeting(book["general"])
    MessageTemplate.objects.filter(occasion_kind="festival", tier="general", channel="sms").update(
        body_en="   "
    )
    sent = send_greeting(actor=team["manager"], task=task, channel="sms")
    assert sent.body.startswith(f"{book['general'].name}，您好！")
    assert _outbox(sms_outbox)[0]["text"] == sent.body


def test_the_preview_is_the_message_sent_with_its_segments(book, team):
    Customer.objects.filter(pk=book["general"].pk).update(language="en")
    task = _greeting(book["general"])
    task.customer.refresh_from_db()
    with translation.override("zh-hans"):
        (sms, email) = greeting_previews(task)
    assert sms.body.startswith("Hello ")
    # an English text with a Chinese name is not GSM-7: 70 characters a segment
    expected = 1 if len(sms.body) <= 70 else -(-len(sms.body) // 67)
    assert sms.segments == expected and sms.length == len(sms.body)
    assert email.subject == "Happy Mid-Autumn Festival"
    sent = send_greeting(actor=team["manager"], task=task, channel="sms", seen=sms.digest)
    assert sent.body == sms.body


def test_the_phone_script_is_in_the_readers_language_not_the_customers(book):
    Customer.objects.filter(pk=book["vip"].pk).update(language="en")
    task = _greeting(book["vip"])
    with translation.override("zh-hans"):
        assert render_greeting(task, "phone").body.startswith("电话问候要点")
    with translation.override("en"):
        assert render_greeting(task, "phone").body.startswith("Call points")


def test_the_edit_page_sets_the_language_and_refuses_an_unknown_one(client, book, team):
    client.login(username=team["manager"].username, password=PASSWORD)
    customer = book["general"]
    url = f"/customers/{customer.pk}/edit/"
    form = {"name": customer.name, "tier": customer.tier, "phone": "13812345678"}

    refused = client.post(url, {**form, "language": "fr"})
    assert refused.status_code == 200
    assert "language" in refused.context["form"].errors
    saved = client.post(url, {**form, "language": "en"})
    assert saved.status_code == 302
    customer.refresh_from_db()
    assert customer.language == "en"
    kept = client.post(url, form)  # a form without the field keeps the language
    assert kept.status_code == 302
    customer.refresh_from_db()
    assert customer.language == "en"
    page = client.get(f"/customers/{customer.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert 'data-testid="customer-language"' in page.content.decode()


def _api(user):
    token = create_api_token(user=user, name="t").key
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def test_the_api_reads_writes_and_checks_the_language(org, customers):
    api = _api(org.users["account_manager"])
    created = api.post(
        "/api/customers",
        json.dumps(
            {
                "code": "L0001",
                "name": "Alice Chen",
                "kind": "household",
                "branch_id": org.own.pk,
                "language": "en",
            }
        ),
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["language"] == "en"
    own = customers["own"].pk
    assert api.get(f"/api/customers/{own}").json()["language"] == "zh-hans"
    changed = api.patch(
        f"/api/customers/{own}", json.dumps({"language": "en"}), content_type="application/json"
    )
    assert changed.status_code == 200 and changed.json()["language"] == "en"
    bad = api.patch(
        f"/api/customers/{own}", json.dumps({"language": "fr"}), content_type="application/json"
    )
    assert bad.status_code == 422
    assert [error["field"] for error in bad.json()["errors"]] == ["language"]
    assert Customer.objects.get(pk=own).language == "en"


def _csv(rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["code", "name", "kind", "branch", "language"])
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


@pytest.mark.parametrize(
    ("written", "stored"),
    [("en", "en"), ("English", "en"), ("中文", "zh-hans"), ("zh-hans", "zh-hans"), ("", "zh-hans")],
)
def test_the_import_reads_the_language_column(org, tmp_path, monkeypatch, written, stored):
    monkeypatch.setenv("QIWANG_DATA_DIR", str(tmp_path))
    admin = org.users["administrator"]
    content = _csv([["L0100", "Bob Li", "household", "a", written]])
    preview = preview_import(actor=admin, content=content, filename="c.csv")
    assert preview.can_apply, preview.issues
    apply_import(
        actor=admin,
        content=content,
        filename="c.csv",
        expected_fingerprint=preview.fingerprint,
        expected_plan=preview.plan_digest,
    )
    assert Customer.objects.get(code="L0100").language == stored


def test_the_import_refuses_an_unknown_language_naming_the_column(org, tmp_path, monkeypatch):
    monkeypatch.setenv("QIWANG_DATA_DIR", str(tmp_path))
    content = _csv([["L0200", "Eve", "household", "a", "法语"]])
    with translation.override("en"):
        preview = preview_import(actor=org.users["administrator"], content=content, filename="c")
    (issue,) = preview.issues
    assert (issue.row, issue.field, issue.value) == (2, "language", "法语")
    assert "zh-hans" in issue.reason and "en" in issue.reason
    assert not Customer.objects.filter(code="L0200").exists()
