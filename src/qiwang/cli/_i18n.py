"""The command line's language (kept here for the commands' imports; the implementation is
:mod:`qiwang.envlang`, which the settings use too, before Django is set up)."""

from qiwang.envlang import DEFAULT, cli_language, gettext

__all__ = ["DEFAULT", "cli_language", "gettext", "gettext_noop"]


def gettext_noop(message: str) -> str:
    """Mark ``message`` for the catalogues without translating it (it is translated later, by
    :func:`gettext`). Named like Django's marker so that ``make messages`` (xgettext with the
    keyword ``gettext_noop``) extracts it; Django's own needs settings, which the command line
    may not have."""
    return message
