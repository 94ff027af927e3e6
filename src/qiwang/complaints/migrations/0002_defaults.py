"""Default categories, compensation menu, role limits, SLA targets and reply templates.

Managers change all of them afterwards (admin and pages); this only gives a new organisation a
working start.
"""

from django.db import migrations

CATEGORIES = [
    # code, zh, en, dimension, failure kind, 24/7, heating
    ("heating", "供暖温度", "Heating temperature", "reliability", "failed_service", True, True),
    ("heating_outage", "停暖", "Heating outage", "reliability", "failed_service", True, False),
    ("water_outage", "停水 / 漏水", "Water outage or leak", "reliability", "failed_service", True, False),
    ("repair", "报修未处理", "Repair not done", "responsiveness", "failed_service", False, False),
    ("cleanliness", "环境卫生", "Cleanliness", "tangibles", "failed_service", False, False),
    ("security", "安全秩序", "Security", "assurance", "failed_service", False, False),
    ("staff_attitude", "服务态度", "Staff attitude", "empathy", "neglect", False, False),
    ("billing", "收费争议", "Billing dispute", "reliability", "money_loss", False, False),
    ("noise", "噪音扰民", "Noise", "tangibles", "neglect", False, False),
    ("general", "其他", "Other", "reliability", "failed_service", False, False),
]

OPTIONS = [
    # code, zh, en, kind, value
    ("apology_visit", "上门致歉", "Apology visit", "apology", 0),
    ("free_cleaning", "免费保洁一次", "One free cleaning", "free_service", 80),
    ("free_repair", "免费维修一次", "One free repair", "free_service", 150),
    ("gift_box", "小礼品", "Small gift", "gift", 50),
    ("discount_10", "物业费九折一个月", "10 % off one month's fee", "discount", 30),
    ("extra_time", "延长服务时间", "Extra service time", "extra", 60),
    ("heating_refund", "按天退还供暖费", "Heating fee back per day", "refund", 200),
    ("refund", "退款", "Money back", "refund", 100),
]

LIMITS = [("agent", 100), ("account_manager", 300), ("quality_manager", 2000), ("administrator", 100000)]

# (first response, resolution) business hours by tier and severity
TARGETS = {
    "vip": {"critical": (0.5, 4), "high": (1, 8), "medium": (2, 16), "low": (4, 27)},
    "important": {"critical": (1, 6), "high": (2, 12), "medium": (3, 24), "low": (6, 36)},
    "high_quality": {"critical": (1, 8), "high": (2, 16), "medium": (4, 27), "low": (8, 45)},
    "general": {"critical": (1, 8), "high": (2, 16), "medium": (4, 27), "low": (8, 45)},
    "": {"critical": (1, 8), "high": (2, 16), "medium": (4, 27), "low": (8, 45)},
}

TEMPLATES = [
    ("listen", "zh-hans", "您慢慢说，我在认真听。"),
    ("listen", "en", "Please take your time; I am listening."),
    ("apologise", "zh-hans", "非常抱歉给您带来不便，我理解您的感受，我们会尽快为您解决问题。"),
    ("apologise", "en", "I am very sorry for the trouble. I understand how you feel, and we will solve this as quickly as we can."),
    ("gather", "zh-hans", "为了尽快解决，想跟您确认几个细节：是从什么时候开始的？具体在哪个位置？"),
    ("gather", "en", "So that we can solve it quickly, may I confirm a few details: since when, and where exactly?"),
    ("propose", "zh-hans", "我们今天安排师傅上门处理，同时为您提供一次免费服务，您看这样可以吗？"),
    ("propose", "en", "We will send an engineer today and, at the same time, offer you one free service. Would that work for you?"),
    ("escalate", "zh-hans", "您希望我们怎样处理？我马上请有权限的负责人和您联系。"),
    ("escalate", "en", "What would you like us to do? I will ask a manager who can decide to contact you right away."),
    ("follow_up", "zh-hans", "上次的问题现在解决了吗？还有其他需要我们改进的地方吗？"),
    ("follow_up", "en", "Has the problem been solved? Is there anything else we should improve?"),
]

HEATING_TEMPLATES = [
    ("gather", "zh-hans", "按本地规定，供暖期室内温度不低于 {standard} °C。请问您测得的温度是多少？测量位置是房间中央、离地 1.4 米吗？门窗是否关闭？"),
    ("gather", "en", "Local rules promise at least {standard} °C indoors in the heating season. What temperature did you measure? In the middle of the room, 1.4 m above the floor, with windows closed?"),
]


def seed(apps, schema_editor):
    Category = apps.get_model("complaints", "Category")
    Option = apps.get_model("complaints", "CompensationOption")
    RoleLimit = apps.get_model("complaints", "RoleLimit")
    SlaTarget = apps.get_model("complaints", "SlaTarget")
    Template = apps.get_model("complaints", "ReplyTemplate")
    for code, zh, en, dimension, failure, always, heating in CATEGORIES:
        Category.objects.get_or_create(
            code=code,
            defaults={"name_zh": zh, "name_en": en, "dimension": dimension,
                      "failure_kind": failure, "round_the_clock": always, "is_heating": heating},
        )
    for code, zh, en, kind, value in OPTIONS:
        Option.objects.get_or_create(
            code=code, defaults={"name_zh": zh, "name_en": en, "kind": kind, "default_value": value}
        )
    for role, value in LIMITS:
        RoleLimit.objects.get_or_create(role=role, defaults={"max_value": value})
    for tier, rows in TARGETS.items():
        for severity, (first, resolution) in rows.items():
            SlaTarget.objects.get_or_create(
                tier=tier, severity=severity,
                defaults={"first_response_hours": first, "resolution_hours": resolution},
            )
    for step, language, text in TEMPLATES:
        Template.objects.get_or_create(step=step, language=language, category=None, text=text)
    heating = Category.objects.get(code="heating")
    for step, language, text in HEATING_TEMPLATES:
        Template.objects.get_or_create(step=step, language=language, category=heating, text=text)


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
