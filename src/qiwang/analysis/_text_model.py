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

_NGRAMS = (1, 2, 3)


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
    names: set[str] = set()
    length = len(text)
    for n in _NGRAMS:
        names.update(text[i : i + n] for i in range(length - n + 1))
    kept = [w for w in words if not w.isspace()]
    names.update("w:" + w for w in kept)
    names.update(f"w:{a}_{b}" for a, b in zip(kept, kept[1:], strict=False))
    names.update(_lexicon_features(*lexicon))
    return names


@dataclass(frozen=True)
class LinearTextModel:
    """A binary linear classifier over feature names, with Platt calibration.

    Attributes
    ----------
    vocabulary : dict of str to int
        Feature name → column of ``weights``.
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

    vocabulary: dict[str, int]
    weights: npt.NDArray[np.float32]
    bias: float
    lexicon_weight: float
    calibration: tuple[float, float]
    metadata: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def weight_of(self) -> dict[str, float]:
        """Feature name → weight (one dictionary lookup per feature when scoring)."""
        names = [""] * len(self.vocabulary)
        for name, column in self.vocabulary.items():
            names[column] = name
        return dict(zip(names, self.weights.tolist(), strict=True))

    def raw_logit(self, names: Iterable[str]) -> float:
        """``bias + Σ w / √k`` over the known features among ``names``."""
        get = self.weight_of.get
        total = 0.0
        known = 0
        for name in names:
            weight = get(name)
            if weight is not None:
                total += weight
                known += 1
        return self.bias + total / math.sqrt(known) if known else self.bias

    def probability(self, names: Iterable[str], lexicon_score: float, extra: float = 0.0) -> float:
        """Calibrated probability that the text is positive (``extra`` is added to the logit)."""
        logit = self.raw_logit(names) + self.lexicon_weight * lexicon_score + extra
        a, b = self.calibration
        z = a * logit + b
        return 1.0 / (1.0 + math.exp(-z)) if z > -500 else 0.0

    def save(self, path: str) -> None:
        """Write the model as a compressed ``.npz`` (numbers and feature names only)."""
        names = [""] * len(self.vocabulary)
        for name, column in self.vocabulary.items():
            names[column] = name
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
            vocabulary=np.frombuffer("\n".join(names).encode("utf-8"), dtype=np.uint8),
            header=np.frombuffer(json.dumps(header, ensure_ascii=False).encode(), np.uint8),
        )

    @classmethod
    def load(cls, path: Any) -> LinearTextModel:
        """Read a model written by :meth:`save`.

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
        return cls(
            vocabulary={name: i for i, name in enumerate(names)},
            weights=weights,
            bias=float(header["bias"]),
            lexicon_weight=float(header["lexicon_weight"]),
            calibration=(float(header["calibration"][0]), float(header["calibration"][1])),
            metadata=dict(header.get("metadata") or {}),
        )


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
