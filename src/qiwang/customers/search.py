"""Customer search: one lower-case key per customer, so that one indexed column answers the
agent's caller-ID lookup (any form of the number, or its last digits), the customer number, the
name, and the name's pinyin in full (``wangjianguo``) or by initials (``wjg``).

The key is filled by :meth:`Customer.save`, by the bulk writes (import, demo data) through
:func:`search_key`, and for existing rows by migration 0012. On PostgreSQL it carries a
``pg_trgm`` GIN index (migration 0013), which serves ``LIKE '%…%'`` at millions of rows; on
SQLite a plain index (ADR 0120).
"""

from __future__ import annotations

import re

from django.db.models import Q
from pypinyin import lazy_pinyin

from qiwang.customers.phones import phone_digits

__all__ = [
    "INDEX",
    "MAX_KEY",
    "matches",
    "restore_sqlite_index",
    "search_key",
    "search_query",
]

MAX_KEY = 1000
#: The index behind search, made by migration 0013 outside the model's Meta.
INDEX = "customers_customer_search_key"
#: A query made only of what people type around the digits of a number.
_PHONE_LIKE = re.compile(r"^\+?[\d\s.\-/()（）]+$")
_SPACES = re.compile(r"\s+")


def _pinyin(name: str) -> tuple[str, str]:
    syllables = [part.strip() for part in lazy_pinyin(name, errors="default") if part.strip()]
    full = "".join(syllables)
    initials = "".join(part[0] for part in syllables if part[0].isalnum())
    return full, initials


def search_key(*, name: str, code: str, phone: str) -> str:
    """The text a customer is found by: name, pinyin, initials, number and phone digits."""
    full, initials = _pinyin(name or "")
    parts = [_SPACES.sub("", (name or "").lower()), full.lower(), initials.lower()]
    parts += [(code or "").lower(), *phone_digits(phone or "")]
    return " ".join(part for part in parts if part)[:MAX_KEY]


def search_query(text: str) -> list[str]:
    """The terms a query must all match: a number's digits, or each word in lower case.

    ``138 0000 1111``, ``+86 138-0000-1111`` and ``1111`` are numbers (digits only; an
    international ``00`` prefix is dropped); ``王建国``, ``wjg`` or ``wang jian`` are words.
    """
    text = (text or "").strip()
    if not text:
        return []
    if _PHONE_LIKE.match(text) and sum(char.isdigit() for char in text) >= 3:
        digits = "".join(char for char in text if char.isdigit())
        if text.startswith("00"):
            digits = digits[2:]
        return [digits]
    return [word.lower() for word in text.split() if word]


def matches(text: str) -> Q:
    """The filter for a search box or an API ``q=``: every term is in the customer's key."""
    condition = Q()
    for term in search_query(text):
        condition &= Q(search_key__contains=term)
    return condition


def restore_sqlite_index(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    """For a migration that adds or alters a column of the customer table: on SQLite that
    rebuilds the table and drops :data:`INDEX` (made outside Meta), so it is made again here;
    PostgreSQL keeps its GIN index."""
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON customers_customer (search_key)"
        )
