"""``qiwang calendar …``: see and load the working-day calendar (docs/calendar.md).

``show`` lists the years the calendar knows and the warnings every page shows; ``import``
loads a year's public holidays and make-up working days from a text file, all or nothing (the
same format as the calendar page's paste box); ``seed`` adds the years the installed
``chinese-calendar`` package knows. A year is never guessed: until it is loaded, pages warn and
contact tasks for that year are not generated.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from qiwang.cli._group import QiwangGroup
from qiwang.cli._i18n import gettext as _
from qiwang.cli._output import FAILED, MISUSE, emit_json, fail, read_input, use_json
from qiwang.cli.server import check_database, console, setup_django

calendar_app = typer.Typer(
    cls=QiwangGroup,
    help=_("Working-day calendar: public holidays and make-up working days per year."),
    no_args_is_help=True,
)

JSON_HELP = _("Print one JSON document (errors as JSON on standard error).")


def _years() -> list[dict[str, Any]]:
    from django.db.models import Count, Q

    from qiwang.accounts.calendar_models import CalendarDay, CalendarYear, DayKind

    counts = {
        row["day__year"]: row
        for row in CalendarDay.objects.filter(branch__isnull=True)
        .values("day__year")
        .annotate(
            holidays=Count("pk", filter=Q(kind=DayKind.HOLIDAY)),
            workdays=Count("pk", filter=Q(kind=DayKind.WORKDAY)),
        )
    }
    return [
        {
            "year": entry.year,
            "status": entry.status,
            "source": entry.source,
            "holidays": counts.get(entry.year, {}).get("holidays", 0),
            "workdays": counts.get(entry.year, {}).get("workdays", 0),
        }
        for entry in CalendarYear.objects.order_by("year")
    ]


def _warnings() -> list[dict[str, Any]]:
    from django.utils import timezone

    from qiwang.accounts.calendar_services import calendar_warnings

    return [
        {"year": warning.year, "reason": warning.reason, "message": warning.message}
        for warning in calendar_warnings(timezone.localdate())
    ]


@calendar_app.command("show", help=_("List the years the calendar knows and its warnings."))
def show(as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False) -> None:
    use_json(as_json)
    setup_django()
    check_database(migrated=True)
    years, warnings = _years(), _warnings()
    if as_json:
        emit_json({"years": years, "warnings": warnings})
        return

    from qiwang.accounts.calendar_models import YearSource, YearStatus

    statuses, sources = dict(YearStatus.choices), dict(YearSource.choices)
    table = Table(_("Year"), _("Status"), _("Source"), _("Holidays"), _("Make-up working days"))
    for row in years:  # the table shows the labels in the language; --json keeps the codes
        table.add_row(
            str(row["year"]),
            str(statuses.get(row["status"], row["status"])),
            str(sources.get(row["source"], row["source"])),
            str(row["holidays"]),
            str(row["workdays"]),
        )
    console.print(table)
    for warning in warnings:
        console.print(f"[red]{warning['message']}[/red]")


@calendar_app.command(
    "import",
    help=_(
        "Load public holidays and make-up working days from a text file, all or nothing: one "
        "day a line, “YYYY-MM-DD holiday|workday [holiday code]”, # starts a comment. The "
        "years named are declared with --status and their company-wide days are replaced. "
        "Exit code 1 when a line is refused (nothing is written), 2 when the file cannot be "
        "read or an option is wrong."
    ),
)
def import_days(
    file: Annotated[Path, typer.Argument(help=_("The text file (UTF-8)."))],
    status: Annotated[
        str, typer.Option(help=_("Status of the years in the file: published or estimated."))
    ] = "published",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help=_("Check the file and say what would change."))
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    use_json(as_json)
    if status not in ("published", "estimated"):
        raise fail(
            _("--status: “%(status)s” is neither published nor estimated.") % {"status": status},
            MISUSE,
        )
    content = read_input(file)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise fail(
            _("FILE: %(file)s cannot be read as UTF-8 text (%(reason)s).")
            % {"file": file, "reason": type(error).__name__},
            MISUSE,
        ) from None
    setup_django()
    check_database(migrated=True)
    from qiwang.accounts import calendar_services as services
    from qiwang.errors import ServiceError

    try:
        parsed = services.parse_calendar_lines(text)
        if not dry_run:
            services.import_calendar_lines(actor=None, text=text, year_status=status)
    except ServiceError as error:
        lines = [message for messages in error.errors.values() for message in messages]
        raise fail("\n".join(f"{file}: {line}" for line in lines), FAILED) from None
    summary: dict[int, dict[str, int]] = {}
    for entry in parsed:
        counts = summary.setdefault(entry.day.year, {"holidays": 0, "workdays": 0})
        counts["holidays" if entry.kind == "holiday" else "workdays"] += 1
    if as_json:
        emit_json(
            {
                "file": str(file),
                "dry_run": dry_run,
                "status": status,
                "years": [{"year": year, **counts} for year, counts in sorted(summary.items())],
                "days": len(parsed),
            }
        )
        return
    for year, counts in sorted(summary.items()):
        console.print(
            (
                _("%(year)s: %(holidays)d holidays and %(workdays)d make-up working days checked")
                if dry_run
                else _(
                    "%(year)s: %(holidays)d holidays and %(workdays)d make-up working days "
                    "loaded (%(status)s)"
                )
            )
            % {"year": year, "status": _status_label(status), **counts}
        )
    if dry_run:
        console.print(_("Nothing was written (--dry-run)."))


def _status_label(status: str) -> str:
    from qiwang.accounts.calendar_models import YearStatus

    return str(YearStatus(status).label)


@calendar_app.command(
    "seed", help=_("Add the years the installed chinese-calendar package knows and lacks here.")
)
def seed(as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False) -> None:
    use_json(as_json)
    setup_django()
    check_database(migrated=True)
    from chinese_calendar import __version__ as library_version

    from qiwang.accounts.calendar_services import seed_calendar_from_library
    from qiwang.accounts.working_calendar import library_years

    added = seed_calendar_from_library()
    known = library_years()
    if as_json:
        emit_json({"added": added, "package": library_version, "package_years": list(known)})
        return
    if added:
        console.print(
            _("Years added from chinese-calendar %(version)s: %(years)s.")
            % {"version": library_version, "years": ", ".join(map(str, added))}
        )
    else:
        console.print(
            _(
                "chinese-calendar %(version)s knows %(first)s–%(last)s; no year is missing here. "
                "A later year must be loaded with qiwang calendar import."
            )
            % {"version": library_version, "first": known[0], "last": known[-1]}
        )
