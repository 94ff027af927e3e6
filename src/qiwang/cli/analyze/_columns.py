"""One column vocabulary for ``qiwang analyze`` and the survey export (docs/surveys.md, *Export*).

The commands read wide tables with ``NAME_F`` / ``NAME_D`` / ``NAME_I`` (Kano), ``ITEM_E`` /
``ITEM_P`` (SERVQUAL), ``DIMENSION_W`` (100-point weights), ``NAME_P`` / ``NAME_I`` (IPA) and a
``respondent`` column; the web export writes the same names. Files exported before that
vocabulary used other names; :func:`canonical_columns` renames them (documented aliases):

========================  ======================
earlier export name       name read
========================  ======================
``NAME_functional``       ``NAME_F``
``NAME_dysfunctional``    ``NAME_D``
``NAME_importance``       ``NAME_I``
``weight_DIMENSION``      ``DIMENSION_W`` (SERVQUAL: DIMENSION one of the instrument's)
``response``              ``respondent``
``tan1_E`` / ``tan1_P``   ``TAN1_E`` / ``TAN1_P`` (:func:`match_item_case`)
========================  ======================

A name is never renamed onto a column the file already has: the file's own column wins.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

__all__ = ["ID_COLUMNS", "canonical_columns", "match_item_case", "unlisted_items"]

#: Columns that identify a respondent, never a predictor (``drivers`` leaves them out).
ID_COLUMNS = frozenset({"respondent", "response", "customer_code"})

_SUFFIXES = (
    (re.compile(r"^(?P<name>.+)_functional$"), "{name}_F"),
    (re.compile(r"^(?P<name>.+)_dysfunctional$"), "{name}_D"),
    (re.compile(r"^(?P<name>.+)_importance$"), "{name}_I"),
    (re.compile(r"^response$"), "respondent"),
)


def _renames(columns: Iterable[Any], dimensions: Iterable[str]) -> dict[str, str]:
    present = {str(c) for c in columns}
    renames: dict[str, str] = {}
    for dimension in dimensions:
        if f"weight_{dimension}" in present and f"{dimension}_W" not in present:
            renames[f"weight_{dimension}"] = f"{dimension}_W"
    for column in present - set(renames):
        for pattern, template in _SUFFIXES:
            match = pattern.match(column)
            if match:
                target = template.format(**match.groupdict())
                if target not in present and target not in renames.values():
                    renames[column] = target
                break
    return renames


def canonical_columns(frame: Any, *, dimensions: Iterable[str] = ()) -> Any:
    """``frame`` with earlier export names renamed to the shared vocabulary (a copy when renamed);
    ``weight_D`` is renamed only for the given SERVQUAL ``dimensions``.

    A rating exported with its importance as ``NAME`` and ``NAME_importance`` also becomes
    ``NAME_P`` and ``NAME_I`` (the IPA layout), keeping ``NAME`` for ``drivers``.
    """
    renames = _renames(frame.columns, dimensions)
    if renames:
        frame = frame.rename(columns=renames)
    for new in [target for old, target in renames.items() if old.endswith("_importance")]:
        name = new[: -len("_I")]
        if name in frame.columns and f"{name}_P" not in frame.columns:
            frame = frame.assign(**{f"{name}_P": frame[name]})
    return frame


def match_item_case(
    frame: Any, codes: Iterable[str], suffixes: Iterable[str] = ("_E", "_P")
) -> Any:
    """Rename ``tan1_E`` to ``TAN1_E`` when ``TAN1`` is an item code of the instrument and the
    file has no ``TAN1_E`` (item codes compare without regard to case)."""
    present = {str(c) for c in frame.columns}
    by_folded = {code.casefold(): code for code in codes}
    renames: dict[str, str] = {}
    for column in present:
        for suffix in suffixes:
            if not column.endswith(suffix):
                continue
            code = by_folded.get(column[: -len(suffix)].casefold())
            if code is not None and f"{code}{suffix}" not in present:
                renames[column] = f"{code}{suffix}"
    return frame.rename(columns=renames) if renames else frame


def unlisted_items(columns: Iterable[Any], codes: Iterable[str]) -> list[str]:
    """Items with both ``ITEM_E`` and ``ITEM_P`` columns that the instrument does not list (they
    are left out of the analysis: the caller warns and suggests ``--instrument``)."""
    present = {str(c) for c in columns}
    listed = set(codes)
    return sorted(
        column[:-2]
        for column in present
        if column.endswith("_E") and f"{column[:-2]}_P" in present and column[:-2] not in listed
    )
