"""``qiwang analyze ipa``: importance–performance analysis."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from qiwang.cli._i18n import gettext as _
from qiwang.cli._i18n import gettext_noop
from qiwang.cli._output import use_json
from qiwang.cli.analyze import analyze_app
from qiwang.cli.analyze._columns import (
    canonical_columns,
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
    gettext_noop("stated"),
    gettext_noop("derived"),
    gettext_noop("mean"),
    gettext_noop("midpoint"),
)


IPA_HELP = "\n\n".join(
    (
        _("Importance–performance analysis (Martilla & James 1977)."),
        _(
            "Each attribute is placed by mean importance and mean performance into one of four quadrants:\n"
            "concentrate here (important, performing poorly), keep up the good work, low priority,\n"
            "possible overkill."
        ),
        "\b\n"
        + _(
            "Layouts of INPUT:\n"
            "  long   one row per respondent and attribute: attribute, performance[, importance][, overall]\n"
            "  wide   one row per respondent: NAME_P (performance) and NAME_I (importance) per attribute\n"
            "         (earlier Qiwang exports' NAME and NAME_importance are read too)\n"
            "Importance is stated (the mean of the importance ratings) or derived (--importance derived:\n"
            "the correlation of each attribute's performance with the --overall rating). The crosshairs are\n"
            "the grand means (--crosshair mean) or the scale midpoint (--crosshair midpoint --scale 1,7)."
        ),
        "\b\n" + _("Examples (files in %(examples)s):") % {"examples": EXAMPLES} + "\n"
        "  qiwang analyze ipa examples/ipa_wide.csv\n"
        "  qiwang analyze ipa examples/ipa_wide.csv --crosshair midpoint --scale 1,7 --json\n"
        "  qiwang analyze ipa examples/ipa_wide.csv --importance derived --overall overall",
    )
)


@analyze_app.command("ipa", help=IPA_HELP)
def ipa_command(
    input_file: InputArgument,
    importance: Annotated[
        str, typer.Option("--importance", help=_("stated or derived."))
    ] = "stated",
    overall: Annotated[
        str | None,
        typer.Option("--overall", help=_("Overall satisfaction column (for derived importance).")),
    ] = None,
    crosshair: Annotated[str, typer.Option("--crosshair", help=_("mean or midpoint."))] = "mean",
    scale: Annotated[
        str | None, typer.Option("--scale", help=_("Rating scale LOW,HIGH for the midpoint."))
    ] = None,
    by: Annotated[str | None, typer.Option("--by", help=_("Column to segment by."))] = None,
    engine: EngineOption = None,
    spark_master: SparkMasterOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    use_json(as_json)
    from qiwang.analysis import engines, ipa
    from qiwang.analysis._io import read_table

    problem = check_engine(engine, command="ipa", supported=("duckdb", "spark", "postgres"))
    if problem is not None:
        raise _fail(problem)

    if importance not in ("stated", "derived"):
        raise _fail(
            _("--importance must be stated or derived, not %(value)s") % {"value": repr(importance)}
        )
    if crosshair not in ("mean", "midpoint"):
        raise _fail(
            _("--crosshair must be mean or midpoint, not %(value)s") % {"value": repr(crosshair)}
        )
    if importance == "derived" and overall is None:
        raise _fail(_("--importance derived needs --overall COLUMN"))
    bounds: tuple[float, float] | None = None
    if scale is not None:
        try:
            low, high = (float(part) for part in scale.split(","))
        except ValueError:
            raise _fail(
                _("--scale must be LOW,HIGH such as 1,7, not %(value)s") % {"value": repr(scale)}
            ) from None
        bounds = (low, high)
    if crosshair == "midpoint" and bounds is None:
        raise _fail(_("--crosshair midpoint needs --scale LOW,HIGH"))
    if crosshair == "midpoint" and importance == "derived":
        raise _fail(_("derived importance is a correlation: use --crosshair mean"))
    with _guard(), _progress(_("Reading %(file)s") % {"file": input_file.name}) as say:
        relation = None if engine is not None else _duckdb_input(input_file)
        if engine is not None:
            table = open_input(
                input_file, engine, spark_master=spark_master, database_url=database_url
            )
            wide = any(column.endswith("_P") for column in table.columns)
            if "attribute" not in table.columns and wide:  # NAME_P / NAME_I, unpivoted there
                table = engines.unpivot_ipa(table, keep=[overall, by])
            say(_("Summing ratings"))
            sums = engines.summarize_ipa(
                table,
                importance="importance" if importance == "stated" else None,
                overall=overall,
                segment=by,
            )
        elif relation is not None and {"attribute", "performance"} <= set(relation.columns):
            # long layout in CSV / Parquet: stage 1 in DuckDB
            say(_("Summing ratings"))
            sums = ipa.summarize_duckdb(
                relation,
                importance="importance" if importance == "stated" else None,
                overall=overall,
                segment=by,
            )
        else:
            frame = read_table(input_file)
            say(_("Summing ratings"))
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
        title=_("Importance–performance (%(importance)s importance, %(crosshair)s crosshair)")
        % {"importance": _(result.importance_kind), "crosshair": _(result.crosshair)},
        title_justify="left",
        caption=_("crosshair: importance %(importance)s; performance %(performance)s")
        % {
            "importance": ", ".join(
                f"{k or _('all')} {v:.3f}" for k, v in result.importance_crosshair.items()
            ),
            "performance": ", ".join(
                f"{k or _('all')} {v:.3f}" for k, v in result.performance_crosshair.items()
            ),
        },
        caption_justify="left",
    )
    if segmented:
        table.add_column(_("segment"))
    table.add_column(_("attribute"))
    for header in (_("importance"), _("performance"), "n"):
        table.add_column(header, justify="right")
    table.add_column(_("quadrant"))
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
            f"{style}{_quadrant(a.quadrant)}[/]" if style else _quadrant(a.quadrant),
        )
    console.print(table)
    for warning in result.warnings:
        _err().print(f"[yellow]{_('Warning:')}[/] {_escape(warning)}", highlight=False)


def _quadrant(name: str | None) -> str:
    """The quadrant's name in the command line's language (JSON keeps the English one)."""
    labels = {
        "concentrate here": _("concentrate here"),
        "keep up the good work": _("keep up the good work"),
        "low priority": _("low priority"),
        "possible overkill": _("possible overkill"),
    }
    return labels.get(name or "", name or _("undefined"))
