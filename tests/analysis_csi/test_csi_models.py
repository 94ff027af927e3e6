"""Model specifications: YAML/JSON parsing, presets, identification checks."""

from __future__ import annotations

import json

import pytest
from csi_reference import DATA, REPO_ROOT

from qiwang.analysis import csi

MOBI_COLUMNS = [
    "CUEX1", "CUEX2", "CUEX3", "CUSA1", "CUSA2", "CUSA3", "CUSCO", "CUSL1", "CUSL2", "CUSL3",
    "IMAG1", "IMAG2", "IMAG3", "IMAG4", "IMAG5", "PERQ1", "PERQ2", "PERQ3", "PERQ4", "PERQ5",
    "PERQ6", "PERQ7", "PERV1", "PERV2",
]  # fmt: skip


def test_minimal_yaml_format_with_defaults(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(
        "blocks:\n  Image: [IMAG1, IMAG2, IMAG3, IMAG4, IMAG5]\n  Expectation: [CUEX1, CUEX2, CUEX3]\n"
        "modes: {Image: A}\npaths:\n  - [Image, Expectation]\nscheme: path\n",
        encoding="utf-8",
    )
    model = csi.ModelSpec.from_file(path)
    assert model.latent_variables == ("Image", "Expectation")
    assert model.modes == {"Image": "A", "Expectation": "A"}
    assert model.paths == (("Image", "Expectation"),)
    assert model.scheme == "path"
    assert model.scale is None
    assert model.name == "m"


def test_json_with_from_to_objects(tmp_path):
    path = tmp_path / "m.json"
    spec = {
        "blocks": {"A": ["a1"], "B": ["b1", "b2"]},
        "modes": {"B": "b"},
        "paths": [{"from": "A", "to": "B"}],
        "scale": {"min": 1, "max": 7},
    }
    path.write_text(json.dumps(spec), encoding="utf-8")
    model = csi.ModelSpec.from_file(path)
    assert model.modes["B"] == "B"
    assert model.scale == (1.0, 7.0)


def test_ecsi_preset_is_tenenhaus_2005():
    model = csi.preset("ecsi", MOBI_COLUMNS)
    assert model.latent_variables == (
        "Image", "Expectation", "Quality", "Value", "Satisfaction", "Complaints", "Loyalty"
    )  # fmt: skip
    assert model.blocks["Quality"] == tuple(f"PERQ{i}" for i in range(1, 8))
    assert model.blocks["Complaints"] == ("CUSCO",)
    assert len(model.paths) == 12
    assert ("Complaints", "Loyalty") in model.paths
    assert model.scale == (1.0, 10.0)
    assert model.target_variable == "Satisfaction"


def test_acsi_preset_is_fornell_1996():
    model = csi.preset("acsi", MOBI_COLUMNS)
    assert "Image" not in model.blocks
    assert set(model.paths) == {
        ("Expectation", "Quality"), ("Expectation", "Value"), ("Expectation", "Satisfaction"),
        ("Quality", "Value"), ("Quality", "Satisfaction"), ("Value", "Satisfaction"),
        ("Satisfaction", "Complaints"), ("Satisfaction", "Loyalty"), ("Complaints", "Loyalty"),
    }  # fmt: skip


def test_default_target_is_the_last_sink():
    model = csi.ModelSpec.from_mapping(
        {"blocks": {"A": ["a"], "B": ["b"], "C": ["c"]}, "paths": [["A", "B"], ["B", "C"]]}
    )
    assert model.target_variable == "C"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"blocks": {"A": ["a"]}, "paths": []}, "at least two latent variables"),
        ({"blocks": {"A": ["a"], "B": []}, "paths": [["A", "B"]]}, "'B' has no indicators"),
        ({"blocks": {"A": ["a"], "B": ["a"]}, "paths": [["A", "B"]]}, "used by both"),
        ({"blocks": {"A": ["a"], "B": ["b"]}, "paths": [["A", "A"]]}, "points to itself"),
        ({"blocks": {"A": ["a"], "B": ["b"]}, "paths": []}, "no paths"),
        (
            {
                "blocks": {"A": ["a"], "B": ["b"], "C": ["c"]},
                "paths": [["A", "B"], ["B", "C"], ["C", "A"]],
            },
            "cycle (A -> B -> C -> A)",
        ),
        (
            {"blocks": {"A": ["a"], "B": ["b"]}, "paths": [["A", "B"]], "modes": {"A": "C"}},
            "must be A or B",
        ),
        ({"blocks": {"A": ["a"], "B": ["b"]}, "paths": [["A", "B"]], "scale": [5, 1]}, "min < max"),
        ({"blocks": {"A": ["a"], "B": ["b"]}, "paths": [["A", "B"]], "target": "Z"}, "target 'Z'"),
        (
            {"blocks": {"A": ["a"], "B": ["b"]}, "paths": [["A", "B"]], "colour": 1},
            "unknown key 'colour'",
        ),
        ({"blocks": {"A": ["a"], "B": ["b"]}, "paths": [["A", "B", "C"]]}, "[from, to] pair"),
    ],
)
def test_models_that_cannot_be_estimated_are_refused(spec, message):
    with pytest.raises(csi.ModelError) as error:
        csi.ModelSpec.from_mapping(spec)
    assert message in str(error.value)


def test_example_models_parse():
    for path in sorted((REPO_ROOT / "examples" / "csi").glob("*.*")):
        model = csi.ModelSpec.from_file(path)
        assert len(model.paths) >= 4, path


def test_unparseable_model_file(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("blocks: [unclosed", encoding="utf-8")
    with pytest.raises(csi.ModelError, match="cannot parse"):
        csi.ModelSpec.from_file(path)


def test_data_sets_exist():
    assert (DATA / "ecsi_mobi.csv").is_file()
