"""``qiwang analyze satisfaction``: CSAT (top-2-box), NPS and CES from a responses file.

Stage 1 counts answers per level (:func:`qiwang.analysis.satisfaction.count_levels`, or
:func:`~qiwang.analysis.satisfaction.count_levels_duckdb` with ``--engine duckdb``); stage 2 is
:func:`~qiwang.analysis.satisfaction.csat`, :func:`~qiwang.analysis.satisfaction.nps` and
:func:`~qiwang.analysis.satisfaction.ces` with their intervals. Like the other analyze commands
the messages are English; bad input exits with code 2, other failures with code 1.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from qiwang.cli._i18n import gettext as _
from qiwang.cli._output import use_json
from qiwang.cli.analyze import analyze_app
from qiwang.cli.analyze._common import console, fail, guard, print_json

if TYPE_CHECKING:
    from qiwang.analysis.satisfaction import LevelCounts

SATISFACTION_HELP = "\n\n".join(
    (
        _("CSAT, NPS and CES of the questions of a responses file."),
        _(
            "FILE holds one row per response (CSV, XLSX or Parquet); name the question columns with\n"
            "--csat (a 5- or 7-level satisfaction scale: codes 1…k or the labels 很不满意 … 很满意 /\n"
            'very dissatisfied … very satisfied), --nps (0–10 "how likely are you to recommend") and\n'
            '--ces (1…k agreement, "the company made it easy for me"; 7 levels in CES 2.0). Several\n'
            "columns are separated by commas. Empty cells are skipped; any other answer that is not a\n"
            "level stops the command with its row and column (exit code 2)."
        ),
        "\b\n"
        + _(
            "CSAT   share answering in the two highest levels, with its Wilson score interval;\n"
            "NPS    100 · (promoters 9–10 − detractors 0–6) / n, normal-approximation interval;\n"
            "CES    mean level with its t interval, and the share in the upper half of the scale."
        ),
        "\b\n" + _("Example (the file written by the first line):") + "\n"
        "  printf 'overall,recommend,effort\\n5,10,7\\n4,9,6\\n2,6,3\\n' > responses.csv\n"
        "  qiwang analyze satisfaction responses.csv --csat overall --nps recommend --ces effort\n"
        "  qiwang analyze satisfaction responses.csv --nps recommend --segment branch --json",
    )
)


def _columns(option: str, value: str | None) -> list[str]:
    if value is None:
        return []
    names = [name.strip() for name in value.split(",") if name.strip()]
    if not names:
        raise fail(_("%(option)s lists no column") % {"option": option})
    return names


@analyze_app.command("satisfaction", help=SATISFACTION_HELP)
def satisfaction_command(
    input_file: Annotated[
        Path, typer.Argument(help=_("CSV, XLSX or Parquet file, one row per response."))
    ],
    csat_columns: Annotated[
        str | None,
        typer.Option("--csat", help=_("Satisfaction question column(s), comma-separated.")),
    ] = None,
    nps_columns: Annotated[
        str | None,
        typer.Option("--nps", help=_("0–10 recommendation question column(s), comma-separated.")),
    ] = None,
    ces_columns: Annotated[
        str | None,
        typer.Option("--ces", help=_("Customer-effort question column(s), comma-separated.")),
    ] = None,
    levels: Annotated[
        int, typer.Option("--levels", help=_("Levels of the satisfaction scale: 5 or 7."))
    ] = 5,
    ces_levels: Annotated[
        int, typer.Option("--ces-levels", help=_("Levels of the effort scale (1…k), 3 to 11."))
    ] = 7,
    segment: Annotated[
        str | None, typer.Option("--segment", help=_("Column to compute each index per value of."))
    ] = None,
    confidence: Annotated[
        float, typer.Option("--confidence", help=_("Confidence of the intervals (0–1)."))
    ] = 0.95,
    engine: Annotated[
        str | None,
        typer.Option(
            "--engine",
            help=_("duckdb: count the answers inside DuckDB (CSV or Parquet file)."),
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help=_("Print JSON instead of tables."))
    ] = False,
) -> None:
    use_json(as_json)
    csat_names = _columns("--csat", csat_columns)
    nps_names = _columns("--nps", nps_columns)
    ces_names = _columns("--ces", ces_columns)
    if not (csat_names or nps_names or ces_names):
        raise fail(_("name at least one question column with --csat, --nps or --ces"))
    if levels not in (5, 7):
        raise fail(_("--levels must be 5 or 7, not %(value)s") % {"value": levels})
    if not 3 <= ces_levels <= 11:
        raise fail(_("--ces-levels must be from 3 to 11, not %(value)s") % {"value": ces_levels})
    if not 0 < confidence < 1:
        raise fail(_("--confidence must be between 0 and 1, not %(value)s") % {"value": confidence})
    if engine not in (None, "duckdb"):
        raise fail(
            _("qiwang analyze satisfaction runs on --engine duckdb only, not %(engine)s")
            % {"engine": repr(engine)}
        )
    from qiwang.analysis import satisfaction

    with guard():
        count = _counter(input_file, engine=engine, segment=segment)
        scale = satisfaction.scale_for(levels)
        payload: dict[str, Any] = {
            "file": str(input_file),
            "confidence": confidence,
            "levels": {"csat": levels, "ces": ces_levels},
            "csat": [],
            "nps": [],
            "ces": [],
        }
        results: dict[str, tuple[Any, ...]] = {"csat": (), "nps": (), "ces": ()}
        if csat_names:
            counts = count(csat_names, low=1, high=levels, scale=scale)
            results["csat"] = satisfaction.csat(counts, confidence=confidence)
        if nps_names:
            results["nps"] = satisfaction.nps(
                count(nps_names, low=0, high=10), confidence=confidence
            )
        if ces_names:
            counts = count(ces_names, low=1, high=ces_levels)
            results["ces"] = satisfaction.ces(counts, confidence=confidence)
    for key, items in results.items():
        payload[key] = [item.to_dict() for item in items]
    if as_json:
        print_json(payload)
        return
    _show(results, confidence=confidence, segmented=segment is not None)


def _counter(path: Path, *, engine: str | None, segment: str | None) -> Any:
    """A function (columns, low, high, scale) → LevelCounts over the file."""
    from qiwang.analysis import satisfaction
    from qiwang.analysis._io import read_table

    if engine == "duckdb":

        def count_duckdb(columns: list[str], **scale: Any) -> LevelCounts:
            return satisfaction.count_levels_duckdb(path, columns, segment=segment, **scale)

        return count_duckdb
    frame = read_table(path, text_columns=[segment] if segment else ())

    def count_pandas(columns: list[str], **scale: Any) -> LevelCounts:
        return satisfaction.count_levels(frame, columns, segment=segment, **scale)

    return count_pandas


def _table(title: str, segmented: bool, headings: tuple[str, ...]) -> Table:
    table = Table(title=title, title_justify="left")
    if segmented:
        table.add_column(_("segment"))
    table.add_column(_("question"))
    for heading in headings:
        table.add_column(heading, justify="right")
    return table


def _number(value: float | None, digits: int) -> str:
    return "–" if value is None or value != value else f"{value:.{digits}f}"


def _show(results: dict[str, tuple[Any, ...]], *, confidence: float, segmented: bool) -> None:
    out = console()
    interval = _("%(level)s%% interval") % {"level": f"{100 * confidence:g}"}
    if results["csat"]:
        table = _table(_("CSAT (top-2-box)"), segmented, ("n", "CSAT", interval, _("mean 0–100")))
        for item in results["csat"]:
            table.add_row(
                *([item.segment or ""] if segmented else []),
                item.question,
                str(item.n),
                f"{100 * item.csat:.1f}%",
                f"{100 * item.low:.1f}% – {100 * item.high:.1f}%",
                _number(item.mean_score, 1),
            )
        out.print(table)
    if results["nps"]:
        headings = ("n", _("promoters"), _("passives"), _("detractors"), "NPS", interval)
        table = _table("NPS", segmented, headings)
        for item in results["nps"]:
            table.add_row(
                *([item.segment or ""] if segmented else []),
                item.question,
                str(item.n),
                str(item.promoters),
                str(item.passives),
                str(item.detractors),
                f"{item.nps:.1f}",
                f"{item.low:.1f} – {item.high:.1f}",
            )
        out.print(table)
    if results["ces"]:
        table = _table("CES", segmented, ("n", _("mean"), _("sd"), interval, _("easy")))
        for item in results["ces"]:
            table.add_row(
                *([item.segment or ""] if segmented else []),
                item.question,
                str(item.n),
                _number(item.mean, 2),
                _number(item.std, 2),
                f"{_number(item.low, 2)} – {_number(item.high, 2)}",
                f"{100 * item.share_easy:.1f}%",
            )
        out.print(table)
