"""``qiwang analyze satisfaction``: CSAT, NPS and CES of a responses file.

Every expected number is computed here from the definition, not by qiwang:

- CSAT (top-2-box): share of answers in the two highest levels; interval: Wilson score interval
  (Wilson 1927): (p + z²/2n ± z·√(p(1 − p)/n + z²/4n²)) / (1 + z²/n). For 6 of 10 at 95 %, by
  hand: p = 0.6, z² = 3.8415, centre 0.79207 / 1.38415 = 0.57225, half-width
  1.95996 · √(0.024 + 0.0096036) / 1.38415 = 0.25957, so 0.3127–0.8318.
- NPS (Reichheld 2003): 100 · (promoters 9–10 − detractors 0–6) / n. Interval: Tango's score
  interval for a difference of two multinomial proportions (5 promoters, 3 detractors, n = 10):
  −32.955 … 62.824, from the likelihood-based reference in test_bounded_intervals.py (numerical
  restricted maximum likelihood + brentq, not qiwang's closed form). The Wald interval it
  replaced is mean ± z · sd / √n of the +100 / 0 / −100 scores, kept below as a sanity check.
- CES: mean of the 1–7 answers, t interval with the sample standard deviation; t(0.975, 9) =
  2.262 (Student's t table).
"""

from __future__ import annotations

import json
import math
import statistics

import pandas as pd
import pytest
from typer.testing import CliRunner

from qiwang.cli import app

OVERALL = [5, 4, 4, 3, 2, 5, 1, 4, 3, 5]
RECOMMEND = [10, 9, 8, 7, 6, 10, 3, 9, 0, 10]
EFFORT = [7, 6, 5, 5, 4, 7, 2, 6, 3, 6]
BRANCH = ["a", "a", "a", "a", "b", "b", "b", "b", "b", "b"]
Z95 = 1.959963984540054  # the 97.5 % quantile of the standard normal distribution


@pytest.fixture
def responses(tmp_path):
    path = tmp_path / "responses.csv"
    pd.DataFrame(
        {"overall": OVERALL, "recommend": RECOMMEND, "effort": EFFORT, "branch": BRANCH}
    ).to_csv(path, index=False)
    return path


def _run(*arguments):
    return CliRunner().invoke(app, ["analyze", "satisfaction", *map(str, arguments)])


def _nps_by_definition(answers):
    scores = [100 if a >= 9 else (-100 if a <= 6 else 0) for a in answers]
    mean = statistics.fmean(scores)
    half = Z95 * statistics.pstdev(scores) / math.sqrt(len(scores))
    return mean, mean - half, mean + half


@pytest.mark.parametrize("engine", [[], ["--engine", "duckdb"]], ids=["pandas", "duckdb"])
def test_csat_nps_and_ces_equal_their_definitions(responses, engine):
    result = _run(
        responses, "--csat", "overall", "--nps", "recommend", "--ces", "effort", "--json", *engine
    )

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report) == {"file", "confidence", "levels", "csat", "nps", "ces"}
    [csat] = report["csat"]
    assert (csat["question"], csat["n"], csat["top_two"]) == ("overall", 10, 6)
    assert csat["counts"] == [1, 1, 2, 3, 3]
    assert csat["csat"] == pytest.approx(6 / 10)
    assert (csat["low"], csat["high"]) == (
        pytest.approx(0.3127, abs=5e-5),
        pytest.approx(0.8318, abs=5e-5),
    )
    # mean on 0–100: 100 · (level − 1) / 4, averaged
    assert csat["mean_score"] == pytest.approx(statistics.fmean(25 * (v - 1) for v in OVERALL))
    [nps] = report["nps"]
    assert (nps["promoters"], nps["passives"], nps["detractors"]) == (5, 2, 3)
    score, low, high = _nps_by_definition(RECOMMEND)
    assert nps["nps"] == pytest.approx(20.0) == pytest.approx(score)
    assert (nps["low"], nps["high"]) == (
        pytest.approx(-32.955, abs=1e-3),
        pytest.approx(62.824, abs=1e-3),
    )
    # the score interval is pulled towards 0 and narrower at the far end than Wald's
    assert low < nps["low"] and nps["high"] < high
    [ces] = report["ces"]
    assert ces["mean"] == pytest.approx(5.1)
    assert ces["std"] == pytest.approx(statistics.stdev(EFFORT))
    half = 2.262 * statistics.stdev(EFFORT) / math.sqrt(10)
    assert ces["low"] == pytest.approx(5.1 - half, abs=1e-3)
    assert ces["high"] == pytest.approx(5.1 + half, abs=1e-3)
    assert ces["share_easy"] == pytest.approx(7 / 10)  # answers 5, 6 or 7 of 7


def test_segments_and_labels(tmp_path):
    path = tmp_path / "labels.csv"
    pd.DataFrame(
        {"overall": ["很满意", "满意", "一般", "不满意"], "branch": ["a", "a", "b", "b"]}
    ).to_csv(path, index=False)

    result = _run(path, "--csat", "overall", "--segment", "branch", "--json")

    assert result.exit_code == 0, result.output
    by_segment = {item["segment"]: item for item in json.loads(result.stdout)["csat"]}
    assert {k: (v["n"], v["top_two"]) for k, v in by_segment.items()} == {
        "a": (2, 2),
        "b": (2, 0),
    }


def test_nps_per_segment_matches_the_definition(responses):
    result = _run(responses, "--nps", "recommend", "--segment", "branch", "--json")

    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["nps"]
    for row in rows:
        answers = [r for r, b in zip(RECOMMEND, BRANCH, strict=True) if b == row["segment"]]
        assert row["nps"] == pytest.approx(_nps_by_definition(answers)[0])
    assert [row["segment"] for row in rows] == ["a", "b"]


def test_the_table_shows_the_indices(responses):
    result = _run(responses, "--csat", "overall", "--nps", "recommend", "--ces", "effort")

    assert result.exit_code == 0, result.output
    assert "60.0%" in result.stdout and "20.0" in result.stdout and "5.10" in result.stdout
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ([], "--csat, --nps or --ces"),
        (["--csat", "overall", "--levels", "6"], "--levels"),
        (["--nps", "overall,branch"], "'a' is not a number"),
        (["--csat", "missing"], "missing"),
        (["--nps", "recommend", "--engine", "spark"], "--engine"),
    ],
)
def test_bad_input_exits_2_with_one_message_on_standard_error(responses, arguments, message):
    plain = _run(responses, *arguments)
    as_json = _run(responses, *arguments, "--json")

    assert plain.exit_code == 2 and plain.stdout == ""
    assert message in plain.stderr and "Traceback" not in plain.stderr
    assert as_json.exit_code == 2 and as_json.stdout == ""
    assert json.loads(as_json.stderr)["code"] == 2


def test_an_nps_answer_outside_0_to_10_names_its_row(tmp_path):
    path = tmp_path / "bad.csv"
    pd.DataFrame({"recommend": [9, 11]}).to_csv(path, index=False)

    result = _run(path, "--nps", "recommend")

    assert result.exit_code == 2
    assert "row 2" in result.stderr and "0–10" in result.stderr
