"""Stage 1 of key-driver analysis: count, means and centred cross-products of numeric columns.

These three summaries are sufficient for everything built on a linear model's R²: every subset
regression's R², Shapley values (LMG) and relative weights. Summaries of disjoint chunks combine
exactly (Chan, Golub & LeVeque 1979) with :meth:`CrossProducts.merge`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import numpy as np
import numpy.typing as npt
import pandas as pd

from qiwang.analysis._duckdb import (
    DuckDBSource,
    first_row_where,
    open_source,
    quote_identifier,
    value_at,
)
from qiwang.analysis._duckdb import select as run_select
from qiwang.analysis._errors import AnalysisInputError
from qiwang.analysis._io import numeric_column, require_columns

__all__ = ["CrossProducts", "cross_products", "cross_products_duckdb"]


@dataclass(frozen=True)
class CrossProducts:
    """Count, means and centred cross-products of some numeric columns (rows complete in all).

    Attributes
    ----------
    columns : tuple of str
        Column names, in the order of ``mean`` and ``scatter``.
    n : int
        Rows used (complete in every column).
    mean : numpy.ndarray, shape (p,)
        Column means.
    scatter : numpy.ndarray, shape (p, p)
        Centred cross-products ``Σ (xᵢ − x̄)(xᵢ − x̄)ᵀ``.
    rows_dropped : int
        Rows left out because a column was empty (listwise deletion).
    """

    columns: tuple[str, ...]
    n: int
    mean: npt.NDArray[np.float64]
    scatter: npt.NDArray[np.float64]
    rows_dropped: int = 0

    def covariance(self, *, ddof: int = 1) -> npt.NDArray[np.float64]:
        """Covariance matrix ``scatter / (n − ddof)``."""
        return self.scatter / (self.n - ddof)

    def correlation(self) -> npt.NDArray[np.float64]:
        """Pearson correlation matrix (NaN where a column is constant)."""
        scale = np.sqrt(np.diag(self.scatter))
        with np.errstate(invalid="ignore", divide="ignore"):
            correlation = self.scatter / np.outer(scale, scale)
        np.fill_diagonal(correlation, 1.0)
        return np.asarray(correlation, dtype=np.float64)

    def select(self, columns: Sequence[str]) -> CrossProducts:
        """The summaries of a subset of the columns (in the order given)."""
        index = [self._index(column) for column in columns]
        return CrossProducts(
            columns=tuple(columns),
            n=self.n,
            mean=self.mean[index],
            scatter=self.scatter[np.ix_(index, index)],
            rows_dropped=self.rows_dropped,
        )

    def merge(self, other: CrossProducts) -> CrossProducts:
        """Combine the summaries of two disjoint sets of rows (exact; Chan et al. 1979)."""
        if self.columns != other.columns:
            raise ValueError("cannot merge cross-products of different columns")
        n = self.n + other.n
        if n == 0:
            return self
        delta = other.mean - self.mean
        mean = self.mean + delta * (other.n / n)
        scatter = self.scatter + other.scatter + np.outer(delta, delta) * (self.n * other.n / n)
        return CrossProducts(
            columns=self.columns,
            n=n,
            mean=mean,
            scatter=scatter,
            rows_dropped=self.rows_dropped + other.rows_dropped,
        )

    def _index(self, column: str) -> int:
        try:
            return self.columns.index(column)
        except ValueError:
            raise AnalysisInputError(f"unknown column {column!r}", column=column) from None


def cross_products(data: pd.DataFrame, columns: Sequence[str]) -> CrossProducts:
    """Cross-products of ``columns`` of a DataFrame (stage 1, pandas).

    Rows with an empty cell in any of the columns are left out (listwise deletion) and counted in
    ``rows_dropped``.

    Raises
    ------
    AnalysisInputError
        A missing column, an empty table or a cell that is not a number (row and column named).
    """
    require_columns(data, list(columns))
    values = np.column_stack([numeric_column(data, column) for column in columns])
    complete = ~np.isnan(values).any(axis=1)
    used = values[complete]
    if used.shape[0] == 0:
        raise AnalysisInputError("no row has a value in every column")
    mean = used.mean(axis=0)
    centred = used - mean
    return CrossProducts(
        columns=tuple(columns),
        n=int(used.shape[0]),
        mean=mean,
        scatter=centred.T @ centred,
        rows_dropped=int((~complete).sum()),
    )


def cross_products_duckdb(
    source: DuckDBSource,
    columns: Sequence[str],
    *,
    connection: duckdb.DuckDBPyConnection | None = None,
) -> CrossProducts:
    """Cross-products of ``columns`` computed inside DuckDB (stage 1 over Parquet, CSV, a table).

    One aggregate query with ``avg`` and ``covar_pop`` (numerically stable in DuckDB) over the
    complete rows. Returns what :func:`cross_products` returns for the same rows, up to rounding.

    Raises
    ------
    AnalysisInputError
        As :func:`cross_products`.
    """
    relation = open_source(source, connection)
    available = list(relation.columns)
    for column in columns:
        if column not in available:
            raise AnalysisInputError(
                f"missing column {column!r}; the columns are {', '.join(available)}",
                column=column,
            )
    names = [quote_identifier(column) for column in columns]
    typed = [f"TRY_CAST({name} AS DOUBLE)" for name in names]
    checks = ", ".join(
        f"count({name}) - count({cast})" for name, cast in zip(names, typed, strict=True)
    )
    bad = run_select(relation, f"SELECT {checks} FROM qiwang_input")[0]  # noqa: S608
    for column, name, count in zip(columns, names, bad, strict=True):
        if count:
            row = first_row_where(
                relation, f"{name} IS NOT NULL AND TRY_CAST({name} AS DOUBLE) IS NULL"
            )
            value = value_at(relation, column, row)
            raise AnalysisInputError(f"{value!r} is not a number", column=column, row=row)
    complete = " AND ".join(f"{cast} IS NOT NULL" for cast in typed)
    p = len(columns)
    aggregates = ["count(*)"] + [f"avg({cast})" for cast in typed]
    pairs = [(i, j) for i in range(p) for j in range(i, p)]
    aggregates += [f"covar_pop({typed[i]}, {typed[j]})" for i, j in pairs]
    query = (
        f"SELECT {', '.join(aggregates)}, (SELECT count(*) FROM qiwang_input) "  # noqa: S608
        f"FROM qiwang_input WHERE {complete}"
    )
    sums = run_select(relation, query)[0]
    n = int(sums[0])
    total = int(sums[-1])
    if n == 0:
        raise AnalysisInputError(
            "there are no data rows" if total == 0 else "no row has a value in every column"
        )
    mean = np.array([float(value) for value in sums[1 : 1 + p]])
    scatter = np.zeros((p, p))
    for (i, j), value in zip(pairs, sums[1 + p : -1], strict=True):
        scatter[i, j] = scatter[j, i] = float(value) * n
    return CrossProducts(
        columns=tuple(columns), n=n, mean=mean, scatter=scatter, rows_dropped=total - n
    )
