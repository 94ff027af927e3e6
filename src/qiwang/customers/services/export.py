"""Customer export (客户导出): the customers a user sees, as CSV (streamed) or XLSX.

The same columns as the import (``IMPORT_COLUMNS``) plus read-only figures, so that an export of
an account manager imports back unchanged; personal data passes through
``customers.presentation.personal_fields``, masked exactly as on the list page.
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Iterator
from decimal import Decimal
from typing import IO, Any

from django.utils import timezone

from qiwang.accounts.models import User
from qiwang.accounts.permissions import Action, can
from qiwang.customers.presentation import MASK, personal_fields
from qiwang.customers.services.io import EXPORT_COLUMNS, guard_formula
from qiwang.xlsx import write_xlsx

__all__ = ["EXPORT_COLUMNS", "export_csv_chunks", "export_rows", "export_xlsx"]

REVENUE = EXPORT_COLUMNS.index("revenue")


def export_rows(user: User, customers: Any) -> Iterator[list[Any]]:
    """One list per customer in ``EXPORT_COLUMNS`` order, personal data as ``user`` may see it.

    ``customers`` is already scoped (``Customer.objects.for_user(user)`` plus the list filters);
    it is read in chunks, so memory stays flat for 100 000 customers.
    """
    rows = customers.select_related("branch", "account_manager").order_by("code")
    for customer in rows.iterator(chunk_size=2000):
        personal = personal_fields(customer, user)
        if "wechat" in personal:
            wechat = personal["wechat"]
        elif can(user, Action.VIEW_PERSONAL_DATA, customer):
            wechat = customer.wechat
        else:
            wechat = MASK if customer.wechat else ""
        manager = customer.account_manager
        yield [
            customer.code,
            customer.name,
            customer.kind,
            customer.tier,
            customer.branch.code,
            manager.username if manager is not None else "",
            personal["phone"],
            personal["email"],
            personal["address"],
            wechat,
            personal["wechat_openid"],
            customer.notes,
            customer.language,
            customer.orders_count,
            customer.revenue,
            timezone.localtime(customer.last_activity_at).replace(tzinfo=None)
            if customer.last_activity_at
            else None,
            timezone.localtime(customer.created_at).replace(tzinfo=None),
        ]


class _Echo:
    def write(self, value: str) -> str:
        return value


def export_csv_chunks(user: User, customers: Any) -> Iterator[bytes]:
    """The export as UTF-8 CSV (with BOM, for Excel), yielded in chunks for a streaming response."""
    writer = csv.writer(_Echo())
    yield ("\ufeff" + writer.writerow(EXPORT_COLUMNS)).encode("utf-8")
    batch: list[str] = []
    for row in export_rows(user, customers):
        row = ["" if value is None else _csv_value(value) for value in row]
        batch.append(writer.writerow(row))
        if len(batch) >= 1000:
            yield "".join(batch).encode("utf-8")
            batch = []
    if batch:
        yield "".join(batch).encode("utf-8")


def _csv_value(value: Any) -> str:
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, str):
        return guard_formula(value)
    return str(value)


def export_xlsx(user: User, customers: Any, target: IO[bytes]) -> int:
    """Write the export as XLSX to ``target`` (XlsxWriter in constant memory, Excel's limits
    respected: see :mod:`qiwang.xlsx`).

    Numbers are numbers and times are times in the sheet. Returns the number of customers.
    """

    def typed() -> Iterator[list[Any]]:
        for row in export_rows(user, customers):
            row[REVENUE] = Decimal(row[REVENUE])  # revenue: a number, not text
            yield row  # the writer guards every text cell

    return write_xlsx(target, EXPORT_COLUMNS, typed(), sheet="customers")
