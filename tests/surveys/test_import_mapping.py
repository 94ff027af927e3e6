"""Import with a column-mapping step: suggestions from headers, dry run, all or nothing, stale
previews refused, the upload kept between steps and removed after, permissions."""

from __future__ import annotations

import io
import re
import time

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from tests.surveys.conftest import make_instrument, make_wave

from qiwang.customers.models import ContactTask, Customer
from qiwang.errors import ConflictError, ServiceError
from qiwang.surveys import views_import
from qiwang.surveys.choices import QuestionKind
from qiwang.surveys.imports import (
    CUSTOMER_CODE,
    IGNORE,
    apply_import,
    import_targets,
    preview_import,
    read_upload,
    suggest_mapping,
)
from qiwang.surveys.models import Answer, Response

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    """Uploads go to a throw-away data directory."""
    monkeypatch.setenv("QIWANG_DATA_DIR", str(tmp_path))
    return tmp_path


@pytest.fixture
def pulse(quality, org):
    """A satisfaction pulse wave of the users' branch that follows up ratings ≤ 2."""
    instrument = make_instrument(quality, org.own, "csat_pulse")
    return make_wave(
        quality, instrument, org.own, follow_up_rule="low_rating", follow_up_threshold=2
    )


def _questions(wave):
    return {q.attribute: q for q in wave.version.questions.all()}


def _pulse_header(wave) -> list[str]:
    """Headers as Wenjuanxing writes them: numbered Chinese wording, importance in brackets."""
    q = _questions(wave)
    return [
        "序号",
        "客户编号",
        f"1、{q['overall'].text_zh}",
        f"2、{q['repair-speed'].text_zh}",
        f"{q['repair-speed'].text_zh}（重要性）",
        q["repair-quality"].text_zh,
        q["cleanliness"].text_zh,
        q["recommend"].text_zh,
        q["effort"].text_zh,
        "提交时间",
    ]


def _xlsx(header, rows) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _good_rows():
    return [
        [1, "A0001", "满意", 4, 5, 4, 4, 9, 6, "2026-03-01 10:00"],
        [2, "A0002", 1, 2, 5, "很满意", 3, 3, 2, "2026-03-01 11:00"],
        [3, "A0003", 5, 5, "", 5, 5, 10, 7, "2026-03-02 09:30"],
    ]


def test_suggestions_match_export_names_wording_numbering_and_customer_code(pulse):
    targets = import_targets(list(pulse.version.questions.order_by("position")))

    mapping = suggest_mapping(_pulse_header(pulse) + ["overall", "recommend"], targets)

    assert mapping == {
        0: IGNORE,
        1: CUSTOMER_CODE,
        2: "overall",
        3: "repair_speed_P",  # a rating asked with its importance: IPA's NAME_P / NAME_I
        4: "repair_speed_I",
        5: "repair_quality_P",
        6: "cleanliness_P",
        7: "recommend",
        8: "effort",
        9: IGNORE,
        10: IGNORE,  # "overall" again: a target is suggested once
        11: IGNORE,
    }


def test_kano_parts_are_suggested_from_wording_with_part_words(quality, org):
    wave = make_wave(quality, make_instrument(quality, org.own, "kano_property"), org.own)
    first = wave.version.questions.order_by("position").first()
    targets = import_targets(list(wave.version.questions.order_by("position")))
    base = first.attribute.replace("-", "_")

    mapping = suggest_mapping(
        [f"{first.text_zh}（功能）", f"{first.text_zh}(反向)", f"{first.text_en} - importance"],
        targets,
    )

    assert mapping == {
        0: f"{base}_F",
        1: f"{base}_D",
        2: f"{base}_I",
    }


def test_preview_counts_sample_and_labels_then_import_links_customers_and_follows_up(
    quality, pulse, community_customers
):
    content = _xlsx(_pulse_header(pulse), _good_rows())
    mapping = suggest_mapping(
        _pulse_header(pulse), import_targets(list(pulse.version.questions.all()))
    )

    preview = preview_import(
        actor=quality, wave=pulse, content=content, filename="问卷星导出.xlsx", mapping=mapping
    )
    result = apply_import(
        actor=quality,
        wave=pulse,
        content=content,
        filename="问卷星导出.xlsx",
        mapping=mapping,
        expected_fingerprint=preview.fingerprint,
        expected_plan=preview.plan_digest,
    )

    assert (preview.rows, preview.valid, preview.rejected, preview.customers) == (3, 3, 0, 3)
    assert preview.can_import and preview.issues == ()
    # The first row as it would be stored: 满意 is 4 on the 5-level scale.
    assert preview.sample_header[1:3] == ("overall", "repair_speed_P")
    assert preview.sample[0] == (2, True, ("A0001", "4", "4", "5", "4", "4", "9", "6"))
    assert result.imported == 3
    stored = Response.objects.filter(wave=pulse, source="import").order_by("customer__code")
    assert [(r.customer.code, r.tier, r.branch_id, r.status) for r in stored] == [
        ("A0001", "vip", community_customers["own"][1].branch_id, "complete"),
        ("A0002", "vip", community_customers["own"][2].branch_id, "complete"),
        ("A0003", "general", community_customers["own"][3].branch_id, "complete"),
    ]
    second = stored[1]
    values = {
        a.question.attribute: (a.value, a.importance)
        for a in Answer.objects.filter(response=second).select_related("question")
    }
    assert values["overall"] == (1, None) and values["repair-quality"] == (5, None)
    # Row 2 rated overall 1 ≤ 2: the wave's rule gave the account manager a follow-up.
    assert result.followed_up == 1
    assert ContactTask.objects.filter(key=f"survey-response:{second.pk}").count() == 1


def test_every_bad_row_is_listed_with_row_column_value_and_reason_and_nothing_is_stored(
    quality, pulse, community_customers
):
    rows = _good_rows() + [
        [4, "A0001", 4, 4, 4, 4, 4, 9, 6, ""],  # the same customer as row 2
        [5, "Z9999", 4, 4, 4, 4, 4, 9, 6, ""],  # no such customer
        [6, "B0001", 4, 4, 4, 4, 4, 9, 6, ""],  # another branch's customer
        [7, "A0004", 6, 4, 4, 4, 4, 11, 6, ""],  # 6 of 5, NPS 11
        [8, "A0005", 4, 4, 4, 4, 4, "", 6, ""],  # recommend missing
    ]
    content = _xlsx(_pulse_header(pulse), rows)
    mapping = suggest_mapping(
        _pulse_header(pulse), import_targets(list(pulse.version.questions.all()))
    )

    preview = preview_import(
        actor=quality, wave=pulse, content=content, filename="x.xlsx", mapping=mapping
    )

    assert (preview.rows, preview.valid, preview.rejected) == (8, 3, 5)
    listed = [(i.row, i.column, i.value) for i in preview.issues]
    overall = _pulse_header(pulse)[2]
    assert listed == [
        (5, "客户编号", "A0001"),
        (6, "客户编号", "Z9999"),
        (7, "客户编号", "B0001"),
        (8, overall, "6"),
        (8, _pulse_header(pulse)[7], "11"),
        (9, _pulse_header(pulse)[7], ""),
    ]
    assert "row 2" in preview.issues[0].reason or "第 2 行" in preview.issues[0].reason
    assert not preview.can_import
    with pytest.raises(ServiceError) as refused:
        apply_import(
            actor=quality,
            wave=pulse,
            content=content,
            filename="x.xlsx",
            mapping=mapping,
            expected_fingerprint=preview.fingerprint,
            expected_plan=preview.plan_digest,
        )
    assert refused.value.status_code == 422
    assert not Response.objects.filter(wave=pulse).exists()


def test_two_columns_mapped_to_one_target_is_an_error_naming_both(quality, pulse):
    header = ["总体满意度", "总体评价", "recommend", "effort"]
    content = _xlsx(header, [[4, 4, 9, 6]])

    with pytest.raises(ServiceError) as error:
        preview_import(
            actor=quality,
            wave=pulse,
            content=content,
            filename="x.xlsx",
            mapping={0: "overall", 1: "overall", 2: "recommend", 3: "effort"},
        )

    message = " ".join(error.value.errors["mapping"])
    assert "总体满意度" in message and "总体评价" in message and "overall" in message


def test_a_required_question_without_a_column_is_one_file_problem(quality, pulse):
    content = _xlsx(["recommend"], [[9], [8]])

    preview = preview_import(
        actor=quality, wave=pulse, content=content, filename="x.xlsx", mapping={0: "recommend"}
    )

    assert len(preview.file_issues) == 1 and "overall" in preview.file_issues[0]
    assert preview.issues == () and not preview.can_import


def test_a_stale_preview_is_refused_when_the_file_or_the_customers_changed(
    quality, pulse, community_customers
):
    content = _xlsx(_pulse_header(pulse), _good_rows())
    mapping = suggest_mapping(
        _pulse_header(pulse), import_targets(list(pulse.version.questions.all()))
    )
    preview = preview_import(
        actor=quality, wave=pulse, content=content, filename="x.xlsx", mapping=mapping
    )
    Customer.objects.filter(code="A0003").update(tier="vip")  # the tier a response would carry

    with pytest.raises(ConflictError):
        apply_import(
            actor=quality,
            wave=pulse,
            content=content,
            filename="x.xlsx",
            mapping=mapping,
            expected_fingerprint=preview.fingerprint,
            expected_plan=preview.plan_digest,
        )
    with pytest.raises(ConflictError):
        apply_import(
            actor=quality,
            wave=pulse,
            content=content + b"\0",
            filename="x.xlsx",
            mapping=mapping,
            expected_fingerprint=preview.fingerprint,
        )
    assert not Response.objects.filter(wave=pulse).exists()


# --- the pages ---------------------------------------------------------------------------------


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)


def _form(html: str) -> dict[str, str]:
    """The hidden fields and selected options of a mapping or preview page."""
    data = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    for name, body in re.findall(r'<select id="[^"]+" name="([^"]+)">(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', body)
        data[name] = chosen.group(1) if chosen else ""
    data.pop("csrfmiddlewaretoken", None)
    return data


def test_upload_map_check_import_on_the_pages_keeps_the_file_between_steps(
    quality, pulse, community_customers, data_dir
):
    client = _client(quality)
    url = reverse("surveys:import", args=[pulse.pk])
    content = _xlsx(_pulse_header(pulse), _good_rows())

    upload = client.post(url, {"step": "upload", "file": SimpleUploadedFile("问卷.xlsx", content)})
    mapping_form = _form(upload.content.decode())
    check = client.post(url, {**mapping_form, "step": "preview"})
    stored_files = list((data_dir / "imports").glob("survey-*.upload"))
    done = client.post(url, {**_form(check.content.decode()), "step": "import"})

    assert upload.status_code == 200 and 'data-testid="mapping-table"' in upload.content.decode()
    assert mapping_form["map-1"] == CUSTOMER_CODE and mapping_form["map-2"] == "overall"
    assert mapping_form["map-0"] == IGNORE
    assert check.status_code == 200
    body = check.content.decode()
    assert 'data-testid="count-valid">3<' in body and 'data-testid="import"' in body
    assert len(stored_files) == 1
    assert done.status_code == 302 and done["Location"] == reverse("surveys:wave", args=[pulse.pk])
    assert Response.objects.filter(wave=pulse, source="import").count() == 3
    assert list((data_dir / "imports").glob("survey-*.upload")) == []
    assert client.session[views_import.SESSION_KEY] == {}


def test_page_mapping_twice_is_422_and_bad_rows_block_the_import(
    quality, pulse, community_customers
):
    client = _client(quality)
    url = reverse("surveys:import", args=[pulse.pk])
    rows = _good_rows() + [[4, "A0004", 9, 4, 4, 4, 4, 9, 6, ""]]
    upload = client.post(
        url,
        {"step": "upload", "file": SimpleUploadedFile("a.xlsx", _xlsx(_pulse_header(pulse), rows))},
    )
    form = _form(upload.content.decode())

    twice = client.post(url, {**form, "map-5": "overall", "step": "preview"})
    check = client.post(url, {**form, "step": "preview"})
    forced = client.post(
        url,
        {
            **_form(check.content.decode()),
            "fingerprint": "0" * 64,
            "step": "import",
        },
    )

    assert twice.status_code == 422
    message = twice.content.decode()
    assert _pulse_header(pulse)[2] in message and "维修的质量" in message
    assert check.status_code == 422
    body = check.content.decode()
    assert 'data-testid="issue-table"' in body and 'data-testid="import"' not in body
    assert "<td data-label=" in body and ">9<" in body
    assert forced.status_code in (409, 422)
    assert not Response.objects.filter(wave=pulse).exists()


def test_page_refuses_a_stale_preview_with_409(quality, pulse, community_customers):
    client = _client(quality)
    url = reverse("surveys:import", args=[pulse.pk])
    content = _xlsx(_pulse_header(pulse), _good_rows())
    upload = client.post(url, {"step": "upload", "file": SimpleUploadedFile("a.xlsx", content)})
    check = client.post(url, {**_form(upload.content.decode()), "step": "preview"})
    Customer.objects.filter(code="A0001").delete()

    stale = client.post(url, {**_form(check.content.decode()), "step": "import"})

    assert stale.status_code == 409
    assert 'data-testid="import-error"' in stale.content.decode()
    assert not Response.objects.filter(wave=pulse).exists()


def test_the_upload_is_kept_one_hour_for_its_own_session_and_wave(
    quality, pulse, org, community_customers, data_dir
):
    client = _client(quality)
    url = reverse("surveys:import", args=[pulse.pk])
    content = _xlsx(_pulse_header(pulse), _good_rows())
    upload = client.post(url, {"step": "upload", "file": SimpleUploadedFile("a.xlsx", content)})
    form = _form(upload.content.decode())
    other_wave = make_wave(quality, pulse.version.instrument, org.own, name="另一轮")
    stranger = _client(org.users["administrator"])

    wrong_wave = client.post(
        reverse("surveys:import", args=[other_wave.pk]), {**form, "step": "preview"}
    )
    other_session = stranger.post(url, {**form, "step": "preview"})
    session = client.session
    session[views_import.SESSION_KEY][form["token"]]["at"] = time.time() - 3601
    session.save()
    expired = client.post(url, {**form, "step": "preview"})

    assert wrong_wave.status_code == 404
    assert other_session.status_code == 404
    assert expired.status_code == 410
    assert list((data_dir / "imports").glob("survey-*.upload")) == []


def test_upload_refuses_other_file_types_and_empty_posts(quality, pulse):
    client = _client(quality)
    url = reverse("surveys:import", args=[pulse.pk])

    nothing = client.post(url, {"step": "upload"})
    wrong = client.post(url, {"step": "upload", "file": SimpleUploadedFile("a.pdf", b"%PDF")})

    assert nothing.status_code == 400
    assert wrong.status_code == 400 and ".xlsx" in wrong.content.decode()


@pytest.mark.parametrize(
    ("role", "branch", "status"),
    [
        ("quality_manager", "own", 200),
        ("administrator", "own", 200),
        ("quality_manager", "other", 404),
        ("analyst", "own", 403),
        ("account_manager", "own", 403),
        ("agent", "own", 403),
    ],
)
def test_import_page_permissions(org, quality, role, branch, status):
    wave_branch = org.own if branch == "own" else org.other
    actor = quality if branch == "own" else org.other_users["quality_manager"]
    wave = make_wave(actor, make_instrument(actor, wave_branch, "csat_pulse"), wave_branch)

    response = _client(org.users[role]).get(reverse("surveys:import", args=[wave.pk]))

    assert response.status_code == status


def test_same_file_twice_into_one_wave_is_409(quality, pulse, community_customers):
    content = _xlsx(_pulse_header(pulse), _good_rows())
    targets = import_targets(list(pulse.version.questions.all()))
    mapping = suggest_mapping(_pulse_header(pulse), targets)
    first = preview_import(
        actor=quality, wave=pulse, content=content, filename="a.xlsx", mapping=mapping
    )
    apply_import(
        actor=quality,
        wave=pulse,
        content=content,
        filename="a.xlsx",
        mapping=mapping,
        expected_fingerprint=first.fingerprint,
    )

    again = preview_import(
        actor=quality, wave=pulse, content=content, filename="a.xlsx", mapping=mapping
    )

    assert again.already_imported and not again.can_import
    with pytest.raises(ConflictError):
        apply_import(
            actor=quality,
            wave=pulse,
            content=content,
            filename="a.xlsx",
            mapping=mapping,
            expected_fingerprint=again.fingerprint,
        )
    assert Response.objects.filter(wave=pulse).count() == 3


def test_csv_in_gbk_with_scale_and_choice_labels_is_stored_as_codes(quality, org):
    wave = make_wave(quality, make_instrument(quality, org.own, "indicator_groups"), org.own)
    questions = list(wave.version.questions.order_by("position"))
    targets = import_targets(questions)
    header, row = [], []
    for target in targets[1:]:
        column = target.column
        question = column.question
        header.append(target.key)
        if column.part == "importance":
            row.append("3")
        elif question.kind == QuestionKind.SINGLE:
            row.append(question.options[1][1])  # the Chinese label of the second option
        elif question.kind == QuestionKind.MULTIPLE:
            row.append("┋".join(str(option[1]) for option in question.options[:2]))
        elif question.kind == QuestionKind.SCALE_7:
            row.append("较满意")
        else:
            row.append("随便说说")
    content = ("\r\n".join([",".join(header), ",".join(row)]) + "\r\n").encode("gb18030")

    preview = preview_import(
        actor=quality,
        wave=wave,
        content=content,
        filename="腾讯问卷.csv",
        mapping=suggest_mapping(read_upload(content, "腾讯问卷.csv").header, targets),
    )

    assert preview.issues == () and preview.valid == 1
    shown = dict(zip(preview.sample_header, preview.sample[0][2], strict=True))
    scale = next(q for q in questions if q.kind == QuestionKind.SCALE_7)
    single = next(q for q in questions if q.kind == QuestionKind.SINGLE)
    multiple = next(q for q in questions if q.kind == QuestionKind.MULTIPLE)
    assert shown[scale.attribute.replace("-", "_")] == "5"  # 较满意 on the 7-level scale
    assert shown[single.attribute.replace("-", "_")] == str(single.options[1][0])
    assert shown[multiple.attribute.replace("-", "_")] == ",".join(
        str(option[0]) for option in multiple.options[:2]
    )
