"""``qiwang analyze surprise-plan``: plan a surprise campaign that stays a surprise."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from qiwang.cli._i18n import gettext as _
from qiwang.cli._output import use_json
from qiwang.cli.analyze import analyze_app
from qiwang.cli.analyze._common import console, guard, print_json
from qiwang.cli.analyze._summaries import habituation_lines, surprise_plan_lines

EXAMPLES = Path(__file__).resolve().parents[4] / "examples"

SURPRISE_HELP = "\n\n".join(
    (
        _("Plan who receives a surprise service, and when, so that it stays a surprise."),
        _(
            "CUSTOMERS (CSV, XLSX or Parquet) lists the eligible customers: columns customer, segment.\n"
            "DELIVERIES (--history) lists past deliveries of the surprise: columns customer, date\n"
            '(YYYY-MM-DD). Customer ids are kept as written ("007" stays "007").'
        ),
        "\b\n"
        + _(
            "Rules: at most floor(budget / cost) deliveries, split among segments by size; dates drawn at\n"
            "random (irregular intervals) with at least --min-gap-days between a customer's surprises, at\n"
            "most --max-per-year per calendar year, never within --same-date-window days of the same\n"
            "calendar date as a delivery a year before or after, and never a date that would make a\n"
            "customer's recent intervals regular (coefficient of variation <= --cv-threshold). History\n"
            "counts for every rule. The same inputs and --seed give the same plan. With --history the\n"
            "output also lists the customers whose past surprises have become predictable (habituated).\n"
            "Rules, defaults and sources: docs/analysis/surprise.md."
        ),
        "\b\n" + _("Examples (files in %(examples)s):") % {"examples": EXAMPLES} + "\n"
        "  qiwang analyze surprise-plan examples/surprise_customers.csv --budget 6000 --cost 150 \\\n"
        "      --start 2026-01-01 --end 2026-12-31 --min-gap-days 90 --max-per-year 2 --seed 7 \\\n"
        "      --history examples/surprise_history.csv --json",
    )
)


@analyze_app.command("surprise-plan", help=SURPRISE_HELP)
def surprise_plan_command(
    customers_file: Annotated[
        Path, typer.Argument(help=_("Eligible customers: columns customer, segment."))
    ],
    budget: Annotated[str, typer.Option("--budget", help=_("Money available for the campaign."))],
    cost: Annotated[str, typer.Option("--cost", help=_("Cost of one delivery."))],
    start: Annotated[str, typer.Option("--start", help=_("First day, YYYY-MM-DD."))],
    end: Annotated[str, typer.Option("--end", help=_("Last day, YYYY-MM-DD."))],
    min_gap_days: Annotated[
        int,
        typer.Option("--min-gap-days", help=_("Fewest days between two surprises of a customer.")),
    ],
    max_per_year: Annotated[
        int,
        typer.Option("--max-per-year", help=_("Most surprises per customer per calendar year.")),
    ],
    seed: Annotated[
        int, typer.Option("--seed", help=_("Seed: the same seed gives the same plan."))
    ],
    history: Annotated[
        Path | None,
        typer.Option("--history", help=_("Past deliveries: columns customer, date (YYYY-MM-DD).")),
    ] = None,
    same_date_window: Annotated[
        int,
        typer.Option(
            "--same-date-window", help=_("Days around last year's calendar date to avoid.")
        ),
    ] = 14,
    cv_threshold: Annotated[
        float,
        typer.Option("--cv-threshold", help=_("Intervals this regular (CV) count as predictable.")),
    ] = 0.2,
    as_json: Annotated[
        bool, typer.Option("--json", help=_("Print JSON instead of a table."))
    ] = False,
) -> None:
    use_json(as_json)
    from qiwang.analysis import surprise
    from qiwang.analysis._io import read_table, require_columns

    with guard():
        customers = read_table(customers_file, text_columns=["customer", "segment"])
        require_columns(customers, ["customer", "segment"])
        past = None
        if history is not None:
            past = read_table(history, text_columns=["customer"])
            require_columns(past, ["customer", "date"])
        plan = surprise.plan_surprises(
            customers,
            budget=budget,
            cost=cost,
            start=start,
            end=end,
            min_gap_days=min_gap_days,
            max_per_year=max_per_year,
            seed=seed,
            history=past,
            same_date_window_days=same_date_window,
            cv_threshold=cv_threshold,
        )
        habits = None
        if past is not None:
            habits = surprise.habituation(
                past, cv_threshold=cv_threshold, same_date_window_days=same_date_window
            )
    payload = plan.to_dict()
    if habits is not None:
        payload["habituated"] = list(habits.habituated)
    if as_json:
        print_json(payload)
        return
    out = console()
    for line in surprise_plan_lines(plan):
        out.print(line, highlight=False, markup=False)
    months = plan.to_frame()
    if not months.empty:
        segment_of = dict(zip(customers["customer"], customers["segment"], strict=False))
        months["month"] = [date.strftime("%Y-%m") for date in months["date"]]
        months["segment"] = months["customer"].map(segment_of)
        counts = months.pivot_table(
            index="month", columns="segment", values="customer", aggfunc="count", fill_value=0
        )
        table = Table(title=_("Surprises per month and segment"), title_justify="left")
        table.add_column(_("month"))
        for name in counts.columns:
            table.add_column(str(name), justify="right")
        for month, row in counts.iterrows():
            table.add_row(str(month), *(str(int(value)) for value in row))
        out.print(table)
    if habits is not None:
        for line in habituation_lines(habits):
            out.print(line, highlight=False, markup=False)
