"""Honest counts on the wave and results pages (issue 14, "wrong numbers").

Each test states the number a correct page shows and where it comes from; each failed on the code
before the fix: open-link answers were counted as invited responses (a 100 % rate for 8 of 10),
bare visits of a link counted as "started", a segment of one respondent showed "100.0" with no
caution, and CSAT read "63.2 %" in one table and "63.2" in the other."""

from __future__ import annotations

import itertools
import math
import re

import numpy as np
import pytest
from django.test import Client
from django.urls import reverse
from scipy import stats
from tests.surveys.conftest import deliver_queued, make_instrument, make_wave

from qiwang.analysis import kano
from qiwang.analysis._kano_waves import permutation_p_value
from qiwang.surveys import tallies
from qiwang.surveys.choices import QuestionKind, ResponseStatus
from qiwang.surveys.models import Invitation, Response
from qiwang.surveys.presentation import csat_text, results_context
from qiwang.surveys.responding import save_answers, start_response
from qiwang.surveys.results import wave_results
from qiwang.surveys.services import send_wave

pytestmark = pytest.mark.django_db


def _answers(questions, rating="4"):
    raw = {}
    for q in questions:
        if q.kind == QuestionKind.NPS:
            raw[q.attribute] = {"value": "9"}
        elif q.kind == QuestionKind.CES:
            raw[q.attribute] = {"value": "6"}
        else:
            raw[q.attribute] = {"value": rating, "importance": "5"}
    return raw


@pytest.fixture
def pulse(org, quality, community_customers):
    """A satisfaction pulse with an open link, sent to the 12 customers of the branch."""
    wave = make_wave(
        quality, make_instrument(quality, org.own, "csat_pulse"), org.own, allows_open_link=True
    )
    send_wave(actor=quality, wave=wave, base_url="http://testserver")
    deliver_queued()
    questions = list(wave.version.questions.order_by("position"))
    return wave, questions


def _answer_invitations(wave, questions, count, rating="4"):
    for invitation in Invitation.objects.filter(wave=wave).order_by("pk")[:count]:
        response = start_response(
            wave=wave, invitation=invitation, submission_key=f"i{invitation.pk}"
        )
        save_answers(
            response=response, questions=questions, raw=_answers(questions, rating), submit=True
        )


def _answer_open_link(wave, questions, count):
    for i in range(count):
        response = start_response(wave=wave, submission_key=f"o{wave.pk}-{i:032x}")
        save_answers(response=response, questions=questions, raw=_answers(questions), submit=True)


@pytest.mark.parametrize("folded", [False, True])
def test_open_link_answers_are_not_counted_as_invited_responses(pulse, folded):
    wave, questions = pulse
    _answer_invitations(wave, questions, 8)
    _answer_open_link(wave, questions, 5)
    if folded:
        tallies.fold_wave(wave)

    rate = wave_results(wave).rate

    # 12 invited (the branch's 12 customers), 8 of them answered: 8 / 12, not 13 / 12.
    assert (rate.invited, rate.invited_complete, rate.open_complete) == (12, 8, 5)
    assert rate.complete == 13
    assert rate.rate == pytest.approx(8 / 12)
    assert rate.percent == "66.7 %"


def test_results_and_wave_pages_show_the_rate_over_invitations_only(pulse, quality):
    wave, questions = pulse
    _answer_invitations(wave, questions, 8)
    _answer_open_link(wave, questions, 5)
    client = Client()
    client.force_login(quality)

    for name in ("surveys:results", "surveys:wave"):
        body = client.get(reverse(name, args=[wave.pk])).content.decode()
        rate = body.split('data-testid="response-rate">')[1].split("<")[0]
        open_count = body.split('data-testid="open-complete">')[1].split("<")[0]
        assert (rate, open_count) == ("66.7 %", "5")
    listing = client.get(reverse("surveys:list")).content.decode()
    counts = listing.split('data-testid="wave-counts">')[1].split("<span")[0]
    assert re.findall(r"\d+", counts) == ["8", "12"]


def test_started_counts_saved_answers_not_visits(pulse):
    wave, questions = pulse
    # Three bare visits of the open link (a response row, no answer) and one of an invitation.
    for i in range(3):
        start_response(wave=wave, submission_key=f"o{wave.pk}-{i:032x}")
    invitation = Invitation.objects.filter(wave=wave).first()
    start_response(wave=wave, invitation=invitation, submission_key=f"i{invitation.pk}")
    # One respondent saved the first page and left.
    started = start_response(wave=wave, submission_key=f"o{wave.pk}-{99:032x}")
    save_answers(response=started, questions=questions[:2], raw=_answers(questions[:2]))

    rate = wave_results(wave).rate

    assert Response.objects.filter(wave=wave, status=ResponseStatus.PARTIAL).count() == 5
    assert rate.started == 1


def test_a_segment_of_one_respondent_is_greyed_with_a_caution(pulse, quality, settings):
    wave, questions = pulse
    settings.QIWANG_SURVEY_MIN_N = 5
    _answer_invitations(wave, questions, 1)  # one customer: the VIP segment is n = 1

    context = results_context(wave_results(wave))
    body = Client()
    body.force_login(quality)
    page = body.get(reverse("surveys:results", args=[wave.pk])).content.decode()

    rows = [row for row in context["breakdown"] if row["measure"] == "CSAT"]
    assert rows and all(row["n"] == 1 and row["small"] for row in rows)
    table = page.split('data-testid="breakdown-table"')[1].split("</table>")[0]
    assert 'class="small-sample"' in table and 'data-testid="small-sample"' in table


def test_csat_has_one_definition_and_format_in_every_table(pulse, quality):
    wave, questions = pulse
    _answer_invitations(wave, questions, 3, rating="5")
    _answer_invitations(wave, questions, 0)
    # 3 answers of 5 and, from the next customers, answers of 2: top-two-box = 3 / 5 = 60.0 %.
    for invitation in Invitation.objects.filter(wave=wave).order_by("pk")[3:5]:
        response = start_response(
            wave=wave, invitation=invitation, submission_key=f"i{invitation.pk}"
        )
        save_answers(
            response=response, questions=questions, raw=_answers(questions, "2"), submit=True
        )

    context = results_context(wave_results(wave))

    overall = next(row for row in context["csat_rows"] if row["label"].startswith("总体"))
    segments = [r for r in context["breakdown"] if r["measure"] == "CSAT"]
    assert overall["csat"] == "60.0 %"
    # Every CSAT figure is a percentage with one decimal, computed the same way.
    assert all(r["value"].endswith(" %") for r in segments)
    totals = sum(r["n"] for r in segments if r["by"] == context["breakdown"][0]["by"])
    assert totals == 5
    assert csat_text(0.6321) == "63.2 %" and csat_text(None) == "—"


# --- the falling test with few answers -----------------------------------------------------


def _exact_p(table: np.ndarray) -> float:
    """Exact conditional p-value of the chi-square statistic by enumerating every first row
    with the table's margins (multivariate hypergeometric probabilities): the reference for
    the Monte Carlo permutation test."""
    columns = table.sum(axis=0).astype(int)
    first = int(table[0].sum())
    total = math.comb(int(columns.sum()), first)

    def chi2(row):
        t = np.array([row, columns - np.array(row)], dtype=float)
        e = t.sum(axis=1, keepdims=True) * t.sum(axis=0, keepdims=True) / t.sum()
        return float(((t - e) ** 2 / e).sum())

    observed = chi2(table[0].astype(int))
    p = 0.0
    for row in itertools.product(*(range(c + 1) for c in columns)):
        if sum(row) != first:
            continue
        weight = math.prod(math.comb(int(c), r) for c, r in zip(columns, row, strict=True))
        if chi2(row) >= observed - 1e-9:
            p += weight / total
    return p


def test_permutation_p_value_matches_exact_enumeration():
    table = np.array([[6, 2, 1, 0], [2, 7, 3, 1]], dtype=float)
    exact = _exact_p(table)
    approximate = stats.chi2_contingency(table, correction=False)[1]

    estimate = permutation_p_value(table, draws=20_000)

    # Monte Carlo standard error at 20,000 draws is below 0.004 for any p.
    assert estimate == pytest.approx(exact, abs=0.012)
    assert abs(approximate - exact) > 0.012  # the approximation is what small samples break


def test_a_fall_in_a_wave_of_nine_is_a_caution_not_an_alert(settings):
    settings.QIWANG_SURVEY_MIN_N = 10
    before = kano.analyze_category_counts(
        {"attribute": ["lockers"], "A": [5], "O": [50], "M": [10], "I": [5], "R": [0], "Q": [0]}
    )
    after = kano.analyze_category_counts(
        {"attribute": ["lockers"], "A": [0], "O": [1], "M": [8], "I": [0], "R": [0], "Q": [0]}
    )
    change = kano.compare_waves(before, after).changes[0]

    # The chi-square approximation calls this p ≈ 1e-6; its expected counts are below 1.
    assert change.is_permutation_test and change.min_expected < 1
    assert change.p_value > stats.chi2.sf(change.statistic, change.dof)
    assert change.n_after == 9
