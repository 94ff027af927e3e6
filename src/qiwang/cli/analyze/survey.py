"""Survey analyses on the command line: kano, servqual, ipa, drivers.

Each command parses and validates its options, calls :mod:`qiwang.analysis`, and renders the
result as a rich table (default) or JSON (``--json``). Bad input — an unknown answer label, a
missing column, a non-numeric score, an empty file, a constant predictor — prints one message
naming the row and column to standard error and exits with code 2 without writing anything to
standard output. The analysis modules are imported inside the commands so that ``qiwang --help``
stays fast.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from qiwang.cli.analyze import analyze_app
from qiwang.cli.analyze._columns import (
    ID_COLUMNS,
    canonical_columns,
    match_item_case,
    unlisted_items,
)
from qiwang.cli.analyze._engine import (
    DatabaseUrlOption,
    EngineOption,
    SparkMasterOption,
    check_engine,
    open_input,
)

if TYPE_CHECKING:
    from qiwang.analysis.kano import KanoComparison, KanoCounts, KanoResult

EXAMPLES = Path(__file__).resolve().parents[4] / "examples"

InputArgument = Annotated[
    Path,
    typer.Argument(
        help="CSV, XLSX or Parquet file; with --engine also a directory of Parquet part files, "
        "or with --engine postgres a table name.",
        exists=False,
        dir_okay=True,
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _out() -> Console:
    console = Console()
    if not console.is_terminal:  # piped: do not squeeze tables into 80 columns
        console.width = max(console.width, 160)
    return console


def _err() -> Console:
    return Console(stderr=True, soft_wrap=True)


def _fail(message: str) -> typer.Exit:
    _err().print(f"[bold red]Error:[/] {message}", highlight=False, markup=True)
    return typer.Exit(code=2)


@contextmanager
def _guard() -> Iterator[None]:
    """Turn input errors into one message on stderr and exit code 2."""
    from qiwang.analysis import AnalysisInputError

    try:
        yield
    except AnalysisInputError as error:
        raise _fail(_escape(str(error))) from None
    except (typer.Exit, typer.Abort, KeyboardInterrupt):
        raise
    except Exception as error:  # noqa: BLE001 — the command line never shows a traceback
        _err().print(
            f"[bold red]Error:[/] the analysis failed: {type(error).__name__}: "
            f"{_escape(str(error))}",
            highlight=False,
        )
        raise typer.Exit(code=1) from None


def _escape(text: str) -> str:
    return text.replace("[", r"\[")


@contextmanager
def _progress(description: str) -> Iterator[Callable[[str], None]]:
    """A progress bar on stderr that appears only when the work takes more than a second."""
    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=_err(),
        transient=True,
    )
    task = progress.add_task(description, total=None)
    lock = threading.Lock()
    state = {"started": False, "done": False}

    def start() -> None:
        with lock:
            if not state["done"]:
                progress.start()
                state["started"] = True

    timer = threading.Timer(1.0, start)
    timer.daemon = True
    timer.start()
    try:
        yield lambda text: progress.update(task, description=text)
    finally:
        timer.cancel()
        with lock:
            state["done"] = True
            if state["started"]:
                progress.stop()


def _print_json(payload: Any) -> None:
    typer.echo(json.dumps(payload, ensure_ascii=False, allow_nan=False, indent=2))


def _number(value: float | None, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.{digits}f}"


def _percent(value: float) -> str:
    return "–" if math.isnan(value) else f"{100 * value:.1f}%"


# --------------------------------------------------------------------------------------------
# kano
# --------------------------------------------------------------------------------------------

KANO_HELP = f"""Kano analysis: classify answers into A, O, M, I, R, Q per attribute.

Answers may be codes 1–5 or labels: 1 like 我很喜欢, 2 must-be 理应如此, 3 neutral 无所谓,
4 live-with 能忍受, 5 dislike 我很不喜欢.

\b
Layouts of INPUT:
  long   one row per respondent and attribute, columns
         respondent, attribute, functional, dysfunctional[, importance][, segment…]
  wide   one row per respondent, columns NAME_F and NAME_D (and NAME_I for importance)
         for each attribute NAME, as a Qiwang survey export writes them (its earlier
         names NAME_functional, NAME_dysfunctional, NAME_importance are read too)
  counts with --counts: one row per attribute, columns attribute, A, O, M, I, R, Q

\b
The category is the most frequent one unless Fong's test finds the top two not significantly
different; then the rule M > O > A > I decides. Better = (A+O)/(A+O+M+I),
Worse = −(O+M)/(A+O+M+I), strengths are fractions of all answers.

\b
Examples (files in {EXAMPLES}):
  qiwang analyze kano examples/kano_long.csv
  qiwang analyze kano examples/kano_long.csv --by tier --json
  qiwang analyze kano examples/kano_long.csv --wave wave
  qiwang analyze kano examples/kano_wide.csv
  qiwang analyze kano --counts examples/kano_counts.csv --json
"""


@analyze_app.command("kano", help=KANO_HELP)
def kano_command(
    input_file: InputArgument,
    counts: Annotated[
        bool,
        typer.Option("--counts", help="INPUT holds category counts: attribute, A, O, M, I, R, Q."),
    ] = False,
    by: Annotated[
        str | None, typer.Option("--by", help="Column to segment by (tier, branch …).")
    ] = None,
    wave: Annotated[
        str | None,
        typer.Option(
            "--wave",
            help="Column naming the survey wave: analyse each wave and flag attributes that "
            "fall (A→O, O→M, A→M) between consecutive waves.",
        ),
    ] = None,
    importance: Annotated[
        str | None,
        typer.Option("--importance", help="Column of self-stated importance (long layout)."),
    ] = None,
    attribute_column: Annotated[
        str, typer.Option("--attribute-column", help="Attribute column (long layout).")
    ] = "attribute",
    functional_column: Annotated[
        str, typer.Option("--functional-column", help="Functional answer column (long layout).")
    ] = "functional",
    dysfunctional_column: Annotated[
        str,
        typer.Option("--dysfunctional-column", help="Dysfunctional answer column (long layout)."),
    ] = "dysfunctional",
    problem_share: Annotated[
        float,
        typer.Option(
            "--problem-share", min=0.0, max=1.0, help="Flag attributes with more R + Q than this."
        ),
    ] = 0.1,
    alpha: Annotated[
        float,
        typer.Option("--alpha", min=0.0, max=1.0, help="Significance level of the falling flag."),
    ] = 0.05,
    engine: EngineOption = None,
    spark_master: SparkMasterOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    from qiwang.analysis import kano
    from qiwang.analysis._io import SUFFIXES, read_table

    if counts and wave is not None:
        raise _fail("--wave needs answers, not --counts")
    problem = check_engine(engine, command="kano", supported=("duckdb", "spark", "postgres"))
    if problem is not None:
        raise _fail(problem)
    if counts and engine is not None:
        raise _fail("--counts reads a small table of category counts: drop --engine")
    with _guard(), _progress(f"Reading {input_file.name}") as say:
        if counts:
            frame = read_table(input_file)
            say("Classifying")
            result = kano.analyze_category_counts(frame, segment=by, problem_share=problem_share)
            _show_kano([("", result)], [], as_json=as_json)
            return
        count_waves = _kano_counter(
            input_file,
            kind=engine or SUFFIXES.get(input_file.suffix.lower(), ""),
            attribute=attribute_column,
            functional=functional_column,
            dysfunctional=dysfunctional_column,
            importance=importance,
            segment=by,
            read=read_table,
            spark_master=spark_master,
            database_url=database_url,
        )
        say("Counting answer pairs")
        per_wave = count_waves(wave)
        say("Classifying")
        results = [
            (label, kano.analyze_counts(table, problem_share=problem_share))
            for label, table in per_wave
        ]
        comparisons = [
            kano.compare_waves(
                first, second, alpha=alpha, before_label=first_label, after_label=second_label
            )
            for (first_label, first), (second_label, second) in zip(
                results, results[1:], strict=False
            )
        ]
    _show_kano(results, comparisons, as_json=as_json, wave=wave)


def _kano_counter(
    path: Path,
    *,
    kind: str,
    attribute: str,
    functional: str,
    dysfunctional: str,
    importance: str | None,
    segment: str | None,
    read: Callable[[Path], Any],
    spark_master: str | None = None,
    database_url: str | None = None,
) -> Callable[[str | None], list[tuple[str, KanoCounts]]]:
    """Return a function counting answer pairs per wave (DuckDB for long CSV / Parquet).

    ``kind`` ``duckdb``, ``spark`` or ``postgres`` (``--engine``) runs the portable stage 1 there.
    """
    from qiwang.analysis import AnalysisInputError, engines, kano
    from qiwang.analysis._duckdb import open_source, quote_identifier, quote_literal, select

    if kind in {"duckdb", "spark", "postgres"}:
        table = open_input(path, kind, spark_master=spark_master, database_url=database_url)
        names: dict[str, Any] = {
            "attribute": attribute,
            "functional": functional,
            "dysfunctional": dysfunctional,
            "importance": importance,
            "segment": segment,
        }

        def count_on_engine(wave: str | None) -> list[tuple[str, KanoCounts]]:
            if wave is None:
                return [("", engines.count_kano_answers(table, **names))]
            return [
                (value, engines.count_kano_answers(table, **names, where=(wave, value)))
                for value in engines.distinct_values(table, wave)
            ]

        return count_on_engine
    if kind in {"csv", "parquet"}:
        relation = open_source(path)
        if attribute in relation.columns:

            def count_duckdb(wave: str | None) -> list[tuple[str, KanoCounts]]:
                options: dict[str, Any] = {
                    "attribute": attribute,
                    "functional": functional,
                    "dysfunctional": dysfunctional,
                    "importance": importance,
                    "segment": segment,
                }
                if wave is None:
                    return [("", kano.count_answers_duckdb(relation, **options))]
                if wave not in relation.columns:
                    raise AnalysisInputError(f"missing column {wave!r}", column=wave)
                name = quote_identifier(wave)
                values = [
                    row[0]
                    for row in select(
                        relation,
                        f"SELECT DISTINCT {name} FROM qiwang_input "  # noqa: S608
                        f"WHERE {name} IS NOT NULL ORDER BY 1",
                    )
                ]
                return [
                    (
                        str(value),
                        kano.count_answers_duckdb(
                            relation.filter(
                                f"CAST({name} AS VARCHAR) = {quote_literal(str(value))}"
                            ),
                            **options,
                        ),
                    )
                    for value in values
                ]

            return count_duckdb
    frame = read(path)
    long = attribute in frame.columns
    if not long:  # a wide table: earlier export names (NAME_functional …) are aliases
        frame = canonical_columns(frame)

    def count_pandas(wave: str | None) -> list[tuple[str, KanoCounts]]:
        def count(part: Any) -> KanoCounts:
            if long:
                return kano.count_answers(
                    part,
                    attribute=attribute,
                    functional=functional,
                    dysfunctional=dysfunctional,
                    importance=importance,
                    segment=segment,
                )
            return kano.count_answers_wide(part, segment=segment)

        if wave is None:
            return [("", count(frame))]
        if wave not in frame.columns:
            raise AnalysisInputError(f"missing column {wave!r}", column=wave)
        waves = sorted(frame[wave].dropna().unique().tolist())
        return [(str(value), count(frame[frame[wave] == value])) for value in waves]

    return count_pandas


def _show_kano(
    results: list[tuple[str, KanoResult]],
    comparisons: list[KanoComparison],
    *,
    as_json: bool,
    wave: str | None = None,
) -> None:
    if as_json:
        if wave is None:
            _print_json(results[0][1].to_dict())
        else:
            _print_json(
                {
                    "wave_column": wave,
                    "waves": [{"wave": label, **result.to_dict()} for label, result in results],
                    "comparisons": [comparison.to_dict() for comparison in comparisons],
                }
            )
        return
    console = _out()
    for label, result in results:
        segmented = result.segment_column is not None
        title = "Kano analysis" + (f" — {wave} {label}" if wave else "")
        table = Table(
            title=title,
            title_justify="left",
            caption="cat = category; TS total strength, CS category strength (share of all "
            "answers); Fong: top two significantly different",
            caption_justify="left",
        )
        if segmented:
            table.add_column(str(result.segment_column), no_wrap=True)
        table.add_column("attribute", no_wrap=True)
        for header in ("n", "A", "O", "M", "I", "R", "Q"):
            table.add_column(header, justify="right")
        table.add_column("cat", justify="center")
        for header in ("Better", "Worse", "TS", "CS"):
            table.add_column(header, justify="right")
        table.add_column("Fong", justify="center")
        notes = []
        for item in result.attributes:
            name = item.attribute if item.segment is None else f"{item.segment} / {item.attribute}"
            if not item.fong_significant and item.counts[item.second] == 0:
                notes.append(f"{name}: only {item.n} answers, too few for Fong's test")
            elif not item.fong_significant:
                notes.append(
                    f"{name}: {item.mode} not significantly ahead of {item.second}; "
                    f"reported {item.category} by the rule M > O > A > I"
                )
            if item.has_questionnaire_problem:
                notes.append(
                    f"{name}: {_percent(item.shares['R'] + item.shares['Q'])} R + Q answers, "
                    "check the question"
                )
            table.add_row(
                *([item.segment or ""] if segmented else []),
                item.attribute,
                str(item.n),
                *(str(item.counts[code]) for code in ("A", "O", "M", "I", "R", "Q")),
                f"[bold]{item.category}[/]",
                _number(item.better, 2),
                _number(item.worse, 2),
                _percent(item.total_strength),
                _percent(item.category_strength),
                "yes" if item.fong_significant else "no",
            )
        console.print(table)
        for note in notes:
            console.print(f"  • {_escape(note)}", highlight=False)
    for comparison in comparisons:
        table = Table(
            title=f"Kano categories from {wave} {comparison.before} to {comparison.after}",
            caption=f"{comparison.test}; falling = A→O, O→M or A→M with p < {comparison.alpha}",
            title_justify="left",
        )
        segmented = any(change.segment is not None for change in comparison.changes)
        if segmented:
            table.add_column("segment")
        for header in ("attribute", "before", "after", "χ²", "p", "falling"):
            table.add_column(header)
        for change in comparison.changes:
            table.add_row(
                *([change.segment or ""] if segmented else []),
                change.attribute,
                change.category_before,
                change.category_after,
                _number(change.statistic, 2),
                _number(change.p_value, 4),
                "[bold red]FALLING[/]" if change.is_falling else "",
            )
        console.print(table)


# --------------------------------------------------------------------------------------------
# drivers
# --------------------------------------------------------------------------------------------

DRIVERS_HELP = f"""Key-driver analysis: split the R² of target ~ predictors among the predictors.

INPUT has one row per respondent and numeric columns (CSV, XLSX or Parquet). Rows with an empty
cell in a used column are left out. Methods: shapley (LMG: R² gains averaged over all orders of
entry, Lindeman, Merenda & Gold 1980; as R's relaimpo "lmg") and relative-weights (Johnson 2000;
as R's rwa). Weights are raw: they sum to R².

\b
Examples (files in {EXAMPLES}):
  qiwang analyze drivers examples/drivers.csv --target overall
  qiwang analyze drivers examples/drivers.csv --target overall --method relative-weights --json
  qiwang analyze drivers examples/drivers.csv --target overall --predictors speed,price --by tier
"""


def _split_names(value: str | None) -> list[str] | None:
    if value is None:
        return None
    names = [name.strip() for name in value.split(",") if name.strip()]
    if not names:
        raise _fail("--predictors lists no column")
    return names


@analyze_app.command("drivers", help=DRIVERS_HELP)
def drivers_command(
    input_file: InputArgument,
    target: Annotated[str, typer.Option("--target", help="Outcome column.", show_default=False)],
    predictors: Annotated[
        str | None,
        typer.Option(
            "--predictors",
            help="Comma-separated predictor columns (default: every other numeric column "
            "except respondent and customer_code).",
        ),
    ] = None,
    method: Annotated[
        str, typer.Option("--method", help="shapley or relative-weights.")
    ] = "shapley",
    by: Annotated[str | None, typer.Option("--by", help="Column to segment by.")] = None,
    engine: EngineOption = None,
    spark_master: SparkMasterOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    from qiwang.analysis import AnalysisInputError, drivers
    from qiwang.analysis._io import read_table

    problem = check_engine(engine, command="drivers", supported=("duckdb", "spark", "postgres"))
    if problem is not None:
        raise _fail(problem)
    if method not in drivers.METHODS:
        raise _fail(f"--method must be one of {', '.join(drivers.METHODS)}, not {method!r}")
    names = _split_names(predictors)
    with _guard(), _progress(f"Reading {input_file.name}") as say:
        relation = None if engine is not None else _duckdb_input(input_file)
        if engine is not None:
            from qiwang.analysis import engines

            table = open_input(
                input_file, engine, spark_master=spark_master, database_url=database_url
            )
            table.require([target, by, *(names or [])])
            if names is None:
                names = engines.numeric_columns(table, {target, *([by] if by else [])})
            say("Computing R² decompositions")
            compute = drivers.shapley if method == "shapley" else drivers.relative_weights
            wheres = [None] if by is None else [(by, v) for v in engines.distinct_values(table, by)]
            results = [
                (
                    "" if where is None else where[1],
                    compute(
                        engines.cross_products(table, [target, *names], where=where),
                        target=target,
                        predictors=names,
                    ),
                )
                for where in wheres
            ]
        elif relation is not None:
            # stage 1 in DuckDB: one aggregate of the cross-products per segment
            for column in [target, by, *(names or [])]:
                if column is not None and column not in relation.columns:
                    raise AnalysisInputError(
                        f"missing column {column!r}; the columns are {', '.join(relation.columns)}",
                        column=column,
                    )
            if names is None:
                names = _duckdb_numeric_columns(
                    relation, {target, *([by] if by else []), *ID_COLUMNS}
                )
            say("Computing R² decompositions")
            compute = drivers.shapley if method == "shapley" else drivers.relative_weights
            relations = [("", relation)] if by is None else _duckdb_segments(relation, by)
            results = [
                (
                    label,
                    compute(
                        drivers.cross_products_duckdb(part, [target, *names]),
                        target=target,
                        predictors=names,
                    ),
                )
                for label, part in relations
            ]
        else:
            frame = read_table(input_file)
            for column in [target, by, *(names or [])]:
                if column is not None and column not in frame.columns:
                    raise AnalysisInputError(
                        f"missing column {column!r}; the columns are {', '.join(frame.columns)}",
                        column=column,
                    )
            if names is None:
                names = [
                    str(column)
                    for column in frame.columns
                    if column not in (target, by)
                    and str(column) not in ID_COLUMNS
                    and _has_numbers(frame[column])
                ]
            say("Computing R² decompositions")
            parts = (
                [("", frame)]
                if by is None
                else [(str(value), part) for value, part in frame.groupby(by, sort=True)]
            )
            results = [
                (label, drivers.analyze(part, target=target, predictors=names, method=method))
                for label, part in parts
            ]
    if as_json:
        if by is None:
            _print_json(results[0][1].to_dict())
        else:
            _print_json(
                {
                    "segment_column": by,
                    "segments": [
                        {"segment": label, **result.to_dict()} for label, result in results
                    ],
                }
            )
        return
    console = _out()
    for label, result in results:
        title = f"Key drivers of {result.target} ({result.method})" + (
            f" — {by} {label}" if by else ""
        )
        table = Table(
            title=title,
            title_justify="left",
            caption=f"R² = {result.r2:.4f}, n = {result.n}"
            + (
                f", {result.rows_dropped} rows with empty cells left out"
                if result.rows_dropped
                else ""
            )
            + "; weights sum to R²",
            caption_justify="left",
        )
        for header, justify in (("driver", "left"), ("weight", "right"), ("share", "right")):
            table.add_column(header, justify=justify)
        table.add_column("r with target", justify="right")
        for driver in sorted(result.drivers, key=lambda d: -d.weight):
            table.add_row(
                driver.name,
                _number(driver.weight, 4),
                _percent(driver.share),
                _number(driver.correlation, 3),
            )
        console.print(table)


def _has_numbers(values: Any) -> bool:
    import pandas as pd

    return bool(pd.to_numeric(values, errors="coerce").notna().any())


def _duckdb_input(path: Path) -> Any | None:
    """A DuckDB relation over a UTF-8 CSV or a Parquet file (stage 1 then runs in DuckDB).

    ``None`` for XLSX and for CSV in another encoding (GB18030): those are read by pandas.
    """
    from qiwang.analysis import AnalysisInputError
    from qiwang.analysis._duckdb import open_source, select
    from qiwang.analysis._io import SUFFIXES

    kind = SUFFIXES.get(path.suffix.lower())
    if kind not in {"csv", "parquet"} or not path.is_file() or path.stat().st_size == 0:
        return None
    if kind == "csv":
        with path.open("rb") as handle:
            head = handle.read(1 << 16)
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as error:
            if error.start < len(head) - 4:  # not just a character cut at the end
                return None
        if head.startswith(b"\xef\xbb\xbf"):  # a BOM: pandas strips it from the first name
            return None
    relation = open_source(path)
    if any(str(c) != str(c).strip() for c in relation.columns):
        return None  # pandas strips spaces around column names; keep one behaviour
    if not select(relation, "SELECT 1 FROM qiwang_input LIMIT 1"):
        raise AnalysisInputError(f"{path.name} has no data rows")
    return relation


def _duckdb_segments(relation: Any, column: str) -> list[tuple[str, Any]]:
    """``(value, filtered relation)`` for each non-empty value of ``column``, sorted."""
    from qiwang.analysis import AnalysisInputError
    from qiwang.analysis._duckdb import quote_identifier, quote_literal, select

    if column not in relation.columns:
        raise AnalysisInputError(
            f"missing column {column!r}; the columns are {', '.join(relation.columns)}",
            column=column,
        )
    name = quote_identifier(column)
    values = [
        row[0]
        for row in select(
            relation,
            f"SELECT DISTINCT {name} FROM qiwang_input "  # noqa: S608
            f"WHERE {name} IS NOT NULL ORDER BY 1",
        )
    ]
    return [
        (
            str(value),
            relation.filter(f"CAST({name} AS VARCHAR) = {quote_literal(str(value))}"),
        )
        for value in values
    ]


def _duckdb_numeric_columns(relation: Any, exclude: set[str]) -> list[str]:
    """Columns holding at least one number (as :func:`_has_numbers` on a DataFrame)."""
    from qiwang.analysis._duckdb import quote_identifier, select

    columns = [str(c) for c in relation.columns if str(c) not in exclude]
    if not columns:
        return []
    counts = select(
        relation,
        "SELECT "  # noqa: S608 - quoted identifiers
        + ", ".join(f"count(TRY_CAST({quote_identifier(c)} AS DOUBLE))" for c in columns)
        + " FROM qiwang_input",
    )[0]
    return [c for c, n in zip(columns, counts, strict=True) if n]


# --------------------------------------------------------------------------------------------
# servqual
# --------------------------------------------------------------------------------------------

SERVQUAL_HELP = f"""SERVQUAL: expectation (E) and perception (P) gaps by item and dimension.

Default instrument: the 22 items of Parasuraman, Zeithaml & Berry (1988) in five dimensions —
tangibles TAN1–4, reliability REL1–5, responsiveness RES1–4, assurance ASS1–4, empathy EMP1–5.
Another instrument: --instrument FILE with columns item, dimension[, text].

\b
Layouts of INPUT:
  long   one row per respondent and item: respondent, item, expectation, perception
  wide   one row per respondent: ITEM_E and ITEM_P for each item, as a Qiwang survey
         export writes them (earlier exports' tan1_E, weight_tangibles, response are read too)
Importance points (100 per respondent over the dimensions), if asked, are in DIMENSION_W
columns (for example reliability_W); they give the weighted SERVQUAL score.

\b
Gap = P − E (the SERVQUAL score), ratio = P / E; intervals are t intervals (ratio: delta
method); outcome: regular (gap > tolerance), churn risk (gap < −tolerance), else indifferent.

\b
Examples (files in {EXAMPLES}):
  qiwang analyze servqual examples/servqual_long.csv
  qiwang analyze servqual examples/servqual_wide.csv --by branch --json
"""


@analyze_app.command("servqual", help=SERVQUAL_HELP)
def servqual_command(
    input_file: InputArgument,
    instrument_file: Annotated[
        Path | None,
        typer.Option("--instrument", help="Items and dimensions: CSV / XLSX with item, dimension."),
    ] = None,
    by: Annotated[str | None, typer.Option("--by", help="Column to segment by.")] = None,
    confidence: Annotated[
        float, typer.Option("--confidence", min=0.5, max=0.999, help="Interval level.")
    ] = 0.95,
    tolerance: Annotated[
        float, typer.Option("--tolerance", min=0.0, help="Gaps within ± this are indifferent.")
    ] = 0.0,
    engine: EngineOption = None,
    spark_master: SparkMasterOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    from qiwang.analysis import AnalysisInputError, engines, servqual
    from qiwang.analysis._io import read_table

    problem = check_engine(engine, command="servqual", supported=("duckdb", "spark", "postgres"))
    if problem is not None:
        raise _fail(problem)
    with _guard(), _progress(f"Reading {input_file.name}") as say:
        instrument = (
            servqual.SERVQUAL_22
            if instrument_file is None
            else servqual.Instrument.from_frame(read_table(instrument_file))
        )
        if engine is not None:
            table = open_input(
                input_file, engine, spark_master=spark_master, database_url=database_url
            )
            if any(f"{d}_W" in table.columns for d in instrument.dimensions):
                raise AnalysisInputError(
                    "importance points (DIMENSION_W columns) are summed without --engine only "
                    "for now: drop --engine or the points columns"
                )
            say("Summing expectations and perceptions")
            sums = engines.summarize_servqual(table, instrument=instrument, segment=by)
            result = servqual.analyze_sums(sums, confidence=confidence, tolerance=tolerance)
            if as_json:
                _print_json(result.to_dict())
                return
            _show_servqual(result)
            return
        relation = _duckdb_input(input_file)
        points = {d: f"{d}_W" for d in instrument.dimensions}
        if relation is not None and {"item", "expectation", "perception"} <= set(relation.columns):
            # long layout in CSV / Parquet: stage 1 in DuckDB
            say("Summing expectations and perceptions")
            has_points = all(column in relation.columns for column in points.values())
            sums = servqual.summarize_duckdb(
                relation,
                instrument=instrument,
                segment=by,
                weights=points if has_points else None,
            )
            result = servqual.analyze_sums(sums, confidence=confidence, tolerance=tolerance)
            if as_json:
                _print_json(result.to_dict())
                return
            _show_servqual(result)
            return
        frame = read_table(input_file)
        say("Summing expectations and perceptions")
        long = {"item", "expectation", "perception"} <= set(frame.columns)
        has_points = all(column in frame.columns for column in points.values())
        if long:
            sums = servqual.summarize(
                frame, instrument=instrument, segment=by, weights=points if has_points else None
            )
        else:
            # earlier export names (tan1_E, weight_tangibles, response) are aliases
            frame = match_item_case(
                canonical_columns(frame, dimensions=instrument.dimensions), instrument.codes
            )
            unlisted = unlisted_items(frame.columns, instrument.codes)
            if unlisted:
                _err().print(
                    f"[yellow]Warning:[/] {_escape(', '.join(unlisted))}: not items of the "
                    "instrument, left out; pass --instrument FILE (a Qiwang wave exports it: "
                    "Export → SERVQUAL items)",
                    highlight=False,
                )
            sums = servqual.summarize_wide(
                frame,
                instrument=instrument,
                respondent="respondent" if "respondent" in frame.columns else None,
                segment=by,
            )
        result = servqual.analyze_sums(sums, confidence=confidence, tolerance=tolerance)
    if as_json:
        _print_json(result.to_dict())
        return
    _show_servqual(result)


def _gap_row(statistic: Any) -> list[str]:
    return [
        str(statistic.n),
        _number(statistic.expectation_mean, 2),
        _number(statistic.perception_mean, 2),
        _number(statistic.gap, 2),
        f"[{_number(statistic.gap_low, 2)}, {_number(statistic.gap_high, 2)}]",
        _number(statistic.ratio, 3),
        statistic.outcome,
    ]


def _gap_table(title: str, first: str, segmented: bool, confidence: float) -> Table:
    table = Table(title=title, title_justify="left")
    if segmented:
        table.add_column("segment")
    table.add_column(first)
    for header in ("n", "E", "P", "gap P−E", f"{confidence:.0%} CI", "P/E", "outcome"):
        table.add_column(header, justify="right" if header != "outcome" else "left")
    return table


def _show_servqual(result: Any) -> None:
    from qiwang.analysis.servqual import DIMENSION_NAMES_ZH

    console = _out()
    segmented = result.segment_column is not None
    table = _gap_table("SERVQUAL by dimension", "dimension", segmented, result.confidence)
    for s in (*result.dimensions, *result.overall, *result.weighted):
        name = (
            s.name if s.name not in DIMENSION_NAMES_ZH else f"{s.name} {DIMENSION_NAMES_ZH[s.name]}"
        )
        if s.name in ("overall", "weighted"):
            name = f"[bold]{s.name}[/]"
        table.add_row(*([s.segment or ""] if segmented else []), name, *_gap_row(s))
    console.print(table)
    dimension_of = result.instrument.dimension_of()
    table = _gap_table("SERVQUAL by item", "item", segmented, result.confidence)
    for s in result.items:
        table.add_row(
            *([s.segment or ""] if segmented else []),
            f"{s.name} ({dimension_of.get(s.name, '')})",
            *_gap_row(s),
        )
    console.print(table)
    if result.weights:
        console.print(
            "Mean importance points: "
            + ", ".join(
                f"{w.dimension}{' (' + w.segment + ')' if w.segment else ''} {w.mean_points:.1f}"
                for w in result.weights
            ),
            highlight=False,
        )


# --------------------------------------------------------------------------------------------
# ipa
# --------------------------------------------------------------------------------------------

IPA_HELP = f"""Importance–performance analysis (Martilla & James 1977).

Each attribute is placed by mean importance and mean performance into one of four quadrants:
concentrate here (important, performing poorly), keep up the good work, low priority,
possible overkill.

\b
Layouts of INPUT:
  long   one row per respondent and attribute: attribute, performance[, importance][, overall]
  wide   one row per respondent: NAME_P (performance) and NAME_I (importance) per attribute
         (earlier Qiwang exports' NAME and NAME_importance are read too)
Importance is stated (the mean of the importance ratings) or derived (--importance derived:
the correlation of each attribute's performance with the --overall rating). The crosshairs are
the grand means (--crosshair mean) or the scale midpoint (--crosshair midpoint --scale 1,7).

\b
Examples (files in {EXAMPLES}):
  qiwang analyze ipa examples/ipa_wide.csv
  qiwang analyze ipa examples/ipa_wide.csv --crosshair midpoint --scale 1,7 --json
  qiwang analyze ipa examples/ipa_wide.csv --importance derived --overall overall
"""


@analyze_app.command("ipa", help=IPA_HELP)
def ipa_command(
    input_file: InputArgument,
    importance: Annotated[str, typer.Option("--importance", help="stated or derived.")] = "stated",
    overall: Annotated[
        str | None,
        typer.Option("--overall", help="Overall satisfaction column (for derived importance)."),
    ] = None,
    crosshair: Annotated[str, typer.Option("--crosshair", help="mean or midpoint.")] = "mean",
    scale: Annotated[
        str | None, typer.Option("--scale", help="Rating scale LOW,HIGH for the midpoint.")
    ] = None,
    by: Annotated[str | None, typer.Option("--by", help="Column to segment by.")] = None,
    engine: EngineOption = None,
    spark_master: SparkMasterOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    from qiwang.analysis import engines, ipa
    from qiwang.analysis._io import read_table

    problem = check_engine(engine, command="ipa", supported=("duckdb", "spark", "postgres"))
    if problem is not None:
        raise _fail(problem)

    if importance not in ("stated", "derived"):
        raise _fail(f"--importance must be stated or derived, not {importance!r}")
    if crosshair not in ("mean", "midpoint"):
        raise _fail(f"--crosshair must be mean or midpoint, not {crosshair!r}")
    if importance == "derived" and overall is None:
        raise _fail("--importance derived needs --overall COLUMN")
    bounds: tuple[float, float] | None = None
    if scale is not None:
        try:
            low, high = (float(part) for part in scale.split(","))
        except ValueError:
            raise _fail(f"--scale must be LOW,HIGH such as 1,7, not {scale!r}") from None
        bounds = (low, high)
    if crosshair == "midpoint" and bounds is None:
        raise _fail("--crosshair midpoint needs --scale LOW,HIGH")
    if crosshair == "midpoint" and importance == "derived":
        raise _fail("derived importance is a correlation: use --crosshair mean")
    with _guard(), _progress(f"Reading {input_file.name}") as say:
        relation = None if engine is not None else _duckdb_input(input_file)
        if engine is not None:
            table = open_input(
                input_file, engine, spark_master=spark_master, database_url=database_url
            )
            say("Summing ratings")
            sums = engines.summarize_ipa(
                table,
                importance="importance" if importance == "stated" else None,
                overall=overall,
                segment=by,
            )
        elif relation is not None and {"attribute", "performance"} <= set(relation.columns):
            # long layout in CSV / Parquet: stage 1 in DuckDB
            say("Summing ratings")
            sums = ipa.summarize_duckdb(
                relation,
                importance="importance" if importance == "stated" else None,
                overall=overall,
                segment=by,
            )
        else:
            frame = read_table(input_file)
            say("Summing ratings")
            if {"attribute", "performance"} <= set(frame.columns):
                sums = ipa.summarize(
                    frame,
                    importance="importance" if importance == "stated" else None,
                    overall=overall,
                    segment=by,
                )
            else:  # earlier export names (NAME_importance …) are aliases
                sums = ipa.summarize_wide(canonical_columns(frame), overall=overall, segment=by)
        result = ipa.analyze_sums(
            sums,
            importance="stated" if importance == "stated" else "derived",
            crosshair="mean" if crosshair == "mean" else "midpoint",
            scale=bounds,
        )
    if as_json:
        _print_json(result.to_dict())
        return
    console = _out()
    segmented = any(a.segment is not None for a in result.attributes)
    table = Table(
        title=f"Importance–performance ({result.importance_kind} importance, "
        f"{result.crosshair} crosshair)",
        title_justify="left",
        caption="crosshair: importance "
        + ", ".join(f"{k or 'all'} {v:.3f}" for k, v in result.importance_crosshair.items())
        + "; performance "
        + ", ".join(f"{k or 'all'} {v:.3f}" for k, v in result.performance_crosshair.items()),
        caption_justify="left",
    )
    if segmented:
        table.add_column("segment")
    for header in ("attribute", "importance", "performance", "n", "quadrant"):
        table.add_column(
            header, justify="right" if header in ("importance", "performance", "n") else "left"
        )
    order = {
        "concentrate here": 0,
        "keep up the good work": 1,
        "low priority": 2,
        "possible overkill": 3,
    }
    for a in sorted(
        result.attributes,
        key=lambda a: (
            a.segment or "",
            order.get(a.quadrant or "", 4),
            -a.importance if a.importance == a.importance else 0.0,
        ),
    ):
        style = "[bold red]" if a.quadrant == "concentrate here" else ""
        table.add_row(
            *([a.segment or ""] if segmented else []),
            a.attribute,
            _number(a.importance, 3),
            _number(a.performance, 3),
            str(a.performance_n),
            f"{style}{a.quadrant}[/]" if style else (a.quadrant or "undefined"),
        )
    console.print(table)
    for warning in result.warnings:
        _err().print(f"[yellow]Warning:[/] {_escape(warning)}", highlight=False)
