"""The language of what Qiwang says before Django can translate — the command line, and the
settings' checks at start — ``QIWANG_LANGUAGE``, else the POSIX locale, else zh-hans.

The order is ``QIWANG_LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG`` (the first one set wins,
as in POSIX); a value starting with ``en`` selects English, one starting with ``zh`` Simplified
Chinese; ``C`` / ``POSIX`` and other languages fall back to the product default, zh-hans.

``--help`` texts are built when the commands are imported, before Django is set up, so
:func:`gettext` reads the same compiled catalogue (``locale/<lang>/LC_MESSAGES/django.mo``) with
the standard library. Messages printed after :func:`qiwang.cli.server.setup_django` use Django's
gettext, activated in the same language.
"""

from __future__ import annotations

import gettext as _gettext
import os
from functools import cache
from pathlib import Path

__all__ = ["cli_language", "gettext", "translate_libraries"]

DEFAULT = "zh-hans"
_LOCALE_DIR = Path(__file__).resolve().parent / "locale"


def cli_language(environ: dict[str, str] | None = None) -> str:
    """``"zh-hans"`` or ``"en"`` from the environment (see the module docstring).

    >>> cli_language({"LANG": "en_US.UTF-8"}), cli_language({"LANG": "C.UTF-8"})
    ('en', 'zh-hans')
    >>> cli_language({"QIWANG_LANGUAGE": "zh-hans", "LC_ALL": "en_GB.UTF-8"})
    'zh-hans'
    """
    env = os.environ if environ is None else environ
    for name in ("QIWANG_LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = (env.get(name) or "").strip().lower()
        if not value:
            continue
        if value.startswith("en"):
            return "en"
        if value.startswith("zh"):
            return "zh-hans"
        return DEFAULT
    return DEFAULT


@cache
def _catalogue(language: str) -> _gettext.NullTranslations:
    folder = {"zh-hans": "zh_Hans", "en": "en"}[language]
    return _gettext.translation(
        "django", localedir=str(_LOCALE_DIR), languages=[folder], fallback=True
    )


def gettext(message: str) -> str:
    """``message`` in the command line's language (English when no catalogue has it)."""
    return _catalogue(cli_language()).gettext(message)


def translate_libraries() -> None:
    """Let Click and Typer (usage lines, help panels, usage errors) speak the command line's
    language. Both translate with the standard library's ``gettext.gettext`` at the moment they
    print, in the process's default domain and the language of ``LANGUAGE``: point that domain at
    Qiwang's catalogues (their ``# click-typer`` block) and name the language there. Called by the
    ``qiwang`` entry point only, so a test process importing the commands keeps Click's English."""
    folder = {"zh-hans": "zh_Hans", "en": "en"}[cli_language()]
    _gettext.bindtextdomain("django", str(_LOCALE_DIR))
    _gettext.textdomain("django")
    os.environ["LANGUAGE"] = folder
    _translate_completion_options()


def _translate_completion_options() -> None:
    """Typer's --install-completion / --show-completion help is a plain English string (no
    gettext): translate it where Typer keeps it, the defaults of its placeholder functions, before
    the command is built. The English original is kept, so a later call in another language
    translates from it again."""
    import typer.completion

    for function in (
        typer.completion._install_completion_placeholder_function,
        typer.completion._install_completion_no_auto_placeholder_function,
    ):
        for info in function.__defaults__ or ():
            english = getattr(info, "_qiwang_msgid", None) or getattr(info, "help", None)
            if isinstance(english, str):
                info._qiwang_msgid = english  # type: ignore[attr-defined]
                info.help = gettext(english)
