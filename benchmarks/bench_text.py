"""Benchmark: sentiment + aspects of Chinese comments on one CPU core, against jieba alone.

Measures, on the same comments and in the same process pinned to one core:

- **floor**: jieba segmentation alone (the same tokenizer and dictionary Qiwang uses), the least
  any word-based Chinese analysis does;
- **batch**: :meth:`qiwang.analysis.text.TextAnalyzer.analyze_many` — normalisation, jieba,
  sentiment of the comment and of each clause that names an aspect, SERVQUAL and service aspects;
- **stream**: the same through :meth:`~qiwang.analysis.text.TextAnalyzer.stream` (one comment
  at a time from an iterator);
- **emotion**: :func:`qiwang.analysis.text.emotion_level` per comment;

and, in fresh processes, the time to load the model (file to a model ready to score, imports
excluded), the time to import the package and load the model and jieba's dictionary (cold
start), and the size of the shipped model file.

The comments are the 11,987 food-delivery reviews of ``waimai_10k.csv`` (``--data-dir``; real
customer comments, 30 characters on average) or, without it, the 318 property comments of the
test evaluation set repeated. Not a test: nothing is asserted; the figures are printed and
recorded by hand in docs/benchmarks.md::

    .venv/bin/python benchmarks/bench_text.py --data-dir DIR [--repeat 3] [--profile N]
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
SERVICES = {
    "供暖": ["暖气", "供热"],
    "电梯": ["升降梯"],
    "保洁": ["清洁", "卫生"],
    "安保": ["保安"],
}


def comments(data_dir: Path | None) -> list[str]:
    if data_dir is not None:
        frame = pd.read_csv(data_dir / "waimai_10k.csv")
        return [str(t) for t in frame["review"].dropna()]
    texts = pd.read_csv(EVALUATION, keep_default_na=False)["text"].tolist()
    return (texts * (12_000 // len(texts) + 1))[:12_000]


def timed_all(functions: dict[str, Callable[[], object]], repeat: int) -> dict[str, float]:
    """Median CPU seconds of each function, runs interleaved. CPU time of this process (pinned
    to one core) is what "per core" means, and it does not count the time other processes on
    a shared machine take from us; wall-clock medians are printed too."""
    cpu: dict[str, list[float]] = {name: [] for name in functions}
    wall: dict[str, list[float]] = {name: [] for name in functions}
    for _ in range(repeat):
        for name, function in functions.items():
            started, started_cpu = time.perf_counter(), time.process_time()
            function()
            cpu[name].append(time.process_time() - started_cpu)
            wall[name].append(time.perf_counter() - started)
    for name in functions:
        print(
            f"  {name}: CPU {statistics.median(cpu[name]):.3f} s, wall {statistics.median(wall[name]):.3f} s"
        )
    return {name: statistics.median(values) for name, values in cpu.items()}


def cold_start() -> float:
    code = (
        "import time; t = time.process_time()\n"
        "from qiwang.analysis import text\n"
        "text.analyze('暖气不热'); print(time.process_time() - t)\n"
    )
    runs = [
        float(
            subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True
            ).stdout
        )
        for _ in range(3)
    ]
    return statistics.median(runs)


def model_load() -> tuple[float, float]:
    """Median CPU and wall seconds, in fresh processes, from the model file to a model ready to
    score (:func:`qiwang.analysis._text_model.load_model`: read, decode the feature names,
    build the name → weight table); the imports are done before the clock starts."""
    code = (
        "import time\n"
        "from qiwang.analysis._text_model import load_model\n"
        "t, w = time.process_time(), time.perf_counter()\n"
        "model = load_model(); model.raw_logit(['好'])\n"
        "print(time.process_time() - t, time.perf_counter() - w)\n"
    )
    runs = [
        tuple(
            map(
                float,
                subprocess.run(
                    [sys.executable, "-c", code], capture_output=True, text=True, check=True
                ).stdout.split(),
            )
        )
        for _ in range(5)
    ]
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--profile", type=int, metavar="N", help="only cProfile analyze_many on N comments"
    )
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
    if options.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(analyzer.analyze_many, texts[: options.profile])
        pstats.Stats(profiler).sort_stats("tottime").print_stats(20)
        return 0
    n = len(texts)
    seconds = timed_all(
        {
            "floor": lambda: [cut(t) for t in texts],
            "batch": lambda: analyzer.analyze_many(texts),
            "stream": lambda: sum(1 for _ in analyzer.stream(iter(texts))),
            "emotion": lambda: [text.emotion_level(t) for t in texts],
        },
        options.repeat,
    )
    floor, batch, stream, emotion = (seconds[k] for k in ("floor", "batch", "stream", "emotion"))
    size = model_path().stat().st_size if model_path().is_file() else 0
    print(f"{platform.machine()}, Python {platform.python_version()}, one core, {n:,} comments")
    print(f"mean length {sum(map(len, texts)) / n:.1f} characters; model file {size / 1e6:.2f} MB")
    print("| measure | CPU seconds | comments / s | ratio to jieba alone |")
    print("|---|---:|---:|---:|")
    for name, seconds in (
        ("jieba segmentation alone (floor)", floor),
        ("sentiment + aspects, batch (analyze_many)", batch),
        ("sentiment + aspects, streaming (stream)", stream),
        ("emotion level (emotion_level)", emotion),
    ):
        print(f"| {name} | {seconds:.3f} | {n / seconds:,.0f} | {seconds / floor:.2f}× |")
    load_cpu, load_wall = model_load()
    print(
        f"model load (file → ready to score, fresh process, median of 5): "
        f"CPU {load_cpu:.2f} s, wall {load_wall:.2f} s"
    )
    print(
        f"cold start, CPU (import, load model and dictionary, first comment): {cold_start():.2f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
