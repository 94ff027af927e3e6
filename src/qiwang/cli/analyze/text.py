"""Free-text analyses on the command line: ``qiwang analyze sentiment | themes | emotion``.

Each command reads a CSV (UTF-8 or GBK / GB18030), XLSX or Parquet file through
:func:`qiwang.analysis._io.read_table`, analyses one text column with :mod:`qiwang.analysis.text`
and prints a table or, with ``--json``, one JSON object. Bad input (a missing file or column, an
unreadable file, a bad option) prints one message on standard error and exits with code 2.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from qiwang.cli._i18n import gettext as _
from qiwang.cli._output import use_json
from qiwang.cli.analyze import analyze_app
from qiwang.cli.analyze._messages import input_error
from qiwang.cli.analyze.csi import _progress

if TYPE_CHECKING:
    import pandas as pd

    from qiwang.analysis.text import CommentAnalysis, Service

FileArgument = Annotated[
    Path, typer.Argument(help=_("CSV (UTF-8, GBK), XLSX or Parquet file."), dir_okay=False)
]
TextColumn = Annotated[
    str, typer.Option("--text-column", "-t", help=_("Column holding the comments."))
]
JsonOption = Annotated[bool, typer.Option("--json", help=_("Print JSON instead of a table."))]
ServiceOption = Annotated[
    list[str] | None,
    typer.Option(
        "--service",
        help=_(
            "A service and its synonyms, NAME=SYNONYM,SYNONYM (repeatable), e.g. '供暖=暖气,供热'."
        ),
    ),
]
ServicesFile = Annotated[
    Path | None,
    typer.Option(
        "--services-file",
        help=_("CSV, XLSX or Parquet with columns name and synonyms (comma-separated)."),
        dir_okay=False,
    ),
]


def _fail(message: str) -> typer.Exit:
    from qiwang.cli.analyze._common import fail

    return fail(message)  # "Error: …" on stderr, or the JSON error with --json; exit code 2


def _read(path: Path, column: str, extra: str | None = None) -> pd.DataFrame:
    from qiwang.analysis import AnalysisInputError
    from qiwang.analysis._io import read_table, require_columns

    try:
        frame = read_table(path)
        require_columns(frame, [column, extra])
    except AnalysisInputError as error:
        raise _fail(input_error(error)) from None
    return frame


def _texts(frame: pd.DataFrame, column: str) -> list[str | None]:
    """Cells as text: empty cells are ``None``, numbers become their digits."""
    import pandas as pd

    return [None if pd.isna(value) else str(value) for value in frame[column].tolist()]


def _services(options: list[str] | None, path: Path | None) -> list[Service]:
    from qiwang.analysis import AnalysisInputError
    from qiwang.analysis.text import Service

    services: list[Service] = []
    for option in options or []:
        name, _equals, synonyms = option.partition("=")
        if not name.strip():
            raise _fail(
                _("--service %(option)s: give NAME or NAME=SYNONYM,SYNONYM")
                % {"option": repr(option)}
            )
        services.append(
            Service(name.strip(), tuple(s.strip() for s in synonyms.split(",") if s.strip()))
        )
    if path is not None:
        from qiwang.analysis._io import read_table, require_columns

        try:
            frame = read_table(path)
            require_columns(frame, ["name"])
        except AnalysisInputError as error:
            raise _fail("--services-file: " + input_error(error)) from None
        synonyms_of = frame["synonyms"] if "synonyms" in frame.columns else None
        for i, name in enumerate(frame["name"].tolist()):
            if not isinstance(name, str) or not name.strip():
                raise _fail(
                    "--services-file: "
                    + _("row %(row)s, column %(column)s: %(reason)s")
                    % {"row": i + 1, "column": "'name'", "reason": _("a service needs a name")}
                )
            raw = synonyms_of.iloc[i] if synonyms_of is not None else ""
            words = str(raw).replace("，", ",").split(",") if isinstance(raw, str) else []
            services.append(Service(name.strip(), tuple(w.strip() for w in words if w.strip())))
    return services


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def sentiment_summary(results: list[CommentAnalysis]) -> dict[str, Any]:
    """Counts and shares of labels, and per dimension / service the comments that name it
    ("mentions", each comment once) and the share of them that are negative."""
    analysed = [r for r in results if not r.is_empty]
    labels = Counter(r.label for r in analysed)
    aspects: dict[str, dict[str, Counter[str]]] = {"dimension": {}, "service": {}}
    for result in analysed:
        for kind in ("dimension", "service"):
            for name, label in result.aspect_labels(kind).items():  # type: ignore[arg-type]
                aspects[kind].setdefault(name, Counter())[label] += 1

    def block(counts: dict[str, Counter[str]]) -> dict[str, Any]:
        return {
            name: {
                "mentions": sum(c.values()),
                "negative": c["negative"],
                "neutral": c["neutral"],
                "positive": c["positive"],
                "negative_share": _share(c["negative"], sum(c.values())),
            }
            for name, c in sorted(counts.items(), key=lambda item: -sum(item[1].values()))
        }

    return {
        "rows": len(results),
        "analysed": len(analysed),
        "empty": len(results) - len(analysed),
        "truncated": sum(r.truncated for r in results),
        "labels": {label: labels[label] for label in ("negative", "neutral", "positive")},
        "shares": {
            label: _share(labels[label], len(analysed))
            for label in ("negative", "neutral", "positive")
        },
        "dimensions": block(aspects["dimension"]),
        "services": block(aspects["service"]),
    }


def _analyse(texts: list[str | None], services: list[Service]) -> list[CommentAnalysis]:
    from qiwang.analysis.text import TextAnalyzer

    analyzer = TextAnalyzer(services=services or None)
    results: list[CommentAnalysis] = []
    with _progress(_("Analysing comments")) as update:
        for result in analyzer.stream(texts):
            results.append(result)
            if len(results) % 500 == 0:
                update(len(results), len(texts))
    return results


def _short(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


SENTIMENT_HELP = "\n\n".join(
    (
        _("Sentiment and aspects of free-text comments (Chinese or English), offline."),
        _(
            "Each row gets a label — negative, neutral or positive — and the calibrated probability that the\n"
            "comment is positive (score); neutral means the model is less than 65 % sure either way, or the\n"
            "text holds nothing to judge. Aspects are the SERVQUAL dimensions (reliability, responsiveness,\n"
            "assurance, empathy, tangibles) and the services (--service, --services-file) each clause of the\n"
            'comment speaks of, with the clause\'s own sentiment. --json prints {"rows": [...], "summary": ...}\n'
            "with one row object per input row, in order."
        ),
        "\b\n" + _("Examples:") + "\n"
        "  qiwang analyze sentiment comments.csv --text-column comment --json\n"
        "  qiwang analyze sentiment answers.xlsx -t 意见 --service '供暖=暖气,供热' --service 电梯",
    )
)


@analyze_app.command("sentiment", help=SENTIMENT_HELP)
def sentiment_command(
    input_file: FileArgument,
    text_column: TextColumn,
    service: ServiceOption = None,
    services_file: ServicesFile = None,
    as_json: JsonOption = False,
) -> None:
    use_json(as_json)
    frame = _read(input_file, text_column)
    services = _services(service, services_file)
    results = _analyse(_texts(frame, text_column), services)
    summary = sentiment_summary(results)
    if as_json:
        rows = [
            {"row": i, **{k: v for k, v in r.to_dict().items() if k != "text"}}
            for i, r in enumerate(results, start=1)
        ]
        typer.echo(json.dumps({"rows": rows, "summary": summary}, ensure_ascii=False, indent=2))
        return
    console = Console()
    table = Table(
        title=_("Sentiment of %(column)s (%(file)s)")
        % {"column": repr(text_column), "file": input_file.name},
        title_justify="left",
    )
    table.add_column(_("row"), justify="right")
    table.add_column(_("label"))
    table.add_column(_("P(positive)"), justify="right")
    table.add_column(_("aspects"))
    table.add_column(_("comment"))
    for i, result in enumerate(results, start=1):
        aspects = ", ".join(f"{a.name} {a.label[:3]}" for a in result.aspects)
        table.add_row(
            str(i),
            _label(result.label),
            f"{result.score:.2f}",
            aspects,
            _short(result.text),
            end_section=False,
        )
    console.print(table)
    labels = summary["labels"]
    console.print(
        _(
            "%(analysed)s comments analysed (%(empty)s empty): %(negative)s negative, "
            "%(neutral)s neutral, %(positive)s positive."
        )
        % {"analysed": summary["analysed"], "empty": summary["empty"], **labels},
        highlight=False,
    )
    if summary["dimensions"]:
        dims = Table(title=_("Negative share per SERVQUAL dimension"), title_justify="left")
        dims.add_column(_("dimension"))
        for name in (_("mentions"), _("negative"), _("negative share")):
            dims.add_column(name, justify="right")
        for name, row in summary["dimensions"].items():
            share = row["negative_share"]
            dims.add_row(name, str(row["mentions"]), str(row["negative"]), f"{100 * share:.0f} %")
        console.print(dims)


THEMES_HELP = "\n\n".join(
    (
        _("Themes of a set of comments: the words and phrases they share, ranked."),
        _(
            "A theme's weight is the number of comments using it times its rarity in general Chinese\n"
            "(jieba's IDF table); each theme shows how many comments use it, the share of those that are\n"
            'negative and example clauses. --json prints {"comments", "negative_share", "themes": [...]}.'
        ),
        "\b\n" + _("Example:") + "\n"
        "  qiwang analyze themes comments.csv --text-column comment --top 15 --json",
    )
)


@analyze_app.command("themes", help=THEMES_HELP)
def themes_command(
    input_file: FileArgument,
    text_column: TextColumn,
    top: Annotated[int, typer.Option(help=_("Most themes shown."), min=1, max=1000)] = 10,
    examples: Annotated[int, typer.Option(help=_("Example clauses per theme."), min=0, max=20)] = 3,
    min_comments: Annotated[int, typer.Option(help=_("Fewest comments a theme needs."), min=1)] = 2,
    service: ServiceOption = None,
    services_file: ServicesFile = None,
    as_json: JsonOption = False,
) -> None:
    use_json(as_json)
    from qiwang.analysis.text import themes

    frame = _read(input_file, text_column)
    results = _analyse(_texts(frame, text_column), _services(service, services_file))
    found = themes(analyses=results, top=top, examples=examples, min_comments=min_comments)
    if as_json:
        typer.echo(json.dumps(found.to_dict(), ensure_ascii=False, indent=2))
        return
    console = Console()
    table = Table(
        title=_("Themes of %(count)s comments (%(file)s)")
        % {"count": found.comments, "file": input_file.name},
        title_justify="left",
    )
    table.add_column(_("theme"))
    for name in (_("comments"), _("share"), _("negative")):
        table.add_column(name, justify="right")
    table.add_column(_("examples"))
    for theme in found.themes:
        table.add_row(
            theme.phrase,
            str(theme.comments),
            f"{100 * theme.share:.0f} %",
            f"{100 * theme.negative_share:.0f} %",
            " / ".join(_short(e, 30) for e in theme.examples),
        )
    console.print(table)
    if not found.themes:
        console.print(_("No theme is shared by enough comments (see --min-comments)."))


EMOTION_HELP = "\n\n".join(
    (
        _("Emotion level of complaints: calm, upset or angry, with the signals found."),
        _(
            "Signals: negative_sentiment, frustration, anger, profanity, escalation (threats to go to the\n"
            "authorities, media or court), repetition, long_wait, rhetorical_question, exclamation,\n"
            "intensifier, shouting, repeated_contact (from --contacts-column: earlier contacts about the same\n"
            'matter). --json prints {"rows": [{"row", "level", "score", "signals"}, ...], "summary": ...}.'
        ),
        "\b\n" + _("Example:") + "\n"
        "  qiwang analyze emotion complaints.csv --text-column 内容 --contacts-column 来电次数 --json",
    )
)


@analyze_app.command("emotion", help=EMOTION_HELP)
def emotion_command(
    input_file: FileArgument,
    text_column: TextColumn,
    contacts_column: Annotated[
        str | None,
        typer.Option("--contacts-column", help=_("Column counting earlier contacts (0, 1, 2 …).")),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    use_json(as_json)
    import pandas as pd

    from qiwang.analysis import AnalysisInputError
    from qiwang.analysis.text import default_analyzer

    frame = _read(input_file, text_column, contacts_column)
    contacts = [0] * len(frame)
    if contacts_column is not None:
        values = frame[contacts_column].tolist()
        for i, value in enumerate(values):
            if pd.isna(value):
                continue
            number = pd.to_numeric(value, errors="coerce")
            if pd.isna(number) or number < 0 or number != int(number):
                raise _fail(
                    _("row %(row)s, column %(column)s: %(reason)s")
                    % {
                        "row": i + 1,
                        "column": repr(contacts_column),
                        "reason": _("%(value)s is not a count of contacts (0, 1, 2 …)")
                        % {"value": repr(value)},
                    }
                )
            contacts[i] = int(number)
    analyzer = default_analyzer()
    rows = []
    texts = _texts(frame, text_column)
    with _progress(_("Reading emotions")) as update:
        for i, (text, count) in enumerate(zip(texts, contacts, strict=True), start=1):
            try:
                result = analyzer.emotion(text or "", repeated_contacts=count)
            except AnalysisInputError as error:
                raise _fail(
                    _("row %(row)s: %(reason)s") % {"row": i, "reason": input_error(error)}
                ) from None
            rows.append({"row": i, **result.to_dict()})
            if i % 500 == 0:
                update(i, len(texts))
    levels = Counter(str(r["level"]) for r in rows)
    summary = {
        "rows": len(rows),
        "levels": {level: levels[level] for level in ("calm", "upset", "angry")},
        "signals": dict(Counter(s for r in rows for s in r["signals"]).most_common()),
    }
    if as_json:
        typer.echo(json.dumps({"rows": rows, "summary": summary}, ensure_ascii=False, indent=2))
        return
    console = Console()
    table = Table(
        title=_("Emotion of %(column)s (%(file)s)")
        % {"column": repr(text_column), "file": input_file.name},
        title_justify="left",
    )
    table.add_column(_("row"), justify="right")
    table.add_column(_("level"))
    table.add_column(_("score"), justify="right")
    table.add_column(_("signals"))
    table.add_column(_("comment"))
    for row, text in zip(rows, texts, strict=True):
        table.add_row(
            str(row["row"]),
            _label(str(row["level"])),
            f"{row['score']:.2f}",
            ", ".join(row["signals"]),
            _short(text or ""),
        )
    console.print(table)
    levels_text = ", ".join(f"{n} {_label(level)}" for level, n in summary["levels"].items())
    console.print(
        _("%(count)s rows: %(levels)s.") % {"count": len(rows), "levels": levels_text},
        highlight=False,
    )


def _label(name: str) -> str:
    """A sentiment label or emotion level in the command line's language (JSON keeps English)."""
    labels = {
        "negative": _("negative"),
        "neutral": _("neutral"),
        "positive": _("positive"),
        "calm": _("calm"),
        "upset": _("upset"),
        "angry": _("angry"),
    }
    return labels.get(name, name)
