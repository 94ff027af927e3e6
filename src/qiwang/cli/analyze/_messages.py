"""The analysis errors in the command line's language.

:mod:`qiwang.analysis` knows nothing of Django or of languages: it raises
:class:`~qiwang.analysis.AnalysisInputError` with an English reason and the column and row at
fault. The commands translate at the boundary: :func:`input_error` matches the reason against
the patterns below (each an English text of the analysis with its variable parts named) and
returns the catalogue's text, with the row and column prefix in the same language. A reason no
pattern knows stays in English (docs/notes/clii18n.md lists what is left).
"""

from __future__ import annotations

import re
from typing import Any

from qiwang.cli._i18n import gettext as _

__all__ = ["input_error"]

# (English reason as the analysis writes it, with named groups) -> msgid with the same names.
_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"no such file: (?P<path>.+)", "no such file: %(path)s"),
    (r"the file is empty: (?P<name>.+)", "the file is empty: %(name)s"),
    (
        r"cannot read (?P<name>.+?): use a CSV, XLSX or Parquet file \(suffix (?P<suffixes>.+)\)",
        "cannot read %(name)s: use a CSV, XLSX or Parquet file (suffix %(suffixes)s)",
    ),
    (
        r"cannot read (?P<name>.+?): neither UTF-8 nor GB18030 text",
        "cannot read %(name)s: neither UTF-8 nor GB18030 text",
    ),
    (r"cannot read (?P<name>.+?): (?P<error>.+)", "cannot read %(name)s: %(error)s"),
    (r"(?P<name>.+) has no data rows", "%(name)s has no data rows"),
    (
        r"missing column (?P<column>'.*?'); the columns are (?P<columns>.*)",
        "missing column %(column)s; the columns are %(columns)s",
    ),
    (r"missing column (?P<column>.+)", "missing column %(column)s"),
    (r"unknown column (?P<column>.+)", "unknown column %(column)s"),
    (r"there are no data rows", "there are no data rows"),
    (r"there are no answers", "there are no answers"),
    (r"no rows left to analyse", "no rows left to analyse"),
    (r"missing value", "missing value"),
    (r"an empty cell", "an empty cell"),
    (r"the column has no observed values", "the column has no observed values"),
    (r"no row has a value in every column", "no row has a value in every column"),
    (r"column not found in the data", "column not found in the data"),
    (
        r"no row has both an expectation and a perception",
        "no row has both an expectation and a perception",
    ),
    (
        r"(?P<value>.+) is not a date; write dates as YYYY-MM-DD",
        "%(value)s is not a date; write dates as YYYY-MM-DD",
    ),
    (
        r"(?P<value>.+) is not a level of the (?P<low>\d+)–(?P<high>\d+) scale",
        "%(value)s is not a level of the %(low)s–%(high)s scale",
    ),
    (
        r"(?P<value>.+) is not an answer on the (?P<scale>.+?) scale \((?P<labels>codes .+)\)",
        "%(value)s is not an answer on the %(scale)s scale (%(labels)s)",
    ),
    (
        r"(?P<value>.+) is not an item of the instrument \((?P<items>.+)\)",
        "%(value)s is not an item of the instrument (%(items)s)",
    ),
    (
        r"(?P<value>.+) is not a count \(a whole number ≥ 0\)",
        "%(value)s is not a count (a whole number ≥ 0)",
    ),
    (r"(?P<column>.+) is both target and predictor", "%(column)s is both target and predictor"),
    (r"a predictor is listed twice", "a predictor is listed twice"),
    (
        r"(?P<n>\d+) complete rows are too few for (?P<k>\d+) predictors "
        r"\(need at least (?P<need>\d+)\)",
        "%(n)s complete rows are too few for %(k)s predictors (need at least %(need)s)",
    ),
    (r"(?P<value>.+) is not a number", "%(value)s is not a number"),
)
_COMPILED = tuple((re.compile(pattern, re.S), msgid) for pattern, msgid in _PATTERNS)


def reason(text: str) -> str:
    """``text`` (an English reason of the analysis) in the command line's language.

    >>> import os; os.environ["QIWANG_LANGUAGE"] = "en"
    >>> reason("missing column 'overall'; the columns are a, b")
    "missing column 'overall'; the columns are a, b"
    """
    for pattern, msgid in _COMPILED:
        match = pattern.fullmatch(text)
        if match:
            return _(msgid) % match.groupdict()
    return text


def input_error(error: Any) -> str:
    """The message of an :class:`~qiwang.analysis.AnalysisInputError` (or any error) translated:
    the reason, and the row / column prefix the analysis adds."""
    text = getattr(error, "reason", None)
    if not isinstance(text, str):
        return reason(str(error))
    row, column = getattr(error, "row", None), getattr(error, "column", None)
    values = {"reason": reason(text), "row": row, "column": repr(column)}
    if row is not None and column is not None:
        return _("row %(row)s, column %(column)s: %(reason)s") % values
    if row is not None:
        return _("row %(row)s: %(reason)s") % values
    if column is not None:
        return _("column %(column)s: %(reason)s") % values
    return values["reason"]
