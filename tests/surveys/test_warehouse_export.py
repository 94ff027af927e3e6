"""``qiwang export responses --format parquet``: answers for the warehouse, read back by DuckDB.

The expected numbers come from the ORM (a Django aggregate over the answers), not from the export
code; the Kano counts read back through the portable stage 1 (DuckDB over the partitioned
directory) equal the ORM's counts of (functional, dysfunctional) pairs.
"""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest
from django.db.models import Count
from typer.testing import CliRunner

from qiwang.surveys.choices import QuestionKind, ResponseStatus
from qiwang.surveys.models import Answer, Wave

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    from qiwang.demo.services import build_demo

    build_demo(customers=120, seed=5, history=False)
    return {wave.name: wave for wave in Wave.objects.all()}


def _run(*args: object) -> tuple[int, str, str]:
    from qiwang.cli import app

    result = CliRunner().invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def _numeric_answers(**filters: object):
    return Answer.objects.filter(response__status=ResponseStatus.COMPLETE, **filters).exclude(
        value__isnull=True, second__isnull=True, importance__isnull=True
    )


def test_every_numeric_answer_is_one_row_partitioned_by_wave_without_personal_data(demo, tmp_path):
    dest = tmp_path / "lake"

    code, out, err = _run("export", "responses", "--format", "parquet", "--dest", dest)

    assert code == 0, err
    for wave in Wave.objects.all():
        part = dest / f"wave={wave.pk}" / "part-00000.parquet"
        table = pq.read_table(part)
        assert table.num_rows == _numeric_answers(response__wave=wave).count()
    columns = set(pq.read_schema(part).names)
    assert columns == {
        "wave_name", "response", "customer", "branch", "tier", "kind", "attribute",
        "dimension", "value", "second", "importance", "submitted_at",
    }  # fmt: skip
    assert not columns & {"name", "phone", "email", "address", "text"}


def test_kano_answers_exported_count_the_same_pairs_on_duckdb(demo, tmp_path):
    from qiwang.analysis import engines

    wave = demo["2026 秋季物业服务 Kano 调查"]
    dest = tmp_path / "kano"
    code, _, err = _run(
        "export", "responses", "--format", "parquet", "--dest", dest, "--kind", "kano"
    )
    assert code == 0, err

    table = engines.open_table(dest, engine="duckdb")  # the whole partitioned directory
    counts = engines.count_kano_answers(
        table, functional="value", dysfunctional="second", where=("wave", str(wave.pk))
    )

    expected = {
        (row["question__attribute"], row["value"], row["second"]): row["n"]
        for row in _numeric_answers(response__wave=wave, question__kind=QuestionKind.KANO)
        .values("question__attribute", "value", "second")
        .annotate(n=Count("pk"))
    }
    got = {
        (attribute, f + 1, d + 1): int(counts.pairs[g, f, d])
        for g, attribute in enumerate(counts.attributes)
        for f in range(5)
        for d in range(5)
        if counts.pairs[g, f, d]
    }
    assert got == expected
    assert sum(expected.values()) > 100


def test_bad_options_are_one_message_and_exit_code_2(demo, tmp_path):
    assert _run("export", "responses", "--format", "csv", "--dest", tmp_path)[0] == 2
    assert _run("export", "responses", "--dest", tmp_path, "--kind", "text")[0] == 2
    assert _run("export", "responses", "--dest", tmp_path, "--wave", "999999")[0] == 2
    assert _run("export", "responses", "--dest", tmp_path / "a")[0] == 0
    code, out, err = _run("export", "responses", "--dest", tmp_path / "a")
    assert code == 2
    assert "wave=" in err  # the partition that exists, named in either language
    assert "Traceback" not in err


def test_personal_data_only_for_a_role_that_may_see_it_and_only_its_branches(demo, tmp_path):
    """--personal-data --user: four more columns from the customers table, only the user's
    branches' answers, one audit event per wave; refused for a role without the permission."""
    from qiwang.accounts.models import AuditEvent, User
    from qiwang.accounts.permissions import Action, can

    analyst = User.objects.get(username="analyst")
    manager = User.objects.get(username="manager_cuihu")
    assert not can(analyst, Action.VIEW_PERSONAL_DATA) and can(manager, Action.VIEW_PERSONAL_DATA)

    refused = _run(
        "export", "responses", "--dest", tmp_path / "x", "--personal-data", "--user", "analyst"
    )
    assert refused[0] == 2 and not (tmp_path / "x").exists()
    assert _run("export", "responses", "--dest", tmp_path / "y", "--personal-data")[0] == 2
    assert _run("export", "responses", "--dest", tmp_path / "z", "--user", "manager_cuihu")[0] == 2

    dest = tmp_path / "personal"
    code, _, err = _run(
        "export", "responses", "--dest", dest, "--personal-data", "--user", "manager_cuihu"
    )
    assert code == 0, err
    visible = manager.visible_branch_ids()
    for wave in Wave.objects.all():
        table = pq.read_table(dest / f"wave={wave.pk}" / "part-00000.parquet").to_pydict()
        expected = _numeric_answers(response__wave=wave, response__branch_id__in=visible)
        assert len(table["response"]) == expected.count()
        codes = dict(expected.values_list("response_id", "response__customer__code"))
        phones = dict(expected.values_list("response_id", "response__customer__phone"))
        for response, code_, phone in zip(
            table["response"], table["customer_code"], table["customer_phone"], strict=True
        ):
            assert (code_, phone) == (codes[response], phones[response])
    events = AuditEvent.objects.filter(action="answers_exported_with_personal_data")
    assert events.count() == Wave.objects.count()
    assert set(events.values_list("actor__username", flat=True)) == {"manager_cuihu"}
