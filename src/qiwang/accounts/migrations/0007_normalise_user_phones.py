"""Users' phone numbers in E.164, like customers' (``qiwang.phones``, ADR 0120).

Every number that parses is rewritten in E.164; a value that does not parse is left as it is and
printed, so an administrator can correct it in the admin (which now refuses such values).
Reversing keeps the E.164 values (they are valid numbers either way)."""

from django.db import migrations


def normalise_user_phones(apps, schema_editor):
    from qiwang.phones import try_normalise_phone

    User = apps.get_model("accounts", "User")
    changed = 0
    unparseable = []
    for user in User.objects.exclude(phone="").only("pk", "username", "phone").iterator():
        value = try_normalise_phone(user.phone)
        if value is None:
            unparseable.append(user)
        elif value != user.phone:
            User.objects.filter(pk=user.pk).update(phone=value)
            changed += 1
    if changed or unparseable:
        print(f"\n  Users' phones: {changed} rewritten in E.164, {len(unparseable)} not parseable.")
    for user in unparseable:
        print(f"  user {user.pk} ({user.username}): {user.phone!r} left as it is")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0006_mfa_and_session_generation")]

    operations = [migrations.RunPython(normalise_user_phones, migrations.RunPython.noop)]
