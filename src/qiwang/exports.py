"""The formula guard every export passes its text through (CSV injection, OWASP).

A spreadsheet runs a cell as a formula when its text starts with ``=``, ``+``, ``-`` or ``@`` (and
some programs also after a tab or a carriage return, or with the full-width forms an input method
types). An export must never hand a reader a live formula written by somebody else — an anonymous
respondent's answer, a customer's name, a question's wording — so every text cell of every export
(CSV, XLSX, SPSS ``.sav``, report files, command-line output files) goes through
:func:`guard_formula`, which prefixes an apostrophe: the cell shows the text, nothing runs.
:func:`unguard_formula` undoes it exactly (imports read an exported file back unchanged).

Framework-free (no Django, no pandas import): any module, including ``qiwang.analysis`` callers and
command-line tools, may import it. ``qiwang.customers.services.io.guard_formula`` is the same
function under its old name.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = [
    "FORMULA_STARTS",
    "guard_formula",
    "guard_frame",
    "guard_row",
    "runs_as_formula",
    "unguard_formula",
]

#: A cell whose text starts with one of these is a formula (or a DDE command) to some spreadsheet.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
#: Skipped before looking at the first character: apostrophes (so that guarding text that already
#: starts with one and unguarding give it back unchanged) and spaces some programs trim.
_LEADING = "' \u00a0\u3000"


def runs_as_formula(text: str) -> bool:
    """Whether a spreadsheet could read ``text`` as a formula."""
    return text.lstrip(_LEADING).startswith(FORMULA_STARTS)


def guard_formula(value: Any) -> Any:
    """``value`` with ``'`` in front if it is text a spreadsheet would run; anything that is not
    text (numbers, dates, ``None``) comes back unchanged, so typed cells stay typed."""
    if isinstance(value, str) and runs_as_formula(value):
        return "'" + value
    return value


def unguard_formula(text: str) -> str:
    """The inverse of :func:`guard_formula` on text: ``unguard_formula(guard_formula(t)) == t``."""
    return text[1:] if text[:1] == "'" and runs_as_formula(text[1:]) else text


def guard_row(values: Iterable[Any]) -> list[Any]:
    """Every cell of one row through :func:`guard_formula`."""
    return [guard_formula(value) for value in values]


def guard_frame(frame: Any) -> Any:
    """A copy of a pandas DataFrame with every text cell and every column name guarded.

    Only columns that can hold text (``object`` and string dtypes, whose kind is ``O``) are mapped;
    numeric columns are returned as they are. pandas is not imported here.
    """
    guarded = frame.copy()
    for name in guarded.columns:
        column = guarded[name]
        if getattr(column.dtype, "kind", "O") in ("O", "S", "U"):
            guarded[name] = column.map(guard_formula)
    guarded.columns = [guard_formula(name) for name in guarded.columns]
    return guarded
