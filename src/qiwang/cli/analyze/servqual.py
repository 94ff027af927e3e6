"""``qiwang analyze servqual``: expectation and perception gaps by item and dimension."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from qiwang.cli._i18n import gettext as _
from qiwang.cli._i18n import gettext_noop
from qiwang.cli._output import use_json
from qiwang.cli.analyze import analyze_app
from qiwang.cli.analyze._columns import (
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
from qiwang.cli.analyze._survey_common import (
    EXAMPLES,
    InputArgument,
    JsonOption,
    _duckdb_input,
    _err,
    _escape,
    _fail,
    _guard,
    _number,
    _out,
    _print_json,
    _progress,
)

# Texts translated inside f-strings or by value, listed for `make messages` (xgettext reads
# neither); see tests/cli/test_catalogue_extraction.py.
_EXTRACTED = (
    gettext_noop("Warning:"),
    gettext_noop("overall"),
    gettext_noop("weighted"),
)


SERVQUAL_HELP = "\n\n".join(
    (
        _("SERVQUAL: expectation (E) and perception (P) gaps by item and dimension."),
        _(
            "Default instrument: the 22 items of Parasuraman, Zeithaml & Berry (1988) in five dimensions —\n"
            "tangibles TAN1–4, reliability REL1–5, responsiveness RES1–4, assurance ASS1–4, empathy EMP1–5.\n"
            "Another instrument: --instrument FILE with columns item, dimension[, text]."
        ),
        "\b\n"
        + _(
            "Layouts of INPUT:\n"
            "  long   one row per respondent and item: respondent, item, expectation, perception\n"
            "  wide   one row per respondent: ITEM_E and ITEM_P for each item, as a Qiwang survey\n"
            "         export writes them (earlier exports' tan1_E, weight_tangibles, response are read too)\n"
            "Importance points (100 per respondent over the dimensions), if asked, are in DIMENSION_W\n"
            "columns (for example reliability_W); they give the weighted SERVQUAL score."
        ),
        "\b\n"
        + _(
            "Gap = P − E (the SERVQUAL score), ratio = P / E; intervals are t intervals (ratio: delta\n"
            "method); outcome: regular (gap > tolerance), churn risk (gap < −tolerance), else indifferent."
        ),
        "\b\n" + _("Examples (files in %(examples)s):") % {"examples": EXAMPLES} + "\n"
        "  qiwang analyze servqual examples/servqual_long.csv\n"
        "  qiwang analyze servqual examples/servqual_wide.csv --by branch --json",
    )
)


@analyze_app.command("servqual", help=SERVQUAL_HELP)
def servqual_command(
    input_file: InputArgument,
    instrument_file: Annotated[
        Path | None,
        typer.Option(
            "--instrument", help=_("Items and dimensions: CSV / XLSX with item, dimension.")
        ),
    ] = None,
    by: Annotated[str | None, typer.Option("--by", help=_("Column to segment by."))] = None,
    confidence: Annotated[
        float, typer.Option("--confidence", min=0.5, max=0.999, help=_("Interval level."))
    ] = 0.95,
    tolerance: Annotated[
        float, typer.Option("--tolerance", min=0.0, help=_("Gaps within ± this are indifferent."))
    ] = 0.0,
    engine: EngineOption = None,
    spark_master: SparkMasterOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    use_json(as_json)
    from qiwang.analysis import engines, servqual
    from qiwang.analysis._io import read_table

    problem = check_engine(engine, command="servqual", supported=("duckdb", "spark", "postgres"))
    if problem is not None:
        raise _fail(problem)
    with _guard(), _progress(_("Reading %(file)s") % {"file": input_file.name}) as say:
        instrument = (
            servqual.SERVQUAL_22
            if instrument_file is None
            else servqual.Instrument.from_frame(read_table(instrument_file))
        )
        if engine is not None:
            table = open_input(
                input_file, engine, spark_master=spark_master, database_url=database_url
            )
            points = {d: f"{d}_W" for d in instrument.dimensions}
            has_points = all(column in table.columns for column in points.values())
            wide = any(f"{code}_E" in table.columns for code in instrument.codes)
            if "item" not in table.columns and wide:  # ITEM_E / ITEM_P, unpivoted there
                table = engines.unpivot_servqual(
                    table,
                    instrument=instrument,
                    keep=[by, *(points.values() if has_points else ())],
                )
            say(_("Summing expectations and perceptions"))
            sums = engines.summarize_servqual(
                table,
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
        relation = _duckdb_input(input_file)
        points = {d: f"{d}_W" for d in instrument.dimensions}
        if relation is not None and {"item", "expectation", "perception"} <= set(relation.columns):
            # long layout in CSV / Parquet: stage 1 in DuckDB
            say(_("Summing expectations and perceptions"))
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
        say(_("Summing expectations and perceptions"))
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
                    f"[yellow]{_('Warning:')}[/] "
                    + _(
                        "%(items)s: not items of the instrument, left out; pass --instrument FILE "
                        "(a Qiwang wave exports it: Export → SERVQUAL items)"
                    )
                    % {"items": _escape(", ".join(unlisted))},
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
        _outcome(statistic.outcome),
    ]


def _gap_table(title: str, first: str, segmented: bool, confidence: float) -> Table:
    table = Table(title=title, title_justify="left")
    if segmented:
        table.add_column(_("segment"))
    table.add_column(first)
    for header in ("n", "E", "P", _("gap P−E"), _("%(level)s CI") % {"level": f"{confidence:.0%}"}):
        table.add_column(header, justify="right")
    table.add_column("P/E", justify="right")
    table.add_column(_("outcome"))
    return table


def _outcome(name: str) -> str:
    """The outcome in the command line's language (JSON keeps the English one)."""
    labels = {
        "regular": _("regular"),
        "churn risk": _("churn risk"),
        "indifferent": _("indifferent"),
    }
    return labels.get(name, name)


def _show_servqual(result: Any) -> None:
    from qiwang.analysis.servqual import DIMENSION_NAMES_ZH

    console = _out()
    segmented = result.segment_column is not None
    table = _gap_table(_("SERVQUAL by dimension"), _("dimension"), segmented, result.confidence)
    for s in (*result.dimensions, *result.overall, *result.weighted):
        name = (
            s.name if s.name not in DIMENSION_NAMES_ZH else f"{s.name} {DIMENSION_NAMES_ZH[s.name]}"
        )
        if s.name in ("overall", "weighted"):
            name = f"[bold]{_(s.name)}[/]"  # overall, weighted
        table.add_row(*([s.segment or ""] if segmented else []), name, *_gap_row(s))
    console.print(table)
    dimension_of = result.instrument.dimension_of()
    table = _gap_table(_("SERVQUAL by item"), _("item"), segmented, result.confidence)
    for s in result.items:
        table.add_row(
            *([s.segment or ""] if segmented else []),
            f"{s.name} ({dimension_of.get(s.name, '')})",
            *_gap_row(s),
        )
    console.print(table)
    if result.weights:
        console.print(
            _("Mean importance points: ")
            + ", ".join(
                f"{w.dimension}{' (' + w.segment + ')' if w.segment else ''} {w.mean_points:.1f}"
                for w in result.weights
            ),
            highlight=False,
        )
