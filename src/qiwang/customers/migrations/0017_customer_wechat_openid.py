"""The customer's WeChat Official Account openid (issue 17, item 5; docs/messaging.md).

On SQLite, adding a column rebuilds the table, which drops the plain search index that 0013
created outside the model's Meta; it is created again here (PostgreSQL keeps its GIN index).
"""

from django.db import migrations, models

from qiwang.customers.search import restore_sqlite_index


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0016_outbound_message_receipt"),
    ]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="wechat_openid",
            field=models.CharField(
                blank=True,
                help_text=(
                    "The customer's openid at your WeChat Official Account (given when they "
                    "follow it); survey invitations and greetings can be sent to it."
                ),
                max_length=64,
                verbose_name="WeChat openid",
            ),
        ),
        migrations.RunPython(restore_sqlite_index, migrations.RunPython.noop),
    ]
