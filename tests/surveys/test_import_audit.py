"""What a new user coming from another tool meets: row numbers as the spreadsheet shows them
after a blank line, errors naming the file's column and value, a dry run that says the file was
already imported. Files written here by hand in each tool's export layout."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from tests.surveys.conftest import make_instrument, make_wave
from typer.testing import CliRunner

from qiwang.accounts.services import create_api_token
from qiwang.errors import ConflictError
from qiwang.surveys.import_sources import read_upload
from qiwang.surveys.imports import import_responses
from qiwang.surveys.models import Response

pytestmark = pytest.mark.django_db

OVERALL = "1、总体而言，您对我们的物业服务满意吗？"
ROWS = ("报修后维修人员上门的速度", "维修的质量", "小区的清洁卫生")
WJX_HEADER = (
    "序号,提交答卷时间,所用时间,来源,来源详情,来自IP,"
    f"{OVERALL},"
    + ",".join(f"2、请评价以下方面—{row}" for row in ROWS)
    + ",3、您有多大可能向亲友推荐我们的物业服务？"
    + ",4、上次办理报修，您觉得有多省事？（1 很费劲 … 7 很省事）"
)
META = "2026/11/2 10:03:00,180秒,手机提交,直接访问,10.0.0.1(上海-上海)"


def _wjx(*answers: str) -> bytes:
    lines = [WJX_HEADER]
    for number, answer in enumerate(answers, start=1):
        lines.append(f"{number},{META},{answer}" if answer else ",,,,,,,,,,,")
    return ("\r\n".join(lines) + "\r\n").encode("gbk")


@pytest.fixture
def pulse(quality, org):
    return make_wave(quality, make_instrument(quality, org.own, "csat_pulse"), org.own)


def test_rows_after_a_blank_line_keep_the_spreadsheet_row_number(quality, pulse):
    content = _wjx(
        "非常满意,比较满意,一般,不太满意,9,6",
        "",  # row 3: a blank line (every cell empty) in the middle of the export
        "不适用,比较满意,一般,不太满意,9,6",  # row 4
        "6,比较满意,一般,不太满意,9,6",  # row 5
    )

    table = read_upload(content, "问卷星.csv")
    report = import_responses(actor=quality, wave=pulse, content=content, filename="问卷星.csv")

    assert table.row_numbers() == (2, 4, 5)
    assert [(e.row, e.header, e.value) for e in report.errors] == [
        (4, OVERALL, "不适用"),
        (5, OVERALL, "6"),
    ]


def test_qualtrics_rows_after_a_blank_line_keep_their_number(quality, pulse):
    ids = "StartDate,ResponseId,Q1,Q2_1,Q2_2,Q2_3,Q3,Q4"
    texts = "Start Date,Response ID,Overall,Rate - A,Rate - B,Rate - C,NPS,CES"
    imports = ",".join(
        f'"{{""ImportId"":""{name}""}}"'
        for name in ("startDate", "_recordId", "QID1", "QID2_1", "QID2_2", "QID2_3", "QID3", "QID4")
    )
    body = "2026-11-02,R_1,5,4,3,2,9,6\r\n,,,,,,,\r\n2026-11-02,R_2,9,4,3,2,9,6\r\n"
    content = f"{ids}\r\n{texts}\r\n{imports}\r\n{body}".encode("utf-8-sig")

    table = read_upload(content, "qualtrics.csv")

    assert (table.source, table.row_numbers()) == ("qualtrics", (4, 6))


def test_errors_name_the_file_column_and_value_in_the_api_report(quality, pulse):
    content = _wjx("N/A,比较满意,一般,不太满意,9,6")
    token = create_api_token(user=quality, name="audit").key
    from django.core.files.uploadedfile import SimpleUploadedFile

    answer = Client().post(
        f"/api/surveys/waves/{pulse.pk}/import",
        {"file": SimpleUploadedFile("wjx.csv", content)},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )

    assert answer.status_code == 200, answer.content
    (error,) = answer.json()["errors"]
    assert (error["row"], error["column"], error["header"], error["value"]) == (
        2,
        "overall.value",
        OVERALL,
        "N/A",
    )


def test_a_dry_run_of_a_file_already_imported_says_so(quality, pulse, tmp_path):
    from qiwang.cli import app

    content = _wjx("非常满意,比较满意,一般,不太满意,9,6", "一般,一般,一般,一般,7,5")
    stored = import_responses(
        actor=quality, wave=pulse, content=content, filename="wjx.csv", dry_run=False
    )
    path = tmp_path / "wjx.csv"
    path.write_bytes(content)

    again = import_responses(actor=quality, wave=pulse, content=content, filename="wjx.csv")
    checked = CliRunner().invoke(
        app, ["surveys", "import", str(path), "--wave", str(pulse.pk), "--dry-run", "--json"]
    )
    with pytest.raises(ConflictError):
        import_responses(
            actor=quality, wave=pulse, content=content, filename="wjx.csv", dry_run=False
        )

    assert stored.imported == 2
    assert [e.message for e in again.errors] == ["该文件已导入过本批次。"]
    assert checked.exit_code == 1, checked.output
    assert json.loads(checked.output)["errors"][0]["message"] == "该文件已导入过本批次。"
    assert Response.objects.filter(wave=pulse).count() == 2


def test_a_later_export_holding_responses_already_imported_names_them(quality, pulse):
    first = _wjx("非常满意,比较满意,一般,不太满意,9,6", "一般,一般,一般,一般,7,5")
    # The same survey downloaded again a day later: the two answers again, and a new one.
    later = _wjx(
        "非常满意,比较满意,一般,不太满意,9,6",
        "一般,一般,一般,一般,7,5",
        "比较满意,比较满意,比较满意,比较满意,8,6",
    )
    import_responses(actor=quality, wave=pulse, content=first, filename="a.csv", dry_run=False)

    report = import_responses(actor=quality, wave=pulse, content=later, filename="b.csv")
    # The first download again, "按选项序号" this time: every response in it is already stored.
    by_number = _wjx("5,4,3,2,9,6", "3,3,3,3,7,5")
    again = import_responses(actor=quality, wave=pulse, content=by_number, filename="c.csv")

    assert [(e.row, e.header, e.value) for e in report.errors] == [
        (2, "序号", "1"),
        (3, "序号", "2"),
    ]
    assert report.errors[0].message == "这份答卷以前已导入本批次。"
    assert [e.message for e in again.errors] == ["该文件已导入过本批次。"]
    assert Response.objects.filter(wave=pulse).count() == 2


def test_the_same_response_id_twice_in_one_file_is_named_not_a_server_error(quality, pulse):
    content = _wjx("非常满意,比较满意,一般,不太满意,9,6", "一般,一般,一般,一般,7,5")
    content = content.replace("\r\n2,".encode("gbk"), "\r\n1,".encode("gbk"))

    report = import_responses(
        actor=quality, wave=pulse, content=content, filename="wjx.csv", dry_run=False
    )

    assert [(e.row, e.header, e.value, e.message) for e in report.errors] == [
        (3, "序号", "1", "答卷编号与第 2 行相同。")
    ]
    assert not Response.objects.filter(wave=pulse).exists()


@pytest.mark.parametrize(
    ("name", "content", "mapping", "field"),
    [
        ("answers.pdf", b"%PDF-1.4", None, "file"),  # not a file the import reads
        ("wjx.csv", None, {"序号": "no_such_column"}, "mapping"),
    ],
)
def test_cli_unreadable_file_or_wrong_mapping_is_misuse_exit_2(
    pulse, tmp_path, name, content, mapping, field
):
    from qiwang.cli import app

    path = tmp_path / name
    path.write_bytes(content or _wjx("非常满意,比较满意,一般,不太满意,9,6"))
    args = ["surveys", "import", str(path), "--wave", str(pulse.pk), "--json"]
    if mapping is not None:
        (tmp_path / "m.json").write_text(json.dumps(mapping, ensure_ascii=False), "utf-8")
        args += ["--mapping", str(tmp_path / "m.json")]

    result = CliRunner().invoke(app, args)

    assert result.exit_code == 2, result.output
    assert [e["column"] for e in json.loads(result.output)["errors"]] == [field]
    assert not Response.objects.filter(wave=pulse).exists()


@pytest.mark.parametrize(("language", "name"), [("zh-hans", "问卷星"), ("en", "Wenjuanxing")])
def test_the_saved_mapping_note_names_the_tool_in_the_page_language(quality, pulse, language, name):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from qiwang.surveys.models import SavedImportMapping

    SavedImportMapping.objects.create(
        instrument=pulse.version.instrument, branch=pulse.branch, source="wenjuanxing", columns={}
    )
    client = Client()
    client.force_login(quality)
    client.cookies["django_language"] = language
    content = _wjx("非常满意,比较满意,一般,不太满意,9,6")

    upload = client.post(
        reverse("surveys:import", args=[pulse.pk]),
        {"step": "upload", "file": SimpleUploadedFile("wjx.csv", content)},
    )

    body = upload.content.decode()
    note = body[body.index('data-testid="saved-mapping"') :].split("</p>")[0]
    assert name in note and "wenjuanxing" not in note


def test_a_numeric_export_coded_the_other_way_round_is_turned_on_the_page(quality, pulse):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse
    from tests.surveys.test_import_recode_page import _form

    from qiwang.surveys.models import Answer

    # Formbricks CSV, ratings as numbers; this survey listed "very satisfied" first (= 1).
    header = "Response ID,Timestamp,Finished,Survey ID,overall,repair_speed_P,repair_quality_P,"
    header += "cleanliness_P,recommend,effort"
    content = f"{header}\r\nr1,2026-11-02,Yes,s1,1,2,4,5,9,6\r\n".encode()
    client = Client()
    client.force_login(quality)
    url = reverse("surveys:import", args=[pulse.pk])

    upload = client.post(
        url, {"step": "upload", "file": SimpleUploadedFile("formbricks.csv", content)}
    )
    form = _form(upload.content.decode())
    shown = {name: text for name, text in form.items() if name.startswith("recode-")}
    turned = "1 = 5\n2 = 4\n4 = 2\n5 = 1"
    for column in ("overall", "repair_speed_P", "repair_quality_P", "cleanliness_P"):
        form[f"recode-{column}"] = turned
    check = client.post(url, {**form, "step": "preview"})
    done = client.post(url, {**_form(check.content.decode()), "step": "import"})

    # Every rating column has its (empty) box, though all its values are codes already.
    assert shown == {
        f"recode-{c}": ""
        for c in ("overall", "repair_speed_P", "repair_quality_P", "cleanliness_P")
    } | {"recode-effort": ""}
    assert done.status_code == 302, check.content.decode()
    stored = dict(
        Answer.objects.filter(response__wave=pulse).values_list("question__attribute", "value")
    )
    assert stored["overall"] == 5 and stored["repair-speed"] == 4 and stored["cleanliness"] == 1
    assert stored["effort"] == 6


def test_two_wenjuanxing_surveys_numbered_from_1_both_import_into_one_wave(quality, pulse):
    # Two communities ran the questionnaire as two 问卷星 surveys: 序号 1, 2 in both.
    north = _wjx("非常满意,比较满意,一般,不太满意,9,6", "一般,一般,一般,一般,7,5")
    south = north.replace("2026/11/2 10:03:00".encode("gbk"), "2026/11/5 18:20:41".encode("gbk"))

    first = import_responses(
        actor=quality, wave=pulse, content=north, filename="north.csv", dry_run=False
    )
    second = import_responses(
        actor=quality, wave=pulse, content=south, filename="south.csv", dry_run=False
    )

    assert (first.errors, second.errors) == ((), ())
    assert Response.objects.filter(wave=pulse).count() == 4


def test_wenjuanxing_empty_and_skipped_markers_are_no_answer(quality, pulse):
    from qiwang.surveys.models import Answer

    header = WJX_HEADER + ",5、请简单说说您打这个分数的原因"
    lines = [
        header,
        f"1,{META},非常满意,比较满意,一般,不太满意,9,6,(空)",
        f"2,{META},一般,一般,一般,一般,7,5,(跳过)",
        f"3,{META},(跳过),一般,一般,一般,7,5,很好",
    ]
    content = ("\r\n".join(lines) + "\r\n").encode("gbk")

    checked = import_responses(actor=quality, wave=pulse, content=content, filename="wjx.csv")
    without = content.replace(f"\r\n3,{META},(跳过),一般,一般,一般,7,5,很好".encode("gbk"), b"")
    stored = import_responses(
        actor=quality, wave=pulse, content=without, filename="wjx.csv", dry_run=False
    )

    assert [(e.row, e.column, e.value) for e in checked.errors] == [(4, "overall", "(跳过)")]
    assert "(跳过)" not in checked.recode.get("overall", {})
    assert stored.imported == 2
    texts = Answer.objects.filter(response__wave=pulse, question__attribute="pulse-comment")
    assert not [t for t in texts.values_list("text", flat=True) if t]


def test_cli_importing_the_same_file_again_says_so_without_internal_names(quality, pulse, tmp_path):
    from qiwang.cli import app

    path = tmp_path / "wjx.csv"
    path.write_bytes(_wjx("非常满意,比较满意,一般,不太满意,9,6"))
    args = ["surveys", "import", str(path), "--wave", str(pulse.pk)]

    first = CliRunner().invoke(app, args)
    second = CliRunner().invoke(app, args)
    as_json = CliRunner().invoke(app, [*args, "--json"])

    assert first.exit_code == 0, first.output
    assert second.exit_code == 1
    assert "该文件已导入过本批次。" in second.output and "__all__" not in second.output
    assert json.loads(as_json.output)["errors"][0]["column"] == ""
    assert Response.objects.filter(wave=pulse).count() == 1
