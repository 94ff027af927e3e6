"""The WeChat Official Account openid as a customer's personal data, and greetings sent as
template messages (issue 17, item 5), against the stand-in of tests/surveys/standin_weixin.py."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import translation
from tests.conftest import make_customer
from tests.surveys.standin_weixin import serve

from qiwang.accounts.services import create_api_token
from qiwang.customers.choices import TaskKind, TaskStatus
from qiwang.customers.models import ContactTask, Customer, OutboundMessage
from qiwang.customers.privacy import ERASED, erase_personal_data, personal_data_copy
from qiwang.customers.services import update_customer
from qiwang.customers.services.greetings import (
    generate_greeting_tasks,
    greeting_previews,
    send_greeting,
)
from qiwang.errors import ServiceError

OPENID = "oAbCdEfGhIjKlMnOpQrStUvWxYz0"


@pytest.fixture(autouse=True)
def _english(settings):
    settings.QIWANG_GREETING_LEAD_DAYS = 1
    with translation.override("en"):
        yield


@pytest.fixture
def follower(org):
    return make_customer(
        org.own,
        "A0042",
        name="王建国",
        wechat_openid=OPENID,
        account_manager=org.users["account_manager"],
    )


@pytest.fixture
def official_account(settings, db):
    for standin in serve():
        settings.QIWANG_WECHAT_APP_ID = "wx0123456789abcdef"
        settings.QIWANG_WECHAT_APP_SECRET = "wx-app-secret-never-logged"
        settings.QIWANG_WECHAT_ENDPOINT = standin.url
        settings.QIWANG_WECHAT_TEMPLATES = {
            "greeting": {"id": "TPL-greet", "fields": [("thing1", "text"), ("thing2", "company")]}
        }
        yield standin


def _api(user):
    return Client(HTTP_AUTHORIZATION=f"Bearer {create_api_token(user=user, name='t').key}")


def test_the_openid_is_masked_for_roles_without_personal_data(org, follower):
    seen = _api(org.users["account_manager"]).get(f"/api/customers/{follower.pk}")
    masked = _api(org.users["analyst"]).get(f"/api/customers/{follower.pk}")

    assert seen.status_code == 200, seen.content
    assert seen.json()["wechat_openid"] == OPENID
    assert masked.json()["wechat_openid"] == "***"
    assert OPENID not in masked.content.decode()


def test_the_openid_is_edited_checked_and_never_copied_into_the_audit_log(org, follower):
    manager = org.users["account_manager"]
    with pytest.raises(ServiceError) as refused:
        update_customer(actor=manager, customer=follower, data={"wechat_openid": "wx handle!"})
    assert "is not a WeChat openid" in refused.value.errors["wechat_openid"][0]

    update_customer(actor=manager, customer=follower, data={"wechat_openid": f" {OPENID[:-1]}Z "})
    follower.refresh_from_db()
    assert follower.wechat_openid == OPENID[:-1] + "Z"
    from qiwang.accounts.models import AuditEvent

    event = AuditEvent.objects.get(action="customer_updated")
    assert event.changes["wechat_openid"] == ["…", "…"]

    api = _api(manager).patch(
        f"/api/customers/{follower.pk}",
        data={"wechat_openid": "x" * 65},
        content_type="application/json",
    )
    assert api.status_code == 422 and "wechat_openid" in api.content.decode()

    client = Client()
    client.force_login(manager)
    page = client.get(f"/customers/{follower.pk}/edit/")
    assert 'name="wechat_openid"' in page.content.decode()
    shown = client.get(f"/customers/{follower.pk}/").content.decode()
    assert OPENID[:-1] + "Z" in shown
    analyst = Client()
    analyst.force_login(org.users["analyst"])
    masked = analyst.get(f"/customers/{follower.pk}/").content.decode()
    assert 'data-testid="customer-openid">***<' in masked and OPENID[:-1] not in masked


def test_the_copy_holds_the_openid_and_the_erasure_removes_it(org, follower):
    copy = personal_data_copy(org.users["account_manager"], follower)
    (section,) = [s for s in copy["sections"] if s["key"] == "customer"]
    assert section["rows"][0]["wechat_openid"] == OPENID
    label = next(c for c in section["columns"] if c["name"] == "wechat_openid")
    assert label["label"] == {"zh-hans": "微信公众号 openid", "en": "WeChat openid"}

    erase_personal_data(org.users["administrator"], follower, confirm="A0042")

    follower.refresh_from_db()
    assert (follower.name, follower.wechat_openid) == (ERASED, "")


def test_the_command_line_copy_and_erasure_reach_the_openid(org, follower):
    import json

    from typer.testing import CliRunner

    from qiwang.cli import app

    printed = CliRunner().invoke(app, ["customers", "personal-data", "A0042"])
    assert printed.exit_code == 0, printed.output
    assert OPENID in printed.stdout
    erased = CliRunner().invoke(app, ["customers", "erase", "A0042", "--yes", "--json"])
    assert json.loads(erased.stdout)["changed"]["customers.customer"] == 1
    assert Customer.objects.get(pk=follower.pk).wechat_openid == ""


def test_a_greeting_goes_out_as_a_template_message_with_the_sms_text(
    org, follower, official_account
):
    generate_greeting_tasks(datetime.date(2026, 9, 24))  # the eve of the Mid-Autumn Festival
    task = ContactTask.objects.get(kind=TaskKind.GREETING, customer=follower)
    previews = {p.channel: p for p in greeting_previews(task)}
    assert set(previews) == {"sms", "email", "wechat"}
    assert previews["wechat"].body == previews["sms"].body

    message = send_greeting(
        actor=org.users["account_manager"],
        task=task,
        channel="wechat",
        seen=previews["wechat"].digest,
    )

    (send,) = official_account.sends()
    assert send["json"]["touser"] == OPENID
    assert send["json"]["template_id"] == "TPL-greet"
    assert "url" not in send["json"]
    assert send["json"]["data"]["thing1"]["value"] == previews["wechat"].body[:19] + "…"
    assert (message.channel, message.recipient) == ("wechat", OPENID)
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE


def test_a_refused_or_impossible_wechat_greeting_writes_nothing(org, follower, official_account):
    generate_greeting_tasks(datetime.date(2026, 9, 24))
    task = ContactTask.objects.get(kind=TaskKind.GREETING, customer=follower)
    official_account.answers.append((200, {"errcode": 43004, "errmsg": "require subscribe"}))

    with pytest.raises(ServiceError, match="errcode 43004"):
        send_greeting(actor=org.users["account_manager"], task=task, channel="wechat")

    Customer.objects.filter(pk=follower.pk).update(wechat_openid="")
    task.refresh_from_db()
    with pytest.raises(ServiceError, match="no WeChat openid on file"):
        send_greeting(actor=org.users["account_manager"], task=task, channel="wechat")
    assert not OutboundMessage.objects.exists()
    assert task.status == TaskStatus.OPEN


def _csv(rows):
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["code", "name", "kind", "branch", "wechat_openid"])
    writer.writerows(rows)
    return buffer.getvalue().encode()


def test_the_import_reads_checks_and_the_export_masks_the_openid(
    org, follower, tmp_path, monkeypatch
):
    import csv
    import io

    from django.urls import reverse

    from qiwang.customers.services.io import apply_import, preview_import

    monkeypatch.setenv("QIWANG_DATA_DIR", str(tmp_path))
    manager = org.users["account_manager"]
    bad = preview_import(
        actor=manager,
        content=_csv([["N1", "李娜", "household", "a", "李娜的微信"]]),
        filename="c.csv",
    )
    ((issue),) = bad.issues
    assert (issue.field, issue.reason) == (
        "wechat_openid",
        "Not a WeChat openid (28 letters, digits, - and _ from the Official Account).",
    )
    content = _csv([["N1", "李娜", "household", "a", OPENID[:-1] + "N"]])
    preview = preview_import(actor=manager, content=content, filename="c.csv")
    apply_import(
        actor=manager,
        content=content,
        filename="c.csv",
        expected_fingerprint=preview.fingerprint,
        expected_plan=preview.plan_digest,
    )
    assert Customer.objects.get(code="N1").wechat_openid == OPENID[:-1] + "N"

    def exported(user):
        client = Client()
        client.force_login(user)
        response = client.get(reverse("customers_io:export", args=["csv"]))
        body = b"".join(response.streaming_content).decode("utf-8-sig")
        return {row["code"]: row["wechat_openid"] for row in csv.DictReader(io.StringIO(body))}

    assert exported(manager)["A0042"] == OPENID
    assert exported(org.users["quality_manager"])["A0042"] == "***"
