"""The shared formula guard (``qiwang.exports``): what it neutralises, and that it round-trips."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from qiwang.exports import guard_formula, guard_frame, guard_row, unguard_formula

# OWASP "CSV Injection": cells starting with = + - @ tab or carriage return; full-width forms too.
DANGEROUS = ["=1+1", "+1", "-1+cmd", "@SUM(A1)", "\t=1", "\r=1", "＝1+1", " =1+1", "'=1"]


def test_every_formula_start_is_guarded():
    for text in DANGEROUS:
        assert guard_formula(text) == "'" + text


def test_plain_text_and_typed_values_are_untouched():
    for value in ["翠湖花园", "a=b", "", None, 12, -3.5, True]:
        assert guard_formula(value) == value


@given(st.text())
def test_guard_round_trips_and_never_leaves_a_formula(text):
    guarded = guard_formula(text)
    assert unguard_formula(guarded) == text
    assert not guarded.lstrip(" \u00a0\u3000").startswith(
        ("=", "+", "-", "@", "＝", "＋", "－", "＠")
    )


def test_rows_and_frames():
    assert guard_row(["=x", 1, None]) == ["'=x", 1, None]
    frame = pd.DataFrame({"=head": ["=x", "y"], "n": [-1, 2]})
    guarded = guard_frame(frame)
    assert list(guarded.columns) == ["'=head", "n"]
    assert list(guarded["'=head"]) == ["'=x", "y"]
    assert list(guarded["n"]) == [-1, 2]  # numbers stay numbers (a negative is no formula)
    assert list(frame["=head"]) == ["=x", "y"]  # the input is not changed


def test_the_old_name_is_the_same_function_and_the_module_is_django_free():
    from qiwang.customers.services import io

    assert io.guard_formula is guard_formula
    assert io.unguard_formula is unguard_formula
    code = "import sys, qiwang.exports; print(any(m.startswith('django') for m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
