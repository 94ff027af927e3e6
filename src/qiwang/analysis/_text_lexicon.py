"""The shipped lexicons and jieba segmentation with Qiwang's dictionary.

The lexicons (``text_data/lexicon.yaml``: negators, degree words, sentiment words, emotion
signals; ``text_data/dimensions.yaml``: SERVQUAL dimension terms) are data written for this
project and documented in docs/analysis/text.md. Every Chinese entry is added to jieba's
dictionary so that segmentation keeps it whole ("打不通", "没人管", "不满意").

:func:`lexicon_score` is the rule-based sentiment of a clause: the sum of its sentiment words'
weights, each scaled by the degree words and flipped by the negators in the three words before it
(an even number of negators cancels: "没有不满意" is positive).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

__all__ = [
    "DIMENSIONS",
    "Lexicon",
    "LexiconScore",
    "Segmenter",
    "lexicon",
    "lexicon_score",
    "segmenter",
    "tokens",
]

DIMENSIONS = ("reliability", "responsiveness", "assurance", "empathy", "tangibles")
"""The five SERVQUAL dimensions, in the order of the instrument's questions."""

_LATIN_WORD = re.compile(r"[a-z][a-z']*")
_WINDOW = 3  # words before a sentiment word that a negator or degree word may stand in
_BREAKS = frozenset(",，。!?;；:、\n")


def _load(name: str) -> Any:
    text = resources.files("qiwang.analysis").joinpath("text_data", name).read_text("utf-8")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader


@dataclass(frozen=True)
class Lexicon:
    """The shipped word lists (see ``text_data/lexicon.yaml`` and ``dimensions.yaml``).

    Attributes
    ----------
    negators, degree : dict of str to float
        Negating words (with the share of the weight they keep when flipping) and degree words
        (multipliers).
    sentiment : dict of str to float
        Sentiment words, positive weights for praise and negative ones for complaints.
    emotion : dict of str to tuple of str
        Emotion signal terms by signal code (``profanity``, ``escalation``, ``anger`` …).
    dimensions : dict of str to tuple of str
        SERVQUAL dimension → its Chinese and English terms.
    """

    negators: dict[str, float]
    degree: dict[str, float]
    sentiment: dict[str, float]
    emotion: dict[str, tuple[str, ...]]
    dimensions: dict[str, tuple[str, ...]]
    stopwords: frozenset[str]
    no_opinion: frozenset[str]
    request: tuple[str, ...]
    chinese_words: frozenset[str] = field(repr=False)


@cache
def lexicon() -> Lexicon:
    """The shipped lexicon (read once per process)."""
    data = _load("lexicon.yaml")
    sentiment = {str(k): float(v) for k, v in data["positive"].items()}
    sentiment.update({str(k): -float(v) for k, v in data["negative"].items()})
    dimensions_data = _load("dimensions.yaml")
    dimensions = {
        name: tuple(
            str(t).lower() for t in (*dimensions_data[name]["zh"], *dimensions_data[name]["en"])
        )
        for name in DIMENSIONS
    }
    emotion = {
        code: tuple(str(t).lower() for t in terms) for code, terms in data["emotion"].items()
    }
    negators = {str(k): float(v) for k, v in data["negators"].items()}
    degree = {str(k): float(v) for k, v in data["degree"].items()}
    words = {
        w
        for w in (*sentiment, *negators, *degree, *(t for ts in emotion.values() for t in ts))
        if not w.isascii() and len(w) > 1
    }
    stopwords = frozenset(str(w).lower() for w in data["stopwords"])
    no_opinion = frozenset(str(w).lower() for w in data["no_opinion"])
    request = tuple(str(w).lower() for w in data["request"])
    return Lexicon(
        negators,
        degree,
        sentiment,
        emotion,
        dimensions,
        stopwords,
        no_opinion,
        request,
        frozenset(words),
    )


class Segmenter:
    """jieba segmentation with the lexicon's words and the organisation's service names.

    One jieba dictionary is shared by the process (jieba keeps it in memory: about 50 MB);
    :meth:`add_words` adds service names and synonyms to it. Adding words only keeps them whole
    when segmenting; it never changes how the other words are cut.
    """

    def __init__(self) -> None:
        import jieba

        jieba.setLogLevel(60)
        self._tokenizer = jieba.Tokenizer()
        self._lock = threading.Lock()
        self._added: set[str] = set()
        self._tokenizer.initialize()
        self.add_words(lexicon().chinese_words)

    def add_words(self, words: Iterable[str]) -> None:
        """Keep ``words`` whole when segmenting (service names, synonyms)."""
        with self._lock:
            for word in words:
                word = word.strip().lower()
                if word and word not in self._added and not word.isascii():
                    self._tokenizer.add_word(word, freq=2_000)
                    self._added.add(word)

    def cut(self, text: str) -> list[str]:
        """Words of a normalised text (spaces dropped)."""
        return [w for w in self._tokenizer.lcut(text, HMM=True) if not w.isspace()]


_segmenter_lock = threading.Lock()


@cache
def _make_segmenter() -> Segmenter:
    return Segmenter()


def segmenter() -> Segmenter:
    """The process's segmenter (created on first use: about 1 s from jieba's cache)."""
    with _segmenter_lock:
        return _make_segmenter()


def tokens(text: str) -> list[str]:
    """Words of a normalised text: jieba for Chinese, English contractions expanded
    ("didn't" → "did", "not")."""
    if "n't" in text:
        text = text.replace("can't", "can not").replace("won't", "will not").replace("n't", " not")
    return segmenter().cut(text)


@dataclass(frozen=True)
class LexiconScore:
    """Rule-based sentiment of a piece of text.

    Attributes
    ----------
    score : float
        Sum of the signed, scaled weights of its sentiment words.
    positive, negative : int
        How many words counted for and against.
    negated : int
        How many sentiment words were flipped by a negator.
    double_negated : int
        How many negative words were turned positive by a negator ("没有不满意"): the case that
        n-gram features read backwards.
    """

    score: float
    positive: int
    negative: int
    negated: int
    double_negated: int = 0


def lexicon_score(words: list[str]) -> LexiconScore:
    """Score ``words`` (one clause or sentence, from :func:`tokens`).

    Examples
    --------
    >>> lexicon_score(tokens("不太满意")).score < 0 < lexicon_score(tokens("没有不满意")).score
    True
    """
    lex = lexicon()
    total = 0.0
    positive = negative = negated = double_negated = 0
    for i, word in enumerate(words):
        weight = lex.sentiment.get(word)
        if weight is None:
            continue
        flips = 0
        keep = 1.0
        scale = 1.0
        for back in range(i - 1, max(-1, i - 1 - _WINDOW), -1):
            before = words[back]
            if before in _BREAKS:
                break
            if before in lex.negators:
                flips += 1
                keep *= lex.negators[before]
            elif before in lex.degree:
                scale *= lex.degree[before]
            elif before in lex.sentiment:
                break
        value = weight * scale
        if flips % 2:
            value = -value * keep * 0.8
            negated += 1
        if (flips % 2 and weight < 0) or flips >= 2:
            double_negated += 1
        total += value
        if value > 0:
            positive += 1
        elif value < 0:
            negative += 1
    return LexiconScore(total, positive, negative, negated, double_negated)
