"""Reference data and models shared by the CSI / PLS tests (imported as ``csi_reference``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from qiwang.analysis import csi

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA = REPO_ROOT.parent / "shared" / "data"
REFERENCE = DATA / "reference_pls" / "plspm-python"

SATISFACTION_BLOCKS = ("IMAG", "EXPE", "QUAL", "VAL", "SAT", "LOY")
SATISFACTION_PATHS = [
    ["IMAG", "EXPE"],
    ["IMAG", "SAT"],
    ["IMAG", "LOY"],
    ["EXPE", "QUAL"],
    ["EXPE", "VAL"],
    ["EXPE", "SAT"],
    ["QUAL", "VAL"],
    ["QUAL", "SAT"],
    ["VAL", "SAT"],
    ["SAT", "LOY"],
]


def reference(name: str, **kwargs: object) -> pd.DataFrame:
    return pd.read_csv(REFERENCE / name, **kwargs)  # type: ignore[arg-type]


def satisfaction_model(satisfaction: pd.DataFrame, *, scheme: str = "centroid", mode: str = "A"):
    """R plspm's classic `satisfaction` model (plspm vignette, Sanchez 2013, ch. 5)."""
    blocks = {
        lv: [c for c in satisfaction.columns if c.startswith(lv.lower())]
        for lv in SATISFACTION_BLOCKS
    }
    return csi.ModelSpec.from_mapping(
        {
            "blocks": blocks,
            "modes": dict.fromkeys(blocks, mode),
            "paths": SATISFACTION_PATHS,
            "scheme": scheme,
            "scale": [0, 10],
        }
    )
