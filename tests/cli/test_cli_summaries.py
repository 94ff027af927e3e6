"""The summary lines of promise, surprise-plan and expectations follow the command line's
language (issue 17): in English they say what the analysis package's ``summary()`` says, in
zh-hans they are Chinese, and the JSON is the same in both."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qiwang.analysis import expectations, promise, surprise
from qiwang.analysis._io import read_table
from qiwang.cli import app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

PROMISE = ["analyze", "promise", str(EXAMPLES / "repair_visits.csv"), "--value", "hours"]
PROMISE += ["--target", "<=24"]
SURPRISE = ["analyze", "surprise-plan", str(EXAMPLES / "surprise_customers.csv")]
SURPRISE += ["--budget", "6000", "--cost", "150", "--start", "2026-01-01", "--end", "2026-12-31"]
SURPRISE += ["--min-gap-days", "90", "--max-per-year", "2", "--seed", "7"]
SURPRISE += ["--history", str(EXAMPLES / "surprise_history.csv")]
ESTIMATE = ["analyze", "expectations", str(EXAMPLES / "expectation_waves.csv"), "--estimate"]
STATES = ["analyze", "expectations", str(EXAMPLES / "expectation_waves.csv")]


def _run(arguments: list[str], language: str) -> str:
    result = CliRunner().invoke(app, arguments, env={"QIWANG_LANGUAGE": language, "COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.stdout


def _lines(output: str) -> list[str]:
    return [line.strip() for line in output.splitlines()]


def _expected_english() -> dict[str, list[str]]:
    """The analysis package's own English summaries of the same inputs (an independent path:
    the package formats them from its fields with f-strings, the commands from catalogue
    texts)."""
    visits = read_table(EXAMPLES / "repair_visits.csv")
    check = promise.check_promise(visits["hours"], "<=24")
    customers = read_table(
        EXAMPLES / "surprise_customers.csv", text_columns=["customer", "segment"]
    )
    history = read_table(EXAMPLES / "surprise_history.csv", text_columns=["customer"])
    plan = surprise.plan_surprises(
        customers,
        budget=6000,
        cost=150,
        start="2026-01-01",
        end="2026-12-31",
        min_gap_days=90,
        max_per_year=2,
        seed=7,
        history=history,
    )
    habits = surprise.habituation(history)
    waves = read_table(EXAMPLES / "expectation_waves.csv", text_columns=["customer", "service"])
    estimate = expectations.estimate_parameters(waves)
    return {
        "promise": check.summary().splitlines()[2:],
        "plan": plan.summary().splitlines()[: 1 + len(plan.segments)],
        "habits": habits.summary().splitlines(),
        "estimate": [estimate.summary()],
    }


def test_english_summaries_say_what_the_analysis_package_says():
    expected = _expected_english()
    promise_out = _lines(_run(PROMISE, "en"))
    surprise_out = _lines(_run(SURPRISE, "en"))
    estimate_out = _run(ESTIMATE, "en")
    states_out = _lines(_run(STATES, "en"))

    assert [f"• {line}" for line in expected["promise"]] == promise_out[-len(expected["promise"]) :]
    assert [line.strip() for line in expected["plan"]] == surprise_out[: len(expected["plan"])]
    habits = [line.strip() for line in expected["habits"]]
    assert surprise_out[-len(habits) :] == habits
    assert f"Estimated: {expected['estimate'][0]}" in " ".join(estimate_out.split())
    # the states line counts what the JSON lists
    records = json.loads(_run([*STATES, "--json"], "en"))
    assert states_out[-1] == (
        f"{len(records)} customer × service pairs, "
        f"{sum(r['observations'] for r in records)} perceptions, "
        f"{sum(bool(r['ratchet_warning']) for r in records)} ratchet warnings, "
        f"{sum(r['predicted_satisfaction'] < 0 for r in records)} pairs predicted dissatisfied "
        "at their last level"
    )


@pytest.mark.parametrize("arguments", [PROMISE, SURPRISE, ESTIMATE, STATES], ids=lambda a: a[1])
def test_chinese_summaries_leave_no_english_sentence(arguments):
    output = _run(arguments, "zh-hans")
    # the English sentences' words: none may be left in a zh-hans terminal
    english = re.compile(
        r"\b(Recommended|target|breaches|surprises from|fair share|customers|habituated|"
        r"intervals|repeats|gain weight|loss weight|transitions|ratchet|pairs|perceptions|"
        r"receive nothing|deliveries)\b"
    )
    assert not english.findall(output), output
    assert re.search(r"[\u4e00-\u9fff]", output.splitlines()[-1])


@pytest.mark.parametrize("arguments", [PROMISE, SURPRISE, ESTIMATE, STATES], ids=lambda a: a[1])
def test_the_json_is_the_same_in_both_languages(arguments):
    english = json.loads(_run([*arguments, "--json"], "en"))
    chinese = json.loads(_run([*arguments, "--json"], "zh-hans"))
    assert english == chinese


@pytest.mark.parametrize(
    ("arguments", "english", "chinese"),
    [
        (
            ["analyze", "promise", "{visits}", "--value", "hours", "--target", "about 24"],
            "cannot read the target 'about 24'",
            "无法识别目标 'about 24'",
        ),
        (
            [*SURPRISE[:3], "--budget", "100", "--cost", "150", *SURPRISE[7:17]],
            "the budget 100 cannot buy one delivery at a cost of 150 each",
            "预算 100 不够按每次 150 安排哪怕一次",
        ),
        (
            [*SURPRISE[:7], "--start", "2026-12-31", "--end", "2026-01-01", *SURPRISE[11:17]],
            "the start date 2026-12-31 is after the end date 2026-01-01",
            "开始日期 2026-12-31 晚于结束日期 2026-01-01",
        ),
        (
            ["analyze", "kano", "{visits}", "--engine", "duckdb"],
            "missing column",
            "缺少列",
        ),
    ],
    ids=["promise-target", "surprise-budget", "surprise-dates", "kano-engine"],
)
def test_rarer_analysis_errors_are_in_the_chosen_language(tmp_path, arguments, english, chinese):
    visits = tmp_path / "visits.csv"
    visits.write_text("visit,hours\n1,20\n2,30\n", encoding="utf-8")
    arguments = [a.replace("{visits}", str(visits)) for a in arguments]
    runner = CliRunner()
    in_english = runner.invoke(app, arguments, env={"QIWANG_LANGUAGE": "en"})
    in_chinese = runner.invoke(app, arguments, env={"QIWANG_LANGUAGE": "zh-hans"})
    assert in_english.exit_code == 2 and english in in_english.stderr, in_english.stderr
    assert in_chinese.exit_code == 2 and chinese in in_chinese.stderr, in_chinese.stderr


def test_every_reason_pattern_has_both_catalogue_entries():
    """Each msgid of the reason table is translated into Chinese and present in English."""
    import polib

    from qiwang.cli.analyze._messages import _PATTERNS

    locale = Path(__file__).resolve().parents[2] / "src" / "qiwang" / "locale"
    zh = {e.msgid: e.msgstr for e in polib.pofile(locale / "zh_Hans/LC_MESSAGES/django.po")}
    en = {e.msgid for e in polib.pofile(locale / "en/LC_MESSAGES/django.po")}
    for _pattern, msgid in _PATTERNS:
        assert msgid in en, msgid
        assert zh.get(msgid) and zh[msgid] != msgid, msgid
