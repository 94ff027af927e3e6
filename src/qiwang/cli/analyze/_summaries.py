"""The analyses' summary lines in the command line's language.

The ``summary()`` methods of :mod:`qiwang.analysis` results are English (the package knows no
languages; its doctests and API users read them). The commands print these instead: the same
sentences, built from the results' fields with catalogue texts, so a zh-hans terminal reads
Chinese. The JSON output is untouched (it carries codes and numbers, never these sentences).
"""

from __future__ import annotations

from typing import Any

from qiwang.catalogue.notice_texts import NOTICE_MSGIDS
from qiwang.cli._i18n import gettext as _

__all__ = [
    "estimate_line",
    "habituation_lines",
    "promise_lines",
    "states_line",
    "surprise_plan_lines",
]


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def promise_lines(check: Any) -> list[str]:
    """The recommendation (or why there is none) and the notes of an over-promise check."""
    lines = []
    if check.recommended is not None:
        lines.append(
            _("Recommended target: %(target)s (%(breaches)s breaches, upper bound %(upper)s).")
            % {
                "target": check.recommended,
                "breaches": check.recommended_breaches,
                "upper": _pct(check.recommended_upper or 0.0),
            }
        )
    else:
        lines.append(
            _(
                "No target can be recommended: %(n)s deliveries are too few; even with no "
                "breach at least %(minimum)s are needed to show a rate within %(allowed)s."
            )
            % {
                "n": check.n,
                "minimum": check.minimum_n,
                "allowed": f"{100 * check.allowed_breach:g}%",
            }
        )
    if check.dropped:
        lines.append(_("%(count)s empty values were left out") % {"count": check.dropped})
    return lines


def _notice(notice: Any) -> str:
    # The web's surprise-plan texts (one catalogue entry each for both).
    msgid = NOTICE_MSGIDS.get(notice.code)
    if msgid is None:
        return str(notice.message)  # a notice this version does not know: the planner's English
    try:
        return _(msgid) % dict(notice.params)
    except (KeyError, TypeError, ValueError):
        return str(notice.message)


def surprise_plan_lines(plan: Any) -> list[str]:
    """Deliveries and spending, one line per segment, then the planner's notices."""
    lines = [
        _(
            "%(count)s surprises from %(start)s to %(end)s, spent %(spent)s of %(budget)s "
            "(%(cost)s each, at most %(maximum)s)."
        )
        % {
            "count": len(plan.deliveries),
            "start": plan.start,
            "end": plan.end,
            "spent": f"{plan.spent:g}",
            "budget": f"{plan.budget:g}",
            "cost": f"{plan.cost:g}",
            "maximum": plan.max_deliveries,
        }
    ]
    for share in plan.segments:
        text = _(
            "%(segment)s: %(deliveries)s for %(customers)s customers (fair share %(fair)s)"
        ) % {
            "segment": share.segment,
            "deliveries": share.deliveries,
            "customers": share.customers,
            "fair": f"{share.fair_share:.1f}",
        }
        if share.saturated:
            text += _(", saturated")
        lines.append("  " + text)
    lines.extend(_notice(notice) for notice in plan.notices)
    return lines


def habituation_lines(habits: Any) -> list[str]:
    """How many customers are habituated, and why each one is."""
    frame = habits.frame
    lines = [
        _("%(habituated)s of %(customers)s customers habituated")
        % {"habituated": len(habits.habituated), "customers": len(frame)}
    ]
    for record in frame.loc[frame["is_habituated"]].to_dict("records"):
        why = []
        if record["is_regular"]:
            why.append(_("intervals regular (CV %(cv)s)") % {"cv": f"{record['interval_cv']:.2f}"})
        if record["repeats_same_date"]:
            why.append(_("%(count)s same-date repeats") % {"count": record["same_date_repeats"]})
        lines.append(
            "  "
            + _("%(customer)s: %(why)s")
            % {"customer": record["customer"], "why": _(", ").join(why)}
        )
    return lines


def estimate_line(estimate: Any) -> str:
    """The estimated weights, their standard errors and the data behind them."""

    def weight(value: float, error: float | None) -> str:
        return f"{value:.3f}" + ("" if error is None else f" ± {error:.3f}")

    text = _(
        "gain weight %(gain)s, loss weight %(loss)s from %(transitions)s transitions "
        "(%(gains)s gains, %(losses)s losses)"
    ) % {
        "gain": weight(estimate.parameters.gain_weight, estimate.gain_weight_se),
        "loss": weight(estimate.parameters.loss_weight, estimate.loss_weight_se),
        "transitions": estimate.transitions,
        "gains": estimate.gains,
        "losses": estimate.losses,
    }
    if estimate.reason == "too_few_transitions":
        text += _("; defaults kept: too few transitions")
    elif estimate.reason == "no_measured_expectations":
        text += _("; defaults kept: no measured expectations")
    elif estimate.reason is not None:
        text += _("; defaults kept: %(reason)s") % {"reason": estimate.reason.replace("_", " ")}
    if estimate.shows_ratchet:
        text += _("; the data show a ratchet")
    return text


def states_line(states: Any) -> str:
    """Counts of pairs, perceptions, ratchet warnings and pairs predicted dissatisfied."""
    frame = states.frame
    return _(
        "%(pairs)s customer × service pairs, %(perceptions)s perceptions, %(warnings)s "
        "ratchet warnings, %(dissatisfied)s pairs predicted dissatisfied at their last level"
    ) % {
        "pairs": len(frame),
        "perceptions": int(frame["observations"].sum()),
        "warnings": int(frame["ratchet_warning"].sum()),
        "dissatisfied": int((frame["predicted_satisfaction"] < 0).sum()),
    }
