"""Reply coaching with the organisation's own rules: the built-in rules of
:mod:`qiwang.analysis.reply` plus every active :class:`CoachingRule` managers added."""

from __future__ import annotations

from qiwang.analysis import AnalysisInputError
from qiwang.analysis.reply import CALMING_LINES, DEFAULT_RULES, ReplyCheck, ReplyRule, check_reply
from qiwang.complaints.models import CoachingRule


def organisation_rules() -> tuple[ReplyRule, ...]:
    rules = []
    for row in CoachingRule.objects.filter(is_active=True):
        try:
            rules.append(
                ReplyRule.from_phrase(
                    f"org.{row.code}",
                    row.phrase,
                    suggestion_zh=row.suggestion_zh,
                    suggestion_en=row.suggestion_en or row.suggestion_zh,
                    why_zh=row.why_zh,
                    why_en=row.why_en or row.why_zh,
                )
            )
        except AnalysisInputError:
            continue  # an empty phrase cannot be saved through the forms; never break coaching
    return tuple(rules)


def check_text(text: str, *, language: str = "zh") -> ReplyCheck:
    return check_reply(text, rules=(*DEFAULT_RULES, *organisation_rules()), language=language)


def calming_lines(language: str) -> list[str]:
    return [en if language == "en" else zh for zh, en in CALMING_LINES]
