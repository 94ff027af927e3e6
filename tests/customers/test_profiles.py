"""Industry profiles as data (issue 15): a branch's profile chooses its care plans, contact
topics (with questions and measurements), greeting texts and allocation goods."""

from __future__ import annotations

import datetime
import json

import pytest
from django.utils import timezone
from tests.conftest import PASSWORD

from qiwang.customers.choices import TaskKind
from qiwang.customers.models import (
    AllocationGood,
    BranchIndustry,
    ContactTask,
    ContactTopic,
    Interaction,
    MaintenancePlan,
    MessageTemplate,
)
from qiwang.customers.services import generate_contact_tasks, log_interaction
from qiwang.customers.services.greetings import (
    generate_greeting_tasks,
    greeting_previews,
    send_greeting,
    sms_segments,
)
from qiwang.customers.services.profiles import branch_industries, save_topic, set_branch_industry
from qiwang.errors import ServiceError

#: Words of the B2B supplier's world a homeowner must never be asked about (issue 15).
B2B_WORDS = ("供货", "检验合格率", "验收合格率", "其他供应商", "阀门", "水表")


@pytest.fixture
def property_company(org, team):
    """The whole organisation is a property company: the profile set on the root branch."""
    set_branch_industry(actor=org.users["administrator"], branch=org.company, industry="property")
    return org


@pytest.fixture(autouse=True)
def sms_outbox(settings, tmp_path):
    settings.QIWANG_SMS_DIR = str(tmp_path / "sms")
    settings.QIWANG_SMS_BACKEND = "qiwang.customers.messaging.FileSmsBackend"
    return tmp_path / "sms"


def test_every_profile_is_seeded_with_plans_topics_templates_and_goods(db):
    for industry in ("b2b_supplier", "property", "heating", "developer"):
        assert MaintenancePlan.objects.filter(industry=industry).count() == 4
        assert ContactTopic.objects.filter(industry=industry).exists()
        assert AllocationGood.objects.filter(industry=industry).exists()
        # a template for each tier × channel × occasion kind: 4 × 3 × 6
        assert MessageTemplate.objects.filter(industry=industry).count() == 72
        # every plan names topics of its own profile only
        codes = set(ContactTopic.objects.filter(industry=industry).values_list("code", flat=True))
        for plan in MaintenancePlan.objects.filter(industry=industry):
            assert set(plan.topics) <= codes, (industry, plan.tier)


def test_a_branch_takes_its_nearest_ancestors_profile_and_the_default_without_one(org):
    assert branch_industries()[org.own.pk] == "b2b_supplier"  # nothing chosen: as before
    BranchIndustry.objects.create(branch=org.company, industry="property")
    BranchIndustry.objects.create(branch=org.other, industry="heating")
    industries = branch_industries()
    assert industries[org.company.pk] == "property"
    assert industries[org.own.pk] == "property"  # inherited from the company
    assert industries[org.other.pk] == "heating"  # its own choice wins


def test_homeowners_get_property_topics_and_plans(property_company, book):
    # a Monday: the property plans call VIPs on Monday and Thursday
    monday = datetime.date(2026, 11, 23)
    generate_contact_tasks(monday, escalate=False)
    task = ContactTask.objects.get(customer=book["vip"], due_date=monday)
    assert task.plan.industry == "property"
    names = task.plan.topic_labels
    assert "报修回访" in names
    assert not any(word in name for name in names for word in B2B_WORDS)


def test_the_interaction_form_asks_the_profiles_questions(client, property_company, book, team):
    client.login(username=team["manager"].username, password=PASSWORD)
    response = client.get(f"/customers/{book['vip'].pk}/interactions/new/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "最近的报修是否已经修好？" in page
    assert not any(word in page for word in B2B_WORDS)


def test_a_no_to_a_yes_no_topic_with_an_alert_is_an_anomaly(property_company, book, team):
    interaction = log_interaction(
        actor=team["manager"],
        customer=book["vip"],
        data={
            "channel": "phone",
            "topics": ["repair_follow_up"],
            "answers": {"repair_follow_up": "no"},
        },
    )
    assert interaction.answers == {"repair_follow_up": False}
    assert interaction.is_anomaly is True


@pytest.mark.parametrize(
    ("score", "anomaly"),
    [("5", True), ("6", False), ("9.5", False)],  # the property profile's alert: below 6
)
def test_a_number_below_its_alert_is_an_anomaly(property_company, book, team, score, anomaly):
    interaction = log_interaction(
        actor=team["manager"],
        customer=book["vip"],
        data={"channel": "phone", "answers": {"satisfaction": score}},
    )
    assert interaction.is_anomaly is anomaly


def test_answers_outside_the_profile_or_range_name_the_topic(property_company, book, team):
    with pytest.raises(ServiceError) as error:
        log_interaction(
            actor=team["manager"],
            customer=book["vip"],
            data={"channel": "phone", "answers": {"pass_rate": "99", "satisfaction": "11"}},
        )
    assert set(error.value.errors) == {"answer_pass_rate", "answer_satisfaction"}
    assert "总体满意度" in error.value.errors["answer_satisfaction"][0]
    assert not Interaction.objects.exists()


def test_the_quality_manager_adds_and_changes_topics(client, org, company_quality):
    manager = company_quality  # topics are company-wide (issue 10)
    client.login(username=manager.username, password=PASSWORD)
    response = client.post(
        "/customers/topics/new/?industry=heating",
        {
            "code": "noise",
            "label": "管道噪音",
            "label_en": "Pipe noise",
            "question": "管道是否有异响？",
            "measure": "yes_no",
            "alert_on_no": "",
            "position": "50",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    topic = ContactTopic.objects.get(industry="heating", code="noise")
    assert topic.label_en == "Pipe noise"
    # the same code again in that profile is refused with a message on the code field
    again = client.post(
        "/customers/topics/new/?industry=heating",
        {"code": "noise", "label": "x", "measure": "none", "position": "1"},
    )
    assert again.status_code == 422
    assert "code" in again.context["form"].errors
    # an agent may not
    client.logout()
    client.login(username=org.users["agent"].username, password=PASSWORD)
    assert client.get("/customers/topics/new/?industry=heating").status_code == 403


def test_topic_names_follow_the_readers_language(client, org):
    client.login(username=org.users["quality_manager"].username, password=PASSWORD)
    page = client.get("/customers/plans/?industry=property", HTTP_ACCEPT_LANGUAGE="en").content
    assert "Repair follow-up" in page.decode()
    page = client.get("/customers/plans/?industry=property", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "报修回访" in page.content.decode()


def test_save_topic_refuses_a_range_upside_down(company_quality):
    topic = ContactTopic.objects.get(industry="heating", code="indoor_temperature")
    from decimal import Decimal

    with pytest.raises(ServiceError) as error:
        save_topic(
            actor=company_quality,
            topic=topic,
            data={"min_value": Decimal(30), "max_value": Decimal(10)},
        )
    assert "max_value" in error.value.errors


def test_choosing_a_branch_profile_is_scoped(client, org):
    client.login(username=org.users["quality_manager"].username, password=PASSWORD)
    # another branch's id is not among the choices: refused, nothing stored
    client.post("/customers/plans/industry/", {"branch": org.other.pk, "industry": "heating"})
    assert not BranchIndustry.objects.filter(branch=org.other).exists()
    client.post("/customers/plans/industry/", {"branch": org.own.pk, "industry": "heating"})
    assert BranchIndustry.objects.get(branch=org.own).industry == "heating"


# --- messages you can see before they go ------------------------------------------------------


def _greeting_task(book):
    generate_greeting_tasks(datetime.date(2026, 9, 24))  # Mid-Autumn eve
    return ContactTask.objects.select_related("customer__branch", "occasion").get(
        kind=TaskKind.GREETING, customer=book["vip"]
    )


def test_the_sms_sent_is_exactly_the_preview(property_company, book, team, sms_outbox):
    task = _greeting_task(book)
    preview = next(p for p in greeting_previews(task) if p.channel == "sms")
    # the name inside the salutation, the manager signs once, the property text
    assert preview.body.startswith(f"尊敬的{book['vip'].name}，您好！")
    assert preview.body.count("客户经理") <= 1
    assert not any(word in preview.body for word in B2B_WORDS)
    message = send_greeting(actor=team["manager"], task=task, channel="sms", seen=preview.digest)
    assert message.body == preview.body
    (outbox,) = sms_outbox.glob("outbox-*.jsonl")
    assert json.loads(outbox.read_text(encoding="utf-8").splitlines()[0])["text"] == preview.body


def test_a_text_changed_after_the_preview_is_not_sent(property_company, book, team):
    task = _greeting_task(book)
    preview = next(p for p in greeting_previews(task) if p.channel == "sms")
    MessageTemplate.objects.filter(industry="property", channel="sms").update(body="改过的文字")
    with pytest.raises(ServiceError):
        send_greeting(actor=team["manager"], task=task, channel="sms", seen=preview.digest)
    task.refresh_from_db()
    assert task.status == "open"


def test_e_mail_is_offered_only_with_an_address(client, property_company, book, team):
    book["vip"].email = ""
    book["vip"].save()
    task = _greeting_task(book)
    assert [p.channel for p in greeting_previews(task)] == ["sms"]
    client.login(username=team["manager"].username, password=PASSWORD)
    page = client.get(f"/customers/my-day/?day={task.due_date}").content.decode()
    page = page.split(f'id="task-{task.pk}"')[1].split('<li class="task"')[0]  # her task
    assert 'data-testid="send-sms"' in page
    assert 'data-testid="send-email"' not in page
    assert 'data-testid="channel-note"' in page
    # posting e-mail anyway: a sentence without the raw field name
    response = client.post(
        f"/customers/tasks/{task.pk}/send/", {"channel": "email"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 422
    text = response.content.decode()
    assert "e-mail" in text.lower() or "邮箱" in text or "电子邮件" in text
    assert "channel" not in text


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        ("", 0),
        ("a" * 160, 1),  # GSM alphabet: 160 in one message
        ("a" * 161, 2),  # then 153 a segment
        ("中" * 70, 1),  # UCS-2: 70 in one message
        ("中" * 71, 2),  # then 67 a segment
        ("中" * 134, 2),
        ("中" * 135, 3),
    ],
)
def test_sms_segments_follow_3gpp_23_040(text, segments):
    assert sms_segments(text) == segments


def test_today_is_used_for_previews(property_company, book, team, client):
    """My day shows the previews of today's greetings (a greeting task due today)."""
    ContactTask.objects.create(
        customer=book["vip"],
        branch=book["vip"].branch,
        assignee=team["manager"],
        kind=TaskKind.GREETING,
        due_date=timezone.localdate(),
        key="birthday:test",
        channel="phone",
        greeting_kind="birthday",
        note="生日",
    )
    client.login(username=team["manager"].username, password=PASSWORD)
    page = client.get("/customers/my-day/").content.decode()
    assert 'data-testid="talking-points"' in page
    assert 'data-testid="preview-sms"' in page
    assert "报修" in page  # the property phone script
