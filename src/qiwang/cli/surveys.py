"""``qiwang surveys …``: fold complete responses into the results tallies (ADR 0008)."""

from __future__ import annotations

from typing import Annotated

import typer

from qiwang.cli._group import QiwangGroup
from qiwang.cli._i18n import gettext as _
from qiwang.cli._output import MISUSE, emit_json, err_console, fail, use_json
from qiwang.cli.server import check_database, console, setup_django

surveys_app = typer.Typer(
    cls=QiwangGroup, help=_("Surveys: results tallies and free-text labels."), no_args_is_help=True
)

JSON_HELP = _("Print one JSON document (errors as JSON on standard error).")
WAVE_HELP = _("Only this wave (its id).")
ENQUEUE_HELP = _("Put the job on the background queue instead of running it now.")


@surveys_app.command(
    "fold",
    help=_(
        "Count complete responses that no fold has counted yet into the results tallies. "
        "Results are exact without folding (they add unfolded responses live); folding keeps "
        "the results page fast on large waves. Safe to run at any time, also concurrently."
    ),
)
def fold(
    wave: Annotated[int | None, typer.Option(help=WAVE_HELP)] = None,
    rebuild: Annotated[
        bool,
        typer.Option(
            help=_("Recount the wave(s) from their answers (after responses were deleted).")
        ),
    ] = False,
    enqueue: Annotated[bool, typer.Option(help=ENQUEUE_HELP)] = False,
    reschedule: Annotated[
        bool,
        typer.Option(
            help=_("With --enqueue: the job queues itself again every QIWANG_SURVEY_FOLD_SECONDS.")
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    use_json(as_json)
    setup_django()
    check_database(migrated=True)
    from django.utils.translation import gettext as _

    from qiwang.surveys import tallies
    from qiwang.surveys.models import Wave

    if enqueue:
        from qiwang.surveys.tasks import fold_survey_tallies

        result = fold_survey_tallies.enqueue(reschedule=reschedule)
        if as_json:
            emit_json({"queued": True, "job": str(result.id)})
            return
        console.print(_("Queued the survey fold (job %(id)s).") % {"id": result.id})
        return
    if wave is not None and not Wave.objects.filter(pk=wave).exists():
        raise fail(_("--wave: there is no wave %s.") % wave, MISUSE)
    if rebuild:
        ids = [wave] if wave is not None else list(Wave.objects.values_list("pk", flat=True))
        results = []
        with err_console.status(_("Recounting…")):
            for wave_id in ids:
                results.append(tallies.rebuild_wave(wave_id))
    elif wave is not None:
        results = [tallies.fold_wave(wave)]
    else:
        with err_console.status(_("Folding…")):
            results = tallies.fold_all()
    counted = sum(result.responses for result in results)
    if as_json:
        emit_json(
            {
                "queued": False,
                "responses": counted,
                "waves": len([r for r in results if r.responses]),
            }
        )
        return
    console.print(
        _("%(responses)d responses of %(waves)d waves counted into the tallies.")
        % {"responses": counted, "waves": len([r for r in results if r.responses])}
    )


# Free-text label and import commands register on surveys_app when imported.
from qiwang.cli import surveys_import, surveys_text  # noqa: E402,F401
