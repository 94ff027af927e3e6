"""Small helpers for stage-1 aggregations that run inside DuckDB (over Parquet, CSV or a table)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import duckdb

from qiwang.analysis._errors import AnalysisInputError

__all__ = [
    "DuckDBSource",
    "first_row_where",
    "open_source",
    "quote_identifier",
    "quote_literal",
    "select",
    "value_at",
]

DuckDBSource = str | os.PathLike[str] | duckdb.DuckDBPyRelation
"""A Parquet or CSV file path, or a DuckDB relation (a table, a view, a query)."""

VIEW = "qiwang_input"
"""Name under which stage-1 queries see their input."""


def quote_identifier(name: str) -> str:
    """Quote a column name for SQL: ``a"b`` → ``"a""b"``."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    """Quote a string literal for SQL: ``it's`` → ``'it''s'``."""
    return "'" + value.replace("'", "''") + "'"


def open_source(
    source: DuckDBSource, connection: duckdb.DuckDBPyConnection | None = None
) -> duckdb.DuckDBPyRelation:
    """Return ``source`` as a relation: Parquet (``.parquet``, ``.pq``) or CSV (``.csv``, ``.tsv``).

    Raises
    ------
    AnalysisInputError
        If the file does not exist, is empty or has another suffix.
    """
    if isinstance(source, duckdb.DuckDBPyRelation):
        return source
    path = Path(source)
    if path.is_dir():
        raise AnalysisInputError(f"{path} is a directory, not a file")
    if not path.is_file():
        raise AnalysisInputError(f"no such file: {path}")
    if path.stat().st_size == 0:
        raise AnalysisInputError(f"the file is empty: {path}")
    con = connection if connection is not None else duckdb.connect()
    suffix = path.suffix.lower()
    try:
        if suffix in {".parquet", ".pq"}:
            return con.read_parquet(str(path))
        if suffix in {".csv", ".tsv", ".txt"}:
            try:
                return con.read_csv(str(path), header=True)
            except duckdb.Error:
                pass
            # DuckDB reads UTF-8 only and its sniffer's errors are pages long: a GB18030 file (a
            # "CSV" saved by Excel on a Chinese Windows) or a file it cannot make out is read as
            # the other commands read it (their errors name the fault), then scanned from memory.
            from qiwang.analysis._io import read_table

            return con.from_df(read_table(path))
    except duckdb.Error as error:
        # DuckDB's message goes on with the sniffer's settings: its first line names the fault.
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise AnalysisInputError(f"cannot read {path.name}: {first}") from error
    raise AnalysisInputError(f"DuckDB reads Parquet and CSV files, not {path.suffix!r}: {path}")


def select(relation: duckdb.DuckDBPyRelation, query: str) -> list[tuple[Any, ...]]:
    """Run a read-only ``query`` in which the relation is called ``qiwang_input``; all rows."""
    result = relation.query(VIEW, query)
    if result is None:  # only statements that write return nothing
        raise ValueError("a stage-1 query must be a SELECT")
    return result.fetchall()


def first_row_where(relation: duckdb.DuckDBPyRelation, condition: str) -> int | None:
    """1-based number of the first row of ``relation`` satisfying the SQL ``condition``.

    Only used to name the row in an error message, after an aggregate has shown that such a row
    exists; the row number follows the scan order of the file.
    """
    query = f"SELECT min(rn) FROM (SELECT row_number() OVER () AS rn, * FROM {VIEW}) "  # noqa: S608
    found = select(relation, query + f"WHERE {condition}")
    value = found[0][0] if found else None
    return None if value is None else int(value)


def value_at(relation: duckdb.DuckDBPyRelation, column: str, row: int | None) -> Any:
    """The raw value of ``column`` in 1-based ``row`` (scan order), for error messages."""
    if row is None:
        return None
    query = (
        f"SELECT {quote_identifier(column)} FROM "  # noqa: S608 - quoted identifier, int row
        f"(SELECT row_number() OVER () AS rn, * FROM {VIEW}) WHERE rn = {int(row)}"
    )
    found = select(relation, query)
    return found[0][0] if found else None
