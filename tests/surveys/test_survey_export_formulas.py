"""No export of a survey carries a live formula (issue 10): every text cell, column name and SPSS
label passes the shared guard ``qiwang.exports.guard_formula`` in CSV, XLSX and .sav alike."""

from __future__ import annotations

import csv
import io

import openpyxl
import pyreadstat
import pytest
from django.test import Client
from django.urls import reverse
from tests.surveys.test_survey_text_answers import COMMENTS
from tests.surveys.test_survey_text_answers import wave as text_wave  # noqa: F401

from qiwang.exports import FORMULA_STARTS

pytestmark = pytest.mark.django_db

BRANCH = '@SUM(1+1)*cmd|"/C calc"!A0'
QUESTION = "=1+2"


@pytest.fixture
def wave(text_wave, org):  # noqa: F811
    org.own.name = BRANCH
    org.own.save(update_fields=["name"])
    question = text_wave.version.questions.get(attribute="comment")
    type(question).objects.filter(pk=question.pk).update(text_zh=QUESTION, text_en=QUESTION)
    return text_wave


def _export(org, wave, what, fmt):
    client = Client()
    client.force_login(org.users["analyst"])
    response = client.get(reverse("surveys:export", args=[wave.pk]), {"what": what, "format": fmt})
    assert response.status_code == 200
    return response.content


def _live(text):
    """Text a spreadsheet would run (a negative number in a CSV is a number, not a formula)."""
    if not isinstance(text, str) or not text.startswith(FORMULA_STARTS):
        return False
    try:
        float(text)
    except ValueError:
        return True
    return False


def test_csv_responses_hold_no_formula(org, wave):
    rows = list(csv.reader(io.StringIO(_export(org, wave, "responses", "csv").decode("utf-8-sig"))))
    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if _live(cell)]
    assert "'" + COMMENTS[5] in cells  # the respondent's formula is kept, as text
    assert "'" + BRANCH in cells


def test_xlsx_responses_hold_no_formula(org, wave):
    book = openpyxl.load_workbook(io.BytesIO(_export(org, wave, "responses", "xlsx")))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f" or _live(c.value)]
    assert "'" + COMMENTS[5] in [c.value for c in cells]


def test_spss_export_holds_no_formula_in_values_or_labels(org, wave, tmp_path):
    path = tmp_path / "responses.sav"
    path.write_bytes(_export(org, wave, "responses", "sav"))
    frame, meta = pyreadstat.read_sav(str(path))
    values = [v for column in frame.columns for v in frame[column] if isinstance(v, str)]
    assert not [v for v in values if _live(v)]
    assert not [label for label in meta.column_labels if _live(label)]
    assert "'" + QUESTION in meta.column_labels


@pytest.fixture
def demo_wave(db):
    """A demo wave with results, every question worded (and named) as a formula."""
    from qiwang.demo.services import build_demo
    from qiwang.surveys.models import Question, Wave

    build_demo(customers=120, seed=5, history=False)
    wave = Wave.objects.get(name="2026 秋季物业服务 Kano 调查")
    questions = Question.objects.filter(version=wave.version)
    for i, question in enumerate(questions):
        Question.objects.filter(pk=question.pk).update(
            text_zh=f'=HYPERLINK("http://x.cn/{i}")', text_en=f"+{i}", attribute=f"=a{i}"
        )
    return wave


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_results_with_questions_worded_as_formulas_hold_no_formula(demo_wave, fmt):
    from django.contrib.auth import get_user_model

    client = Client()
    client.force_login(get_user_model().objects.get(username="analyst"))
    response = client.get(
        reverse("surveys:export", args=[demo_wave.pk]), {"what": "results", "format": fmt}
    )
    assert response.status_code == 200
    if fmt == "csv":
        cells = [
            c for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig"))) for c in row
        ]
        assert not [c for c in cells if _live(c)]
        assert any(c.startswith("'=a") for c in cells)
    else:
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
        assert not [c.coordinate for c in cells if c.data_type == "f" or _live(c.value)]
        assert any(isinstance(c.value, str) and c.value.startswith("'=a") for c in cells)
