"""Precision and recall of sentiment, emotion level and SERVQUAL aspects on the evaluation set.

The set (``tests/analysis_text/data/property_comments.csv``, 318 comments written for property
management and heating, labelling rules in its README) is never used to fit anything. Prints the
Markdown tables of docs/analysis/text.md::

    .venv/bin/python scripts/evaluate_text.py [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

from qiwang.analysis._text_evaluation import LabelReport, label_report
from qiwang.analysis.text import DIMENSIONS, TextAnalyzer

DATA = Path(__file__).resolve().parents[1] / "tests/analysis_text/data/property_comments.csv"


def evaluate(path: Path = DATA) -> dict[str, LabelReport]:
    frame = pd.read_csv(path, keep_default_na=False)
    analyzer = TextAnalyzer()
    sentiments, emotions, found = [], [], []
    for text, contacts in zip(frame["text"], frame["contacts"], strict=True):
        result = analyzer.analyze(text)
        sentiments.append(result.label)
        emotions.append(analyzer.emotion(text, repeated_contacts=int(contacts)).level)
        found.append(set(result.dimensions))
    reports = {
        "sentiment": label_report(
            frame["sentiment"].tolist(), sentiments, labels=["negative", "neutral", "positive"]
        ),
        "emotion": label_report(
            frame["emotion"].tolist(), emotions, labels=["calm", "upset", "angry"]
        ),
    }
    truth_sets = [set(filter(None, value.split("|"))) for value in frame["dimensions"]]
    for dimension in DIMENSIONS:
        reports[f"dimension:{dimension}"] = label_report(
            ["yes" if dimension in t else "no" for t in truth_sets],
            ["yes" if dimension in f else "no" for f in found],
            labels=["yes", "no"],
        )
    return reports


def _cell(value: float) -> str:
    return "–" if value != value else f"{value:.2f}"


def markdown(reports: dict[str, LabelReport]) -> str:
    lines = []
    for task in ("sentiment", "emotion"):
        report = reports[task]
        lines += [
            f"**{task}** (n = {report.n}, accuracy {report.accuracy:.3f}, macro-F1 {report.macro_f1:.3f})",
            "",
            "| class | support | predicted | precision | recall | F1 |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for c in report.classes:
            lines.append(
                f"| {c.label} | {c.support} | {c.predicted} | {_cell(c.precision)} | {_cell(c.recall)} | {_cell(c.f1)} |"
            )
        lines.append("")
    lines += [
        "**SERVQUAL dimension named in the comment** (each dimension a yes/no label)",
        "",
        "| dimension | support | predicted | precision | recall | F1 |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for dimension in DIMENSIONS:
        c = reports[f"dimension:{dimension}"].score("yes")
        lines.append(
            f"| {dimension} | {c.support} | {c.predicted} | {_cell(c.precision)} | {_cell(c.recall)} | {_cell(c.f1)} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="also write the reports as JSON")
    options = parser.parse_args()
    reports = evaluate()
    print(markdown(reports))
    if options.json:
        options.json.write_text(json.dumps({k: v.to_dict() for k, v in reports.items()}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
