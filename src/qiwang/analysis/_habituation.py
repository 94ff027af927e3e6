"""When do surprises stop being surprises? The habituation measure of past deliveries.

A surprise service (birthday gifts, a festival visit, an unannounced upgrade) delights because the
customer does not expect it. Delivered on a pattern, it becomes expected, and the year it is
missed it disappoints. Two patterns are measured per customer from the dates of past deliveries:

- **regular intervals** — the coefficient of variation (population standard deviation over the
  mean) of the intervals between the most recent deliveries is at most a threshold;
- **same-date repeats** — two deliveries about one year apart (within a window of the same
  calendar date), as with a gift on every birthday.

Also the helpers on day numbers (days since 1970-01-01) that the planner shares.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from qiwang.analysis._errors import AnalysisInputError

__all__ = [
    "DEFAULT_CV_THRESHOLD",
    "DEFAULT_RECENT_DELIVERIES",
    "DEFAULT_SAME_DATE_WINDOW_DAYS",
    "HabituationResult",
    "anniversaries",
    "anniversary",
    "day_number",
    "habituation",
    "interval_cv",
]

DEFAULT_CV_THRESHOLD = 0.2
"""Intervals whose coefficient of variation is at most this are regular enough to predict."""
DEFAULT_RECENT_DELIVERIES = 6
"""How many of the latest deliveries the interval measure looks at (five intervals)."""
DEFAULT_SAME_DATE_WINDOW_DAYS = 14
"""Two deliveries a year apart within this many days of the same calendar date repeat a date."""
MIN_DELIVERIES = 3
"""Deliveries needed before intervals can be called regular (two intervals)."""

_EPOCH = dt.date(1970, 1, 1)


def day_number(value: Any, *, what: str = "date") -> int:
    """Days since 1970-01-01 of a date, datetime, ``numpy.datetime64`` or ISO ``YYYY-MM-DD``.

    Raises
    ------
    AnalysisInputError
        Naming ``what`` and the value when it is not a date.
    """
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise AnalysisInputError(
                f"the {what} {value!r} is not a date; write dates as YYYY-MM-DD"
            ) from None
    if isinstance(value, pd.Timestamp):
        value = value.date()
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return (value - _EPOCH).days
    if isinstance(value, np.datetime64) and not np.isnat(value):
        return int(value.astype("datetime64[D]").astype(np.int64))
    raise AnalysisInputError(f"the {what} {value!r} is not a date")


def to_date(day: int) -> dt.date:
    """The date of a day number."""
    return _EPOCH + dt.timedelta(days=int(day))


def anniversary(day: int) -> int:
    """Day number of the same calendar date one year later (29 February → 28 February)."""
    date = to_date(day)
    try:
        later = date.replace(year=date.year + 1)
    except ValueError:  # 29 February
        later = date.replace(year=date.year + 1, day=28)
    return (later - _EPOCH).days


def anniversaries(days: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """:func:`anniversary` element-wise (vectorised)."""
    array = np.asarray(days, dtype=np.int64)
    if array.size == 0:
        return array.copy()
    stamps = pd.to_datetime(array, unit="D") + pd.DateOffset(years=1)
    return np.asarray(stamps.to_numpy(dtype="datetime64[D]").astype(np.int64))


def interval_cv(days: Sequence[int] | npt.NDArray[np.int64]) -> float | None:
    """Coefficient of variation of the intervals between sorted delivery days.

    ``None`` with fewer than :data:`MIN_DELIVERIES` deliveries; ``0.0`` when all intervals are
    equal (also when every interval is zero).

    Examples
    --------
    >>> interval_cv([0, 100, 200, 300])
    0.0
    >>> round(interval_cv([0, 100, 250]), 3)  # intervals 100 and 150: |a − b| / (a + b)
    0.2
    """
    array = np.asarray(days, dtype=np.float64)
    if array.size < MIN_DELIVERIES:
        return None
    intervals = np.diff(array)
    mean = float(intervals.mean())
    if mean == 0.0:
        return 0.0
    return float(intervals.std() / mean)


def _pairs(history: Any) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.int64]]:
    """Customer ids (str) and day numbers from a DataFrame or an iterable of (customer, date)."""
    from qiwang.analysis._io import date_column, require_columns, text_column

    if isinstance(history, pd.DataFrame):
        require_columns(history, ["customer", "date"])
        customers = text_column(history, "customer")
        days = date_column(history, "date").astype(np.int64)
        return customers, days
    ids: list[str] = []
    numbers: list[int] = []
    for row, item in enumerate(_iterate(history), start=1):
        try:
            customer, date = item
        except (TypeError, ValueError):
            raise AnalysisInputError(
                f"{item!r} is not a (customer, date) pair", column="history", row=row
            ) from None
        ids.append(str(customer))
        numbers.append(day_number(date, what=f"date of row {row}"))
    return np.array(ids, dtype=object), np.array(numbers, dtype=np.int64)


def _iterate(items: Any) -> Iterable[Any]:
    if isinstance(items, str | bytes) or not isinstance(items, Iterable):
        raise AnalysisInputError("expected a DataFrame or a list of (customer, date) pairs")
    return items


@dataclass(frozen=True)
class HabituationResult:
    """Which customers' past surprises became predictable.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per customer (sorted by customer): ``customer``, ``deliveries``, ``last_date``,
        ``mean_interval_days`` and ``interval_cv`` over the recent window (NaN with fewer than
        three deliveries in it), ``same_date_repeats`` (pairs of deliveries one year ± window
        apart), ``is_regular``, ``repeats_same_date``, ``is_habituated`` and ``next_expected``
        (last delivery + mean recent interval, the date a habituated customer waits for; NaT
        when not habituated by regularity).
    cv_threshold : float
    recent_deliveries : int
    same_date_window_days : int
    """

    frame: pd.DataFrame
    cv_threshold: float
    recent_deliveries: int
    same_date_window_days: int

    @property
    def habituated(self) -> tuple[str, ...]:
        """Customers flagged, sorted."""
        return tuple(self.frame.loc[self.frame["is_habituated"], "customer"].tolist())

    def to_frame(self) -> pd.DataFrame:
        """A copy of :attr:`frame`."""
        return self.frame.copy()

    def to_dict(self) -> dict[str, Any]:
        """``{"habituated": [...], "customers": [...], "rule": {...}}`` ready for JSON."""
        rows = []
        for record in self.frame.to_dict("records"):
            rows.append(
                {
                    "customer": record["customer"],
                    "deliveries": int(record["deliveries"]),
                    "last_date": record["last_date"].isoformat(),
                    "mean_interval_days": _number(record["mean_interval_days"]),
                    "interval_cv": _number(record["interval_cv"]),
                    "same_date_repeats": int(record["same_date_repeats"]),
                    "is_regular": bool(record["is_regular"]),
                    "repeats_same_date": bool(record["repeats_same_date"]),
                    "is_habituated": bool(record["is_habituated"]),
                    "next_expected": (
                        None
                        if pd.isna(record["next_expected"])
                        else record["next_expected"].isoformat()
                    ),
                }
            )
        return {
            "habituated": list(self.habituated),
            "customers": rows,
            "rule": {
                "cv_threshold": self.cv_threshold,
                "recent_deliveries": self.recent_deliveries,
                "same_date_window_days": self.same_date_window_days,
            },
        }

    def summary(self) -> str:
        """One line per habituated customer, saying why."""
        lines = [f"{len(self.habituated)} of {len(self.frame)} customers habituated"]
        for record in self.frame.loc[self.frame["is_habituated"]].to_dict("records"):
            why = []
            if record["is_regular"]:
                why.append(f"intervals regular (CV {record['interval_cv']:.2f})")
            if record["repeats_same_date"]:
                why.append(f"{record['same_date_repeats']} same-date repeats")
            lines.append(f"  {record['customer']}: {', '.join(why)}")
        return "\n".join(lines)


def _number(value: Any) -> float | None:
    return None if pd.isna(value) else float(value)


def habituation(
    history: Any,
    *,
    cv_threshold: float = DEFAULT_CV_THRESHOLD,
    recent_deliveries: int = DEFAULT_RECENT_DELIVERIES,
    same_date_window_days: int = DEFAULT_SAME_DATE_WINDOW_DAYS,
) -> HabituationResult:
    """Flag customers whose past surprise deliveries became predictable.

    Parameters
    ----------
    history : pandas.DataFrame or iterable of (customer, date)
        Past deliveries; a DataFrame has the columns ``customer`` and ``date``.
    cv_threshold : float, default 0.2
        Regular when the coefficient of variation of the intervals between the last
        ``recent_deliveries`` deliveries is at most this (and there are at least three).
    recent_deliveries : int, default 6
    same_date_window_days : int, default 14
        Two deliveries ``a < b`` repeat a date when ``|b − (a + 1 year)| <= window``.

    Returns
    -------
    HabituationResult

    Notes
    -----
    Habituated = regular intervals **or** at least one same-date repeat. The CV of inter-event
    intervals is the usual measure of a point process's regularity: 0 for a clock, about 1 for
    events at random (a Poisson process; Cox & Lewis 1966). At CV 0.2 a customer who expects the
    next surprise one usual interval after the last is right within ±20 % about two times in
    three. The same-date rule is the birthday-book example: a gift on every birthday becomes a
    promise. Computed set-based: one sort, ``groupby`` aggregates and a ``searchsorted`` for the
    same-date pairs, no loop per customer.

    References
    ----------
    Cox, D. R. & Lewis, P. A. W. (1966). *The Statistical Analysis of Series of Events*.
    Methuen, London (ch. 2: the coefficient of variation of intervals).

    Examples
    --------
    >>> history = [("007", "2023-03-01"), ("007", "2024-03-08"), ("c2", "2024-01-01")]
    >>> habituation(history).habituated
    ('007',)
    """
    _check_rule(cv_threshold, recent_deliveries, same_date_window_days)
    customers, days = _pairs(history)
    if len(days) == 0:
        raise AnalysisInputError("the delivery history has no rows")
    codes, uniques = pd.factorize(pd.Series(customers, dtype=object), sort=True)
    order = np.lexsort((days, codes))
    codes, days = codes[order], days[order]
    count = np.bincount(codes, minlength=len(uniques))
    first = np.r_[True, codes[1:] != codes[:-1]]
    # position from the end within each customer: 0 for the last delivery
    ends = np.cumsum(count) - 1
    from_end = ends[codes] - np.arange(len(codes))
    in_window = from_end < recent_deliveries
    interval = np.diff(days, prepend=days[0]).astype(np.float64)
    use = ~first & in_window & np.r_[False, from_end[:-1] < recent_deliveries]
    frame = pd.DataFrame({"code": codes[use], "interval": interval[use]})
    grouped = frame.groupby("code")["interval"]
    mean = grouped.mean().reindex(range(len(uniques)))
    std = grouped.std(ddof=0).reindex(range(len(uniques)))
    n_intervals = grouped.size().reindex(range(len(uniques))).fillna(0).to_numpy()
    enough = n_intervals >= MIN_DELIVERIES - 1
    with np.errstate(invalid="ignore", divide="ignore"):
        cv = np.where(mean.to_numpy() > 0, std.to_numpy() / mean.to_numpy(), 0.0)
    cv = np.where(enough, cv, np.nan)
    repeats = _same_date_repeats(codes, days, len(uniques), same_date_window_days)
    is_regular = enough & (cv <= cv_threshold)
    repeats_same_date = repeats > 0
    last = days[ends]
    next_expected = np.where(is_regular, last + np.round(np.nan_to_num(mean.to_numpy())), np.nan)
    result = pd.DataFrame(
        {
            "customer": np.asarray(uniques, dtype=object),
            "deliveries": count.astype(np.int64),
            "last_date": [to_date(day) for day in last],
            "mean_interval_days": np.where(enough, mean.to_numpy(), np.nan),
            "interval_cv": cv,
            "same_date_repeats": repeats,
            "is_regular": is_regular,
            "repeats_same_date": repeats_same_date,
            "is_habituated": is_regular | repeats_same_date,
            "next_expected": [
                None if np.isnan(value) else to_date(int(value)) for value in next_expected
            ],
        }
    )
    return HabituationResult(
        frame=result,
        cv_threshold=float(cv_threshold),
        recent_deliveries=int(recent_deliveries),
        same_date_window_days=int(same_date_window_days),
    )


def _same_date_repeats(
    codes: npt.NDArray[np.intp], days: npt.NDArray[np.int64], customers: int, window: int
) -> npt.NDArray[np.int64]:
    """Per customer: pairs ``a < b`` with ``|b − anniversary(a)| <= window`` (sorted input)."""
    span = int(days.max() - days.min()) + 800
    keys = codes.astype(np.int64) * span + (days - days.min())
    targets = codes.astype(np.int64) * span + (anniversaries(days) - days.min())
    low = np.searchsorted(keys, targets - window, side="left")
    high = np.searchsorted(keys, targets + window, side="right")
    return np.bincount(codes, weights=high - low, minlength=customers).astype(np.int64)


def _check_rule(cv_threshold: float, recent: int, window: int) -> None:
    if not isinstance(cv_threshold, int | float) or not 0.0 <= float(cv_threshold) < 10.0:
        raise AnalysisInputError(f"cv_threshold {cv_threshold!r} must be a number from 0 to 10")
    if not isinstance(recent, int) or isinstance(recent, bool) or recent < MIN_DELIVERIES:
        raise AnalysisInputError(
            f"recent_deliveries {recent!r} must be a whole number of at least {MIN_DELIVERIES}"
        )
    if not isinstance(window, int) or isinstance(window, bool) or not 0 <= window <= 182:
        raise AnalysisInputError(
            f"same_date_window_days {window!r} must be a whole number from 0 to 182"
        )
