"""A git merge driver for gettext catalogues: the union of both sides' entries.

Two branches that each add strings to ``django.po`` conflict on every hunk, although their
entries never contradict each other. This driver merges by message id: every entry of either
side is kept, a translation present on one side only is kept, and where both sides translated
the same message differently ours wins (the other is printed). Run ``make messages`` after the
merge to drop entries whose source string no longer exists.

Enable it once per clone::

    git config merge.po.name "gettext catalogue union"
    git config merge.po.driver "python3 scripts/po_merge.py %O %A %B"

(``.gitattributes`` routes ``*.po`` to it.) Needs only ``polib``; git calls it with the
ancestor, ours (the result is written here) and theirs.
"""

from __future__ import annotations

import sys

try:
    import polib
except ImportError:  # pragma: no cover - git may call it outside the project's venv
    sys.exit(1)  # non-zero: git falls back to reporting a conflict


def _key(entry: polib.POEntry) -> tuple[str | None, str]:
    return (entry.msgctxt, entry.msgid)


def _translated(entry: polib.POEntry) -> bool:
    return bool(entry.msgstr) or any(entry.msgstr_plural.values())


def merge(ours_path: str, theirs_path: str) -> int:
    ours = polib.pofile(ours_path)
    theirs = polib.pofile(theirs_path)
    index = {_key(entry): entry for entry in ours}
    for entry in theirs:
        mine = index.get(_key(entry))
        if mine is None:
            ours.append(entry)
            index[_key(entry)] = entry
        elif not _translated(mine) and _translated(entry):
            mine.msgstr = entry.msgstr
            mine.msgstr_plural = entry.msgstr_plural
        elif _translated(entry) and (mine.msgstr, mine.msgstr_plural) != (
            entry.msgstr,
            entry.msgstr_plural,
        ):
            print(f"po_merge: kept ours for {entry.msgid!r}", file=sys.stderr)
        if mine is not None:
            mine.occurrences = sorted(set(mine.occurrences) | set(entry.occurrences))
    ours.save(ours_path)
    return 0


if __name__ == "__main__":
    _ancestor, ours_file, theirs_file = sys.argv[1:4]
    sys.exit(merge(ours_file, theirs_file))
