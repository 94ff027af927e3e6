"""Export files of the survey tools people already use, built from each tool's documented export
layout, for the csat_pulse template (overall, repair-speed, repair-quality, cleanliness, all
5-level; recommend, NPS 0–10; effort, CES 1–7).

- Qualtrics "Export Data → CSV / TSV": three header rows — column ids (``Q1``, ``Q2_1``), the
  question text (matrix rows after " - ") and ``{"ImportId": …}``; choice text or numeric values;
  TSV is UTF-16 with tabs.
- 问卷星 "下载答卷数据 → 按选项文本": 序号, 提交答卷时间, 所用时间, 来源 …, then "N、题目" and
  matrix rows "N、题目—子题"; Excel's CSV in GBK.
- 腾讯问卷 "导出数据": 编号 (its own serial number), 开始答题时间, 结束答题时间, 答题时长, then
  "N.题目" and matrix rows "N.题目-子题".
- LimeSurvey "Export responses": ``id, submitdate, lastpage, startlanguage, seed``, question codes
  with ``CODE[SQ001]`` for array rows and answer codes ``A1 … A5`` (or full headers and texts).
- Formbricks "Download responses (CSV)": Response ID, Timestamp, Finished, Survey ID, User ID,
  Notes, Tags, then one column per question headline, ratings as numbers.
"""

from __future__ import annotations

import csv
import io

OVERALL_EN = "Overall, how satisfied are you with our property services?"
OVERALL_ZH = "总体而言，您对我们的物业服务满意吗？"
ROWS_EN = (
    "How quickly repair staff arrive after you report a fault",
    "The quality of repairs",
    "The cleanliness of the community",
)
ROWS_ZH = ("报修后维修人员上门的速度", "维修的质量", "小区的清洁卫生")
NPS_EN = "How likely are you to recommend our property services to friends?"
NPS_ZH = "您有多大可能向亲友推荐我们的物业服务？"
CES_EN = "How easy was your last repair request? (1 very hard … 7 very easy)"
CES_ZH = "上次办理报修，您觉得有多省事？（1 很费劲 … 7 很省事）"


def csv_bytes(rows, *, encoding="utf-8", delimiter=","):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def qualtrics_rows(answers):
    ids = ["StartDate", "EndDate", "Status", "Progress", "Duration (in seconds)", "Finished"]
    ids += ["RecordedDate", "ResponseId", "Q1", "Q2_1", "Q2_2", "Q2_3", "Q3", "Q4"]
    texts = ["Start Date", "End Date", "Response Type", "Progress", "Duration (in seconds)"]
    texts += ["Finished", "Recorded Date", "Response ID", OVERALL_EN]
    texts += [f"How satisfied are you with the following? - {row}" for row in ROWS_EN]
    texts += [NPS_EN, CES_EN]
    import_ids = ['{"ImportId":"startDate","timeZone":"Asia/Shanghai"}']
    import_ids += ['{"ImportId":"endDate","timeZone":"Asia/Shanghai"}', '{"ImportId":"status"}']
    import_ids += ['{"ImportId":"progress"}', '{"ImportId":"duration"}', '{"ImportId":"finished"}']
    import_ids += ['{"ImportId":"recordedDate","timeZone":"Asia/Shanghai"}']
    import_ids += ['{"ImportId":"_recordId"}', '{"ImportId":"QID1"}']
    import_ids += [f'{{"ImportId":"QID2_{i}"}}' for i in (1, 2, 3)]
    import_ids += ['{"ImportId":"QID3"}', '{"ImportId":"QID4"}']
    meta = ["2026-11-02 10:00:00", "2026-11-02 10:03:00", "IP Address", "100", "180", "True"]
    body = [
        [*meta, "2026-11-02 10:03:01", f"R_{i:015d}", *answer] for i, answer in enumerate(answers)
    ]
    return [ids, texts, import_ids, *body]


QUALTRICS_TEXT = [
    ["Extremely satisfied", "Somewhat satisfied", "Extremely satisfied", "Neither satisfied nor dissatisfied", "9", "6"],
    ["Somewhat dissatisfied", "Extremely dissatisfied", "Somewhat satisfied", "Somewhat satisfied", "3", "2"],
]  # fmt: skip


def wenjuanxing_rows(separator="—", answers=None):
    header = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP", f"1、{OVERALL_ZH}"]
    header += [f"2、请评价以下方面{separator}{row}" for row in ROWS_ZH]
    header += [f"3、{NPS_ZH}", f"4、{CES_ZH}"]
    meta = ["2026/11/2 10:03:00", "180秒", "手机提交", "直接访问", "10.0.0.1(上海-上海)"]
    answers = answers or [
        ["非常满意", "比较满意", "满意", "一般", "9", "6"],
        ["不太满意", "非常不满意", "不满意", "较满意", "3", "2"],
    ]
    return [header, *[[str(i + 1), *meta, *a] for i, a in enumerate(answers)]]


def tencent_rows(separator="-"):
    header = ["编号", "开始答题时间", "结束答题时间", "答题时长", f"1.{OVERALL_ZH}"]
    header += [f"2.请评价以下方面{separator}{row}" for row in ROWS_ZH]
    header += [f"3.{NPS_ZH}", f"4.{CES_ZH}"]
    meta = ["2026-11-02 10:00:00", "2026-11-02 10:03:00", "3分0秒"]
    answers = [
        ["非常满意", "满意", "比较满意", "一般", "10", "7"],
        ["非常不满意", "不满意", "不太满意", "一般", "0", "1"],
    ]
    return [header, *[[str(9001 + i), *meta, *a] for i, a in enumerate(answers)]]


LIMESURVEY_META = ["id", "submitdate", "lastpage", "startlanguage", "seed"]


def limesurvey_code_rows():
    header = [*LIMESURVEY_META, "Q1", "Q2[SQ001]", "Q2[SQ002]", "Q2[SQ003]", "Q3", "Q4"]
    meta = ["2026-11-02 10:03:00", "3", "zh-Hans", "123456"]
    answers = [["A5", "A4", "A4", "A3", "9", "6"], ["A2", "A1", "A4", "A3", "3", "2"]]
    return [header, *[[str(i + 1), *meta, *a] for i, a in enumerate(answers)]]


#: The mapping file a LimeSurvey user writes once for the question codes above.
LIMESURVEY_MAPPING = {
    "columns": {
        "Q1": "overall",
        "Q2[SQ001]": "repair_speed_P",
        "Q2[SQ002]": "repair_quality_P",
        "Q2[SQ003]": "cleanliness_P",
        "Q3": "recommend",
        "Q4": "effort",
    }
}


def limesurvey_text_rows():
    header = ["Response ID", "Date submitted", "Last page", "Start language", "Seed", OVERALL_EN]
    header += [f"Please rate the following [{row}]" for row in ROWS_EN]
    header += [NPS_EN, CES_EN]
    meta = ["2026-11-02 10:03:00", "3", "en", "123456"]
    answers = [["Very satisfied", "Satisfied", "Neutral", "Dissatisfied", "8", "5"]]
    return [header, *[[str(i + 1), *meta, *a] for i, a in enumerate(answers)]]


def formbricks_rows():
    header = ["Response ID", "Timestamp", "Finished", "Survey ID", "User ID", "Notes", "Tags"]
    header += [OVERALL_EN, *ROWS_EN, NPS_EN, CES_EN]
    meta = ["2026-11-02T10:03:00.000Z", "Completed", "clx0survey", "", "", ""]
    answers = [["5", "4", "4", "3", "9", "6"], ["2", "1", "4", "4", "3", "2"]]
    return [header, *[[f"clxresp{i}", *meta, *a] for i, a in enumerate(answers)]]


def json_text(data):
    import json

    return json.dumps(data, ensure_ascii=False)
