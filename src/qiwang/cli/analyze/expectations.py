"""``qiwang analyze expectations``: each customer's expectation of each service, over time."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from qiwang.cli._i18n import gettext as _
from qiwang.cli._i18n import gettext_noop
from qiwang.cli._output import use_json
from qiwang.cli.analyze import analyze_app
from qiwang.cli.analyze._common import console, fail, guard, print_json, working
from qiwang.cli.analyze._summaries import estimate_line, states_line

EXAMPLES = Path(__file__).resolve().parents[4] / "examples"

EXPECTATIONS_HELP = "\n\n".join(
    (
        _("Track each customer's expectation of each service from perceptions over time."),
        _(
            "OBSERVATIONS (CSV, XLSX or Parquet) has one row per observation: customer, service, time\n"
            "(wave numbers or YYYY-MM-DD dates), perception, and optionally expectation where it was\n"
            "measured (it replaces the model's expectation at that time). Empty perceptions are skipped."
        ),
        "\b\n"
        + _(
            "Model (docs/analysis/expectations.md): gap g = P − E; Kalman gain K = v / (v + τ²);\n"
            "E' = E + α K g with α = gain weight (1.0) after a gain, loss weight (0.5) after a loss;\n"
            "uncertainty v' = v τ² / (v + τ²), growing only after a surprise (|g| > 2 √(v + τ²)).\n"
            "Ratchet warning: the last gain exceeded √(v + τ²) on a repeated service. Predicted\n"
            "satisfaction weighs a shortfall twice an equal excess. Prior and noise come from the data\n"
            "unless given. --estimate fits the two weights from measured expectations first."
        ),
        "\b\n" + _("Examples (files in %(examples)s):") % {"examples": EXAMPLES} + "\n"
        "  qiwang analyze expectations examples/expectation_waves.csv --json\n"
        "  qiwang analyze expectations examples/expectation_waves.csv --estimate\n"
        "  qiwang analyze expectations examples/expectation_waves.csv --customer 007 --service 维修 --json",
    )
)

# Texts translated inside f-strings or by value, listed for `make messages` (xgettext reads
# neither); see tests/cli/test_catalogue_extraction.py.
_EXTRACTED = (
    gettext_noop("warning"),
    gettext_noop("surprise"),
    gettext_noop("ratchet warning"),
)


@analyze_app.command("expectations", help=EXPECTATIONS_HELP)
def expectations_command(
    observations: Annotated[
        Path,
        typer.Argument(help=_("customer, service, time, perception[, expectation] per row.")),
    ],
    planned_level: Annotated[
        float | None,
        typer.Option("--planned-level", help=_("Predict S, c and satisfaction at this level.")),
    ] = None,
    one_off: Annotated[
        list[str] | None,
        typer.Option("--one-off", help=_("A service delivered once (no ratchet warning); repeat.")),
    ] = None,
    estimate: Annotated[
        bool, typer.Option("--estimate", help=_("Estimate the gain and loss weights first."))
    ] = False,
    prior_mean: Annotated[float | None, typer.Option("--prior-mean")] = None,
    prior_sd: Annotated[float | None, typer.Option("--prior-sd")] = None,
    noise_sd: Annotated[float | None, typer.Option("--noise-sd")] = None,
    gain_weight: Annotated[float, typer.Option("--gain-weight", help=_("α⁺ in [0, 1]."))] = 1.0,
    loss_weight: Annotated[float, typer.Option("--loss-weight", help=_("α⁻ in [0, 1]."))] = 0.5,
    customer: Annotated[
        str | None, typer.Option("--customer", help=_("With --service: print this pair's path."))
    ] = None,
    service: Annotated[str | None, typer.Option("--service")] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help=_("Print JSON instead of a table."))
    ] = False,
) -> None:
    use_json(as_json)
    from qiwang.analysis import expectations
    from qiwang.analysis._io import read_table

    if (customer is None) != (service is None):
        raise fail(_("--customer and --service go together"))
    estimate_result = None
    with guard(), working(_("Reading %(file)s") % {"file": observations.name}):
        parameters = expectations.ExpectationParameters(
            prior_mean=prior_mean,
            prior_sd=prior_sd,
            noise_sd=noise_sd,
            gain_weight=gain_weight,
            loss_weight=loss_weight,
        )
        frame = read_table(observations, text_columns=["customer", "service"])
        if estimate:
            estimate_result = expectations.estimate_parameters(frame, parameters=parameters)
            parameters = estimate_result.parameters
        if customer is not None and service is not None:
            path = expectations.expectation_trajectory(
                frame, customer=customer, service=service, parameters=parameters
            )
            if as_json:
                print_json(path.to_dict())
            else:
                _show_path(path)
            return
        states = expectations.track_expectations(
            frame,
            parameters=parameters,
            one_off_services=one_off or (),
            planned_level=planned_level,
        )
    if as_json:
        print_json(states.to_records())
        return
    out = console()
    if estimate_result is not None:
        out.print(
            _("Estimated: %(summary)s") % {"summary": estimate_line(estimate_result)},
            highlight=False,
            markup=False,
        )
    used = states.parameters
    out.print(
        _(
            "Parameters: prior %(mean)s ± %(sd)s, noise %(noise)s, gain weight %(gain)s, "
            "loss weight %(loss)s"
        )
        % {
            "mean": f"{used.prior_mean:.3g}",
            "sd": f"{used.prior_sd:.3g}",
            "noise": f"{used.noise_sd:.3g}",
            "gain": f"{used.gain_weight:.3g}",
            "loss": f"{used.loss_weight:.3g}",
        },
        highlight=False,
        markup=False,
    )
    table = Table(title=_("Expectations per customer × service"), title_justify="left")
    for header in (_("customer"), _("service")):
        table.add_column(header)
    for header in ("E", "± sd", "n", _("last P"), _("last gap"), "S = P − E", _("predicted")):
        table.add_column(header, justify="right")
    table.add_column(_("ratchet"))
    shown = states.frame.head(50)
    for row in shown.itertuples(index=False):
        table.add_row(
            str(row.customer),
            str(row.service),
            f"{row.expectation:.1f}",
            f"{row.uncertainty:.1f}",
            str(row.observations),
            _number(row.last_perception),
            _number(row.last_gap),
            _number(row.s_difference),
            _number(row.predicted_satisfaction),
            f"[bold red]{_('warning')}[/]" if row.ratchet_warning else "",
        )
    out.print(table)
    if len(states.frame) > len(shown):
        out.print(
            _("… %(count)s more pairs (use --json for all)")
            % {"count": len(states.frame) - len(shown)}
        )
    out.print(states_line(states), highlight=False, markup=False)


def _number(value: float) -> str:
    return "–" if value != value else f"{value:.1f}"


def _show_path(path: Any) -> None:
    table = Table(
        title=_("Expectation of %(customer)s × %(service)s over time")
        % {"customer": path.customer, "service": path.service},
        title_justify="left",
    )
    table.add_column(_("time"))
    for header in ("P", _("E before"), _("gap"), _("E after"), "± sd", _("predicted")):
        table.add_column(header, justify="right")
    table.add_column("")
    for row in path.frame.to_dict("records"):
        flags = [name for name in ("surprise", "ratchet_warning") if row[name]]
        table.add_row(
            str(row["time"])[:10],
            _number(row["perception"]),
            _number(row["expectation_before"]),
            _number(row["gap"]),
            _number(row["expectation_after"]),
            _number(row["uncertainty_after"]),
            _number(row["predicted_satisfaction"]),
            ", ".join(_(flag.replace("_", " ")) for flag in flags),  # surprise, ratchet warning
        )
    console().print(table)
