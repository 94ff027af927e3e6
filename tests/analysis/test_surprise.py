"""The surprise scheduler and the habituation measure: every rule, for any input and seed."""

from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qiwang.analysis import AnalysisInputError
from qiwang.analysis.surprise import habituation, interval_cv, plan_surprises

# --------------------------------------------------------------------------------------------
# an independent checker of the rules (plain dates, no numpy masks)
# --------------------------------------------------------------------------------------------


def _year_later(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def _same_date(a: dt.date, b: dt.date, window: int) -> bool:
    first, second = sorted((a, b))
    return abs((second - _year_later(first)).days) <= window


def _cv(days: list[dt.date]) -> float:
    intervals = [(b - a).days for a, b in zip(days, days[1:], strict=False)]
    mean = sum(intervals) / len(intervals)
    if mean == 0:
        return 0.0
    return math.sqrt(sum((x - mean) ** 2 for x in intervals) / len(intervals)) / mean


def _allowed(day, own, planned_days, rules) -> bool:
    """Could ``day`` be added to a customer holding ``own`` (sorted dates) under the rules?"""
    if any(abs((day - other).days) < rules["min_gap_days"] for other in own):
        return False
    if sum(other.year == day.year for other in own) >= rules["max_per_year"]:
        return False
    if any(_same_date(day, other, rules["same_date_window_days"]) for other in own):
        return False
    return _regular_free(sorted([*own, day]), {*planned_days, day}, rules)


def _regular_free(sequence, planned, rules) -> bool:
    recent = rules["recent_deliveries"]
    for end, day in enumerate(sequence):
        if day not in planned:
            continue
        window = sequence[max(0, end - recent + 1) : end + 1]
        if len(window) >= 3 and _cv(window) <= rules["cv_threshold"]:
            return False
    return True


def _check_plan(plan, customers: dict[str, str], history: list[tuple[str, dt.date]]) -> None:
    rules = plan.rules
    own_history: dict[str, list[dt.date]] = {}
    for customer, day in history:
        if customer in customers:
            own_history.setdefault(customer, []).append(day)
    planned: dict[str, list[dt.date]] = {}
    for customer, day in plan.deliveries:
        assert customer in customers
        assert plan.start <= day <= plan.end
        planned.setdefault(customer, []).append(day)
    # budget
    assert len(plan.deliveries) <= plan.max_deliveries == math.floor(plan.budget / plan.cost)
    assert plan.spent == pytest.approx(plan.cost * len(plan.deliveries))
    assert plan.spent <= plan.budget + 1e-9
    for customer, days in planned.items():
        past = own_history.get(customer, [])
        everything = sorted(past + days)
        for index, day in enumerate(days):
            others = [other for other in everything if other != day] + [
                other for other in days[:index] + days[index + 1 :] if other == day
            ]
            # gap, including history
            assert all(abs((day - other).days) >= rules["min_gap_days"] for other in others)
            # same calendar date a year apart, including history
            assert not any(
                _same_date(day, other, rules["same_date_window_days"]) for other in others
            )
        # yearly cap, including history
        for year in {day.year for day in days}:
            assert sum(other.year == year for other in everything) <= rules["max_per_year"]
        # no regular pattern ends at a planned delivery
        assert _regular_free(everything, set(days), rules)
    # fair share by segment size, unless the segment is saturated
    sizes: dict[str, int] = {}
    for segment in customers.values():
        sizes[segment] = sizes.get(segment, 0) + 1
    by_segment = plan.by_segment
    assert sum(by_segment.values()) == len(plan.deliveries)
    for segment, size in sizes.items():
        fair = math.floor(plan.max_deliveries * size / len(customers))
        if by_segment[segment] < fair:
            _assert_saturated(segment, customers, own_history, planned, plan)
    if len(plan.deliveries) < plan.max_deliveries:
        for segment in sizes:
            _assert_saturated(segment, customers, own_history, planned, plan)
    # left out: exactly the customers with nothing
    assert {customer for customer, _ in plan.left_out} == set(customers) - set(planned)


def _assert_saturated(segment, customers, own_history, planned, plan) -> None:
    days = [plan.start + dt.timedelta(days=k) for k in range((plan.end - plan.start).days + 1)]
    for customer, its_segment in customers.items():
        if its_segment != segment:
            continue
        own = sorted(own_history.get(customer, []) + planned.get(customer, []))
        mine = planned.get(customer, [])
        assert not any(_allowed(day, own, mine, plan.rules) for day in days), customer


# --------------------------------------------------------------------------------------------
# hypothesis: no rule is ever violated
# --------------------------------------------------------------------------------------------


@st.composite
def scenarios(draw):
    count = draw(st.integers(1, 10))
    customers = {
        f"{index:03d}": draw(st.sampled_from(["gold", "silver", "basic"])) for index in range(count)
    }
    start = dt.date(2023, 1, 1) + dt.timedelta(days=draw(st.integers(0, 1200)))
    length = draw(st.integers(0, 700))
    history = [
        (
            draw(st.sampled_from(sorted(customers) + ["999"])),
            start + dt.timedelta(days=draw(st.integers(-800, length + 30))),
        )
        for _ in range(draw(st.integers(0, 15)))
    ]
    cost = draw(st.integers(1, 50))
    options = {
        "budget": cost * draw(st.integers(1, 30)) + draw(st.integers(0, cost - 1)),
        "cost": cost,
        "start": start,
        "end": start + dt.timedelta(days=length),
        "min_gap_days": draw(st.integers(1, 200)),
        "max_per_year": draw(st.integers(1, 5)),
        "seed": draw(st.integers(0, 2**32 - 1)),
        "same_date_window_days": draw(st.integers(0, 30)),
        "cv_threshold": draw(st.sampled_from([0.0, 0.2, 0.5])),
        "recent_deliveries": draw(st.integers(3, 6)),
    }
    return customers, history, options


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=False
)
@given(scenario=scenarios())
def test_plan_never_violates_a_rule(scenario):
    customers, history, options = scenario
    plan = plan_surprises(customers, history=history or None, **options)
    _check_plan(plan, customers, history)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=scenarios())
def test_same_seed_same_plan_whatever_the_row_order(scenario):
    customers, history, options = scenario
    first = plan_surprises(customers, history=history or None, **options)
    reordered = dict(reversed(list(customers.items())))
    second = plan_surprises(reordered, history=list(reversed(history)) or None, **options)
    assert first == second


def test_another_seed_gives_another_plan():
    customers = {f"{index:03d}": "all" for index in range(50)}
    options = {
        "budget": 5000,
        "cost": 100,
        "start": "2026-01-01",
        "end": "2026-12-31",
        "min_gap_days": 60,
    }
    first = plan_surprises(customers, max_per_year=2, seed=1, **options)
    second = plan_surprises(customers, max_per_year=2, seed=2, **options)
    assert first.deliveries != second.deliveries
    assert len(first.deliveries) == len(second.deliveries) == 50


def test_birthday_book_customer_gets_nothing_near_the_old_date():
    # given a customer who received a book on 15 March two years running (seed 000's example)
    history = [("007", dt.date(2024, 3, 15)), ("007", dt.date(2025, 3, 14))]
    # when the budget would allow several surprises for them alone in 2026
    plans = [
        plan_surprises(
            {"007": "gold"},
            budget=1000,
            cost=100,
            start="2026-01-01",
            end="2026-12-31",
            min_gap_days=30,
            max_per_year=6,
            seed=seed,
            history=history,
        )
        for seed in range(30)
    ]
    # then no plan puts a surprise from 28 February to 28 March 2026 (14 March ± 14 days)
    for plan in plans:
        for _, day in plan.deliveries:
            assert not dt.date(2026, 2, 28) <= day <= dt.date(2026, 3, 28)
    # and the habituation measure flags them for the same-date repeat
    result = habituation(history)
    assert result.habituated == ("007",)
    assert result.frame.loc[0, "same_date_repeats"] == 1


def test_fair_share_by_segment_size():
    # given 30 gold and 10 silver customers and 8 deliveries: shares 6 and 2
    customers = {f"g{index:02d}": "gold" for index in range(30)}
    customers.update({f"s{index:02d}": "silver" for index in range(10)})
    plan = plan_surprises(
        customers,
        budget=800,
        cost=100,
        start="2026-01-01",
        end="2026-06-30",
        min_gap_days=30,
        max_per_year=1,
        seed=3,
    )
    assert plan.by_segment == {"gold": 6, "silver": 2}
    assert [share.fair_share for share in plan.segments] == [6.0, 2.0]
    # and no customer gets two while another of the segment has none
    assert len({customer for customer, _ in plan.deliveries}) == 8
    assert plan.spent == 800.0


def test_saturated_segment_gives_its_share_to_the_others():
    # given one silver customer who already had the yearly maximum
    customers = {"s1": "silver", "g1": "gold", "g2": "gold"}
    history = [("s1", dt.date(2026, 1, 5))]
    plan = plan_surprises(
        customers,
        budget=300,
        cost=100,
        start="2026-02-01",
        end="2026-12-31",
        min_gap_days=60,
        max_per_year=1,
        seed=5,
        history=history,
    )
    assert plan.by_segment == {"gold": 2, "silver": 0}
    assert plan.left_out == (("s1", "max_per_year"),)
    assert [notice.code for notice in plan.notices] == ["budget_not_spent", "left_out_max_per_year"]


def test_budget_is_counted_in_decimals():
    # 0.3 / 0.1 is 2.9999999999999996 in binary floating point, but three deliveries
    plan = plan_surprises(
        ["a", "b", "c"],
        budget="0.3",
        cost=0.1,
        start="2026-01-01",
        end="2026-01-31",
        min_gap_days=1,
        max_per_year=1,
        seed=0,
    )
    assert plan.max_deliveries == 3
    assert len(plan.deliveries) == 3


def test_left_out_for_budget_when_the_money_runs_out():
    plan = plan_surprises(
        {f"c{index}": "all" for index in range(5)},
        budget=250,
        cost=100,
        start="2026-01-01",
        end="2026-12-31",
        min_gap_days=30,
        max_per_year=1,
        seed=9,
    )
    assert len(plan.deliveries) == 2
    assert sorted(reason for _, reason in plan.left_out) == ["budget"] * 3
    assert plan.spent == 200.0


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"start": "2026-02-01", "end": "2026-01-01"}, "start date 2026-02-01 is after"),
        ({"cost": 0}, "cost per delivery must be positive"),
        ({"cost": -5}, "cost per delivery must be positive"),
        ({"budget": 50}, "budget 50 cannot buy one delivery at a cost of 100"),
        ({"budget": "lots"}, "budget 'lots' is not an amount"),
        ({"budget": float("nan")}, "not a finite amount"),
        ({"start": "01/02/2026"}, "start date '01/02/2026' is not a date"),
        ({"min_gap_days": 0}, "min_gap_days 0"),
        ({"max_per_year": -1}, "max_per_year -1"),
        ({"seed": -1}, "seed -1"),
        ({"same_date_window_days": 400}, "same_date_window_days 400"),
    ],
)
def test_plan_rejects_contradicting_inputs(options, message):
    arguments = {
        "budget": 1000,
        "cost": 100,
        "start": "2026-01-01",
        "end": "2026-12-31",
        "min_gap_days": 30,
        "max_per_year": 2,
        "seed": 1,
    }
    arguments.update(options)
    with pytest.raises(AnalysisInputError, match=message):
        plan_surprises({"a": "x"}, **arguments)


def test_plan_rejects_a_customer_listed_twice():
    frame = pd.DataFrame({"customer": ["007", "008", "007"], "segment": ["a", "a", "b"]})
    with pytest.raises(AnalysisInputError, match="customer '007' is listed more than once"):
        plan_surprises(
            frame,
            budget=100,
            cost=100,
            start="2026-01-01",
            end="2026-01-02",
            min_gap_days=1,
            max_per_year=1,
            seed=1,
        )


# --------------------------------------------------------------------------------------------
# habituation
# --------------------------------------------------------------------------------------------


def test_interval_cv_by_hand():
    # intervals 100 and 150: mean 125, population sd 25 → 0.2
    assert interval_cv([0, 100, 250]) == pytest.approx(0.2)
    assert interval_cv([0, 100]) is None
    assert interval_cv([5, 5, 5]) == 0.0


def test_habituation_regular_intervals_and_threshold_edge():
    start = dt.date(2024, 1, 1)
    history = [("clock", start + dt.timedelta(days=days)) for days in (0, 90, 180, 270)]
    history += [("edge", start + dt.timedelta(days=days)) for days in (0, 100, 250)]
    history += [("random", start + dt.timedelta(days=days)) for days in (0, 20, 200)]
    result = habituation(history)
    frame = result.frame.set_index("customer")
    assert frame.loc["clock", "interval_cv"] == 0.0
    assert frame.loc["clock", "next_expected"] == start + dt.timedelta(days=360)
    assert frame.loc["edge", "interval_cv"] == pytest.approx(0.2)  # at the threshold: regular
    assert bool(frame.loc["edge", "is_regular"]) is True
    assert frame.loc["random", "interval_cv"] == pytest.approx(160 / 200)  # intervals 20 and 180
    assert result.habituated == ("clock", "edge")


def test_habituation_looks_at_recent_deliveries_only():
    # given four irregular old deliveries, then five every 60 days: with recent_deliveries=4
    # only the regular tail counts, with 9 the whole irregular history does
    days = [0, 7, 100, 130, 420, 480, 540, 600, 660]  # no two a year ± 14 days apart
    history = [("c", dt.date(2020, 1, 1) + dt.timedelta(days=day)) for day in days]
    assert habituation(history, recent_deliveries=4).habituated == ("c",)
    assert habituation(history, recent_deliveries=9).habituated == ()


def test_habituation_same_date_window_and_leap_day():
    # 29 February 2024 → its date a year later is 28 February 2025
    history = [("leap", dt.date(2024, 2, 29)), ("leap", dt.date(2025, 3, 14))]
    history += [("late", dt.date(2024, 2, 29)), ("late", dt.date(2025, 3, 15))]
    frame = habituation(history).frame.set_index("customer")
    assert frame.loc["leap", "same_date_repeats"] == 1  # 14 days after 28 February
    assert frame.loc["late", "same_date_repeats"] == 0  # 15 days after


@settings(max_examples=50, deadline=None)
@given(
    history=st.lists(
        st.tuples(st.sampled_from(["a", "b", "c"]), st.integers(0, 1500)), min_size=1, max_size=40
    ),
    recent=st.integers(3, 7),
    window=st.integers(0, 30),
)
def test_habituation_equals_a_loop_over_customers(history, recent, window):
    base = dt.date(2022, 1, 1)
    pairs = [(customer, base + dt.timedelta(days=day)) for customer, day in history]
    frame = habituation(pairs, recent_deliveries=recent, same_date_window_days=window).frame
    for customer, row in frame.set_index("customer").iterrows():
        days = sorted(day for who, day in pairs if who == customer)
        tail = days[-recent:]
        expected_cv = _cv(tail) if len(tail) >= 3 else None
        if expected_cv is None:
            assert np.isnan(row["interval_cv"])
        else:
            assert row["interval_cv"] == pytest.approx(expected_cv)
        repeats = sum(
            1
            for i, a in enumerate(days)
            for j, b in enumerate(days)
            if i != j and a <= b and abs((b - _year_later(a)).days) <= window
        )
        assert row["same_date_repeats"] == repeats
        assert bool(row["is_habituated"]) == (
            (expected_cv is not None and expected_cv <= 0.2) or repeats > 0
        )


def test_habituation_rejects_bad_history():
    with pytest.raises(AnalysisInputError, match="'yesterday' is not a date"):
        habituation(pd.DataFrame({"customer": ["a"], "date": ["yesterday"]}))
    with pytest.raises(AnalysisInputError, match="missing column 'date'"):
        habituation(pd.DataFrame({"customer": ["a"], "day": ["2024-01-01"]}))


# --------------------------------------------------------------------------------------------
# the command
# --------------------------------------------------------------------------------------------

PLAN_ARGS = [
    "--budget",
    "6000",
    "--cost",
    "150",
    "--start",
    "2026-01-01",
    "--end",
    "2026-12-31",
    "--min-gap-days",
    "90",
    "--max-per-year",
    "2",
    "--seed",
    "7",
]


def test_surprise_plan_command_json_contract(run_cli_json, examples):
    payload = run_cli_json(
        "analyze",
        "surprise-plan",
        examples / "surprise_customers.csv",
        *PLAN_ARGS,
        "--history",
        examples / "surprise_history.csv",
    )
    customers = pd.read_csv(examples / "surprise_customers.csv", dtype=str)
    history = pd.read_csv(examples / "surprise_history.csv", dtype=str)
    assert len(payload["deliveries"]) == 40 == 6000 // 150
    for delivery in payload["deliveries"]:
        assert set(delivery) == {"customer", "date"}
        assert delivery["customer"] in set(customers["customer"])
        dt.date.fromisoformat(delivery["date"])
    assert payload["deliveries"][0]["customer"].startswith("0")  # ids keep their zeros
    assert payload["spent"] == 6000 and payload["budget"] == 6000
    assert sum(payload["by_segment"].values()) == 40
    assert "007" in payload["habituated"]
    assert payload["habituated"] == list(habituation(history).habituated)
    plan = plan_surprises(
        customers,
        budget=6000,
        cost=150,
        start="2026-01-01",
        end="2026-12-31",
        min_gap_days=90,
        max_per_year=2,
        seed=7,
        history=history,
    )
    _check_plan(
        plan,
        dict(zip(customers["customer"], customers["segment"], strict=True)),
        [(c, dt.date.fromisoformat(d)) for c, d in zip(history["customer"], history["date"])],
    )
    assert payload["deliveries"] == plan.to_dict()["deliveries"]


def test_surprise_plan_command_reads_xlsx_with_text_ids(run_cli_json, tmp_path):
    frame = pd.DataFrame({"customer": ["007", "010"], "segment": ["gold", "gold"]})
    frame.to_excel(tmp_path / "customers.xlsx", index=False)
    payload = run_cli_json("analyze", "surprise-plan", tmp_path / "customers.xlsx", *PLAN_ARGS)
    assert sorted(item["customer"] for item in payload["deliveries"]) == [
        "007",
        "007",
        "010",
        "010",
    ]
    assert "habituated" not in payload


def test_surprise_plan_command_table(run_cli, examples):
    code, out, _ = run_cli(
        "analyze", "surprise-plan", examples / "surprise_customers.csv", *PLAN_ARGS
    )
    assert code == 0
    assert "40 surprises from 2026-01-01 to 2026-12-31" in out
    assert "Surprises per month and segment" in out


@pytest.mark.parametrize(
    ("customers", "history", "options", "message"),
    [
        ("customer\n007\n", None, [], "column 'segment': missing column"),
        (
            "customer,segment\n007,gold\n",
            "customer,date\n007,15/03/2024\n",
            [],
            "row 1, column 'date': '15/03/2024' is not a date",
        ),
        (
            "customer,segment\n007,gold\n",
            "customer,day\n007,2024-03-15\n",
            [],
            "column 'date': missing column",
        ),
        (
            "customer,segment\n007,gold\n",
            None,
            ["--budget", "100"],
            "budget 100 cannot buy one delivery at a cost of 150",
        ),
        (
            "customer,segment\n007,gold\n",
            None,
            ["--start", "2026-13-01"],
            "start date '2026-13-01' is not a date",
        ),
        ("customer,segment\n007,gold\n", None, ["--end", "2025-01-01"], "is after the end date"),
        ("customer,segment\n007,gold\n", None, ["--cost", "-1"], "must be positive"),
        (
            "customer,segment\n007,gold\n,silver\n",
            None,
            [],
            "row 2, column 'customer': an empty cell",
        ),
    ],
)
def test_surprise_plan_command_bad_input(run_cli, tmp_path, customers, history, options, message):
    (tmp_path / "customers.csv").write_text(customers, encoding="utf-8")
    args = ["analyze", "surprise-plan", tmp_path / "customers.csv", *PLAN_ARGS, *options]
    if history is not None:
        (tmp_path / "history.csv").write_text(history, encoding="utf-8")
        args += ["--history", tmp_path / "history.csv"]
    code, out, err = run_cli(*args)
    assert code == 2, err
    assert out == ""
    assert message in " ".join(err.split())
    assert "Traceback" not in err


def test_surprise_plan_command_missing_file(run_cli, tmp_path):
    code, out, err = run_cli("analyze", "surprise-plan", tmp_path / "none.csv", *PLAN_ARGS)
    assert (code, out) == (2, "")
    assert "no such file" in err
    json.dumps(err)
