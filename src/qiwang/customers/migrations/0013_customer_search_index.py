"""The index behind customer search (ADR 0120).

PostgreSQL: a trigram GIN index (pg_trgm), which answers ``search_key LIKE '%…%'`` without
reading the table. SQLite has no such index; a plain one is created there.
"""

from django.db import migrations

INDEX = "customers_customer_search_key"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON customers_customer "
            "USING gin (search_key gin_trgm_ops)"
        )
    else:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON customers_customer (search_key)"
        )


def drop(apps, schema_editor):
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("customers", "0012_normalise_contact_data")]

    operations = [migrations.RunPython(create, drop)]
