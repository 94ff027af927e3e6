"""Export a wave: raw responses (one row per complete response) and results, as CSV, XLSX or
SPSS ``.sav`` (pyreadstat, with variable and value labels).

The response columns use the vocabulary of ``qiwang analyze`` (docs/surveys.md, *Export*), so an
exported file runs through ``qiwang analyze kano|servqual|ipa|drivers`` unchanged: ``NAME_F`` /
``NAME_D`` / ``NAME_I`` (Kano), ``ITEM_E`` / ``ITEM_P`` (SERVQUAL, item codes in upper case),
``DIMENSION_W`` (100-point weights), ``NAME_P`` / ``NAME_I`` (a rating asked with its
importance), ``NAME`` (any other rating or answer). Each column keeps its earlier export name in
:attr:`Column.legacy` (the import and the command line still accept it).

No contact details ever: a response carries its respondent number, branch and tier; the customer
code is added only for readers whose role may see personal data (``include_customer``)."""

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
from qiwang.surveys.presentation import min_n
from qiwang.surveys.results import WaveResults
from qiwang.surveys.text_answers import add_text_labels
from qiwang.xlsx import Sheet, write_workbook

FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "sav": ("application/x-spss-sav", "sav"),
}


def _variable(name: str) -> str:
    """An SPSS-safe variable name: letters, digits and underscores, starting with a letter."""
    clean = re.sub(r"[^A-Za-z0-9_]", "_", name)
    return clean if clean[:1].isalpha() else f"v_{clean}"


#: The column of the customer code (only for readers who may see personal data); the import
#: pre-selects it by this name.
CUSTOMER_COLUMN = "customer_code"
#: The respondent column: the response number (``response`` before the shared vocabulary).
RESPONDENT_COLUMN = "respondent"


@dataclass(frozen=True)
class Column:
    name: str
    question: Question
    part: str  # value, second, importance, text
    label: str
    value_labels: dict[int, str] | None = None
    #: The name earlier exports gave this column (still read by the import and the CLI).
    legacy: str = ""


def _kano_columns(q: Question, base: str, text: str) -> list[Column]:
    labels = dict(enumerate(KANO_ANSWERS.labels_en, start=1))
    return [
        Column(f"{base}_F", q, "value", f"{text} (functional)", labels, f"{base}_functional"),
        Column(
            f"{base}_D", q, "second", f"{text} (dysfunctional)", labels, f"{base}_dysfunctional"
        ),
    ]


def question_columns(questions: list[Question]) -> list[Column]:
    """Each question's columns, named in the vocabulary of ``qiwang analyze``."""
    columns: list[Column] = []
    for q in questions:
        base = _variable(q.attribute)
        text = q.text_en or q.text_zh
        rated = q.asks_importance and q.kind in (QuestionKind.SCALE_5, QuestionKind.SCALE_7)
        if q.kind == QuestionKind.KANO:
            columns += _kano_columns(q, base, text)
        elif q.kind == QuestionKind.SERVQUAL:
            item = base.upper()
            columns.append(
                Column(f"{item}_E", q, "value", f"{text} (expectation)", None, f"{base}_E")
            )
            columns.append(
                Column(f"{item}_P", q, "second", f"{text} (perception)", None, f"{base}_P")
            )
        elif q.kind in (QuestionKind.SCALE_5, QuestionKind.SCALE_7):
            scale = FIVE_LEVEL if q.kind == QuestionKind.SCALE_5 else SEVEN_LEVEL
            labels = dict(enumerate(scale.labels_en, start=1))
            name = f"{base}_P" if rated else base
            columns.append(Column(name, q, "value", text, labels, base))
        elif q.kind == QuestionKind.ALLOCATION and q.dimension:
            columns.append(Column(f"{_variable(q.dimension)}_W", q, "value", text, None, base))
        elif q.kind in (
            QuestionKind.NPS,
            QuestionKind.CES,
            QuestionKind.ALLOCATION,
            QuestionKind.RATING_10,
        ):
            columns.append(Column(base, q, "value", text, None, base))
        else:
            columns.append(Column(base, q, "text", text, None, base))
        if q.asks_importance:
            columns.append(
                Column(
                    f"{base}_I", q, "importance", f"{text} (importance)", None, f"{base}_importance"
                )
            )
    return columns


def response_frame(
    wave: Wave, *, include_customer: bool = False
) -> tuple[pd.DataFrame, list[Column]]:
    """One row per complete response, one column per question part (two reads, no loops per
    response in Python beyond building the frame). ``include_customer`` adds the customer code
    (empty for an answer through the open link) after the respondent number; the caller decides
    it from the reader's role (``Action.VIEW_PERSONAL_DATA``)."""
    questions = list(wave.version.questions.order_by("position"))
    columns = question_columns(questions)
    fields = ["pk", *(["customer__code"] if include_customer else [])]
    names = [RESPONDENT_COLUMN, *([CUSTOMER_COLUMN] if include_customer else [])]
    responses = pd.DataFrame.from_records(
        Response.objects.filter(wave=wave, status=ResponseStatus.COMPLETE)
        .order_by("pk")
        .values_list(*fields, "branch__name", "tier", "source", "submitted_at"),
        columns=[*names, "branch", "tier", "source", "submitted_at"],
    )
    answers = pd.DataFrame.from_records(
        Answer.objects.filter(response__wave=wave, response__status=ResponseStatus.COMPLETE)
        .values_list("response_id", "question_id", "value", "second", "importance", "text")
        .iterator(chunk_size=20_000),
        columns=["response", "question", "value", "second", "importance", "text"],
    )
    frame = responses.set_index(RESPONDENT_COLUMN)
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


def instrument_frame(wave: Wave) -> pd.DataFrame:
    """The wave's SERVQUAL items as ``qiwang analyze servqual --instrument FILE`` reads them:
    ``item`` (the code as the response export names it, ``TAN1``), ``dimension``, ``text``.
    Needed on the command line for items of the wave's own (the built-in instrument knows only
    TAN1 … EMP5)."""
    questions = wave.version.questions.filter(kind=QuestionKind.SERVQUAL).order_by("position")
    return pd.DataFrame(
        [
            {
                "item": _variable(q.attribute).upper(),
                "dimension": q.dimension or "other",
                "text": q.text_en or q.text_zh,
            }
            for q in questions
        ],
        columns=["item", "dimension", "text"],
    )


def results_frames(results: WaveResults) -> dict[str, pd.DataFrame]:
    """The wave's analysis results as tables (straight from the result objects' ``to_frame``)."""
    frames: dict[str, pd.DataFrame] = {}
    if results.kano is not None:
        frames["kano"] = results.kano.to_frame()
    if results.comparison is not None:
        frames["kano_comparison"] = results.comparison.to_frame()
    if results.servqual is not None:
        frames["servqual"] = results.servqual.to_frame()
    # the headline figures carry the results page's small-sample caution (n below
    # QIWANG_SURVEY_MIN_N) as a column: a report built from the file must not lose it
    minimum = min_n()
    for name, rows in (("csat", results.csat), ("nps", results.nps), ("ces", results.ces)):
        if rows:
            frames[name] = pd.DataFrame(
                [{**r.to_dict(), "small_sample": r.n < minimum} for r in rows]
            )
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
    if fmt == "xlsx":  # the writer guards every text cell and column name itself
        buffer = io.BytesIO()
        write_workbook(
            buffer,
            (
                Sheet(name, list(frame.columns), frame.itertuples(index=False, name=None))
                for name, frame in frames.items()
            ),
        )
        return buffer.getvalue()
    frames = {name: guard_frame(frame) for name, frame in frames.items()}
    if fmt == "csv":
        out = io.StringIO()
        for i, (name, frame) in enumerate(frames.items()):
            if len(frames) > 1:
                out.write(("\n" if i else "") + f"# {name}\n")
            frame.to_csv(out, index=False)
        return ("\ufeff" + out.getvalue()).encode("utf-8")
    if fmt == "sav":
        name, frame = next(iter(frames.items()))
        return _sav(frame, columns)
    raise ValueError(f"format: {fmt!r} is not one of {', '.join(FORMATS)}")
