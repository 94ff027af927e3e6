"""The database cache's table (``QIWANG_CACHE_URL`` unset or ``db://``), created with the schema so
that ``migrate`` is the only step, whatever cache the settings name today."""

from django.db import migrations

from qiwang.project.config import CACHE_TABLE


def create(apps, schema_editor):  # type: ignore[no-untyped-def]
    from django.core.management import call_command

    del apps
    call_command(
        "createcachetable", CACHE_TABLE, database=schema_editor.connection.alias, verbosity=0
    )


def drop(apps, schema_editor):  # type: ignore[no-untyped-def]
    del apps
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(CACHE_TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("operations", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
