"""Personal-data requests (China's PIPL, articles 45 and 47): a copy of everything held about one
customer, and an erasure that anonymises it everywhere while keeping the statistics.

Every app that stores something about a customer registers a :class:`Source` in its
``AppConfig.ready`` (customers: ``privacy_sources.py``; surveys: ``surveys/privacy.py``; …). A
source collects its sections for the copy and erases its part; this module checks the right,
runs every source in one transaction and writes the audit event. The design is in
docs/privacy.md.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from qiwang.accounts.models import User
from qiwang.accounts.permissions import Action, require
from qiwang.accounts.services import record_event
from qiwang.customers.models import Customer
from qiwang.errors import ServiceError

__all__ = [
    "ERASED",
    "Erasure",
    "Identifiers",
    "Section",
    "Source",
    "erase_personal_data",
    "model_section",
    "personal_data_copy",
    "personal_data_summary",
    "register",
    "sources",
    "write_copy_xlsx",
]

# What an erased name or free text becomes: the usual redaction mark, the same in both languages.
ERASED = "***"
LANGUAGES = ("zh-hans", "en")


@dataclass(frozen=True)
class Section:
    """One table of the copy: a title, labelled columns and the rows (JSON-safe values)."""

    key: str
    title: Any  # a lazy translation: rendered in both languages
    columns: Sequence[tuple[str, Any]]  # (name, lazy label)
    rows: list[dict[str, Any]]


@dataclass(frozen=True)
class Identifiers:
    """The strings that identify the customer, searched for in free text, files and the log."""

    customer_id: int
    branch_id: int
    values: tuple[str, ...]


@dataclass(frozen=True)
class Source:
    """What one app holds about a customer: ``collect`` gives the copy's sections, ``erase``
    anonymises them and returns ``{what: rows or files changed}``."""

    key: str
    collect: Callable[[Customer], Iterable[Section]]
    erase: Callable[[Customer, Identifiers], dict[str, int]]


_SOURCES: dict[str, Source] = {}


def register(source: Source) -> None:
    """Add (or replace, by key) a source; called from ``AppConfig.ready``."""
    _SOURCES[source.key] = source


def sources() -> list[Source]:
    return list(_SOURCES.values())


@dataclass
class Erasure:
    """What an erasure changed, per source and item (counts only: no personal data)."""

    customer_id: int
    changed: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.changed.values())


# --- building sections from models -----------------------------------------------------------


def _json_value(instance: models.Model, model_field: models.Field) -> Any:
    if model_field.choices:
        return str(getattr(instance, f"get_{model_field.name}_display")())
    if isinstance(model_field, models.ForeignKey):
        related = getattr(instance, model_field.name)
        return None if related is None else str(related)
    value = getattr(instance, model_field.attname)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime.datetime):
        return (
            timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
        )
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def model_section(
    key: str,
    queryset: models.QuerySet[Any],
    *,
    exclude: Iterable[str] = (),
    title: Any = None,
) -> Section:
    """A section with every concrete field of the queryset's model (labels: the fields' verbose
    names, so both languages come from the model), minus ``exclude`` and internal keys."""
    model = queryset.model
    skipped = {"id", "customer", *exclude}
    fields = [f for f in model._meta.concrete_fields if f.name not in skipped]
    columns = [(f.name, f.verbose_name) for f in fields]
    related = [f.name for f in fields if isinstance(f, models.ForeignKey)]
    rows = [
        {f.name: _json_value(item, f) for f in fields}
        for item in queryset.select_related(*related).order_by("pk")
    ]
    return Section(key, title or model._meta.verbose_name_plural, columns, rows)


# --- the two requests --------------------------------------------------------------------------


def _identifiers(customer: Customer) -> Identifiers:
    values = {
        customer.name,
        customer.phone,
        customer.email,
        customer.address,
        customer.wechat,
        customer.wechat_openid,
    }
    for contact in customer.contacts.all():
        values |= {contact.name, contact.phone, contact.email, contact.wechat}
    # Two characters at least (a Chinese name); never the redaction mark itself.
    usable = sorted(v.strip() for v in values if v and len(v.strip()) >= 2 and v.strip() != ERASED)
    return Identifiers(customer.pk, customer.branch_id, tuple(usable))


def _render(label: Any, language: str) -> str:
    with translation.override(language):
        return str(label)


def personal_data_summary(customer: Customer) -> list[tuple[Any, int]]:
    """(title, rows) per section: what a copy holds and an erasure reaches (not audited)."""
    return [
        (section.title, len(section.rows))
        for source in _SOURCES.values()
        for section in source.collect(customer)
    ]


def personal_data_copy(user: User | None, customer: Customer) -> dict[str, Any]:
    """Everything held about ``customer`` as a JSON-safe dict (``user`` None: the command line,
    run by an operator). Labels in both languages; the request is audited."""
    if user is not None:
        require(user, Action.EXPORT_PERSONAL_DATA, customer)
    sections = [section for source in _SOURCES.values() for section in source.collect(customer)]
    with transaction.atomic():
        record_event(
            actor=user,
            action="personal_data_exported",
            obj=customer,
            changes={"sections": {s.key: len(s.rows) for s in sections}},
        )
    return {
        "customer": customer.code,
        "generated_at": timezone.localtime().isoformat(),
        "sections": [
            {
                "key": s.key,
                "title": {lang: _render(s.title, lang) for lang in LANGUAGES},
                "columns": [
                    {"name": name, "label": {lang: _render(label, lang) for lang in LANGUAGES}}
                    for name, label in s.columns
                ],
                "rows": s.rows,
            }
            for s in sections
        ],
    }


def erase_personal_data(user: User | None, customer: Customer, *, confirm: str) -> Erasure:
    """Anonymise ``customer`` everywhere (``confirm`` must repeat the customer number). Counts,
    answers' values, tiers and value figures stay, so statistics do not change."""
    if user is not None:
        require(user, Action.ERASE_PERSONAL_DATA, customer)
    if confirm.strip() != customer.code:
        raise ServiceError(
            {
                "confirm": [
                    _("Type the customer number %(code)s to confirm.") % {"code": customer.code}
                ]
            }
        )
    ids = _identifiers(customer)
    erasure = Erasure(customer.pk)
    with transaction.atomic():
        for source in _SOURCES.values():
            for what, count in source.erase(customer, ids).items():
                erasure.changed[f"{source.key}.{what}"] = count
        customer.refresh_from_db()
        record_event(
            actor=user,
            action="personal_data_erased",
            obj=customer,
            changes={"changed": dict(erasure.changed)},
        )
    return erasure


# --- the copy as a workbook --------------------------------------------------------------------


def write_copy_xlsx(copy: dict[str, Any]) -> bytes:
    """The copy as an XLSX workbook: one sheet per section, the section's title above a header row
    in both languages, every text through the formula guard (:mod:`qiwang.xlsx`)."""
    from qiwang.xlsx import Sheet, write_workbook

    def sheet(number: int, section: dict[str, Any]) -> Sheet:
        title, columns = section["title"], section["columns"]
        return Sheet(
            f"{number} {title['en']}",
            [f"{c['label']['zh-hans']} / {c['label']['en']}" for c in columns],
            ([_cell(row.get(c["name"])) for c in columns] for row in section["rows"]),
            title=f"{title['zh-hans']} / {title['en']}",
        )

    out = io.BytesIO()
    write_workbook(out, (sheet(n, s) for n, s in enumerate(copy["sections"], start=1)))
    return out.getvalue()


def _cell(value: Any) -> Any:
    """A cell of the copy: numbers and truth values as they are, lists and objects as JSON, the
    rest as text (the writer guards every text against formulas)."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, list | dict):
        import json

        value = json.dumps(value, ensure_ascii=False)
    return str(value)
