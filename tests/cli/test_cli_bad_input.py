"""Bad input files on the command line: a missing file, a directory, a binary file, a file in
another encoding. Each gets one sentence naming the file, in the command line's language, exit
code 2 (misuse), never a traceback nor a page of a library's diagnostics."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from qiwang.cli import app

KANO_LONG = "attribute,functional,dysfunctional\n速度,like,dislike\n速度,expect,dislike\n价格,neutral,neutral\n"


def _invoke(arguments: list[str], language: str = "en"):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, arguments, env={"QIWANG_LANGUAGE": language})


@pytest.mark.parametrize("command", [["customers", "import"], ["calendar", "import"]])
def test_a_missing_input_file_is_named_in_the_language_without_the_system_error(
    db, tmp_path, command
):
    missing = tmp_path / "missing.csv"

    english = _invoke([*command, str(missing), "--json"])
    chinese = _invoke([*command, str(missing)], "zh-hans")

    assert english.exit_code == 2 and english.stdout == ""
    assert json.loads(english.stderr) == {
        "error": f"FILE: {missing} does not exist.",
        "code": 2,
    }
    assert chinese.exit_code == 2 and chinese.stdout == ""
    assert f"FILE：{missing} 不存在。" in chinese.stderr
    assert "Errno" not in chinese.stderr and "No such file" not in chinese.stderr


@pytest.mark.parametrize("command", [["customers", "import"], ["calendar", "import"]])
def test_a_directory_given_as_the_input_file_is_called_a_directory(db, tmp_path, command):
    english = _invoke([*command, str(tmp_path), "--json"])
    chinese = _invoke([*command, str(tmp_path)], "zh-hans")

    assert english.exit_code == 2 and english.stdout == ""
    assert json.loads(english.stderr)["error"] == f"FILE: {tmp_path} is a directory, not a file."
    assert chinese.exit_code == 2
    assert f"FILE：{tmp_path} 是目录，不是文件。" in chinese.stderr
    assert "Errno" not in chinese.stderr


ANALYZE = {
    "satisfaction": ["analyze", "satisfaction", "{file}", "--csat", "overall"],
    "satisfaction-duckdb": [
        "analyze",
        "satisfaction",
        "{file}",
        "--csat",
        "overall",
        "--engine",
        "duckdb",
    ],
    "kano": ["analyze", "kano", "{file}"],
    "csi": ["analyze", "csi", "{file}", "--model", "ecsi"],
    "promise": ["analyze", "promise", "{file}", "--value", "hours", "--target", "<=24"],
}


@pytest.mark.parametrize("name", sorted(ANALYZE))
def test_analyze_calls_a_directory_a_directory(tmp_path, name):
    arguments = [a.replace("{file}", str(tmp_path)) for a in ANALYZE[name]]

    english = _invoke([*arguments, "--json"])
    chinese = _invoke(arguments, "zh-hans")

    assert english.exit_code == 2 and english.stdout == ""
    assert json.loads(english.stderr)["error"] == f"{tmp_path} is a directory, not a file"
    assert chinese.exit_code == 2 and f"{tmp_path} 是目录，不是文件" in chinese.stderr


@pytest.mark.parametrize("name", ["satisfaction", "csi", "promise"])
def test_analyze_a_file_named_xlsx_that_is_not_a_workbook_is_misuse(tmp_path, name):
    fake = tmp_path / "answers.xlsx"
    fake.write_bytes(b"overall\n5\n4\n")  # a CSV renamed, not a zip archive
    arguments = [a.replace("{file}", str(fake)) for a in ANALYZE[name]]

    english = _invoke([*arguments, "--json"])
    chinese = _invoke(arguments, "zh-hans")

    assert english.exit_code == 2, english.stderr  # was 1, "the analysis failed: BadZipFile"
    assert json.loads(english.stderr)["error"] == (
        "cannot read answers.xlsx: not an Excel workbook (.xlsx)"
    )
    assert "无法读取 answers.xlsx：不是 Excel 工作簿（.xlsx）" in chinese.stderr


@pytest.mark.parametrize("name", ["kano", "satisfaction-duckdb", "csi"])
def test_analyze_a_binary_csv_gets_one_sentence_not_a_library_report(tmp_path, name):
    binary = tmp_path / "answers.csv"
    binary.write_bytes(bytes(range(256)) * 8)
    arguments = [a.replace("{file}", str(binary)) for a in ANALYZE[name]]

    english = _invoke([*arguments, "--json"])
    chinese = _invoke(arguments, "zh-hans")

    assert english.exit_code == 2 and english.stdout == ""
    assert json.loads(english.stderr)["error"] == (
        "cannot read answers.csv: neither UTF-8 nor GB18030 text"
    )
    assert chinese.exit_code == 2
    assert chinese.stderr.count("\n") == 1  # one line (DuckDB's sniffer report had 20)
    assert "Possible" not in chinese.stderr and "Invalid Input Error" not in chinese.stderr


def test_analyze_kano_reads_a_gbk_csv_as_the_other_commands_do(tmp_path):
    answers = tmp_path / "kano.csv"
    answers.write_bytes(KANO_LONG.encode("gbk"))

    result = _invoke(["analyze", "kano", str(answers), "--json"])

    assert result.exit_code == 0, result.stderr  # was 2: DuckDB reads UTF-8 only
    counted = {a["attribute"]: a["n"] for a in json.loads(result.stdout)["attributes"]}
    assert counted == {"速度": 2, "价格": 1}


def test_analyze_csi_reads_a_gbk_csv(tmp_path):
    answers = tmp_path / "answers.csv"
    answers.write_bytes("满意度,推荐\n5,4\n".encode("gbk"))

    result = _invoke(["analyze", "csi", str(answers), "--model", "ecsi", "--json"])

    assert result.exit_code == 2 and result.stdout == ""
    error = json.loads(result.stderr)["error"]
    assert "满意度" in error and "utf-8" not in error  # the columns were read, not a codec error


def test_a_slow_analysis_leaves_no_empty_line_on_a_piped_standard_error(capfd):
    """The spinner of the survey commands starts after one second; piped, the stopped spinner
    wrote an empty line, so a script's JSON error started with a line break."""
    import time

    from qiwang.cli.analyze._survey_common import _progress

    with _progress("Reading answers.csv") as say:
        time.sleep(1.3)
        say("Classifying")

    assert capfd.readouterr().err == ""


def test_backup_and_restore_speak_the_chosen_language(tmp_path):
    """qiwang backup / restore printed English only (summary and refusals) under zh-hans."""
    import sqlite3

    site, archive = tmp_path / "site", tmp_path / "b.tar.gz"
    site.mkdir()
    with sqlite3.connect(site / "qiwang.sqlite3") as conn:
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
        conn.execute("INSERT INTO t DEFAULT VALUES")
    runner = CliRunner()
    chinese = {"QIWANG_DATA_DIR": str(site), "DATABASE_URL": None, "QIWANG_LANGUAGE": "zh-hans"}

    made = runner.invoke(app, ["backup", str(archive)], env=chinese)
    again = runner.invoke(app, ["backup", str(archive)], env=chinese)
    over = runner.invoke(app, ["restore", str(archive), "--json"], env=chinese)
    missing = runner.invoke(
        app, ["restore", str(tmp_path / "none.tar.gz")], env={**chinese, "QIWANG_LANGUAGE": "en"}
    )

    assert made.exit_code == 0, made.output
    assert "1 张表，1 行" in " ".join(made.stdout.split())
    assert again.exit_code == 2 and "已存在：备份总是写入新文件" in again.stderr
    assert over.exit_code == 2
    assert "不为空" in json.loads(over.stderr)["error"]
    assert missing.exit_code == 2 and "none.tar.gz is not a file." in missing.stderr


def test_calendar_show_names_status_and_source_in_the_language_and_json_keeps_codes(db):
    """The table printed the codes published / library under zh-hans too."""
    from qiwang.accounts.calendar_models import CalendarYear

    CalendarYear.objects.update_or_create(
        year=2031, defaults={"status": "estimated", "source": "library"}
    )

    chinese = _invoke(["calendar", "show"], "zh-hans")
    as_json = _invoke(["calendar", "show", "--json"], "zh-hans")

    assert chinese.exit_code == 0, chinese.stderr
    line = next(line for line in chinese.stdout.splitlines() if "2031" in line)
    assert "estimated" not in line and "library" not in line
    assert "预估" in line
    year = next(y for y in json.loads(as_json.stdout)["years"] if y["year"] == 2031)
    assert (year["status"], year["source"]) == ("estimated", "library")


@pytest.mark.parametrize(
    "arguments",
    [
        ["customers", "personal-data", "C1"],
        ["customers", "generate-tasks"],
        ["surveys", "fold"],
        ["calendar", "show"],
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_a_database_nobody_migrated_is_one_sentence_not_a_traceback(tmp_path, arguments):
    """Only `qiwang jobs` checked; the others died on their first query with a traceback."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environment.update(QIWANG_DATA_DIR=str(tmp_path), QIWANG_LANGUAGE="en")
    done = subprocess.run(
        [str(Path(sys.executable).with_name("qiwang")), *arguments, "--json"],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )

    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    error = json.loads(done.stderr)
    assert error["code"] == 2
    assert (
        "the database is not migrated" in error["error"]
        and "qiwang manage migrate" in error["error"]
    )


def test_an_output_path_that_is_a_directory_or_in_no_folder_is_named_without_system_text(
    tmp_path, capsys, monkeypatch
):
    """customers personal-data -o printed "[Errno 21] Is a directory" (English) under zh-hans."""
    import typer

    from qiwang.cli._output import use_json, write_output

    monkeypatch.setenv("QIWANG_LANGUAGE", "zh-hans")
    use_json(True)
    with pytest.raises(typer.Exit) as directory:
        write_output(tmp_path, b"x")
    into_directory = json.loads(capsys.readouterr().err)
    with pytest.raises(typer.Exit) as nowhere:
        write_output(tmp_path / "no" / "copy.xlsx", b"x")
    into_nowhere = json.loads(capsys.readouterr().err)
    use_json(False)

    assert directory.value.exit_code == 2 and nowhere.value.exit_code == 2
    assert into_directory["error"] == f"--output：{tmp_path} 是目录，不是文件。"
    assert "所在的文件夹不存在" in into_nowhere["error"] and "Errno" not in into_nowhere["error"]
