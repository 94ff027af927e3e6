"""Where stage 1 runs: one SQL text, transpiled by sqlglot, on DuckDB, PostgreSQL or Spark.

Every portable stage-1 query (see :mod:`qiwang.analysis._portable`) is written once, in the DuckDB
dialect, against a table called ``qiwang_input``. A :class:`StageOneTable` knows which engine holds
the data, renames ``qiwang_input`` to the real table, transpiles the query with sqlglot for its
engine and returns the rows as plain Python tuples. See ``docs/adr/0100-portable-stage-one.md``.
"""

from __future__ import annotations

import dataclasses
import os
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import duckdb
import sqlglot
from sqlglot import exp

from qiwang.analysis._errors import AnalysisInputError

__all__ = [
    "ENGINES",
    "Engine",
    "StageOneTable",
    "open_table",
    "spark_session",
]

Engine = Literal["duckdb", "postgres", "spark"]
ENGINES: tuple[Engine, ...] = ("duckdb", "postgres", "spark")
VIEW = "qiwang_input"
"""Name under which every portable stage-1 query sees its input."""
BASE = "qiwang_base"
"""Name under which a derived table's defining query (:meth:`StageOneTable.derived`) reads the
table it is derived from."""

DIALECTS: dict[Engine, str] = {"duckdb": "duckdb", "postgres": "postgres", "spark": "spark"}


@dataclass
class StageOneTable:
    """A table on one engine that portable stage-1 queries can run against.

    Attributes
    ----------
    engine : {"duckdb", "postgres", "spark"}
    columns : tuple of str
        The table's column names.
    name : str
        What the input is, for messages (a path or a table name).
    """

    engine: Engine
    columns: tuple[str, ...]
    name: str
    _handle: Any = field(repr=False)
    _target: str = field(repr=False, default=VIEW)
    numeric: frozenset[str] | None = None
    """Columns of a numeric type where the engine's types decide (PostgreSQL), else None."""
    types: dict[str, str] | None = None
    """Each column's type as the engine names it (``BIGINT``, ``string``, ``text`` …)."""
    _derived: str | None = field(repr=False, default=None)

    def derived(self, select: str, columns: Sequence[str]) -> StageOneTable:
        """The table that ``select`` (DuckDB dialect, reading this table as ``qiwang_base``)
        defines, with ``columns``: every query on it reads ``select`` as a subquery, on the same
        engine (a wide layout unpivoted to the long one, without copying the data)."""
        if self._derived is not None:
            raise AnalysisInputError("a derived table cannot be derived again")
        return dataclasses.replace(
            self, columns=tuple(columns), _derived=select, numeric=None, types=None
        )

    def sql(self, query: str) -> str:
        """``query`` (DuckDB dialect, reading ``qiwang_input``) in this engine's dialect."""
        tree = sqlglot.parse_one(query, read="duckdb")
        if self._derived is not None:
            inner = sqlglot.parse_one(self._derived, read="duckdb")

            def expand(node: exp.Expression) -> exp.Expression:
                if isinstance(node, exp.Table) and node.name == VIEW and not node.args.get("db"):
                    alias = node.alias or VIEW
                    return exp.Subquery(
                        this=inner.copy(), alias=exp.TableAlias(this=exp.to_identifier(alias))
                    )
                return node

            def base(node: exp.Expression) -> exp.Expression:
                if isinstance(node, exp.Table) and node.name == BASE and not node.args.get("db"):
                    node.set("this", exp.to_identifier(VIEW))
                return node

            tree = tree.transform(expand).transform(base)
        if self._target != VIEW:
            parts = self._target.split(".")

            def rename(node: exp.Expression) -> exp.Expression:
                if isinstance(node, exp.Table) and node.name == VIEW and not node.args.get("db"):
                    node.set("this", exp.to_identifier(parts[-1], quoted=True))
                    if len(parts) > 1:
                        node.set("db", exp.to_identifier(parts[-2], quoted=True))
                return node

            tree = tree.transform(rename)
        return tree.sql(dialect=DIALECTS[self.engine])

    def fetch(self, query: str) -> list[tuple[Any, ...]]:
        """Run ``query`` (DuckDB dialect) on the engine; every row, as tuples of Python values.

        Decimals (PostgreSQL sums of integer columns) come back as floats.
        """
        text = self.sql(query)
        try:
            if self.engine == "duckdb":
                result = self._handle.query(VIEW, text)
                rows = [] if result is None else result.fetchall()
            elif self.engine == "postgres":
                with self._handle.cursor() as cursor:
                    cursor.execute(text)
                    rows = cursor.fetchall()
                self._handle.rollback()
            else:
                rows = [tuple(row) for row in self._handle.sql(text).collect()]
        except AnalysisInputError:
            raise
        except Exception as error:  # noqa: BLE001 - each engine has its own error classes
            if self.engine == "postgres":
                self._handle.rollback()
            first = str(error).strip().splitlines()[0] if str(error).strip() else ""
            raise AnalysisInputError(
                f"{self.engine} could not run the stage-1 query on {self.name}: "
                f"{type(error).__name__}: {first}"
            ) from error
        return [tuple(float(v) if isinstance(v, Decimal) else v for v in row) for row in rows]

    def require(self, columns: Sequence[str | None]) -> None:
        """Raise :class:`AnalysisInputError` naming the first of ``columns`` the table lacks."""
        for column in columns:
            if column is not None and column not in self.columns:
                raise AnalysisInputError(
                    f"missing column {column!r} in {self.name}; the columns are "
                    f"{', '.join(self.columns)}",
                    column=column,
                )


def _duckdb_table(path: Path) -> StageOneTable:
    connection = duckdb.connect()
    if path.is_dir():
        parts = sorted(p for p in path.rglob("*") if p.suffix.lower() in {".parquet", ".pq"})
        if not parts:
            raise AnalysisInputError(f"no Parquet part files in the directory {path}")
        relation = connection.read_parquet(
            [str(p) for p in parts], hive_partitioning=True, union_by_name=True
        )
    else:
        from qiwang.analysis._duckdb import open_source

        relation = open_source(path, connection)
    return StageOneTable(
        "duckdb",
        tuple(relation.columns),
        str(path),
        relation,
        types={c: str(t) for c, t in zip(relation.columns, relation.types, strict=True)},
    )


_SESSIONS: dict[str, Any] = {}


def spark_session(master: str | None = None) -> Any:
    """A local or cluster SparkSession for stage 1 (one per master, reused).

    ``master`` defaults to the ``SPARK_MASTER`` environment variable, then the active session
    (under ``spark-submit``), then ``local[*]``. The Spark UI is off; ``SPARK_LOCAL_IP``
    defaults to 127.0.0.1 for local masters; ``QIWANG_SPARK_PARTITIONS`` sets the shuffle
    partitions of a session started here (default 8).
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise AnalysisInputError(
            "the spark engine needs pyspark: pip install 'qiwang[spark]' (and Java 17)"
        ) from None
    if master is None and os.environ.get("SPARK_MASTER") is None:
        active = SparkSession.getActiveSession()
        if active is not None:  # inside spark-submit or a notebook: use its session
            return active
    master = master or os.environ.get("SPARK_MASTER") or "local[*]"
    if master in _SESSIONS:
        return _SESSIONS[master]
    if master.startswith("local"):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    try:
        session = (
            SparkSession.builder.master(master)
            .appName("qiwang-stage-1")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", os.environ.get("QIWANG_SPARK_PARTITIONS", "8"))
            .config("spark.sql.session.timeZone", "UTC")
            .getOrCreate()
        )
    except Exception as error:  # noqa: BLE001 - no Java, a bad master URL …
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise AnalysisInputError(
            f"cannot start Spark with master {master!r} (is Java 17 installed?): "
            f"{type(error).__name__}: {first}"
        ) from None
    _SESSIONS[master] = session
    return session


def _spark_table(source: Any, name: str) -> StageOneTable:
    view = f"qiwang_input_{uuid.uuid4().hex[:12]}"
    source.createOrReplaceTempView(view)
    return StageOneTable(
        "spark",
        tuple(source.columns),
        name,
        source.sparkSession,
        view,
        types=dict(source.dtypes),
    )


def _spark_uri(location: str, master: str | None) -> StageOneTable:
    """Parquet (a file or a directory of parts) or CSV at a path or URI, read by Spark."""
    session = spark_session(master)
    suffix = Path(location.rstrip("/")).suffix.lower()
    try:
        if suffix in {".csv", ".tsv", ".txt"}:
            frame = session.read.csv(location, header=True, inferSchema=True)
        else:
            frame = session.read.parquet(location)
    except Exception as error:  # noqa: BLE001 - Spark's AnalysisException and friends
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise AnalysisInputError(f"Spark cannot read {location}: {first}") from None
    return _spark_table(frame, location)


NUMERIC_OIDS = frozenset({20, 21, 23, 700, 701, 1700})
"""PostgreSQL type OIDs of int8, int2, int4, float4, float8 and numeric."""


POSTGRES_TYPES = {
    16: "boolean",
    20: "bigint",
    21: "smallint",
    23: "integer",
    25: "text",
    700: "real",
    701: "double precision",
    1042: "char",
    1043: "varchar",
    1700: "numeric",
}
"""Names of the PostgreSQL type OIDs the row-key check tells apart."""


def _redact(url: str) -> str:
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


def _postgres_table(url: str, table: str) -> StageOneTable:
    import psycopg

    if not re.fullmatch(r"[A-Za-z_][\w$]*(\.[A-Za-z_][\w$]*)?", table):
        raise AnalysisInputError(f"not a table name: {table!r} (use TABLE or SCHEMA.TABLE)")
    try:
        connection = psycopg.connect(
            url.replace("postgres://", "postgresql://", 1), connect_timeout=5, autocommit=False
        )
    except Exception as error:  # noqa: BLE001 - psycopg.OperationalError, bad URL
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise AnalysisInputError(
            f"cannot connect to the database {_redact(url)}: {first}"
        ) from None
    quoted = ".".join('"' + part + '"' for part in table.split("."))
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM {quoted} LIMIT 0")  # noqa: S608 - checked name
            description = cursor.description or ()
            columns = tuple(d.name for d in description)
            numeric = frozenset(d.name for d in description if d.type_code in NUMERIC_OIDS)
            types = {d.name: POSTGRES_TYPES.get(d.type_code, str(d.type_code)) for d in description}
        connection.rollback()
    except Exception as error:  # noqa: BLE001 - psycopg.errors.UndefinedTable …
        connection.close()
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise AnalysisInputError(f"no table {table!r} in {_redact(url)}: {first}") from None
    return StageOneTable("postgres", columns, table, connection, table, numeric, types)


def open_table(
    source: Any,
    *,
    engine: Engine | None = None,
    table: str | None = None,
    spark_master: str | None = None,
) -> StageOneTable:
    """Open ``source`` for portable stage-1 queries.

    Parameters
    ----------
    source : path, duckdb.DuckDBPyRelation, pyspark.sql.DataFrame or str
        A Parquet / CSV file or a directory of Parquet part files (``engine`` ``"duckdb"``, the
        default, or ``"spark"``); a DuckDB relation; a Spark DataFrame; or a PostgreSQL URL
        (``postgres://…``) with ``table``.
    engine : {"duckdb", "postgres", "spark"}, optional
        The engine for a path (default DuckDB); inferred for the other kinds of source.
    table : str, optional
        ``TABLE`` or ``SCHEMA.TABLE`` in the PostgreSQL database.
    spark_master : str, optional
        Spark master URL (default ``SPARK_MASTER``, then ``local[*]``).

    Raises
    ------
    AnalysisInputError
        Unknown engine, missing file or table, unreachable database, Spark unavailable.
    """
    if engine is not None and engine not in ENGINES:
        raise AnalysisInputError(f"unknown engine {engine!r}: choose one of {', '.join(ENGINES)}")
    if isinstance(source, duckdb.DuckDBPyRelation):
        return StageOneTable(
            "duckdb",
            tuple(source.columns),
            "a DuckDB relation",
            source,
            types={c: str(t) for c, t in zip(source.columns, source.types, strict=True)},
        )
    if hasattr(source, "sparkSession") and hasattr(source, "createOrReplaceTempView"):
        return _spark_table(source, "a Spark DataFrame")
    text = str(source)
    if engine == "postgres" or text.startswith(("postgres://", "postgresql://")):
        if not text.startswith(("postgres://", "postgresql://")):
            raise AnalysisInputError(
                "the postgres engine needs a database URL (postgres://…) and a table name"
            )
        if table is None:
            raise AnalysisInputError("a PostgreSQL source needs a table name")
        return _postgres_table(text, table)
    if engine == "spark" and re.match(r"^[a-z][a-z0-9+.-]*://", text):
        return _spark_uri(text, spark_master)  # s3a://, abfss://, gs://, hdfs://: Spark reads it
    path = Path(source)
    if not path.exists():
        raise AnalysisInputError(f"no such file or directory: {path}")
    if engine == "spark":
        return _spark_uri(str(path), spark_master)
    return _duckdb_table(path)
