"""The emotion level of complaints: the fixed interface the complaints app codes against, and
the behaviour of its signals (escalation by repeated contacts, negation, joy is not anger)."""

from __future__ import annotations

import dataclasses

import pytest

from qiwang.analysis import AnalysisInputError
from qiwang.analysis.text import ANGRY_FROM, UPSET_FROM, EmotionResult, emotion_level


def test_interface_is_a_frozen_dataclass_with_level_score_signals_and_to_dict():
    # given a complaint  when its emotion is read
    result = emotion_level("暖气不热")
    # then the result has exactly the agreed fields and serialises to JSON types
    assert isinstance(result, EmotionResult)
    assert [f.name for f in dataclasses.fields(EmotionResult)] == ["level", "score", "signals"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.level = "angry"  # type: ignore[misc]
    assert result.to_dict() == {
        "level": result.level,
        "score": result.score,
        "signals": list(result.signals),
    }
    assert result.level in ("calm", "upset", "angry")
    assert 0.0 <= result.score <= 1.0


def test_a_factual_report_is_calm_and_a_polite_question_has_no_signal_of_anger():
    assert emotion_level("暖气不热").level == "calm"
    question = emotion_level("请问下周几点停水？")
    assert question.level == "calm"
    assert "rhetorical_question" not in question.signals


def test_repeated_contacts_escalate_the_same_words():
    # given the same complaint from a first-time and a repeat caller
    levels = [emotion_level("暖气不热", repeated_contacts=n) for n in range(5)]
    # then the score never falls as contacts grow, the signal appears, and three contacts
    # make a calm report at least upset
    scores = [r.score for r in levels]
    assert scores == sorted(scores)
    assert scores[0] < scores[1] < scores[2] < scores[3] == scores[4]
    assert "repeated_contact" not in levels[0].signals
    assert all("repeated_contact" in r.signals for r in levels[1:])
    assert levels[0].level == "calm"
    assert levels[3].level in ("upset", "angry")


def test_threats_to_escalate_and_profanity_make_a_complaint_angry():
    threat = emotion_level("第三次打电话了还没人管，再不解决我就打12345投诉！！")
    assert threat.level == "angry"
    assert {"escalation", "repetition", "exclamation"} <= set(threat.signals)
    swearing = emotion_level("妈的，电梯又坏了")
    assert "profanity" in swearing.signals
    assert swearing.score >= UPSET_FROM


def test_joy_with_exclamation_marks_is_calm():
    # given praise full of exclamation marks  then it is not read as anger
    result = emotion_level("师傅太给力了！！谢谢！！！")
    assert result.level == "calm"
    assert "exclamation" not in result.signals


def test_negated_anger_word_is_not_a_signal():
    assert "anger" not in emotion_level("我不生气，只是希望尽快修好").signals
    assert "frustration" in emotion_level("我很生气，一直没人修").signals


def test_frustration_words_make_a_report_upset_but_not_angry():
    result = emotion_level("暖气一直不热，太失望了")
    assert result.level == "upset"
    assert UPSET_FROM <= result.score < ANGRY_FROM


def test_traditional_characters_read_like_simplified():
    simplified = emotion_level("说了三次都没人管，什么态度！！")
    traditional = emotion_level("說了三次都沒人管，什麼態度！！")
    assert traditional == simplified
    assert traditional.level == "angry"


def test_shouting_in_capitals_counts_in_english():
    result = emotion_level("The heating is BROKEN again and NOBODY answers!!")
    assert "shouting" in result.signals
    assert result.level in ("upset", "angry")


@pytest.mark.parametrize("text", ["", "   ", "🎉🎉", "!!!"])
def test_empty_or_symbol_only_text_is_calm(text):
    result = emotion_level(text)
    assert result.level == "calm"
    assert "negative_sentiment" not in result.signals


@pytest.mark.parametrize("contacts", [-1, 1.5, "2", True])
def test_bad_repeated_contacts_are_refused_naming_the_option(contacts):
    with pytest.raises(AnalysisInputError, match="repeated_contacts"):
        emotion_level("暖气不热", repeated_contacts=contacts)


def test_text_that_is_not_a_string_is_refused():
    with pytest.raises(AnalysisInputError, match="text"):
        emotion_level(42)  # type: ignore[arg-type]
