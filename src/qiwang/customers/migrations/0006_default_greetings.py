"""Default greeting channels per tier and message templates per tier, channel and occasion.

docs/customers.md: VIP and important customers are greeted by phone (or SMS), the others by SMS;
every tier gets holiday greetings. Templates are data: the service-quality manager edits them.
Placeholders: {customer}, {occasion}, {manager}, {company}.
"""

from django.db import migrations

GREETING_CHANNELS = {"vip": "phone", "important": "phone", "high_quality": "sms", "general": "sms"}

BODIES = {
    "public_holiday": "{customer}您好！{occasion}将至，{company}祝您节日快乐、万事顺意。感谢您一直以来的信任与支持！——客户经理{manager}",
    "festival": "{customer}您好！值此{occasion}佳节，{company}恭祝您阖家幸福、生意兴隆。——客户经理{manager}",
    "birthday": "{customer}您好！今天是您的生日，{company}全体同仁祝您生日快乐、身体健康！——客户经理{manager}",
    "anniversary": "{customer}您好！欣逢贵公司周年庆，{company}谨致诚挚祝贺，愿合作长久、共创佳绩。——客户经理{manager}",
    "product_launch": "{customer}您好！{company}新品“{occasion}”正式发布，诚邀您了解试用，如有需要请随时联系我。——客户经理{manager}",
    "sales_rise": "{customer}您好！感谢您近期对{company}的大力支持，您的订货量持续增长，我们将全力保障供应与服务。——客户经理{manager}",
}
SUBJECTS = {
    "public_holiday": "{occasion}快乐",
    "festival": "{occasion}快乐",
    "birthday": "生日快乐",
    "anniversary": "周年志庆",
    "product_launch": "新品发布：{occasion}",
    "sales_rise": "感谢您的支持",
}
PHONE_SCRIPT = (
    "电话问候要点：{occasion}问候；感谢合作；询问近期供货及时率与验收合格率；了解对方公司动态。"
)


def create_defaults(apps, schema_editor):
    plan_model = apps.get_model("customers", "MaintenancePlan")
    template_model = apps.get_model("customers", "MessageTemplate")
    for tier, channel in GREETING_CHANNELS.items():
        plan_model.objects.filter(tier=tier).update(greeting_channel=channel)
    for kind, body in BODIES.items():
        for tier in GREETING_CHANNELS:
            for channel in ("sms", "email", "phone"):
                text = PHONE_SCRIPT if channel == "phone" else body
                if tier == "vip" and channel != "phone":
                    text = text.replace("您好！", "尊敬的贵宾，您好！", 1)
                template_model.objects.get_or_create(
                    tier=tier,
                    channel=channel,
                    occasion_kind=kind,
                    defaults={"subject": SUBJECTS[kind], "body": text},
                )


class Migration(migrations.Migration):
    dependencies = [("customers", "0005_greetings")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
