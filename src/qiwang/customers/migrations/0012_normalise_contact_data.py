"""Existing rows: phone numbers to E.164 and search keys filled (ADR 0120).

A number that cannot be parsed is left as it is and reported (row id and a masked value, never
the number itself): fix those on the customer page or by a re-import. Safe to run again.
"""

import logging

from django.db import migrations

from qiwang.customers.phones import mask_phone, try_normalise_phone
from qiwang.customers.search import search_key

logger = logging.getLogger("qiwang.customers.migrations")
BATCH = 1000


def _report(kind: str, pk: int, value: str) -> None:
    message = f"{kind} {pk}: phone {mask_phone(value)!r} is not a phone number; left unchanged"
    logger.warning(message)
    print(f"\n  {message}", end="")


def _phones(model, kind: str, *, with_key: bool) -> tuple[int, int]:
    fields = ["phone", "name", "code", "search_key"] if with_key else ["phone"]
    changed, refused, batch = 0, 0, []
    for row in model.objects.only("pk", *fields).order_by("pk").iterator(chunk_size=BATCH):
        before = (row.phone, getattr(row, "search_key", None))
        phone = try_normalise_phone(row.phone)
        if phone is None:
            refused += 1
            _report(kind, row.pk, row.phone)
        else:
            row.phone = phone
        if with_key:
            row.search_key = search_key(name=row.name, code=row.code, phone=row.phone)
        if (row.phone, getattr(row, "search_key", None)) != before:
            batch.append(row)
        if len(batch) >= BATCH:
            model.objects.bulk_update(batch, [f for f in ("phone", "search_key") if f in fields])
            changed += len(batch)
            batch = []
    if batch:
        model.objects.bulk_update(batch, [f for f in ("phone", "search_key") if f in fields])
        changed += len(batch)
    return changed, refused


def normalise(apps, schema_editor):
    customers = _phones(apps.get_model("customers", "Customer"), "customer", with_key=True)
    contacts = _phones(apps.get_model("customers", "Contact"), "contact", with_key=False)
    if customers[1] or contacts[1]:
        print(
            f"\n  {customers[1]} customer and {contacts[1]} contact phone numbers could not be "
            "read; they are unchanged.",
            end="",
        )


class Migration(migrations.Migration):
    dependencies = [("customers", "0011_customer_search_key")]

    operations = [migrations.RunPython(normalise, migrations.RunPython.noop, elidable=True)]
