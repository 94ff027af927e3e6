"""Exports of raw responses and results, read back as real CSV, XLSX and SPSS files."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pyreadstat
import pytest
from django.test import Client
from django.urls import reverse

from qiwang.surveys.choices import ResponseStatus
from qiwang.surveys.models import Answer, Response, Wave

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    from qiwang.demo.services import build_demo

    build_demo(customers=120, seed=5, history=False)
    return {wave.name: wave for wave in Wave.objects.all()}


@pytest.fixture
def analyst(demo):
    from django.contrib.auth import get_user_model

    client = Client()
    client.force_login(get_user_model().objects.get(username="analyst"))
    return client


def _get(client, wave, what, fmt):
    return client.get(reverse("surveys:export", args=[wave.pk]), {"what": what, "format": fmt})


def test_raw_responses_as_csv_match_the_database(demo, analyst):
    wave = demo["2026 秋季物业服务 Kano 调查"]

    response = _get(analyst, wave, "responses", "csv")

    frame = pd.read_csv(io.BytesIO(response.content), encoding="utf-8-sig")
    assert response["Content-Disposition"].endswith('.csv"')
    assert len(frame) == Response.objects.filter(wave=wave, status=ResponseStatus.COMPLETE).count()
    first = frame.iloc[0]
    stored = Answer.objects.get(
        response_id=int(first["respondent"]), question__attribute="repair-hotline"
    )
    assert first["repair_hotline_F"] == stored.value
    assert first["repair_hotline_D"] == stored.second
    assert "phone" not in " ".join(frame.columns) and "name" not in frame.columns
    assert "customer_code" not in frame.columns  # an analyst may not see personal data


def test_raw_responses_as_spss_keep_labels(demo, analyst, tmp_path):
    wave = demo["11 月满意度快速调查"]

    response = _get(analyst, wave, "responses", "sav")
    path = tmp_path / "pulse.sav"
    path.write_bytes(response.content)
    frame, meta = pyreadstat.read_sav(str(path))

    assert len(frame) == Response.objects.filter(wave=wave, status=ResponseStatus.COMPLETE).count()
    assert meta.column_names_to_labels["overall"].startswith("Overall, how satisfied")
    assert meta.variable_value_labels["overall"] == {
        1.0: "very dissatisfied",
        2.0: "dissatisfied",
        3.0: "neutral",
        4.0: "satisfied",
        5.0: "very satisfied",
    }
    assert set(frame["recommend"].dropna()) <= set(range(11))


def test_results_as_xlsx_have_one_sheet_per_analysis(demo, analyst):
    wave = demo["2026 秋季物业服务 Kano 调查"]

    response = _get(analyst, wave, "results", "xlsx")

    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["kano", "kano_comparison"]
    header = [cell.value for cell in book["kano"][1]]
    assert "category" in header and "better" in header
    categories = {
        row[header.index("attribute")]: row[header.index("category")]
        for row in book["kano"].iter_rows(min_row=2, values_only=True)
    }
    assert categories["repair-hotline"] == "M"


def test_export_refuses_unknown_formats_and_other_branches(demo):
    from django.contrib.auth import get_user_model

    from qiwang.accounts.models import Branch

    wave = demo["2026 秋季物业服务 Kano 调查"]
    outsider = get_user_model().objects.create_user(
        username="outsider", password="x", role="analyst"
    )
    outsider.branches.set([Branch.objects.create(code="far", name="远方小区", kind="community")])
    client = Client()
    client.force_login(get_user_model().objects.get(username="analyst"))
    other = Client()
    other.force_login(outsider)

    assert _get(client, wave, "responses", "pdf").status_code == 400
    assert _get(other, wave, "responses", "csv").status_code == 404
