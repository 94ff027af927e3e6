"""``qiwang surveys label-text`` and ``qiwang surveys text-corrections``: free-text labels.

``label-text`` labels the free-text answers still unlabelled (or, with ``--relabel``, those a
previous model labelled); ``text-corrections`` measures the shipped model against the labels
users corrected on the results page and writes them as evaluation data (CSV: text, label,
dimensions) for ``scripts/train_text_models.py --corrections``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from qiwang.cli.server import check_database, console, setup_django
from qiwang.cli.surveys import surveys_app


@surveys_app.command("label-text")
def label_text(
    wave: Annotated[int | None, typer.Option(help="Only this wave (its id).")] = None,
    relabel: Annotated[
        bool, typer.Option(help="Recompute labels made by another model (corrections stay).")
    ] = False,
    enqueue: Annotated[
        bool, typer.Option(help="Put the job on the background queue instead of running it now.")
    ] = False,
) -> None:
    """Label free-text answers (sentiment, SERVQUAL dimensions, services) that have no label."""
    setup_django()
    check_database()
    from django.utils.translation import gettext as _

    from qiwang.surveys import text_services
    from qiwang.surveys.models import Wave

    waves = Wave.objects.select_related("version").order_by("pk")
    if wave is not None:
        waves = waves.filter(pk=wave)
        if not waves.exists():
            console.print(_("--wave: there is no wave %s.") % wave, style="red")
            raise typer.Exit(code=2)
    if enqueue:
        for item in waves:
            text_services.enqueue_labelling(item)
        console.print(_("Queued the labelling of %(n)d waves.") % {"n": waves.count()})
        return
    labelled = 0
    with console.status(_("Labelling…")):
        for item in waves:
            run = (
                text_services.relabel_wave(item)
                if relabel
                else text_services.label_wave_answers(item)
            )
            labelled += run.labelled
    console.print(_("%(n)d free-text answers labelled.") % {"n": labelled})


@surveys_app.command("text-corrections")
def text_corrections(
    output: Annotated[
        Path | None,
        typer.Option(
            help="Write the corrected comments here (CSV: text, label, dimensions).", dir_okay=False
        ),
    ] = None,
) -> None:
    """How often the shipped model agrees with the labels users corrected (evaluation data)."""
    setup_django()
    check_database()
    import pandas as pd
    from django.utils.translation import gettext as _

    from qiwang.analysis import text
    from qiwang.exports import guard_formula
    from qiwang.surveys.text_models import TextLabelCorrection

    latest: dict[int, TextLabelCorrection] = {}
    for correction in TextLabelCorrection.objects.select_related("answer").order_by(
        "corrected_at", "pk"
    ):
        latest[correction.answer_id] = correction
    if not latest:
        console.print(_("No label has been corrected yet."))
        return
    rows = [(c.answer.text, c.sentiment, ";".join(c.dimensions)) for c in latest.values()]
    analyzer = text.default_analyzer()
    predicted = [analyzer.sentiment(body).label for body, _label, _dims in rows]
    report = text.label_report(
        [label for _body, label, _dims in rows],
        predicted,
        labels=["negative", "neutral", "positive"],
    )
    console.print(
        _(
            "%(n)d corrected comments: the model (%(version)s) agrees on %(accuracy).1f %% (macro-F1 %(f1).3f)."
        )
        % {
            "n": report.n,
            "version": text.model_version(),
            "accuracy": 100 * report.accuracy,
            "f1": report.macro_f1,
        }
    )
    for item in report.classes:
        console.print(
            f"  {item.label}: {item.support} · precision {item.precision:.2f} · recall {item.recall:.2f}",
            highlight=False,
        )
    if output is not None:
        frame = pd.DataFrame(rows, columns=["text", "label", "dimensions"])
        frame["text"] = frame["text"].map(guard_formula)
        frame.to_csv(output, index=False, encoding="utf-8-sig")
        console.print(_("Wrote %(path)s.") % {"path": output})
