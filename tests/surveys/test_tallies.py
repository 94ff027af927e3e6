"""Folded tallies (ADR 0008): the results are the same numbers whether responses sit in the live
tail, in the tallies, or split between them in any order of folds — checked against counts made
directly from the generated answers (property-based, hypothesis) — and folding is idempotent,
concurrent-safe in its bookkeeping, and undone exactly by a rebuild."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.surveys.conftest import make_instrument, make_wave

from qiwang.surveys import tallies
from qiwang.surveys.choices import QuestionKind, ResponseStatus, WaveStatus
from qiwang.surveys.models import Answer, AnswerTally, Response
from qiwang.surveys.results import kano_counts, level_counts, read_stage1, servqual_sums

pytestmark = pytest.mark.django_db

TIERS = ("vip", "important", "general")
kano_answer = st.tuples(st.integers(1, 5), st.integers(1, 5), st.none() | st.integers(1, 5))
respondent = st.fixed_dictionaries(
    {"tier": st.sampled_from(TIERS), "answers": st.lists(kano_answer, min_size=3, max_size=3)}
)


@pytest.fixture
def kano_wave(org, quality):
    instrument = make_instrument(quality, org.own)
    wave = make_wave(quality, instrument, org.own)
    wave.status = WaveStatus.OPEN
    wave.save(update_fields=["status"])
    questions = list(wave.version.questions.filter(kind=QuestionKind.KANO).order_by("position")[:3])
    return wave, questions


def _store(wave, questions, people, offset: int) -> None:
    for i, person in enumerate(people):
        response = Response.objects.create(
            wave=wave,
            branch_id=wave.branch_id,
            tier=person["tier"],
            submission_key=f"t{offset + i}",
            status=ResponseStatus.COMPLETE,
            submitted_at=timezone.now(),
        )
        Answer.objects.bulk_create(
            Answer(response=response, question=q, value=f, second=d, importance=imp)
            for q, (f, d, imp) in zip(questions, person["answers"], strict=True)
        )


@pytest.fixture(params=[0, tallies.PROBE_LIMIT], ids=["join", "probes"])
def probe_limit(request):
    default = tallies.PROBE_LIMIT
    yield request.param
    tallies.PROBE_LIMIT = default


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    batches=st.lists(st.lists(respondent, max_size=6), min_size=1, max_size=4),
    folds=st.lists(st.booleans(), min_size=4, max_size=4),
)
def test_results_equal_direct_counts_for_any_pattern_of_folds(
    kano_wave, probe_limit, batches, folds
):
    wave, questions = kano_wave
    tallies.PROBE_LIMIT = probe_limit  # 0: every scope read with the join plan of large tails
    with transaction.atomic():
        offset = 0
        for batch, fold in zip(batches, folds, strict=False):
            _store(wave, questions, batch, offset)
            offset += len(batch)
            if fold:
                tallies.fold_wave(wave)
        people = [person for batch in batches for person in batch]
        stage = read_stage1(wave)
        counts = kano_counts(stage, segment="tier")
        expected = Counter(
            (person["tier"], q.attribute, f, d)
            for person in people
            for q, (f, d, _imp) in zip(questions, person["answers"], strict=True)
        )
        got = Counter()
        if counts is not None:
            for segment, attribute, pairs in zip(
                counts.segments, counts.attributes, counts.pairs, strict=True
            ):
                for f in range(5):
                    for d in range(5):
                        if pairs[f, d]:
                            got[(segment, attribute, f + 1, d + 1)] = int(pairs[f, d])
        assert got == expected
        importance = [
            imp for person in people for (_f, _d, imp) in person["answers"] if imp is not None
        ]
        if counts is not None and counts.importance_count is not None:
            assert int(counts.importance_count.sum()) == len(importance)
            assert float(counts.importance_sum.sum()) == sum(importance)
        complete = sum(int(row[4]) for row in stage.respondents if row[0] == "responses")
        assert complete == len(people)
        transaction.set_rollback(True)


def test_folding_twice_counts_once_and_rebuild_recounts_exactly(kano_wave):
    wave, questions = kano_wave
    people = [{"tier": "vip", "answers": [(2, 4, 5), (1, 3, None), (5, 5, 1)]}] * 3
    _store(wave, questions, people, 0)

    first = tallies.fold_wave(wave)
    second = tallies.fold_wave(wave)
    before = sorted(AnswerTally.objects.filter(wave=wave).values_list("question_id", "value", "n"))

    assert (first.responses, second.responses) == (3, 0)
    assert tallies.tail_size(wave) == 0
    assert {row[2] for row in before} == {3}

    # A deleted response: tallies only add, so a rebuild is what recounts the wave.
    Response.objects.filter(wave=wave).order_by("pk").first().delete()
    rebuilt = tallies.rebuild_wave(wave)
    after = AnswerTally.objects.filter(wave=wave).values_list("n", flat=True)

    assert rebuilt.responses == 2
    assert set(after) == {2}


def test_fold_all_folds_only_waves_with_a_tail(kano_wave, org, quality):
    wave, questions = kano_wave
    other = make_wave(quality, make_instrument(quality, org.own), org.own, name="另一轮")
    _store(wave, questions, [{"tier": "general", "answers": [(1, 5, None)] * 3}], 0)

    assert tallies.waves_with_tail() == [wave.pk]
    results = tallies.fold_all()

    assert [(r.wave_id, r.responses) for r in results] == [(wave.pk, 1)]
    assert tallies.waves_with_tail() == []
    assert other.pk not in {r.wave_id for r in results}


def test_servqual_and_scale_results_are_identical_folded_or_not(org, quality, community_customers):
    """SERVQUAL dimension and overall moments are per-respondent means: they come from the
    respondent rows, not the cells, and must not change when responses are folded."""
    instrument = make_instrument(quality, org.own, template="servqual")
    wave = make_wave(quality, instrument, org.own)
    items = list(wave.version.questions.filter(kind=QuestionKind.SERVQUAL).order_by("position"))
    for i in range(7):
        response = Response.objects.create(
            wave=wave,
            branch_id=org.own.pk,
            tier=TIERS[i % 3],
            submission_key=f"s{i}",
            status=ResponseStatus.COMPLETE,
        )
        Answer.objects.bulk_create(
            Answer(response=response, question=q, value=1 + (i + j) % 7, second=1 + (i * j) % 7)
            for j, q in enumerate(items)
            if (i + j) % 5  # leave some items unanswered so dimension means differ from item means
        )
    tail = servqual_sums(read_stage1(wave))
    tallies.fold_wave(wave)
    folded = servqual_sums(read_stage1(wave))

    for part in ("items", "dimensions", "overall"):
        a, b = getattr(tail, part), getattr(folded, part)
        assert a.keys == b.keys
        for name in ("n", "sum_e", "sum_e2", "sum_p", "sum_p2", "sum_ep"):
            assert getattr(a, name) == pytest.approx(getattr(b, name), rel=1e-12)
    assert level_counts(read_stage1(wave), QuestionKind.SCALE_5, 1, 5) is None


def test_the_job_folds_and_no_longer_queues_itself(kano_wave):
    # The scheduler runs surveys.fold; reschedule=True is deprecated and queues nothing.
    from django_tasks_db.models import DBTaskResult

    from qiwang.surveys.tasks import fold_survey_tallies

    wave, questions = kano_wave
    _store(wave, questions, [{"tier": "vip", "answers": [(2, 4, None)] * 3}] * 2, 0)

    outcome = fold_survey_tallies.call(reschedule=True)

    assert outcome == {"waves": 1, "responses": 2}
    assert tallies.tail_size(wave) == 0
    assert DBTaskResult.objects.count() == 0


def test_cli_folds_rebuilds_and_refuses_an_unknown_wave(kano_wave):
    from typer.testing import CliRunner

    from qiwang.cli import app

    wave, questions = kano_wave
    _store(wave, questions, [{"tier": "vip", "answers": [(2, 4, None)] * 3}] * 3, 0)
    runner = CliRunner()

    first = runner.invoke(app, ["surveys", "fold"])
    again = runner.invoke(app, ["surveys", "fold", "--rebuild", "--wave", str(wave.pk)])
    bad = runner.invoke(app, ["surveys", "fold", "--wave", "987654"])

    assert first.exit_code == 0, first.output
    assert "3" in first.output
    assert again.exit_code == 0, again.output
    assert set(AnswerTally.objects.filter(wave=wave).values_list("n", flat=True)) == {3}
    assert bad.exit_code == 2
    assert "987654" in bad.output
