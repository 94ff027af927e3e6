"""``qiwang analyze kano``: Kano classification per attribute, across waves and segments."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from qiwang.cli._i18n import gettext as _
from qiwang.cli._i18n import gettext_noop
from qiwang.cli._output import use_json
from qiwang.cli.analyze import analyze_app
from qiwang.cli.analyze._columns import (
    canonical_columns,
)
from qiwang.cli.analyze._engine import (
    DatabaseUrlOption,
    EngineOption,
    SparkMasterOption,
    check_engine,
    open_input,
)
from qiwang.cli.analyze._survey_common import (
    EXAMPLES,
    InputArgument,
    JsonOption,
    _escape,
    _fail,
    _guard,
    _number,
    _out,
    _percent,
    _print_json,
    _progress,
)

# Texts translated inside f-strings or by value, listed for `make messages` (xgettext reads
# neither); see tests/cli/test_catalogue_extraction.py.
_EXTRACTED = (gettext_noop("FALLING"),)


if TYPE_CHECKING:
    from qiwang.analysis.kano import KanoComparison, KanoCounts, KanoResult

KANO_HELP = "\n\n".join(
    (
        _("Kano analysis: classify answers into A, O, M, I, R, Q per attribute."),
        _(
            "Answers may be codes 1–5 or labels: 1 like 我很喜欢, 2 must-be 理应如此, 3 neutral 无所谓,\n"
            "4 live-with 能忍受, 5 dislike 我很不喜欢."
        ),
        "\b\n"
        + _(
            "Layouts of INPUT:\n"
            "  long   one row per respondent and attribute, columns\n"
            "         respondent, attribute, functional, dysfunctional[, importance][, segment…]\n"
            "  wide   one row per respondent, columns NAME_F and NAME_D (and NAME_I for importance)\n"
            "         for each attribute NAME, as a Qiwang survey export writes them (its earlier\n"
            "         names NAME_functional, NAME_dysfunctional, NAME_importance are read too)\n"
            "  counts with --counts: one row per attribute, columns attribute, A, O, M, I, R, Q"
        ),
        "\b\n"
        + _(
            "The category is the most frequent one unless Fong's test finds the top two not significantly\n"
            "different; then the rule M > O > A > I decides. Better = (A+O)/(A+O+M+I),\n"
            "Worse = −(O+M)/(A+O+M+I), strengths are fractions of all answers."
        ),
        "\b\n" + _("Examples (files in %(examples)s):") % {"examples": EXAMPLES} + "\n"
        "  qiwang analyze kano examples/kano_long.csv\n"
        "  qiwang analyze kano examples/kano_long.csv --by tier --json\n"
        "  qiwang analyze kano examples/kano_long.csv --wave wave\n"
        "  qiwang analyze kano examples/kano_wide.csv\n"
        "  qiwang analyze kano --counts examples/kano_counts.csv --json",
    )
)


@analyze_app.command("kano", help=KANO_HELP)
def kano_command(
    input_file: InputArgument,
    counts: Annotated[
        bool,
        typer.Option(
            "--counts", help=_("INPUT holds category counts: attribute, A, O, M, I, R, Q.")
        ),
    ] = False,
    by: Annotated[
        str | None, typer.Option("--by", help=_("Column to segment by (tier, branch …)."))
    ] = None,
    wave: Annotated[
        str | None,
        typer.Option(
            "--wave",
            help=_(
                "Column naming the survey wave: analyse each wave and flag attributes that "
                "fall (A→O, O→M, A→M) between consecutive waves."
            ),
        ),
    ] = None,
    importance: Annotated[
        str | None,
        typer.Option("--importance", help=_("Column of self-stated importance (long layout).")),
    ] = None,
    attribute_column: Annotated[
        str, typer.Option("--attribute-column", help=_("Attribute column (long layout)."))
    ] = "attribute",
    functional_column: Annotated[
        str, typer.Option("--functional-column", help=_("Functional answer column (long layout)."))
    ] = "functional",
    dysfunctional_column: Annotated[
        str,
        typer.Option(
            "--dysfunctional-column", help=_("Dysfunctional answer column (long layout).")
        ),
    ] = "dysfunctional",
    problem_share: Annotated[
        float,
        typer.Option(
            "--problem-share",
            min=0.0,
            max=1.0,
            help=_("Flag attributes with more R + Q than this."),
        ),
    ] = 0.1,
    alpha: Annotated[
        float,
        typer.Option(
            "--alpha", min=0.0, max=1.0, help=_("Significance level of the falling flag.")
        ),
    ] = 0.05,
    engine: EngineOption = None,
    spark_master: SparkMasterOption = None,
    database_url: DatabaseUrlOption = None,
    as_json: JsonOption = False,
) -> None:
    use_json(as_json)
    from qiwang.analysis import kano
    from qiwang.analysis._io import SUFFIXES, read_table

    if counts and wave is not None:
        raise _fail(_("--wave needs answers, not --counts"))
    problem = check_engine(engine, command="kano", supported=("duckdb", "spark", "postgres"))
    if problem is not None:
        raise _fail(problem)
    if counts and engine is not None:
        raise _fail(_("--counts reads a small table of category counts: drop --engine"))
    with _guard(), _progress(_("Reading %(file)s") % {"file": input_file.name}) as say:
        if counts:
            frame = read_table(input_file)
            say(_("Classifying"))
            result = kano.analyze_category_counts(frame, segment=by, problem_share=problem_share)
            _show_kano([("", result)], [], as_json=as_json)
            return
        count_waves = _kano_counter(
            input_file,
            kind=engine or SUFFIXES.get(input_file.suffix.lower(), ""),
            attribute=attribute_column,
            functional=functional_column,
            dysfunctional=dysfunctional_column,
            importance=importance,
            segment=by,
            read=read_table,
            spark_master=spark_master,
            database_url=database_url,
        )
        say(_("Counting answer pairs"))
        per_wave = count_waves(wave)
        say(_("Classifying"))
        results = [
            (label, kano.analyze_counts(table, problem_share=problem_share))
            for label, table in per_wave
        ]
        comparisons = [
            kano.compare_waves(
                first, second, alpha=alpha, before_label=first_label, after_label=second_label
            )
            for (first_label, first), (second_label, second) in zip(
                results, results[1:], strict=False
            )
        ]
    _show_kano(results, comparisons, as_json=as_json, wave=wave)


def _kano_counter(
    path: Path,
    *,
    kind: str,
    attribute: str,
    functional: str,
    dysfunctional: str,
    importance: str | None,
    segment: str | None,
    read: Callable[[Path], Any],
    spark_master: str | None = None,
    database_url: str | None = None,
) -> Callable[[str | None], list[tuple[str, KanoCounts]]]:
    """Return a function counting answer pairs per wave (DuckDB for long CSV / Parquet).

    ``kind`` ``duckdb``, ``spark`` or ``postgres`` (``--engine``) runs the portable stage 1 there.
    """
    from qiwang.analysis import AnalysisInputError, engines, kano
    from qiwang.analysis._duckdb import open_source, quote_identifier, quote_literal, select

    if kind in {"duckdb", "spark", "postgres"}:
        table = open_input(path, kind, spark_master=spark_master, database_url=database_url)
        names: dict[str, Any] = {
            "attribute": attribute,
            "functional": functional,
            "dysfunctional": dysfunctional,
            "importance": importance,
            "segment": segment,
        }

        def count_on_engine(wave: str | None) -> list[tuple[str, KanoCounts]]:
            source = table
            wide = attribute == "attribute" and attribute not in table.columns
            if wide and kano.wide_attributes(list(table.columns)):  # NAME_F / NAME_D columns
                source = engines.unpivot_kano(table, keep=[segment, wave])
                names.update(
                    attribute="attribute",
                    functional="functional",
                    dysfunctional="dysfunctional",
                    importance="importance" if "importance" in source.columns else None,
                )
            if wave is None:
                return [("", engines.count_kano_answers(source, **names))]
            return [
                (value, engines.count_kano_answers(source, **names, where=(wave, value)))
                for value in engines.distinct_values(source, wave)
            ]

        return count_on_engine
    if kind in {"csv", "parquet"}:
        relation = open_source(path)
        if attribute in relation.columns:

            def count_duckdb(wave: str | None) -> list[tuple[str, KanoCounts]]:
                options: dict[str, Any] = {
                    "attribute": attribute,
                    "functional": functional,
                    "dysfunctional": dysfunctional,
                    "importance": importance,
                    "segment": segment,
                }
                if wave is None:
                    return [("", kano.count_answers_duckdb(relation, **options))]
                if wave not in relation.columns:
                    raise AnalysisInputError(f"missing column {wave!r}", column=wave)
                name = quote_identifier(wave)
                values = [
                    row[0]
                    for row in select(
                        relation,
                        f"SELECT DISTINCT {name} FROM qiwang_input "  # noqa: S608
                        f"WHERE {name} IS NOT NULL ORDER BY 1",
                    )
                ]
                return [
                    (
                        str(value),
                        kano.count_answers_duckdb(
                            relation.filter(
                                f"CAST({name} AS VARCHAR) = {quote_literal(str(value))}"
                            ),
                            **options,
                        ),
                    )
                    for value in values
                ]

            return count_duckdb
    frame = read(path)
    long = attribute in frame.columns
    if not long:  # a wide table: earlier export names (NAME_functional …) are aliases
        frame = canonical_columns(frame)

    def count_pandas(wave: str | None) -> list[tuple[str, KanoCounts]]:
        def count(part: Any) -> KanoCounts:
            if long:
                return kano.count_answers(
                    part,
                    attribute=attribute,
                    functional=functional,
                    dysfunctional=dysfunctional,
                    importance=importance,
                    segment=segment,
                )
            return kano.count_answers_wide(part, segment=segment)

        if wave is None:
            return [("", count(frame))]
        if wave not in frame.columns:
            raise AnalysisInputError(f"missing column {wave!r}", column=wave)
        waves = sorted(frame[wave].dropna().unique().tolist())
        return [(str(value), count(frame[frame[wave] == value])) for value in waves]

    return count_pandas


def _show_kano(
    results: list[tuple[str, KanoResult]],
    comparisons: list[KanoComparison],
    *,
    as_json: bool,
    wave: str | None = None,
) -> None:
    if as_json:
        if wave is None:
            _print_json(results[0][1].to_dict())
        else:
            _print_json(
                {
                    "wave_column": wave,
                    "waves": [{"wave": label, **result.to_dict()} for label, result in results],
                    "comparisons": [comparison.to_dict() for comparison in comparisons],
                }
            )
        return
    console = _out()
    for label, result in results:
        segmented = result.segment_column is not None
        title = _("Kano analysis") + (f" — {wave} {label}" if wave else "")
        table = Table(
            title=title,
            title_justify="left",
            caption=_(
                "cat = category; TS total strength, CS category strength (share of all "
                "answers); Fong: top two significantly different"
            ),
            caption_justify="left",
        )
        if segmented:
            table.add_column(str(result.segment_column), no_wrap=True)
        table.add_column(_("attribute"), no_wrap=True)
        for header in ("n", "A", "O", "M", "I", "R", "Q"):
            table.add_column(header, justify="right")
        table.add_column(_("cat"), justify="center")
        for header in ("Better", "Worse", "TS", "CS"):
            table.add_column(header, justify="right")
        table.add_column("Fong", justify="center")
        notes = []
        for item in result.attributes:
            name = item.attribute if item.segment is None else f"{item.segment} / {item.attribute}"
            if not item.fong_significant and item.counts[item.second] == 0:
                notes.append(
                    _("%(name)s: only %(n)s answers, too few for Fong's test")
                    % {"name": name, "n": item.n}
                )
            elif not item.fong_significant:
                notes.append(
                    _(
                        "%(name)s: %(mode)s not significantly ahead of %(second)s; "
                        "reported %(category)s by the rule M > O > A > I"
                    )
                    % {
                        "name": name,
                        "mode": item.mode,
                        "second": item.second,
                        "category": item.category,
                    }
                )
            if item.has_questionnaire_problem:
                notes.append(
                    _("%(name)s: %(share)s R + Q answers, check the question")
                    % {"name": name, "share": _percent(item.shares["R"] + item.shares["Q"])}
                )
            table.add_row(
                *([item.segment or ""] if segmented else []),
                item.attribute,
                str(item.n),
                *(str(item.counts[code]) for code in ("A", "O", "M", "I", "R", "Q")),
                f"[bold]{item.category}[/]",
                _number(item.better, 2),
                _number(item.worse, 2),
                _percent(item.total_strength),
                _percent(item.category_strength),
                _("yes") if item.fong_significant else _("no"),
            )
        console.print(table)
        for note in notes:
            console.print(f"  • {_escape(note)}", highlight=False)
    for comparison in comparisons:
        table = Table(
            title=_("Kano categories from %(wave)s %(before)s to %(after)s")
            % {"wave": wave, "before": comparison.before, "after": comparison.after},
            caption=_("%(test)s; falling = A→O, O→M or A→M with p < %(alpha)s")
            % {"test": comparison.test, "alpha": comparison.alpha},
            title_justify="left",
        )
        segmented = any(change.segment is not None for change in comparison.changes)
        if segmented:
            table.add_column(_("segment"))
        for header in (_("attribute"), _("before"), _("after"), "χ²", "p", _("falling")):
            table.add_column(header)
        for change in comparison.changes:
            table.add_row(
                *([change.segment or ""] if segmented else []),
                change.attribute,
                change.category_before,
                change.category_after,
                _number(change.statistic, 2),
                _number(change.p_value, 4),
                f"[bold red]{_('FALLING')}[/]" if change.is_falling else "",
            )
        console.print(table)
