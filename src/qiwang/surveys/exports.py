"""Export a wave: raw responses (one row per complete response) and results, as CSV, XLSX or
SPSS ``.sav`` (pyreadstat, with variable and value labels). No personal data: a response carries
its branch and tier, never the customer's name or contact details."""

from __future__ import annotations

import io
import os
import re
import tempfile
from dataclasses import dataclass

import pandas as pd
import pyreadstat

from qiwang.analysis import FIVE_LEVEL, KANO_ANSWERS, SEVEN_LEVEL
from qiwang.exports import guard_formula, guard_frame
from qiwang.surveys.choices import QuestionKind, ResponseStatus
from qiwang.surveys.models import Answer, Question, Response, Wave
from qiwang.surveys.results import WaveResults
from qiwang.surveys.text_answers import add_text_labels

FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "sav": ("application/x-spss-sav", "sav"),
}


def _variable(name: str) -> str:
    """An SPSS-safe variable name: letters, digits and underscores, starting with a letter."""
    clean = re.sub(r"[^A-Za-z0-9_]", "_", name)
    return clean if clean[:1].isalpha() else f"v_{clean}"


@dataclass(frozen=True)
class Column:
    name: str
    question: Question
    part: str  # value, second, importance, text
    label: str
    value_labels: dict[int, str] | None = None


def question_columns(questions: list[Question]) -> list[Column]:
    columns: list[Column] = []
    for q in questions:
        base = _variable(q.attribute)
        text = q.text_en or q.text_zh
        if q.kind == QuestionKind.KANO:
            labels = dict(enumerate(KANO_ANSWERS.labels_en, start=1))
            columns.append(Column(f"{base}_functional", q, "value", f"{text} (functional)", labels))
            columns.append(
                Column(f"{base}_dysfunctional", q, "second", f"{text} (dysfunctional)", labels)
            )
        elif q.kind == QuestionKind.SERVQUAL:
            columns.append(Column(f"{base}_E", q, "value", f"{text} (expectation)"))
            columns.append(Column(f"{base}_P", q, "second", f"{text} (perception)"))
        elif q.kind in (QuestionKind.SCALE_5, QuestionKind.SCALE_7):
            scale = FIVE_LEVEL if q.kind == QuestionKind.SCALE_5 else SEVEN_LEVEL
            columns.append(
                Column(base, q, "value", text, dict(enumerate(scale.labels_en, start=1)))
            )
        elif q.kind in (
            QuestionKind.NPS,
            QuestionKind.CES,
            QuestionKind.ALLOCATION,
            QuestionKind.RATING_10,
        ):
            columns.append(Column(base, q, "value", text))
        else:
            columns.append(Column(base, q, "text", text))
        if q.asks_importance:
            columns.append(Column(f"{base}_importance", q, "importance", f"{text} (importance)"))
    return columns


def response_frame(wave: Wave) -> tuple[pd.DataFrame, list[Column]]:
    """One row per complete response, one column per question part (two reads, no loops per
    response in Python beyond building the frame)."""
    questions = list(wave.version.questions.order_by("position"))
    columns = question_columns(questions)
    responses = pd.DataFrame.from_records(
        Response.objects.filter(wave=wave, status=ResponseStatus.COMPLETE)
        .order_by("pk")
        .values_list("pk", "branch__name", "tier", "source", "submitted_at"),
        columns=["response", "branch", "tier", "source", "submitted_at"],
    )
    answers = pd.DataFrame.from_records(
        Answer.objects.filter(response__wave=wave, response__status=ResponseStatus.COMPLETE)
        .values_list("response_id", "question_id", "value", "second", "importance", "text")
        .iterator(chunk_size=20_000),
        columns=["response", "question", "value", "second", "importance", "text"],
    )
    frame = responses.set_index("response")
    for column in columns:
        part = answers.loc[answers["question"] == column.question.pk, ["response", column.part]]
        series = part.set_index("response")[column.part]
        if column.part != "text":
            series = series.astype("Int64")
        frame[column.name] = series.reindex(frame.index)
    frame = add_text_labels(frame, columns, wave)
    frame = frame.reset_index()
    if len(frame):
        frame["submitted_at"] = pd.to_datetime(frame["submitted_at"], utc=True).dt.tz_localize(None)
    return frame, columns


def results_frames(results: WaveResults) -> dict[str, pd.DataFrame]:
    """The wave's analysis results as tables (straight from the result objects' ``to_frame``)."""
    frames: dict[str, pd.DataFrame] = {}
    if results.kano is not None:
        frames["kano"] = results.kano.to_frame()
    if results.comparison is not None:
        frames["kano_comparison"] = results.comparison.to_frame()
    if results.servqual is not None:
        frames["servqual"] = results.servqual.to_frame()
    if results.csat:
        frames["csat"] = pd.DataFrame([r.to_dict() for r in results.csat])
    if results.nps:
        frames["nps"] = pd.DataFrame([r.to_dict() for r in results.nps])
    if results.ces:
        frames["ces"] = pd.DataFrame([r.to_dict() for r in results.ces])
    if results.ipa is not None:
        frames["ipa"] = results.ipa.to_frame()
    return frames


def _sav(frame: pd.DataFrame, columns: list[Column] | None) -> bytes:
    frame = frame.rename(columns={name: _variable(str(name)) for name in frame.columns})
    for name in frame.columns:
        if frame[name].dtype == "Int64":
            frame[name] = frame[name].astype("float64")
        elif frame[name].dtype == object:
            frame[name] = frame[name].map(lambda v: "" if v is None else str(v))
    labels = {
        c.name: guard_formula(c.label[:250]) for c in columns or [] if c.name in frame.columns
    }
    value_labels = {
        c.name: {float(k): guard_formula(v) for k, v in c.value_labels.items()}
        for c in columns or []
        if c.value_labels
    }
    handle, path = tempfile.mkstemp(suffix=".sav")
    os.close(handle)
    try:
        pyreadstat.write_sav(
            frame,
            path,
            column_labels=labels or None,
            variable_value_labels=value_labels or None,
        )
        with open(path, "rb") as file:
            return file.read()
    finally:
        os.unlink(path)


def render(frames: dict[str, pd.DataFrame], fmt: str, columns: list[Column] | None = None) -> bytes:
    """Serialise tables: CSV (UTF-8 with BOM, tables one after another with a title line), XLSX
    (one sheet per table) or SAV (the first table; SPSS holds one data set per file).

    Every text cell and column name passes the shared formula guard (``qiwang.exports``): an
    answer written as ``=HYPERLINK(…)`` is text in every format, never a live formula."""
    frames = {name: guard_frame(frame) for name, frame in frames.items()}
    if fmt == "csv":
        out = io.StringIO()
        for i, (name, frame) in enumerate(frames.items()):
            if len(frames) > 1:
                out.write(("\n" if i else "") + f"# {name}\n")
            frame.to_csv(out, index=False)
        return ("\ufeff" + out.getvalue()).encode("utf-8")
    if fmt == "xlsx":
        buffer = io.BytesIO()
        with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
            for name, frame in frames.items():
                frame.to_excel(writer, sheet_name=name[:31], index=False)
        return buffer.getvalue()
    if fmt == "sav":
        name, frame = next(iter(frames.items()))
        return _sav(frame, columns)
    raise ValueError(f"format: {fmt!r} is not one of {', '.join(FORMATS)}")
