"""``qiwang surveys …``: fold complete responses into the results tallies (ADR 0008)."""

from __future__ import annotations

from typing import Annotated

import typer

from qiwang.cli.server import check_database, console, setup_django

surveys_app = typer.Typer(
    help="Surveys: keep the results tallies up to date.", no_args_is_help=True
)


@surveys_app.command("fold")
def fold(
    wave: Annotated[int | None, typer.Option(help="Only this wave (its id).")] = None,
    rebuild: Annotated[
        bool,
        typer.Option(help="Recount the wave(s) from their answers (after responses were deleted)."),
    ] = False,
    enqueue: Annotated[
        bool, typer.Option(help="Put the job on the background queue instead of running it now.")
    ] = False,
    reschedule: Annotated[
        bool,
        typer.Option(
            help="With --enqueue: the job queues itself again every QIWANG_SURVEY_FOLD_SECONDS."
        ),
    ] = False,
) -> None:
    """Count complete responses that no fold has counted yet into the results tallies.

    Results are exact without folding (they add unfolded responses live); folding keeps the
    results page fast on large waves. Safe to run at any time, also concurrently.
    """
    setup_django()
    check_database()
    from django.utils.translation import gettext as _

    from qiwang.surveys import tallies
    from qiwang.surveys.models import Wave

    if enqueue:
        from qiwang.surveys.tasks import fold_survey_tallies

        result = fold_survey_tallies.enqueue(reschedule=reschedule)
        console.print(_("Queued the survey fold (job %(id)s).") % {"id": result.id})
        return
    if wave is not None and not Wave.objects.filter(pk=wave).exists():
        console.print(_("--wave: there is no wave %s.") % wave, style="red")
        raise typer.Exit(code=2)
    if rebuild:
        ids = [wave] if wave is not None else list(Wave.objects.values_list("pk", flat=True))
        results = []
        with console.status(_("Recounting…")):
            for wave_id in ids:
                results.append(tallies.rebuild_wave(wave_id))
    elif wave is not None:
        results = [tallies.fold_wave(wave)]
    else:
        with console.status(_("Folding…")):
            results = tallies.fold_all()
    counted = sum(result.responses for result in results)
    console.print(
        _("%(responses)d responses of %(waves)d waves counted into the tallies.")
        % {"responses": counted, "waves": len([r for r in results if r.responses])}
    )


# Free-text label and import commands register on surveys_app when imported.
from qiwang.cli import surveys_import, surveys_text  # noqa: E402,F401
