"""The customer's language for messages (zh-hans / en) and the English text of message templates
(issue 15, item 4).

SQLite adds a NOT NULL column by rebuilding the table, which loses the search index migration
0013 created with raw SQL; it is created again here (``IF NOT EXISTS``: nothing happens on
PostgreSQL, where the column is added in place).
"""

import importlib

from django.db import migrations, models


def search_index_again(apps, schema_editor):
    importlib.import_module("qiwang.customers.migrations.0013_customer_search_index").create(
        apps, schema_editor
    )


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0013_customer_search_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="language",
            field=models.CharField(
                choices=[("zh-hans", "Simplified Chinese"), ("en", "English")],
                default="zh-hans",
                help_text="The language greetings and survey invitations are written in.",
                max_length=10,
                verbose_name="language",
            ),
        ),
        migrations.AddField(
            model_name="messagetemplate",
            name="body_en",
            field=models.TextField(blank=True, verbose_name="text (English)"),
        ),
        migrations.AddField(
            model_name="messagetemplate",
            name="subject_en",
            field=models.CharField(blank=True, max_length=120, verbose_name="subject (English)"),
        ),
        migrations.RunPython(search_index_again, migrations.RunPython.noop),
    ]
