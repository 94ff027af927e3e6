"""`make messages` keeps every translation: each msgid in the catalogues is found in the code.

`make messages` runs Django's makemessages (xgettext) with ``--no-obsolete``: a msgid that xgettext
does not find in the code is deleted from the catalogues, and with it its translation. xgettext
reads neither a ``_()`` inside an f-string nor a msgid passed by value (``_(row.kind)``), so such
texts are listed with ``gettext_noop`` (the command line's patterns in ``cli/analyze/_messages.py``,
the ``_EXTRACTED`` tuples). This test runs makemessages on a copy of the package, as
`make messages` does, and fails naming each text that would lose its translation — before anyone
loses it by regenerating the catalogues.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

import qiwang

PACKAGE = Path(qiwang.__file__).parent
LOCALES = ("zh_Hans", "en")
ENTRY = re.compile(
    r'^(?:msgctxt "(?P<ctx>.*)"\n)?msgid "(?P<id>.*)"\n(?P<more>(?:".*"\n)*)'
    r'(?:msgid_plural "(?P<plural>.*)"\n(?:".*"\n)*)?'
    r'(?P<strs>(?:msgstr(?:\[\d\])? ".*"\n(?:".*"\n)*)+)',
    re.M,
)


def entries(path: Path) -> dict[tuple[str, str], str]:
    """(context, msgid) → the translation (plural forms joined), header left out."""
    found = {}
    for match in ENTRY.finditer(path.read_text(encoding="utf-8")):
        msgid = match["id"] + "".join(re.findall(r'"(.*)"', match["more"]))
        if msgid:
            found[(match["ctx"] or "", msgid)] = "".join(re.findall(r'"(.*)"', match["strs"]))
    return found


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    if shutil.which("xgettext") is None:  # .ci/run installs gettext
        pytest.fail("xgettext (Debian package gettext) is needed to check the catalogues")
    copy = tmp_path_factory.mktemp("messages") / "qiwang"
    shutil.copytree(
        PACKAGE,
        copy,
        ignore=shutil.ignore_patterns("__pycache__", "*.mo", "static", "text_data", "*.npz"),
    )
    here = Path.cwd()
    try:
        os.chdir(copy)  # makemessages works on the current directory, like `make messages`
        call_command(
            "makemessages",
            locale=list(LOCALES),
            no_obsolete=True,
            ignore_patterns=["analysis/*"],
            verbosity=0,
        )
    finally:
        os.chdir(here)
    return copy


@pytest.mark.parametrize("locale", LOCALES)
def test_regenerating_the_catalogue_keeps_every_translated_text(regenerated, locale):
    po = Path("locale") / locale / "LC_MESSAGES" / "django.po"
    kept = entries(PACKAGE / po)
    after = entries(regenerated / po)

    lost = sorted(msgid for (ctx, msgid) in kept if (ctx, msgid) not in after)
    assert not lost, (
        f"`make messages` would delete {len(lost)} translated text(s) that xgettext does not find "
        "in the code (inside an f-string, passed by value, or no longer used): mark them with "
        f"gettext_noop or delete them from both catalogues: {lost[:10]}"
    )
    if locale != "en":  # English msgids are the English texts: an empty msgstr shows the msgid
        untranslated = sorted(msgid for (_ctx, msgid), text in after.items() if not text)
        assert not untranslated, f"texts in the code without a translation: {untranslated[:10]}"
