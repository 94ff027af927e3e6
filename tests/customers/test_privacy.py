"""Personal-data requests (PIPL): a complete copy, an erasure that reaches every place the
customer is stored while the statistics stay, and both only for the roles that may."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest
from django.test import Client
from tests.conftest import PASSWORD, make_customer
from tests.surveys.conftest import make_instrument, make_wave

from qiwang.accounts.models import AuditEvent
from qiwang.accounts.services import create_api_token
from qiwang.customers.models import Contact, Customer, Interaction, OutboundMessage
from qiwang.customers.privacy import ERASED, erase_personal_data, personal_data_copy
from qiwang.errors import ServiceError

PHONE = "13900001111"


@pytest.fixture
def held(org, settings, tmp_path):
    """A customer stored in many places: contact, interaction, message, SMS outbox, a survey
    answer with free text, an upload waiting for an import's apply, and the audit log."""
    settings.QIWANG_SMS_DIR = str(tmp_path / "sms")
    (tmp_path / "sms").mkdir()
    (tmp_path / "sms" / "outbox-2026-11-01.jsonl").write_text(
        json.dumps({"at": "x", "to": PHONE, "text": "王建国您好"}, ensure_ascii=False)
        + "\n"
        + json.dumps({"at": "x", "to": "13700000000", "text": "李四您好"}, ensure_ascii=False)
        + "\n",
        encoding="utf-8",
    )
    imports = tmp_path / "var" / "imports"
    imports.mkdir(parents=True)
    (imports / ("a" * 32 + ".upload")).write_text(f"code,name,phone\nA9,王建国,{PHONE}\n")
    (imports / ("b" * 32 + ".upload")).write_text("code,name,phone\nA8,李四,13700000000\n")

    manager = org.users["account_manager"]
    customer = make_customer(
        org.own, "A0042", name="王建国", phone=PHONE, account_manager=manager, notes="爱打乒乓球"
    )
    Contact.objects.create(customer=customer, name="王小明", phone="13911112222")
    from django.utils import timezone

    Interaction.objects.create(
        customer=customer,
        branch=org.own,
        author=manager,
        channel="phone",
        occurred_at=timezone.now(),
        notes="王建国说电梯常坏",
    )
    OutboundMessage.objects.create(
        customer=customer,
        channel="sms",
        recipient=PHONE,
        body="王建国您好",
        status="sent",
        sent_at=timezone.now(),
    )
    from qiwang.customers.services import update_customer

    update_customer(actor=manager, customer=customer, data={"address": "翠湖花园 9栋"})

    quality = org.users["quality_manager"]
    wave = make_wave(quality, make_instrument(quality, org.own), org.own)
    from qiwang.surveys.models import Answer, Response

    response = Response.objects.create(
        wave=wave, customer=customer, branch=org.own, submission_key="k-42", status="complete"
    )
    question = wave.version.questions.order_by("position").first()
    Answer.objects.create(
        response=response, question=question, value=4, second=2, text="王建国：很好"
    )
    return {"customer": customer, "tmp": tmp_path, "answer_question": question}


@pytest.fixture(autouse=True)
def _data_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("QIWANG_DATA_DIR", str(tmp_path / "var"))


def test_the_copy_holds_every_section_with_labels_in_both_languages(org, held):
    copy = personal_data_copy(org.users["account_manager"], held["customer"])
    sections = {s["key"]: s for s in copy["sections"]}
    assert {"customer", "contacts", "interactions", "messages", "survey_answers"} <= set(sections)
    assert sections["customer"]["rows"][0]["phone"] == PHONE
    assert sections["contacts"]["rows"][0]["name"] == "王小明"
    assert sections["survey_answers"]["rows"][0]["text"] == "王建国：很好"
    phone_label = next(c for c in sections["customer"]["columns"] if c["name"] == "phone")
    assert phone_label["label"] == {"zh-hans": "电话", "en": "phone"}
    json.dumps(copy)  # JSON-safe
    assert AuditEvent.objects.filter(action="personal_data_exported").count() == 1


def test_erasure_reaches_every_place_and_keeps_the_statistics(org, held):
    customer = held["customer"]
    before = (customer.tier, customer.branch_id, customer.revenue, customer.code)
    erasure = erase_personal_data(org.users["administrator"], customer, confirm="A0042")
    customer.refresh_from_db()
    assert customer.name == ERASED
    assert (customer.phone, customer.email, customer.address, customer.notes) == ("", "", "", "")
    assert (customer.tier, customer.branch_id, customer.revenue, customer.code) == before
    assert Contact.objects.get(customer=customer).name == ERASED
    assert Contact.objects.get(customer=customer).phone == ""
    assert Interaction.objects.get(customer=customer).notes == ""
    message = OutboundMessage.objects.get(customer=customer)
    assert (message.recipient, message.body) == (ERASED, "")
    from qiwang.surveys.models import Answer

    answer = Answer.objects.get(response__customer=customer)
    assert (answer.value, answer.second, answer.text) == (4, 2, "")
    outbox = (held["tmp"] / "sms" / "outbox-2026-11-01.jsonl").read_text(encoding="utf-8")
    assert PHONE not in outbox and "王建国" not in outbox and "李四您好" in outbox
    uploads = sorted(p.name[0] for p in (held["tmp"] / "var" / "imports").glob("*.upload"))
    assert uploads == ["b"]
    for event in AuditEvent.objects.exclude(action="personal_data_erased"):
        text = event.object_repr + json.dumps(event.changes, ensure_ascii=False)
        assert "王建国" not in text and PHONE not in text and "翠湖花园 9栋" not in text
    erased = AuditEvent.objects.get(action="personal_data_erased")
    assert erased.changes["changed"]["customers.customer"] == 1
    assert erasure.changed["customers.sms_outbox_lines"] == 1
    assert erasure.changed["customers.import_uploads"] == 1


def test_erasure_needs_the_customer_number_and_writes_nothing_without_it(org, held):
    with pytest.raises(ServiceError) as error:
        erase_personal_data(org.users["administrator"], held["customer"], confirm="A0041")
    assert "A0042" in error.value.text
    assert Customer.objects.get(pk=held["customer"].pk).name == "王建国"
    assert not AuditEvent.objects.filter(action="personal_data_erased").exists()


# role → (copy, erase) on the own branch's customer; the other branch's customer answers 404.
TABLE = {
    "administrator": (200, 200),
    "quality_manager": (403, 403),
    "account_manager": (200, 403),
    "agent": (403, 403),
    "analyst": (403, 403),
}


@pytest.mark.parametrize("role", sorted(TABLE))
def test_pages_follow_the_role_table(client, org, held, role):
    client.login(username=org.users[role].username, password=PASSWORD)
    pk = held["customer"].pk
    copy = client.get(f"/customers/{pk}/personal-data.json")
    erase = client.get(f"/customers/{pk}/personal-data/erase/")
    assert (copy.status_code, erase.status_code) == TABLE[role]
    if copy.status_code == 200:
        assert "no-store" in copy["Cache-Control"]
        assert json.loads(copy.content)["customer"] == "A0042"


def test_other_branches_customers_are_not_found(client, org, held):
    other = make_customer(org.other, "B0042")
    client.login(username=org.users["account_manager"].username, password=PASSWORD)
    assert client.get(f"/customers/{other.pk}/personal-data.json").status_code == 404


def test_the_erase_page_confirms_then_erases(client, org, held):
    client.login(username="admin", password=PASSWORD)
    pk = held["customer"].pk
    page = client.get(f"/customers/{pk}/personal-data/erase/")
    assert (
        b"A0042" in page.content
        and "不可撤销".encode() in page.content
        or b"cannot" in page.content
    )
    wrong = client.post(f"/customers/{pk}/personal-data/erase/", {"confirm": "nope"})
    assert wrong.status_code == 400
    assert Customer.objects.get(pk=pk).name == "王建国"
    done = client.post(f"/customers/{pk}/personal-data/erase/", {"confirm": "A0042"})
    assert done.status_code == 302
    assert Customer.objects.get(pk=pk).name == ERASED


def test_the_workbook_has_a_sheet_per_section_and_no_live_formula(client, org, held):
    Contact.objects.create(customer=held["customer"], name='=HYPERLINK("http://x")')
    client.login(username=org.users["account_manager"].username, password=PASSWORD)
    response = client.get(f"/customers/{held['customer'].pk}/personal-data.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert len(book.sheetnames) >= 5
    cells = [
        c.value for s in book for row in s.iter_rows() for c in row if isinstance(c.value, str)
    ]
    assert not any(value.startswith("=") for value in cells)
    assert "电话 / phone" in cells


def test_the_api_gives_the_copy_and_erases(org, held):
    admin = Client(
        HTTP_AUTHORIZATION=f"Bearer {create_api_token(user=org.users['administrator'], name='t').key}"
    )
    pk = held["customer"].pk
    copy = admin.get(f"/api/customers/{pk}/personal-data")
    assert copy.status_code == 200
    assert copy.json()["sections"][0]["title"]["zh-hans"]
    refused = admin.post(
        f"/api/customers/{pk}/erase", {"confirm": "x"}, content_type="application/json"
    )
    assert refused.status_code == 422 and "confirm" in refused.content.decode()
    done = admin.post(
        f"/api/customers/{pk}/erase", {"confirm": "A0042"}, content_type="application/json"
    )
    assert done.status_code == 200 and done.json()["changed"]["customers.customer"] == 1
    manager = Client(
        HTTP_AUTHORIZATION=f"Bearer {create_api_token(user=org.users['account_manager'], name='t').key}"
    )
    assert (
        manager.post(
            f"/api/customers/{pk}/erase", {"confirm": "A0042"}, content_type="application/json"
        ).status_code
        == 403
    )


def test_the_command_line_exports_and_erases(org, held, tmp_path):
    from typer.testing import CliRunner

    from qiwang.cli import app

    runner = CliRunner()
    out = tmp_path / "copy.xlsx"
    done = runner.invoke(
        app, ["customers", "personal-data", "A0042", "--format", "xlsx", "-o", str(out)]
    )
    assert done.exit_code == 0, done.output
    assert openpyxl.load_workbook(out).sheetnames
    printed = runner.invoke(app, ["customers", "personal-data", "A0042"])
    assert json.loads(printed.stdout)["customer"] == "A0042"
    assert runner.invoke(app, ["customers", "personal-data", "NOPE"]).exit_code == 2
    assert runner.invoke(app, ["customers", "erase", "A0042"]).exit_code == 2
    assert Customer.objects.get(pk=held["customer"].pk).name == "王建国"
    erased = runner.invoke(app, ["customers", "erase", "A0042", "--yes", "--json"])
    assert erased.exit_code == 0, erased.output
    assert json.loads(erased.stdout)["changed"]["customers.customer"] == 1
    assert Customer.objects.get(pk=held["customer"].pk).name == ERASED
