"""Stage 1 written once (sqlglot-transpiled SQL) on DuckDB, Spark and PostgreSQL.

Every statistic is checked against the pandas stage 1 (``kano.count_answers``,
``servqual.summarize``, ``ipa.summarize``), an independent implementation in numpy that shares no
SQL with the engines: counts must be equal, sums and the stage-2 numbers equal to 1e-12 relative.
Spark runs in local mode (one session for the whole test run, ``local[2]``, UI off). PostgreSQL
runs when ``QIWANG_TEST_POSTGRES_URL`` or a PostgreSQL ``DATABASE_URL`` is set (``.ci/run`` sets
the first); each test loads its rows into a table of its own and drops it.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from qiwang.analysis import AnalysisInputError, drivers, engines, ipa, kano, servqual

INSTRUMENT = servqual.Instrument.from_mapping({"speed": ["q1", "q2"], "care": ["q3", "q4", "q5"]})


def kano_frame(rows: int = 3000, seed: int = 18) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    labels = np.array(["1", "2", "3", "4", "5", "like", "must-be", "我很喜欢", "能忍受"])
    # KanoCounts keeps plain Σx² of the importance (no shift), so its stage-2 SD is only as
    # exact as the data's conditioning allows: keep the importance near zero here.
    importance = rng.normal(5.0, 1.5, rows)
    importance[rng.random(rows) < 0.1] = np.nan
    return pd.DataFrame(
        {
            "attribute": rng.choice(["wifi", "lift", "heat", "app", "送餐"], rows),
            "functional": rng.choice(labels, rows),
            "dysfunctional": rng.integers(1, 6, rows).astype(str),
            "tier": rng.choice(["gold", "silver", "basic"], rows),
            "importance": importance,
        }
    )


def write_parts(frame: pd.DataFrame, folder: Path, parts: int) -> Path:
    """``frame`` as ``parts`` Parquet files in ``folder`` (as Spark writes a data set)."""
    folder.mkdir()
    for k, piece in enumerate(np.array_split(np.arange(len(frame)), parts)):
        frame.iloc[piece].to_parquet(folder / f"part-{k:05d}.parquet", index=False)
    return folder


def assert_same_kano(got: kano.KanoCounts, expected: kano.KanoCounts) -> None:
    assert got.attributes == expected.attributes
    assert got.segments == expected.segments
    np.testing.assert_array_equal(got.pairs, expected.pairs)
    if expected.importance_sum is None:
        assert got.importance_sum is None
        return
    np.testing.assert_array_equal(got.importance_count, expected.importance_count)
    np.testing.assert_allclose(got.importance_sum, expected.importance_sum, rtol=1e-12)


def _numbers(value: Any) -> list[float]:
    """Every number of a nested to_dict() result, in order (None / NaN as NaN)."""
    if isinstance(value, dict):
        return [x for k in sorted(value) for x in _numbers(value[k])]
    if isinstance(value, list | tuple):
        return [x for item in value for x in _numbers(item)]
    if isinstance(value, bool) or value is None:
        return [math.nan] if value is None else [float(value)]
    if isinstance(value, int | float):
        return [float(value)]
    return []


def assert_same_result(got: Any, expected: Any) -> None:
    a, b = got.to_dict(), expected.to_dict()
    assert sorted(a) == sorted(b)
    np.testing.assert_allclose(_numbers(a), _numbers(b), rtol=1e-12, atol=1e-12)
    assert _labels(a) == _labels(b)


def _labels(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [x for k in sorted(value) for x in _labels(value[k])]
    if isinstance(value, list | tuple):
        return [x for item in value for x in _labels(item)]
    return [value] if isinstance(value, str) else []


# --- Kano -----------------------------------------------------------------------------------


def test_kano_counts_on_duckdb_and_spark_equal_pandas_file_and_many_parts(tmp_path, spark):
    frame = kano_frame()
    one = tmp_path / "answers.parquet"
    frame.to_parquet(one, index=False)
    many = write_parts(frame, tmp_path / "answers", 7)
    options: dict[str, Any] = {"importance": "importance", "segment": "tier"}
    expected = kano.count_answers(frame, **options)  # independent: numpy bincount
    for source, engine in [(one, "duckdb"), (many, "duckdb"), (many, "spark")]:
        table = engines.open_table(source, engine=engine, spark_master="local[2]")
        assert table.engine == engine
        assert_same_kano(engines.count_kano_answers(table, **options), expected)
    assert_same_result(
        kano.analyze_counts(
            engines.count_kano_answers(engines.open_table(many, engine="spark"), **options)
        ),
        kano.analyze_counts(expected),
    )


def test_kano_counts_on_a_spark_dataframe_of_any_partitioning(spark):
    frame = kano_frame(rows=800, seed=3)
    expected = kano.count_answers(frame)
    for partitions in (1, 5):
        data = spark.createDataFrame(frame.drop(columns="importance")).repartition(partitions)
        assert_same_kano(engines.count_kano_answers(engines.open_table(data)), expected)


def test_kano_counts_on_postgres_equal_pandas(postgres):
    frame = kano_frame(rows=1500, seed=7)
    url, name = postgres(frame)
    table = engines.open_table(url, table=name)
    got = engines.count_kano_answers(table, importance="importance", segment="tier")
    assert_same_kano(got, kano.count_answers(frame, importance="importance", segment="tier"))


def test_kano_on_any_engine_names_a_bad_answer_and_a_missing_column(tmp_path, spark):
    frame = kano_frame(rows=50)
    frame.loc[7, "functional"] = "maybe"
    path = tmp_path / "bad.parquet"
    frame.to_parquet(path, index=False)
    for engine in ("duckdb", "spark"):
        table = engines.open_table(path, engine=engine)
        with pytest.raises(AnalysisInputError, match="'maybe' is not an answer") as caught:
            engines.count_kano_answers(table)
        assert caught.value.column == "functional"
        with pytest.raises(AnalysisInputError, match="missing column 'answer_f'"):
            engines.count_kano_answers(table, functional="answer_f")


# --- SERVQUAL and IPA -----------------------------------------------------------------------


def servqual_frame(respondents: int = 120, seed: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = [
        (
            f"r{r}",
            code,
            float(rng.integers(1, 8)) + 1e7,  # offset: shifted moments must keep every digit
            float(rng.integers(1, 8)) + 1e7,
            ["north", "south"][r % 2],
        )
        for r in range(respondents)
        for code in INSTRUMENT.codes
        if rng.random() > 0.1
    ]
    frame = pd.DataFrame(rows, columns=["respondent", "item", "expectation", "perception", "zone"])
    frame.loc[frame.sample(frac=0.05, random_state=seed).index, "perception"] = np.nan
    return frame


def test_servqual_sums_on_duckdb_spark_and_postgres_equal_pandas(tmp_path, spark, postgres):
    frame = servqual_frame()
    many = write_parts(frame, tmp_path / "servqual", 4)
    options: dict[str, Any] = {"instrument": INSTRUMENT, "segment": "zone"}
    expected = servqual.analyze_sums(servqual.summarize(frame, **options))
    url, name = postgres(frame)
    for table in (
        engines.open_table(many, engine="duckdb"),
        engines.open_table(many, engine="spark"),
        engines.open_table(url, table=name),
    ):
        sums = engines.summarize_servqual(table, **options)
        assert [int(n) for n in sums.items.n] == [
            int(n) for n in servqual.summarize(frame, **options).items.n
        ]
        assert_same_result(servqual.analyze_sums(sums), expected)


def ipa_frame(rows: int = 900, seed: int = 9) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "attribute": rng.choice(["speed", "price", "staff", "decor"], rows),
            "importance": rng.integers(1, 8, rows).astype(float),
            "performance": rng.integers(1, 8, rows).astype(float) + 1e7,
            "overall": rng.integers(1, 8, rows).astype(float) + 1e7,
            "zone": rng.choice(["north", "south"], rows),
        }
    )
    frame.loc[frame.sample(frac=0.05, random_state=seed).index, "overall"] = np.nan
    return frame


def test_ipa_sums_on_duckdb_spark_and_postgres_equal_pandas(tmp_path, spark, postgres):
    frame = ipa_frame()
    path = tmp_path / "ipa.parquet"
    frame.to_parquet(path, index=False)
    options: dict[str, Any] = {"importance": "importance", "overall": "overall", "segment": "zone"}
    expected_sums = ipa.summarize(frame, **options)
    url, name = postgres(frame)
    for table in (
        engines.open_table(path, engine="duckdb"),
        engines.open_table(path, engine="spark"),
        engines.open_table(url, table=name),
    ):
        sums = engines.summarize_ipa(table, **options)
        assert sums.keys == expected_sums.keys
        np.testing.assert_array_equal(sums.importance_n, expected_sums.importance_n)
        np.testing.assert_array_equal(sums.performance_n, expected_sums.performance_n)
        for kind in ("stated", "derived"):
            assert_same_result(
                ipa.analyze_sums(sums, importance=kind),
                ipa.analyze_sums(expected_sums, importance=kind),
            )


# --- key drivers ---------------------------------------------------------------------------


def test_cross_products_on_duckdb_spark_and_postgres_equal_pandas(tmp_path, spark, postgres):
    rng = np.random.default_rng(21)
    rows = 600
    x = rng.normal(size=(rows, 3)) + 1e6  # an offset: covar_pop must stay exact
    frame = pd.DataFrame(
        {
            "overall": x @ [0.5, 0.3, 0.1] + rng.normal(size=rows),
            "speed": x[:, 0],
            "staff": x[:, 1],
            "price": x[:, 2],
            "zone": rng.choice(["north", "south"], rows),
        }
    )
    frame.loc[[3, 40, 41], "price"] = np.nan
    parts = write_parts(frame, tmp_path / "drivers", 3)
    columns = ["overall", "speed", "staff", "price"]
    south = frame[frame["zone"] == "south"]
    expected = drivers.cross_products(frame, columns)  # independent: numpy on the frame
    expected_south = drivers.cross_products(south, columns)
    url, name = postgres(frame)
    for table in (
        engines.open_table(parts, engine="duckdb"),
        engines.open_table(parts, engine="spark"),
        engines.open_table(url, table=name),
    ):
        assert engines.numeric_columns(table, {"overall"}) == ["speed", "staff", "price"]
        for got, want in (
            (engines.cross_products(table, columns), expected),
            (engines.cross_products(table, columns, where=("zone", "south")), expected_south),
        ):
            assert (got.n, got.rows_dropped) == (want.n, want.rows_dropped)
            np.testing.assert_allclose(got.mean, want.mean, rtol=1e-12)
            np.testing.assert_allclose(got.scatter, want.scatter, rtol=1e-12)
            assert_same_result(
                drivers.shapley(got, target="overall", predictors=columns[1:]),
                drivers.shapley(want, target="overall", predictors=columns[1:]),
            )


# --- sources --------------------------------------------------------------------------------


def test_open_table_names_an_unknown_engine_a_missing_path_and_an_unreachable_database(tmp_path):
    with pytest.raises(AnalysisInputError, match="unknown engine 'hive'"):
        engines.open_table(tmp_path, engine="hive")  # type: ignore[arg-type]
    with pytest.raises(AnalysisInputError, match="no such file or directory"):
        engines.open_table(tmp_path / "nowhere.parquet")
    with pytest.raises(AnalysisInputError, match=r"cannot connect to the database .*:1/x"):
        engines.open_table("postgres://qiwang:secret@127.0.0.1:1/x", table="answers")
    with pytest.raises(AnalysisInputError) as caught:
        engines.open_table("postgres://qiwang:secret@127.0.0.1:1/x", table="answers")
    assert "secret" not in str(caught.value)


def test_a_missing_postgres_table_and_column_are_named(postgres):
    url, name = postgres(kano_frame(rows=20))
    with pytest.raises(AnalysisInputError, match="no table 'no_such_answers'"):
        engines.open_table(url, table="no_such_answers")
    with pytest.raises(AnalysisInputError, match="not a table name"):
        engines.open_table(url, table="answers; DROP TABLE x")
    table = engines.open_table(url, table=name)
    with pytest.raises(AnalysisInputError, match=f"missing column 'wave' in {name}"):
        engines.count_kano_answers(table, segment="wave")
