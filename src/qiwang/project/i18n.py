"""Compile translation catalogues with polib, so installing needs no GNU gettext."""

from __future__ import annotations

from pathlib import Path

import polib


def compile_catalogues(package_dir: Path) -> list[Path]:
    """Write a ``.mo`` next to every ``.po`` under ``package_dir/locale``; return the paths."""
    written = []
    for po_path in sorted((package_dir / "locale").glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
        written.append(mo_path)
    return written
