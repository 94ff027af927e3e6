"""The command line's output convention (qiwang.cli._output): results on standard output, errors
on standard error (JSON with --json), exit code 0 success / 1 the work failed / 2 misuse; and the
language (qiwang.cli._i18n) following QIWANG_LANGUAGE, LC_ALL, LC_MESSAGES, LANG."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qiwang.cli import app
from qiwang.cli._i18n import cli_language

QIWANG = Path(sys.executable).with_name("qiwang")

MISUSE = [
    ["customers", "generate-tasks", "--day", "2026-02-30"],
    ["customers", "import", "/nonexistent/customers.csv"],
    ["customers", "personal-data", "NOPE"],
    ["customers", "erase", "NOPE", "--yes"],
    ["surveys", "fold", "--wave", "987654"],
    ["surveys", "label-text", "--wave", "987654"],
    ["export", "responses", "--dest", "/tmp/qiwang-never-written", "--format", "csv"],
    ["jobs", "run", "no.such.job"],
    ["sla", "due", "--start", "2026-02-13T17:00", "--hours", "eight"],
]


@pytest.mark.parametrize("arguments", MISUSE, ids=lambda a: " ".join(a[:2]))
def test_misuse_exits_2_with_the_message_on_standard_error_only(db, arguments):
    result = CliRunner().invoke(app, arguments)

    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("qiwang:")
    assert "Traceback" not in result.output


@pytest.mark.parametrize("arguments", MISUSE, ids=lambda a: " ".join(a[:2]))
def test_misuse_with_json_is_one_json_error_on_standard_error(db, arguments):
    result = CliRunner().invoke(app, [*arguments, "--json"])

    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    error = json.loads(result.stderr)
    assert set(error) == {"error", "code"}
    assert error["code"] == 2
    assert error["error"]


def test_reports_with_json_are_one_document_with_stable_keys(db):
    runner = CliRunner()

    tasks = runner.invoke(app, ["customers", "generate-tasks", "--day", "2026-03-02", "--json"])
    fold = runner.invoke(app, ["surveys", "fold", "--json"])
    labels = runner.invoke(app, ["surveys", "label-text", "--json"])
    corrections = runner.invoke(app, ["surveys", "text-corrections", "--json"])
    jobs = runner.invoke(app, ["jobs", "--json"])
    tick = runner.invoke(app, ["jobs", "tick", "--json"])

    for result in (tasks, fold, labels, corrections, jobs, tick):
        assert result.exit_code == 0, result.output
    for result in (tasks, fold, labels, corrections, jobs):
        assert result.stderr == ""  # (the tick logs the slots it queued there)
    assert json.loads(tasks.stdout) == {
        "day": "2026-03-02",
        "queued": False,
        "created": 0,
        "greetings": 0,
        "escalated": 0,
    }
    assert json.loads(fold.stdout) == {"queued": False, "responses": 0, "waves": 0}
    assert json.loads(labels.stdout) == {"queued": False, "labelled": 0}
    assert json.loads(corrections.stdout) == {
        "n": 0,
        "model_version": None,
        "classes": [],
        "output": None,
    }
    assert set(json.loads(jobs.stdout)) == {"jobs", "workers"}
    assert set(json.loads(tick.stdout)) == {"queued", "requeued_tasks", "abandoned_runs", "ran"}


def test_the_export_summary_with_json_names_rows_waves_and_files(db, tmp_path):
    dest = tmp_path / "warehouse"

    result = CliRunner().invoke(app, ["export", "responses", "--dest", str(dest), "--json"])

    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["dest"] == str(dest)
    assert (summary["format"], summary["rows"], summary["waves"]) == ("parquet", 0, {})
    assert isinstance(summary["files"], list)


@pytest.mark.parametrize(
    ("environment", "language"),
    [
        ({}, "zh-hans"),
        ({"LANG": "C.UTF-8"}, "zh-hans"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "zh_CN.UTF-8"}, "zh-hans"),
        ({"LANG": "zh_CN.UTF-8", "LC_MESSAGES": "en_GB.UTF-8"}, "en"),
        ({"LANG": "en_US.UTF-8", "LC_ALL": "zh_CN.UTF-8"}, "zh-hans"),
        ({"LC_ALL": "en_US.UTF-8", "QIWANG_LANGUAGE": "zh-hans"}, "zh-hans"),
        ({"QIWANG_LANGUAGE": "en"}, "en"),
        ({"LANG": "fr_FR.UTF-8"}, "zh-hans"),
    ],
)
def test_the_language_follows_qiwang_language_then_the_posix_locale(environment, language):
    assert cli_language(environment) == language


def test_messages_follow_the_locale_of_each_invocation(db):
    runner = CliRunner()
    arguments = ["customers", "generate-tasks", "--day", "2026-02-30"]

    english = runner.invoke(app, arguments, env={"QIWANG_LANGUAGE": "en"})
    chinese = runner.invoke(app, arguments, env={"QIWANG_LANGUAGE": "zh-hans"})

    assert "--day: 2026-02-30 is not a date (YYYY-MM-DD)." in english.stderr
    assert "不是日期" in chinese.stderr


def _help(arguments: list[str], language: str) -> str:
    environment = {k: v for k, v in os.environ.items() if k not in {"LC_ALL", "LC_MESSAGES"}}
    environment.update(LANG=language, COLUMNS="200", NO_COLOR="1")
    environment.pop("QIWANG_LANGUAGE", None)
    done = subprocess.run(
        [str(QIWANG), *arguments, "--help"],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_help_is_chinese_by_default_and_english_under_an_english_locale():
    chinese = _help(["customers", "import"], "C.UTF-8")
    english = _help(["customers", "import"], "en_US.UTF-8")

    assert "从文件新建或更新客户" in chinese
    assert "Create or update customers from a file" in english
    assert "从文件" not in english


@pytest.mark.parametrize(
    "arguments",
    [
        ["analyze", "kano", "/nonexistent/answers.csv"],
        ["analyze", "drivers", "/nonexistent/answers.csv", "--target", "overall"],
        ["analyze", "csi", "/nonexistent/answers.csv"],
        ["analyze", "sentiment", "/nonexistent/comments.csv", "--text-column", "comment"],
        ["analyze", "promise", "/nonexistent/visits.csv", "--value", "h", "--target", "<=24"],
        ["analyze", "satisfaction", "/nonexistent/responses.csv", "--nps", "recommend"],
    ],
    ids=lambda a: a[1],
)
def test_analyze_errors_are_json_with_json_and_text_without(arguments):
    runner = CliRunner(env={"QIWANG_LANGUAGE": "en"})  # the assertions read English

    plain = runner.invoke(app, arguments)
    as_json = runner.invoke(app, [*arguments, "--json"])

    assert plain.exit_code == 2 and plain.stdout == ""
    assert plain.stderr.startswith("Error:") and "nonexistent" in plain.stderr
    assert as_json.exit_code == 2 and as_json.stdout == ""
    error = json.loads(as_json.stderr)
    assert error["code"] == 2 and "nonexistent" in error["error"]


def test_analyze_help_follows_the_language():
    chinese = _help(["analyze", "kano"], "zh_CN.UTF-8")
    english = _help(["analyze", "kano"], "en_US.UTF-8")

    assert "卡诺 Kano 分析" in chinese and "显著性水平" in chinese
    assert "Kano analysis: classify answers" in english
    assert "Significance level of the falling flag." in english
    assert "卡诺" not in english


@pytest.mark.parametrize(
    ("arguments", "english", "chinese"),
    [
        (["analyze", "kano", "/nonexistent/answers.csv"], "no such file:", "文件不存在："),
        (
            ["analyze", "promise", "{answers}", "--value", "hours", "--target", "<=24"],
            "missing column 'hours'; the columns are",
            "缺少列 'hours'；现有的列为",
        ),
        (
            ["analyze", "satisfaction", "{answers}", "--nps", "score"],
            "row 1, column 'score': 20 is not a level of the 0–10 scale",
            "第 1 行，列 'score'：20 不是 0–10 量表的级别",
        ),
        (
            ["analyze", "ipa", "{answers}", "--crosshair", "midpoint"],
            "--crosshair midpoint needs --scale LOW,HIGH",
            "--crosshair midpoint 需要 --scale LOW,HIGH",
        ),
    ],
    ids=lambda a: a[1] if isinstance(a, list) else None,
)
def test_analyze_errors_are_in_the_chosen_language(tmp_path, arguments, english, chinese):
    answers = tmp_path / "answers.csv"
    answers.write_text("respondent,score\n1,20\n", encoding="utf-8")
    arguments = [a.replace("{answers}", str(answers)) for a in arguments]
    runner = CliRunner()

    in_english = runner.invoke(app, arguments, env={"QIWANG_LANGUAGE": "en"})
    in_chinese = runner.invoke(app, arguments, env={"QIWANG_LANGUAGE": "zh-hans"})
    as_json = runner.invoke(app, [*arguments, "--json"], env={"QIWANG_LANGUAGE": "zh-hans"})

    assert in_english.exit_code == 2 and in_english.stdout == ""
    assert in_english.stderr.startswith("Error:") and english in in_english.stderr
    assert in_chinese.exit_code == 2 and in_chinese.stdout == ""
    assert in_chinese.stderr.startswith("错误：") and chinese in in_chinese.stderr
    assert json.loads(as_json.stderr) == {"error": json.loads(as_json.stderr)["error"], "code": 2}
    assert chinese in json.loads(as_json.stderr)["error"]


def _analyze_help_texts(language: str) -> dict[str, list[str]]:
    """Every ``qiwang analyze`` command's help and its options' and arguments' help, as a fresh
    process in ``language`` builds them (help texts are translated when the commands are
    imported)."""
    script = (
        "import json, sys\n"
        "import typer.main\n"
        "from qiwang.cli.analyze import analyze_app\n"
        "group = typer.main.get_command(analyze_app)\n"
        "json.dump({n: [c.help] + [p.help for p in c.params if getattr(p, 'help', None)]\n"
        "           for n, c in group.commands.items()}, sys.stdout, ensure_ascii=False)\n"
    )
    environment = {**os.environ, "QIWANG_LANGUAGE": language}
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout)


def test_every_analyze_help_text_has_a_chinese_translation():
    """The English help texts are the msgids: each needs a zh-hans entry that differs from it."""
    from qiwang.envlang import _catalogue

    chinese = _catalogue("zh-hans")
    commands = _analyze_help_texts("en")
    assert {"kano", "drivers", "csi", "servqual", "ipa", "sentiment", "reply-check"} <= set(
        commands
    )
    untranslated = [
        f"{name}: {paragraph}"
        for name, texts in commands.items()
        for text in texts
        for paragraph in (p.removeprefix("\b\n") for p in text.split("\n\n"))
        if paragraph.strip()
        and not paragraph.startswith("Example")  # the commands to type stay as they are
        and chinese.gettext(paragraph) == paragraph
    ]
    assert untranslated == []


def test_every_analyze_help_screen_in_chinese_leaves_no_option_in_english():
    """Rendered in zh-hans, every option and argument help of ``qiwang analyze …`` holds Chinese
    (a text missing from the catalogue would stay English)."""
    shown = _analyze_help_texts("zh-hans")
    leftovers = [
        f"{name}: {text}"
        for name, texts in shown.items()
        for text in texts
        if not any("\u4e00" <= character <= "\u9fff" for character in text)
    ]
    assert leftovers == []
