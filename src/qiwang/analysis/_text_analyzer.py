"""One comment in, its sentiment and aspects out; batches and streams of comments.

:class:`TextAnalyzer` holds what is fixed for an organisation (its services and their synonyms)
and analyses comments one at a time (:meth:`~TextAnalyzer.analyze`), as a list
(:meth:`~TextAnalyzer.analyze_many`) or as a stream that never holds more than one comment
(:meth:`~TextAnalyzer.stream`). Each comment is normalised, segmented once by jieba, split into
clauses at punctuation and at contrastive words ("但是", "不过" …); the whole comment and each
clause that names an aspect get a sentiment from the shipped model and the lexicon.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from qiwang.analysis._errors import AnalysisInputError
from qiwang.analysis._text_emotion import EmotionResult, combine, emotion_signals
from qiwang.analysis._text_lexicon import DIMENSIONS, lexicon, lexicon_score, segmenter, tokens
from qiwang.analysis._text_model import LinearTextModel, features, load_model
from qiwang.analysis._text_normalize import NormalizedText, normalize

__all__ = [
    "NEUTRAL_BAND",
    "Aspect",
    "CommentAnalysis",
    "Sentiment",
    "SentimentLabel",
    "Service",
    "TextAnalyzer",
    "default_analyzer",
]

SentimentLabel = Literal["negative", "neutral", "positive"]

NEUTRAL_BAND = (0.35, 0.65)
"""A comment is ``neutral`` when its calibrated probability of being positive lies in this
band (the model is less than 65 % sure either way), or when it holds nothing to judge (empty,
only symbols, no known word)."""

_BREAK_TOKENS = frozenset(",，。.!?;:、\n…~")
_CONTRASTIVE = frozenset({"但是", "但", "可是", "然而", "不过", "只是", "却", "but", "however"})
_LEXICON_ONLY_SCALE = 1.2  # logit per lexicon point when no model is shipped
# A negated negative word ("没有不满意") reads as its opposite to the n-gram model: the lexicon,
# which sees the negator's scope, then adds this many logits per lexicon point.
_DOUBLE_NEGATION_WEIGHT = 2.0
_REQUEST_SHRINK = 0.3  # share of the evidence a question or request without sentiment word keeps
_CLEAR_WEIGHT = 0.8  # a sentiment word at least this strong is a judgement, also in a question
_PUNCTUATION = re.compile(r"[\s,，。.!?;；:、~…'\"()（）]+")


@dataclass(frozen=True)
class Service:
    """A service of the organisation, as customers name it.

    Parameters
    ----------
    name : str
        The service's name ("报修服务").
    synonyms : tuple of str
        Other words customers use for it ("维修", "修理", "repair").
    key : str, optional
        The caller's identifier (a catalogue id or a survey attribute); defaults to ``name``.
    """

    name: str
    synonyms: tuple[str, ...] = ()
    key: str | None = None

    @property
    def identifier(self) -> str:
        return self.key or self.name


@dataclass(frozen=True)
class Sentiment:
    """Sentiment of a text.

    Attributes
    ----------
    label : {"negative", "neutral", "positive"}
        ``neutral`` inside :data:`NEUTRAL_BAND` or when there is nothing to judge.
    score : float
        Calibrated probability that the text is positive (0–1).
    """

    label: SentimentLabel
    score: float

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "score": self.score}


@dataclass(frozen=True)
class Aspect:
    """What a clause speaks of, with the clause's sentiment.

    Attributes
    ----------
    kind : {"service", "dimension"}
        A service of the organisation or a SERVQUAL dimension.
    name : str
        The service's key, or the dimension (``reliability``, ``responsiveness``, ``assurance``,
        ``empathy``, ``tangibles``).
    term : str
        The words of the clause that named it.
    clause : str
        The clause (normalised).
    label : {"negative", "neutral", "positive"}
    score : float
        Calibrated probability that the clause is positive.
    """

    kind: Literal["service", "dimension"]
    name: str
    term: str
    clause: str
    label: SentimentLabel
    score: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "term": self.term,
            "clause": self.clause,
            "label": self.label,
            "score": self.score,
        }


@dataclass(frozen=True)
class CommentAnalysis:
    """Sentiment and aspects of one comment.

    Attributes
    ----------
    text : str
        The normalised comment (simplified characters, half-width punctuation, lower case).
    label : {"negative", "neutral", "positive"}
    score : float
        Calibrated probability that the comment is positive.
    aspects : tuple of Aspect
        Services and SERVQUAL dimensions named, clause by clause, each with its clause's sentiment.
    is_empty : bool
        Nothing to judge (empty, white space, symbols only): ``neutral`` with score 0.5.
    truncated : bool
        The comment was longer than the analysed maximum (20,000 characters); only its start
        was analysed.
    language : {"zh", "en", "mixed", "none"}
        Chinese, English (Latin letters only), both, or neither.
    """

    text: str
    label: SentimentLabel
    score: float
    aspects: tuple[Aspect, ...] = ()
    is_empty: bool = False
    truncated: bool = False
    language: Literal["zh", "en", "mixed", "none"] = "zh"

    @property
    def dimensions(self) -> tuple[str, ...]:
        """SERVQUAL dimensions named, in order of first mention, without repeats."""
        return tuple(dict.fromkeys(a.name for a in self.aspects if a.kind == "dimension"))

    @property
    def services(self) -> tuple[str, ...]:
        """Service keys named, in order of first mention, without repeats."""
        return tuple(dict.fromkeys(a.name for a in self.aspects if a.kind == "service"))

    def aspect_labels(self, kind: Literal["service", "dimension"] = "dimension") -> dict[str, str]:
        """One label per dimension (or service) named: when several clauses speak of it, a
        negative clause decides, then a positive one (a comment counts once per aspect)."""
        labels: dict[str, str] = {}
        for aspect in self.aspects:
            if aspect.kind != kind:
                continue
            before = labels.get(aspect.name)
            if (
                before is None
                or aspect.label == "negative"
                or (aspect.label == "positive" and before == "neutral")
            ):
                labels[aspect.name] = aspect.label
        return labels

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary: ``label``, ``score``, ``aspects`` (list of dicts) …"""
        return {
            "text": self.text,
            "label": self.label,
            "score": self.score,
            "aspects": [aspect.to_dict() for aspect in self.aspects],
            "dimensions": list(self.dimensions),
            "services": list(self.services),
            "is_empty": self.is_empty,
            "truncated": self.truncated,
            "language": self.language,
        }


def _label(probability: float) -> SentimentLabel:
    low, high = NEUTRAL_BAND
    if probability < low:
        return "negative"
    if probability > high:
        return "positive"
    return "neutral"


def _join(words: Sequence[str]) -> str:
    out: list[str] = []
    for word in words:
        if (
            out
            and out[-1][-1:].isascii()
            and out[-1][-1:].isalnum()
            and word[:1].isascii()
            and word[:1].isalnum()
        ):
            out.append(" ")
        out.append(word)
    return "".join(out)


def _clauses(words: list[str]) -> list[list[str]]:
    clauses: list[list[str]] = []
    current: list[str] = []
    for word in words:
        if word in _BREAK_TOKENS:
            if current:
                clauses.append(current)
            current = []
            continue
        if word in _CONTRASTIVE and current:
            clauses.append(current)
            current = []
        current.append(word)
    if current:
        clauses.append(current)
    return clauses


def _services(
    services: Iterable[Service] | Mapping[str, Sequence[str]] | None,
) -> tuple[Service, ...]:
    if services is None:
        return ()
    if isinstance(services, Mapping):
        items = [
            Service(str(name), tuple(str(s) for s in synonyms))
            for name, synonyms in services.items()
        ]
    else:
        items = list(services)
    for item in items:
        if not isinstance(item, Service):
            raise AnalysisInputError(
                f"a service must be a Service, not {item!r}", column="services"
            )
        if not item.name or not item.name.strip():
            raise AnalysisInputError("a service needs a name", column="services")
    return tuple(items)


class TextAnalyzer:
    """Sentiment, aspects and emotion of comments for one organisation.

    Parameters
    ----------
    services : sequence of Service or mapping of name to synonyms, optional
        The organisation's services (from its catalogue); their names and synonyms are added to
        the segmenter's dictionary and recognised as aspects.
    model : LinearTextModel, optional
        Defaults to the model shipped with the package; without one, the lexicon alone decides.

    Examples
    --------
    >>> analyzer = TextAnalyzer(services={"供暖": ["暖气", "供热"]})
    >>> result = analyzer.analyze("客服态度很好，但是暖气一直不热")
    >>> result.label
    'negative'
    >>> [(a.kind, a.name, a.label) for a in result.aspects]
    [('dimension', 'assurance', 'positive'), ('service', '供暖', 'negative'), ('dimension', 'reliability', 'negative')]
    """

    def __init__(
        self,
        *,
        services: Iterable[Service] | Mapping[str, Sequence[str]] | None = None,
        model: LinearTextModel | None = None,
    ) -> None:
        self.services = _services(services)
        self.model = model if model is not None else load_model()
        self._lexicon = lexicon()
        self._clear = frozenset(
            w for w, weight in self._lexicon.sentiment.items() if abs(weight) >= _CLEAR_WEIGHT
        )
        requests = self._lexicon.request
        self._latin_requests = tuple(t for t in requests if t.isascii())
        chinese_requests = [t for t in requests if not t.isascii()]
        self._chinese_requests = (
            re.compile("|".join(map(re.escape, chinese_requests))) if chinese_requests else None
        )
        targets: dict[str, list[tuple[Literal["service", "dimension"], str]]] = {}
        for service in self.services:
            for term in (service.name, *service.synonyms):
                term = normalize(term).text
                if term:
                    targets.setdefault(term, []).append(("service", service.identifier))
        for dimension in DIMENSIONS:
            for term in self._lexicon.dimensions[dimension]:
                targets.setdefault(term, []).append(("dimension", dimension))
        self._targets = targets
        chinese = sorted((t for t in targets if not t.isascii()), key=len, reverse=True)
        latin = sorted((t for t in targets if t.isascii()), key=len, reverse=True)
        parts = []
        if chinese:
            parts.append("|".join(map(re.escape, chinese)))
        if latin:
            parts.append(r"\b(?:" + "|".join(map(re.escape, latin)) + r")\b")
        self._pattern = re.compile("|".join(parts)) if parts else None
        # Service names stay whole; the dimension terms are found in the clause's text and need
        # no place in the dictionary (adding "暖气不热" would hide the sentiment word "不热").
        segmenter().add_words(
            t for t in targets if len(t) > 1 and any(kind == "service" for kind, _ in targets[t])
        )

    # --- sentiment --------------------------------------------------------------------------

    def _probability(self, text: str, words: list[str]) -> tuple[float, bool]:
        """Probability of positive and whether anything in the text was known."""
        lex = lexicon_score(words)
        if self.model is None:
            known = bool(lex.positive or lex.negative)
            return 1.0 / (1.0 + math.exp(-_LEXICON_ONLY_SCALE * lex.score)), known
        model = self.model
        found = model.known(features(text, words, (lex.score, lex.positive, lex.negative)))
        known = bool(lex.positive or lex.negative) or any(
            map(found.__contains__, map("w:".__add__, words))
        )
        extra = _DOUBLE_NEGATION_WEIGHT * lex.score if lex.double_negated else 0.0
        return model.calibrated(model.logit_of_known(found), lex.score, extra), known

    def _is_request(self, text: str, words: list[str]) -> bool:
        """A question or request holding no clear sentiment word."""
        if not self._clear.isdisjoint(words):
            return False
        if "?" in text:
            return True
        return text.startswith(self._latin_requests) or (
            self._chinese_requests is not None and self._chinese_requests.search(text) is not None
        )

    def _overall(self, text: str, words: list[str]) -> Sentiment:
        """Sentiment of a whole comment. In "A, 但是 B" the point is B: the probability is the
        mean of the whole comment's and of the part after the last contrastive word's."""
        return self._overall_and_whole(text, words)[0]

    def _overall_and_whole(self, text: str, words: list[str]) -> tuple[Sentiment, Sentiment]:
        """:meth:`_overall` and the sentiment of the whole text read as one clause (which a
        comment of one clause naming an aspect reuses instead of scoring it twice)."""
        whole = self._sentiment(text, words)
        if _CONTRASTIVE.isdisjoint(words[1:]):
            return whole, whole
        last = max(i for i, w in enumerate(words) if w in _CONTRASTIVE and i > 0)
        tail_words = words[last:]
        tail = self._sentiment(_join(tail_words), tail_words)
        probability = round((whole.score + tail.score) / 2, 4)
        if whole.label == "neutral" and tail.label == "neutral":
            return Sentiment("neutral", probability), whole
        return Sentiment(_label(probability), probability), whole

    def _sentiment(self, text: str, words: list[str]) -> Sentiment:
        if (
            _PUNCTUATION.sub("", text) in self._lexicon.no_opinion
            or text.strip(" .!?,") in self._lexicon.no_opinion
        ):
            return Sentiment("neutral", 0.5)
        probability, known = self._probability(text, words)
        if self._is_request(text, words):
            probability = 0.5 + (probability - 0.5) * _REQUEST_SHRINK
        probability = round(probability, 4)
        if not known:
            return Sentiment("neutral", probability)
        return Sentiment(_label(probability), probability)

    # --- one comment ------------------------------------------------------------------------

    def _prepared(self, text: object, row: int | None) -> NormalizedText:
        try:
            return normalize(text)
        except TypeError as error:
            raise AnalysisInputError(str(error), column="text", row=row) from None

    def analyze(self, text: object, *, row: int | None = None) -> CommentAnalysis:
        """Sentiment and aspects of one comment (``None`` or empty: a neutral empty result)."""
        prepared = self._prepared(text, row)
        language: Literal["zh", "en", "mixed", "none"] = (
            "mixed"
            if prepared.has_chinese and prepared.has_latin
            else "zh"
            if prepared.has_chinese
            else "en"
            if prepared.has_latin
            else "none"
        )
        words = tokens(prepared.text) if prepared.text else []
        if not any(w not in _BREAK_TOKENS for w in words):
            return CommentAnalysis(
                prepared.text, "neutral", 0.5, (), True, prepared.truncated, language
            )
        overall, whole = self._overall_and_whole(prepared.text, words)
        aspects: list[Aspect] = []
        if self._pattern is not None:
            for clause_words in _clauses(words):
                clause = _join(clause_words)
                found: dict[tuple[Literal["service", "dimension"], str], str] = {}
                for match in self._pattern.finditer(clause):
                    for kind, name in self._targets[match.group(0)]:
                        found.setdefault((kind, name), match.group(0))
                if not found:
                    continue
                clause_sentiment = (
                    whole
                    if clause_words == words and clause == prepared.text
                    else self._sentiment(clause, clause_words)
                )
                for (kind, name), term in found.items():
                    aspects.append(
                        Aspect(
                            kind,
                            name,
                            term,
                            clause,
                            clause_sentiment.label,
                            clause_sentiment.score,
                        )
                    )
        return CommentAnalysis(
            prepared.text,
            overall.label,
            overall.score,
            tuple(aspects),
            False,
            prepared.truncated,
            language,
        )

    def sentiment(self, text: object) -> Sentiment:
        """Sentiment of one comment, without aspects."""
        prepared = self._prepared(text, None)
        words = tokens(prepared.text) if prepared.text else []
        if not any(w not in _BREAK_TOKENS for w in words):
            return Sentiment("neutral", 0.5)
        return self._overall(prepared.text, words)

    # --- many comments ----------------------------------------------------------------------

    def stream(self, texts: Iterable[object]) -> Iterator[CommentAnalysis]:
        """Analyse comments one by one as they come (constant memory)."""
        for row, text in enumerate(texts, start=1):
            yield self.analyze(text, row=row)

    def analyze_many(self, texts: Iterable[object]) -> list[CommentAnalysis]:
        """Analyse a batch of comments, results in input order."""
        return list(self.stream(texts))

    # --- emotion ----------------------------------------------------------------------------

    def emotion(self, text: str, *, repeated_contacts: int = 0) -> EmotionResult:
        """Emotion level of one comment (see :func:`qiwang.analysis.text.emotion_level`)."""
        prepared = self._prepared(text, None)
        words = tokens(prepared.text) if prepared.text else []
        negative = score = 0.0
        if any(w not in _BREAK_TOKENS for w in words):
            negative = 1.0 - self._overall(prepared.text, words).score
            score = lexicon_score(words).score
        found = emotion_signals(
            text,
            prepared.text,
            words,
            negative_probability=negative,
            repeated_contacts=repeated_contacts,
            lexicon_score=score,
        )
        level, score, signals = combine(found)
        return EmotionResult(level, score, signals)


@cache
def default_analyzer() -> TextAnalyzer:
    """An analyzer without services (one per process)."""
    return TextAnalyzer()
