"""How catalogue codes are shown: warnings (title, rule, recommended action), plan notices and
left-out reasons, rendered in the reader's language at display time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy

from qiwang.catalogue.choices import Audience, KanoClass, PublicityScope, ServiceTier
from qiwang.catalogue.notice_texts import NOTICE_MSGIDS

# Title, rule and recommended action of each warning code; parameters filled at display time.
WARNING_TEXTS: dict[str, tuple[Any, Any, Any]] = {
    "kano_must_be_as_surprise": (
        gettext_lazy("A must-be need is served as a surprise"),
        gettext_lazy(
            "In wave %(wave)s customers class “%(attribute)s” as must-be: its absence makes them "
            "angry, its presence is taken for granted. A surprise is delivered irregularly, so "
            "some customers go without it."
        ),
        gettext_lazy(
            "Make it a basic service with one explicit standard and process for every eligible "
            "customer, and give it a high resource priority."
        ),
    ),
    "kano_attractive_promised": (
        gettext_lazy("A delighter is promised explicitly"),
        gettext_lazy(
            "In wave %(wave)s customers class “%(attribute)s” as attractive, yet it carries an "
            "explicit standard. A delight that is promised becomes expected, and it falls faster."
        ),
        gettext_lazy(
            "Lower the commitment to moderate or none, keep publicity narrow, and deliver it "
            "irregularly."
        ),
    ),
    "kano_tier_mismatch": (
        gettext_lazy("The tier disagrees with the customers’ Kano class"),
        gettext_lazy(
            "The service is in the %(tier)s tier, but in wave %(wave)s customers class "
            "“%(attribute)s” as %(kano)s, which calls for the %(suggested)s tier."
        ),
        gettext_lazy(
            "Review the tier with the team: move it to the %(suggested)s tier and adjust its "
            "commitment and publicity to match."
        ),
    ),
    "kano_fell": (
        gettext_lazy("The Kano class fell between two waves"),
        gettext_lazy(
            "“%(attribute)s” was %(before)s in %(wave_before)s and is %(after)s in %(wave)s: what "
            "delighted customers is becoming expected (掉落)."
        ),
        gettext_lazy(
            "Re-tier the service, lower its publicity so the expectation rises no further, and "
            "look for a new delighter to take its place."
        ),
    ),
    "basic_without_explicit": (
        gettext_lazy("A basic service has no explicit commitment"),
        gettext_lazy(
            "Basic services need one uniform standard, an explicit commitment with its scope and "
            "a standard process; this one has none in force."
        ),
        gettext_lazy(
            "Add an explicit commitment with a measurable target; check it first with the "
            "over-promise calculator on the service page."
        ),
    ),
    "over_promise": (
        gettext_lazy("The promise is broken more often than allowed"),
        gettext_lazy(
            "%(breach)s %% of %(n)s deliveries in the last year missed “%(target)s”; even the "
            "lower end of the 95 %% interval (%(breach_low)s %%) is above the allowed %(allowed)s %%."
        ),
        gettext_lazy(
            "Do not over-promise: use the over-promise calculator to find a target with margin, "
            "or fix the delivery process before promising this level again."
        ),
    ),
    "publication_beyond_scope": (
        gettext_lazy("A publication reached beyond the service’s scope"),
        gettext_lazy(
            "“%(title)s” (%(date)s) went to %(audience)s, but the service’s publicity scope is "
            "%(scope)s."
        ),
        gettext_lazy(
            "Publicise it only to the customers who receive it; prefer direct messages to "
            "notice boards and groups for segment and individual services."
        ),
    ),
    "comparison_risk": (
        gettext_lazy("Customers were told of a service they cannot have"),
        gettext_lazy(
            "%(customers)s customers were reached by a publication of this service but are not "
            "eligible for it; like the referral-commission example, they may feel treated unfairly."
        ),
        gettext_lazy(
            "See the comparison-risk list: explain the difference to these customers before they "
            "ask, or narrow future publications."
        ),
    ),
    "habituation": (
        gettext_lazy("Surprises have become predictable"),
        gettext_lazy(
            "%(customers)s customers received this surprise at regular intervals or on the same "
            "date each year; they now expect it, and missing it once will disappoint them."
        ),
        gettext_lazy(
            "Plan the next deliveries with the surprise planner (irregular dates, never near last "
            "year’s date) or change the gift."
        ),
    ),
    "ratchet": (
        gettext_lazy("Expectations ratcheted up"),
        gettext_lazy(
            "%(customers)s customers perceived far more than they expected on this repeated "
            "service; their next expectation is higher and harder to meet."
        ),
        gettext_lazy(
            "Keep the level steady rather than exceeding it again, and let account managers check "
            "these customers’ expectation panels."
        ),
    ),
}

SEVERITY = {
    "kano_must_be_as_surprise": "high",
    "basic_without_explicit": "high",
    "over_promise": "high",
    "comparison_risk": "medium",
    "kano_fell": "medium",
    "kano_attractive_promised": "medium",
    "kano_tier_mismatch": "medium",
    "publication_beyond_scope": "medium",
    "habituation": "medium",
    "ratchet": "low",
}

_LABELS: dict[str, Any] = {
    "kano": lambda v: str(KanoClass(v).label) if v in KanoClass.values else v,
    "before": lambda v: str(KanoClass(v).label) if v in KanoClass.values else v,
    "after": lambda v: str(KanoClass(v).label) if v in KanoClass.values else v,
    "tier": lambda v: str(ServiceTier(v).label) if v in ServiceTier.values else v,
    "suggested": lambda v: str(ServiceTier(v).label) if v in ServiceTier.values else v,
    "scope": lambda v: str(PublicityScope(v).label) if v in PublicityScope.values else v,
    "audience": lambda v: str(Audience(v).label) if v in Audience.values else v,
}


@dataclass(frozen=True)
class RenderedWarning:
    code: str
    severity: str
    title: str
    rule: str
    action: str


def _params(params: dict[str, Any]) -> dict[str, Any]:
    return {key: _LABELS[key](value) if key in _LABELS else value for key, value in params.items()}


def render_warning(code: str, params: dict[str, Any]) -> RenderedWarning:
    """The warning in the active language; unknown codes show the code itself."""
    if code not in WARNING_TEXTS:
        return RenderedWarning(code, "low", code, "", "")
    title, rule, action = WARNING_TEXTS[code]
    values = _params(params)
    try:
        return RenderedWarning(
            code, SEVERITY[code], str(title), str(rule) % values, str(action) % values
        )
    except (KeyError, TypeError, ValueError):
        return RenderedWarning(code, SEVERITY[code], str(title), str(rule), str(action))


NOTICE_TEXTS: dict[str, Any] = {
    # the msgids are marked (gettext_noop) in notice_texts.py
    code: gettext_lazy(msgid)
    for code, msgid in NOTICE_MSGIDS.items()
}


def render_notice(code: str, params: dict[str, Any]) -> str:
    text = NOTICE_TEXTS.get(code)
    if text is None:
        return code
    try:
        return str(text) % params
    except (KeyError, TypeError, ValueError):
        return str(text)


def kano_label(code: str) -> str:
    return str(KanoClass(code).label) if code in KanoClass.values else ""


__all__ = ["RenderedWarning", "kano_label", "render_notice", "render_warning"]
