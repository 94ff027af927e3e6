"""The customer page lists the customer's survey answers and their own S = P − E and c = P / E
over time (issue 14), through the customers panel registry (customers never imports surveys)."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from tests.surveys.conftest import deliver_queued, make_instrument, make_wave

from qiwang.customers import panels
from qiwang.surveys.models import Invitation
from qiwang.surveys.responding import save_answers, start_response
from qiwang.surveys.services import send_wave

pytestmark = pytest.mark.django_db


def _servqual_wave(quality, instrument, branch, name, days_ago, e, p):
    now = timezone.now()
    wave = make_wave(
        quality,
        instrument,
        branch,
        name=name,
        opens_at=now - datetime.timedelta(days=days_ago),
        closes_at=now + datetime.timedelta(days=1),
        contact_gap_days=0,
    )
    send_wave(actor=quality, wave=wave, base_url="http://testserver")
    deliver_queued()
    questions = list(wave.version.questions.order_by("position"))
    invitation = Invitation.objects.filter(wave=wave).order_by("customer__code").first()
    raw = {
        q.attribute: {"value": str(e(q)), "second": str(p(q))}
        for q in questions
        if q.kind == "servqual"
    }
    response = start_response(wave=wave, invitation=invitation, submission_key=f"i{invitation.pk}")
    save_answers(response=response, questions=questions, raw=raw, submit=True)
    return wave, invitation.customer


def test_customer_page_shows_answers_and_own_gaps_over_time(org, quality, community_customers):
    instrument = make_instrument(quality, org.own, "servqual")
    # Spring: expects 6 everywhere, perceives 4 → S = −2, c = 0.67. Autumn: tangibles items
    # perceived 7 (S = +1, c = 1.17), the rest as expected (S = 0, c = 1.00).
    _servqual_wave(quality, instrument, org.own, "春季", 100, lambda q: 6, lambda q: 4)
    wave, customer = _servqual_wave(
        quality,
        instrument,
        org.own,
        "秋季",
        5,
        lambda q: 6,
        lambda q: 7 if q.dimension == "tangibles" else 6,
    )
    client = Client()
    client.force_login(quality)

    body = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()

    section = body.split('data-testid="customer-surveys"')[1].split("</section>")[0]
    gaps = section.split('data-testid="customer-gaps"')[1].split("</table>")[0]
    tangibles = next(row for row in gaps.split("<tr>") if "有形性" in row or "Tangibles" in row)
    assert "S = -2.0" in tangibles and "c = 0.67" in tangibles
    assert "S = 1.0" in tangibles and "c = 1.17" in tangibles
    assert tangibles.index("S = -2.0") < tangibles.index("S = 1.0")  # oldest first
    assert section.count('data-testid="customer-response"') == 2
    assert "S = -2" in section.split('data-testid="customer-response"')[2]


def test_a_user_without_the_wave_in_scope_sees_no_answers(org, quality, community_customers):
    instrument = make_instrument(org.users["administrator"], org.other, "servqual")
    wave, customer = _servqual_wave(
        org.users["administrator"], instrument, org.other, "别处", 5, lambda q: 6, lambda q: 4
    )

    shown = panels.panels(_request(org.users["administrator"]), customer)
    context = next(p for p in shown if p.template.startswith("surveys/")).context
    assert len(context["rows"]) == 1
    # The quality manager of the other branch does not see that branch's customer at all.
    client = Client()
    client.force_login(quality)
    assert client.get(reverse("customers:detail", args=[customer.pk])).status_code == 404


def _request(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = user
    return request
