"""Shortage allocation by tier priority, pro rata inside a tier (docs/customers.md). No Django.

Priority groups, served in order until the supply runs out:

* normally: VIP → important and high-quality together → general;
* when the company's cash flow is tight: high-quality → VIP → important → general.

Inside a group that cannot be served in full, each request gets ``remaining × requested / total``
rounded down, and the units left by rounding go one each to the largest fractional parts
(Hamilton's largest-remainder method; ties to the larger request, then to the earlier line), so
every share is within one unit of its exact pro-rata value and nothing is lost to rounding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

VIP, IMPORTANT, HIGH_QUALITY, GENERAL = "vip", "important", "high_quality", "general"

NORMAL_PRIORITY: tuple[tuple[str, ...], ...] = ((VIP,), (IMPORTANT, HIGH_QUALITY), (GENERAL,))
CASH_TIGHT_PRIORITY: tuple[tuple[str, ...], ...] = (
    (HIGH_QUALITY,),
    (VIP,),
    (IMPORTANT,),
    (GENERAL,),
)


@dataclass(frozen=True)
class Request:
    key: object
    tier: str
    requested: int


@dataclass(frozen=True)
class Share:
    key: object
    tier: str
    requested: int
    allocated: int
    group: int  # index of the priority group (0 = served first)

    @property
    def shortfall(self) -> int:
        return self.requested - self.allocated


def priority_groups(*, is_cash_tight: bool) -> tuple[tuple[str, ...], ...]:
    return CASH_TIGHT_PRIORITY if is_cash_tight else NORMAL_PRIORITY


def allocate(
    available: int, requests: Sequence[Request], *, is_cash_tight: bool = False
) -> list[Share]:
    """Share ``available`` units among ``requests``; returns one share per request, in order."""
    if available < 0:
        raise ValueError("available: must be zero or more.")
    groups = priority_groups(is_cash_tight=is_cash_tight)
    group_of = {tier: index for index, tiers in enumerate(groups) for tier in tiers}
    for request in requests:
        if request.tier not in group_of:
            raise ValueError(f"tier: {request.tier!r} is not a tier.")
        if request.requested < 0:
            raise ValueError(f"requested: {request.requested} for {request.key!r} is negative.")
    allocated = [0] * len(requests)
    remaining = available
    for index in range(len(groups)):
        members = [i for i, r in enumerate(requests) if group_of[r.tier] == index]
        total = sum(requests[i].requested for i in members)
        if total == 0:
            continue
        if remaining >= total:
            for i in members:
                allocated[i] = requests[i].requested
            remaining -= total
            continue
        exact = {i: Fraction(remaining * requests[i].requested, total) for i in members}
        for i in members:
            allocated[i] = int(exact[i])  # floor: exact is non-negative
        left = remaining - sum(allocated[i] for i in members)
        by_remainder = sorted(
            members, key=lambda i: (-(exact[i] - allocated[i]), -requests[i].requested, i)
        )
        for i in by_remainder[:left]:
            allocated[i] += 1
        remaining = 0
    return [
        Share(key=r.key, tier=r.tier, requested=r.requested, allocated=a, group=group_of[r.tier])
        for r, a in zip(requests, allocated, strict=True)
    ]
