"""Explore domain-neutral feature selections for the sentiment model (issue 13, cross-domain goal).

Not part of training: measures whether restricting the features the linear model may use helps
across domains, with the same corpus, features, solver and seed as
``scripts/train_text_models.py``. Variants:

- ``all``: every feature in at least two training reviews (what ships);
- ``shared-with-target``: only features that also occur in at least two *unlabelled* texts of
  the target domain (a transductive selection: the target's texts, never its labels);
- ``spread >= m``: only features that occur in at least ``m`` training domains (shopping
  categories; food delivery counts as one), so that category-specific words ("屏幕", "外卖")
  carry no weight;
- ``self-training s``: the model trained on the source labels the target's texts; the share
  ``s`` it is surest of (largest ``|logit|``) join the training data with those labels, as one
  more domain weighted like each source domain, and the model is trained again (again the
  target's texts only, never its labels).

Each choice is made on the split's **validation** domain (held out of its training data, as in
``train_text_models.py``); the test domain's labels are only used to report the chosen
variant's accuracy, next to every variant's so that nothing is hidden. Usage::

    .venv/bin/python scripts/explore_text_domains.py --data-dir DIR [--method self-training]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import train_text_models as tm  # noqa: E402 - the script beside this one

SPREADS = (2, 3, 4)
SHARES = (0.3, 0.6, 0.9)


def document_counts(corpus: tm.Corpus, rows: np.ndarray) -> dict[str, int]:
    counts: dict[str, int] = {}
    for i in rows:
        for name in corpus.feature_sets[i]:
            counts[name] = counts.get(name, 0) + 1
    return counts


def domain_spread(corpus: tm.Corpus, rows: np.ndarray) -> dict[str, int]:
    """Feature → number of domains among ``rows`` where it occurs in at least two reviews."""
    spread: dict[str, int] = {}
    for domain in np.unique(corpus.domains[rows]):
        counts = document_counts(corpus, rows[corpus.domains[rows] == domain])
        for name, count in counts.items():
            if count >= tm.MIN_DOCUMENTS:
                spread[name] = spread.get(name, 0) + 1
    return spread


def restricted_fit(
    corpus: tm.Corpus, rows: np.ndarray, allowed: set[str] | None
) -> tuple[dict[str, int], np.ndarray, float]:
    """``tm.fit`` with the training reviews' features limited to ``allowed``."""
    if allowed is None:
        return tm.fit(corpus, rows)
    saved = corpus.feature_sets
    training = set(rows.tolist())
    corpus.feature_sets = [s & allowed if i in training else s for i, s in enumerate(saved)]
    try:
        return tm.fit(corpus, rows)
    finally:
        corpus.feature_sets = saved


def accuracy(
    corpus: tm.Corpus, train: np.ndarray, test: np.ndarray, allowed: set[str] | None
) -> float:
    vocab, w, b = restricted_fit(corpus, train, allowed)
    z = tm.logits(corpus, test, vocab, w, b)
    return tm.accuracy_f1(corpus.labels[test], (z > 0).astype(int))[0]


def variants(
    corpus: tm.Corpus, train: np.ndarray, target: np.ndarray
) -> dict[str, set[str] | None]:
    """Allowed feature sets of each variant, from ``train``'s reviews and ``target``'s texts."""
    found: dict[str, set[str] | None] = {"all": None}
    target_counts = document_counts(corpus, target)
    found["shared-with-target"] = {n for n, c in target_counts.items() if c >= tm.MIN_DOCUMENTS}
    if len(np.unique(corpus.domains[train])) > 1:
        spread = domain_spread(corpus, train)
        for m in SPREADS:
            found[f"spread >= {m}"] = {n for n, c in spread.items() if c >= m}
    return found


def self_training(corpus: tm.Corpus, train: np.ndarray, target: np.ndarray) -> dict[str, float]:
    """Accuracy on ``target`` of the source model and of each self-trained one."""
    vocab, w, b = tm.fit(corpus, train)
    z = tm.logits(corpus, target, vocab, w, b)
    truth = corpus.labels[target]
    found = {"all": tm.accuracy_f1(truth, (z > 0).astype(int))[0]}
    labels, domains = corpus.labels, corpus.domains
    for share in SHARES:
        sure = target[np.abs(z) >= np.quantile(np.abs(z), 1 - share)]
        corpus.labels = labels.copy()
        corpus.labels[target] = (z > 0).astype(int)  # the model's labels, not the truth
        corpus.domains = domains.astype(object)
        corpus.domains[target] = "pseudo"
        try:
            vocab_s, w_s, b_s = tm.fit(corpus, np.concatenate([train, sure]))
        finally:
            corpus.labels, corpus.domains = labels, domains
        z_s = tm.logits(corpus, target, vocab_s, w_s, b_s)
        found[f"self-training {share}"] = tm.accuracy_f1(truth, (z_s > 0).astype(int))[0]
    return {name: round(value, 4) for name, value in found.items()}


def explore_self_training(corpus: tm.Corpus, split: tm.Split) -> dict[str, object]:
    started = time.time()
    validation = self_training(corpus, split.validation_train, split.validation)
    chosen = max(validation, key=lambda name: (validation[name], name == "all"))
    test = self_training(corpus, split.train, split.test)
    row = {"split": split.name, "validation": validation, "chosen": chosen, "test": test}
    print(f"{json.dumps(row, ensure_ascii=False)} ({time.time() - started:.0f} s)", file=sys.stderr)
    return row


def explore(corpus: tm.Corpus, split: tm.Split) -> dict[str, object]:
    started = time.time()
    validation = {
        name: round(accuracy(corpus, split.validation_train, split.validation, allowed), 4)
        for name, allowed in variants(corpus, split.validation_train, split.validation).items()
    }
    chosen = max(validation, key=lambda name: (validation[name], name == "all"))
    test = {
        name: round(accuracy(corpus, split.train, split.test, allowed), 4)
        for name, allowed in variants(corpus, split.train, split.test).items()
    }
    row = {"split": split.name, "validation": validation, "chosen": chosen, "test": test}
    print(f"{json.dumps(row, ensure_ascii=False)} ({time.time() - started:.0f} s)", file=sys.stderr)
    return row


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--splits", type=int, default=2, help="how many splits (main ones first)")
    parser.add_argument("--method", choices=("selection", "self-training"), default="selection")
    parser.add_argument("--only", nargs="*", help="splits whose name contains one of these")
    options = parser.parse_args(argv)
    np.random.seed(tm.SEED)
    corpus = tm.load(options.data_dir)
    method = explore_self_training if options.method == "self-training" else explore
    chosen = [
        split
        for split in tm.splits(corpus)
        if not options.only or any(name in split.name for name in options.only)
    ]
    rows = [method(corpus, split) for split in chosen[: options.splits]]
    print(json.dumps(rows, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
