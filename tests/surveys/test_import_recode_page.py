"""The recode step on the import pages: each rating column's values shown with their codes,
pre-filled from the labels, editable, carried through the check to the import, saved and offered
again for the next file from the same tool; Qualtrics' header rows handled on the page too."""

from __future__ import annotations

import html
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from tests.surveys import import_tools as tools
from tests.surveys.conftest import make_instrument, make_wave

from qiwang.surveys.models import Answer, Response, SavedImportMapping

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("QIWANG_DATA_DIR", str(tmp_path))
    return tmp_path


@pytest.fixture
def pulse(quality, org):
    return make_wave(quality, make_instrument(quality, org.own, "csat_pulse"), org.own)


def _form(page: str) -> dict[str, str]:
    """Hidden fields, selected options and text areas of a mapping or preview page."""
    data = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    for name, body in re.findall(r'<select id="[^"]+" name="([^"]+)">(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', body)
        data[name] = chosen.group(1) if chosen else ""
    for name, text in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S):
        data[name] = html.unescape(text)
    data.pop("csrfmiddlewaretoken", None)
    return data


def _wenjuanxing(first_overall: str) -> bytes:
    answers = [
        [first_overall, "比较满意", "满意", "一般", "9", "6"],
        ["非常不满意", "满意", "满意", "满意", "3", "2"],
    ]
    return tools.csv_bytes(tools.wenjuanxing_rows(answers=answers), encoding="gb18030")


def test_recode_is_shown_edited_carried_to_the_import_and_saved(quality, pulse):
    client = Client()
    client.force_login(quality)
    url = reverse("surveys:import", args=[pulse.pk])
    upload = client.post(
        url, {"step": "upload", "file": SimpleUploadedFile("wjx.csv", _wenjuanxing("还行"))}
    )
    form = _form(upload.content.decode())
    shown = form["recode-overall"]

    unfilled = client.post(url, {**form, "step": "preview"})
    form["recode-overall"] = form["recode-overall"].replace("还行 =", "还行 = 3")
    check = client.post(url, {**form, "step": "preview"})
    done = client.post(url, {**_form(check.content.decode()), "step": "import"})

    assert upload.status_code == 200
    assert shown.splitlines() == ["还行 =", "非常不满意 = 1"]
    assert form["recode-repair_speed_P"] == "比较满意 = 4"
    assert 'data-testid="recode-open"' in upload.content.decode()
    assert unfilled.status_code == 422 and "还行" in unfilled.content.decode()
    assert check.status_code == 200, check.content.decode()
    assert done.status_code == 302
    assert sorted(
        Answer.objects.filter(response__wave=pulse, question__attribute="overall").values_list(
            "value", flat=True
        )
    ) == [1, 3]
    saved = SavedImportMapping.objects.get(instrument=pulse.version.instrument, branch=pulse.branch)
    assert (saved.source, saved.recode["overall"]["还行"]) == ("wenjuanxing", "3")


def test_the_next_file_from_the_same_tool_starts_from_the_saved_recode(quality, pulse, org):
    SavedImportMapping.objects.create(
        instrument=pulse.version.instrument,
        branch=pulse.branch,
        source="wenjuanxing",
        columns={},
        recode={"overall": {"还行": "3"}},
    )
    client = Client()
    client.force_login(quality)

    upload = client.post(
        reverse("surveys:import", args=[pulse.pk]),
        {"step": "upload", "file": SimpleUploadedFile("wjx.csv", _wenjuanxing("还行"))},
    )

    body = upload.content.decode()
    assert 'data-testid="saved-mapping"' in body
    assert _form(body)["recode-overall"].splitlines() == ["还行 = 3", "非常不满意 = 1"]
    assert 'data-testid="recode-open"' not in body


def test_a_recode_line_without_a_code_sign_is_refused_naming_the_line(quality, pulse):
    client = Client()
    client.force_login(quality)
    url = reverse("surveys:import", args=[pulse.pk])
    upload = client.post(
        url, {"step": "upload", "file": SimpleUploadedFile("wjx.csv", _wenjuanxing("满意"))}
    )
    form = {**_form(upload.content.decode()), "recode-overall": "非常不满意 = 1\n还行"}

    refused = client.post(url, {**form, "step": "preview"})

    assert refused.status_code == 422
    assert "overall" in refused.content.decode() and "还行" in refused.content.decode()
    assert not Response.objects.filter(wave=pulse).exists()


def test_qualtrics_on_the_page_maps_its_question_text_row(quality, pulse):
    client = Client()
    client.force_login(quality)
    url = reverse("surveys:import", args=[pulse.pk])
    content = tools.csv_bytes(tools.qualtrics_rows(tools.QUALTRICS_TEXT))

    upload = client.post(url, {"step": "upload", "file": SimpleUploadedFile("q.csv", content)})
    form = _form(upload.content.decode())
    check = client.post(url, {**form, "step": "preview"})

    assert [form[f"map-{i}"] for i in range(8, 14)] == [
        "overall",
        "repair_speed_P",
        "repair_quality_P",
        "cleanliness_P",
        "recommend",
        "effort",
    ]
    assert "Extremely satisfied = 5" in form["recode-overall"]
    assert check.status_code == 200, check.content.decode()
    assert 'data-testid="count-valid">2<' in check.content.decode()


def test_a_recode_box_for_a_column_the_wave_does_not_have_is_a_message_not_an_error(quality, pulse):
    client = Client()
    client.force_login(quality)
    url = reverse("surveys:import", args=[pulse.pk])
    upload = client.post(
        url, {"step": "upload", "file": SimpleUploadedFile("wjx.csv", _wenjuanxing("满意"))}
    )
    form = {**_form(upload.content.decode()), "map-6": "nonsense", "recode-nonsense": "a = 1"}

    shown = client.post(url, {**form, "step": "mapping"})
    refused = client.post(url, {**form, "step": "preview"})

    assert shown.status_code == 200
    assert refused.status_code == 422 and "nonsense" in refused.content.decode()
