"""The surprise scheduler: who receives a surprise service, and when, so that it stays a surprise.

A pure function of the eligible customers, their past deliveries, the budget and the rules; the
same inputs and seed give the same plan. See :func:`plan_surprises`.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from qiwang.analysis._errors import AnalysisInputError
from qiwang.analysis._habituation import (
    DEFAULT_CV_THRESHOLD,
    DEFAULT_RECENT_DELIVERIES,
    DEFAULT_SAME_DATE_WINDOW_DAYS,
    MIN_DELIVERIES,
    _check_rule,
    _iterate,
    _pairs,
    anniversaries,
    anniversary,
    day_number,
    to_date,
)

__all__ = ["LEFT_OUT_REASONS", "PlanNotice", "SegmentShare", "SurprisePlan", "plan_surprises"]

LEFT_OUT_REASONS = {
    "budget": "the budget ran out before their turn",
    "max_per_year": "they already had the most surprises allowed in every year of the period",
    "min_gap": "every date of the period is too close to one of their surprises",
    "same_date": "every date of the period repeats the calendar date of a surprise a year apart",
    "combined": "the rules together leave no date in the period",
    "regular_pattern": "every remaining date would make their surprises regular enough to predict",
}
"""Why a customer receives nothing (codes of :attr:`SurprisePlan.left_out`)."""

ALL_CUSTOMERS = "all"
"""Segment name used when the customers carry no segment."""


@dataclass(frozen=True)
class PlanNotice:
    """Something the planner wants the manager to know: a code, its numbers and an English text."""

    code: str
    message: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """``{"code", "message", **params}``."""
        return {"code": self.code, "message": self.message, **self.params}


@dataclass(frozen=True)
class SegmentShare:
    """One segment in the plan.

    Attributes
    ----------
    segment : str
    customers : int
        Eligible customers in the segment.
    fair_share : float
        ``max_deliveries · customers / all customers``: the deliveries the segment would get if
        the budget were split by size.
    deliveries : int
        Deliveries planned.
    saturated : bool
        No customer of the segment could take another delivery under the rules.
    """

    segment: str
    customers: int
    fair_share: float
    deliveries: int
    saturated: bool

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class SurprisePlan:
    """A surprise campaign: deliveries, spending and who was left out.

    Attributes
    ----------
    deliveries : tuple of (customer, date)
        Sorted by date, then customer.
    segments : tuple of SegmentShare
        Sorted by segment.
    left_out : tuple of (customer, reason)
        Customers with no delivery and the code of why (:data:`LEFT_OUT_REASONS`).
    budget, cost, spent : float
        ``spent = cost · len(deliveries) <= budget``.
    max_deliveries : int
        ``floor(budget / cost)``.
    start, end : datetime.date
    seed : int
    rules : dict
        The rules the plan obeys (gap, cap, windows, thresholds).
    notices : tuple of PlanNotice
    """

    deliveries: tuple[tuple[str, dt.date], ...]
    segments: tuple[SegmentShare, ...]
    left_out: tuple[tuple[str, str], ...]
    budget: float
    cost: float
    spent: float
    max_deliveries: int
    start: dt.date
    end: dt.date
    seed: int
    rules: Mapping[str, Any]
    notices: tuple[PlanNotice, ...] = ()

    @property
    def by_segment(self) -> dict[str, int]:
        """Deliveries per segment."""
        return {share.segment: share.deliveries for share in self.segments}

    def to_frame(self) -> pd.DataFrame:
        """One row per delivery: ``customer``, ``date``."""
        return pd.DataFrame(self.deliveries, columns=["customer", "date"])

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract of ``qiwang analyze surprise-plan --json``."""
        return {
            "deliveries": [
                {"customer": customer, "date": date.isoformat()}
                for customer, date in self.deliveries
            ],
            "spent": self.spent,
            "budget": self.budget,
            "cost": self.cost,
            "max_deliveries": self.max_deliveries,
            "by_segment": self.by_segment,
            "segments": [share.to_dict() for share in self.segments],
            "left_out": [
                {"customer": customer, "reason": reason} for customer, reason in self.left_out
            ],
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "seed": self.seed,
            "rules": dict(self.rules),
            "warnings": [notice.to_dict() for notice in self.notices],
        }

    def summary(self) -> str:
        """A few lines: deliveries, spending, segments, who was left out."""
        lines = [
            f"{len(self.deliveries)} surprises from {self.start} to {self.end}, spent "
            f"{self.spent:g} of {self.budget:g} ({self.cost:g} each, at most "
            f"{self.max_deliveries})."
        ]
        for share in self.segments:
            lines.append(
                f"  {share.segment}: {share.deliveries} for {share.customers} customers "
                f"(fair share {share.fair_share:.1f}{', saturated' if share.saturated else ''})"
            )
        lines.extend(notice.message for notice in self.notices)
        return "\n".join(lines)


def _money(value: Any, what: str) -> Decimal:
    if isinstance(value, bool):
        raise AnalysisInputError(f"the {what} {value!r} is not an amount")
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise AnalysisInputError(f"the {what} {value!r} is not an amount") from None
    if not amount.is_finite():
        raise AnalysisInputError(f"the {what} {value!r} is not a finite amount")
    return amount


def _whole(value: Any, what: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise AnalysisInputError(f"{what} {value!r} must be a whole number of at least {minimum}")
    return int(value)


def _customers(customers: Any) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_]]:
    """Unique customer ids (sorted) and their segments."""
    from qiwang.analysis._io import require_columns, text_column

    if isinstance(customers, pd.DataFrame):
        require_columns(customers, ["customer"])
        ids = text_column(customers, "customer")
        segments = (
            text_column(customers, "segment")
            if "segment" in customers.columns
            else np.full(len(ids), ALL_CUSTOMERS, dtype=object)
        )
    else:
        items = list(customers.items()) if isinstance(customers, Mapping) else None
        if items is None:
            items = []
            for row, item in enumerate(_iterate(customers), start=1):
                if isinstance(item, str | int):
                    items.append((item, ALL_CUSTOMERS))
                    continue
                try:
                    customer, segment = item
                except (TypeError, ValueError):
                    raise AnalysisInputError(
                        f"{item!r} is not a customer or a (customer, segment) pair",
                        column="customers",
                        row=row,
                    ) from None
                items.append((customer, segment))
        ids = np.array([str(customer) for customer, _ in items], dtype=object)
        segments = np.array([str(segment) for _, segment in items], dtype=object)
    if len(ids) == 0:
        raise AnalysisInputError("there are no eligible customers")
    order = np.argsort(ids, kind="stable")
    ids, segments = ids[order], segments[order]
    repeated = np.flatnonzero(ids[1:] == ids[:-1])
    if repeated.size:
        raise AnalysisInputError(
            f"customer {ids[repeated[0]]!r} is listed more than once", column="customer"
        )
    return ids, segments


class _Calendar:
    """The planning period as day numbers, with each day's year and anniversary."""

    def __init__(self, start: int, end: int) -> None:
        self.start = start
        self.days = np.arange(start, end + 1, dtype=np.int64)
        self.years = self.days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64)
        self.anniversaries = anniversaries(self.days)
        self.year_slices = {
            int(year): (
                int(np.searchsorted(self.years, year, "left")),
                int(np.searchsorted(self.years, year, "right")),
            )
            for year in np.unique(self.years)
        }

    def index(self, day: int) -> int:
        """Position of a day number, clipped to the period's bounds (0 … len)."""
        return min(max(day - self.start, 0), len(self.days))


class _Rules:
    def __init__(
        self, *, gap: int, cap: int, window: int, cv_threshold: float, recent: int
    ) -> None:
        self.gap, self.cap, self.window = gap, cap, window
        self.cv_threshold, self.recent = cv_threshold, recent

    def masks(
        self, calendar: _Calendar, existing: list[int]
    ) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
        """Days allowed by the yearly cap, the minimum gap and the same-date rule separately."""
        size = len(calendar.days)
        cap = np.ones(size, dtype=bool)
        gap = np.ones(size, dtype=bool)
        same = np.ones(size, dtype=bool)
        years: dict[int, int] = {}
        for day in existing:
            year = to_date(day).year - 1970
            years[year] = years.get(year, 0) + 1
            gap[calendar.index(day - self.gap + 1) : calendar.index(day + self.gap)] = False
            # a later day a year after this one
            later = anniversary(day)
            same[calendar.index(later - self.window) : calendar.index(later + self.window + 1)] = (
                False
            )
            # an earlier day whose anniversary falls near this one
            low = int(np.searchsorted(calendar.anniversaries, day - self.window, "left"))
            high = int(np.searchsorted(calendar.anniversaries, day + self.window, "right"))
            same[low:high] = False
        for year, count in years.items():
            if count >= self.cap and year in calendar.year_slices:
                begin, stop = calendar.year_slices[year]
                cap[begin:stop] = False
        return cap, gap, same

    def irregular(self, sequence: list[int], planned: list[bool], at: int) -> bool:
        """Every window of ``recent`` deliveries ending at a planned one and holding position
        ``at`` has intervals whose coefficient of variation exceeds the threshold."""
        for end in range(at, min(len(sequence), at + self.recent)):
            if not planned[end]:
                continue
            begin = max(0, end - self.recent + 1)
            if end - begin + 1 < MIN_DELIVERIES:
                continue
            intervals = np.diff(np.asarray(sequence[begin : end + 1], dtype=np.float64))
            mean = intervals.mean()
            if mean == 0.0 or intervals.std() / mean <= self.cv_threshold:
                return False
        return True


def plan_surprises(
    customers: Any,
    *,
    budget: float | int | Decimal | str,
    cost: float | int | Decimal | str,
    start: dt.date | str,
    end: dt.date | str,
    min_gap_days: int,
    max_per_year: int,
    seed: int,
    history: Any = None,
    same_date_window_days: int = DEFAULT_SAME_DATE_WINDOW_DAYS,
    cv_threshold: float = DEFAULT_CV_THRESHOLD,
    recent_deliveries: int = DEFAULT_RECENT_DELIVERIES,
) -> SurprisePlan:
    """Plan a surprise campaign that stays a surprise.

    Parameters
    ----------
    customers : pandas.DataFrame, mapping or iterable
        The eligible customers: a DataFrame with ``customer`` and (optional) ``segment``, a
        mapping customer → segment, or an iterable of customers or (customer, segment) pairs.
        Ids are kept as text exactly as given.
    budget, cost : number, Decimal or str
        At most ``floor(budget / cost)`` deliveries (computed in decimal, so 0.3 / 0.1 is 3).
    start, end : datetime.date or "YYYY-MM-DD"
        The planning period, both days included.
    min_gap_days : int
        At least this many days between two surprises of one customer (history included).
    max_per_year : int
        At most this many surprises per customer in a calendar year (history included).
    seed : int
        Seed of the random generator: the same inputs and seed give the same plan.
    history : pandas.DataFrame or iterable of (customer, date), optional
        Past (or already scheduled) deliveries of this surprise; customers not eligible now
        still count nowhere.
    same_date_window_days : int, default 14
        Never two deliveries of one customer one year ± this many days apart.
    cv_threshold : float, default 0.2
    recent_deliveries : int, default 6
        No planned delivery may end a window of the last ``recent_deliveries`` deliveries whose
        intervals have a coefficient of variation at most ``cv_threshold`` (the habituation
        measure of :func:`habituation`), so the plan never makes a customer's surprises regular.

    Returns
    -------
    SurprisePlan

    Raises
    ------
    AnalysisInputError
        Contradicting inputs: ``start > end``, a cost that is not positive, a budget that cannot
        buy one delivery, rules out of range, a customer listed twice, a bad date.

    Notes
    -----
    1. **Budget.** ``N = floor(budget / cost)`` deliveries at most.
    2. **Segments.** ``N`` is split among the segments by size with the largest-remainder
       (Hamilton) method, ties broken by the seed; a segment that cannot use its share (every
       customer saturated) gives the rest back and the remainder is split again among the others.
       So every segment receives at least ``floor(N · size / total)`` unless it is saturated.
    3. **Customers.** Inside a segment, turns go round-robin: fewest planned surprises first,
       then fewest surprises in the year before ``start``, then a random order from the seed.
    4. **Dates.** A customer's date is drawn uniformly from the days of the period that satisfy
       every rule given their history and the plan so far: the minimum gap, the yearly cap,
       no day within the window of the same calendar date a year before or after one of their
       deliveries, and no regular pattern (rule above). Uniform dates give irregular intervals.
    5. A customer with no allowed day is saturated; customers with no delivery are listed in
       ``left_out`` with the reason (:data:`LEFT_OUT_REASONS`).

    Examples
    --------
    >>> plan = plan_surprises(
    ...     {"007": "gold", "c2": "gold", "c3": "silver"}, budget=300, cost=100,
    ...     start="2025-01-01", end="2025-12-31", min_gap_days=90, max_per_year=2, seed=7)
    >>> len(plan.deliveries), plan.spent, sorted(plan.by_segment.items())
    (3, 300.0, [('gold', 2), ('silver', 1)])
    """
    budget_amount = _money(budget, "budget")
    cost_amount = _money(cost, "cost")
    if cost_amount <= 0:
        raise AnalysisInputError(f"the cost per delivery must be positive, not {cost}")
    if budget_amount < 0:
        raise AnalysisInputError(f"the budget must not be negative, not {budget}")
    if budget_amount < cost_amount:
        raise AnalysisInputError(
            f"the budget {budget} cannot buy one delivery at a cost of {cost} each"
        )
    first = day_number(start, what="start date")
    last = day_number(end, what="end date")
    if first > last:
        raise AnalysisInputError(
            f"the start date {to_date(first)} is after the end date {to_date(last)}"
        )
    if last - first > 366 * 20:
        raise AnalysisInputError("the planning period is longer than 20 years")
    gap = _whole(min_gap_days, "min_gap_days", 1)
    cap = _whole(max_per_year, "max_per_year", 1)
    _whole(seed, "seed", 0)
    _check_rule(cv_threshold, recent_deliveries, same_date_window_days)
    rules = _Rules(
        gap=gap,
        cap=cap,
        window=same_date_window_days,
        cv_threshold=float(cv_threshold),
        recent=recent_deliveries,
    )
    ids, segments = _customers(customers)
    maximum = int(budget_amount // cost_amount)
    calendar = _Calendar(first, last)
    existing: list[list[int]] = [[] for _ in ids]
    planned: list[list[bool]] = [[] for _ in ids]
    unknown = 0
    if history is not None:
        past_ids, past_days = _pairs(history)
        positions = np.searchsorted(ids, past_ids)
        positions = np.minimum(positions, len(ids) - 1)
        known = ids[positions] == past_ids
        unknown = int((~known).sum())
        for position, day in sorted(
            zip(positions[known].tolist(), past_days[known].tolist(), strict=False)
        ):
            existing[position].append(int(day))
            planned[position].append(False)
    rng = np.random.default_rng(seed)
    tie_keys = rng.random(len(ids))
    recent_counts = [sum(first - 365 <= day < first for day in days) for days in existing]

    segment_names = sorted(set(segments.tolist()))
    sizes = {name: int((segments == name).sum()) for name in segment_names}
    segment_keys = dict(zip(segment_names, rng.random(len(segment_names)).tolist(), strict=True))
    queues: dict[str, list[tuple[int, int, float, int]]] = {name: [] for name in segment_names}
    for index, segment in enumerate(segments.tolist()):
        queues[segment].append((0, recent_counts[index], float(tie_keys[index]), index))
    for queue in queues.values():
        heapq.heapify(queue)
    placed = dict.fromkeys(segment_names, 0)
    saturated_reason: dict[int, str] = {}
    active = list(segment_names)
    remaining = maximum

    def place(index: int) -> bool:
        days = existing[index]
        flags = planned[index]
        if not days:
            day = int(calendar.days[int(rng.integers(len(calendar.days)))])
            days.append(day)
            flags.append(True)
            return True
        cap_mask, gap_mask, same_mask = rules.masks(calendar, days)
        allowed = np.flatnonzero(cap_mask & gap_mask & same_mask)
        for candidate in rng.permutation(allowed).tolist() if allowed.size else []:
            day = int(calendar.days[candidate])
            at = int(np.searchsorted(days, day))
            trial_days = [*days[:at], day, *days[at:]]
            trial_flags = [*flags[:at], True, *flags[at:]]
            if rules.irregular(trial_days, trial_flags, at):
                days[:] = trial_days
                flags[:] = trial_flags
                return True
        if not any(flags):
            saturated_reason[index] = _reason(cap_mask, gap_mask, same_mask)
        else:
            saturated_reason[index] = "saturated"
        return False

    while remaining > 0 and active:
        # each pass places a delivery or empties a segment's queue: it ends
        quotas = _hamilton(remaining, {name: sizes[name] for name in active}, segment_keys)
        for name in list(active):
            queue = queues[name]
            got = 0
            while got < quotas[name] and queue:
                count, recent, key, index = heapq.heappop(queue)
                if place(index):
                    got += 1
                    heapq.heappush(queue, (count + 1, recent, key, index))
            placed[name] += got
            remaining -= got
            if not queue:
                active.remove(name)

    deliveries = sorted(
        (to_date(day), str(ids[index]))
        for index in range(len(ids))
        for day, flag in zip(existing[index], planned[index], strict=True)
        if flag
    )
    left_out = tuple(
        (str(ids[index]), saturated_reason.get(index, "budget"))
        for index in range(len(ids))
        if not any(planned[index])
    )
    spent = cost_amount * len(deliveries)
    shares = tuple(
        SegmentShare(
            segment=name,
            customers=sizes[name],
            fair_share=maximum * sizes[name] / len(ids),
            deliveries=placed[name],
            saturated=not queues[name],
        )
        for name in segment_names
    )
    notices = _notices(len(deliveries), maximum, left_out, unknown)
    return SurprisePlan(
        deliveries=tuple((customer, date) for date, customer in deliveries),
        segments=shares,
        left_out=left_out,
        budget=float(budget_amount),
        cost=float(cost_amount),
        spent=float(spent),
        max_deliveries=maximum,
        start=to_date(first),
        end=to_date(last),
        seed=int(seed),
        rules={
            "min_gap_days": gap,
            "max_per_year": cap,
            "same_date_window_days": same_date_window_days,
            "cv_threshold": float(cv_threshold),
            "recent_deliveries": recent_deliveries,
        },
        notices=notices,
    )


def _reason(
    cap: npt.NDArray[np.bool_], gap: npt.NDArray[np.bool_], same: npt.NDArray[np.bool_]
) -> str:
    if not cap.any():
        return "max_per_year"
    if not gap.any():
        return "min_gap"
    if not same.any():
        return "same_date"
    if not (cap & gap & same).any():
        return "combined"
    return "regular_pattern"


def _hamilton(total: int, sizes: Mapping[str, int], keys: Mapping[str, float]) -> dict[str, int]:
    """Split ``total`` by size, largest remainders first (ties by the seeded key)."""
    weight = sum(sizes.values())
    exact = {name: total * size / weight for name, size in sizes.items()}
    quotas = {name: math.floor(value) for name, value in exact.items()}
    left = total - sum(quotas.values())
    for name in sorted(sizes, key=lambda name: (-(exact[name] - quotas[name]), keys[name]))[:left]:
        quotas[name] += 1
    return quotas


def _notices(
    delivered: int, maximum: int, left_out: tuple[tuple[str, str], ...], unknown: int
) -> tuple[PlanNotice, ...]:
    notices = []
    if delivered < maximum:
        notices.append(
            PlanNotice(
                "budget_not_spent",
                f"the rules leave room for {delivered} of the {maximum} deliveries the budget "
                "allows",
                {"deliveries": delivered, "max_deliveries": maximum},
            )
        )
    reasons: dict[str, int] = {}
    for _, reason in left_out:
        reasons[reason] = reasons.get(reason, 0) + 1
    for reason, count in sorted(reasons.items()):
        notices.append(
            PlanNotice(
                f"left_out_{reason}",
                f"{count} customers receive nothing: {LEFT_OUT_REASONS[reason]}",
                {"customers": count},
            )
        )
    if unknown:
        notices.append(
            PlanNotice(
                "history_not_eligible",
                f"{unknown} past deliveries belong to customers who are not eligible now; "
                "they were ignored",
                {"deliveries": unknown},
            )
        )
    return tuple(notices)
