"""Weighted SERVQUAL (importance points) on DuckDB, Spark and PostgreSQL equals the pandas path
(``servqual.summarize(weights=…)``, which shares no SQL with the portable stage 1), and the rule
the engines add — a respondent's points the same on each of their rows — names who breaks it."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from tests.analysis.test_engines import INSTRUMENT, servqual_frame, write_parts

from qiwang.analysis import engines, servqual
from qiwang.analysis._errors import AnalysisInputError

WEIGHTS = {"speed": "speed_W", "care": "care_W"}


def weighted_frame(seed: int = 11) -> pd.DataFrame:
    """servqual_frame with points per respondent (repeated on every row of the respondent; some
    respondents leave them out, one segment spends them differently)."""
    frame = servqual_frame()
    rng = np.random.default_rng(seed)
    respondents = frame["respondent"].unique()
    speed = {r: float(rng.integers(0, 101)) for r in respondents}
    silent = set(rng.choice(respondents, 10, replace=False))
    frame["speed_W"] = [np.nan if r in silent else speed[r] for r in frame["respondent"]]
    frame["care_W"] = [np.nan if r in silent else 100 - speed[r] for r in frame["respondent"]]
    return frame


def _tables(frame: pd.DataFrame, tmp_path, postgres) -> list[Any]:
    parts = write_parts(frame, tmp_path / "weighted", 3)
    url, name = postgres(frame)
    return [
        engines.open_table(parts, engine="duckdb"),
        engines.open_table(parts, engine="spark"),
        engines.open_table(url, table=name),
    ]


def test_weighted_servqual_on_every_engine_equals_pandas(tmp_path, spark, postgres):
    frame = weighted_frame()
    options: dict[str, Any] = {"instrument": INSTRUMENT, "segment": "zone", "weights": WEIGHTS}
    reference = servqual.summarize(frame, **options)
    expected = servqual.analyze_sums(reference).to_dict()
    assert expected["weighted"] and expected["weights"]

    for table in _tables(frame, tmp_path, postgres):
        sums = engines.summarize_servqual(table, **options)
        np.testing.assert_array_equal(sums.weighted.n, reference.weighted.n)
        np.testing.assert_array_equal(sums.weights.n, reference.weights.n)
        np.testing.assert_allclose(sums.weights.total, reference.weights.total, rtol=1e-12)
        got = servqual.analyze_sums(sums).to_dict()
        for key in ("weighted", "weights"):
            assert len(got[key]) == len(expected[key])
            for mine, theirs in zip(got[key], expected[key], strict=True):
                for name, value in theirs.items():
                    if isinstance(value, float):
                        assert mine[name] == pytest.approx(value, rel=1e-12, abs=1e-9), name
                    else:
                        assert mine[name] == value, name


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("differ", "differ between their rows (40 and 60)"),
        ("sum", "importance points sum to 90, not 100 (respondent 'r1')"),
        ("negative", "importance points must not be negative (respondent 'r1')"),
    ],
)
def test_bad_points_name_the_respondent_and_column_on_every_engine(
    change, message, tmp_path, spark, postgres
):
    frame = weighted_frame()
    rows = frame["respondent"] == "r1"
    if change == "differ":
        frame.loc[rows, ["speed_W", "care_W"]] = (60.0, 40.0)
        frame.loc[frame.index[rows][0], ["speed_W", "care_W"]] = (40.0, 60.0)
    elif change == "sum":
        frame.loc[rows, ["speed_W", "care_W"]] = (50.0, 40.0)
    else:
        frame.loc[rows, ["speed_W", "care_W"]] = (-10.0, 110.0)
    for table in _tables(frame, tmp_path, postgres):
        with pytest.raises(
            AnalysisInputError, match=message.replace("(", r"\(").replace(")", r"\)")
        ) as error:
            engines.summarize_servqual(table, instrument=INSTRUMENT, weights=WEIGHTS)
        assert error.value.column == "speed_W"


def test_the_command_line_gives_the_same_weighted_json_with_and_without_an_engine(
    tmp_path, run_cli_json, spark
):
    frame = weighted_frame().drop(columns="zone")
    csv = tmp_path / "servqual.csv"
    frame.to_csv(csv, index=False)
    instrument = tmp_path / "instrument.csv"
    pd.DataFrame(
        [
            (code, item.dimension)
            for code, item in zip(INSTRUMENT.codes, INSTRUMENT.items, strict=True)
        ],
        columns=["item", "dimension"],
    ).to_csv(instrument, index=False)
    parts = write_parts(frame, tmp_path / "parts", 3)
    expected = run_cli_json("analyze", "servqual", csv, "--instrument", instrument)
    assert expected["weighted"]

    for engine in ("duckdb", "spark"):
        got = run_cli_json(
            "analyze", "servqual", parts, "--instrument", instrument, "--engine", engine
        )
        assert [w["n"] for w in got["weighted"]] == [w["n"] for w in expected["weighted"]]
        for mine, theirs in zip(got["weighted"], expected["weighted"], strict=True):
            assert mine["gap"] == pytest.approx(theirs["gap"], rel=1e-12)
