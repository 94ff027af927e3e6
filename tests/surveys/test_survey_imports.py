"""Importing responses: the raw export round-trips; errors name the row and column; all or nothing."""

from __future__ import annotations

import io

import openpyxl
import pytest
from tests.surveys.conftest import make_instrument, make_wave

from qiwang.errors import ConflictError
from qiwang.surveys.exports import render, response_frame
from qiwang.surveys.imports import import_responses
from qiwang.surveys.models import Response, Wave
from qiwang.surveys.results import wave_results

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    from qiwang.demo.services import build_demo

    build_demo(customers=90, seed=3, history=False)
    return {wave.name: wave for wave in Wave.objects.all()}


@pytest.fixture
def quality(demo):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="quality")


def test_the_raw_export_imports_into_a_new_wave_with_the_same_results(demo, quality):
    source = demo["11 月满意度快速调查"]
    frame, columns = response_frame(source)
    content = render({"responses": frame}, "csv", columns)
    target = make_wave(quality, source.version.instrument, source.branch, name="纸质问卷补录")

    checked = import_responses(actor=quality, wave=target, content=content, filename="x.csv")
    stored = import_responses(
        actor=quality, wave=target, content=content, filename="x.csv", dry_run=False
    )

    assert (checked.rows, checked.imported, checked.errors) == (len(frame), 0, ())
    assert stored.imported == len(frame)
    before, after = wave_results(source), wave_results(target)
    assert [r.to_dict() for r in after.csat] == [r.to_dict() for r in before.csat]
    assert [r.to_dict() for r in after.nps] == [r.to_dict() for r in before.nps]
    with pytest.raises(ConflictError):
        import_responses(
            actor=quality, wave=target, content=content, filename="x.csv", dry_run=False
        )


def test_xlsx_with_mapped_headers_and_bad_rows_imports_nothing(demo, quality):
    wave = make_wave(
        quality, make_instrument(quality, wave_branch(demo), "csat_pulse"), wave_branch(demo)
    )
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["总体", "repair_speed", "repair_quality", "cleanliness", "recommend", "effort"])
    sheet.append([5, 4, 4, 4, 9, 6])
    sheet.append([6, 4, 4, 4, 9, 6])  # 6 is outside the 5-level scale
    sheet.append([4, 4, 4, 4, "", 6])  # recommend missing
    buffer = io.BytesIO()
    book.save(buffer)

    report = import_responses(
        actor=quality,
        wave=wave,
        content=buffer.getvalue(),
        filename="paper.xlsx",
        mapping={"总体": "overall"},
        dry_run=False,
    )

    assert [(e.row, e.column) for e in report.errors] == [(3, "overall.value"), (4, "recommend")]
    assert "1 到 5" in report.errors[0].message or "1 to 5" in report.errors[0].message
    assert report.imported == 0
    assert not Response.objects.filter(wave=wave).exists()
    assert "cleanliness_I" in report.unmapped


def wave_branch(demo):
    return next(iter(demo.values())).branch
