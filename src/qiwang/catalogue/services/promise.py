"""The over-promise calculator: ``qiwang.analysis.promise.check_promise`` on a service's
delivery history (docs/analysis/promise.md)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.utils import timezone
from django.utils.translation import gettext as _

from qiwang.analysis import AnalysisInputError
from qiwang.analysis.promise import PromiseCheck, Target, check_promise
from qiwang.catalogue.models import Delivery, Service
from qiwang.catalogue.services.units import same_unit
from qiwang.errors import ServiceError


@dataclass(frozen=True)
class PromiseAnswer:
    check: PromiseCheck
    unit: str
    since: datetime.date

    @property
    def message(self) -> str:
        c = self.check
        low, high = c.interval
        lines = [
            _(
                "%(breaches)s of %(n)s deliveries since %(since)s would have broken “%(target)s” "
                "(%(rate).1f %%; 95 %% interval %(low).1f–%(high).1f %%)."
            )
            % {
                "breaches": c.breaches,
                "n": c.n,
                "since": self.since.isoformat(),
                "target": str(c.target),
                "rate": 100 * c.breach_probability,
                "low": 100 * low,
                "high": 100 * high,
            }
        ]
        if c.within_allowed:
            lines.append(
                _("Its upper bound is within the allowed %(allowed)s %%: the promise has margin.")
                % {"allowed": f"{100 * c.allowed_breach:g}"}
            )
        else:
            lines.append(
                _("Its upper bound exceeds the allowed %(allowed)s %%: this would over-promise.")
                % {"allowed": f"{100 * c.allowed_breach:g}"}
            )
        recommended = c.recommended
        if recommended is not None:
            lines.append(
                _("Recommended target: %(target)s (upper bound %(upper).1f %%).")
                % {"target": str(recommended), "upper": 100 * (c.recommended_upper or 0.0)}
            )
        else:
            lines.append(
                _(
                    "No target can be recommended yet: at least %(minimum)s deliveries are needed "
                    "to show a breach rate within %(allowed)s %%."
                )
                % {"minimum": c.minimum_n, "allowed": f"{100 * c.allowed_breach:g}"}
            )
        return " ".join(lines)

    def to_api(self) -> dict[str, Any]:
        c = self.check
        return {
            "n": c.n,
            "breaches": c.breaches,
            "breach_probability": c.breach_probability,
            "interval": list(c.interval),
            "recommended_target": c.recommended_target,
            "recommended_comparison": c.recommended_comparison,
            "reason": c.reason or "",
            "message": self.message,
            "minimum_n": c.minimum_n,
        }


def history_values(service: Service, since: datetime.date) -> tuple[np.ndarray, str]:
    rows = Delivery.objects.filter(
        service=service, value__isnull=False, delivered_at__date__gte=since
    ).values_list("value", "unit")
    data = list(rows)
    units = {u for _v, u in data if u}
    return np.array([v for v, _u in data], dtype=np.float64), (
        units.pop() if len(units) == 1 else ""
    )


def promise_check(
    service: Service, *, target: str, allowed_breach: float = 0.05, days: int = 365
) -> PromiseAnswer:
    """Check ``target`` ("<=24 h") against the service's deliveries of the last ``days``."""
    errors: dict[str, list[str]] = {}
    try:
        parsed = Target.parse(str(target))
    except AnalysisInputError:
        raise ServiceError(
            {
                "target": [
                    _("%(value)s is not a target such as “<=24 h” or “>=18 °C”.")
                    % {"value": target}
                ]
            }
        ) from None
    if not 0 < allowed_breach < 1:
        errors["allowed_breach"] = [
            _("%(value)s is not a share between 0 and 1 (0.05 = 5 %%).") % {"value": allowed_breach}
        ]
    if not 1 <= days <= 3660:
        errors["days"] = [_("%(value)s is not a number of days from 1 to 3660.") % {"value": days}]
    if errors:
        raise ServiceError(errors)
    since = timezone.localdate() - datetime.timedelta(days=days)
    values, unit = history_values(service, since)
    if parsed.unit and unit and not same_unit(parsed.unit, unit):
        raise ServiceError(
            {
                "target": [
                    _("%(value)s does not match the unit of the deliveries (%(unit)s).")
                    % {"value": parsed.unit, "unit": unit}
                ]
            }
        )
    if values.size == 0:
        raise ServiceError(
            {
                "target": [
                    _("%(service)s has no delivery with a measured value since %(since)s.")
                    % {"service": service.name, "since": since.isoformat()}
                ]
            }
        )
    if not parsed.unit and unit:
        parsed = Target(parsed.comparison, parsed.threshold, unit)
    try:
        check = check_promise(values, parsed, allowed_breach=allowed_breach)
    except AnalysisInputError as error:
        raise ServiceError({"target": [str(error)]}) from None
    return PromiseAnswer(check=check, unit=unit, since=since)
