"""Themes of a set of comments: the words and phrases they share, ranked, with examples.

Candidates are the comments' words of two or more characters (one for English words of three or
more letters) and pairs of adjacent words, without stop words, negators, degree words and
numbers. A candidate's weight is the number of comments that use it times its inverse document
frequency in general Chinese (jieba's IDF table, so that "物业" in every comment of a property
company ranks below "电梯"), ``df · idf``; a word drops out when a phrase containing it covers
at least 80 % of its comments (the phrase says more). Each theme carries the share of its
comments that are negative and up to ``examples`` of the shortest clauses that use it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from qiwang.analysis._errors import AnalysisInputError

if TYPE_CHECKING:
    from qiwang.analysis._text_analyzer import CommentAnalysis, TextAnalyzer

__all__ = ["Theme", "ThemesResult", "themes"]

_DEGREE_PREFIX = frozenset("很太挺超最更真")  # "很脏", "太慢": a judgement, not a topic


@dataclass(frozen=True)
class Theme:
    """A word or phrase shared by several comments.

    Attributes
    ----------
    phrase : str
        The word or phrase (normalised).
    comments : int
        How many comments use it.
    share : float
        ``comments`` / comments with any text.
    negative_share : float
        Share of those comments whose sentiment is negative.
    weight : float
        ``comments · idf``, the ranking key.
    examples : tuple of str
        Up to the requested number of clauses that use it, shortest first.
    """

    phrase: str
    comments: int
    share: float
    negative_share: float
    weight: float
    examples: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "phrase": self.phrase,
            "comments": self.comments,
            "share": self.share,
            "negative_share": self.negative_share,
            "weight": self.weight,
            "examples": list(self.examples),
        }


@dataclass(frozen=True)
class ThemesResult:
    """The themes of a set of comments.

    Attributes
    ----------
    themes : tuple of Theme
        Strongest first.
    comments : int
        Comments with any text.
    negative_share : float
        Share of all those comments that are negative.
    """

    themes: tuple[Theme, ...]
    comments: int
    negative_share: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "comments": self.comments,
            "negative_share": self.negative_share,
            "themes": [theme.to_dict() for theme in self.themes],
        }


@cache
def _idf() -> tuple[dict[str, float], float]:
    """jieba's IDF table (shipped with jieba) and its median, for unknown words."""
    from importlib import resources

    table: dict[str, float] = {}
    text = resources.files("jieba").joinpath("analyse", "idf.txt").read_text("utf-8")
    for line in text.splitlines():
        word, _, value = line.partition(" ")
        if value:
            table[word] = float(value)
    values = sorted(table.values())
    return table, values[len(values) // 2] if values else 10.0


def _candidate(word: str, excluded: frozenset[str]) -> bool:
    if word in excluded or word.isspace() or word[:1] in _DEGREE_PREFIX:
        return False
    if word.isascii():
        return word.isalpha() and len(word) >= 3
    return len(word) >= 2 and not any(c.isdigit() for c in word)


def _excluded() -> frozenset[str]:
    """Words that are never a theme: stop words, negators, degree words and sentiment words (a
    theme is a topic; how people feel about it is its negative share)."""
    from qiwang.analysis._text_lexicon import lexicon

    lex = lexicon()
    return frozenset({*lex.negators, *lex.degree, *lex.stopwords, *lex.sentiment})


def themes(
    texts: Iterable[object] | None = None,
    *,
    analyses: Iterable[CommentAnalysis] | None = None,
    analyzer: TextAnalyzer | None = None,
    top: int = 10,
    examples: int = 3,
    min_comments: int = 2,
) -> ThemesResult:
    """The themes of a set of comments.

    Parameters
    ----------
    texts : iterable of str, optional
        The comments; analysed here (with ``analyzer``, by default one without services).
    analyses : iterable of CommentAnalysis, optional
        Comments already analysed (give ``texts`` or ``analyses``, not both).
    analyzer : TextAnalyzer, optional
        Used for ``texts``.
    top : int, default 10
        Most themes returned.
    examples : int, default 3
        Most example clauses per theme.
    min_comments : int, default 2
        Fewest comments a theme needs.

    Returns
    -------
    ThemesResult

    Raises
    ------
    AnalysisInputError
        Bad options, or a comment that is not text.

    Examples
    --------
    >>> result = themes(["电梯经常坏", "电梯又坏了，没人修", "保洁很干净"], min_comments=2)
    >>> result.themes[0].phrase, result.themes[0].comments
    ('电梯', 2)
    """
    from qiwang.analysis._text_analyzer import _BREAK_TOKENS, _clauses, _join, default_analyzer
    from qiwang.analysis._text_lexicon import tokens

    for name, value, least in (
        ("top", top, 1),
        ("examples", examples, 0),
        ("min_comments", min_comments, 1),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise AnalysisInputError(
                f"{name} must be a whole number of at least {least}, not {value!r}", column=name
            )
    if (texts is None) == (analyses is None):
        raise AnalysisInputError("give the comments' texts or their analyses (one of the two)")
    if analyses is None:
        analyses = (analyzer or default_analyzer()).stream(texts or ())
    excluded = _excluded()
    document_counts: Counter[str] = Counter()
    members: dict[str, list[int]] = {}
    negative_counts: Counter[str] = Counter()
    samples: dict[str, list[str]] = {}
    total = negative_total = 0
    for analysis in analyses:
        if analysis.is_empty:
            continue
        total += 1
        negative = analysis.label == "negative"
        negative_total += negative
        seen: set[str] = set()
        for clause_words in _clauses([w for w in tokens(analysis.text) if w]):
            clause = _join(clause_words)
            words = [w for w in clause_words if w not in _BREAK_TOKENS]
            found = {w for w in words if _candidate(w, excluded)}
            found.update(
                a + (" " if a.isascii() and b.isascii() else "") + b
                for a, b in zip(words, words[1:], strict=False)
                if _candidate(a, excluded) and _candidate(b, excluded)
            )
            for phrase in found:
                bucket = samples.setdefault(phrase, [])
                if clause not in bucket and len(bucket) < 20:
                    bucket.append(clause)
            seen |= found
        for phrase in seen:
            members.setdefault(phrase, []).append(total)
            document_counts[phrase] += 1
            negative_counts[phrase] += negative
    idf, median = _idf()
    weights: dict[str, float] = {}
    for phrase, count in document_counts.items():
        if count < min_comments:
            continue
        parts = phrase.split(" ") if phrase.isascii() else [phrase]
        rarity = max(idf.get(part, median) for part in parts)
        weights[phrase] = count * rarity * (1.15 if len(phrase) > 3 else 1.0)
    # A word whose comments a longer phrase mostly covers is said better by the phrase.
    for phrase in sorted(weights, key=len, reverse=True):
        for other in list(weights):
            if (
                other != phrase
                and other in phrase
                and len(other) < len(phrase)
                and document_counts[phrase] >= 0.8 * document_counts[other]
            ):
                weights.pop(other, None)
    # Phrases used by exactly the same comments say the same thing: keep the strongest.
    ranked: list[str] = []
    taken: set[tuple[int, ...]] = set()
    for phrase in sorted(weights, key=lambda p: (-weights[p], -document_counts[p], p)):
        signature = tuple(members[phrase])
        if signature in taken:
            continue
        taken.add(signature)
        ranked.append(phrase)
        if len(ranked) == top:
            break
    return ThemesResult(
        themes=tuple(
            Theme(
                phrase=phrase,
                comments=document_counts[phrase],
                share=document_counts[phrase] / total,
                negative_share=negative_counts[phrase] / document_counts[phrase],
                weight=round(weights[phrase], 4),
                examples=tuple(sorted(samples[phrase], key=len)[:examples]),
            )
            for phrase in ranked
        ),
        comments=total,
        negative_share=negative_total / total if total else math.nan,
    )
