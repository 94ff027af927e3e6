"""``qiwang analyze kano|servqual|ipa|drivers``: output contracts and bad input."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from qiwang.cli.analyze.survey import _duckdb_input

KANO_FIELDS = {
    "attribute",
    "n",
    "counts",
    "mode",
    "category",
    "better",
    "worse",
    "total_strength",
    "category_strength",
    "fong_significant",
}


def test_kano_counts_json_contract(run_cli_json, examples):
    # given the counts example (attribute, A, O, M, I, R, Q)
    payload = run_cli_json("analyze", "kano", "--counts", examples / "kano_counts.csv")
    # then every attribute carries at least the documented fields, numbers unrounded
    frame = pd.read_csv(examples / "kano_counts.csv")
    assert [item["attribute"] for item in payload["attributes"]] == sorted(frame["attribute"])
    for item in payload["attributes"]:
        assert set(item) >= KANO_FIELDS
        assert set(item["counts"]) == {"A", "O", "M", "I", "R", "Q"}
        row = frame.set_index("attribute").loc[item["attribute"]]
        core = row["A"] + row["O"] + row["M"] + row["I"]
        assert item["n"] == int(row.sum())
        assert item["better"] == (row["A"] + row["O"]) / core
        assert item["worse"] == -(row["O"] + row["M"]) / core
        assert 0.0 <= item["total_strength"] <= 1.0
        assert isinstance(item["fong_significant"], bool)


def test_kano_long_wide_and_parquet_agree(run_cli_json, examples, tmp_path):
    long = pd.read_csv(examples / "kano_long.csv")
    wave1 = long[long["wave"] == 1]
    parquet = tmp_path / "wave1.parquet"
    wave1.to_parquet(parquet)
    from_parquet = run_cli_json("analyze", "kano", parquet, "--importance", "importance")
    from_wide = run_cli_json("analyze", "kano", examples / "kano_wide.csv")
    assert from_parquet == from_wide


def test_kano_waves_flag_the_falling_attribute(run_cli_json, examples):
    payload = run_cli_json("analyze", "kano", examples / "kano_long.csv", "--wave", "wave")
    assert [wave["wave"] for wave in payload["waves"]] == ["1", "2"]
    (comparison,) = payload["comparisons"]
    falling = [change["attribute"] for change in comparison["changes"] if change["is_falling"]]
    assert falling == ["快递代收"]  # built into the example: A in wave 1, O in wave 2


def test_kano_table_output_names_categories(run_cli, examples):
    code, out, _ = run_cli("analyze", "kano", examples / "kano_long.csv", "--by", "tier")
    assert code == 0
    assert "Kano analysis" in out and "快递代收" in out and "gold" in out


@pytest.mark.parametrize(
    ("content", "args", "expected"),
    [
        (
            "attribute,functional,dysfunctional\nwifi,like,dislike\nwifi,maybe,dislike\n",
            [],
            "row 2, column 'functional': 'maybe' is not an answer",
        ),
        (
            "attribute,functional\nwifi,like\n",
            [],
            "column 'dysfunctional': missing column",
        ),
        (
            "attribute,functional,dysfunctional,imp\nwifi,like,dislike,5\nwifi,like,dislike,x\n",
            ["--importance", "imp"],
            "row 2, column 'imp'",
        ),
        ("", [], "the file is empty"),
        ("attribute,A,O,M,I,R,Q\nwifi,1,2,three,0,0,0\n", ["--counts"], "row 1, column 'M'"),
    ],
    ids=["unknown-label", "missing-column", "non-numeric", "empty-file", "bad-count"],
)
def test_kano_bad_input_exits_2_with_one_clear_message(run_cli, tmp_path, content, args, expected):
    path = tmp_path / "input.csv"
    path.write_text(content, encoding="utf-8")
    code, out, err = run_cli("analyze", "kano", path, *args, "--json")
    assert code == 2
    assert out == ""
    assert expected in err
    assert len(err.strip().splitlines()) == 1


def test_kano_help_documents_layouts(run_cli):
    code, out, _ = run_cli("analyze", "kano", "--help")
    assert code == 0
    for word in ("long", "wide", "--counts", "--by", "--wave", "--json", "kano_long.csv"):
        assert word in out


def test_kano_json_is_valid_without_nan(run_cli, tmp_path):
    # An attribute with only R and Q answers has no Better / Worse: JSON null, not NaN.
    path = tmp_path / "odd.csv"
    path.write_text("attribute,A,O,M,I,R,Q\nodd,0,0,0,0,3,1\n", encoding="utf-8")
    code, out, _ = run_cli("analyze", "kano", "--counts", path, "--json")
    assert code == 0
    item = json.loads(out)["attributes"][0]
    assert item["better"] is None and item["worse"] is None


# --- drivers ----------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["shapley", "relative-weights"])
def test_drivers_json_contract_on_swiss(run_cli_json, shared_data, method):
    # given R's swiss data (first column: province names, ignored as non-numeric)
    payload = run_cli_json(
        "analyze",
        "drivers",
        shared_data / "r_datasets_swiss.csv",
        "--target",
        "Fertility",
        "--method",
        method,
    )
    # then raw weights that sum to R² (0.7067, R's summary(lm(Fertility ~ ., swiss)))
    assert set(payload) >= {"r2", "drivers"}
    assert round(payload["r2"], 4) == 0.7067
    names = [driver["name"] for driver in payload["drivers"]]
    assert names == ["Agriculture", "Examination", "Education", "Catholic", "Infant.Mortality"]
    assert all(set(driver) >= {"name", "weight"} for driver in payload["drivers"])
    assert sum(driver["weight"] for driver in payload["drivers"]) == pytest.approx(payload["r2"])


def test_drivers_predictors_option_matches_published_lmg(run_cli_json, shared_data):
    # relaimpo lmg for mpg ~ am + vs + cyl (published in the domir README, see test_drivers.py)
    payload = run_cli_json(
        "analyze",
        "drivers",
        shared_data / "r_datasets_mtcars.csv",
        "--target",
        "mpg",
        "--predictors",
        "am,vs,cyl",
    )
    assert [round(d["weight"], 7) for d in payload["drivers"]] == [0.1774892, 0.2027032, 0.3817849]


def test_drivers_by_segment(run_cli_json, examples):
    payload = run_cli_json(
        "analyze", "drivers", examples / "drivers.csv", "--target", "overall", "--by", "tier"
    )
    assert [segment["segment"] for segment in payload["segments"]] == ["gold", "silver", "standard"]


@pytest.mark.parametrize(
    ("content", "args", "expected"),
    [
        ("y,a,b\n1,2,3\n2,x,4\n3,4,4\n4,5,7\n", [], "row 2, column 'a': 'x' is not a number"),
        ("y,a,b\n1,2,3\n2,2,4\n3,2,4\n4,2,7\n", [], "column 'a': the column is constant"),
        ("y,a\n1,2\n2,3\n", ["--predictors", "a,zz"], "column 'zz': missing column"),
        ("y,a\n", [], "has no data rows"),
    ],
    ids=["non-numeric", "constant", "missing-column", "no-rows"],
)
def test_drivers_bad_input_exits_2(run_cli, tmp_path, content, args, expected):
    path = tmp_path / "input.csv"
    path.write_text(content, encoding="utf-8")
    code, out, err = run_cli("analyze", "drivers", path, "--target", "y", *args, "--json")
    assert (code, out) == (2, "")
    assert expected in err
    assert len(err.strip().splitlines()) == 1


def test_drivers_unknown_method_exits_2(run_cli, examples):
    code, out, err = run_cli(
        "analyze", "drivers", examples / "drivers.csv", "--target", "overall", "--method", "x"
    )
    assert (code, out) == (2, "")
    assert "--method must be one of shapley, relative-weights" in err


# --- servqual and ipa -------------------------------------------------------------------------


def test_servqual_long_and_wide_examples_agree(run_cli_json, examples):
    long = run_cli_json("analyze", "servqual", examples / "servqual_long.csv", "--by", "branch")
    wide = run_cli_json("analyze", "servqual", examples / "servqual_wide.csv", "--by", "branch")
    for level in ("items", "dimensions", "overall"):
        assert [(s["segment"], s["n"]) for s in long[level]] == [
            (s["segment"], s["n"]) for s in wide[level]
        ]
        assert [s["gap"] for s in long[level]] == pytest.approx([s["gap"] for s in wide[level]])
    assert wide["weighted"] and not long["weighted"]  # only the wide example has points
    dimension = wide["dimensions"][0]
    assert set(dimension) >= {"dimension", "expectation_mean", "perception_mean", "gap", "ratio"}
    assert dimension["gap_low"] < dimension["gap"] < dimension["gap_high"]


def test_servqual_custom_instrument(run_cli_json, tmp_path):
    (tmp_path / "instrument.csv").write_text(
        "item,dimension\nq1,speed\nq2,speed\nq3,care\n", encoding="utf-8"
    )
    (tmp_path / "answers.csv").write_text(
        "respondent,item,expectation,perception\n1,q1,7,5\n1,q3,6,6\n2,q1,6,6\n2,q2,5,6\n",
        encoding="utf-8",
    )
    payload = run_cli_json(
        "analyze", "servqual", tmp_path / "answers.csv", "--instrument", tmp_path / "instrument.csv"
    )
    assert [d["dimension"] for d in payload["dimensions"]] == ["speed", "care"]


def test_servqual_unknown_item_exits_2(run_cli, tmp_path):
    path = tmp_path / "answers.csv"
    path.write_text(
        "respondent,item,expectation,perception\n1,REL1,7,5\n1,XYZ9,6,6\n", encoding="utf-8"
    )
    code, out, err = run_cli("analyze", "servqual", path, "--json")
    assert (code, out) == (2, "")
    assert "row 2, column 'item': 'XYZ9' is not an item of the instrument" in err


def test_ipa_quadrants_on_the_example(run_cli_json, examples):
    payload = run_cli_json(
        "analyze", "ipa", examples / "ipa_wide.csv", "--crosshair", "midpoint", "--scale", "1,7"
    )
    quadrants = {a["attribute"]: a["quadrant"] for a in payload["attributes"]}
    assert quadrants["报修响应速度"] == "concentrate here"  # built in: important, rated low
    assert quadrants["小区绿化"] == "possible overkill"
    assert payload["importance_crosshair"] == {"": 4.0}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--importance", "derived"], "--importance derived needs --overall COLUMN"),
        (["--crosshair", "midpoint"], "--crosshair midpoint needs --scale LOW,HIGH"),
        (["--scale", "seven"], "--scale must be LOW,HIGH"),
    ],
)
def test_ipa_option_errors_exit_2(run_cli, examples, args, expected):
    code, out, err = run_cli("analyze", "ipa", examples / "ipa_wide.csv", *args)
    assert (code, out) == (2, "")
    assert expected in err


def test_every_command_documents_its_example_file(run_cli, examples):
    for command, example in (
        ("kano", "kano_long.csv"),
        ("servqual", "servqual_long.csv"),
        ("ipa", "ipa_wide.csv"),
        ("drivers", "drivers.csv"),
    ):
        code, out, _ = run_cli("analyze", command, "--help")
        assert code == 0 and example in out
        assert (examples / example).is_file()


def _assert_json_close(a, b, path="$"):
    """Equal JSON payloads, numbers to 1e-9 (DuckDB and pandas sum in different orders)."""
    if isinstance(a, dict):
        assert set(a) == set(b), path
        for key in a:
            _assert_json_close(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for k, (x, y) in enumerate(zip(a, b, strict=True)):
            _assert_json_close(x, y, f"{path}[{k}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert a == pytest.approx(b, rel=1e-9, abs=1e-9, nan_ok=True), path
    else:
        assert a == b, path


def _as(frame: pd.DataFrame, directory, suffix: str):
    path = directory / f"input.{suffix}"
    if suffix == "csv":
        frame.to_csv(path, index=False)
    elif suffix == "parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_excel(path, index=False)
    return path


def test_drivers_from_csv_and_parquet_in_duckdb_equal_xlsx_in_pandas(
    run_cli_json, examples, tmp_path
):
    # given the drivers example as CSV and Parquet (stage 1 in DuckDB) and XLSX (pandas)
    frame = pd.read_csv(examples / "drivers.csv")
    paths = {suffix: _as(frame, tmp_path, suffix) for suffix in ("csv", "parquet", "xlsx")}
    assert _duckdb_input(paths["csv"]) is not None  # the DuckDB path is taken
    assert _duckdb_input(paths["parquet"]) is not None
    assert _duckdb_input(paths["xlsx"]) is None
    args = ("--target", "overall", "--by", "tier", "--method", "relative-weights")
    payloads = {
        suffix: run_cli_json("analyze", "drivers", path, *args) for suffix, path in paths.items()
    }
    # then the three agree (default predictors: every other numeric column)
    _assert_json_close(payloads["xlsx"], payloads["csv"])
    _assert_json_close(payloads["xlsx"], payloads["parquet"])
    assert [d["name"] for d in payloads["csv"]["segments"][0]["drivers"]] == [
        "speed", "staff", "price", "cleanliness", "app"
    ]  # fmt: skip


def test_servqual_long_with_points_in_duckdb_equals_pandas(run_cli_json, examples, tmp_path):
    # given the long example with importance points per respondent (the wide example's points)
    long = pd.read_csv(examples / "servqual_long.csv")
    wide = pd.read_csv(examples / "servqual_wide.csv")
    points = [c for c in wide.columns if c.endswith("_W")]
    long = long.merge(wide[["respondent", *points]], on="respondent")
    # when analysed from CSV (DuckDB) and XLSX (pandas)
    from_csv = run_cli_json("analyze", "servqual", _as(long, tmp_path, "csv"), "--by", "branch")
    from_xlsx = run_cli_json("analyze", "servqual", _as(long, tmp_path, "xlsx"), "--by", "branch")
    # then the results are the same, weighted score included
    _assert_json_close(from_xlsx, from_csv)
    assert len(from_csv["weighted"]) == 2


def test_ipa_long_in_duckdb_equals_pandas(run_cli_json, tmp_path):
    frame = pd.DataFrame(
        {
            "attribute": ["speed", "price", "staff"] * 4,
            "performance": [5, 3, 4, 4, 2, 5, 3, 3, 4, 5, 2, 5],
            "importance": [6, 4, 5, 7, 5, 5, 6, 3, 4, 7, 4, 6],
            "branch": ["north"] * 6 + ["south"] * 6,
        }
    )
    args = ("--by", "branch")
    from_parquet = run_cli_json("analyze", "ipa", _as(frame, tmp_path, "parquet"), *args)
    from_xlsx = run_cli_json("analyze", "ipa", _as(frame, tmp_path, "xlsx"), *args)
    _assert_json_close(from_xlsx, from_parquet)


def test_gb18030_csv_is_left_to_pandas(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes("attribute,performance\n速度,5\n".encode("gb18030"))
    assert _duckdb_input(path) is None


def test_ipa_json_names_a_constant_overall_rating_without_a_traceback(run_cli, tmp_path):
    # issue 18: a constant overall rating made `ipa --importance derived --json` crash (exit 1)
    wide = pd.DataFrame({"speed_P": [1, 2, 3, 4], "decor_P": [4, 3, 3, 1], "overall": [5] * 4})
    path = tmp_path / "constant.csv"
    wide.to_csv(path, index=False)
    code, out, err = run_cli(
        "analyze", "ipa", path, "--importance", "derived", "--overall", "overall", "--json"
    )
    assert code == 2
    assert out == ""
    assert "overall rating is constant" in err
    assert "Traceback" not in err


def test_ipa_json_gives_no_quadrant_to_a_constant_performance(run_cli_json, tmp_path):
    wide = pd.DataFrame(
        {"speed_P": [1, 2, 3, 4, 5], "decor_P": [4] * 5, "overall": [1, 3, 3, 4, 5]}
    )
    path = tmp_path / "flat.csv"
    wide.to_csv(path, index=False)
    payload = run_cli_json(
        "analyze", "ipa", path, "--importance", "derived", "--overall", "overall"
    )
    decor = {a["attribute"]: a for a in payload["attributes"]}["decor"]
    assert decor["quadrant"] is None and decor["importance"] is None
    assert "performance is constant" in decor["note"]
    assert payload["warnings"] == [decor["note"]]
