"""Seed the working-day calendar with every year the installed chinese-calendar package knows."""

from django.db import migrations


def seed(apps, schema_editor):
    from qiwang.accounts.calendar_services import seed_calendar_from_library

    seed_calendar_from_library(
        day_model=apps.get_model("accounts", "CalendarDay"),
        year_model=apps.get_model("accounts", "CalendarYear"),
    )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_working_calendar")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
