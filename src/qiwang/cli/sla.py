"""``qiwang sla due``: the business-time calculator behind complaint SLAs, on the command line.

The working-day calendar is the product's own (the database rows administrators edit); when the
database is not set up yet the command says so on standard error and uses the rows the installed
``chinese-calendar`` package provides, the same data the database is seeded from.
"""

from __future__ import annotations

import datetime
import math
from typing import Annotated, Any

import typer

from qiwang.cli._group import QiwangGroup
from qiwang.cli._i18n import gettext as _
from qiwang.cli._output import emit_json, fail, note, use_json

sla_app = typer.Typer(
    cls=QiwangGroup, help=_("Service levels: deadlines in business time."), no_args_is_help=True
)

#: Longer than any SLA a person would set (about 11 years of 24/7 time).
MAX_HOURS = 100_000


def _parse_start(text: str, zone: Any) -> datetime.datetime:
    try:
        moment = datetime.datetime.fromisoformat(text.strip())
    except ValueError:
        raise fail(
            _(
                "--start: %(text)s is not a date and time like 2026-02-13T17:00 "
                "(ISO 8601, optionally with an offset such as +08:00)"
            )
            % {"text": repr(text)}
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment


def _load_calendar(branch: str | None) -> tuple[Any, str]:
    """The database calendar, or the library's when the database has no calendar tables."""
    from qiwang.accounts.working_calendar import WorkingCalendar
    from qiwang.cli.server import setup_django

    setup_django()
    from django.db.utils import DatabaseError

    try:
        from qiwang.accounts.calendar_services import load_working_calendar
        from qiwang.accounts.models import Branch

        branch_id = None
        if branch:
            branch_id = Branch.objects.filter(code=branch).values_list("pk", flat=True).first()
            if branch_id is None:
                raise fail(_("--branch: no branch with the code %s") % repr(branch))
        return load_working_calendar(branch_id), "database"
    except DatabaseError:
        if branch:
            raise fail(
                _("--branch: the database is not set up (run qiwang manage migrate)")
            ) from None
        note(
            _(
                "note: the database's working-day calendar is not available (run qiwang manage "
                "migrate); using the chinese-calendar package's data"
            )
        )
        return WorkingCalendar.from_library(), "chinese-calendar"


@sla_app.command(
    "due",
    help=_(
        "When a deadline of HOURS business hours that starts at START falls due. Counts only "
        "opening hours on working days of the working-day calendar (public holidays off, make-up "
        "working days on). Bad input exits with code 2."
    ),
)
def due_command(
    start: Annotated[
        str, typer.Option(help=_("Start, e.g. 2026-02-13T17:00 (local time if no offset)."))
    ],
    hours: Annotated[str, typer.Option(help=_("Business hours to add, e.g. 8 or 2.5."))],
    business_hours: Annotated[
        str,
        typer.Option(
            "--business-hours",
            help=_(
                "Opening periods of a working day, e.g. 09:00-18:00 or 08:30-12:00,13:30-17:30; "
                "24/7 for round-the-clock categories."
            ),
        ),
    ] = "09:00-18:00",
    time_zone: Annotated[
        str, typer.Option("--timezone", help=_("Time zone of the business hours."))
    ] = "Asia/Shanghai",
    branch: Annotated[
        str | None,
        typer.Option(help=_("Branch code: include that branch's own calendar days.")),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help=_("Print one JSON object."))] = False,
) -> None:
    use_json(as_json)
    from qiwang.accounts.business_time import BusinessHours, due
    from qiwang.accounts.working_calendar import UnknownCalendarYear

    try:
        amount = float(hours)
    except ValueError:
        raise fail(_("--hours: %s is not a number") % repr(hours)) from None
    if not math.isfinite(amount) or amount < 0 or amount > MAX_HOURS:
        raise fail(
            _("--hours: %(hours)s must be a number from 0 to %(most)s")
            % {"hours": hours, "most": MAX_HOURS}
        )
    try:
        spec = BusinessHours.parse(business_hours, time_zone=time_zone)
    except ValueError as error:
        option, _sep, reason = str(error).partition(": ")
        flag = "--timezone" if option == "time zone" else "--business-hours"
        raise fail(f"{flag}: {reason}") from None
    moment = _parse_start(start, spec.zone)
    calendar, source = (None, "none") if spec.always_open else _load_calendar(branch)
    try:
        deadline = due(
            moment,
            datetime.timedelta(hours=amount),
            calendar if calendar is not None else _empty_calendar(),
            spec,
        )
    except UnknownCalendarYear as error:
        raise fail(str(error)) from None
    except (ValueError, OverflowError) as error:
        raise fail(str(error)) from None
    payload = {
        "start": moment.astimezone(spec.zone).isoformat(),
        "hours": amount,
        "business_hours": str(spec),
        "timezone": spec.time_zone,
        "due": deadline.isoformat(),
        "calendar": {
            "source": source,
            "known_years": list(calendar.known_years) if calendar is not None else [],
        },
    }
    if as_json:
        emit_json(payload)
    else:
        typer.echo(
            _("due %(due)s  (%(hours)s h of %(business_hours)s from %(start)s)")
            % {
                "due": payload["due"],
                "hours": f"{amount:g}",
                "business_hours": spec,
                "start": payload["start"],
            }
        )


def _empty_calendar() -> Any:
    from qiwang.accounts.working_calendar import WorkingCalendar

    return WorkingCalendar()
