"""Satisfaction-index (PLS path model) analysis on the command line: ``qiwang analyze csi``.

Parses and validates the options, calls :mod:`qiwang.analysis.csi`, and prints a readable report
(paths with intervals, R², reliability, the 0–100 index) or the JSON contract (``--json``). Bad
input prints one message on standard error and exits with code 2.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from qiwang.cli._i18n import gettext as _
from qiwang.cli._output import use_json
from qiwang.cli.analyze import analyze_app
from qiwang.cli.analyze._engine import (
    DatabaseUrlOption,
    EngineOption,
    SparkMasterOption,
    check_engine,
    open_input,
)
from qiwang.cli.analyze._messages import input_error

if TYPE_CHECKING:
    import pandas as pd

    from qiwang.analysis.csi import BootstrapResult, PlsResult


class Scheme(StrEnum):
    path = "path"
    centroid = "centroid"
    factorial = "factorial"


class Missing(StrEnum):
    listwise = "listwise"
    mean = "mean"


class Interval(StrEnum):
    percentile = "percentile"
    bca = "bca"


def _fail(message: str) -> typer.Exit:
    from qiwang.cli.analyze._common import fail

    return fail(message)  # "Error: …" on stderr, or the JSON error with --json; exit code 2


def _read_table(path: Path) -> pd.DataFrame | Path:
    """A DataFrame for CSV/XLSX; Parquet stays a path (DuckDB scans it)."""
    from qiwang.analysis import AnalysisInputError
    from qiwang.analysis._io import read_table
    from qiwang.cli.analyze._messages import input_error

    suffix = path.suffix.lower()
    if suffix in {".parquet", ".pq"} and path.is_file():
        return path
    if path.is_file() and suffix not in {".csv", ".tsv", ".txt", ".xlsx", ".xlsm"}:
        raise _fail(
            _("cannot read %(suffix)s: use CSV, XLSX or Parquet")
            % {"suffix": suffix or _("files without a suffix")}
        )
    try:  # the reader every analyze command shares: UTF-8 or GB18030, named errors
        frame = read_table(path)
    except AnalysisInputError as error:
        raise _fail(input_error(error)) from None
    first = str(frame.columns[0])
    if first == "" or first.startswith("Unnamed: "):  # a row-name column, as R writes
        frame = frame.drop(columns=frame.columns[0])
    frame.columns = [str(c) for c in frame.columns]
    return frame


@contextmanager
def _progress(description: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr, shown only on a terminal and when the work takes over a second.

    Yields ``update(done, total)`` for row counts; without updates it is a spinner.
    """
    console = Console(stderr=True)
    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    task = progress.add_task(description, total=None)
    lock = threading.Lock()
    state = {"started": False, "done": False}

    def start() -> None:
        with lock:
            if not state["done"]:
                progress.start()
                state["started"] = True

    timer = threading.Timer(1.0, start)
    timer.daemon = True
    if console.is_terminal:
        timer.start()
    try:
        yield lambda done, total: progress.update(task, completed=done, total=total or None)
    finally:
        timer.cancel()
        with lock:
            state["done"] = True
            if state["started"]:
                progress.stop()


def _fmt_se(value: Any) -> str:
    """Standard errors to two significant digits (they shrink to 1e-4 on millions of rows)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    v = float(value)
    return _fmt(v) if abs(v) >= 0.01 else f"{v:.2g}"


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{float(value):.{digits}f}"


def _clean(value: Any) -> Any:
    """JSON-safe: NaN → null, numpy scalars → Python."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _render(result: PlsResult, boot: BootstrapResult | None, console: Console) -> None:
    model = result.model
    scaling = _("standardised") if result.scaled else _("raw (unscaled)")
    console.print(
        f"[bold]{model.name}[/]: "
        + _(
            "%(latent)s latent variables, %(indicators)s indicators, n = %(n)s; scheme "
            "%(scheme)s, %(scaling)s indicators, %(iterations)s iterations"
        )
        % {
            "latent": len(model.blocks),
            "indicators": len(model.indicators),
            "n": f"{result.count:,.0f}",
            "scheme": model.scheme,
            "scaling": scaling,
            "iterations": result.iterations,
        },
        highlight=False,
    )
    moments = result.moments
    if moments.rows_dropped:
        console.print(
            _("Listwise deletion removed %(count)s incomplete rows.")
            % {"count": moments.rows_dropped}
        )
    if any(moments.values_imputed):
        console.print(
            _("Mean imputation replaced %(count)s missing values.")
            % {"count": sum(moments.values_imputed)}
        )
    if boot is not None:
        console.print(
            _(
                "Bootstrap: %(valid)s of %(resamples)s replicates (%(method)s Poisson weights, "
                "seed %(seed)s), %(interval)s %(level)s intervals, %(changes)s sign changes."
            )
            % {
                "valid": boot.valid,
                "resamples": boot.resamples,
                "method": boot.method,
                "seed": boot.seed,
                "interval": boot.interval,
                "level": f"{boot.level:.0%}",
                "changes": boot.sign_changes,
            },
            highlight=False,
        )

    paths = Table(title=_("Paths"), title_justify="left")
    paths.add_column(_("from"))
    paths.add_column(_("to"))
    paths.add_column(_("estimate"), justify="right")
    if boot is not None:
        paths.add_column(_("std. error"), justify="right")
        paths.add_column(_interval(boot.level), justify="right")
    else:
        paths.add_column(_("std. error (OLS)"), justify="right")
        paths.add_column("p", justify="right")
    for name, row in result.inner_model.iterrows():
        cells = [str(row["from"]), str(row["to"]), _fmt(row["estimate"])]
        if boot is not None:
            b = boot.paths.loc[name]
            cells += [_fmt_se(b["std_error"]), f"[{_fmt(b['ci_low'])}, {_fmt(b['ci_high'])}]"]
        else:
            cells += [_fmt_se(row["std_error"]), _fmt(row["p_value"], 4)]
        paths.add_row(*cells)
    console.print(paths)

    r2 = Table(title="R²", title_justify="left")
    r2.add_column(_("latent"))
    r2.add_column("R²", justify="right")
    r2.add_column(_("adjusted R²"), justify="right")
    if boot is not None:
        r2.add_column(_interval(boot.level), justify="right")
    for lv, value in result.r_squared.items():
        cells = [str(lv), _fmt(value), _fmt(result.inner_summary.loc[lv, "r_squared_adjusted"])]
        if boot is not None:
            b = boot.r_squared.loc[lv]
            cells.append(f"[{_fmt(b['ci_low'])}, {_fmt(b['ci_high'])}]")
        r2.add_row(*cells)
    console.print(r2)

    reliability = Table(title=_("Reliability and validity"), title_justify="left")
    reliability.add_column(_("latent"))
    reliability.add_column(_("mode"))
    for column in (_("items"), "Cronbach α", "DG ρ", "CR ρc", "ρ_A", "AVE"):
        reliability.add_column(column, justify="right")
    for lv, row in result.reliability.iterrows():
        reliability.add_row(
            str(lv),
            str(row["mode"]),
            str(row["indicators"]),
            _fmt(row["cronbach_alpha"]),
            _fmt(row["dillon_goldstein_rho"]),
            _fmt(row["composite_reliability"]),
            _fmt(row["rho_a"]),
            _fmt(row["ave"]),
        )
    console.print(reliability)

    target = model.target_variable
    ipma = result.ipma(target)
    scale = result.scale
    low, high = scale["minimum"].min(), scale["maximum"].max()
    source = str(scale["source"].iloc[0])
    index = Table(
        title=_("Index 0–100 (scale %(low)s–%(high)s, %(source)s); importance for %(target)s")
        % {"low": f"{low:g}", "high": f"{high:g}", "source": source, "target": target},
        title_justify="left",
    )
    index.add_column(_("latent"))
    index.add_column(_("index"), justify="right")
    if boot is not None:
        index.add_column(_interval(boot.level), justify="right")
    index.add_column(_("importance"), justify="right")
    for lv, value in result.index.items():
        cells = [str(lv), _fmt(value, 1)]
        if boot is not None:
            b = boot.index.loc[lv]
            cells.append(f"[{_fmt(b['ci_low'], 1)}, {_fmt(b['ci_high'], 1)}]")
        cells.append(_fmt(ipma.loc[lv, "importance"]) if lv in ipma.index else "")
        index.add_row(*cells)
    console.print(index)
    console.print(f"GoF = {_fmt(result.goodness_of_fit)}", highlight=False)


def _interval(level: float) -> str:
    return _("%(level)s interval") % {"level": f"{level:.0%}"}


EXAMPLES = Path(__file__).resolve().parents[4] / "examples" / "csi"

CSI_HELP = "\n\n".join(
    (
        _("Customer satisfaction index (ACSI / ECSI) by PLS path modelling, with bootstrap."),
        _(
            "DATA has one row per respondent and one column per item. Presets find their items by prefix:\n"
            "ecsi (Tenenhaus et al. 2005) IMAG, CUEX, PERQ, PERV, CUSA, CUSCO, CUSL; acsi (Fornell et al. 1996)\n"
            "the same without IMAG; scale 1–10. Any other model is a YAML or JSON file:"
        ),
        "\b\n"
        + _(
            "  blocks:              # latent variable -> indicator columns\n"
            "    Image: [IMAG1, IMAG2, IMAG3]\n"
            "    Loyalty: [CUSL1, CUSL2, CUSL3]\n"
            "  modes: {Image: A}    # optional: A reflective (default), B formative\n"
            "  paths: [[Image, Loyalty]]   # from -> to, no cycles\n"
            "  scheme: path         # path | centroid | factorial\n"
            "  scale: [1, 10]       # optional: rating scale of the 0-100 index"
        ),
        _(
            "The report gives paths (with bootstrap intervals), R², reliability (Cronbach α, ρ_DG, ρc, ρ_A,\n"
            "AVE) and the 0–100 index with importance for the target; --json prints paths, r2,\n"
            "outer_weights, loadings and index (ci_low/ci_high null without --bootstrap). The bootstrap\n"
            "uses Poisson weights: all resamples in one pass over the data."
        ),
        _(
            "With --engine duckdb|spark|postgres the moments (and, with --key, the bootstrap replicates) are\n"
            "computed on that engine (INPUT: a file, a directory of Parquet parts, or with postgres a table).\n"
            "--key COLUMN (an integer or text column naming each respondent) makes the Poisson weights a\n"
            "function of (seed, key, replicate): the same intervals on every engine and partitioning."
        ),
        "\b\n" + _("Examples (files in %(examples)s):") % {"examples": EXAMPLES} + "\n"
        "  qiwang analyze csi mobi.csv --model ecsi --bootstrap 5000 --seed 1\n"
        "  qiwang analyze csi satisfaction.csv --model examples/csi/satisfaction.yaml --unscaled --json\n"
        "  qiwang analyze csi responses.parquet --model acsi --bootstrap 200 --missing listwise\n"
        "  qiwang analyze csi answers/ --engine spark --key respondent --bootstrap 200 --seed 7",
    )
)


@analyze_app.command("csi", help=CSI_HELP)
def csi_command(
    data: Annotated[
        Path,
        typer.Argument(
            help=_(
                "CSV, XLSX or Parquet file, one row per respondent (with --engine also a "
                "directory of Parquet parts, or a table)."
            )
        ),
    ],
    model: Annotated[
        str,
        typer.Option("--model", "-m", help=_("Preset ecsi or acsi, or a model .yaml/.json file.")),
    ] = "ecsi",
    scheme: Annotated[
        Scheme | None,
        typer.Option(help=_("Inner weighting scheme (default: the model's, else path).")),
    ] = None,
    bootstrap: Annotated[
        int, typer.Option("--bootstrap", "-b", help=_("Bootstrap resamples (0: none)."), min=0)
    ] = 0,
    seed: Annotated[int | None, typer.Option(help=_("Random seed for the bootstrap."))] = None,
    interval: Annotated[
        Interval, typer.Option(help=_("Bootstrap interval: percentile or bca."))
    ] = Interval.percentile,
    level: Annotated[float, typer.Option(help=_("Confidence level."), min=0.5, max=0.999)] = 0.95,
    unscaled: Annotated[
        bool, typer.Option("--unscaled", help=_("Raw indicator scales (R plspm scaled=FALSE)."))
    ] = False,
    missing: Annotated[
        Missing | None,
        typer.Option(help=_("Missing values: listwise deletion or mean imputation.")),
    ] = None,
    scale_min: Annotated[
        float | None, typer.Option(help=_("Rating-scale minimum for the index."))
    ] = None,
    scale_max: Annotated[
        float | None, typer.Option(help=_("Rating-scale maximum for the index."))
    ] = None,
    tolerance: Annotated[float, typer.Option(help=_("Convergence tolerance."))] = 1e-6,
    max_iterations: Annotated[int, typer.Option(help=_("Iteration cap."), min=1)] = 100,
    as_json: Annotated[
        bool, typer.Option("--json", help=_("Print JSON instead of a report."))
    ] = False,
    engine: EngineOption = None,
    spark_master: SparkMasterOption = None,
    database_url: DatabaseUrlOption = None,
    key: Annotated[
        str | None,
        typer.Option(
            "--key",
            help=_("Row-key column (integer or text) for engine-independent bootstrap weights."),
            show_default=False,
        ),
    ] = None,
) -> None:
    """Customer satisfaction index (ACSI / ECSI) by PLS path modelling, with bootstrap."""
    use_json(as_json)
    from qiwang.analysis import csi

    problem = check_engine(engine, command="csi", supported=("duckdb", "spark", "postgres"))
    if problem is not None:
        raise _fail(problem)

    if (scale_min is None) != (scale_max is None):
        raise _fail(_("give both --scale-min and --scale-max, or neither"))
    scale = None if scale_min is None or scale_max is None else (scale_min, scale_max)
    if scale is not None and not scale[1] > scale[0]:
        raise _fail(
            _("--scale-max (%(max)s) must exceed --scale-min (%(min)s)")
            % {"max": f"{scale[1]:g}", "min": f"{scale[0]:g}"}
        )
    if not tolerance > 0:
        raise _fail(_("--tolerance must be positive, got %(value)s") % {"value": f"{tolerance:g}"})
    if bootstrap == 1:
        raise _fail(_("--bootstrap needs at least 2 resamples"))
    if engine is not None and bootstrap and key is None:
        raise _fail(
            _(
                "--bootstrap with --engine needs --key COLUMN (an integer or text column naming "
                "each respondent): the Poisson weights are computed from (seed, key, replicate)"
            )
        )
    policy = missing.value if missing is not None else "error"
    if engine is not None or key is not None:
        payload = _portable(
            data,
            model,
            engine=engine,
            key=key,
            bootstrap=bootstrap,
            seed=seed,
            interval=interval.value,
            level=level,
            spark_master=spark_master,
            database_url=database_url,
            options={
                "scheme": scheme.value if scheme is not None else None,
                "scaled": not unscaled,
                "tolerance": tolerance,
                "max_iterations": max_iterations,
                "missing": policy,
                "scale": scale,
            },
        )
        if as_json:
            typer.echo(
                json.dumps(
                    _clean(payload[1].to_dict() if payload[1] else payload[0].to_dict()),
                    ensure_ascii=False,
                    indent=2,
                )
            )
            return
        console = Console()
        if not console.is_terminal:
            console.width = max(console.width, 120)
        _render(payload[0], payload[1], console)
        return
    source = _read_table(data)
    policy = missing.value if missing is not None else "error"
    options: dict[str, Any] = {
        "scheme": scheme.value if scheme is not None else None,
        "scaled": not unscaled,
        "tolerance": tolerance,
        "max_iterations": max_iterations,
        "missing": policy,
        "scale": scale,
    }
    try:
        boot: BootstrapResult | None = None
        if bootstrap:
            with _progress(
                _("%(count)s bootstrap resamples: reading rows") % {"count": f"{bootstrap:,}"}
            ) as update:
                boot = csi.bootstrap(
                    source,
                    model,
                    resamples=bootstrap,
                    seed=seed,
                    interval=interval.value,
                    level=level,
                    progress=update,
                    **options,
                )
            result = boot.estimate
        else:
            with _progress(_("Computing moments and fitting the model")):
                result = csi.fit(source, model, **options)
    except csi.MissingValuesError as error:
        raise _fail(
            _("%(error)s: use --missing listwise or --missing mean") % {"error": input_error(error)}
        ) from None
    except csi.AnalysisInputError as error:
        raise _fail(input_error(error)) from None
    if as_json:
        payload = boot.to_dict() if boot is not None else result.to_dict()
        typer.echo(json.dumps(_clean(payload), ensure_ascii=False, indent=2))
        return
    console = Console()
    if not console.is_terminal:
        console.width = max(console.width, 120)
    _render(result, boot, console)


def _portable(
    data: Path,
    model: str,
    *,
    engine: str | None,
    key: str | None,
    bootstrap: int,
    seed: int | None,
    interval: str,
    level: float,
    spark_master: str | None,
    database_url: str | None,
    options: dict[str, Any],
) -> tuple[PlsResult, BootstrapResult | None]:
    """Stage 1 written once (``qiwang.analysis.engines``): on an engine, or pandas with --key."""
    import secrets

    from qiwang.analysis import csi, engines

    try:
        if engine is not None:
            with _progress(_("Opening %(data)s on %(engine)s") % {"data": data, "engine": engine}):
                source: Any = open_input(
                    data, engine, spark_master=spark_master, database_url=database_url
                )
        else:
            read = _read_table(data)
            source = read if not isinstance(read, Path) else engines.open_table(read)
        if bootstrap and key is not None:
            chosen = seed if seed is not None else secrets.randbelow(2**31)
            with _progress(
                _("%(count)s bootstrap resamples on %(engine)s")
                % {"count": f"{bootstrap:,}", "engine": engine or "pandas"}
            ):
                boot = engines.bootstrap_portable(
                    source,
                    model,
                    key=key,
                    resamples=bootstrap,
                    seed=chosen,
                    interval=interval,  # type: ignore[arg-type]
                    level=level,
                    **options,
                )
            return boot.estimate, boot
        with _progress(_("Computing moments and fitting the model")):
            return engines.fit_portable(source, model, **options), None
    except csi.MissingValuesError as error:
        raise _fail(
            _("%(error)s: use --missing listwise or --missing mean") % {"error": input_error(error)}
        ) from None
    except csi.AnalysisInputError as error:
        raise _fail(input_error(error)) from None
