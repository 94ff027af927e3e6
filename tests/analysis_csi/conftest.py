"""Fixtures of the CSI / PLS tests: the bank ``satisfaction`` data and ECSI ``mobi``."""

from __future__ import annotations

import pandas as pd
import pytest
from csi_reference import DATA, satisfaction_model

from qiwang.analysis import csi


@pytest.fixture(scope="session")
def satisfaction() -> pd.DataFrame:
    return pd.read_csv(DATA / "plspm_satisfaction.csv", index_col=0)


@pytest.fixture(scope="session")
def mobi() -> pd.DataFrame:
    return pd.read_csv(DATA / "ecsi_mobi.csv", index_col=0)


@pytest.fixture(scope="session")
def satisfaction_fit(satisfaction: pd.DataFrame) -> csi.PlsResult:
    return csi.fit(satisfaction, satisfaction_model(satisfaction), scaled=False)


@pytest.fixture(autouse=True)
def _english_command_line(monkeypatch):
    """The ``qiwang analyze`` messages follow the language (zh-hans by default); these tests
    read the English sentences, so they run the commands with QIWANG_LANGUAGE=en."""
    monkeypatch.setenv("QIWANG_LANGUAGE", "en")
