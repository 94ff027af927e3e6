"""The font every PDF Qiwang writes is set in: a TrueType font embedded as a subset.

A PDF that only names a font (reportlab's built-in CID font STSong-Light, say) looks right only in
a viewer that has that font: Acrobat without the Asian font pack, many phone viewers and archive
validators (PDF/A forbids unembedded fonts) show boxes or substitutes. So Qiwang embeds the glyphs
it uses from a TrueType font:

- ``QIWANG_PDF_FONT`` names the font file (``.ttf``, or ``.ttc`` with ``#N`` for the N-th face,
  e.g. ``/usr/share/fonts/truetype/wqy/wqy-microhei.ttc#0``);
- otherwise the first open-licence Chinese font found among :data:`DEFAULT_FONTS` is used
  (WenQuanYi Micro Hei, Apache 2.0 / GPLv3 with the font exception, installed by the README's
  set-up, the CI script and the container image);
- with none of them the PDF falls back to STSong-Light (not embedded) and a warning is logged once.

reportlab embeds only the glyphs a document uses (a subset), so a report stays small. OpenType
fonts with PostScript outlines (``.otf`` with CFF, e.g. Noto Sans CJK) cannot be embedded by
reportlab; a configured file that cannot be read is an error naming the variable and the file.
Framework-free: the caller passes the configured path.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

__all__ = ["DEFAULT_FONTS", "FALLBACK_FONT", "PdfFont", "PdfFontError", "pdf_font"]

logger = logging.getLogger(__name__)

#: Open-licence TrueType fonts with Chinese glyphs, where Debian and most Linux systems put them.
DEFAULT_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc#0",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc#0",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/arphic/uming.ttc#0",
)
#: reportlab's built-in CID font, used (not embedded) when no TrueType font is available.
FALLBACK_FONT = "STSong-Light"


class PdfFontError(ValueError):
    """The configured font file cannot be used."""


@dataclass(frozen=True)
class PdfFont:
    """A font registered with reportlab: its name, file, and whether it is embedded."""

    name: str
    path: str | None
    embedded: bool


_registered: dict[str, PdfFont] = {}


def _split(spec: str) -> tuple[str, int]:
    path, _, index = spec.partition("#")
    if index and not index.isdigit():
        raise PdfFontError(f"QIWANG_PDF_FONT: {spec!r}: the face after '#' must be a number")
    return path, int(index or 0)


def _register(spec: str) -> PdfFont:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    path, index = _split(spec)
    name = f"Qiwang-{os.path.basename(path)}-{index}"
    try:
        pdfmetrics.registerFont(TTFont(name, path, subfontIndex=index))
    except (OSError, TTFError) as error:
        raise PdfFontError(
            f"QIWANG_PDF_FONT: {spec!r} cannot be embedded ({error}); give a TrueType font "
            "(.ttf, or .ttc with #N)"
        ) from error
    return PdfFont(name=name, path=path, embedded=True)


def pdf_font(configured: str = "") -> PdfFont:
    """Register (once per process) and return the font PDFs are set in.

    ``configured`` is the value of ``QIWANG_PDF_FONT`` ("" for the default search).
    """
    key = configured or "<default>"
    if key in _registered:
        return _registered[key]
    if configured:
        if not os.path.isfile(_split(configured)[0]):
            raise PdfFontError(f"QIWANG_PDF_FONT: {configured!r} is not a file")
        font = _register(configured)
    else:
        font = None
        for spec in DEFAULT_FONTS:
            if os.path.isfile(_split(spec)[0]):
                try:
                    font = _register(spec)
                    break
                except PdfFontError:
                    continue
        if font is None:
            from reportlab.pdfbase import pdfmetrics
            from reportlab.pdfbase.cidfonts import UnicodeCIDFont

            logger.warning(
                "No TrueType Chinese font found (set QIWANG_PDF_FONT or install "
                "fonts-wqy-microhei): PDFs use %s, which is not embedded",
                FALLBACK_FONT,
            )
            pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
            font = PdfFont(name=FALLBACK_FONT, path=None, embedded=False)
    _registered[key] = font
    return font
