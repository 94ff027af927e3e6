"""Counter-based Poisson(1) bootstrap and the portable PLS stage 1 (ADR 0200, issue 18).

What is checked, and against what:

- the weights: Python (``hashlib``) and SQL (``md5`` + inverse-CDF ``CASE``) agree for every
  (seed, key, replicate) on DuckDB, Spark and PostgreSQL, and both agree with an independent
  inverse CDF (``scipy.stats.poisson.ppf`` of the same 52-bit uniform);
- the distribution: a chi-square goodness of fit against the Poisson(1) pmf ``e^-1 / k!`` and
  mean and variance near 1;
- the sums and the intervals: bit-identical (``np.array_equal``, ``==``) on a pandas frame,
  DuckDB (one file, a directory of parts), Spark with 1 and several partitions and after a
  ``repartition`` by a column, PostgreSQL, in row and in bucket mode; the frame replicates
  equal a plain loop written here;
- order and subset invariance (hypothesis);
- the command line: the same JSON text from CSV (pandas) and Parquet ``--engine duckdb``.

Spark runs in the test run's one local session (fixture ``spark`` of ``conftest.py``);
PostgreSQL when ``QIWANG_TEST_POSTGRES_URL`` or a PostgreSQL ``DATABASE_URL`` is set (fixture
``postgres``; in CI a skip fails the run).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from tests.analysis.test_engines import write_parts

from qiwang.analysis import _counter_poisson as cp
from qiwang.analysis import _portable_csi, csi, engines

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
COLUMNS = ["a1", "a2", "a3", "b1", "b2", "b3"]
MODEL = csi.ModelSpec.from_mapping(
    {
        "blocks": {"Quality": ["a1", "a2", "a3"], "Satisfaction": ["b1", "b2", "b3"]},
        "paths": [["Quality", "Satisfaction"]],
        "scale": [1, 10],
    }
)
SEED = 5
RESAMPLES = 25


def ratings_frame(rows: int = 240, seed: int = 18, integer_keys: bool = False) -> pd.DataFrame:
    """Integer ratings 1–10 of two correlated blocks; text keys with Chinese characters and a
    colon (or integer keys, negative and beyond 32 bits), in shuffled order."""
    rng = np.random.default_rng(seed)
    quality = rng.normal(size=rows)
    satisfaction = 0.7 * quality + 0.5 * rng.normal(size=rows)
    data: dict[str, Any] = {}
    order = rng.permutation(rows)
    data["rid"] = (
        (order.astype(np.int64) - 50) * 2**33 + 7 if integer_keys else [f"客户:{i}" for i in order]
    )
    for prefix, latent in (("a", quality), ("b", satisfaction)):
        for j in range(1, 4):
            score = np.rint(5.5 + 2 * latent + rng.normal(size=rows))
            data[f"{prefix}{j}"] = np.clip(score, 1, 10).astype(np.int64)
    return pd.DataFrame(data)


def scipy_weights(seed: int, keys: list[str], resamples: int) -> np.ndarray:
    """Independent reference: the same 52-bit uniform ``u`` (first 13 hex digits of the md5),
    mapped by scipy's Poisson(1) quantile function instead of the module's thresholds. ``u / 2^52``
    is exact in a double; the smallest k with F(k) > q is ppf(q) unless q equals F(k), which a
    52-bit uniform hits with probability ~0."""
    import hashlib

    u = np.array(
        [
            [
                int(hashlib.md5(f"qiwang-poisson1:{seed}:{k}:{b}".encode()).hexdigest()[:13], 16)
                for b in range(resamples)
            ]
            for k in keys
        ],
        dtype=np.float64,
    )
    return stats.poisson.ppf(u / 2.0**52, 1.0).astype(np.int64)


def sql_weights(
    table: engines.StageOneTable, seed: int, resamples: int
) -> dict[tuple[str, int], int]:
    """Each (key, replicate) weight computed by the engine with the module's SQL."""
    md5, weight = cp.weights_sql(seed, "qw_key", "qw_r.qw_b")
    fence = " OFFSET 0" if table.engine == "postgres" else ""
    hashed = (
        f"SELECT qw_key, qw_r.qw_b AS qw_b, {md5} AS qw_m FROM "  # noqa: S608 - generated
        f"(SELECT CAST(rid AS VARCHAR) AS qw_key FROM qiwang_input) AS qw_k "
        f"CROSS JOIN ({cp.replicate_numbers_sql(resamples)}) AS qw_r{fence}"
    )
    rows = table.fetch(f"SELECT qw_key, qw_b, {weight} FROM ({hashed}) AS qw_h")  # noqa: S608
    return {(str(k), int(b)): int(w) for k, b, w in rows}


def sql_buckets(table: engines.StageOneTable, seed: int) -> dict[str, int]:
    bucket = cp.hex_integer_sql("qw_m", cp.BUCKET_DIGITS)
    rows = table.fetch(
        f"SELECT qw_key, {bucket} FROM (SELECT qw_key, {cp.bucket_hash_sql(seed, 'qw_key')} "  # noqa: S608
        "AS qw_m FROM (SELECT CAST(rid AS VARCHAR) AS qw_key FROM qiwang_input) AS qw_k) AS qw_h"
    )
    return {str(k): int(g) for k, g in rows}


def check_weights(table: engines.StageOneTable, frame: pd.DataFrame) -> None:
    keys = _portable_csi.key_texts(frame, "rid")
    python = engines.poisson_weights(SEED, keys, RESAMPLES)
    # expected: scipy's Poisson(1) quantile of the same uniform (independent of THRESHOLDS)
    np.testing.assert_array_equal(python, scipy_weights(SEED, keys, RESAMPLES))
    got = sql_weights(table, SEED, RESAMPLES)
    assert len(got) == len(keys) * RESAMPLES
    for i, key in enumerate(keys):
        assert [got[key, b] for b in range(RESAMPLES)] == python[i].tolist(), key
        assert engines.poisson_weight(SEED, key, 3) == python[i, 3]
    # expected buckets: first three hex digits of hashlib's md5 (cp.bucket_of)
    buckets = sql_buckets(table, SEED)
    assert [buckets[k] for k in keys] == cp.bucket_of(SEED, keys).tolist()


# --- 1. the weights on every engine ---------------------------------------------------------


@pytest.mark.parametrize("integer_keys", [False, True])
def test_sql_weights_on_duckdb_equal_python_and_scipy(tmp_path, integer_keys):
    frame = ratings_frame(rows=60, integer_keys=integer_keys)
    path = tmp_path / "keys.parquet"
    frame.to_parquet(path, index=False)
    check_weights(engines.open_table(path, engine="duckdb"), frame)


def test_sql_weights_on_spark_equal_python(spark):
    frame = ratings_frame(rows=40, integer_keys=True)
    check_weights(engines.open_table(spark.createDataFrame(frame).repartition(3)), frame)
    text = ratings_frame(rows=40)
    check_weights(engines.open_table(spark.createDataFrame(text)), text)


def test_sql_weights_on_postgres_equal_python(postgres):
    for integer_keys in (False, True):
        frame = ratings_frame(rows=40, integer_keys=integer_keys)
        url, name = postgres(frame)
        check_weights(engines.open_table(url, table=name), frame)


def test_weight_case_switches_exactly_at_each_threshold(tmp_path):
    # expected: w = #{k : t_k <= u}, the definition in the module docstring, counted here in Python
    import duckdb

    edges = sorted({v for t in cp.THRESHOLDS for v in (t - 1, t)} | {0, 2**52 - 1})
    sql = cp.weight_case_sql("u")
    rows = duckdb.sql(
        f"SELECT u, {sql} FROM (SELECT unnest({edges}::BIGINT[]) AS u) AS t ORDER BY u"  # noqa: S608
    ).fetchall()
    for u, w in rows:
        assert w == sum(t <= u for t in cp.THRESHOLDS), u


# --- 2. the distribution --------------------------------------------------------------------


def test_thresholds_are_the_ceiling_of_2_to_the_52_times_the_poisson_cdf():
    # expected: t_k = ceil(2^52 F(k)) with e^-1 as exact fractions bracketing it (the alternating
    # series Σ (-1)^j / j! up to j = 40 and 41), independent of the module's Decimal arithmetic
    from fractions import Fraction

    low = sum(Fraction((-1) ** j, math.factorial(j)) for j in range(42))
    high = sum(Fraction((-1) ** j, math.factorial(j)) for j in range(41))
    assert low < high
    for k, t in enumerate(cp.THRESHOLDS):
        partial = sum(Fraction(1, math.factorial(j)) for j in range(k + 1))
        lo, hi = low * partial * 2**52, high * partial * 2**52
        assert math.ceil(lo) == math.ceil(hi) == t, k
    # the next threshold would be 2^52: P(X > 17) < 2^-52 (module docstring)
    assert math.ceil(low * sum(Fraction(1, math.factorial(j)) for j in range(18)) * 2**52) == 2**52
    assert cp.MAX_WEIGHT == 17
    # so P(w = k) = (t_k − t_(k−1)) / 2^52 is the pmf e^-1 / k! (math) to within 2^-52
    t = (0, *cp.THRESHOLDS, 2**52)
    for k in range(len(t) - 1):
        pmf = math.exp(-1) / math.factorial(k)
        assert abs((t[k + 1] - t[k]) / 2**52 - pmf) <= 2.0**-52 + 4e-16 * pmf, k


def test_weights_fit_poisson_one_chi_square_mean_and_variance():
    n = 200_000
    weights = engines.poisson_weights(11, [str(i) for i in range(2_000)], 100).ravel()
    assert weights.size == n
    # expected probabilities: the Poisson(1) pmf e^-1 / k! (math, independent of the module);
    # 0 … 4 and a pooled tail ≥ 5 (expected count of the tail ≈ 730, every cell well above 5)
    pmf = [math.exp(-1) / math.factorial(k) for k in range(5)]
    expected = np.array([*pmf, 1 - sum(pmf)]) * n
    observed = np.array([*(np.sum(weights == k) for k in range(5)), np.sum(weights >= 5)])
    result = stats.chisquare(observed, expected)
    # the seed is fixed, so the test is deterministic; a correct generator fails with p < 1e-3
    # once in a thousand seeds, a wrong one (e.g. an off-by-one threshold) gives p ~ 0
    assert result.pvalue > 1e-3, (observed, expected)
    # mean: SD of the mean of Poisson(1) is 1/sqrt(n) = 0.0022; 5 SD = 0.011
    assert abs(weights.mean() - 1) < 5 / math.sqrt(n)
    # variance: Var(s²) ≈ (μ4 − σ⁴)/n = (4 − 1)/n for Poisson(1) (μ4 = λ(1 + 3λ)); 5 SD = 0.019
    assert abs(weights.var(ddof=1) - 1) < 5 * math.sqrt(3 / n)
    # replicates of one key and keys of one replicate are uncorrelated (|r| < 5/sqrt(pairs))
    grid = weights.reshape(2_000, 100).astype(float)
    r = np.corrcoef(grid[:, :-1].ravel(), grid[:, 1:].ravel())[0, 1]
    assert abs(r) < 5 / math.sqrt(grid[:, 1:].size)


# --- 3. identical sums and intervals on every engine and partitioning -----------------------


def reference_replicates(frame: pd.DataFrame, shift: np.ndarray) -> np.ndarray:
    """Σ_i w_ib z_i z_iᵀ by a plain loop over rows, with the scipy weights above."""
    keys = _portable_csi.key_texts(frame, "rid")
    w = scipy_weights(SEED, keys, RESAMPLES)
    z = np.column_stack([np.ones(len(frame)), frame[COLUMNS].to_numpy(float) - shift])
    ju, ku = np.triu_indices(z.shape[1])
    out = np.zeros((RESAMPLES, ju.size))
    for i in range(len(frame)):
        out += w[i][:, None] * (z[i, ju] * z[i, ku])[None, :]
    return out


def assert_same_sums(got: engines.PortableSums, expected: engines.PortableSums) -> None:
    assert got.method == expected.method
    assert np.array_equal(got.shift, expected.shift)
    assert np.array_equal(got.total, expected.total)
    assert got.replicates is not None and expected.replicates is not None
    assert np.array_equal(got.replicates, expected.replicates)
    if expected.groups is not None:
        assert got.groups is not None
        assert np.array_equal(got.groups, expected.groups)


def test_frame_replicates_equal_a_plain_loop():
    frame = ratings_frame()
    sums = engines.frame_sums(frame, COLUMNS, key="rid", seed=SEED, resamples=RESAMPLES)
    # the shift is a multiple of 2^(floor(log2 9) - 4) = 1/2 near each mean (grid of ADR 0200)
    assert np.all(sums.shift * 2 == np.rint(sums.shift * 2))
    assert np.all(np.abs(sums.shift - frame[COLUMNS].mean().to_numpy()) <= 0.25)
    # expected: the loop above; integer ratings minus half-integers are exact, so ==
    assert np.array_equal(sums.replicates, reference_replicates(frame, sums.shift))
    assert sums.replicates is not None
    assert sums.replicates.shape == (RESAMPLES, 28)


def test_sums_are_bit_identical_on_frame_duckdb_and_spark_of_any_partitioning(tmp_path, spark):
    frame = ratings_frame()
    path = tmp_path / "ratings.parquet"
    frame.to_parquet(path, index=False)
    parts = write_parts(frame, tmp_path / "ratings", 5)
    options: dict[str, Any] = {"key": "rid", "seed": SEED, "resamples": RESAMPLES}
    # expected: the numpy path (hashlib weights, matrix product), itself checked just above
    expected = engines.frame_sums(frame, COLUMNS, **options)
    expected_buckets = engines.frame_sums(frame, COLUMNS, buckets=True, **options)
    assert expected_buckets.method == "buckets"
    data = spark.createDataFrame(frame)
    sources = {
        "duckdb file": engines.open_table(path),
        "duckdb parts": engines.open_table(parts),
        "spark 1 partition": engines.open_table(data.repartition(1)),
        "spark 7 partitions": engines.open_table(data.repartition(7)),
        "spark repartitioned by a1": engines.open_table(data.repartition(3, "a1")),
    }
    for name, table in sources.items():
        got = engines.engine_sums(table, COLUMNS, **options)
        assert got.method == "rows", name
        assert_same_sums(got, expected)
    # bucket mode (forced; the automatic switch is tested below): cheap, one GROUP BY
    for name in ("duckdb parts", "spark 7 partitions"):
        got = engines.engine_sums(sources[name], COLUMNS, buckets=True, **options)
        assert_same_sums(got, expected_buckets)


def test_sums_on_postgres_are_bit_identical_to_the_frame(postgres):
    frame = ratings_frame()
    url, name = postgres(frame)
    table = engines.open_table(url, table=name)
    options: dict[str, Any] = {"key": "rid", "seed": SEED, "resamples": RESAMPLES}
    for buckets in (False, True):
        assert_same_sums(
            engines.engine_sums(table, COLUMNS, buckets=buckets, **options),
            engines.frame_sums(frame, COLUMNS, buckets=buckets, **options),
        )


@pytest.mark.parametrize("missing", ["listwise", "mean"])
def test_integer_keys_and_missing_values_on_duckdb_equal_the_frame(tmp_path, missing):
    frame = ratings_frame(integer_keys=True).astype(dict.fromkeys(COLUMNS, "float64"))
    frame.loc[[3, 50, 51], "a2"] = np.nan
    frame.loc[[50, 120], ["b1", "b2", "b3"]] = np.nan  # row 120 loses a whole block
    path = tmp_path / "holes.parquet"
    frame.to_parquet(path, index=False)
    options: dict[str, Any] = {
        "key": "rid",
        "seed": SEED,
        "resamples": RESAMPLES,
        "missing": missing,
        "blocks": [COLUMNS[:3], COLUMNS[3:]],
    }
    # expected: the numpy path on the same rows (it drops the same rows and their keys)
    expected = engines.frame_sums(frame, COLUMNS, **options)
    got = engines.engine_sums(engines.open_table(path), COLUMNS, **options)
    assert got.rows_dropped == expected.rows_dropped == (4 if missing == "listwise" else 2)
    assert got.values_imputed == expected.values_imputed
    assert np.array_equal(got.shift, expected.shift)
    assert got.replicates is not None and expected.replicates is not None
    if missing == "listwise":  # integer ratings only: exact
        assert np.array_equal(got.replicates, expected.replicates)
    else:  # imputed means are not dyadic: equal to rounding (module docstring, ~1e-15)
        np.testing.assert_allclose(got.replicates, expected.replicates, rtol=1e-13)


def test_bucket_mode_switches_on_above_the_row_budget(tmp_path, monkeypatch):
    frame = ratings_frame(rows=100)
    path = tmp_path / "ratings.parquet"
    frame.to_parquet(path, index=False)
    options: dict[str, Any] = {"key": "rid", "seed": SEED, "resamples": 30}
    # expected: rows × resamples = 3,000 > ROW_BUDGET = 2,999 chooses buckets; 3,000 does not
    monkeypatch.setattr(_portable_csi, "ROW_BUDGET", 2_999)
    assert engines.frame_sums(frame, COLUMNS, **options).method == "buckets"
    assert engines.engine_sums(engines.open_table(path), COLUMNS, **options).method == "buckets"
    monkeypatch.setattr(_portable_csi, "ROW_BUDGET", 3_000)
    assert engines.frame_sums(frame, COLUMNS, **options).method == "rows"
    # bucket totals: each bucket's Σ z zᵀ, so they add up to the total exactly (integer data)
    sums = engines.frame_sums(frame, COLUMNS, buckets=True, **options)
    assert sums.groups is not None
    assert np.array_equal(sums.groups.sum(axis=0), sums.total)


def _json(result: Any) -> str:
    return json.dumps(result.to_dict(), sort_keys=True, default=str)


@pytest.mark.parametrize("interval", ["percentile", "bca"])
def test_bootstrap_intervals_are_identical_on_frame_duckdb_and_spark(tmp_path, spark, interval):
    frame = ratings_frame()
    parts = write_parts(frame, tmp_path / "ratings", 4)
    options: dict[str, Any] = {
        "key": "rid",
        "seed": SEED,
        "resamples": RESAMPLES,
        "interval": interval,
    }
    # expected: the pandas frame; every engine must give the same intervals, to the bit
    expected = engines.bootstrap_portable(frame, MODEL, **options)
    assert expected.valid == RESAMPLES
    assert expected.paths["ci_low"].iloc[0] < expected.paths["ci_high"].iloc[0]
    sources = [engines.open_table(parts)]
    if interval == "percentile":
        data = spark.createDataFrame(frame)
        sources += [
            engines.open_table(data.repartition(1)),
            engines.open_table(data.repartition(6)),
        ]
    for source in sources:
        assert _json(engines.bootstrap_portable(source, MODEL, **options)) == _json(expected)
    # another seed gives other intervals (the seed is used)
    other = engines.bootstrap_portable(frame, MODEL, **{**options, "seed": SEED + 1})
    assert _json(other) != _json(expected)


# --- 4. order and subset invariance ---------------------------------------------------------

KEYS = st.lists(
    st.text(alphabet="ab:0 客户é-", min_size=0, max_size=6), min_size=2, max_size=25, unique=True
)


@settings(max_examples=40, deadline=None)
@given(keys=KEYS, data=st.data())
def test_sums_do_not_depend_on_row_order_or_on_the_other_rows(keys, data):
    ratings = data.draw(
        st.lists(
            st.lists(st.integers(1, 10), min_size=3, max_size=3),
            min_size=len(keys),
            max_size=len(keys),
        )
    )
    frame = pd.DataFrame(ratings, columns=["x", "y", "z"]).assign(rid=keys)
    order = data.draw(st.permutations(range(len(keys))))
    seed = data.draw(st.integers(0, 2**31 - 1))
    options: dict[str, Any] = {"key": "rid", "seed": seed, "resamples": 5}
    # expected: the unshuffled frame; sums of integers minus dyadic shifts are exact in any order
    base = engines.frame_sums(frame, ["x", "y", "z"], **options)
    shuffled = engines.frame_sums(frame.iloc[list(order)], ["x", "y", "z"], **options)
    assert np.array_equal(base.total, shuffled.total)
    assert np.array_equal(base.replicates, shuffled.replicates)
    # expected: a key's weights and bucket computed alone (a pure function of seed, key, b)
    full = engines.poisson_weights(seed, keys, 5)
    subset = data.draw(st.lists(st.sampled_from(range(len(keys))), min_size=1, unique=True))
    part = engines.poisson_weights(seed, [keys[i] for i in subset], 5)
    assert np.array_equal(part, full[subset])
    for i in subset:
        assert [engines.poisson_weight(seed, keys[i], b) for b in range(5)] == full[i].tolist()
    assert cp.bucket_of(seed, [keys[subset[0]]])[0] == cp.bucket_of(seed, keys)[subset[0]]


# --- 5. the command line --------------------------------------------------------------------


@pytest.fixture
def mobi_with_keys(tmp_path) -> tuple[Path, Path]:
    """ECSI ``mobi`` (250 respondents, ratings 1–10; ../shared/data, the data of the csi tests)
    with a text key ``rid``, as CSV and as Parquet."""
    frame = pd.read_csv(SHARED_DATA / "ecsi_mobi.csv", index_col=0)
    frame.insert(0, "rid", [f"r{i:03d}" for i in frame.index])
    csv = tmp_path / "mobi.csv"
    parquet = tmp_path / "mobi.parquet"
    frame.to_csv(csv, index=False)
    frame.to_parquet(parquet, index=False)
    return csv, parquet


@pytest.mark.parametrize("budget", [None, 1])
def test_cli_json_is_the_same_from_csv_and_from_parquet_on_duckdb(
    mobi_with_keys, run_cli, monkeypatch, budget
):
    if budget is not None:  # bucket mode: 250 × 20 > 1
        monkeypatch.setattr(_portable_csi, "ROW_BUDGET", budget)
    csv, parquet = mobi_with_keys
    common = ("--model", "ecsi", "--key", "rid", "--bootstrap", "20", "--seed", "3", "--json")
    # expected: the pandas path on the CSV; the same text, byte for byte, from DuckDB
    code, expected, err = run_cli("analyze", "csi", csv, *common)
    assert code == 0, err
    code, got, err = run_cli("analyze", "csi", parquet, "--engine", "duckdb", *common)
    assert code == 0, err
    assert got == expected
    payload = json.loads(got)
    assert all(p["ci_low"] is not None and p["ci_low"] <= p["ci_high"] for p in payload["paths"])


def test_cli_bootstrap_on_an_engine_without_key_exits_2_naming_key(mobi_with_keys, run_cli):
    _, parquet = mobi_with_keys
    code, out, err = run_cli(
        "analyze", "csi", parquet, "--engine", "duckdb", "--bootstrap", "10", "--seed", "1"
    )
    # expected: the message of csi_command (exit code 2, one line naming --key)
    assert code == 2
    assert out == ""
    assert "--key" in err
    assert "Traceback" not in err
