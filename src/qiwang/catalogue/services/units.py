"""Units of measured values: spellings that mean the same unit compare equal."""

from __future__ import annotations

_ALIASES = {
    "h": ("h", "hr", "hrs", "hour", "hours", "小时", "时"),
    "min": ("min", "mins", "minute", "minutes", "分钟", "分"),
    "s": ("s", "sec", "secs", "second", "seconds", "秒"),
    "d": ("d", "day", "days", "天", "日"),
    "°C": ("°c", "℃", "c", "degc", "deg c", "摄氏度", "度"),
    "%": ("%", "percent", "％", "百分比"),
}
_CANONICAL = {spelling: unit for unit, spellings in _ALIASES.items() for spelling in spellings}


def canonical_unit(unit: str | None) -> str:
    """``"小时"`` → ``"h"``, ``"℃"`` → ``"°C"``; unknown units stay as written (trimmed)."""
    text = str(unit or "").strip()
    key = text.casefold()
    return _CANONICAL.get(key) or _CANONICAL.get(key.replace(" ", "")) or text


def same_unit(a: str | None, b: str | None) -> bool:
    return canonical_unit(a) == canonical_unit(b)
