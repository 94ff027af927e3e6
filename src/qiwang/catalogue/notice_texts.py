"""The surprise planner's notices as catalogue texts, keyed by the planner's notice code.

Plain msgids (marked with ``gettext_noop``; no Django import), so that both the web page (Django's gettext) and
``qiwang analyze surprise-plan`` (the command line's gettext, before Django is set up) translate
the same entries. Each text takes the notice's params (``%(customers)s``, ``%(deliveries)s``…).
"""

from __future__ import annotations

__all__ = ["NOTICE_MSGIDS"]


def gettext_noop(message: str) -> str:
    """Marks a msgid for ``makemessages`` (which looks for this name). Django's own
    ``gettext_noop`` reads the settings, which the command line does not have at import."""
    return message


NOTICE_MSGIDS: dict[str, str] = {
    "budget_not_spent": gettext_noop(
        "The rules leave room for %(deliveries)s of the %(max_deliveries)s surprises the budget allows."
    ),
    "left_out_budget": gettext_noop(
        "%(customers)s customers receive nothing: the budget ran out before their turn."
    ),
    "left_out_max_per_year": gettext_noop(
        "%(customers)s customers receive nothing: they already had the most surprises allowed each year."
    ),
    "left_out_min_gap": gettext_noop(
        "%(customers)s customers receive nothing: every date is too close to one of their surprises."
    ),
    "left_out_same_date": gettext_noop(
        "%(customers)s customers receive nothing: every date repeats last year’s date of a surprise."
    ),
    "left_out_combined": gettext_noop(
        "%(customers)s customers receive nothing: the rules together leave no date."
    ),
    "left_out_regular_pattern": gettext_noop(
        "%(customers)s customers receive nothing: any date left would make their surprises predictable."
    ),
    "history_not_eligible": gettext_noop(
        "%(deliveries)s past deliveries belong to customers who are no longer eligible; they were ignored."
    ),
}
