"""Files exported by Qualtrics, 问卷星, 腾讯问卷, LimeSurvey, Formbricks and SPSS import into a
wave: header rows recognised, columns suggested, scale labels recoded, the recode saved for the
next file from the same tool. Layouts: tests/surveys/import_tools.py."""

from __future__ import annotations

import pytest
from tests.surveys import import_tools as tools
from tests.surveys.conftest import make_instrument, make_wave

from qiwang.errors import ServiceError
from qiwang.surveys.import_calls import parse_mapping_file
from qiwang.surveys.import_sources import read_upload
from qiwang.surveys.imports import import_responses
from qiwang.surveys.models import Answer, Response, SavedImportMapping

pytestmark = pytest.mark.django_db

ALL_COLUMNS = [
    "overall",
    "repair_speed_P",
    "repair_quality_P",
    "cleanliness_P",
    "recommend",
    "effort",
]


@pytest.fixture
def pulse(quality, org):
    return make_wave(quality, make_instrument(quality, org.own, "csat_pulse"), org.own)


def _stored(wave, attribute):
    return list(
        Answer.objects.filter(response__wave=wave, question__attribute=attribute)
        .order_by("response_id")
        .values_list("value", flat=True)
    )


def _import(quality, wave, content, filename, **options):
    return import_responses(actor=quality, wave=wave, content=content, filename=filename, **options)


def test_qualtrics_csv_skips_its_import_id_and_text_rows_and_recodes_choice_text(quality, pulse):
    content = tools.csv_bytes(tools.qualtrics_rows(tools.QUALTRICS_TEXT), encoding="utf-8-sig")

    report = _import(quality, pulse, content, "qualtrics.csv", dry_run=False)

    assert report.errors == ()
    assert (report.rows, report.imported, report.source) == (2, 2, "qualtrics")
    assert sorted(report.mapping.values()) == sorted(ALL_COLUMNS)
    assert report.mapping["Q2_2"] == "repair_quality_P"
    assert report.recode["overall"] == {"Extremely satisfied": "5", "Somewhat dissatisfied": "2"}
    assert _stored(pulse, "overall") == [5, 2]
    assert _stored(pulse, "repair-speed") == [4, 1]
    assert _stored(pulse, "effort") == [6, 2]


def test_qualtrics_tsv_in_utf16_with_numeric_values_names_spreadsheet_rows(quality, pulse):
    numeric = [["5", "4", "5", "3", "9", "6"], ["9", "1", "4", "4", "3", "2"]]  # 9: not 1–5
    content = tools.csv_bytes(tools.qualtrics_rows(numeric), encoding="utf-16", delimiter="\t")

    table = read_upload(content, "qualtrics.tsv")
    report = _import(quality, pulse, content, "qualtrics.tsv")

    assert (table.first_row, table.header[8], table.texts[8]) == (4, "Q1", tools.OVERALL_EN)
    assert [(e.row, e.column) for e in report.errors] == [(5, "overall.value")]


@pytest.mark.parametrize("separator", ["—", "-", ":", "_"])
def test_wenjuanxing_gbk_export_with_matrix_rows_and_chinese_labels(quality, pulse, separator):
    content = tools.csv_bytes(tools.wenjuanxing_rows(separator), encoding="gb18030")

    report = _import(quality, pulse, content, "问卷星.csv", dry_run=False)

    assert report.errors == ()
    assert (report.imported, report.source) == (2, "wenjuanxing")
    assert sorted(report.mapping.values()) == sorted(ALL_COLUMNS)
    assert _stored(pulse, "overall") == [5, 2]  # 非常满意, 不太满意
    assert _stored(pulse, "repair-speed") == [4, 1]  # 比较满意, 非常不满意
    assert _stored(pulse, "cleanliness") == [3, 4]  # 一般, 较满意


def test_tencent_export_ascii_dash_matrix_and_its_serial_number_is_not_a_customer_code(
    quality, pulse
):
    content = tools.csv_bytes(tools.tencent_rows("-"))

    report = _import(quality, pulse, content, "腾讯问卷.csv", dry_run=False)

    assert report.errors == ()
    assert (report.imported, report.source) == (2, "tencent")
    assert "编号" not in report.mapping
    assert _stored(pulse, "overall") == [5, 1]
    assert _stored(pulse, "repair-quality") == [4, 2]  # 比较满意, 不太满意 on 5 levels
    assert _stored(pulse, "recommend") == [10, 0]


def test_limesurvey_question_codes_with_a_mapping_file_recode_answer_codes_by_position(
    quality, pulse
):
    content = tools.csv_bytes(tools.limesurvey_code_rows())
    columns, recode = parse_mapping_file(tools.json_text(tools.LIMESURVEY_MAPPING))

    report = _import(quality, pulse, content, "survey_123.csv", mapping=columns, dry_run=False)

    assert report.errors == ()
    assert report.source == "limesurvey"
    assert report.recode["overall"] == {"A5": "5", "A2": "2"}
    assert _stored(pulse, "overall") == [5, 2]
    assert _stored(pulse, "repair-speed") == [4, 1]


def test_limesurvey_full_text_headers_are_suggested_from_the_bracketed_row(quality, pulse):
    content = tools.csv_bytes(tools.limesurvey_text_rows())

    report = _import(quality, pulse, content, "results-survey123.csv", dry_run=False)

    assert report.errors == ()
    assert (
        report.mapping["Please rate the following [The quality of repairs]"] == "repair_quality_P"
    )
    assert _stored(pulse, "overall") == [5]
    assert _stored(pulse, "cleanliness") == [2]


def test_formbricks_export_keeps_working(quality, pulse):
    content = tools.csv_bytes(tools.formbricks_rows())

    report = _import(quality, pulse, content, "formbricks.csv", dry_run=False)

    assert report.errors == ()
    assert (report.imported, report.source, report.recode) == (2, "formbricks", {})
    assert _stored(pulse, "overall") == [5, 2]


def test_spss_sav_value_labels_decide_the_codes(quality, pulse, tmp_path):
    import pandas as pd
    import pyreadstat

    frame = pd.DataFrame(
        {
            "q1": [1.0, 4.0],
            "q2_1": [2.0, 5.0],
            "q2_2": [2.0, 2.0],
            "q2_3": [3.0, 3.0],
            "q3": [9.0, 3.0],
            "q4": [6.0, 2.0],
        }
    )
    reversed_labels = {
        1.0: "非常满意",
        2.0: "比较满意",
        3.0: "一般",
        4.0: "不太满意",
        5.0: "非常不满意",
    }
    path = tmp_path / "wave.sav"
    pyreadstat.write_sav(
        frame,
        str(path),
        column_labels=[tools.OVERALL_ZH, *tools.ROWS_ZH, tools.NPS_ZH, tools.CES_ZH],
        variable_value_labels=dict.fromkeys(("q1", "q2_1", "q2_2", "q2_3"), reversed_labels),
    )

    report = _import(quality, pulse, path.read_bytes(), "wave.sav", dry_run=False)

    assert report.errors == ()
    assert (report.imported, report.source) == (2, "spss")
    assert report.mapping == dict(zip(frame.columns, ALL_COLUMNS, strict=True))
    assert _stored(pulse, "overall") == [5, 2]  # 1 = 非常满意, 4 = 不太满意
    assert _stored(pulse, "repair-speed") == [4, 1]
    assert _stored(pulse, "recommend") == [9, 3]


def test_an_unknown_label_is_named_and_nothing_is_stored(quality, pulse):
    answers = [
        ["非常满意", "比较满意", "满意", "一般", "9", "6"],
        ["还行", "满意", "满意", "满意", "9", "6"],
    ]
    content = tools.csv_bytes(tools.wenjuanxing_rows(answers=answers), encoding="gb18030")

    report = _import(quality, pulse, content, "问卷星.csv", dry_run=False)

    assert [(e.row, e.column) for e in report.errors] == [(3, "overall.value")]
    assert report.recode["overall"] == {"非常满意": "5", "还行": ""}  # to be filled in
    assert report.imported == 0
    assert not Response.objects.filter(wave=pulse).exists()


def test_the_recode_is_saved_and_the_next_file_from_the_same_tool_reuses_it(quality, pulse, org):
    answers = [["还行", "满意", "满意", "满意", "9", "6"]]
    first = tools.csv_bytes(tools.wenjuanxing_rows(answers=answers), encoding="gb18030")
    _import(quality, pulse, first, "a.csv", recode={"overall": {"还行": "3"}}, dry_run=False)
    later = make_wave(quality, pulse.version.instrument, org.own, name="2026 秋季")
    answers = [
        ["还行", "满意", "满意", "满意", "9", "6"],
        ["满意", "满意", "满意", "满意", "9", "6"],
    ]
    second = tools.csv_bytes(tools.wenjuanxing_rows(answers=answers), encoding="gb18030")

    report = _import(quality, later, second, "b.csv", dry_run=False)

    saved = SavedImportMapping.objects.get(source="wenjuanxing")
    assert saved.recode["overall"]["还行"] == "3"
    assert report.errors == ()
    assert _stored(later, "overall") == [3, 4]


def test_a_recode_to_a_value_outside_the_scale_names_row_column_and_value(quality, pulse):
    content = tools.csv_bytes(tools.wenjuanxing_rows(), encoding="gb18030")

    report = _import(quality, pulse, content, "x.csv", recode={"overall": {"非常满意": "9"}})

    assert [(e.row, e.column) for e in report.errors] == [(2, "overall.value")]


@pytest.mark.parametrize(
    ("recode", "word"),
    [({"nonsense": {"a": "1"}}, "nonsense"), ({"overall": ["5"]}, "overall"), (["x"], "")],
)
def test_a_malformed_recode_is_refused_naming_it(quality, pulse, recode, word):
    content = tools.csv_bytes(tools.wenjuanxing_rows(), encoding="gb18030")

    with pytest.raises(ServiceError) as caught:
        _import(quality, pulse, content, "x.csv", recode=recode)

    assert "recode" in caught.value.errors
    assert word in str(caught.value.errors["recode"])


@pytest.mark.parametrize("text", ["[1, 2]", "{not json", '{"columns": {"Q1": 5}}'])
def test_a_malformed_mapping_file_is_refused(text):
    with pytest.raises(ServiceError) as caught:
        parse_mapping_file(text)

    assert list(caught.value.errors) == ["mapping"]


def test_other_tools_rating_labels_are_read_even_without_a_recode_step(quality, pulse):
    from qiwang.surveys.imports import import_targets, preview_import, suggest_mapping

    rows = tools.wenjuanxing_rows()
    content = tools.csv_bytes(rows, encoding="gb18030")
    targets = import_targets(list(pulse.version.questions.order_by("position")))

    preview = preview_import(
        actor=quality,
        wave=pulse,
        content=content,
        filename="问卷星.csv",
        mapping=suggest_mapping(rows[0], targets),
    )

    assert (preview.rows, preview.rejected, preview.issues) == (2, 0, ())
    assert preview.can_import


def test_spss_file_with_more_rows_than_allowed_is_refused_before_reading(tmp_path, monkeypatch):
    import pandas as pd
    import pyreadstat

    from qiwang.surveys import import_sources

    monkeypatch.setattr(import_sources, "MAX_ROWS", 3)
    path = tmp_path / "big.sav"
    pyreadstat.write_sav(pd.DataFrame({"q1": [1.0, 2.0, 3.0, 4.0, 5.0]}), str(path))

    with pytest.raises(ServiceError) as caught:
        read_upload(path.read_bytes(), "big.sav")

    assert list(caught.value.errors) == ["file"]
    assert "3" in str(caught.value)


def test_recode_suggestions_for_kano_labels_and_limesurvey_codes(quality, org):
    from qiwang.surveys.import_recode import suggest_recode
    from qiwang.surveys.imports import import_targets

    wave = make_wave(quality, make_instrument(quality, org.own, "kano_property"), org.own)
    targets = import_targets(list(wave.version.questions.order_by("position")))
    kinds = {t.key: t.column.question.kind for t in targets if t.column is not None}
    functional, dysfunctional = (t.key for t in targets[1:3])
    content = tools.csv_bytes([["f", "d"], ["I like it", "A5"], ["理所当然", "A1"], ["A3", "x"]])

    recode = suggest_recode(read_upload(content, "k.csv"), {0: functional, 1: dysfunctional}, kinds)

    assert recode == {
        functional: {"A3": "3"},  # the Kano scale reads "I like it" and 理所当然 itself
        dysfunctional: {"A5": "5", "A1": "1", "x": ""},
    }
