"""``qiwang analyze promise``: the over-promise check of a commitment on a delivery history."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from qiwang.cli._i18n import gettext as _
from qiwang.cli._i18n import gettext_noop
from qiwang.cli._output import use_json
from qiwang.cli.analyze import analyze_app
from qiwang.cli.analyze._common import console, guard, print_json
from qiwang.cli.analyze._summaries import promise_lines

EXAMPLES = Path(__file__).resolve().parents[4] / "examples"

PROMISE_HELP = "\n\n".join(
    (
        _("Over-promise check: how often would this target have been broken?"),
        _(
            "FILE holds one row per delivery (CSV, XLSX or Parquet) with the measured value in --value\n"
            "(hours to the repair visit, seconds to answer, °C). Empty cells are left out and counted;\n"
            "a cell that is not a number stops the command with its row."
        ),
        "\b\n"
        + _(
            "Prints the breaches of --target, the breach probability with its exact two-sided\n"
            "(Clopper–Pearson) interval, and the recommended target: the tightest observed value whose\n"
            "breach probability's upper bound stays within --allowed-breach (for <= targets the smallest,\n"
            "for >= targets the largest; stated as <= or >=). Formulas: docs/analysis/promise.md."
        ),
        "\b\n" + _("Examples (files in %(examples)s):") % {"examples": EXAMPLES} + "\n"
        '  qiwang analyze promise examples/repair_visits.csv --value hours --target "<=24"\n'
        '  qiwang analyze promise examples/repair_visits.csv --value hours --target "<=24" --json\n'
        '  qiwang analyze promise examples/indoor_temperature.csv --value celsius --target ">=18 °C"',
    )
)

# Texts translated inside f-strings or by value, listed for `make messages` (xgettext reads
# neither); see tests/cli/test_catalogue_extraction.py.
_EXTRACTED = (gettext_noop("over-promise"),)


@analyze_app.command("promise", help=PROMISE_HELP)
def promise_command(
    input_file: Annotated[
        Path, typer.Argument(help=_("CSV, XLSX or Parquet file, one row per delivery."))
    ],
    value: Annotated[
        str, typer.Option("--value", help=_("Column with the measured value of each delivery."))
    ],
    target: Annotated[
        str,
        typer.Option("--target", help=_('Proposed target, e.g. "<=24", "< 30 s", ">=18 °C".')),
    ],
    allowed_breach: Annotated[
        float,
        typer.Option("--allowed-breach", help=_("Breach rate the organisation accepts (0–1).")),
    ] = 0.05,
    confidence: Annotated[
        float, typer.Option("--confidence", help=_("Confidence of the exact interval (0–1)."))
    ] = 0.95,
    as_json: Annotated[
        bool, typer.Option("--json", help=_("Print JSON instead of a table."))
    ] = False,
) -> None:
    use_json(as_json)
    from qiwang.analysis import promise
    from qiwang.analysis._io import numeric_column, read_table, require_columns

    with guard():
        proposed = promise.Target.parse(target)
        frame = read_table(input_file)
        require_columns(frame, [value])
        values = numeric_column(frame, value)
        check = promise.check_promise(
            values, proposed, allowed_breach=allowed_breach, confidence=confidence
        )
    if as_json:
        print_json(check.to_dict())
        return
    out = console()
    low, high = check.interval
    table = Table(
        title=_("Over-promise check: %(value)s %(target)s")
        % {"value": value, "target": check.target},
        title_justify="left",
    )
    table.add_column("")
    table.add_column(_("value"), justify="right")
    table.add_row(_("deliveries"), str(check.n))
    if check.dropped:
        table.add_row(_("empty cells left out"), str(check.dropped))
    table.add_row(_("breaches"), str(check.breaches))
    table.add_row(_("breach probability"), f"{100 * check.breach_probability:.1f}%")
    table.add_row(
        _("%(level)s%% exact interval") % {"level": f"{100 * check.confidence:g}"},
        f"{100 * low:.1f}% – {100 * high:.1f}%",
    )
    table.add_row(_("allowed breach rate"), f"{100 * check.allowed_breach:g}%")
    table.add_row(
        _("verdict"),
        _("within the allowed rate")
        if check.within_allowed
        else f"[bold red]{_('over-promise')}[/]",
    )
    recommended = check.recommended
    table.add_row(
        _("recommended target"),
        "–" if recommended is None else f"[bold]{recommended}[/]",
    )
    out.print(table)
    for line in promise_lines(check):
        out.print(f"  • {line}", highlight=False, markup=False)
