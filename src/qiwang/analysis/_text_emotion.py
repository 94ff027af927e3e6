"""How upset a complaining customer is: calm, upset or angry, with the signals that say so.

The level is read from the words (anger, frustration, profanity, threats to escalate, repeated
raising of the matter, rhetorical questions, exclamation marks, shouting in capitals), the
comment's sentiment, and what the caller knows about the customer: how many times they have
contacted the organisation about the same matter before (``repeated_contacts``).

Each signal present adds its strength ``w`` to the score by a noisy-or, ``score = 1 − Π(1 − w)``,
so signals reinforce each other and the score stays in [0, 1]. The level is ``angry`` from
:data:`ANGRY_FROM`, ``upset`` from :data:`UPSET_FROM`, else ``calm``. Arousal that is joy is not
anger: in a positive comment exclamation marks, intensifiers and rhetorical questions do not
count. The strengths and the labelling rules of the evaluation set are in docs/analysis/text.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from qiwang.analysis._errors import AnalysisInputError

__all__ = ["ANGRY_FROM", "SIGNALS", "UPSET_FROM", "EmotionLevel", "EmotionResult", "emotion_level"]

EmotionLevel = Literal["calm", "upset", "angry"]

UPSET_FROM = 0.35
"""Lowest score of the level ``upset``."""
ANGRY_FROM = 0.65
"""Lowest score of the level ``angry``."""

SIGNALS: dict[str, float] = {
    "negative_sentiment": 0.25,  # times the probability that the comment is negative
    "strong_negative": 0.2,  # the lexicon's verdict is −2 or below: strong or many complaint words
    "frustration": 0.25,
    "anger": 0.6,
    "profanity": 0.7,
    "escalation": 0.6,
    "repetition": 0.25,
    "long_wait": 0.2,
    "rhetorical_question": 0.3,
    "exclamation": 0.15,  # one mark; repeated marks count 0.3
    "intensifier": 0.15,
    "shouting": 0.2,
    "repeated_contact": 0.25,  # one earlier contact; two 0.4; three or more 0.5
}
"""Strength of each signal (its code → weight in the noisy-or)."""

_EXCLAMATION = re.compile(r"!")
_REPEATED_PUNCTUATION = re.compile(r"!{2,}|\?{2,}|[!?]{3,}")
_QUESTION = re.compile(r"\?")
_SHOUT = re.compile(r"\b[A-Z]{4,}\b")
_REPEATED_IN_TEXT = re.compile(
    r"(第|说了|打了|报了|反映了|反映过|找了|找过|催了|来了|提了|投诉了|投诉过)"
    r"[0-9二三四五六七八九十两几多好无数]+(次|遍|回|趟)"
)
_LONG_WAIT = re.compile(
    r"([0-9两三四五六七八九十几多半]+|一)(个)?(天|周|星期|礼拜|月|年|小时)(了|都|还|也|过去)"
    r"|(好几|这么多|这么久|多久|多少)(天|次)?(了)"
    r"|([0-9]+|两|几)\s*(days|weeks|months|hours)"
)
_INTENSIFIERS = ("太", "极其", "非常", "特别", "实在", "根本", "完全", "简直", "真是", "超级")


@dataclass(frozen=True)
class EmotionResult:
    """The emotion level of a complaint or comment.

    Attributes
    ----------
    level : {"calm", "upset", "angry"}
        ``calm`` a factual report or request; ``upset`` clear dissatisfaction or frustration;
        ``angry`` hostility: anger words, swearing, threats to escalate, or frustration that
        has been repeated.
    score : float
        0–1; the level's thresholds are :data:`UPSET_FROM` and :data:`ANGRY_FROM`.
    signals : tuple of str
        Codes of the signals found, strongest first: ``negative_sentiment``, ``strong_negative``, ``frustration``,
        ``anger``, ``profanity``, ``escalation``, ``repetition``, ``long_wait``, ``rhetorical_question``,
        ``exclamation``, ``intensifier``, ``shouting``, ``repeated_contact``.
    """

    level: EmotionLevel
    score: float
    signals: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary (``level``, ``score``, ``signals``)."""
        return {"level": self.level, "score": self.score, "signals": list(self.signals)}


def _named(text: str, words: list[str], terms: tuple[str, ...]) -> bool:
    """Whether a word of ``terms`` stands in ``words`` without a negator just before it
    ("不生气" names no anger)."""
    from qiwang.analysis._text_lexicon import lexicon

    negators = lexicon().negators
    term_set = set(terms)
    if any(" " in term and term in text for term in terms):
        return True
    for i, word in enumerate(words):
        if word in term_set and not (i and words[i - 1] in negators):
            return True
    return False


def _contains(text: str, words: list[str], terms: tuple[str, ...]) -> bool:
    word_set = set(words)
    for term in terms:
        if term in word_set:
            return True
        if (len(term) >= 2 and not term.isascii() and term in text) or (
            term.isascii() and " " in term and term in text
        ):
            return True
    return False


def emotion_signals(
    original: str,
    text: str,
    words: list[str],
    *,
    negative_probability: float,
    repeated_contacts: int,
    lexicon_score: float = 0.0,
) -> dict[str, float]:
    """The signals found and the strength each contributes (before the noisy-or)."""
    from qiwang.analysis._text_lexicon import lexicon

    terms = lexicon().emotion
    found: dict[str, float] = {}
    negative = negative_probability >= 0.5
    not_positive = negative_probability >= 0.35
    if negative:
        found["negative_sentiment"] = SIGNALS["negative_sentiment"] * negative_probability
        if lexicon_score <= -2.0:
            found["strong_negative"] = SIGNALS["strong_negative"]
    for code in ("profanity", "escalation", "repetition"):
        if _contains(text, words, terms[code]):
            found[code] = SIGNALS[code]
    if "repetition" not in found and _REPEATED_IN_TEXT.search(text):
        found["repetition"] = SIGNALS["repetition"]
    for code in ("anger", "frustration"):
        if _named(text, words, terms[code]):
            found[code] = SIGNALS[code]
    if negative and _LONG_WAIT.search(text):
        found["long_wait"] = SIGNALS["long_wait"]
    if not_positive:
        if _contains(text, words, terms["rhetorical"]) or (
            negative and len(_QUESTION.findall(text)) >= 2
        ):
            found["rhetorical_question"] = SIGNALS["rhetorical_question"]
        if _REPEATED_PUNCTUATION.search(text) or len(_EXCLAMATION.findall(text)) >= 3:
            found["exclamation"] = 2 * SIGNALS["exclamation"]
        elif _EXCLAMATION.search(text):
            found["exclamation"] = SIGNALS["exclamation"]
        if negative and any(w in _INTENSIFIERS for w in words):
            found["intensifier"] = SIGNALS["intensifier"]
        if _SHOUT.search(original):
            found["shouting"] = SIGNALS["shouting"]
    if repeated_contacts > 0:
        steps = (0.0, 0.25, 0.4, 0.5)
        found["repeated_contact"] = steps[min(repeated_contacts, 3)]
    return found


def combine(found: dict[str, float]) -> tuple[EmotionLevel, float, tuple[str, ...]]:
    """Noisy-or of the signals' strengths, the level and the signal codes, strongest first."""
    remaining = 1.0
    for strength in found.values():
        remaining *= 1.0 - strength
    score = round(1.0 - remaining, 4)
    level: EmotionLevel = (
        "angry" if score >= ANGRY_FROM else "upset" if score >= UPSET_FROM else "calm"
    )
    order = sorted(found, key=lambda code: (-found[code], code))
    return level, score, tuple(order)


def emotion_level(text: str, *, repeated_contacts: int = 0) -> EmotionResult:
    """Emotion level of one complaint or comment.

    Parameters
    ----------
    text : str
        The customer's words, in Chinese or English (simplified or traditional characters).
        An empty text is ``calm`` with no signals unless ``repeated_contacts`` says otherwise.
    repeated_contacts : int, default 0
        How many times the customer contacted the organisation about the same matter before
        this contact (the caller knows; the text cannot). One earlier contact adds 0.25 to the
        noisy-or, two 0.4, three or more 0.5.

    Returns
    -------
    EmotionResult

    Raises
    ------
    AnalysisInputError
        When ``text`` is not a string or ``repeated_contacts`` is negative or not an integer.

    Examples
    --------
    >>> emotion_level("请问下周几点停水？").level
    'calm'
    >>> emotion_level("暖气一直不热，太失望了").level
    'upset'
    >>> result = emotion_level("第三次打电话了还没人管，再不解决我就打12345投诉！！")
    >>> result.level, "escalation" in result.signals
    ('angry', True)
    >>> emotion_level("暖气不热", repeated_contacts=3).signals
    ('repeated_contact', 'negative_sentiment')
    """
    from qiwang.analysis._text_analyzer import default_analyzer

    if isinstance(repeated_contacts, bool) or not isinstance(repeated_contacts, int):
        raise AnalysisInputError(
            f"repeated_contacts must be a whole number, not {repeated_contacts!r}",
            column="repeated_contacts",
        )
    if repeated_contacts < 0:
        raise AnalysisInputError(
            f"repeated_contacts cannot be negative ({repeated_contacts})",
            column="repeated_contacts",
        )
    if text is not None and not isinstance(text, str):
        raise AnalysisInputError(f"text must be a string, not {type(text).__name__}", column="text")
    return default_analyzer().emotion(text or "", repeated_contacts=repeated_contacts)
