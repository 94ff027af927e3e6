"""Precision and recall per class: how the text analyses are judged against labelled comments.

Used by the evaluation set of the tests, by ``scripts/evaluate_text.py`` (the figures of
docs/analysis/text.md) and by the product's evaluation of user-corrected labels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["ClassScore", "LabelReport", "label_report"]


@dataclass(frozen=True)
class ClassScore:
    """Precision, recall and F1 of one class.

    Attributes
    ----------
    label : str
    support : int
        Items whose true label is this class.
    predicted : int
        Items predicted as this class.
    precision, recall, f1 : float
        NaN when undefined (nothing predicted / no support).
    """

    label: str
    support: int
    predicted: int
    precision: float
    recall: float
    f1: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "support": self.support,
            "predicted": self.predicted,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
        }


@dataclass(frozen=True)
class LabelReport:
    """Agreement of predicted with true labels.

    Attributes
    ----------
    n : int
    accuracy : float
    macro_f1 : float
        Mean F1 over the classes with support (NaN F1s count as 0).
    classes : tuple of ClassScore
    """

    n: int
    accuracy: float
    macro_f1: float
    classes: tuple[ClassScore, ...]

    def score(self, label: str) -> ClassScore:
        """The scores of one class."""
        for item in self.classes:
            if item.label == label:
                return item
        raise KeyError(label)

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "accuracy": self.accuracy,
            "macro_f1": self.macro_f1,
            "classes": [c.to_dict() for c in self.classes],
        }


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else float("nan")


def label_report(
    truth: Sequence[str], predicted: Sequence[str], *, labels: Sequence[str]
) -> LabelReport:
    """Accuracy, macro-F1 and per-class precision / recall.

    Examples
    --------
    >>> report = label_report(["a", "a", "b"], ["a", "b", "b"], labels=["a", "b"])
    >>> report.accuracy, report.score("a").recall, report.score("b").precision
    (0.6666666666666666, 0.5, 0.5)
    """
    if len(truth) != len(predicted):
        raise ValueError(f"{len(truth)} true labels but {len(predicted)} predictions")
    scores = []
    for label in labels:
        support = sum(t == label for t in truth)
        chosen = sum(p == label for p in predicted)
        hits = sum(t == label and p == label for t, p in zip(truth, predicted, strict=True))
        precision, recall = _ratio(hits, chosen), _ratio(hits, support)
        f1 = (
            2 * precision * recall / (precision + recall)
            if chosen and support and (precision + recall) > 0
            else (0.0 if support else float("nan"))
        )
        scores.append(ClassScore(label, support, chosen, precision, recall, f1))
    supported = [s.f1 if s.f1 == s.f1 else 0.0 for s in scores if s.support]
    correct = sum(t == p for t, p in zip(truth, predicted, strict=True))
    return LabelReport(
        n=len(truth),
        accuracy=_ratio(correct, len(truth)),
        macro_f1=sum(supported) / len(supported) if supported else float("nan"),
        classes=tuple(scores),
    )
