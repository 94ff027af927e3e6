"""Framework-free analysis: statistics from sufficient statistics.

Nothing in this package imports Django (``tests/test_architecture.py`` enforces it).
Every method has two stages: an aggregation into small summaries that runs where the data
lives (pandas, DuckDB, SQL), then exact numpy math on the summaries returning frozen
dataclasses.

The methods live in public submodules, imported on first use::

    from qiwang.analysis import kano, servqual, satisfaction, ipa, drivers
    from qiwang.analysis import promise, surprise, expectations, text
"""

from __future__ import annotations

import importlib
from types import ModuleType

from qiwang.analysis._errors import AnalysisInputError
from qiwang.analysis._scales import FIVE_LEVEL, KANO_ANSWERS, SEVEN_LEVEL, LabelledScale

__all__ = [
    "FIVE_LEVEL",
    "KANO_ANSWERS",
    "SEVEN_LEVEL",
    "AnalysisInputError",
    "LabelledScale",
    "drivers",
    "expectations",
    "ipa",
    "kano",
    "promise",
    "satisfaction",
    "servqual",
    "surprise",
    "text",
]

_SUBMODULES = frozenset(
    {
        "csi",
        "drivers",
        "expectations",
        "ipa",
        "kano",
        "promise",
        "satisfaction",
        "servqual",
        "surprise",
        "text",
    }
)


def __getattr__(name: str) -> ModuleType:
    """Import the method submodules lazily (``qiwang.analysis.kano`` …)."""
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
