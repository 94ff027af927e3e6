"""Poisson(1) bootstrap weights from a counter-based generator, the same on every engine.

The weight of row ``key`` in replicate ``b`` under seed ``s`` is a pure function of the three:

1. ``h = md5("qiwang-poisson1:" ‖ s ‖ ":" ‖ key ‖ ":" ‖ b)`` as lower-case hexadecimal (MD5,
   RFC 1321; ``md5()`` in DuckDB, PostgreSQL and Spark SQL, ``hashlib.md5`` in Python — all hash
   the UTF-8 bytes of the text and print the digest the same way);
2. ``u`` = the first 13 hexadecimal digits of ``h`` as an integer, uniform on ``[0, 2^52)``
   (hex digits are read with ``strpos('0123456789abcdef', digit) - 1``, which sqlglot writes as
   ``POSITION … IN`` for PostgreSQL and ``LOCATE`` for Spark: integer arithmetic only, no
   engine-specific hex conversion, no 64-bit overflow);
3. ``w = #{k : u ≥ t_k}`` with ``t_k = ⌈2^52 · F(k)⌉`` and ``F`` the Poisson(1) distribution
   function ``F(k) = e^-1 Σ_{j≤k} 1/j!`` — inverse-CDF sampling. The thresholds are computed
   once with 60-digit decimal arithmetic, so ``P(w = k) = (t_k − t_{k−1}) / 2^52`` equals the
   Poisson(1) probability ``e^-1 / k!`` to within 2^-52; the largest weight is 17
   (``P(X > 17) < 2^-52``).

Because nothing depends on where a row sits — which file, which partition, which executor, in
what order — the replicates are the same on DuckDB, PostgreSQL, Spark with any number of
partitions and the numpy path here. The key must be an integer or a text column: its text form
(``CAST(key AS VARCHAR)``) is then the same on every engine. Rows sharing a key share their
weights (they are resampled together: a cluster bootstrap by key).

For large data the weights apply to buckets (ADR 0010): bucket ``g`` of a row is the first three
hexadecimal digits of ``md5("qiwang-bucket:" ‖ s ‖ ":" ‖ key)`` (4,096 buckets), computed in the
engine; the bucket totals get the weights of the key ``"#g"``.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from decimal import Decimal, localcontext

import numpy as np
import numpy.typing as npt

DIGITS = 13
"""Hex digits of the hash read as the uniform integer (52 bits)."""
BUCKET_DIGITS = 3
"""Hex digits of the bucket hash: 16**3 = 4,096 buckets."""
BUCKETS = 16**BUCKET_DIGITS
HEX = "0123456789abcdef"


def _thresholds() -> tuple[int, ...]:
    with localcontext() as context:
        context.prec = 60
        e = Decimal(-1).exp()
        total, term, out = Decimal(0), Decimal(1), []
        for k in range(40):
            if k:
                term /= k
            total += e * term
            t = math.ceil(total * (2**52))
            if t >= 2**52:
                break
            out.append(t)
    return tuple(out)


THRESHOLDS: tuple[int, ...] = _thresholds()
"""``t_k = ⌈2^52 F(k)⌉`` for k = 0 … 16; a uniform ``u`` gives ``w = #{k : u ≥ t_k}``."""
MAX_WEIGHT = len(THRESHOLDS)


def hash_text(seed: int, key: str, replicate: int) -> str:
    """The text whose MD5 gives the weight of ``key`` in ``replicate`` under ``seed``."""
    return f"qiwang-poisson1:{seed}:{key}:{replicate}"


def poisson_weight(seed: int, key: str, replicate: int) -> int:
    """One weight, computed as every engine computes it (the reference implementation)."""
    digest = hashlib.md5(hash_text(seed, key, replicate).encode(), usedforsecurity=False)
    u = int(digest.hexdigest()[:DIGITS], 16)
    return int(np.searchsorted(np.asarray(THRESHOLDS, dtype=np.int64), u, side="right"))


def poisson_weights(seed: int, keys: Sequence[str], resamples: int) -> npt.NDArray[np.uint8]:
    """``(len(keys), resamples)`` weights for text keys (numpy path; hashlib per cell)."""
    thresholds = np.asarray(THRESHOLDS, dtype=np.int64)
    u = np.empty((len(keys), resamples), dtype=np.int64)
    md5 = hashlib.md5
    for i, key in enumerate(keys):
        head = f"qiwang-poisson1:{seed}:{key}:"
        u[i] = [
            int(md5(f"{head}{b}".encode(), usedforsecurity=False).hexdigest()[:DIGITS], 16)
            for b in range(resamples)
        ]
    return np.searchsorted(thresholds, u, side="right").astype(np.uint8)


def bucket_of(seed: int, keys: Sequence[str]) -> npt.NDArray[np.intp]:
    """The bucket (0 … 4,095) of each key under ``seed`` (numpy path)."""
    md5 = hashlib.md5
    return np.array(
        [
            int(
                md5(f"qiwang-bucket:{seed}:{key}".encode(), usedforsecurity=False).hexdigest()[:3],
                16,
            )
            for key in keys
        ],
        dtype=np.intp,
    )


def bucket_weights(seed: int, resamples: int) -> npt.NDArray[np.uint8]:
    """``(BUCKETS, resamples)`` weights of the buckets (the keys ``"#0"`` … ``"#4095"``)."""
    return poisson_weights(seed, [f"#{g}" for g in range(BUCKETS)], resamples)


# --------------------------------------------------------------------------------------------
# The same in SQL (DuckDB dialect; transpiled by sqlglot for PostgreSQL and Spark)


def hex_integer_sql(text: str, digits: int) -> str:
    """SQL integer value of the first ``digits`` hex digits of the lower-case hex ``text``.

    Each digit is a BIGINT before it is multiplied: Spark (ANSI mode) and PostgreSQL refuse
    the 32-bit overflow of ``15 * 16^7``.
    """
    terms = [
        f"CAST(strpos('{HEX}', substr({text}, {i + 1}, 1)) - 1 AS BIGINT) * {16 ** (digits - 1 - i)}"
        for i in range(digits)
    ]
    return "(" + " + ".join(terms) + ")"


def weight_case_sql(u: str) -> str:
    """SQL ``CASE`` mapping the uniform integer ``u`` to its Poisson(1) weight."""
    whens = " ".join(f"WHEN {u} < {t} THEN {k}" for k, t in enumerate(THRESHOLDS))
    return f"CASE {whens} ELSE {MAX_WEIGHT} END"


def replicate_numbers_sql(resamples: int) -> str:
    """A portable table ``(qw_b)`` of 0 … resamples − 1 (cross joins of a digits table)."""
    if resamples < 1:
        raise ValueError("resamples must be positive")
    places = max(1, len(str(resamples - 1)))
    digits = " UNION ALL ".join(f"SELECT {d} AS qw_d" for d in range(10))
    tables = ", ".join(f"({digits}) AS qw_p{i}" for i in range(places))
    number = " + ".join(f"qw_p{i}.qw_d * {10**i}" for i in range(places))
    return (
        f"SELECT qw_b FROM (SELECT {number} AS qw_b FROM {tables}) AS qw_n WHERE qw_b < {resamples}"  # noqa: S608
    )


def hash_sql(prefix: str, *parts: str) -> str:
    """``md5('prefix' || part1 || ':' || part2 …)`` in SQL (parts are SQL text expressions)."""
    joined = " || ':' || ".join(parts)
    return f"md5('{prefix}' || {joined})"


def weights_sql(seed: int, key: str, replicate: str) -> tuple[str, str]:
    """(md5 expression, weight expression over a column ``qw_m`` holding that md5)."""
    md5 = hash_sql(f"qiwang-poisson1:{int(seed)}:", key, f"CAST({replicate} AS VARCHAR)")
    return md5, weight_case_sql(hex_integer_sql("qw_m", DIGITS))


def bucket_hash_sql(seed: int, key: str) -> str:
    """SQL md5 whose first three hex digits are the bucket (0 … 4,095) of the row key ``key``."""
    return hash_sql(f"qiwang-bucket:{int(seed)}:", key)
