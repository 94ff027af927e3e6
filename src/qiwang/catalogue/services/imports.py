"""Deliveries from a CSV or XLSX file: a dry run first, then all or nothing.

Columns (header names in English or Chinese, any order): ``service`` (the service code),
``customer`` (customer number), ``delivered_at``, ``value``, ``unit``, ``reference``, ``note``,
``cost``. A file for one service may leave out ``service`` when the service is given. Files are
read by the customers' import reader (``customers.services.io.read_table``: UTF-8, GBK, XLSX,
formula guard undone).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from qiwang.accounts.models import User
from qiwang.catalogue.choices import DeliverySource
from qiwang.catalogue.models import Service
from qiwang.catalogue.services.deliveries import MAX_ITEMS, DeliveryBatch, record_deliveries
from qiwang.customers.services.io import read_table
from qiwang.errors import ServiceError

HEADERS = {
    "service": ("service", "service code", "服务", "服务编码", "服务项目"),
    "customer": ("customer", "customer number", "客户", "客户编号"),
    "delivered_at": ("delivered_at", "delivered at", "time", "date", "交付时间", "时间", "日期"),
    "value": ("value", "measured value", "测量值", "数值"),
    "unit": ("unit", "单位"),
    "reference": ("reference", "work order", "外部编号", "工单号"),
    "note": ("note", "备注"),
    "cost": ("cost", "成本"),
}
_ALIASES = {alias.casefold(): key for key, aliases in HEADERS.items() for alias in aliases}


@dataclass
class DeliveryImport:
    batch: DeliveryBatch
    rows: int
    stored: bool
    file_format: str

    @property
    def issues(self) -> list[dict[str, Any]]:
        """``{"row", "field", "message"}`` per problem; row 1 is the header."""
        return [
            {"row": r.index + 2, "field": name, "message": message}
            for r in self.batch.invalid
            for name, messages in r.errors.items()
            for message in messages
        ]


def import_deliveries(
    *,
    actor: User,
    content: bytes,
    filename: str,
    service: Service | None = None,
    dry_run: bool = True,
) -> DeliveryImport:
    """Check (``dry_run``) or store the deliveries of a file; nothing is stored when any row
    fails."""
    file_format, _encoding, rows = read_table(content, filename)
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise ServiceError(_("The file is empty."), field="file")
    header = [_ALIASES.get(cell.strip().casefold()) for cell in rows[0]]
    unknown = [
        cell for cell, key in zip(rows[0], header, strict=True) if key is None and cell.strip()
    ]
    if unknown:
        raise ServiceError(
            _("Unknown column %(value)s; the columns are: %(columns)s.")
            % {"value": unknown[0], "columns": ", ".join(HEADERS)},
            field="file",
        )
    needed = {"customer", "delivered_at"} | (set() if service is not None else {"service"})
    missing = sorted(needed - set(header))
    if missing:
        raise ServiceError(
            _("The file has no column %(value)s.") % {"value": missing[0]}, field="file"
        )
    body = rows[1:]
    if not body:
        raise ServiceError(_("The file has a header but no rows."), field="file")
    if len(body) > MAX_ITEMS:
        raise ServiceError(
            _("%(count)s rows in one file; at most %(max)s.")
            % {"count": len(body), "max": MAX_ITEMS},
            field="file",
        )
    items: list[dict[str, Any]] = []
    for row in body:
        item: dict[str, Any] = {
            key: cell.strip() for key, cell in zip(header, row, strict=False) if key
        }
        if service is not None:
            item["service"] = service.pk
        items.append(item)
    batch = record_deliveries(
        actor=actor, items=items, source=DeliverySource.IMPORT, all_or_nothing=True, dry_run=dry_run
    )
    stored = not dry_run and not batch.failed
    return DeliveryImport(batch=batch, rows=len(body), stored=stored, file_format=file_format)
