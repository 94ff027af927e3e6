"""``qiwang analyze drivers``: key-driver analysis (Shapley / LMG, relative weights)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from qiwang.cli._i18n import gettext as _
from qiwang.cli._output import use_json
from qiwang.cli.analyze import analyze_app
from qiwang.cli.analyze._columns import (
    ID_COLUMNS,
)
from qiwang.cli.analyze._engine import (
    DatabaseUrlOption,
    EngineOption,
    SparkMasterOption,
    check_engine,
    open_input,
)
from qiwang.cli.analyze._survey_common import (
    EXAMPLES,
    InputArgument,
    JsonOption,
    _duckdb_input,
    _duckdb_numeric_columns,
    _duckdb_segments,
    _fail,
    _guard,
    _has_numbers,
    _number,
    _out,
    _percent,
    _print_json,
    _progress,
    _split_names,
)

DRIVERS_HELP = "\n\n".join(
    (
        _("Key-driver analysis: split the R² of target ~ predictors among the predictors."),
        _(
            "INPUT has one row per respondent and numeric columns (CSV, XLSX or Parquet). Rows with an empty\n"
            "cell in a used column are left out. Methods: shapley (LMG: R² gains averaged over all orders of\n"
            'entry, Lindeman, Merenda & Gold 1980; as R\'s relaimpo "lmg") and relative-weights (Johnson 2000;\n'
            "as R's rwa). Weights are raw: they sum to R²."
        ),
        "\b\n" + _("Examples (files in %(examples)s):") % {"examples": EXAMPLES} + "\n"
        "  qiwang analyze drivers examples/drivers.csv --target overall\n"
        "  qiwang analyze drivers examples/drivers.csv --target overall --method relative-weights --json\n"
        "  qiwang analyze drivers examples/drivers.csv --target overall --predictors speed,price --by tier",
    )
)


@analyze_app.command("drivers", help=DRIVERS_HELP)
def drivers_command(
    input_file: InputArgument,
    target: Annotated[str, typer.Option("--target", help=_("Outcome column."), show_default=False)],
    predictors: Annotated[
        str | None,
        typer.Option(
            "--predictors",
            help=_(
                "Comma-separated predictor columns (default: every other numeric column "
                "except respondent and customer_code)."
            ),
        ),
    ] = None,
    method: Annotated[
        str, typer.Option("--method", help=_("shapley or relative-weights."))
    ] = "shapley",
    by: Annotated[str | None, typer.Option("--by", help=_("Column to segment by."))] = None,
    engine: EngineOption = None,
    spark_master: SparkMasterOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    use_json(as_json)
    from qiwang.analysis import AnalysisInputError, drivers
    from qiwang.analysis._io import read_table

    problem = check_engine(engine, command="drivers", supported=("duckdb", "spark", "postgres"))
    if problem is not None:
        raise _fail(problem)
    if method not in drivers.METHODS:
        raise _fail(
            _("--method must be one of %(methods)s, not %(method)s")
            % {"methods": ", ".join(drivers.METHODS), "method": repr(method)}
        )
    names = _split_names(predictors)
    with _guard(), _progress(_("Reading %(file)s") % {"file": input_file.name}) as say:
        relation = None if engine is not None else _duckdb_input(input_file)
        if engine is not None:
            from qiwang.analysis import engines

            table = open_input(
                input_file, engine, spark_master=spark_master, database_url=database_url
            )
            table.require([target, by, *(names or [])])
            if names is None:
                names = engines.numeric_columns(table, {target, *([by] if by else [])})
            say(_("Computing R² decompositions"))
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
            say(_("Computing R² decompositions"))
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
            say(_("Computing R² decompositions"))
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
        title = _("Key drivers of %(target)s (%(method)s)") % {
            "target": result.target,
            "method": result.method,
        } + (f" — {by} {label}" if by else "")
        table = Table(
            title=title,
            title_justify="left",
            caption=f"R² = {result.r2:.4f}, n = {result.n}"
            + (
                _(", %(count)s rows with empty cells left out") % {"count": result.rows_dropped}
                if result.rows_dropped
                else ""
            )
            + _("; weights sum to R²"),
            caption_justify="left",
        )
        for header, justify in (
            (_("driver"), "left"),
            (_("weight"), "right"),
            (_("share"), "right"),
        ):
            table.add_column(header, justify=justify)
        table.add_column(_("r with target"), justify="right")
        for driver in sorted(result.drivers, key=lambda d: -d.weight):
            table.add_row(
                driver.name,
                _number(driver.weight, 4),
                _percent(driver.share),
                _number(driver.correlation, 3),
            )
        console.print(table)
