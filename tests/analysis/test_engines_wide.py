"""A wide Kano table (NAME_F / NAME_D / NAME_I columns, one row per respondent) on DuckDB parts,
Spark and PostgreSQL gives the JSON of the file path, whose pandas stage 1
(``kano.count_answers_wide``) shares no SQL with the engines' unpivot (``engines.unpivot_kano``)."""

from __future__ import annotations

import pandas as pd
import pytest
from tests.analysis.test_engines import write_parts
from tests.analysis.test_engines_cli import _same_json

from qiwang.analysis import AnalysisInputError, engines


def test_wide_kano_json_is_the_same_on_every_engine(
    tmp_path, examples, run_cli_json, spark, postgres
):
    frame = pd.read_csv(examples / "kano_wide.csv")
    frame.loc[3, ["快递代收_F", "快递代收_D"]] = None  # not asked of this respondent
    csv = tmp_path / "wide.csv"
    frame.to_csv(csv, index=False)
    parts = write_parts(frame, tmp_path / "wide", 3)
    expected = run_cli_json("analyze", "kano", csv, "--by", "tier")
    url, name = postgres(frame)

    for args in (
        (parts, "--engine", "duckdb"),
        (parts, "--engine", "spark", "--spark-master", "local[2]"),
        (name, "--engine", "postgres", "--database-url", url),
    ):
        _same_json(run_cli_json("analyze", "kano", *args, "--by", "tier"), expected)


def test_the_unpivot_names_what_a_wide_table_lacks(tmp_path):
    path = tmp_path / "no_pairs.parquet"
    pd.DataFrame({"respondent": [1], "wifi_F": ["like"]}).to_parquet(path)

    with pytest.raises(AnalysisInputError, match="NAME_F and NAME_D"):
        engines.unpivot_kano(engines.open_table(path))


def test_wide_servqual_with_points_is_the_same_on_every_engine(
    tmp_path, examples, run_cli_json, spark, postgres
):
    """ITEM_E / ITEM_P columns and DIMENSION_W points, segmented: the engines' unpivot
    (``engines.unpivot_servqual``) against the pandas wide path (``servqual.summarize_wide``)."""
    frame = pd.read_csv(examples / "servqual_wide.csv")
    csv = tmp_path / "wide.csv"
    frame.to_csv(csv, index=False)
    parts = write_parts(frame, tmp_path / "wide", 3)
    expected = run_cli_json("analyze", "servqual", csv, "--by", "branch")
    assert expected["weighted"] and expected["segment_column"] == "branch"
    url, name = postgres(frame)

    for args in (
        (parts, "--engine", "duckdb"),
        (parts, "--engine", "spark", "--spark-master", "local[2]"),
        (name, "--engine", "postgres", "--database-url", url),
    ):
        _same_json(run_cli_json("analyze", "servqual", *args, "--by", "branch"), expected)


@pytest.mark.parametrize("importance", ["stated", "derived"])
def test_wide_ipa_is_the_same_on_duckdb_and_spark(
    importance, tmp_path, examples, run_cli_json, spark
):
    """NAME_P / NAME_I columns and an overall rating, segmented (``engines.unpivot_ipa`` against
    ``ipa.summarize_wide``)."""
    frame = pd.read_csv(examples / "ipa_wide.csv")
    csv = tmp_path / "wide.csv"
    frame.to_csv(csv, index=False)
    parts = write_parts(frame, tmp_path / "wide", 2)
    options = ("--importance", importance, "--overall", "overall", "--by", "tier")
    expected = run_cli_json("analyze", "ipa", csv, *options)

    for engine in ("duckdb", "spark"):
        got = run_cli_json("analyze", "ipa", parts, *options, "--engine", engine)
        _same_json(got, expected)
