"""Reading survey files (CSV, XLSX, Parquet) into DataFrames, with clear errors.

Used by the command line and by notebooks. Large Parquet and CSV files need not come through here:
each method's stage 1 also runs inside DuckDB directly on the file.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from qiwang.analysis._errors import AnalysisInputError

__all__ = [
    "SUFFIXES",
    "date_column",
    "numeric_column",
    "read_table",
    "require_columns",
    "text_codes",
    "text_column",
]

SUFFIXES = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".parquet": "parquet",
    ".pq": "parquet",
}
"""File suffixes understood by :func:`read_table` and the format each means."""


def read_table(
    path: str | Path, *, sheet: str | int = 0, text_columns: Sequence[str] = ()
) -> pd.DataFrame:
    """Read a CSV (UTF-8, UTF-8 with BOM or GB18030), XLSX or Parquet file.

    Parameters
    ----------
    path : str or pathlib.Path
        The file; its suffix selects the format (see :data:`SUFFIXES`).
    sheet : str or int, default 0
        Worksheet of an XLSX file.
    text_columns : sequence of str, optional
        Columns read as text from CSV and XLSX (identifiers such as ``007`` keep their leading
        zeros); see :func:`text_column` for the other formats.

    Returns
    -------
    pandas.DataFrame
        Column names are stripped of surrounding spaces. Row ``i`` of the frame is data row
        ``i + 1`` in error messages.

    Raises
    ------
    AnalysisInputError
        Missing file, unknown suffix, empty file, unreadable content or no data rows.
    """
    file = Path(path)
    if file.is_dir():
        raise AnalysisInputError(f"{file} is a directory, not a file")
    if not file.is_file():
        raise AnalysisInputError(f"no such file: {file}")
    kind = SUFFIXES.get(file.suffix.lower())
    if kind is None:
        raise AnalysisInputError(
            f"cannot read {file.name}: use a CSV, XLSX or Parquet file "
            f"(suffix {', '.join(sorted(SUFFIXES))})"
        )
    if file.stat().st_size == 0:
        raise AnalysisInputError(f"the file is empty: {file.name}")
    try:
        if kind == "csv":
            frame = _read_csv(file, text_columns)
        elif kind == "xlsx":
            frame = pd.read_excel(
                file,
                sheet_name=sheet,
                engine="openpyxl",
                dtype=dict.fromkeys(text_columns, str) or None,
            )
        else:
            frame = pd.read_parquet(file)
    except AnalysisInputError:
        raise
    except zipfile.BadZipFile as error:  # pandas reads .xlsx as a zip archive
        raise AnalysisInputError(
            f"cannot read {file.name}: not an Excel workbook (.xlsx)"
        ) from error
    except (pd.errors.EmptyDataError, pd.errors.ParserError) as error:
        raise AnalysisInputError(f"cannot read {file.name}: {error}") from error
    except (OSError, ValueError, KeyError, ImportError) as error:
        raise AnalysisInputError(f"cannot read {file.name}: {error}") from error
    frame.columns = [str(column).strip() for column in frame.columns]
    if frame.empty:
        raise AnalysisInputError(f"{file.name} has no data rows")
    return frame


def _read_csv(file: Path, text_columns: Sequence[str] = ()) -> pd.DataFrame:
    separator = "\t" if file.suffix.lower() == ".tsv" else ","
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return pd.read_csv(
                file,
                sep=separator,
                encoding=encoding,
                skipinitialspace=True,
                dtype=dict.fromkeys(text_columns, str) or None,
            )
        except UnicodeDecodeError:
            continue
    raise AnalysisInputError(f"cannot read {file.name}: neither UTF-8 nor GB18030 text")


def require_columns(frame: pd.DataFrame, columns: Sequence[str | None]) -> None:
    """Raise :class:`AnalysisInputError` naming the first of ``columns`` absent from ``frame``."""
    for column in columns:
        if column is not None and column not in frame.columns:
            raise AnalysisInputError(
                f"missing column {column!r}; the columns are {', '.join(map(str, frame.columns))}",
                column=column,
            )
    if frame.empty:
        raise AnalysisInputError("there are no data rows")


def numeric_column(
    frame: pd.DataFrame, column: str, *, allow_missing: bool = True
) -> npt.NDArray[np.float64]:
    """Column ``column`` as float64, NaN for empty cells.

    Raises
    ------
    AnalysisInputError
        At the first cell that is not a number (or is empty, when ``allow_missing`` is false),
        naming its row and column.
    """
    values: pd.Series[Any] = frame[column]
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    present = values.notna().to_numpy()
    bad = (np.isnan(numbers) & present) | np.isinf(numbers)
    if not allow_missing:
        bad |= ~present
    if bad.any():
        at = int(np.flatnonzero(bad)[0])
        value = values.iloc[at]
        what = "an empty cell" if pd.isna(value) else repr(value)
        raise AnalysisInputError(f"{what} is not a number", column=column, row=at + 1)
    return numbers


def text_codes(
    frame: pd.DataFrame, column: str
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.object_]]:
    """Column ``column`` as codes into its sorted distinct text values.

    Text stays as it is, stripped (``"007"`` stays ``"007"`` when the file was read with
    ``text_columns``); whole numbers stored as numbers (Parquet, XLSX number cells) print
    without a decimal point. The conversion runs once per distinct value, so millions of rows
    with few distinct ids cost one ``factorize``.

    Returns
    -------
    codes : numpy.ndarray of int64
        ``values[codes]`` is the column as text.
    values : numpy.ndarray of object
        Sorted distinct values.

    Raises
    ------
    AnalysisInputError
        At the first empty cell, naming its row and column.
    """
    raw_codes, raw_values = pd.factorize(frame[column], use_na_sentinel=True)
    texts = []
    for value in raw_values.tolist():
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        texts.append(str(value).strip())
    text_array = np.array(texts, dtype=object)
    blank = np.flatnonzero(text_array == "") if len(text_array) else np.array([], dtype=np.intp)
    missing = raw_codes < 0
    if blank.size:
        missing |= np.isin(raw_codes, blank)
    if missing.any():
        at = int(np.flatnonzero(missing)[0])
        raise AnalysisInputError("an empty cell", column=column, row=at + 1)
    values, inverse = np.unique(text_array.astype(str), return_inverse=True)
    return inverse[raw_codes].astype(np.int64), values.astype(object)


def text_column(frame: pd.DataFrame, column: str) -> npt.NDArray[np.object_]:
    """Column ``column`` as stripped strings, as the values appear in the file.

    See :func:`text_codes` for the conversion.

    Raises
    ------
    AnalysisInputError
        At the first empty cell, naming its row and column.
    """
    codes, values = text_codes(frame, column)
    return np.asarray(values[codes], dtype=object)


def date_column(frame: pd.DataFrame, column: str) -> npt.NDArray[np.datetime64]:
    """Column ``column`` as ``datetime64[D]``: ISO dates ``YYYY-MM-DD`` or date cells.

    Raises
    ------
    AnalysisInputError
        At the first empty cell or value that is not a date, naming its row, column and value.
    """
    values: pd.Series[Any] = frame[column]
    if pd.api.types.is_datetime64_any_dtype(values):
        parsed = pd.to_datetime(values)
    else:
        is_date = values.map(lambda value: isinstance(value, date | np.datetime64))
        text = values.where(~is_date).astype("string").str.strip()
        parsed = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
        if is_date.any():
            parsed = parsed.where(~is_date, pd.to_datetime(values.where(is_date)))
    bad = parsed.isna().to_numpy()
    if bad.any():
        at = int(np.flatnonzero(bad)[0])
        value = values.iloc[at]
        what = "an empty cell" if pd.isna(value) else repr(value)
        raise AnalysisInputError(
            f"{what} is not a date; write dates as YYYY-MM-DD", column=column, row=at + 1
        )
    return np.asarray(parsed.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]"))
