"""Reporters' phone numbers stored before ADR 0120 to E.164; unreadable ones kept and reported
(complaint id and a masked value, never the number)."""

import logging

from django.db import migrations

from qiwang.customers.phones import mask_phone, try_normalise_phone

logger = logging.getLogger("qiwang.complaints.migrations")
BATCH = 1000


def normalise(apps, schema_editor):
    complaint_model = apps.get_model("complaints", "Complaint")
    rows = complaint_model.objects.exclude(reporter_phone="").only("pk", "reporter_phone")
    batch, refused = [], 0
    for row in rows.order_by("pk").iterator(chunk_size=BATCH):
        phone = try_normalise_phone(row.reporter_phone)
        if phone is None:
            refused += 1
            message = (
                f"complaint {row.pk}: reporter phone {mask_phone(row.reporter_phone)!r} is not a "
                "phone number; left unchanged"
            )
            logger.warning(message)
            print(f"\n  {message}", end="")
        elif phone != row.reporter_phone:
            row.reporter_phone = phone
            batch.append(row)
        if len(batch) >= BATCH:
            complaint_model.objects.bulk_update(batch, ["reporter_phone"])
            batch = []
    if batch:
        complaint_model.objects.bulk_update(batch, ["reporter_phone"])


class Migration(migrations.Migration):
    dependencies = [("complaints", "0002_defaults")]

    operations = [migrations.RunPython(normalise, migrations.RunPython.noop, elidable=True)]
