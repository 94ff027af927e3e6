"""The customer's emotion behind an interface, so the text model can be replaced.

The default reader is :func:`qiwang.analysis.text.emotion_level` (offline Chinese and English
text analysis); tests and other deployments may set :data:`READER` to another callable with the
same signature.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class EmotionReading:
    level: str  # calm / upset / angry
    signals: tuple[str, ...]


def _analysis_reader(text: str, repeated_contacts: int) -> EmotionReading:
    from qiwang.analysis.text import emotion_level

    result = emotion_level(text, repeated_contacts=repeated_contacts)
    return EmotionReading(level=result.level, signals=tuple(result.signals))


READER: Callable[[str, int], EmotionReading] = _analysis_reader


def read_emotion(text: str, *, repeated_contacts: int = 0) -> EmotionReading:
    return READER(text, repeated_contacts)
