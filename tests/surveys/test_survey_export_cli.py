"""The response export feeds ``qiwang analyze`` unchanged (issue 14, item 9): a wave answered in
the database, exported as CSV and XLSX through the export view, read by the real ``qiwang analyze
kano|servqual|ipa|csi`` commands, gives the numbers of the results page (``wave_results``, the same
stage-2 functions). Earlier export names are still read (documented aliases), and the customer
code is in the export only for roles that may see personal data."""

from __future__ import annotations

import json
import random

import pandas as pd
import pytest
from django.test import Client
from django.urls import reverse
from tests.surveys.conftest import deliver_queued, make_instrument, make_wave
from typer.testing import CliRunner

from qiwang.surveys.choices import QuestionKind
from qiwang.surveys.models import Invitation
from qiwang.surveys.responding import save_answers, start_response
from qiwang.surveys.results import wave_results
from qiwang.surveys.services import create_instrument_from_template, send_wave

pytestmark = pytest.mark.django_db

DIMENSIONS = ("tangibles", "reliability", "responsiveness", "assurance", "empathy")
POINTS = ((10, 30, 30, 20, 10), (20, 20, 20, 20, 20), (40, 15, 15, 15, 15))


def _answer(question, rng: random.Random, i: int) -> dict[str, str]:
    if question.kind == QuestionKind.KANO:
        # attribute-dependent tendencies so the classes differ (like/dislike, must-be, neutral)
        base = question.position % 3
        functional = rng.choice([(1, 1, 2), (2, 3, 2), (3, 4, 3)][base])
        dysfunctional = rng.choice([(5, 5, 3), (5, 4, 5), (3, 3, 4)][base])
        return {
            "value": str(functional),
            "second": str(dysfunctional),
            "importance": str(1 + i % 5),
        }
    if question.kind == QuestionKind.SERVQUAL:
        return {"value": str(rng.randint(5, 7)), "second": str(rng.randint(2, 7))}
    if question.kind == QuestionKind.ALLOCATION:
        return {"value": str(POINTS[i % 3][DIMENSIONS.index(question.dimension)])}
    if question.kind in (QuestionKind.SCALE_5, QuestionKind.SCALE_7):
        answer = {"value": str(rng.randint(1, 5))}
        if question.asks_importance:
            answer["importance"] = str(rng.randint(1, 5))
        return answer
    if question.kind == QuestionKind.RATING_10:  # one level per respondent, items close to it
        return {"value": str(min(10, max(1, 2 + (i * 5) % 9 + rng.choice((-1, 0, 1)))))}
    if question.kind == QuestionKind.NPS:
        return {"value": str(rng.randint(0, 10))}
    if question.kind == QuestionKind.CES:
        return {"value": str(rng.randint(1, 7))}
    return {"text": "还行"} if question.kind == QuestionKind.TEXT else {}


def _answered(quality, wave, *, open_link: int = 1):
    """Every invited customer answers (seeded), plus ``open_link`` anonymous responses."""
    send_wave(actor=quality, wave=wave, base_url="http://testserver")
    deliver_queued()
    questions = list(wave.version.questions.order_by("position"))
    rng = random.Random(14)
    invitations = list(Invitation.objects.filter(wave=wave).order_by("pk"))
    for i, invitation in enumerate([*invitations, *([None] * open_link)]):
        response = start_response(
            wave=wave, submission_key=f"w{wave.pk}-{i}", invitation=invitation
        )
        raw = {q.attribute: _answer(q, rng, i) for q in questions}
        save_answers(response=response, questions=questions, raw=raw, submit=True)
    return wave


@pytest.fixture
def kano_wave(org, quality, community_customers):
    return _answered(quality, make_wave(quality, make_instrument(quality, org.own), org.own))


@pytest.fixture
def servqual_wave(org, quality, community_customers):
    instrument = create_instrument_from_template(
        actor=quality, template="servqual", branch=org.own, allocation=True
    )
    return _answered(quality, make_wave(quality, instrument, org.own, name="SERVQUAL 2026"))


def _client(org, role: str) -> Client:
    client = Client()
    client.force_login(org.users[role])
    return client


def _export(client, wave, fmt: str, tmp_path) -> str:
    response = client.get(
        reverse("surveys:export", args=[wave.pk]), {"what": "responses", "format": fmt}
    )
    assert response.status_code == 200
    path = tmp_path / f"wave-{wave.pk}.{fmt}"
    path.write_bytes(response.content)
    return str(path)


def _analyze(*args: str) -> dict:
    from qiwang.cli import app

    result = CliRunner().invoke(app, ["analyze", *args, "--json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def _kano_page(wave) -> dict[str, object]:
    results = wave_results(wave)
    return {item.attribute.replace("-", "_"): item for item in results.kano.attributes}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_kano_export_runs_through_qiwang_analyze_kano_with_the_page_numbers(
    org, kano_wave, fmt, tmp_path
):
    path = _export(_client(org, "quality_manager"), kano_wave, fmt, tmp_path)

    payload = _analyze("kano", path)

    page = _kano_page(kano_wave)
    assert {item["attribute"] for item in payload["attributes"]} == set(page)
    for item in payload["attributes"]:
        expected = page[item["attribute"]]
        assert item["n"] == expected.n == 13  # 12 invited + 1 open link
        assert item["counts"] == dict(expected.counts)
        assert item["category"] == expected.category
        assert item["better"] == pytest.approx(expected.better)
        assert item["worse"] == pytest.approx(expected.worse)
        assert item["fong_significant"] == expected.fong_significant
    assert len({item["category"] for item in payload["attributes"]}) > 1


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_servqual_export_runs_through_qiwang_analyze_servqual_with_weights(
    org, servqual_wave, fmt, tmp_path
):
    path = _export(_client(org, "quality_manager"), servqual_wave, fmt, tmp_path)
    frame = pd.read_excel(path) if fmt == "xlsx" else pd.read_csv(path, encoding="utf-8-sig")
    assert {"TAN1_E", "TAN1_P", "EMP5_P", *(f"{d}_W" for d in DIMENSIONS)} <= set(frame.columns)

    payload = _analyze("servqual", path)

    page = wave_results(servqual_wave)
    items = {s.name.upper(): s for s in page.servqual.items}
    assert [i["item"] for i in payload["items"]] == list(items)
    for item in payload["items"]:
        assert item["n"] == items[item["item"]].n == 13
        assert item["gap"] == pytest.approx(items[item["item"]].gap)
        assert item["ratio"] == pytest.approx(items[item["item"]].ratio)
    dimensions = {s.name: s for s in page.servqual.dimensions}
    for dimension in payload["dimensions"]:
        assert dimension["gap"] == pytest.approx(dimensions[dimension["dimension"]].gap)
        assert dimension["n"] == dimensions[dimension["dimension"]].n
    assert payload["overall"][0]["gap"] == pytest.approx(page.servqual.overall[0].gap)
    # the 100-point weights: the weighted SERVQUAL score and the mean points per dimension
    assert payload["weighted"][0]["gap"] == pytest.approx(page.weighted_servqual.gap)
    assert payload["weighted"][0]["n"] == page.weighted_servqual.n == 13
    assert {w["dimension"]: w["mean_points"] for w in payload["weights"]} == {
        w.dimension: pytest.approx(w.mean_points) for w in page.weights
    }


@pytest.mark.parametrize("command", ["kano", "servqual"])
def test_earlier_export_names_are_read_as_aliases(org, command, request, tmp_path):
    wave = request.getfixturevalue(f"{command}_wave")
    path = _export(_client(org, "quality_manager"), wave, "csv", tmp_path)
    current = _analyze(command, path)
    frame = pd.read_csv(path, encoding="utf-8-sig")
    old = {"respondent": "response"}
    for name in frame.columns:
        stem, _sep, suffix = name.rpartition("_")
        if suffix in ("F", "D", "I") and command == "kano":
            part = {"F": "functional", "D": "dysfunctional", "I": "importance"}[suffix]
            old[name] = f"{stem}_{part}"
        elif suffix in ("E", "P") and command == "servqual":
            old[name] = f"{stem.lower()}_{suffix}"
        elif suffix == "W":
            old[name] = f"weight_{stem}"
    legacy = tmp_path / f"legacy-{command}.csv"
    frame.rename(columns=old).to_csv(legacy, index=False)
    assert not {"TAN1_E", "tangibles_W", "respondent"} & set(pd.read_csv(legacy).columns)

    assert _analyze(command, str(legacy)) == current


def test_the_customer_code_is_exported_only_for_roles_that_may_see_personal_data(
    org, kano_wave, tmp_path
):
    codes = set(Invitation.objects.filter(wave=kano_wave).values_list("customer__code", flat=True))
    for role, shown in (
        ("account_manager", True),
        ("agent", True),
        ("quality_manager", False),
        ("analyst", False),
    ):
        path = _export(_client(org, role), kano_wave, "csv", tmp_path)
        frame = pd.read_csv(path, encoding="utf-8-sig", dtype={"customer_code": str})
        assert ("customer_code" in frame.columns) is shown, role
        if shown:
            assert list(frame.columns[:2]) == ["respondent", "customer_code"]
            assert set(frame["customer_code"].dropna()) == codes
            assert frame["customer_code"].isna().sum() == 1  # the open-link answer


def test_the_import_still_recognises_earlier_export_headers(org, kano_wave):
    from qiwang.surveys.imports import import_targets, suggest_mapping

    questions = list(kano_wave.version.questions.order_by("position"))
    base = questions[0].attribute.replace("-", "_")
    targets = import_targets(questions)

    mapping = suggest_mapping(
        [f"{base}_functional", f"{base}_D", f"{base}_importance", "customer_code"], targets
    )

    assert mapping == {0: f"{base}_F", 1: f"{base}_D", 2: f"{base}_I", 3: "customer_code"}


def test_an_ipa_export_runs_through_qiwang_analyze_ipa(org, quality, community_customers, tmp_path):
    wave = _answered(
        quality, make_wave(quality, make_instrument(quality, org.own, "csat_pulse"), org.own)
    )
    path = _export(_client(org, "quality_manager"), wave, "csv", tmp_path)

    payload = _analyze("ipa", path)

    page = {a.attribute.replace("-", "_"): a for a in wave_results(wave).ipa.attributes}
    assert {a["attribute"] for a in payload["attributes"]} == set(page)
    for attribute in payload["attributes"]:
        expected = page[attribute["attribute"]]
        assert attribute["importance"] == pytest.approx(expected.importance)
        assert attribute["performance"] == pytest.approx(expected.performance)
        assert attribute["quadrant"] == expected.quadrant


def test_a_wave_with_servqual_items_of_its_own_runs_with_the_exported_instrument(
    org, quality, community_customers, tmp_path
):
    from qiwang.surveys.services import add_question

    instrument = create_instrument_from_template(actor=quality, template="servqual", branch=org.own)
    add_question(
        actor=quality,
        instrument=instrument,
        data={
            "kind": "servqual",
            "attribute": "parking-access",
            "dimension": "tangibles",
            "text_zh": "停车方便",
            "text_en": "Parking is easy",
        },
    )
    wave = _answered(quality, make_wave(quality, instrument, org.own, name="own items"))
    client = _client(org, "quality_manager")
    responses = _export(client, wave, "csv", tmp_path)
    items = client.get(
        reverse("surveys:export", args=[wave.pk]), {"what": "instrument", "format": "csv"}
    )
    instrument_path = tmp_path / "instrument.csv"
    instrument_path.write_bytes(items.content)

    payload = _analyze("servqual", responses, "--instrument", str(instrument_path))
    from qiwang.cli import app

    without = CliRunner(env={"QIWANG_LANGUAGE": "en"}).invoke(
        app, ["analyze", "servqual", responses, "--json"]
    )
    assert without.exit_code == 0
    assert "PARKING_ACCESS: not items of the instrument" in without.stderr
    assert "PARKING_ACCESS" not in without.stdout

    page = wave_results(wave).servqual
    expected = {s.name.upper().replace("-", "_"): s for s in page.items}
    assert "PARKING_ACCESS" in expected
    assert {i["item"]: i["gap"] for i in payload["items"]} == {
        name: pytest.approx(s.gap) for name, s in expected.items()
    }
    assert {d["dimension"]: d["gap"] for d in payload["dimensions"]} == {
        s.name: pytest.approx(s.gap) for s in page.dimensions
    }
    assert payload["overall"][0]["gap"] == pytest.approx(page.overall[0].gap)
    results_page = client.get(reverse("surveys:results", args=[wave.pk])).content.decode()
    assert 'data-testid="export-instrument-csv"' in results_page


def test_a_wave_without_servqual_items_has_no_instrument_to_export(org, kano_wave):
    client = _client(org, "quality_manager")
    url = reverse("surveys:export", args=[kano_wave.pk])

    missing = client.get(url, {"what": "instrument", "format": "csv"})
    wrong = client.get(url, {"what": "everything", "format": "csv"}, HTTP_ACCEPT_LANGUAGE="en")

    assert missing.status_code == 404
    assert wrong.status_code == 400 and "what=responses, results or instrument" in wrong.text


def test_an_ecsi_export_runs_through_qiwang_analyze_csi_with_the_page_index(
    org, quality, community_customers, tmp_path
):
    instrument = make_instrument(quality, org.own, "ecsi")
    wave = _answered(quality, make_wave(quality, instrument, org.own, name="ECSI 2026"))
    path = _export(_client(org, "quality_manager"), wave, "csv", tmp_path)

    payload = _analyze("csi", path, "--model", "ecsi")

    page = wave_results(wave).satisfaction_index
    assert page is not None and page.model == "ecsi"
    assert payload["ipma"]["target"] == page.fit.model.target_variable
    assert payload["index"][payload["ipma"]["target"]] == pytest.approx(page.index, abs=1e-6)
    expected = {
        (row["from"], row["to"]): row["estimate"] for _, row in page.fit.inner_model.iterrows()
    }
    assert {(p["from"], p["to"]): p["estimate"] for p in payload["paths"]} == {
        key: pytest.approx(value, abs=1e-6) for key, value in expected.items()
    }


def test_a_pulse_export_runs_through_qiwang_analyze_drivers_with_the_page_weights(
    org, quality, community_customers, tmp_path
):
    wave = _answered(
        quality, make_wave(quality, make_instrument(quality, org.own, "csat_pulse"), org.own)
    )
    path = _export(_client(org, "quality_manager"), wave, "xlsx", tmp_path)
    page = wave_results(wave).drivers
    names = [d.name for d in page.drivers]  # the page's ratings: repair-speed, …
    columns = [f"{name.replace('-', '_')}_P" for name in names]  # asked with importance

    payload = _analyze("drivers", path, "--target", "overall", "--predictors", ",".join(columns))

    assert payload["n"] == page.n and payload["r2"] == pytest.approx(page.r2)
    weights = {d["name"]: d["weight"] for d in payload["drivers"]}
    assert weights == {
        f"{d.name.replace('-', '_')}_P": pytest.approx(d.weight) for d in page.drivers
    }
