"""Text clean-up before any Chinese text analysis: one form of every character.

:func:`normalize` turns whatever a customer typed into the text the models were trained on:
full-width letters, digits and punctuation to their ASCII forms (Unicode NFKC), traditional
characters to simplified ones (zhconv's MediaWiki tables), Latin letters to lower case, control
characters and lone surrogates removed, runs of white space to one space, a few emoji to the word
they stand for, and the length capped at :data:`MAX_CHARACTERS`. Nothing else is changed:
sentiment and emotion read punctuation ("！！", "？？") and repetition.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

__all__ = ["MAX_CHARACTERS", "NormalizedText", "normalize", "split_clauses", "split_sentences"]

MAX_CHARACTERS = 20_000
"""Longest text analysed; the rest of a longer text is left out (the result says so)."""

_EMOJI_WORDS = {
    "👍": " 点赞 ",
    "👏": " 点赞 ",
    "😊": " 开心 ",
    "😀": " 开心 ",
    "😄": " 开心 ",
    "😁": " 开心 ",
    "🙂": " 开心 ",
    "😃": " 开心 ",
    "❤": " 喜欢 ",
    "❤️": " 喜欢 ",
    "💯": " 满分 ",
    "🌹": " 感谢 ",
    "🙏": " 感谢 ",
    "👎": " 差 ",
    "😡": " 愤怒 ",
    "😠": " 愤怒 ",
    "🤬": " 愤怒 ",
    "💢": " 愤怒 ",
    "😤": " 生气 ",
    "😞": " 失望 ",
    "😔": " 失望 ",
    "😢": " 难受 ",
    "😭": " 难受 ",
    "🥶": " 冷 ",
}
_EMOJI_PATTERN = re.compile("|".join(re.escape(e) for e in sorted(_EMOJI_WORDS, key=len)[::-1]))
# Characters that are neither letters, digits nor punctuation a comment needs: symbols and other
# emoji (categories So, Sk, Co, Cn, Cs, Cc, Cf).
_DROP_CATEGORIES = frozenset({"So", "Sk", "Co", "Cn", "Cs", "Cc", "Cf"})
_SPACE = re.compile(r"\s+")


_DROP_TABLE_SIZE = 100_000


class _DropTable(dict[int, int | str]):
    """``str.translate`` table that blanks the dropped categories: each character's Unicode
    category is looked up once per process, then the table answers in C."""

    def __missing__(self, code: int) -> int | str:
        character = chr(code)
        value: int | str = (
            " "
            if unicodedata.category(character) in _DROP_CATEGORIES and character not in "\n\t"
            else code
        )
        if len(self) < _DROP_TABLE_SIZE:  # bounded: a flood of rare characters stays cheap
            self[code] = value
        return value


_DROP_TABLE = _DropTable()
_SENTENCE_END = re.compile(r"(?<=[。!?;…\n])|(?<=\.)(?=\s)|(?<=\.)$")
_CLAUSE_BREAK = re.compile(r"[。!?;…,，、:\n]|(?<=[a-z])\.(?=\s|$)")
_CONTRASTIVE = re.compile(r"(但是|可是|然而|不过|只是|却|\bbut\b|\bhowever\b)")
_HAS_HAN = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class NormalizedText:
    """A text in the one form the analyses read.

    Attributes
    ----------
    text : str
        The normalised text (possibly empty).
    truncated : bool
        Whether the original was longer than :data:`MAX_CHARACTERS` and was cut.
    has_chinese : bool
        Whether the text contains Han characters.
    has_latin : bool
        Whether the text contains Latin letters.
    """

    text: str
    truncated: bool
    has_chinese: bool
    has_latin: bool


@cache
def _convertible() -> frozenset[str]:
    """First characters of every entry of zhconv's zh-cn table: a text with none of them is
    already simplified (checked in a microsecond instead of converted in tens)."""
    from zhconv import zhconv as tables

    return frozenset(key[0] for key in tables.getdict("zh-cn"))


def _to_simplified(text: str) -> str:
    if not _HAS_HAN.search(text):
        return text
    convertible = _convertible()
    if not any(c in convertible for c in text):
        return text
    import zhconv

    return str(zhconv.convert(text, "zh-cn"))


def normalize(text: object) -> NormalizedText:
    """Normalise one comment.

    Parameters
    ----------
    text : str or None
        What the customer typed. ``None`` and NaN count as empty; other non-strings are refused.

    Returns
    -------
    NormalizedText

    Raises
    ------
    TypeError
        When ``text`` is not a string (nor ``None`` / NaN).

    Examples
    --------
    >>> normalize("物業的暖氣不熱！！ＯＫ").text
    '物业的暖气不热!!ok'
    >>> normalize("👍👍").text
    '点赞 点赞'
    >>> normalize("").text
    ''
    """
    if text is None or (isinstance(text, float) and text != text):
        return NormalizedText("", False, False, False)
    if not isinstance(text, str):
        raise TypeError(f"a comment must be text, not {type(text).__name__}")
    truncated = len(text) > MAX_CHARACTERS
    if truncated:
        text = text[:MAX_CHARACTERS]
    text = _EMOJI_PATTERN.sub(lambda m: _EMOJI_WORDS[m.group(0)], text)
    text = unicodedata.normalize("NFKC", text)
    if not text.isascii():
        text = text.translate(_DROP_TABLE)
    else:
        text = "".join(c if c.isprintable() or c in "\n\t" else " " for c in text)
    text = _to_simplified(text).lower()
    text = _SPACE.sub(lambda m: "\n" if "\n" in m.group(0) else " ", text).strip()
    return NormalizedText(
        text=text,
        truncated=truncated,
        has_chinese=bool(_HAS_HAN.search(text)),
        has_latin=any("a" <= c <= "z" for c in text),
    )


def split_sentences(text: str) -> list[str]:
    """Sentences of a normalised text, ending punctuation kept, empty pieces dropped.

    Examples
    --------
    >>> split_sentences("暖气不热。客服态度很好!谢谢")
    ['暖气不热。', '客服态度很好!', '谢谢']
    """
    return [piece.strip() for piece in _SENTENCE_END.split(text) if piece.strip()]


def split_clauses(sentence: str) -> list[str]:
    """Clauses of a sentence: split at commas and at contrastive words ("但是", "不过" …),
    which start a clause of their own, so that "保安很负责，但是电梯经常坏" gives two.

    Examples
    --------
    >>> split_clauses("保安很负责但是电梯经常坏")
    ['保安很负责', '但是电梯经常坏']
    """
    clauses: list[str] = []
    for part in _CLAUSE_BREAK.split(sentence):
        pieces = _CONTRASTIVE.split(part)
        current = pieces[0]
        for i in range(1, len(pieces), 2):
            if current.strip():
                clauses.append(current.strip())
            current = pieces[i] + (pieces[i + 1] if i + 1 < len(pieces) else "")
        if current.strip():
            clauses.append(current.strip())
    return clauses
