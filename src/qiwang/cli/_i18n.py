"""The command line's language (kept here for the commands' imports; the implementation is
:mod:`qiwang.envlang`, which the settings use too, before Django is set up)."""

from qiwang.envlang import DEFAULT, cli_language, gettext

__all__ = ["DEFAULT", "cli_language", "gettext"]
