"""The satisfaction index (ACSI / ECSI) and key-driver sections of the results page: labels,
rounding and chart data only; the numbers come from :mod:`qiwang.surveys.indices`."""

from __future__ import annotations

import math
from typing import Any

from django.utils.translation import gettext_lazy

from qiwang.surveys.presentation import _round, _short
from qiwang.surveys.results import WaveResults

METHOD_LABELS = {
    "shapley": gettext_lazy(
        "Shapley value regression (the fair split of R² over every order the ratings could "
        "enter the model)"
    ),
    "relative-weights": gettext_lazy("relative weights (Johnson 2000)"),
}
LATENT_LABELS = {
    "Image": gettext_lazy("Image"),
    "Expectation": gettext_lazy("Expectation"),
    "Quality": gettext_lazy("Perceived quality"),
    "Value": gettext_lazy("Perceived value"),
    "Satisfaction": gettext_lazy("Satisfaction"),
    "Complaints": gettext_lazy("Complaint handling"),
    "Loyalty": gettext_lazy("Loyalty"),
}
#: Where each latent variable of the ECSI / ACSI diagram sits (percent of the drawing).
LATENT_PLACES = {
    "Image": (12, 12),
    "Expectation": (12, 50),
    "Quality": (12, 88),
    "Value": (42, 72),
    "Satisfaction": (58, 38),
    "Complaints": (86, 14),
    "Loyalty": (88, 62),
}


#: The "ten times" rule of thumb for PLS path models and regressions (Barclay, Higgins & Thompson
#: 1995; Hair, Ringle & Sarstedt 2011): at least ten answers per arrow into the most-predicted box
#: (per driver in a regression). Fewer answers are shown with a small-sample caution.
ANSWERS_PER_ARROW = 10


def needed_answers(paths: Any) -> int:
    """Answers the ten-times rule asks of a path model with ``paths`` ((source, target) pairs)."""
    arrows: dict[Any, int] = {}
    for _source, target in paths:
        arrows[target] = arrows.get(target, 0) + 1
    return ANSWERS_PER_ARROW * max(arrows.values(), default=1)


def index_context(results: WaveResults, label: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The satisfaction index (ACSI / ECSI) and key drivers sections: context and chart data."""
    context: dict[str, Any] = {}
    charts: dict[str, Any] = {}
    found = results.satisfaction_index
    if found is not None:
        fit = found.fit
        target = fit.model.target_variable
        names = {lv: str(LATENT_LABELS.get(lv, lv)) for lv in fit.index.index}
        context["csi"] = {
            "model": found.model.upper(),
            "target": names[target],
            "index": _round(found.index, 1),
            "low": _round(found.low, 1),
            "high": _round(found.high, 1),
            "resamples": found.resamples,
            "n": int(fit.count),
            "needed": needed_answers(fit.model.paths),
            "r2": _round(float(fit.r_squared.get(target, math.nan))),
            "latents": [
                {"label": names[lv], "index": _round(float(value), 1)}
                for lv, value in fit.index.items()
            ],
        }
        paths = fit.path_coefficients
        charts["csiPaths"] = {
            "nodes": [
                {
                    "name": names[lv],
                    "x": LATENT_PLACES.get(lv, (50, 50))[0],
                    "y": LATENT_PLACES.get(lv, (50, 50))[1],
                    "index": _round(float(fit.index[lv]), 1),
                    "target": lv == target,
                }
                for lv in fit.index.index
            ],
            "links": [
                {"source": names[a], "target": names[b], "value": _round(float(paths.loc[a, b]))}
                for a, b in fit.model.paths
            ],
        }
        ipma = fit.ipma()
        rows = [
            {
                "label": names[lv],
                "importance": _round(float(row.importance)),
                "performance": _round(float(row.performance), 1),
            }
            for lv, row in ipma.iterrows()
        ]
        context["csi"]["small"] = context["csi"]["n"] < context["csi"]["needed"]
        context["csi_ipma"] = rows
        charts["csiIpma"] = [[r["importance"], r["performance"], r["label"]] for r in rows]
    result = results.drivers
    if result is not None:
        rows = [
            {
                "label": label(driver.name),
                "weight": _round(driver.weight, 3),
                "share": _round(100 * driver.share, 1),
                "correlation": _round(driver.correlation),
            }
            for driver in sorted(result.drivers, key=lambda d: -d.weight)
        ]
        context["drivers"] = {
            "method": result.method,
            "method_label": METHOD_LABELS.get(result.method, result.method),
            "r2": _round(result.r2),
            "n": result.n,
            "needed": ANSWERS_PER_ARROW * len(rows),
            "small": result.n < ANSWERS_PER_ARROW * len(rows),
            "target": label(result.target),
            "rows": rows,
        }
        charts["drivers"] = [[_short(r["label"], 18), r["share"], r["label"]] for r in rows]
    return context, charts
