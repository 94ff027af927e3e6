"""First and second moments of indicator columns, computed where the data lives.

The sufficient statistics of a PLS path model are the count, the means and the co-moment matrix
``M2 = sum_i (x_i - mean)(x_i - mean)'`` of the indicators (plus their minima and maxima, used to
infer a rating scale and to name constant columns). They come from one pass over the data:
pandas chunks (:func:`moments_from_frame`), numpy arrays (:func:`moments_from_array`) or DuckDB
SQL aggregates over Parquet/CSV (:func:`moments_from_duckdb`); partial results merge exactly
(:meth:`Moments.merge`, Chan, Golub & LeVeque 1979).

Missing values: ``"error"`` refuses them, ``"listwise"`` drops incomplete rows, ``"mean"``
replaces a missing value by its column mean over the observed values. Mean imputation is exact
from pairwise sums: with ``O`` the observed-value mask and ``X0`` the data with missing values set
to 0, the co-moment of the imputed data is ``S_jk - m_k T_jk - m_j T_kj + m_j m_k N_jk`` where
``S = X0'X0``, ``T = X0'O``, ``N = O'O`` and ``m_j = T_jj / N_jj``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from qiwang.analysis._errors import AnalysisInputError

FloatArray = npt.NDArray[np.float64]
MissingPolicy = Literal["error", "listwise", "mean"]
MISSING_POLICIES: tuple[MissingPolicy, ...] = ("error", "listwise", "mean")


class MissingValuesError(AnalysisInputError):
    """Missing values were found and no policy to handle them was chosen."""


@dataclass(frozen=True)
class Moments:
    """Count, means, co-moments, minima and maxima of some numeric columns.

    Attributes
    ----------
    columns
        Column names, in the order of the arrays.
    count
        Number of rows used (after listwise deletion; all rows under mean imputation).
    mean
        ``(p,)`` column means.
    comoment
        ``(p, p)`` centred cross-product sums ``sum_i (x_i - mean)(x_i - mean)'``.
    minimum, maximum
        ``(p,)`` observed extremes (missing values ignored).
    rows_read
        Rows seen, before listwise deletion.
    rows_dropped
        Rows removed by listwise deletion.
    values_imputed
        Values replaced by their column mean, per column (all zero unless ``missing="mean"``).
    """

    columns: tuple[str, ...]
    count: float
    mean: FloatArray
    comoment: FloatArray
    minimum: FloatArray
    maximum: FloatArray
    rows_read: int = 0
    rows_dropped: int = 0
    values_imputed: tuple[int, ...] = field(default=())

    def covariance(self, ddof: int = 0) -> FloatArray:
        """Covariance matrix, population (``ddof=0``, as PLS uses) or sample (``ddof=1``)."""
        if self.count - ddof <= 0:
            raise ValueError(f"need more than {ddof} rows for a covariance, got {self.count:g}")
        out: FloatArray = self.comoment / (self.count - ddof)
        return out

    def correlation(self) -> FloatArray:
        """Correlation matrix; a constant column raises ``ValueError``."""
        variance = np.diagonal(self.comoment).copy()
        constant = [c for c, v in zip(self.columns, variance, strict=True) if not v > 0]
        if constant:
            raise AnalysisInputError(
                "the column is constant (its variance is 0)", column=constant[0]
            )
        sd = np.sqrt(variance)
        out: FloatArray = self.comoment / np.outer(sd, sd)
        np.fill_diagonal(out, 1.0)
        return out

    def select(self, columns: Sequence[str]) -> Moments:
        """The moments of a subset of the columns, in the given order."""
        missing = [c for c in columns if c not in self.columns]
        if missing:
            raise ValueError(f"column {missing[0]!r} not in the moments")
        idx = np.array([self.columns.index(c) for c in columns], dtype=np.intp)
        imputed = self.values_imputed or (0,) * len(self.columns)
        return Moments(
            columns=tuple(columns),
            count=self.count,
            mean=self.mean[idx],
            comoment=self.comoment[np.ix_(idx, idx)],
            minimum=self.minimum[idx],
            maximum=self.maximum[idx],
            rows_read=self.rows_read,
            rows_dropped=self.rows_dropped,
            values_imputed=tuple(imputed[i] for i in idx),
        )

    def merge(self, other: Moments) -> Moments:
        """Moments of the union of two disjoint sets of complete rows (Chan et al. 1979).

        ``M2 = M2_a + M2_b + delta delta' n_a n_b / n`` with ``delta = mean_b - mean_a``.
        Only defined for moments without mean imputation (imputation uses global means).
        """
        if self.columns != other.columns:
            raise ValueError("cannot merge moments of different columns")
        if any(self.values_imputed) or any(other.values_imputed):
            raise ValueError("cannot merge mean-imputed moments; accumulate pairwise sums instead")
        n = self.count + other.count
        if n == 0:
            return self
        delta = other.mean - self.mean
        mean = self.mean + delta * (other.count / n)
        comoment = (
            self.comoment + other.comoment + np.outer(delta, delta) * (self.count * other.count / n)
        )
        return Moments(
            columns=self.columns,
            count=n,
            mean=mean,
            comoment=comoment,
            minimum=np.fmin(self.minimum, other.minimum),
            maximum=np.fmax(self.maximum, other.maximum),
            rows_read=self.rows_read + other.rows_read,
            rows_dropped=self.rows_dropped + other.rows_dropped,
            values_imputed=(0,) * len(self.columns),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "columns": list(self.columns),
            "count": self.count,
            "mean": self.mean.tolist(),
            "covariance": self.covariance().tolist(),
            "rows_read": self.rows_read,
            "rows_dropped": self.rows_dropped,
            "values_imputed": dict(zip(self.columns, self.values_imputed, strict=False)),
        }


class _PairwiseSums:
    """Running ``S = X0'X0``, ``T = X0'O``, ``N = O'O`` of shifted values, plus extremes."""

    def __init__(self, p: int) -> None:
        self.shift: FloatArray | None = None
        self.s = np.zeros((p, p))
        self.t = np.zeros((p, p))
        self.n = np.zeros((p, p))
        self.minimum = np.full(p, np.inf)
        self.maximum = np.full(p, -np.inf)
        self.rows = 0

    def add(self, x: FloatArray) -> None:
        if x.shape[0] == 0:
            return
        observed = ~np.isnan(x)
        if self.shift is None:
            # Shift by a rough centre (first chunk's means) to keep the sums well conditioned.
            with np.errstate(invalid="ignore"):
                counts = observed.sum(axis=0)
                sums = np.where(observed, x, 0.0).sum(axis=0)
                self.shift = np.where(counts > 0, sums / np.maximum(counts, 1), 0.0)
        x0 = np.where(observed, x - self.shift, 0.0)
        o = observed.astype(np.float64)
        self.s += x0.T @ x0
        self.t += x0.T @ o
        self.n += o.T @ o
        with np.errstate(invalid="ignore"):
            self.minimum = np.fmin(self.minimum, np.nanmin(np.where(observed, x, np.nan), axis=0))
            self.maximum = np.fmax(self.maximum, np.nanmax(np.where(observed, x, np.nan), axis=0))
        self.rows += x.shape[0]

    def moments(self, columns: tuple[str, ...], *, rows_read: int, rows_dropped: int) -> Moments:
        return _moments_from_sums(
            columns,
            self.s,
            self.t,
            self.n,
            self.shift if self.shift is not None else np.zeros(len(columns)),
            rows=self.rows,
            minimum=self.minimum,
            maximum=self.maximum,
            rows_read=rows_read,
            rows_dropped=rows_dropped,
        )


def _moments_from_sums(
    columns: tuple[str, ...],
    s: FloatArray,
    t: FloatArray,
    n: FloatArray,
    shift: FloatArray,
    *,
    rows: int,
    minimum: FloatArray,
    maximum: FloatArray,
    rows_read: int,
    rows_dropped: int,
) -> Moments:
    counts = np.diagonal(n).copy()
    empty = [c for c, k in zip(columns, counts, strict=True) if k == 0]
    if empty:
        raise AnalysisInputError("the column has no observed values", column=empty[0])
    m = np.diagonal(t) / counts  # shifted means over observed values
    comoment = s - t * m[None, :] - t.T * m[:, None] + n * np.outer(m, m)
    comoment = (comoment + comoment.T) / 2.0
    imputed = tuple(int(rows - k) for k in counts)
    return Moments(
        columns=columns,
        count=float(rows),
        mean=m + shift,
        comoment=comoment,
        minimum=minimum,
        maximum=maximum,
        rows_read=rows_read,
        rows_dropped=rows_dropped,
        values_imputed=imputed,
    )


def _check_missing_policy(missing: str) -> MissingPolicy:
    if missing not in MISSING_POLICIES:
        raise ValueError(f"missing must be one of {', '.join(MISSING_POLICIES)}; got {missing!r}")
    return missing


def check_numeric(frame: pd.DataFrame, columns: Sequence[str]) -> None:
    """Raise naming the first absent column, or the first non-numeric value (1-based row)."""
    absent = [c for c in columns if c not in frame.columns]
    if absent:
        raise AnalysisInputError("column not found in the data", column=absent[0])
    for c in columns:
        column = frame[c]
        if pd.api.types.is_bool_dtype(column) or not (
            pd.api.types.is_numeric_dtype(column) or column.isna().all()
        ):
            converted = pd.to_numeric(column, errors="coerce")
            bad = np.flatnonzero(converted.isna().to_numpy() & column.notna().to_numpy())
            if bad.size:
                raise AnalysisInputError(
                    f"{column.iloc[int(bad[0])]!r} is not a number", column=c, row=int(bad[0]) + 1
                )
            raise AnalysisInputError(f"not numeric (dtype {column.dtype})", column=c)


def numeric_block(frame: pd.DataFrame, columns: Sequence[str]) -> FloatArray:
    """The given columns as a float array; names the first missing or non-numeric column."""
    check_numeric(frame, columns)
    out: FloatArray = frame.loc[:, list(columns)].to_numpy(dtype=np.float64, na_value=np.nan)
    return out


def _accumulate(
    chunks: Iterable[FloatArray], columns: tuple[str, ...], missing: MissingPolicy
) -> Moments:
    sums = _PairwiseSums(len(columns))
    rows_read = 0
    dropped = 0
    for x in chunks:
        rows_read += x.shape[0]
        incomplete = np.isnan(x).any(axis=1)
        if incomplete.any():
            if missing == "error":
                j = int(np.flatnonzero(np.isnan(x).any(axis=0))[0])
                raise MissingValuesError(
                    "missing values; choose listwise deletion or mean imputation",
                    column=columns[j],
                )
            if missing == "listwise":
                dropped += int(incomplete.sum())
                x = x[~incomplete]
        sums.add(x)
    if sums.rows == 0:
        raise AnalysisInputError(
            "no rows left to analyse" + (" after listwise deletion" if dropped else "")
        )
    return sums.moments(columns, rows_read=rows_read, rows_dropped=dropped)


def moments_from_array(
    x: npt.ArrayLike,
    columns: Sequence[str] | None = None,
    *,
    missing: MissingPolicy = "error",
) -> Moments:
    """Moments of the rows of a 2-D array (NaN marks a missing value)."""
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 2:
        raise ValueError(f"expected a 2-D array, got {arr.ndim} dimensions")
    names = tuple(columns) if columns is not None else tuple(f"x{j}" for j in range(arr.shape[1]))
    if len(names) != arr.shape[1]:
        raise ValueError(f"{len(names)} column names for {arr.shape[1]} columns")
    return _accumulate([arr], names, _check_missing_policy(missing))


def moments_from_frame(
    frame: pd.DataFrame,
    columns: Sequence[str],
    *,
    missing: MissingPolicy = "error",
    chunk_size: int = 100_000,
) -> Moments:
    """Moments of columns of a pandas DataFrame, one pass in chunks of ``chunk_size`` rows."""
    policy = _check_missing_policy(missing)
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be positive, got {chunk_size}")
    names = tuple(columns)
    check_numeric(frame, names)  # names a missing column or a non-numeric value early
    chunks = (
        numeric_block(frame.iloc[start : start + chunk_size], names)
        for start in range(0, max(len(frame), 1), chunk_size)
    )
    return _accumulate(chunks, names, policy)


NUMERIC_SQL_TYPES = (
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "FLOAT",
    "DOUBLE",
    "REAL",
    "DECIMAL",
)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def duckdb_source(path: str | Path) -> str:
    """A DuckDB table expression reading a Parquet or CSV file."""
    text = str(path).replace("'", "''")
    if str(path).lower().endswith((".csv", ".csv.gz", ".tsv")):
        return f"read_csv_auto('{text}')"
    return f"read_parquet('{text}')"


def moments_from_duckdb(
    source: str | Path,
    columns: Sequence[str],
    *,
    missing: MissingPolicy = "error",
    connection: Any = None,
) -> Moments:
    """Moments from one scan with DuckDB SQL aggregates.

    ``source`` is a Parquet/CSV path or any DuckDB table expression (``"my_table"``,
    ``"read_parquet('s3://…/*.parquet')"``). The query computes ``COUNT``, ``SUM(x_j)``,
    ``SUM(x_j * x_k)`` (and, for mean imputation, the pairwise sums ``T`` and ``N``) in one
    ``SELECT``; sums run on values shifted by the column minimum.
    """
    import duckdb

    policy = _check_missing_policy(missing)
    names = tuple(columns)
    if not names:
        raise ValueError("no columns given")
    table = (
        duckdb_source(source)
        if isinstance(source, Path) or str(source).lower().endswith((".parquet", ".csv", ".tsv"))
        else str(source)
    )
    con = connection if connection is not None else duckdb.connect()
    try:
        # Identifiers are quoted by _quote; the table expression is the caller's own.
        described = con.execute(f"DESCRIBE SELECT * FROM {table}").fetchall()  # noqa: S608
        types = {str(r[0]): str(r[1]) for r in described}
        available = list(types)
        absent = [c for c in names if c not in available]
        if absent:
            raise AnalysisInputError("column not found in the data", column=absent[0])
        for c in names:
            if not types[c].upper().startswith(NUMERIC_SQL_TYPES):
                # name the first value that is not a number, if there is one
                x = _quote(c)
                bad = con.execute(
                    f"SELECT rn, {x} FROM (SELECT row_number() OVER () AS rn, {x} "  # noqa: S608
                    f"FROM {table}) WHERE {x} IS NOT NULL AND TRY_CAST({x} AS DOUBLE) IS NULL "
                    "ORDER BY rn LIMIT 1"
                ).fetchone()
                if bad is not None:
                    raise AnalysisInputError(
                        f"{bad[1]!r} is not a number", column=c, row=int(bad[0])
                    )
                raise AnalysisInputError(f"not numeric (type {types[c]})", column=c)
        q = [f"CAST({_quote(c)} AS DOUBLE)" for c in names]
        p = len(names)
        any_null = " OR ".join(f"{x} IS NULL" for x in q)
        # Rough shift for conditioning: the column minima (exact shift invariance).
        extremes = ", ".join(f"MIN({x}), MAX({x})" for x in q)
        head_query = (
            f"SELECT COUNT(*), COUNT(*) FILTER (WHERE {any_null}), {extremes} "  # noqa: S608
            f"FROM {table}"
        )
        head = con.execute(head_query).fetchone()
        if head is None:  # pragma: no cover - aggregate queries return one row
            raise ValueError("empty result")
        rows_read, incomplete = int(head[0]), int(head[1])
        minimum = np.array([np.nan if v is None else v for v in head[2::2]], dtype=np.float64)
        maximum = np.array([np.nan if v is None else v for v in head[3::2]], dtype=np.float64)
        if incomplete and policy == "error":
            raise MissingValuesError(
                f"{incomplete} rows have missing values; choose listwise deletion or mean "
                "imputation"
            )
        shift = np.nan_to_num(minimum)
        z = [f"({x} - {float(shift[j])!r})" for j, x in enumerate(q)]
        where = f" WHERE NOT ({any_null})" if policy == "listwise" and incomplete else ""
        iu = [(j, k) for j in range(p) for k in range(j, p)]
        aggregates = ["COUNT(*)"] + [f"sum({z[j]} * {z[k]})" for j, k in iu]
        if policy == "mean":
            aggregates += [
                f"sum(CASE WHEN {q[k]} IS NOT NULL THEN {z[j]} END)"
                for j in range(p)
                for k in range(p)
            ]
            aggregates += [f"COUNT({z[j]} * {z[k]})" for j, k in iu]
        else:
            aggregates += [f"sum({z[j]})" for j in range(p)]
        query = f"SELECT {', '.join(aggregates)} FROM {table}{where}"  # noqa: S608
        row = con.execute(query).fetchone()
    finally:
        if connection is None:
            con.close()
    if row is None:  # pragma: no cover
        raise ValueError("empty result")
    values = np.array([0.0 if v is None else float(v) for v in row[1:]])
    rows = int(row[0])
    if rows == 0:
        raise AnalysisInputError("no rows left to analyse")
    s = np.zeros((p, p))
    ju, ku = np.array(iu).T
    s[ju, ku] = values[: len(iu)]
    s[ku, ju] = values[: len(iu)]
    if policy == "mean":
        t = values[len(iu) : len(iu) + p * p].reshape(p, p)
        n = np.zeros((p, p))
        n[ju, ku] = values[len(iu) + p * p :]
        n[ku, ju] = values[len(iu) + p * p :]
    else:
        sums = values[len(iu) :]
        t = np.repeat(sums[:, None], p, axis=1)
        n = np.full((p, p), float(rows))
    return _moments_from_sums(
        names,
        s,
        t,
        n,
        shift,
        rows=rows,
        minimum=minimum,
        maximum=maximum,
        rows_read=rows_read,
        rows_dropped=rows_read - rows,
    )
