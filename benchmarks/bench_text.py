"""Benchmark: sentiment + aspects of Chinese comments on one CPU core, against jieba alone.

Measures, on the same comments and in the same process pinned to one core:

- **floor**: jieba segmentation alone (the same tokenizer and dictionary Qiwang uses), the least
  any word-based Chinese analysis does;
- **batch**: :meth:`qiwang.analysis.text.TextAnalyzer.analyze_many` — normalisation, jieba,
  sentiment of the comment and of each clause that names an aspect, SERVQUAL and service aspects;
- **stream**: the same through :meth:`~qiwang.analysis.text.TextAnalyzer.stream` (one comment
  at a time from an iterator);
- **emotion**: :func:`qiwang.analysis.text.emotion_level` per comment;

and, in fresh processes, the time to import the package and load the model and jieba's
dictionary (cold start), and the size of the shipped model file.

The comments are the 11,987 food-delivery reviews of ``waimai_10k.csv`` (``--data-dir``; real
customer comments, 30 characters on average) or, without it, the 318 property comments of the
test evaluation set repeated. Not a test: nothing is asserted; the figures are printed and
recorded by hand in docs/benchmarks.md::

    .venv/bin/python benchmarks/bench_text.py --data-dir DIR [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
EVALUATION = ROOT / "tests/analysis_text/data/property_comments.csv"
SERVICES = {"供暖": ["暖气", "供热"], "电梯": ["升降梯"], "保洁": ["清洁", "卫生"], "安保": ["保安"]}


def comments(data_dir: Path | None) -> list[str]:
    if data_dir is not None:
        frame = pd.read_csv(data_dir / "waimai_10k.csv")
        return [str(t) for t in frame["review"].dropna()]
    texts = pd.read_csv(EVALUATION, keep_default_na=False)["text"].tolist()
    return (texts * (12_000 // len(texts) + 1))[:12_000]


def timed(function: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def cold_start() -> float:
    code = (
        "import time; t = time.perf_counter()\n"
        "from qiwang.analysis import text\n"
        "text.analyze('暖气不热'); print(time.perf_counter() - t)\n"
    )
    runs = [
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
        for _ in range(3)
    ]
    return statistics.median(runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    from qiwang.analysis import text
    from qiwang.analysis._text_lexicon import segmenter
    from qiwang.analysis._text_model import model_path

    texts = comments(options.data_dir)
    analyzer = text.TextAnalyzer(services=SERVICES)
    cut = segmenter().cut
    analyzer.analyze_many(texts[:200])  # warm: dictionary, model, zhconv tables
    n = len(texts)
    floor = timed(lambda: [cut(t) for t in texts], options.repeat)
    batch = timed(lambda: analyzer.analyze_many(texts), options.repeat)
    stream = timed(lambda: sum(1 for _ in analyzer.stream(iter(texts))), options.repeat)
    emotion = timed(lambda: [text.emotion_level(t) for t in texts], options.repeat)
    size = model_path().stat().st_size if model_path().is_file() else 0
    print(f"{platform.machine()}, Python {platform.python_version()}, one core, {n:,} comments")
    print(f"mean length {sum(map(len, texts)) / n:.1f} characters; model file {size / 1e6:.2f} MB")
    print("| measure | seconds | comments / s | ratio to jieba alone |")
    print("|---|---:|---:|---:|")
    for name, seconds in (
        ("jieba segmentation alone (floor)", floor),
        ("sentiment + aspects, batch (analyze_many)", batch),
        ("sentiment + aspects, streaming (stream)", stream),
        ("emotion level (emotion_level)", emotion),
    ):
        print(f"| {name} | {seconds:.3f} | {n / seconds:,.0f} | {seconds / floor:.2f}× |")
    print(f"cold start (import, load model and dictionary, first comment): {cold_start():.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
