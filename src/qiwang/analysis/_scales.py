"""Labelled answer scales: the Kano five-level answer and the 5- and 7-level satisfaction scales.

A scale maps codes ``1 … k`` to labels in Chinese and English. :meth:`LabelledScale.parse` accepts
codes (as numbers or digit strings) and every label or alias, case- and spacing-insensitively, and
raises :class:`~qiwang.analysis.AnalysisInputError` naming the row and column of the first value it
cannot read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from qiwang.analysis._errors import AnalysisInputError

__all__ = [
    "FIVE_LEVEL",
    "KANO_ANSWERS",
    "SEVEN_LEVEL",
    "LabelledScale",
    "code_of",
    "normalise_label",
]

_SPACES = re.compile(r"[\s_\-]+")


def normalise_label(value: str) -> str:
    """Return ``value`` lower-cased with runs of spaces, hyphens and underscores as one space.

    Examples
    --------
    >>> normalise_label("  Must-Be ")
    'must be'
    """
    return _SPACES.sub(" ", value.strip().lower()).strip(" .。")


@dataclass(frozen=True)
class LabelledScale:
    """An ordered answer scale with codes ``1 … levels``.

    Parameters
    ----------
    name : str
        Short name used in messages.
    labels_zh, labels_en : tuple of str
        The canonical label of each level, lowest code first.
    aliases : mapping of str to int
        Further accepted spellings (already normalised) and their codes.

    Examples
    --------
    >>> KANO_ANSWERS.parse(["like", "我很不喜欢", 3], column="functional").tolist()
    [1, 5, 3]
    >>> FIVE_LEVEL.to_score([1, 3, 5]).tolist()
    [0.0, 50.0, 100.0]
    """

    name: str
    labels_zh: tuple[str, ...]
    labels_en: tuple[str, ...]
    aliases: Mapping[str, int] = field(default_factory=dict)

    @property
    def levels(self) -> int:
        """Number of levels ``k``."""
        return len(self.labels_en)

    def lookup(self) -> dict[str, int]:
        """Every accepted normalised spelling and its code."""
        table: dict[str, int] = {}
        for code in range(1, self.levels + 1):
            table[str(code)] = code
            table[normalise_label(self.labels_zh[code - 1])] = code
            table[normalise_label(self.labels_en[code - 1])] = code
        for alias, code in self.aliases.items():
            table[normalise_label(alias)] = code
        return table

    def parse(
        self,
        values: Iterable[Any] | pd.Series[Any],
        *,
        column: str,
        row_numbers: npt.NDArray[np.int64] | None = None,
    ) -> npt.NDArray[np.int8]:
        """Read answers as codes ``1 … k``.

        Parameters
        ----------
        values : iterable or pandas.Series
            Codes, digit strings or labels. Missing values are errors.
        column : str
            Column name, for messages.
        row_numbers : numpy.ndarray, optional
            1-based data-row number of each value, for messages (default ``1, 2, …``).

        Returns
        -------
        numpy.ndarray of int8
            The codes.

        Raises
        ------
        AnalysisInputError
            At the first value that is missing or not on the scale.
        """
        series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
        rows = (
            row_numbers
            if row_numbers is not None
            else np.arange(1, len(series) + 1, dtype=np.int64)
        )
        if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(
            series.dtype
        ):
            numbers = series.to_numpy(dtype=np.float64, na_value=np.nan)
            good = np.isin(numbers, np.arange(1, self.levels + 1, dtype=np.float64))
            if not good.all():
                at = int(np.flatnonzero(~good)[0])
                raise AnalysisInputError(
                    f"{_describe(series.iloc[at])} is not an answer on the {self.name} scale "
                    f"(codes 1–{self.levels} or labels {', '.join(self.labels_en)})",
                    column=column,
                    row=int(rows[at]),
                )
            return numbers.astype(np.int8)
        table = self.lookup()
        # Map each distinct value once: answer columns have few distinct values.
        codes_of_distinct: dict[Any, int] = {}
        uniques = pd.unique(series.to_numpy(dtype=object))
        for value in uniques:
            code = code_of(value, table)
            if code is None:
                at = int(np.flatnonzero(_same(series, value))[0])
                raise AnalysisInputError(
                    f"{_describe(value)} is not an answer on the {self.name} scale "
                    f"(codes 1–{self.levels} or labels {', '.join(self.labels_en)} / "
                    f"{' / '.join(self.labels_zh)})",
                    column=column,
                    row=int(rows[at]),
                )
            codes_of_distinct[value] = code
        mapped = series.map(codes_of_distinct)
        return mapped.to_numpy(dtype=np.int8)

    def to_score(self, codes: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Convert codes ``1 … k`` to the 0–100 scale: ``100 · (code − 1) / (k − 1)``."""
        array = np.asarray(codes, dtype=np.float64)
        return 100.0 * (array - 1.0) / (self.levels - 1)


def _describe(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return "a missing value"
    return repr(value.item() if isinstance(value, np.generic) else value)


def _same(series: pd.Series[Any], value: object) -> npt.NDArray[np.bool_]:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return series.isna().to_numpy()
    return (series == value).to_numpy(dtype=bool, na_value=False)


def code_of(value: object, table: Mapping[str, int]) -> int | None:
    """Code of one raw answer ``value`` given a :meth:`LabelledScale.lookup` table, or ``None``."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, bool | np.bool_):
        return None
    if isinstance(value, int | np.integer):
        return table.get(str(int(value)))
    if isinstance(value, float | np.floating):
        if np.isnan(value) or not float(value).is_integer():
            return None
        return table.get(str(int(value)))
    if isinstance(value, str):
        text = normalise_label(value)
        if text.endswith(".0") and text[:-2].isdigit():
            text = text[:-2]
        return table.get(text)
    return None


KANO_ANSWERS = LabelledScale(
    name="Kano answer",
    labels_zh=("我很喜欢", "理应如此", "无所谓", "能忍受", "我很不喜欢"),
    labels_en=("like", "must-be", "neutral", "live-with", "dislike"),
    aliases={
        "i like it": 1,
        "i like it that way": 1,
        "很喜欢": 1,
        "喜欢": 1,
        "must be": 2,
        "mustbe": 2,
        "expect": 2,
        "i expect it": 2,
        "it must be that way": 2,
        "理所当然": 2,
        "i am neutral": 3,
        "i'm neutral": 3,
        "live with": 4,
        "livewith": 4,
        "i can live with it": 4,
        "i can live with it that way": 4,
        "tolerate": 4,
        "可以忍受": 4,
        "i dislike it": 5,
        "i dislike it that way": 5,
        "很不喜欢": 5,
        "不喜欢": 5,
    },
)
"""The Kano answer scale: 1 like 我很喜欢, 2 must-be 理应如此, 3 neutral 无所谓,
4 live-with 能忍受, 5 dislike 我很不喜欢 (Berger et al. 1993)."""

FIVE_LEVEL = LabelledScale(
    name="5-level satisfaction",
    labels_zh=("很不满意", "不满意", "一般", "满意", "很满意"),
    labels_en=("very dissatisfied", "dissatisfied", "neutral", "satisfied", "very satisfied"),
)
"""The 5-level satisfaction scale of docs/customers.md: 很不满意 / 不满意 / 一般 / 满意 / 很满意."""

SEVEN_LEVEL = LabelledScale(
    name="7-level satisfaction",
    labels_zh=("很不满意", "不满意", "不太满意", "一般", "较满意", "满意", "很满意"),
    labels_en=(
        "very dissatisfied",
        "dissatisfied",
        "somewhat dissatisfied",
        "neutral",
        "somewhat satisfied",
        "satisfied",
        "very satisfied",
    ),
)
"""The 7-level satisfaction scale of docs/customers.md:
很不满意 / 不满意 / 不太满意 / 一般 / 较满意 / 满意 / 很满意."""
