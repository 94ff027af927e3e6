"""Generated texts stored as a code and its parameters, rendered in the reader's language.

A task's reason, a tier suggestion's reason or an allocation's explanation is written by the
system, not by a person: storing the sentence would freeze it in the language of whoever (or
whatever job) happened to create it. Rows store ``(code, params)`` instead and pages, reports
and the API render them at display time with :func:`render_text`.

Other apps register their own codes in ``AppConfig.ready`` (``register_text``), e.g. a survey
follow-up's reason, so a customers page can render a text it does not know about.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

TEXTS: dict[str, Promise | str] = {
    "sourcing": _("Short by %(units)d of %(product)s: help them source elsewhere."),
    "referral_thanks": _("Thank %(referrer)s for referring %(referred)s."),
    "birthday": _("Birthday"),
    "anniversary": _("Company anniversary"),
    "sales_rise": _("Sales rose in %(month)s"),
}

#: The holiday table's names (stored in Chinese, as the State Council and the lunar calendar
#: name them) in the reader's language.
OCCASION_NAMES: dict[str, Promise] = {
    "元旦": _("New Year's Day"),
    "春节": _("Spring Festival"),
    "元宵节": _("Lantern Festival"),
    "清明节": _("Qingming Festival"),
    "劳动节": _("Labour Day"),
    "端午节": _("Dragon Boat Festival"),
    "中秋节": _("Mid-Autumn Festival"),
    "重阳节": _("Double Ninth Festival"),
    "国庆节": _("National Day"),
}


#: Texts whose parameters are structured data (a survey follow-up's answers: question ids,
#: values, scales), rendered by a function in the active language.
RENDERERS: dict[str, Callable[[Mapping[str, Any]], str]] = {}


def register_text(code: str, text: Promise | str) -> None:
    """Make ``code`` renderable (``text`` a lazy translation with ``%(name)s`` parameters)."""
    TEXTS[code] = text


def register_renderer(code: str, render: Callable[[Mapping[str, Any]], str]) -> None:
    """Make ``code`` renderable by ``render(params)`` (called in the reader's language)."""
    RENDERERS[code] = render


def render_text(code: str, params: Mapping[str, Any] | None, fallback: str = "") -> str:
    """The text of ``code`` with ``params`` in the active language; ``fallback`` (the text
    stored before codes existed) for a row without a code or with an unknown one."""
    renderer = RENDERERS.get(code or "")
    if renderer is not None:
        try:
            return renderer(dict(params or {})) or fallback
        except (KeyError, TypeError, ValueError):
            return fallback
    template = TEXTS.get(code or "")
    if template is None:
        return fallback
    try:
        return str(template) % dict(params or {}) if params else str(template)
    except (KeyError, TypeError, ValueError):
        return fallback or str(template)


def occasion_name(name: str) -> str:
    """A holiday's name in the reader's language; other occasion names are shown as written."""
    translated = OCCASION_NAMES.get(name)
    return str(translated) if translated is not None else name


def tier_rule_reason(tier: str, share_before: Decimal, orders: int) -> str:
    """Why the value rule suggests ``tier`` (docs/customers.md, *Tier suggestions*)."""
    from django.utils.translation import gettext

    percent = f"{100 * share_before:.1f}"
    if tier == "vip":
        return (
            gettext(
                "Among the customers making the first 50 %% of the branch's revenue "
                "(%s %% before them)."
            )
            % percent
        )
    if tier == "important":
        return (
            gettext(
                "Among the customers making 50–80 %% of the branch's revenue (%s %% before them)."
            )
            % percent
        )
    if tier == "high_quality":
        return (
            gettext("%d orders in twelve months: a steady buyer outside the top 80 %% of revenue.")
            % orders
        )
    return gettext("Outside the top 80 %% of revenue with fewer than 12 orders a year.")


def tier_change_reason(source: str, tier: str, basis: Mapping[str, Any], stored: str) -> str:
    """A tier change's reason in the reader's language: the value rule's is rebuilt from the
    figures it was based on; a reason typed by a person is shown as typed."""
    if source != "rule" or "share_before" not in basis:
        return stored
    try:
        share_before = Decimal(str(basis["share_before"]))
        orders = int(basis.get("orders") or 0)
    except (InvalidOperation, TypeError, ValueError):
        return stored
    return tier_rule_reason(tier, share_before, orders)
