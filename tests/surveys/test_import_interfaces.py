"""The import by API (``POST /api/surveys/waves/{id}/import``) and by command line
(``qiwang surveys import FILE --wave N [--mapping FILE] [--dry-run] [--json]``): the same
one-call service, dry run by default on the API, clear refusals, nothing stored on a bad row."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from tests.surveys import import_tools as tools
from tests.surveys.conftest import make_instrument, make_wave
from typer.testing import CliRunner

from qiwang.accounts.services import create_api_token
from qiwang.surveys.models import Response

pytestmark = pytest.mark.django_db
REPORT_KEYS = {"rows", "imported", "dry_run", "errors", "unmapped", "source", "mapping", "recode"}


@pytest.fixture
def pulse(quality, org):
    return make_wave(quality, make_instrument(quality, org.own, "csat_pulse"), org.own)


def _auth(user):
    name = f"import{user.api_tokens.count()}"
    return {"HTTP_AUTHORIZATION": f"Bearer {create_api_token(user=user, name=name).key}"}


def _post(user, wave, content, filename, **fields):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return Client().post(
        f"/api/surveys/waves/{wave.pk}/import",
        {"file": SimpleUploadedFile(filename, content), **fields},
        **_auth(user),
    )


def test_api_dry_run_by_default_then_import(quality, pulse):
    content = tools.csv_bytes(tools.qualtrics_rows(tools.QUALTRICS_TEXT))

    checked = _post(quality, pulse, content, "qualtrics.csv")
    stored = _post(quality, pulse, content, "qualtrics.csv", dry_run="false")
    again = _post(quality, pulse, content, "qualtrics.csv", dry_run="false")

    assert checked.status_code == 200, checked.content
    assert set(checked.json()) == REPORT_KEYS
    assert (checked.json()["rows"], checked.json()["imported"], checked.json()["dry_run"]) == (
        2,
        0,
        True,
    )
    assert stored.status_code == 200, stored.content
    assert stored.json()["imported"] == 2
    assert again.status_code == 409
    assert Response.objects.filter(wave=pulse).count() == 2


def test_api_mapping_field_and_a_bad_row_answer_422_naming_row_and_column(quality, pulse):
    rows = tools.limesurvey_code_rows()
    rows[2][5] = "A9"  # no ninth answer on a 5-level scale
    content = tools.csv_bytes(rows)

    answered = _post(
        quality,
        pulse,
        content,
        "limesurvey.csv",
        dry_run="false",
        mapping=json.dumps(tools.LIMESURVEY_MAPPING),
    )

    assert answered.status_code == 422
    assert [(e["row"], e["column"]) for e in answered.json()["errors"]] == [(3, "overall.value")]
    assert "A9" in answered.json()["recode"]["overall"]
    assert not Response.objects.filter(wave=pulse).exists()


@pytest.mark.parametrize(
    ("filename", "content", "mapping", "field"),
    [
        ("notes.pdf", b"%PDF", "", "file"),
        ("x.csv", b"", "", "file"),
        ("x.sav", b"not spss", "", "file"),
        ("x.csv", b"a,b\n1,2\n", "{nope", "mapping"),
        ("x.csv", b"a,b\n1,2\n", '{"columns": {"zz": "overall"}}', "mapping"),
        ("x.csv", b"a,b\n1,2\n", '{"recode": {"overall": "5"}}', "recode"),
    ],
)
def test_api_refuses_bad_input_with_a_named_field(
    quality, pulse, filename, content, mapping, field
):
    answered = _post(quality, pulse, content, filename, mapping=mapping)

    assert answered.status_code == 422, answered.content
    assert field in [error["field"] for error in answered.json()["errors"]]


def test_api_wave_of_another_branch_is_not_found(org, quality):
    admin = org.users["administrator"]
    other = make_wave(admin, make_instrument(admin, org.other, "csat_pulse"), org.other)

    answered = _post(quality, other, tools.csv_bytes(tools.formbricks_rows()), "f.csv")

    assert answered.status_code == 404


def _cli(*args):
    from qiwang.cli import app

    return CliRunner().invoke(app, ["surveys", "import", *map(str, args)])


def test_cli_dry_run_json_then_import_with_a_mapping_file(quality, pulse, tmp_path):
    data = tmp_path / "survey_123.csv"
    data.write_bytes(tools.csv_bytes(tools.limesurvey_code_rows()))
    mapping = tmp_path / "limesurvey.json"
    mapping.write_text(json.dumps(tools.LIMESURVEY_MAPPING), encoding="utf-8")

    checked = _cli(data, "--wave", pulse.pk, "--mapping", mapping, "--dry-run", "--json")
    stored = _cli(data, "--wave", pulse.pk, "--mapping", mapping, "--user", quality.username)

    assert checked.exit_code == 0, checked.output
    report = json.loads(checked.output)
    assert set(report) == REPORT_KEYS
    assert (report["rows"], report["imported"], report["dry_run"], report["errors"]) == (
        2,
        0,
        True,
        [],
    )
    assert stored.exit_code == 0, stored.output
    assert Response.objects.filter(wave=pulse, source="import").count() == 2


def test_cli_bad_rows_exit_1_and_name_them(pulse, tmp_path):
    rows = tools.wenjuanxing_rows(answers=[["超级满意", "满意", "满意", "满意", "9", "6"]])
    data = tmp_path / "wjx.csv"
    data.write_bytes(tools.csv_bytes(rows, encoding="gb18030"))

    result = _cli(data, "--wave", pulse.pk, "--json")

    assert result.exit_code == 1  # the work failed: rows refused (2 is kept for misuse)
    report = json.loads(result.output)
    assert [(e["row"], e["column"]) for e in report["errors"]] == [(2, "overall.value")]
    assert not Response.objects.filter(wave=pulse).exists()


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--wave", "999999"], "wave"),
        (["--wave", "{wave}", "--user", "nobody"], "user"),
        (["--wave", "{wave}", "--mapping", "{missing}"], "file"),
        (["--wave", "{wave}", "--mapping", "{bad}"], "mapping"),
    ],
)
def test_cli_refusals_name_the_option(pulse, tmp_path, args, field):
    data = tmp_path / "f.csv"
    data.write_bytes(tools.csv_bytes(tools.formbricks_rows()))
    bad = tmp_path / "bad.json"
    bad.write_text("[1]", encoding="utf-8")
    values = {"wave": pulse.pk, "missing": tmp_path / "missing.json", "bad": bad}

    result = _cli(data, *[a.format(**values) for a in args], "--json")

    assert result.exit_code == 2
    assert [e["column"] for e in json.loads(result.output)["errors"]] == [field]


@pytest.mark.parametrize(
    ("path", "fields", "status"),
    [
        ("/api/surveys/waves/0/import", {"dry_run": "true"}, 422),  # no file: validation first
        ("/api/surveys/waves/{wave}/import", {"dry_run": "maybe"}, 422),
        ("/api/surveys/waves/{wave}/import", {"mapping": "{}"}, 422),
    ],
)
def test_api_malformed_requests_are_4xx(quality, pulse, path, fields, status):
    answered = Client().post(path.format(wave=pulse.pk), fields, **_auth(quality))

    assert answered.status_code == status, answered.content


def test_api_unknown_wave_is_404(quality):
    answered = _post(quality, type("W", (), {"pk": 999999})(), b"a\n1\n", "x.csv")

    assert answered.status_code == 404
