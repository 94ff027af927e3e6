"""The default maintenance plans of docs/customers.md (editable by the service-quality manager)."""

from django.db import migrations

TIMELINESS_AND_MORE = ["supply_timeliness", "pass_rate", "company_news", "other_suppliers"]
DEFAULT_PLANS = [
    {"tier": "vip", "frequency": "daily", "weekdays": [], "topics": TIMELINESS_AND_MORE},
    {"tier": "important", "frequency": "weekly", "weekdays": [0, 3], "topics": TIMELINESS_AND_MORE},
    {
        "tier": "high_quality",
        "frequency": "weekly",
        "weekdays": [0, 3],
        "topics": ["supply_timeliness", "pass_rate", "potential"],
    },
    {"tier": "general", "frequency": "monthly", "weekdays": [], "topics": ["delivery_check"]},
]


def create_plans(apps, schema_editor):
    plan_model = apps.get_model("customers", "MaintenancePlan")
    for plan in DEFAULT_PLANS:
        plan_model.objects.get_or_create(tier=plan["tier"], defaults={**plan, "channel": "phone"})


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_maintenance_tasks_allocation")]

    operations = [migrations.RunPython(create_plans, migrations.RunPython.noop)]
