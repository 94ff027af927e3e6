"""Reply coaching for complaint handling: flag what not to say, explain why, suggest better.

See :mod:`qiwang.analysis._reply_coaching` for the rules; ``qiwang analyze reply-check`` runs
them on the command line and the complaint page runs them as the agent types.
"""

from qiwang.analysis._reply_coaching import (
    CALMING_LINES,
    DEFAULT_RULES,
    ReplyCheck,
    ReplyFlag,
    ReplyRule,
    check_replies,
    check_reply,
)

__all__ = [
    "CALMING_LINES",
    "DEFAULT_RULES",
    "ReplyCheck",
    "ReplyFlag",
    "ReplyRule",
    "check_replies",
    "check_reply",
]
