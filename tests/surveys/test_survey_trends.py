"""Falling against a chosen wave and an attribute's history over many waves, across instruments
that share attribute keys (issue 14, "out of reach")."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from tests.surveys.conftest import deliver_queued, make_instrument, make_wave

from qiwang.surveys import trends
from qiwang.surveys.models import Invitation, Wave
from qiwang.surveys.responding import save_answers, start_response
from qiwang.surveys.services import close_wave, send_wave

pytestmark = pytest.mark.django_db

# (functional, dysfunctional) answers and the Kano class they give (Berger et al. 1993, table 1):
# like / live-with → A, like / dislike → O, neutral / dislike → M.
ATTRACTIVE, ONE_DIMENSIONAL, MUST_BE = ("1", "4"), ("1", "5"), ("3", "5")


def _kano_wave(quality, instrument, branch, name, days_ago, answers, count=12):
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
    raw = {
        q.attribute: {"value": answers[0], "second": answers[1]}
        for q in questions
        if q.kind == "kano"
    }
    for invitation in Invitation.objects.filter(wave=wave).order_by("pk")[:count]:
        response = start_response(
            wave=wave, invitation=invitation, submission_key=f"i{invitation.pk}"
        )
        save_answers(response=response, questions=questions, raw=raw, submit=True)
    close_wave(actor=quality, wave=wave)
    return wave


@pytest.fixture
def four_waves(org, quality, community_customers):
    """Four Kano waves over two instruments built from the same template: the attribute keys
    match, so the history continues across instruments."""
    first = make_instrument(quality, org.own)
    second = make_instrument(quality, org.own)
    return [
        _kano_wave(quality, first, org.own, "2025 春", 400, ATTRACTIVE),
        _kano_wave(quality, first, org.own, "2025 秋", 200, ATTRACTIVE),
        _kano_wave(quality, second, org.own, "2026 春", 100, ONE_DIMENSIONAL),
        _kano_wave(quality, second, org.own, "2026 秋", 10, MUST_BE),
    ]


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_an_instrument_built_anew_from_the_template_continues_the_history(four_waves, quality):
    latest = four_waves[-1]

    earlier = trends.comparable_waves(latest, Wave.objects.for_user(quality))

    assert [w.name for w in earlier] == ["2026 春", "2025 秋", "2025 春"]


def test_results_compare_with_a_chosen_wave(four_waves, quality):
    client = _client(quality)
    latest, oldest = four_waves[-1], four_waves[0]

    default = client.get(reverse("surveys:results", args=[latest.pk])).content.decode()
    chosen = client.get(
        reverse("surveys:results", args=[latest.pk]), {"compare": oldest.pk}
    ).content.decode()

    # Default: the latest earlier wave (O → M, a fall); chosen: the oldest (A → M, a fall).
    table = default.split('data-testid="comparison-table"')[1].split("</table>")[0]
    assert "2026 春" in default.split('data-testid="comparison-table"')[0].rsplit("<h2>", 1)[1]
    assert table.count("<td>O</td><td>M</td>") == 8
    table = chosen.split('data-testid="comparison-table"')[1].split("</table>")[0]
    assert table.count("<td>A</td><td>M</td>") == 8
    assert 'data-testid="falling-alert"' in chosen


def test_compare_with_a_wave_out_of_reach_is_404(four_waves, quality, org, community_customers):
    client = _client(quality)
    latest = four_waves[-1]
    other_branch = _kano_wave(
        org.users["administrator"],
        make_instrument(org.users["administrator"], org.other),
        org.other,
        "别的分公司",
        50,
        ATTRACTIVE,
        count=2,
    )

    for value in (str(other_branch.pk), "abc", str(latest.pk), "999999"):
        response = client.get(reverse("surveys:results", args=[latest.pk]), {"compare": value})
        assert response.status_code == 404, value


def test_trend_shows_an_attribute_over_four_waves_with_the_falls(four_waves, quality):
    client = _client(quality)

    body = client.get(
        reverse("surveys:trend", args=[four_waves[0].pk]), {"attribute": "community-events"}
    ).content.decode()

    table = body.split('data-testid="trend-kano-table"')[1].split("</table>")[0]
    row = next(r for r in table.split("<tr>") if "每月社区活动" in r)
    classes = [c.split("</span>")[0] for c in row.split('class="kano kano-')[1:]]
    assert [c[-1] for c in classes] == ["A", "A", "O", "M"]
    # A → O and O → M are falls; A → A is not.
    assert row.count("falling-mark") == 2
    assert '"trendChart"' in body and '"categories": ["A", "A", "O", "M"]' in body
