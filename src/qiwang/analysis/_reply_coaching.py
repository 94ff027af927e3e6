"""Reply coaching: flag the phrases a complaint reply should avoid, explain why, suggest better.

Rule-based and explainable. A :class:`ReplyRule` is data: a code, a regular expression, a
suggestion and the reason, in Chinese and English. The built-in rules (:data:`DEFAULT_RULES`)
cover the phrases complaint-handling training tells agents never to say ("你可能不明白",
"你肯定弄混了", "你应该", "你弄错了", "这不可能的", "你别激动", "你不要叫", "你平静一点") with their
close variants — 您 for 你, adverbs inserted after the pronoun ("您可能不太明白", "这是不可能的")
— the adversative 但是 / 然而 / 可是 (say the additive 同时 instead) and their English
equivalents. Organisations add their own rules with :meth:`ReplyRule.from_phrase`, which builds
the same variants from a plain phrase, so nobody has to write a regular expression.

Sentences that only look similar are not flagged: every "you"-rule needs the pronoun 你 / 您, so
"我们应该尽快处理" (we should deal with it quickly) passes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from qiwang.analysis._errors import AnalysisInputError

__all__ = [
    "CALMING_LINES",
    "DEFAULT_RULES",
    "ReplyCheck",
    "ReplyFlag",
    "ReplyRule",
    "check_reply",
    "check_replies",
]

#: Words that may stand between the pronoun and the forbidden phrase without changing it.
_ADVERBS = (
    "们|可能|也许|大概|恐怕|好像|似乎|真的|其实|根本|完全|确实|肯定|一定|绝对|显然|明显|"
    "本来|当初|当时|早就|早|是|就|还|都|先|再|又|太|也|别|可|倒|却|实在|稍微|千万"
)
_INSERT = f"(?:{_ADVERBS}){{0,3}}"
_YOU = "[你您]"
_YOU_START = f"{_YOU}{_INSERT}"


@dataclass(frozen=True)
class ReplyRule:
    """One thing not to say.

    Parameters
    ----------
    code
        Stable identifier shown in every flag (``forbidden.you_should`` …).
    pattern
        Regular expression; the whole match is the flagged span.
    suggestion_zh, suggestion_en
        What to say instead.
    why_zh, why_en
        Why the phrase hurts a complaint conversation.
    language
        ``"zh"`` or ``"en"``: the replies the rule is meant for (both are always checked).
    """

    code: str
    pattern: str
    suggestion_zh: str
    suggestion_en: str
    why_zh: str
    why_en: str
    language: str = "zh"
    _compiled: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.code.strip():
            raise AnalysisInputError("a reply rule needs a code", column="code")
        try:
            compiled = re.compile(self.pattern, re.IGNORECASE)
        except re.error as error:
            raise AnalysisInputError(
                f"rule {self.code!r}: the pattern is not a valid regular expression ({error})",
                column="pattern",
            ) from None
        if compiled.search("") is not None:
            raise AnalysisInputError(
                f"rule {self.code!r}: the pattern matches empty text", column="pattern"
            )
        object.__setattr__(self, "_compiled", compiled)

    @classmethod
    def from_phrase(
        cls,
        code: str,
        phrase: str,
        *,
        suggestion_zh: str = "",
        suggestion_en: str = "",
        why_zh: str = "",
        why_en: str = "",
    ) -> ReplyRule:
        """A rule from a plain phrase, with the built-in variants.

        A phrase that starts with 你 or 您 also matches the other pronoun and adverbs inserted
        after it ("你别激动" matches "您先别太激动" …); any other phrase matches as written, spaces
        ignored. Latin letters match case-insensitively on word boundaries.
        """
        text = "".join(phrase.split()) if not re.search(r"[A-Za-z]", phrase) else phrase.strip()
        if not text:
            raise AnalysisInputError("a reply rule needs a phrase", column="phrase")
        if text[0] in "你您" and len(text) > 1:
            pattern = _YOU_START + re.escape(text[1:])
        elif re.search(r"[A-Za-z]", text):
            words = [re.escape(word) for word in text.split()]
            pattern = r"\b" + r"\s+".join(words) + r"\b"
        else:
            pattern = re.escape(text)
        return cls(
            code=code,
            pattern=pattern,
            suggestion_zh=suggestion_zh,
            suggestion_en=suggestion_en,
            why_zh=why_zh,
            why_en=why_en,
            language="en" if re.search(r"[A-Za-z]", text) else "zh",
        )

    def finditer(self, text: str) -> Iterable[re.Match[str]]:
        return self._compiled.finditer(text)


@dataclass(frozen=True)
class ReplyFlag:
    """One flagged span: ``text == reply[start:end]`` (character offsets)."""

    rule: str
    start: int
    end: int
    text: str
    suggestion: str
    why: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "suggestion": self.suggestion,
            "why": self.why,
        }


@dataclass(frozen=True)
class ReplyCheck:
    """The coaching of one reply: its flags in reading order."""

    reply: str
    flags: tuple[ReplyFlag, ...]

    @property
    def is_clean(self) -> bool:
        return not self.flags

    def to_dict(self) -> dict[str, Any]:
        return {
            "reply": self.reply,
            "flags": [flag.to_dict() for flag in self.flags],
        }


_BLAME_ZH = "指责客户会激化矛盾：客户需要感到您站在他一边。"
_BLAME_EN = "Blaming the customer escalates the conflict; they need to feel you are on their side."
_CALM_ZH = "要求客户冷静只会让他更激动：先表示理解。"
_CALM_EN = "Telling a customer to calm down makes them angrier; show understanding first."

DEFAULT_RULES: tuple[ReplyRule, ...] = (
    ReplyRule(
        "forbidden.you_may_not_understand",
        _YOU_START
        + "(?:可能|也许|大概)?"
        + _INSERT
        + "不(?:太|大|是很|怎么)?(?:明白|清楚|理解|懂)",
        "我再详细为您说明一下",
        "Let me explain it in more detail",
        "暗示客户理解力不足，让客户感到被轻视。",
        "It suggests the customer is slow to understand and makes them feel belittled.",
    ),
    ReplyRule(
        "forbidden.you_are_confused",
        _YOU_START + "(?:弄|搞|记|看)混(?:了|淆了)?",
        "我们一起核对一下情况",
        "Let us check the details together",
        _BLAME_ZH,
        _BLAME_EN,
    ),
    ReplyRule(
        "forbidden.you_should",
        _YOU_START + "应(?:该|当)",
        "我们可以一起这样做",
        "What we can do together is",
        "命令式的“你应该”把责任推给客户。",
        "“You should” orders the customer about and pushes the responsibility onto them.",
    ),
    ReplyRule(
        "forbidden.you_are_wrong",
        _YOU_START + "(?:弄|搞|记|看|听|说|理解)错(?:了)?",
        "可能是我们没有说清楚",
        "We may not have made this clear",
        _BLAME_ZH,
        _BLAME_EN,
    ),
    ReplyRule(
        "forbidden.impossible",
        "(?:这|那)(?:个|件事|种情况)?(?:是|事)?" + _INSERT + "不可能(?:的)?",
        "我们马上核实这个情况",
        "We will check this right away",
        "断然否定客户的感受，客户会觉得不被信任。",
        "Flatly denying what the customer experienced tells them they are not believed.",
    ),
    ReplyRule(
        "forbidden.calm_down",
        _YOU_START + "(?:别|不要|不用)(?:太|那么|这么)?激动",
        "我理解您的感受，我们会尽快为您解决问题",
        "I understand how you feel; we will solve this for you as quickly as we can",
        _CALM_ZH,
        _CALM_EN,
    ),
    ReplyRule(
        "forbidden.do_not_shout",
        _YOU_START + "(?:不要|别|不许)(?:再)?(?:大声)?(?:叫|喊|嚷|吵)",
        "我在认真听，请您慢慢说",
        "I am listening carefully; please tell me everything",
        _CALM_ZH,
        _CALM_EN,
    ),
    ReplyRule(
        "forbidden.be_calm",
        _YOU_START + "(?:平静|冷静|安静)(?:一点|一下|点|些)",
        "我理解您的感受，我们会尽快为您解决问题",
        "I understand how you feel; we will solve this for you as quickly as we can",
        _CALM_ZH,
        _CALM_EN,
    ),
    ReplyRule(
        "adversative.but",
        "但是|然而|可是",
        "同时",
        "and at the same time",
        "转折语会抹掉前半句的歉意与理解；用并联语“同时”。",
        "An adversative cancels the apology before it; join the two halves with “at the same time”.",
    ),
    # English interface
    ReplyRule(
        "forbidden.you_may_not_understand",
        r"\byou\s+(?:\w+\s+){0,2}(?:don't|do\s+not|didn't|did\s+not|may\s+not|might\s+not)"
        r"\s+(?:\w+\s+)?(?:understand|get\s+it|realize|realise)\b",
        "我再详细为您说明一下",
        "Let me explain it in more detail",
        "暗示客户理解力不足，让客户感到被轻视。",
        "It suggests the customer is slow to understand and makes them feel belittled.",
        language="en",
    ),
    ReplyRule(
        "forbidden.you_are_confused",
        r"\byou\s+(?:\w+\s+){0,2}(?:must\s+be\s+|are\s+|'re\s+)?(?:confused|mixed\s+up|mixing\s+up)\b"
        r"|\byou(?:'re|\s+are)\s+(?:\w+\s+)?(?:confusing|mixing)\b",
        "我们一起核对一下情况",
        "Let us check the details together",
        _BLAME_ZH,
        _BLAME_EN,
        language="en",
    ),
    ReplyRule(
        "forbidden.you_should",
        r"\byou\s+(?:\w+\s+)?(?:should|ought\s+to|have\s+to|must)\b",
        "我们可以一起这样做",
        "What we can do together is",
        "命令式的“你应该”把责任推给客户。",
        "“You should” orders the customer about and pushes the responsibility onto them.",
        language="en",
    ),
    ReplyRule(
        "forbidden.you_are_wrong",
        r"\byou(?:'re|\s+are|\s+were)\s+(?:\w+\s+)?wrong\b|\byou\s+(?:\w+\s+)?(?:got\s+it\s+wrong"
        r"|made\s+a\s+mistake|misunderstood)\b",
        "可能是我们没有说清楚",
        "We may not have made this clear",
        _BLAME_ZH,
        _BLAME_EN,
        language="en",
    ),
    ReplyRule(
        "forbidden.impossible",
        r"\b(?:that|this|it)(?:'s|\s+is)\s+(?:\w+\s+)?(?:impossible|not\s+possible)\b",
        "我们马上核实这个情况",
        "We will check this right away",
        "断然否定客户的感受，客户会觉得不被信任。",
        "Flatly denying what the customer experienced tells them they are not believed.",
        language="en",
    ),
    ReplyRule(
        "forbidden.calm_down",
        r"\b(?:calm\s+down|don't\s+get\s+(?:so\s+)?(?:excited|upset|worked\s+up))\b",
        "我理解您的感受，我们会尽快为您解决问题",
        "I understand how you feel; we will solve this for you as quickly as we can",
        _CALM_ZH,
        _CALM_EN,
        language="en",
    ),
    ReplyRule(
        "forbidden.do_not_shout",
        r"\b(?:don't|do\s+not|stop)\s+(?:\w+\s+)?(?:shout|shouting|yell|yelling|scream|screaming)\b",
        "我在认真听，请您慢慢说",
        "I am listening carefully; please tell me everything",
        _CALM_ZH,
        _CALM_EN,
        language="en",
    ),
    ReplyRule(
        "adversative.but",
        r"\b(?:but|however)\b",
        "同时",
        "and at the same time",
        "转折语会抹掉前半句的歉意与理解；用并联语“同时”。",
        "An adversative cancels the apology before it; join the two halves with “at the same time”.",
        language="en",
    ),
)

#: On-your-side and calming lines, offered first to an angry customer.
CALMING_LINES: tuple[tuple[str, str], ...] = (
    (
        "我理解您的感受，我们会尽快为您解决问题。",
        "I understand how you feel; we will solve this for you as quickly as we can.",
    ),
    (
        "我已经认识到问题的严重性，我很重视这件事。",
        "I see how serious this is, and I take it seriously.",
    ),
    ("让我们一起来面对这件事。", "Let us face this together."),
    (
        "非常抱歉给您带来不便，谢谢您告诉我们。",
        "I am very sorry for the trouble, and thank you for telling us.",
    ),
)


def check_reply(
    reply: str, *, rules: Sequence[ReplyRule] | None = None, language: str = "zh"
) -> ReplyCheck:
    """Flag what ``reply`` should not say.

    Parameters
    ----------
    reply
        The agent's reply (Chinese, English or both).
    rules
        The rules to apply; default :data:`DEFAULT_RULES` (pass ``DEFAULT_RULES + extra`` to
        extend them).
    language
        ``"zh"`` or ``"en"``: the language of suggestions and reasons.

    Returns
    -------
    ReplyCheck
        Flags in reading order; overlapping matches keep the earliest, then the longest.

    Examples
    --------
    >>> [flag.rule for flag in check_reply("您可能不太明白，但是这是规定").flags]
    ['forbidden.you_may_not_understand', 'adversative.but']
    >>> check_reply("我们应该尽快处理").flags
    ()
    """
    if not isinstance(reply, str):
        raise AnalysisInputError(
            f"a reply must be text, not {type(reply).__name__}", column="reply"
        )
    if language not in {"zh", "en"}:
        raise AnalysisInputError(f"language must be zh or en, not {language!r}", column="language")
    chosen = DEFAULT_RULES if rules is None else tuple(rules)
    found: list[tuple[int, int, ReplyRule]] = []
    for rule in chosen:
        for match in rule.finditer(reply):
            if match.end() > match.start():
                found.append((match.start(), match.end(), rule))
    found.sort(key=lambda item: (item[0], -(item[1] - item[0])))
    flags: list[ReplyFlag] = []
    covered_until = -1
    for start, end, rule in found:
        if start < covered_until:
            continue
        flags.append(
            ReplyFlag(
                rule=rule.code,
                start=start,
                end=end,
                text=reply[start:end],
                suggestion=rule.suggestion_en if language == "en" else rule.suggestion_zh,
                why=rule.why_en if language == "en" else rule.why_zh,
            )
        )
        covered_until = end
    return ReplyCheck(reply=reply, flags=tuple(flags))


def check_replies(
    replies: Iterable[str], *, rules: Sequence[ReplyRule] | None = None, language: str = "zh"
) -> list[ReplyCheck]:
    """:func:`check_reply` for each reply, in order."""
    return [check_reply(reply, rules=rules, language=language) for reply in replies]
