"""Wave results: stage 1 in the database must equal the pandas stage 1 of ``qiwang.analysis``
(the reference implementation, itself tested against published tables in tests/analysis), and the
demo's two Kano seasons must raise the falling flag (docs/analysis/kano.md)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from qiwang.analysis import ipa, kano, satisfaction, servqual
from qiwang.surveys import tallies
from qiwang.surveys.choices import QuestionKind, ResponseStatus
from qiwang.surveys.models import Answer, Response, Wave
from qiwang.surveys.results import (
    ipa_sums,
    kano_counts,
    level_counts,
    read_stage1,
    servqual_sums,
    wave_results,
)

pytestmark = pytest.mark.django_db


def _fold(waves, state: str) -> None:
    """Put every wave's complete responses in one of three states: all in the live tail
    ("tail"), all folded into the tallies ("folded"), or every other one folded ("half")."""
    for wave in waves:
        tallies.rebuild_wave(wave)
        if state == "tail":
            Response.objects.filter(wave=wave).update(tally_batch=None)
            tallies.AnswerTally.objects.filter(wave=wave).delete()
            tallies.RespondentTally.objects.filter(wave=wave).delete()
        elif state == "half":
            complete = Response.objects.filter(wave=wave, status=ResponseStatus.COMPLETE)
            held = list(complete.order_by("pk").values_list("pk", flat=True)[::2])
            tallies.rebuild_wave(wave)  # count everything, then recount without the held half
            Response.objects.filter(pk__in=held).update(status=ResponseStatus.PARTIAL)
            tallies.rebuild_wave(wave)
            Response.objects.filter(pk__in=held).update(status=ResponseStatus.COMPLETE)


@pytest.fixture(params=["tail", "folded", "half"])
def demo(db, request):
    """The demo organisation, with its responses in the tail, folded, or half folded: the results
    must be the same numbers in all three (ADR 0008)."""
    from qiwang.demo.services import build_demo

    build_demo(customers=240, seed=11, history=False)
    waves = {wave.name: wave for wave in Wave.objects.select_related("version")}
    _fold(waves.values(), request.param)
    if request.param == "half":
        assert all(tallies.tail_size(wave) for wave in waves.values() if _completes(wave))
    return waves


def _completes(wave: Wave) -> int:
    return Response.objects.filter(wave=wave, status=ResponseStatus.COMPLETE).count()


def _frame(wave: Wave, kind: str) -> pd.DataFrame:
    rows = Answer.objects.filter(
        response__wave=wave, response__status=ResponseStatus.COMPLETE, question__kind=kind
    ).values(
        "response_id",
        "question__attribute",
        "question__dimension",
        "value",
        "second",
        "importance",
        "response__tier",
    )
    return pd.DataFrame(list(rows)).rename(columns={"response__tier": "tier"})


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def _kano_wave(demo, season):
    return demo[f"2026 {season}物业服务 Kano 调查"]


def test_kano_counts_from_the_database_equal_the_pandas_reference(demo):
    wave = _kano_wave(demo, "秋季")
    frame = _frame(wave, QuestionKind.KANO)

    reference = kano.analyze_counts(
        kano.count_answers(
            frame,
            attribute="question__attribute",
            functional="value",
            dysfunctional="second",
            importance="importance",
            segment="tier",
        )
    )
    ours = kano.analyze_counts(kano_counts(read_stage1(wave), segment="tier"))

    assert len(ours.attributes) == 8 * frame["tier"].nunique()
    assert _same(ours.to_dict(), reference.to_dict())


def test_servqual_sums_in_sql_equal_the_pandas_reference(demo):
    wave = demo["2026 夏季服务质量 SERVQUAL 调查"]
    frame = _frame(wave, QuestionKind.SERVQUAL)
    sums = servqual_sums(read_stage1(wave))

    reference = servqual.analyze_sums(
        servqual.summarize(
            frame,
            instrument=sums.instrument,
            respondent="response_id",
            item="question__attribute",
            expectation="value",
            perception="second",
        )
    )
    ours = servqual.analyze_sums(sums)

    assert len(ours.items) == 22 and len(ours.dimensions) == 5
    for mine, theirs in (
        (ours.items, reference.items),
        (ours.dimensions, reference.dimensions),
        (ours.overall, reference.overall),
    ):
        assert [s.name for s in mine] == [s.name for s in theirs]
        assert _same([s.to_dict() for s in mine], [s.to_dict() for s in theirs])
    # the demo makes responsiveness the widest gap
    assert min(ours.dimensions, key=lambda s: s.gap).name == "responsiveness"


def test_level_counts_and_ipa_sums_equal_the_pandas_reference(demo):
    wave = demo["11 月满意度快速调查"]
    scale = _frame(wave, QuestionKind.SCALE_5)
    wide = scale.pivot(index="response_id", columns="question__attribute", values="value")
    nps_frame = _frame(wave, QuestionKind.NPS).pivot(
        index="response_id", columns="question__attribute", values="value"
    )

    csat_reference = satisfaction.csat(
        satisfaction.count_levels(wide, sorted(wide.columns), low=1, high=5)
    )
    nps_reference = satisfaction.nps(
        satisfaction.count_levels(nps_frame, ["recommend"], low=0, high=10)
    )
    ipa_reference = ipa.analyze_sums(
        ipa.summarize(
            scale.dropna(subset=["importance"]),
            attribute="question__attribute",
            performance="value",
            importance="importance",
        )
    )

    assert _same(
        [
            r.__dict__
            for r in satisfaction.csat(level_counts(read_stage1(wave), QuestionKind.SCALE_5, 1, 5))
        ],
        [r.__dict__ for r in csat_reference],
    )
    assert _same(
        [
            r.__dict__
            for r in satisfaction.nps(level_counts(read_stage1(wave), QuestionKind.NPS, 0, 10))
        ],
        [r.__dict__ for r in nps_reference],
    )
    assert _same(ipa.analyze_sums(ipa_sums(read_stage1(wave))).to_dict(), ipa_reference.to_dict())


def test_autumn_kano_wave_flags_the_attributes_that_fell(demo):
    autumn = _kano_wave(demo, "秋季")
    spring = _kano_wave(demo, "春季")

    results = wave_results(autumn, previous=spring)

    falling = {change.attribute: change for change in results.comparison.falling}
    assert results.previous == spring
    assert set(falling) == {"community-events", "parcel-lockers"}
    assert (
        falling["community-events"].category_before,
        falling["community-events"].category_after,
    ) == ("A", "O")
    assert (
        falling["parcel-lockers"].category_before,
        falling["parcel-lockers"].category_after,
    ) == ("O", "M")
    assert results.kano["repair-hotline"].category == "M"
    assert 0.3 < results.rate.rate < 0.75


def test_results_page_shows_every_analysis_of_the_demo(demo, client):
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    client.force_login(get_user_model().objects.get(username="analyst"))
    autumn = client.get(reverse("surveys:results", args=[_kano_wave(demo, "秋季").pk]))
    pulse = client.get(reverse("surveys:results", args=[demo["11 月满意度快速调查"].pk]))
    gaps = client.get(reverse("surveys:results", args=[demo["2026 夏季服务质量 SERVQUAL 调查"].pk]))

    body = autumn.content.decode()
    assert 'data-testid="falling-alert"' in body and "每月社区活动" in body
    assert 'data-testid="kano-table"' in body and "chart-better-worse" in body
    assert 'data-testid="csat-table"' in pulse.content.decode()
    assert 'data-testid="breakdown-table"' in pulse.content.decode()
    assert "chart-ipa" in pulse.content.decode()
    assert 'data-testid="servqual-table"' in gaps.content.decode()
    # The demo's SERVQUAL wave asks the 100-point allocation: weights and the weighted score.
    assert 'data-testid="weighted-servqual"' in gaps.content.decode()
    assert 'data-testid="allocation-table"' in gaps.content.decode()


def test_tier_segments_add_up_to_the_unsegmented_counts(demo):
    stage = read_stage1(_kano_wave(demo, "春季"))

    by_tier = kano_counts(stage, segment="tier")
    direct = kano_counts(stage)

    for attribute, pairs in zip(direct.attributes, direct.pairs, strict=True):
        rows = [i for i, name in enumerate(by_tier.attributes) if name == attribute]
        assert (by_tier.pairs[rows].sum(axis=0) == pairs).all()
