"""Reply coaching: the phrases complaint training forbids, their variants, no false flags, the CLI.

The forbidden phrases and the 同时-for-但是 advice are those of the complaint-handling course the
product follows (docs/complaints.md, "Reply coaching").
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from qiwang.analysis import AnalysisInputError
from qiwang.analysis.reply import DEFAULT_RULES, ReplyRule, check_reply
from qiwang.cli import app


def rules_of(text: str) -> list[tuple[str, str]]:
    return [(flag.rule, flag.text) for flag in check_reply(text).flags]


@pytest.mark.parametrize(
    ("reply", "rule", "span"),
    [
        ("你可能不明白我们的规定", "forbidden.you_may_not_understand", "你可能不明白"),
        ("您可能不太明白", "forbidden.you_may_not_understand", "您可能不太明白"),
        ("您其实不清楚情况", "forbidden.you_may_not_understand", "您其实不清楚"),
        ("你肯定弄混了", "forbidden.you_are_confused", "你肯定弄混了"),
        ("您一定是搞混了吧", "forbidden.you_are_confused", "您一定是搞混了"),
        ("你应该先交费", "forbidden.you_should", "你应该"),
        ("您们本来就应当提前报修", "forbidden.you_should", "您们本来就应当"),
        ("你弄错了", "forbidden.you_are_wrong", "你弄错了"),
        ("您肯定是记错了", "forbidden.you_are_wrong", "您肯定是记错了"),
        ("这不可能的", "forbidden.impossible", "这不可能的"),
        ("这是不可能的", "forbidden.impossible", "这是不可能的"),
        ("这根本不可能", "forbidden.impossible", "这根本不可能"),
        ("你别激动", "forbidden.calm_down", "你别激动"),
        ("您先别太激动", "forbidden.calm_down", "您先别太激动"),
        ("你不要叫", "forbidden.do_not_shout", "你不要叫"),
        ("您别再大声嚷", "forbidden.do_not_shout", "您别再大声嚷"),
        ("你平静一点", "forbidden.be_calm", "你平静一点"),
        ("您冷静一下", "forbidden.be_calm", "您冷静一下"),
        ("很抱歉，但是维修要等明天", "adversative.but", "但是"),
        ("我理解，然而规定如此", "adversative.but", "然而"),
        ("可是师傅已经下班了", "adversative.but", "可是"),
        (
            "You probably don't understand the rules",
            "forbidden.you_may_not_understand",
            "You probably don't understand",
        ),
        ("you must be confused", "forbidden.you_are_confused", "you must be confused"),
        ("You should pay first", "forbidden.you_should", "You should"),
        ("You're wrong about that", "forbidden.you_are_wrong", "You're wrong"),
        ("That's impossible", "forbidden.impossible", "That's impossible"),
        ("Please calm down", "forbidden.calm_down", "calm down"),
        ("Don't shout at me", "forbidden.do_not_shout", "Don't shout"),
        ("Sorry, but the engineer left", "adversative.but", "but"),
    ],
)
def test_forbidden_phrases_and_their_variants_are_flagged(reply, rule, span):
    (flag,) = check_reply(reply).flags

    assert (flag.rule, flag.text) == (rule, span)
    assert reply[flag.start : flag.end] == span
    assert flag.suggestion and flag.why


@pytest.mark.parametrize(
    "reply",
    [
        "我们应该尽快处理",
        "我理解您的感受，我们会尽快为您解决问题",
        "我们马上安排师傅上门，同时为您登记回访",
        "非常抱歉给您带来不便，这件事我们很重视",
        "师傅应该在下午三点前到达",
        "您反映的情况我们已经记录，请放心",
        "不可能让您一直等着，我们今天就处理",
        "We should fix this today",
        "I understand how you feel; we will solve this as quickly as we can",
        "The butler will call you",
    ],
)
def test_sentences_that_only_look_similar_are_not_flagged(reply):
    assert check_reply(reply).flags == ()


def test_suggestions_and_reasons_in_english_for_the_english_interface():
    (flag,) = check_reply("你应该先交费", language="en").flags

    assert flag.suggestion == "What we can do together is"
    assert "orders the customer" in flag.why


def test_several_flags_come_in_reading_order_without_overlap():
    check = check_reply("您可能不太明白，但是这是不可能的，你应该等")

    assert [flag.rule for flag in check.flags] == [
        "forbidden.you_may_not_understand",
        "adversative.but",
        "forbidden.impossible",
        "forbidden.you_should",
    ]


def test_a_managers_phrase_gets_the_same_variants():
    rule = ReplyRule.from_phrase(
        "org.not_our_business", "你找物业去", suggestion_zh="我来帮您联系", why_zh="推诿"
    )

    flags = check_reply("这个您还是找物业去吧", rules=(*DEFAULT_RULES, rule)).flags

    assert [(flag.rule, flag.text) for flag in flags] == [
        ("org.not_our_business", "您还是找物业去")
    ]


@pytest.mark.parametrize("pattern", ["(", "a*"])
def test_a_broken_rule_is_named(pattern):
    with pytest.raises(AnalysisInputError, match="pattern"):
        ReplyRule("x", pattern, "", "", "", "")


@given(st.text(alphabet="你您我们应该可能不明白但是同时这是不可能的别激动 ，。abuty", max_size=40))
def test_flags_are_exact_sorted_and_disjoint(reply):
    flags = check_reply(reply).flags

    for flag in flags:
        assert reply[flag.start : flag.end] == flag.text and flag.start < flag.end
    for first, second in zip(flags, flags[1:], strict=False):
        assert first.end <= second.start


# --- qiwang analyze reply-check ---------------------------------------------------------------


def run(*args):
    return CliRunner(env={"QIWANG_LANGUAGE": "en"}).invoke(app, ["analyze", "reply-check", *args])


def test_cli_prints_one_object_per_reply_with_offsets():
    result = run("您可能不太明白，但是这是规定", "我们应该尽快处理", "--json")

    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert [len(item["flags"]) for item in payload] == [2, 0]
    first = payload[0]["flags"][0]
    assert set(first) == {"rule", "start", "end", "text", "suggestion", "why"}
    assert (first["start"], first["end"], first["text"]) == (0, 7, "您可能不太明白")


def test_cli_reads_one_reply_per_line(tmp_path):
    path = tmp_path / "replies.txt"
    path.write_text("你别激动\n\n我们会尽快处理\nYou should wait\n", encoding="utf-8")

    result = run("--file", str(path), "--json")

    payload = json.loads(result.stdout)
    assert [item["reply"] for item in payload] == ["你别激动", "我们会尽快处理", "You should wait"]
    assert [[flag["rule"] for flag in item["flags"]] for item in payload] == [
        ["forbidden.calm_down"],
        [],
        ["forbidden.you_should"],
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give a reply"),
        (["--file", "/nonexistent/replies.txt"], "does not exist"),
        (["text", "--language", "fr"], "--language"),
    ],
)
def test_cli_bad_input_exits_2(args, message):
    result = run(*args, "--json")

    assert result.exit_code == 2
    assert message in result.output
