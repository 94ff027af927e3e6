"""Chinese (and English) free text: sentiment, aspects, emotion and themes, offline.

Everything runs on one CPU with what the package ships: jieba's dictionary, Qiwang's lexicons
(``text_data/lexicon.yaml``, ``text_data/dimensions.yaml``) and a linear sentiment model
(``text_data/sentiment.npz``, trained by ``scripts/train_text_models.py``). Nothing is downloaded.

- :func:`analyze` / :func:`analyze_many` / :func:`stream` — sentiment (negative / neutral /
  positive with the calibrated probability of positive) and aspects: the organisation's services
  and the SERVQUAL dimensions each clause speaks of, each with its clause's sentiment.
- :func:`emotion_level` — calm / upset / angry for complaints, with the signals found.
- :func:`themes` — the keywords and phrases of a set of comments, ranked, with examples.
- :func:`normalize`, :func:`segment` — the text clean-up and jieba segmentation they use.

Examples
--------
>>> from qiwang.analysis import text
>>> text.analyze("维修师傅很专业").label
'positive'
>>> text.emotion_level("说了三次都没人管，什么态度！！").level
'angry'
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence

from qiwang.analysis._errors import AnalysisInputError
from qiwang.analysis._text_analyzer import (
    NEUTRAL_BAND,
    Aspect,
    CommentAnalysis,
    Sentiment,
    SentimentLabel,
    Service,
    TextAnalyzer,
    default_analyzer,
)
from qiwang.analysis._text_emotion import (
    ANGRY_FROM,
    SIGNALS,
    UPSET_FROM,
    EmotionLevel,
    EmotionResult,
    emotion_level,
)
from qiwang.analysis._text_evaluation import ClassScore, LabelReport, label_report
from qiwang.analysis._text_lexicon import DIMENSIONS, lexicon_score
from qiwang.analysis._text_lexicon import tokens as _tokens
from qiwang.analysis._text_model import LinearTextModel, load_model, model_version
from qiwang.analysis._text_normalize import MAX_CHARACTERS, NormalizedText
from qiwang.analysis._text_normalize import normalize as _normalize
from qiwang.analysis._text_themes import Theme, ThemesResult, themes

__all__ = [
    "ANGRY_FROM",
    "DIMENSIONS",
    "MAX_CHARACTERS",
    "NEUTRAL_BAND",
    "SIGNALS",
    "UPSET_FROM",
    "AnalysisInputError",
    "Aspect",
    "ClassScore",
    "LabelReport",
    "CommentAnalysis",
    "EmotionLevel",
    "EmotionResult",
    "LinearTextModel",
    "NormalizedText",
    "Sentiment",
    "SentimentLabel",
    "Service",
    "TextAnalyzer",
    "Theme",
    "ThemesResult",
    "analyze",
    "analyze_many",
    "default_analyzer",
    "emotion_level",
    "label_report",
    "lexicon_score",
    "load_model",
    "model_version",
    "normalize",
    "segment",
    "sentiment",
    "stream",
    "themes",
]

Services = Iterable[Service] | Mapping[str, Sequence[str]] | None


def _analyzer(services: Services) -> TextAnalyzer:
    return default_analyzer() if services is None else TextAnalyzer(services=services)


def normalize(text: object) -> NormalizedText:
    """The one form every analysis reads (see :mod:`qiwang.analysis._text_normalize`).

    Raises
    ------
    AnalysisInputError
        When ``text`` is not a string (nor ``None``).
    """
    try:
        return _normalize(text)
    except TypeError as error:
        raise AnalysisInputError(str(error), column="text") from None


def segment(text: object) -> list[str]:
    """jieba words of a comment, after :func:`normalize`, with Qiwang's dictionary.

    Examples
    --------
    >>> segment("報修電話打不通")
    ['报修', '电话', '打不通']
    """
    prepared = normalize(text)
    return _tokens(prepared.text) if prepared.text else []


def sentiment(text: object) -> Sentiment:
    """Sentiment of one comment (no aspects).

    Examples
    --------
    >>> sentiment("没有不满意的地方").label
    'positive'
    >>> sentiment("").label
    'neutral'
    """
    return default_analyzer().sentiment(text)


def analyze(text: object, *, services: Services = None) -> CommentAnalysis:
    """Sentiment and aspects of one comment.

    Parameters
    ----------
    text : str
        The comment (Chinese, simplified or traditional, or English).
    services : sequence of Service or mapping of name to synonyms, optional
        The organisation's services; for many comments build one :class:`TextAnalyzer` instead.
    """
    return _analyzer(services).analyze(text)


def analyze_many(texts: Iterable[object], *, services: Services = None) -> list[CommentAnalysis]:
    """Sentiment and aspects of a batch of comments, in input order.

    Raises
    ------
    AnalysisInputError
        At the first comment that is not a string (nor ``None``), naming its 1-based row.
    """
    return _analyzer(services).analyze_many(texts)


def stream(texts: Iterable[object], *, services: Services = None) -> Iterator[CommentAnalysis]:
    """Sentiment and aspects of comments as they arrive (one result per comment, lazily)."""
    return _analyzer(services).stream(texts)
