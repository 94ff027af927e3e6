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

from qiwang.cli._i18n import gettext as _
from qiwang.cli._output import MISUSE, emit_json, err_console, fail, use_json
from qiwang.cli.server import check_database, console, setup_django
from qiwang.cli.surveys import ENQUEUE_HELP, JSON_HELP, WAVE_HELP, surveys_app


@surveys_app.command(
    "label-text",
    help=_(
        "Label free-text answers (sentiment, SERVQUAL dimensions, services) that have no label."
    ),
)
def label_text(
    wave: Annotated[int | None, typer.Option(help=WAVE_HELP)] = None,
    relabel: Annotated[
        bool, typer.Option(help=_("Recompute labels made by another model (corrections stay)."))
    ] = False,
    enqueue: Annotated[bool, typer.Option(help=ENQUEUE_HELP)] = False,
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    use_json(as_json)
    setup_django()
    check_database(migrated=True)
    from django.utils.translation import gettext as _

    from qiwang.surveys import text_services
    from qiwang.surveys.models import Wave

    waves = Wave.objects.select_related("version").order_by("pk")
    if wave is not None:
        waves = waves.filter(pk=wave)
        if not waves.exists():
            raise fail(_("--wave: there is no wave %s.") % wave, MISUSE)
    if enqueue:
        for item in waves:
            text_services.enqueue_labelling(item)
        if as_json:
            emit_json({"queued": True, "waves": waves.count()})
            return
        console.print(_("Queued the labelling of %(n)d waves.") % {"n": waves.count()})
        return
    labelled = 0
    with err_console.status(_("Labelling…")):
        for item in waves:
            run = (
                text_services.relabel_wave(item)
                if relabel
                else text_services.label_wave_answers(item)
            )
            labelled += run.labelled
    if as_json:
        emit_json({"queued": False, "labelled": labelled})
        return
    console.print(_("%(n)d free-text answers labelled.") % {"n": labelled})


@surveys_app.command(
    "text-corrections",
    help=_("How often the shipped model agrees with the labels users corrected (evaluation data)."),
)
def text_corrections(
    output: Annotated[
        Path | None,
        typer.Option(
            help=_("Write the corrected comments here (CSV: text, label, dimensions)."),
            dir_okay=False,
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    use_json(as_json)
    setup_django()
    check_database(migrated=True)
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
        if as_json:
            emit_json({"n": 0, "model_version": None, "classes": [], "output": None})
        else:
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
    if output is not None:
        frame = pd.DataFrame(rows, columns=["text", "label", "dimensions"])
        frame["text"] = frame["text"].map(guard_formula)
        try:
            frame.to_csv(output, index=False, encoding="utf-8-sig")
        except OSError as error:
            raise fail(
                _("Cannot write %(file)s: %(error)s") % {"file": output, "error": error}, MISUSE
            ) from None
    if as_json:
        emit_json(
            {
                "n": report.n,
                "model_version": text.model_version(),
                "accuracy": report.accuracy,
                "macro_f1": report.macro_f1,
                "classes": [
                    {
                        "label": item.label,
                        "support": item.support,
                        "precision": item.precision,
                        "recall": item.recall,
                    }
                    for item in report.classes
                ],
                "output": None if output is None else str(output),
            }
        )
        return
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
        console.print(_("Wrote %(path)s.") % {"path": output})
