"""The shipped sentiment model: a linear model over character n-grams, words and lexicon scores.

:func:`features` turns a normalised text and its words into the set of feature names the model
knows; :class:`LinearTextModel` holds one weight per feature name. A text's logit is
``bias + Σ weights / √k`` over its ``k`` known features (binary features, L2-normalised, exactly
as ``scripts/train_text_models.py`` built the training matrix), and the calibrated probability of
*positive* is ``σ(a · (logit + γ · lexicon) + b)``. ADR 0040 says why this model and not another;
docs/analysis/text.md gives its accuracy across domains.

The file ``text_data/sentiment.npz`` holds only numbers and feature names (character n-grams and
words that occur in at least two training reviews): no review text is shipped.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from operator import add
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "FEATURE_VERSION",
    "LinearTextModel",
    "features",
    "load_model",
    "model_path",
    "model_version",
]

FEATURE_VERSION = 1
"""Version of :func:`features`; a model trained with another version is refused."""


def _lexicon_features(score: float, positive: int, negative: int) -> list[str]:
    bucket = max(-3, min(3, round(score)))
    names = [f"L:s{bucket}"]
    if positive:
        names.append("L:pos")
    if negative:
        names.append("L:neg")
    return names


def features(
    text: str, words: Sequence[str], lexicon: tuple[float, int, int] = (0.0, 0, 0)
) -> set[str]:
    """Feature names of a normalised text.

    Character 1-, 2- and 3-grams of the text, its words (``w:`` + word) and adjacent word pairs
    (``w:a_b``), and the lexicon's verdict (``L:s-3`` … ``L:s3``, ``L:pos``, ``L:neg``).

    Parameters
    ----------
    text : str
        Output of :func:`qiwang.analysis.text.normalize`.
    words : sequence of str
        Its words (:func:`qiwang.analysis.text.segment`).
    lexicon : (float, int, int)
        The lexicon score and counts of positive and negative words.

    Examples
    --------
    >>> sorted(features("好吃", ["好吃"]))
    ['L:s0', 'w:好吃', '吃', '好', '好吃']
    """
    # Built with map() over str slices rather than a Python loop per n-gram: the 1-, 2- and
    # 3-grams of a 25-character comment are ~70 strings, made in C (docs/benchmarks.md).
    names = set(text)
    bigrams = list(map(add, text, text[1:]))
    names.update(bigrams)
    names.update(map(add, bigrams, text[2:]))
    kept = [w for w in words if not w.isspace()]
    prefixed = ["w:" + w for w in kept]
    names.update(prefixed)
    names.update([f"{a}_{b}" for a, b in zip(prefixed, kept[1:], strict=False)])
    names.update(_lexicon_features(*lexicon))
    return names


@dataclass(frozen=True)
class LinearTextModel:
    """A binary linear classifier over feature names, with Platt calibration.

    Attributes
    ----------
    names : tuple of str
        Feature names, in the order of ``weights``.
    weights : numpy.ndarray
        One float32 weight per feature.
    bias : float
        Intercept of the logit.
    lexicon_weight : float
        γ, the weight of the lexicon score added to the logit.
    calibration : (float, float)
        Platt's ``a`` and ``b``: ``P(positive) = σ(a · logit + b)``.
    metadata : dict
        How the model was trained (data, seed, options, measured accuracy).
    """

    names: tuple[str, ...]
    weights: npt.NDArray[np.float32]
    bias: float
    lexicon_weight: float
    calibration: tuple[float, float]
    metadata: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_vocabulary(
        cls, vocabulary: dict[str, int], weights: npt.NDArray[np.float32], **options: Any
    ) -> LinearTextModel:
        """A model from a feature name → column mapping (as the training script builds it)."""
        names = [""] * len(vocabulary)
        for name, column in vocabulary.items():
            names[column] = name
        return cls(names=tuple(names), weights=weights, **options)

    @cached_property
    def vocabulary(self) -> dict[str, int]:
        """Feature name → column of ``weights`` (built on first use; scoring never needs it)."""
        return {name: i for i, name in enumerate(self.names)}

    @cached_property
    def weight_of(self) -> dict[str, float]:
        """Feature name → weight: the one table scoring reads (built by :meth:`load`)."""
        return dict(zip(self.names, self.weights.tolist(), strict=True))

    def known(self, names: Iterable[str]) -> set[str]:
        """The features among ``names`` that the model has a weight for."""
        return self.weight_of.keys() & names

    def raw_logit(self, names: Iterable[str]) -> float:
        """``bias + Σ w / √k`` over the ``k`` known features among ``names``.

        One set intersection and one ``map`` over the known features, both in C: a Python loop
        per feature cost as much as the lookups themselves (docs/benchmarks.md)."""
        return self.logit_of_known(self.known(names))

    def logit_of_known(self, known: set[str]) -> float:
        """:meth:`raw_logit` of features already filtered by :meth:`known`."""
        if not known:
            return self.bias
        return self.bias + math.fsum(map(self.weight_of.__getitem__, known)) / math.sqrt(len(known))

    def calibrated(self, logit: float, lexicon_score: float, extra: float = 0.0) -> float:
        """``σ(a · (logit + γ · lexicon + extra) + b)``."""
        a, b = self.calibration
        z = a * (logit + self.lexicon_weight * lexicon_score + extra) + b
        return 1.0 / (1.0 + math.exp(-z)) if z > -500 else 0.0

    def probability(self, names: Iterable[str], lexicon_score: float, extra: float = 0.0) -> float:
        """Calibrated probability that the text is positive (``extra`` is added to the logit)."""
        return self.calibrated(self.raw_logit(names), lexicon_score, extra)

    def save(self, path: str) -> None:
        """Write the model as a compressed ``.npz`` (numbers and feature names only)."""
        header = {
            "feature_version": FEATURE_VERSION,
            "bias": self.bias,
            "lexicon_weight": self.lexicon_weight,
            "calibration": list(self.calibration),
            "metadata": self.metadata,
        }
        np.savez_compressed(
            path,
            weights=self.weights.astype(np.float32),
            vocabulary=np.frombuffer("\n".join(self.names).encode("utf-8"), dtype=np.uint8),
            header=np.frombuffer(json.dumps(header, ensure_ascii=False).encode(), np.uint8),
        )

    @classmethod
    def load(cls, path: Any) -> LinearTextModel:
        """Read a model written by :meth:`save`, ready to score: the name → weight table is
        built here, once (about 0.3 s for 534,000 features; the name → column table is not
        built at all unless asked for).

        Raises
        ------
        ValueError
            When the file was written for another version of :func:`features`.
        """
        with np.load(path, allow_pickle=False) as data:
            header = json.loads(bytes(data["header"]).decode())
            names = bytes(data["vocabulary"]).decode("utf-8").split("\n")
            weights = np.asarray(data["weights"], dtype=np.float32)
        if header.get("feature_version") != FEATURE_VERSION:
            raise ValueError(
                f"the sentiment model was trained for features version "
                f"{header.get('feature_version')}, this code computes version {FEATURE_VERSION}"
            )
        model = cls(
            names=tuple(names),
            weights=weights,
            bias=float(header["bias"]),
            lexicon_weight=float(header["lexicon_weight"]),
            calibration=(float(header["calibration"][0]), float(header["calibration"][1])),
            metadata=dict(header.get("metadata") or {}),
        )
        _ = model.weight_of
        return model


def model_path() -> Any:
    """Where the shipped model lives (a :mod:`importlib.resources` traversable)."""
    return resources.files("qiwang.analysis").joinpath("text_data", "sentiment.npz")


@cache
def load_model() -> LinearTextModel | None:
    """The shipped model, read once per process; ``None`` when the package has none (then the
    lexicon alone decides, see :class:`qiwang.analysis.text.TextAnalyzer`)."""
    path = model_path()
    if not path.is_file():
        return None
    with resources.as_file(path) as file:
        return LinearTextModel.load(file)


@cache
def model_version() -> str:
    """Identifier of the shipped model: ``linear-`` and the first 12 hex digits of its file's
    SHA-256, or ``lexicon`` when the package ships no model. Stored with every label so that
    labels of an older model can be found and recomputed."""
    path = model_path()
    if not path.is_file():
        return "lexicon"
    return "linear-" + hashlib.sha256(path.read_bytes()).hexdigest()[:12]
