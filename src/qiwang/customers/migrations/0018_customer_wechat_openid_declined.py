"""A customer who objected to having their WeChat openid collected (docs/privacy.md).

On SQLite, adding a column rebuilds the table, which drops the plain search index that 0013
created outside the model's Meta; it is created again here, as in 0017 (PostgreSQL keeps its GIN
index).
"""

from django.db import migrations, models

from qiwang.customers.search import restore_sqlite_index


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0017_customer_wechat_openid"),
    ]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="wechat_openid_declined",
            field=models.BooleanField(
                default=False,
                help_text=(
                    "The customer objected: their invitations never ask WeChat for the openid. "
                    "Ticking it also clears the openid above."
                ),
                verbose_name="do not collect the WeChat openid",
            ),
        ),
        migrations.RunPython(restore_sqlite_index, migrations.RunPython.noop),
    ]
