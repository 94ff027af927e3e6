"""Pages: permissions as a table, the public page, coaching as the agent types, photos,
approvals within limits, the ledger export, the SLA and outcome page."""

from __future__ import annotations

import io
import re

import pytest
from django.test import Client
from django.urls import reverse
from tests.conftest import make_customer

from qiwang.complaints.models import Attachment, Compensation, CompensationOption, Complaint
from qiwang.complaints.services.compensation import propose_compensation
from qiwang.complaints.views.public import branch_token

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
ROLES = ["administrator", "quality_manager", "account_manager", "agent", "analyst"]
#: role → (sees the queue, may change complaints, sees full phone numbers)
TABLE = {
    "administrator": (True, True, True),
    "quality_manager": (True, True, False),
    "account_manager": (True, False, True),
    "agent": (True, True, True),
    "analyst": (True, False, False),
}


def client_for(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def own_and_other(make_complaint, org, setup):
    own = make_complaint(reporter_phone="13812345678", description="翠湖楼道灯坏了")
    other = make_complaint(
        branch=org.other, reporter_phone="13987654321", description="锦绣电梯停了"
    )
    return own, other


@pytest.mark.parametrize("role", ROLES)
def test_permission_table_pages(role, org, own_and_other):
    own, other = own_and_other
    sees, changes, personal = TABLE[role]
    client = client_for(org.users[role])

    queue = client.get(reverse("complaints:queue") + "?view=branch")
    own_page = client.get(reverse("complaints:detail", args=[own.pk]))
    other_page = client.get(reverse("complaints:detail", args=[other.pk]))
    moved = client.post(reverse("complaints:move", args=[own.pk]), {"to_step": "apologise"})
    moved_other = client.post(reverse("complaints:move", args=[other.pk]), {"to_step": "apologise"})

    assert queue.status_code == 200
    assert own_page.status_code == 200
    expected_other = 200 if role == "administrator" else 404
    assert other_page.status_code == expected_other
    assert ("锦绣电梯停了" in queue.content.decode()) == (role == "administrator")
    assert "翠湖楼道灯坏了" in queue.content.decode()
    own.refresh_from_db()
    assert (own.step == "apologise") == changes
    assert moved.status_code == (302 if changes else 403)
    assert moved_other.status_code == (302 if role == "administrator" else 404)
    body = own_page.content.decode()
    assert ("138 1234 5678" in body) == personal
    assert ("138****5678" in body) == (not personal)


def test_the_public_page_takes_a_complaint_with_a_photo_from_a_phone(org, setup):
    url = reverse("complaints_public:form", args=[branch_token(org.own)])
    form = Client().get(url)
    key = re.search(r'name="key" value="([^"]+)"', form.content.decode()).group(1)

    response = Client().post(
        url,
        {
            "category": setup["heating"].pk,
            "description": "家里只有15度，孩子冻感冒了！",
            "measured_temperature": "15",
            "reporter_phone": "13800001111",
            "key": key,
            "photo": io.BytesIO(PNG),
        },
        format="multipart",
    )

    assert response.status_code == 200 and 'data-testid="thanks"' in response.content.decode()
    complaint = Complaint.objects.get()
    assert (complaint.channel, complaint.branch, complaint.measured_temperature) == (
        "public_page",
        org.own,
        15,
    )
    assert complaint.attachments.get().content_type == "image/png"


def test_a_double_submission_shows_the_stored_complaint(org, setup):
    url = reverse("complaints_public:form", args=[branch_token(org.own)])
    data = {"category": setup["repair"].pk, "description": "电梯坏了", "key": "same-key-123"}

    Client().post(url, data)
    again = Client().post(url, data)

    assert Complaint.objects.count() == 1
    assert again.status_code == 200
    assert str(Complaint.objects.get().pk) in again.content.decode()


@pytest.mark.parametrize(
    ("photo", "message"),
    [
        (b"<html><script>alert(1)</script></html>", "Only JPEG, PNG or WebP"),
        (b"\xff\xd8\xff" + b"0" * (5 * 1024 * 1024 + 10), "larger than 5 MB"),
    ],
)
def test_a_wrong_or_oversized_photo_is_refused_and_nothing_is_written(org, setup, photo, message):
    url = reverse("complaints_public:form", args=[branch_token(org.own)])
    upload = io.BytesIO(photo)
    upload.name = "photo.jpg"

    response = Client(HTTP_ACCEPT_LANGUAGE="en").post(
        url,
        {"category": setup["repair"].pk, "description": "电梯坏了", "key": "k1", "photo": upload},
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Complaint.objects.exists() and not Attachment.objects.exists()


def test_an_empty_public_complaint_is_refused(org, setup):
    url = reverse("complaints_public:form", args=[branch_token(org.own)])

    response = Client().post(
        url, {"category": setup["repair"].pk, "description": "  ", "key": "k2"}
    )

    assert response.status_code == 400 and not Complaint.objects.exists()


def test_a_forged_public_link_is_not_found(db):
    assert Client().get("/c/co:forged/").status_code == 404


def test_the_public_page_is_rate_limited(org, setup, settings):
    from django.core.cache import cache

    cache.clear()
    settings.QIWANG_COMPLAINT_RATE = "2/d"
    url = reverse("complaints_public:form", args=[branch_token(org.own)])
    statuses = [
        Client()
        .post(url, {"category": setup["repair"].pk, "description": "灯坏了", "key": f"r{i}"})
        .status_code
        for i in range(3)
    ]
    cache.clear()

    assert statuses == [200, 200, 429]


def test_a_photo_is_served_only_to_who_may_see_the_complaint(org, setup):
    url = reverse("complaints_public:form", args=[branch_token(org.own)])
    Client().post(
        url,
        {
            "category": setup["repair"].pk,
            "description": "墙皮脱落",
            "key": "p1",
            "photo": io.BytesIO(PNG),
        },
    )
    complaint = Complaint.objects.get()
    photo = complaint.attachments.get()
    path = reverse("complaints:attachment", args=[complaint.pk, photo.pk])

    own = client_for(org.users["agent"]).get(path)
    other = client_for(org.other_users["agent"]).get(path)
    anonymous = Client().get(path)

    assert own.status_code == 200 and b"".join(own.streaming_content) == PNG
    assert own["X-Content-Type-Options"] == "nosniff"
    assert other.status_code == 404
    assert anonymous.status_code == 302


def test_coaching_flags_as_the_agent_types(org, make_complaint):
    complaint = make_complaint()
    client = client_for(org.users["agent"])

    flagged = client.post(
        reverse("complaints:coach", args=[complaint.pk]),
        {"text": "您先别激动，但是<b>师傅</b>下班了"},
        HTTP_HX_REQUEST="true",
    )
    clean = client.post(
        reverse("complaints:coach", args=[complaint.pk]), {"text": "我们应该尽快处理"}
    )
    analyst = client_for(org.users["analyst"]).post(
        reverse("complaints:coach", args=[complaint.pk]), {"text": "x"}
    )

    html = flagged.content.decode()
    assert 'data-rule="forbidden.calm_down"' in html and 'data-rule="adversative.but"' in html
    assert "<b>" not in html
    assert 'data-testid="coaching-ok"' in clean.content.decode()
    assert analyst.status_code == 403


def test_an_angry_customer_gets_the_calming_lines_first(org, make_complaint):
    complaint = make_complaint(description="第三次打电话了还没人管，再不解决我就打12345投诉！！")

    html = (
        client_for(org.users["agent"])
        .get(reverse("complaints:detail", args=[complaint.pk]))
        .content.decode()
    )

    assert html.index('data-testid="calming"') < html.index('data-testid="reply-text"')


def test_an_illegal_move_is_a_message_not_an_error(org, make_complaint):
    complaint = make_complaint()
    client = client_for(org.users["agent"])

    response = client.post(
        reverse("complaints:move", args=[complaint.pk]), {"to_step": "follow_up"}, follow=True
    )

    assert response.status_code == 200
    assert "cannot follow" in response.content.decode()


@pytest.mark.parametrize(
    ("approver", "value", "expected"),
    [
        ("quality_manager", "500", "approved"),
        ("agent", "500", "pending"),
        ("quality_manager", "5000", "pending"),
    ],
)
def test_approvals_only_within_the_approvers_limit(org, make_complaint, approver, value, expected):
    complaint = make_complaint()
    option = CompensationOption.objects.get(code="free_repair")
    proposal = propose_compensation(complaint, actor=org.users["agent"], option=option, value="50")
    assert proposal.status == "approved"  # within the agent's 100 yuan
    pending = Compensation.objects.create(
        branch=org.own,
        complaint=complaint,
        option=option,
        value=value,
        status="pending",
        proposed_by=org.users["agent"],
        proposed_at=proposal.proposed_at,
    )
    org.users["quality_manager"].branches.add(org.own)

    response = client_for(org.users[approver]).post(
        reverse("complaints:decide", args=[pending.pk]), {"decision": "approve"}
    )

    pending.refresh_from_db()
    assert pending.status == expected
    assert response.status_code == (302 if expected == "approved" else 403)


def test_a_compensation_above_every_limit_is_refused(org, make_complaint):
    complaint = make_complaint()
    option = CompensationOption.objects.get(code="refund")

    response = client_for(org.users["agent"]).post(
        reverse("complaints:compensate", args=[complaint.pk]),
        {"option": option.pk, "value": "999999"},
        follow=True,
    )

    assert "above every approval limit" in response.content.decode()
    assert not Compensation.objects.exists()


def test_the_ledger_export_guards_formulas(org, make_complaint):
    customer = make_customer(org.own, "A7001", name='=HYPERLINK("x")')
    complaint = make_complaint(customer=customer)
    propose_compensation(
        complaint,
        actor=org.users["agent"],
        option=CompensationOption.objects.get(code="gift_box"),
        value="50",
    )

    body = (
        client_for(org.users["agent"])
        .get(reverse("complaints:ledger_csv") + "?by=customer")
        .content.decode("utf-8-sig")
    )

    assert "'=HYPERLINK" in body
    assert "50.00" in body


def test_the_habit_warning_after_three_compensations(org, make_complaint):
    customer = make_customer(org.own, "A7002")
    option = CompensationOption.objects.get(code="gift_box")
    for _ in range(3):
        propose_compensation(
            make_complaint(customer=customer), actor=org.users["agent"], option=option, value="20"
        )

    html = (
        client_for(org.users["agent"])
        .get(reverse("complaints:ledger") + "?by=customer")
        .content.decode()
    )

    assert 'data-testid="habit"' in html


def test_the_sla_and_outcome_page_shows_figures(org, make_complaint):
    make_complaint()
    make_complaint(workflow="return", return_reason="price")

    response = client_for(org.users["analyst"]).get(reverse("complaints:reports"))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="recovery"' in html and 'data-testid="paradox"' in html
    assert "complaints-chart-data" in html
    assert "<script>" not in html.split("complaints-chart-data")[1].split("</script>")[1]
