# Issue 10: API tokens expire by default and may create tokens only when granted.

import datetime

from django.db import migrations, models
from django.utils import timezone

LEGACY_GRACE_DAYS = 90


def expire_legacy_tokens(apps, schema_editor):
    """Tokens made before expiry existed never expired: give them 90 days from this migration."""
    ApiToken = apps.get_model("accounts", "ApiToken")
    deadline = timezone.now() + datetime.timedelta(days=LEGACY_GRACE_DAYS)
    ApiToken.objects.filter(expires_at__isnull=True, revoked_at__isnull=True).update(
        expires_at=deadline
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_seed_working_calendar"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="can_create_tokens",
            field=models.BooleanField(
                default=False,
                help_text="Requests made with this token may create further API tokens.",
                verbose_name="may create tokens",
            ),
        ),
        migrations.RunPython(expire_legacy_tokens, migrations.RunPython.noop),
    ]
