"""``qiwang analyze csi``: report, JSON contract, bad input → one message and exit code 2."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from csi_reference import DATA, REFERENCE, REPO_ROOT
from typer.testing import CliRunner

from qiwang.cli import app

EXAMPLES = REPO_ROOT / "examples" / "csi"
MOBI = DATA / "ecsi_mobi.csv"
SATISFACTION = DATA / "plspm_satisfaction.csv"


def run(*args: object) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["analyze", "csi", *[str(a) for a in args]])
    return result.exit_code, result.stdout, result.stderr


def run_json(*args: object) -> dict:
    code, out, err = run(*args, "--json")
    assert code == 0, err
    return json.loads(out)


def test_report_shows_paths_r2_reliability_and_index():
    code, out, err = run(MOBI, "--model", "ecsi")
    assert code == 0, err
    for heading in ("Paths", "R²", "Reliability", "Index 0–100", "GoF"):
        assert heading in out
    assert "Satisfaction" in out and "Loyalty" in out


def test_json_contract_without_bootstrap_has_null_intervals():
    payload = run_json(MOBI, "--model", "ecsi")
    assert {"paths", "r2", "outer_weights", "loadings", "index"} <= set(payload)
    first = payload["paths"][0]
    assert {"from", "to", "estimate", "ci_low", "ci_high"} <= set(first)
    assert all(p["ci_low"] is None and p["ci_high"] is None for p in payload["paths"])
    assert len(payload["paths"]) == 12
    assert set(payload["r2"]) == {
        "Expectation",
        "Quality",
        "Value",
        "Satisfaction",
        "Complaints",
        "Loyalty",
    }
    assert set(payload["outer_weights"]["Image"]) == {f"IMAG{i}" for i in range(1, 6)}
    assert all(0 < v < 100 for v in payload["index"].values())


def test_json_with_bootstrap_has_intervals_around_the_estimates():
    payload = run_json(MOBI, "--model", "ecsi", "--bootstrap", "100", "--seed", "3")
    for p in payload["paths"]:
        assert p["ci_low"] < p["estimate"] < p["ci_high"]
    assert payload["bootstrap"]["resamples"] == 100
    assert payload["bootstrap"]["seed"] == 3


def test_yaml_model_unscaled_centroid_reproduces_r_plspm():
    # given the example YAML of R plspm's satisfaction model
    payload = run_json(SATISFACTION, "--model", EXAMPLES / "satisfaction.yaml", "--unscaled")
    expected = pd.read_csv(REFERENCE / "satisfaction.outer-model.csv", index_col=0)
    weights = {k: v for block in payload["outer_weights"].values() for k, v in block.items()}
    actual = pd.Series(weights).loc[expected.index]
    np.testing.assert_allclose(actual, expected["weight"], atol=1e-9)
    assert payload["scheme"] == "centroid"


def test_json_model_file_and_scheme_option():
    payload = run_json(MOBI, "--model", EXAMPLES / "mobi-basic.json", "--scheme", "factorial")
    assert payload["scheme"] == "factorial"
    assert payload["model"]["modes"]["Quality"] == "B"


def test_example_ecsi_yaml_equals_the_preset():
    from_file = run_json(MOBI, "--model", EXAMPLES / "ecsi.yaml")
    preset = run_json(MOBI, "--model", "ecsi")
    assert from_file["paths"] == preset["paths"]
    assert from_file["index"] == preset["index"]


def test_parquet_input_equals_csv(tmp_path):
    path = tmp_path / "mobi.parquet"
    pd.read_csv(MOBI, index_col=0).to_parquet(path)
    from_parquet = run_json(path, "--model", "acsi")["paths"]
    from_csv = run_json(MOBI, "--model", "acsi")["paths"]
    assert [(p["from"], p["to"]) for p in from_parquet] == [(p["from"], p["to"]) for p in from_csv]
    np.testing.assert_allclose(
        [p["estimate"] for p in from_parquet], [p["estimate"] for p in from_csv], atol=1e-12
    )


def _write(tmp_path, frame: pd.DataFrame, name: str = "data.csv"):
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def _model(tmp_path, text: str):
    path = tmp_path / "model.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _mobi() -> pd.DataFrame:
    return pd.read_csv(MOBI, index_col=0)


def test_missing_values_need_a_flag_and_are_reported(tmp_path):
    frame = _mobi().astype(float)
    frame.loc[[3, 10], "CUEX2"] = np.nan
    path = _write(tmp_path, frame)
    # without a flag: exit 2 and a message that names the column and the flags
    code, out, err = run(path, "--model", "ecsi")
    assert code == 2 and out == ""
    assert "CUEX2" in err and "--missing" in err
    # with a flag: the handling is reported
    listwise = run_json(path, "--model", "ecsi", "--missing", "listwise")
    assert listwise["n"] == 248
    assert listwise["missing"]["rows_dropped"] == 2
    mean = run_json(path, "--model", "ecsi", "--missing", "mean")
    assert mean["n"] == 250
    assert mean["missing"]["values_imputed"] == 2
    code, out, _ = run(path, "--model", "ecsi", "--missing", "mean")
    assert "Mean imputation replaced 2 missing values" in out


BLOCKS = """
blocks:
  Image: [IMAG1, IMAG2, IMAG3]
  Expectation: [CUEX1, CUEX2, CUEX3]
  Loyalty: [CUSL1, CUSL2, CUSL3]
"""


@pytest.mark.parametrize(
    ("model_text", "needle"),
    [
        (
            BLOCKS + "paths: [[Image, Expectation], [Expectation, Loyalty], [Loyalty, Image]]",
            "cycle",
        ),
        (
            BLOCKS + "  Value: []\npaths: [[Image, Expectation], [Expectation, Value]]",
            "'Value' has no indicators",
        ),
        (
            BLOCKS.replace("CUSL3", "CUSL9") + "paths: [[Image, Loyalty], [Expectation, Loyalty]]",
            "CUSL9",
        ),
        (BLOCKS + "paths: [[Image, Expectation]]", "'Loyalty' is not connected"),
        (BLOCKS + "paths: [[Image, Satisfaction]]", "'Satisfaction' has no block"),
        (BLOCKS + "paths: [[Image, Loyalty]]\nscheme: magic", "scheme must be one of"),
        ("blocks: [a, b]", "'blocks' must map"),
    ],
)
def test_unidentified_or_malformed_models_exit_2(tmp_path, model_text, needle):
    code, out, err = run(MOBI, "--model", _model(tmp_path, model_text))
    assert code == 2
    assert out == ""
    assert needle in err
    assert len(err.strip().splitlines()) <= 2  # one message (rich may wrap it once)


def test_constant_indicator_exits_2(tmp_path):
    frame = _mobi()
    frame["CUEX2"] = 7
    code, out, err = run(_write(tmp_path, frame), "--model", "ecsi")
    assert code == 2 and out == ""
    assert "CUEX2" in err and "constant" in err


def test_singular_formative_block_exits_2(tmp_path):
    frame = _mobi()
    frame["PERQ8"] = frame["PERQ1"] + frame["PERQ2"]
    model = _model(
        tmp_path,
        "blocks:\n  Quality: [PERQ1, PERQ2, PERQ8]\n  Loyalty: [CUSL1, CUSL2, CUSL3]\n"
        "modes: {Quality: B}\npaths: [[Quality, Loyalty]]\n",
    )
    code, out, err = run(_write(tmp_path, frame), "--model", model)
    assert code == 2 and out == ""
    assert "singular" in err and "Quality" in err


def test_non_convergence_exits_2():
    code, out, err = run(MOBI, "--model", "ecsi", "--max-iterations", "1")
    assert code == 2 and out == ""
    assert "did not converge in 1 iterations" in err


def test_non_numeric_value_names_row_and_column(tmp_path):
    frame = _mobi().astype(object)
    frame.iloc[4, frame.columns.get_loc("IMAG3")] = "seven"
    code, out, err = run(_write(tmp_path, frame), "--model", "ecsi")
    assert code == 2 and out == ""
    assert "row 5" in err and "IMAG3" in err and "'seven'" in err


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--model", "scsi"], "must be one of ecsi, acsi"),
        (["--model", "nowhere.yaml"], "no such model file"),
        (["--model", "ecsi", "--scale-min", "1"], "--scale-max"),
        (["--model", "ecsi", "--scale-min", "5", "--scale-max", "1"], "must exceed"),
        (["--model", "ecsi", "--bootstrap", "1"], "at least 2"),
    ],
)
def test_bad_options_exit_2(args, needle):
    code, out, err = run(MOBI, *args)
    assert code == 2 and out == ""
    assert needle in err


def test_missing_data_file_exits_2(tmp_path):
    code, out, err = run(tmp_path / "nothing.csv", "--model", "ecsi")
    assert code == 2 and "no such file" in err


def test_preset_on_data_without_its_items_exits_2():
    code, out, err = run(SATISFACTION, "--model", "ecsi")
    assert code == 2
    assert "no indicator columns for 'Expectation'" in err


@pytest.mark.parametrize("bootstrap", [[], ["--bootstrap", "50"]])
def test_non_numeric_value_in_parquet_names_row_and_column(tmp_path, bootstrap):
    # given a Parquet file whose IMAG3 column is text with one word among the numbers
    frame = _mobi()
    frame["IMAG3"] = frame["IMAG3"].astype(str)
    frame.iloc[4, frame.columns.get_loc("IMAG3")] = "seven"
    path = tmp_path / "mobi.parquet"
    frame.to_parquet(path)
    # when fitted (DuckDB moments) or bootstrapped (streamed pass)
    code, out, err = run(path, "--model", "ecsi", *bootstrap)
    # then one message names the row, the column and the value
    assert code == 2 and out == ""
    assert "row 5" in err and "IMAG3" in err and "'seven'" in err


@pytest.mark.parametrize("bootstrap", [[], ["--bootstrap", "50"]])
def test_constant_indicator_and_missing_values_in_parquet_exit_2(tmp_path, bootstrap):
    frame = _mobi().astype(float)
    frame["CUEX2"] = 7.0
    constant = tmp_path / "constant.parquet"
    frame.to_parquet(constant)
    code, out, err = run(constant, "--model", "ecsi", *bootstrap)
    assert code == 2 and out == "" and "CUEX2" in err and "constant" in err
    holes = _mobi().astype(float)
    holes.loc[[3, 10], "CUEX2"] = np.nan
    path = tmp_path / "holes.parquet"
    holes.to_parquet(path)
    code, out, err = run(path, "--model", "ecsi", *bootstrap)
    assert code == 2 and out == "" and "--missing" in err
    listwise = run_json(path, "--model", "ecsi", "--missing", "listwise", *bootstrap)
    assert listwise["n"] == 248


def test_help_documents_the_model_format_with_a_model_that_parses():
    import yaml

    from qiwang.analysis import csi
    from qiwang.cli.analyze.csi import CSI_HELP

    block = CSI_HELP.split("\b\n")[1].split("\n\n")[0]  # click keeps \b blocks verbatim
    model = csi.ModelSpec.from_mapping(yaml.safe_load(block))
    assert model.paths == (("Image", "Loyalty"),)
    assert model.scale == (1.0, 10.0)
    code, out, _ = run("--help")
    assert code == 0 and "blocks:" in out and "--bootstrap" in out
