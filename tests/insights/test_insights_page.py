"""The Insights page (/insights/): each section's figures for a small organisation built through
the apps' own services, branch scope, the role gate, empty states, English, a query budget."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from tests.conftest import make_customer

from qiwang.accounts.choices import Role
from qiwang.accounts.permissions import ROLE_PERMISSIONS, Action
from qiwang.catalogue.models import PlannedSurprise
from qiwang.catalogue.services import record_delivery
from qiwang.catalogue.services.catalogue import add_commitment, create_service
from qiwang.catalogue.services.surprises import create_plan, set_plan_status
from qiwang.complaints.services.intake import open_complaint
from qiwang.core import insights_surveys
from qiwang.customers.services.maintenance import create_follow_up
from qiwang.surveys.choices import QuestionKind
from qiwang.surveys.models import Invitation
from qiwang.surveys.responding import save_answers, start_response
from qiwang.surveys.services import create_instrument_from_template, create_wave, send_wave

pytestmark = pytest.mark.django_db

URL = "/insights/"
#: The "overall" ratings of the own branch's pulse: 4 of 6 satisfied or very satisfied.
OWN_RATINGS = ("5", "5", "4", "4", "2", "1")
#: The other branch's: 1 of 4.
OTHER_RATINGS = ("5", "2", "1", "1")
#: Complaint texts and the emotion the intake reads in them (complaints.emotion).
ANGRY = "第三次打电话了还没人管，再不解决我就打12345投诉！！"
CALM = "请问楼道灯什么时候修"
UPSET = "太失望了，楼道灯坏了一周没人修，很不满意"


def _client(user, language="zh-hans"):
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


def _pulse_wave(actor, branch, name, ratings, customers):
    instrument = create_instrument_from_template(actor=actor, template="csat_pulse", branch=branch)
    now = timezone.now()
    wave = create_wave(
        actor=actor,
        data={
            "name": name,
            "version": instrument.latest_version(),
            "branch": branch,
            "opens_at": now - datetime.timedelta(hours=1),
            "closes_at": now + datetime.timedelta(days=14),
            "contact_gap_days": 0,
        },
    )
    send_wave(actor=actor, wave=wave, base_url="http://testserver")
    questions = list(wave.version.questions.order_by("position"))
    invitations = list(Invitation.objects.filter(wave=wave).order_by("pk"))
    assert len(invitations) == len(customers)
    for invitation, rating in zip(invitations, ratings, strict=False):
        raw = {}
        for q in questions:
            if q.kind == QuestionKind.SCALE_5:
                raw[q.attribute] = {"value": rating if q.attribute == "overall" else "4"}
            elif q.kind == QuestionKind.NPS:
                raw[q.attribute] = {"value": "9"}
            elif q.kind == QuestionKind.CES:
                raw[q.attribute] = {"value": "2"}
        response = start_response(
            wave=wave, invitation=invitation, submission_key=f"i{invitation.pk}"
        )
        save_answers(response=response, questions=questions, raw=raw, submit=True)
    return wave


@pytest.fixture
def scene(org):
    """Own branch: a pulse wave (6 of 8 invited answered), a committed service with two broken
    promises out of three, a confirmed surprise plan, two open complaints (one angry), one urgent
    survey follow-up. Other branch: its own wave, service, complaint and follow-up."""
    quality, quality_b = org.users["quality_manager"], org.other_users["quality_manager"]
    own = [make_customer(org.own, f"A{i:03}", tier="vip") for i in range(8)]
    other = [make_customer(org.other, f"B{i:03}") for i in range(5)]
    own_wave = _pulse_wave(quality, org.own, "翠湖 11 月快速调查", OWN_RATINGS, own)
    other_wave = _pulse_wave(quality_b, org.other, "锦绣 11 月快速调查", OTHER_RATINGS, other)

    def service(actor, branch, code, name):
        made = create_service(
            actor=actor, branch=branch, data={"code": code, "name": name, "tier": "basic"}
        )
        add_commitment(
            actor=actor,
            service=made,
            data={
                "level": "explicit",
                "metric": "visit_hours",
                "comparison": "<=",
                "threshold": 24,
                "unit": "h",
                "valid_from": "2020-01-01",
            },
        )
        return made

    repair = service(quality, org.own, "repair", "翠湖报修")
    other_repair = service(quality_b, org.other, "repair-b", "锦绣报修")
    day = timezone.localdate() - datetime.timedelta(days=3)
    for customer, hours in zip(own, (30, 40, 10), strict=False):
        record_delivery(
            actor=quality,
            data={
                "service": repair.pk,
                "customer": customer.code,
                "delivered_at": f"{day.isoformat()} 10:00",
                "value": hours,
                "unit": "h",
            },
        )
    record_delivery(
        actor=quality_b,
        data={
            "service": other_repair.pk,
            "customer": other[0].code,
            "delivered_at": f"{day.isoformat()} 10:00",
            "value": 99,
            "unit": "h",
        },
    )
    gift = create_service(
        actor=quality,
        branch=org.own,
        data={"code": "gift", "name": "翠湖惊喜", "tier": "surprise", "cost_per_delivery": "10"},
    )
    today = timezone.localdate()
    plan = create_plan(
        actor=quality,
        service=gift,
        data={
            "name": "翠湖惊喜计划",
            "budget": "1000",
            "start": (today - datetime.timedelta(days=60)).isoformat(),
            "end": (today + datetime.timedelta(days=10)).isoformat(),
            "min_gap_days": 30,
            "max_per_year": 2,
            "seed": 3,
        },
    )
    set_plan_status(actor=quality, plan=plan, status="confirmed")
    agent = org.users["agent"]
    category = _category()
    common = {"category": category, "channel": "phone"}
    open_complaint(branch=org.own, actor=agent, description=ANGRY, **common)
    open_complaint(branch=org.own, actor=agent, description=CALM, **common)
    open_complaint(branch=org.other, actor=org.other_users["agent"], description=UPSET, **common)
    create_follow_up(own[4], reason="很不满意", due=today, source="survey-response:1", urgent=True)
    create_follow_up(other[1], reason="很不满意", due=today, source="survey-response:2")
    return {"own_wave": own_wave, "other_wave": other_wave, "repair": repair, "plan": plan}


def _category():
    from qiwang.complaints.models import Category

    if not Category.objects.exists():
        from importlib import import_module

        from django.apps import apps

        import_module("qiwang.complaints.migrations.0002_defaults").seed(apps, None)
    return Category.objects.get(code="repair")


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_each_section_shows_the_branch_figures(org, scene):
    response = _client(org.users["quality_manager"]).get(URL)

    assert response.status_code == 200
    page = _text(response)
    context = response.context
    rows = context["surveys"]["waves"]
    assert [row["wave"].pk for row in rows] == [scene["own_wave"].pk]
    row = rows[0]
    assert row["headline"].metric == "csat"
    assert row["headline"].text == "66.7 %"  # 4 of 6 answered 4 or 5 on "overall"
    assert (row["complete"], row["invited"], row["rate"]) == (6, 8, "75.0 %")
    assert "66.7 %" in page and "75.0 %" in page
    assert reverse("surveys:results", args=[scene["own_wave"].pk]) in page
    # One wave: no trend to draw yet (the table says it all).
    assert context["chart_data"]["trends"] == []
    # Where expectations are not met: the lowest CSAT first ("overall", 66.7 %).
    lowest = context["surveys"]["lowest"]["rows"]
    assert lowest[0]["csat"] == "66.7 %"
    # Promises: 2 of 3 deliveries broke the 24 h promise.
    promises = context["promises"]
    assert (promises["broken"], promises["broken_services"]) == (2, 1)
    assert promises["rows"][0]["service"].pk == scene["repair"].pk
    assert promises["rows"][0]["keeping"] == "33.3 %"
    # Surprises due: what the plan's own page counts as due.
    today = timezone.localdate()
    due = PlannedSurprise.objects.filter(plan=scene["plan"], status="planned", date__lte=today)
    assert context["plans"]["due"] == due.count()
    assert context["plans"]["due"] + context["plans"]["coming"] > 0
    # Complaints: two open, one angry, one calm.
    complaints = context["complaints"]
    assert complaints["open"] == 2
    assert {e["key"]: e["count"] for e in complaints["emotions"]} == {
        "calm": 1,
        "upset": 0,
        "angry": 1,
    }
    # Alerts: one open survey follow-up, urgent.
    assert (context["alerts"]["open"], context["alerts"]["urgent"]) == (1, 1)
    assert 'data-testid="insights-alerts-open">1<' in page


def test_a_branch_user_never_sees_the_other_branch(org, scene):
    response = _client(org.users["analyst"]).get(URL)
    page = _text(response)

    assert response.status_code == 200
    assert "锦绣 11 月快速调查" not in page
    assert "锦绣报修" not in page
    assert org.other.name not in page
    assert response.context["complaints"]["open"] == 2
    assert response.context["alerts"]["open"] == 1
    # The other branch's user sees its own: one answer of four satisfied.
    other = _client(org.other_users["analyst"]).get(URL)
    rows = other.context["surveys"]["waves"]
    assert [row["wave"].pk for row in rows] == [scene["other_wave"].pk]
    assert rows[0]["headline"].text == "25.0 %"
    assert "翠湖 11 月快速调查" not in _text(other)
    assert other.context["complaints"]["open"] == 1
    assert other.context["complaints"]["emotions"][1]["count"] == 1  # upset


def test_the_administrator_sees_both_branches_and_their_lines(org, scene):
    response = _client(org.users["administrator"]).get(URL)

    assert {row["wave"].pk for row in response.context["surveys"]["waves"]} == {
        scene["own_wave"].pk,
        scene["other_wave"].pk,
    }
    (chart,) = response.context["chart_data"]["trends"]
    assert chart["metric"] == "csat" and chart["unit"] == "%"
    lines = {line["name"]: line for line in chart["series"]}
    assert set(lines) == {org.own.name, org.other.name}
    assert [v for v in lines[org.own.name]["values"] if v is not None] == [66.7]
    assert [v for v in lines[org.other.name]["values"] if v is not None] == [25.0]
    assert "翠湖 11 月快速调查" in lines[org.own.name]["waves"]
    assert response.context["complaints"]["open"] == 3


def test_a_role_without_view_insights_gets_403(org, monkeypatch):
    monkeypatch.setitem(
        ROLE_PERMISSIONS,
        Role.AGENT,
        frozenset(ROLE_PERMISSIONS[Role.AGENT] - {Action.VIEW_INSIGHTS}),
    )

    assert _client(org.users["agent"]).get(URL).status_code == 403
    assert _client(org.users["analyst"]).get(URL).status_code == 200


def test_anonymous_is_sent_to_log_in(db):
    response = Client().get(URL)

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_an_empty_organisation_shows_every_empty_state(org):
    response = _client(org.users["quality_manager"]).get(URL)
    page = _text(response)

    assert response.status_code == 200
    assert page.count('data-testid="empty-state"') == 5
    for title in (
        "暂无调查结果",
        "暂无差距可显示",
        "暂无服务承诺或惊喜计划",
        "还没有投诉",
        "暂无未处理的调查预警",
    ):
        assert title in page
    assert "insights-trend-chart" not in page


def test_the_english_page_has_no_chinese_left_from_the_page(org, scene):
    response = _client(org.users["quality_manager"], "en").get(URL)
    page = _text(response)
    # Stored names (waves, services, branches, questions) are Chinese in the fixture; take the
    # page's own words: everything outside them.
    for stored in (
        "翠湖 11 月快速调查",
        "翠湖报修",
        "翠湖惊喜计划",
        "翠湖惊喜",
        org.own.name,
        org.company.name,
    ):
        page = page.replace(stored, "")
    with translation.override("en"):
        pulse_questions = [q.text for q in scene["own_wave"].version.questions.all()]
    for text in pulse_questions:
        page = page.replace(text, "")
    main = _visible_main(page)
    assert "Satisfaction by wave" in main
    assert "Where expectations are not met" in main
    leftover = re.findall(r"[\u4e00-\u9fff]+", main)
    assert leftover == []


def _visible_main(page: str) -> str:
    main = page.split("<main", 1)[-1].split(">", 1)[-1].split("</main>", 1)[0]
    main = re.sub(r"<script.*?</script>", " ", main)
    return re.sub(r"<[^>]+>", " ", main)


def test_the_chinese_page_is_translated(org, scene):
    page = _text(_client(org.users["quality_manager"]).get(URL))

    assert "各期满意度" in page
    words = set(re.findall(r"[A-Za-z]{3,}", _visible_main(page)))
    # Names of methods kept in Latin letters in Chinese too.
    assert words <= {"CSAT", "SERVQUAL", "SLA", "Kano"}, words


def test_the_page_reads_a_bounded_number_of_queries(
    org, scene, django_assert_max_num_queries, monkeypatch
):
    client = _client(org.users["administrator"])
    client.get(URL)  # the complaint tallies are built on the first read
    # Two waves: a fixed part and a few small stage-1 reads per wave.
    with django_assert_max_num_queries(45):
        response = client.get(URL)
    assert response.status_code == 200
    with CaptureQueriesContext(connection) as both:
        client.get(URL)
    # The waves are capped: with room for one, the other wave costs nothing.
    monkeypatch.setattr(insights_surveys, "MAX_WAVES", 1)
    with CaptureQueriesContext(connection) as one:
        response = client.get(URL)
    assert len(response.context["surveys"]["waves"]) == 1
    assert len(one.captured_queries) <= len(both.captured_queries) - 5


def test_no_customer_name_or_phone_on_the_page(org, scene):
    page = _text(_client(org.users["administrator"]).get(URL))

    assert "客户A" not in page and "客户B" not in page
    assert "13812345678" not in page
