"""The four industry profiles' starting data (ADR 0080): contact topics with their questions and
measurements, care plans, greeting texts and allocation goods. Everything is editable afterwards.

Existing rows stay meaningful: the plans, templates and interactions of before are the B2B
supplier profile's (docs/customers.md came from a B2B supplier), the old topic codes are its topics,
and the two measured columns of earlier interactions become answers.

The greeting texts are fixed on the way: "尊敬的{customer}，您好！" instead of the name run into
"尊敬的贵宾", and the signature is the manager's display name alone ("——{manager}"), which already
says 客户经理.
"""

from decimal import Decimal

from django.conf import settings
from django.db import migrations

YES_NO, NUMBER, NONE = "yes_no", "number", "none"

# (code, label, label_en, question, question_en, measure, unit, min, max, below, above, on_no)
TOPICS = {
    "b2b_supplier": [
        ("supply_timeliness", "供货及时性", "Supply timeliness", "我们供货是否及时？",
         "Was our supply on time?", YES_NO, "", None, None, None, None, True),
        ("pass_rate", "检验合格率", "Inspection pass rate", "验收合格率",
         "Inspection pass rate", NUMBER, "%", 0, 100, "PASS", None, False),
        ("company_news", "公司动态", "Company news", "对方公司近期有什么动态？",
         "Any news at the customer's company?", NONE, "", None, None, None, None, False),
        ("other_suppliers", "其他供应商", "Other suppliers", "是否在接触其他供应商？",
         "Are they talking to other suppliers?", NONE, "", None, None, None, None, False),
        ("potential", "增长潜力", "Potential to grow", "还有哪些需求我们可以满足？",
         "What more could we supply?", NONE, "", None, None, None, None, False),
        ("delivery_check", "到货数量与外观", "Delivery count and appearance",
         "到货数量和外观是否正常？", "Were the delivered count and appearance right?", YES_NO,
         "", None, None, None, None, True),
    ],
    "property": [
        ("repair_follow_up", "报修回访", "Repair follow-up", "最近的报修是否已经修好？",
         "Was the last repair fixed?", YES_NO, "", None, None, None, None, True),
        ("cleanliness", "环境保洁", "Cleanliness", "对楼道和公共区域的保洁满意吗？",
         "Happy with the cleaning of stairs and common areas?", YES_NO, "", None, None, None,
         None, True),
        ("security", "安全秩序", "Security", "对门岗和夜间巡逻满意吗？",
         "Happy with the gate and night patrols?", YES_NO, "", None, None, None, None, True),
        ("fees", "物业费", "Property fees", "对物业费和收支公示有疑问吗？",
         "Any question about the fees or the published accounts?", NONE, "", None, None, None,
         None, False),
        ("community_events", "社区活动", "Community events", "想参加哪些邻里活动？",
         "Which neighbourhood events would they join?", NONE, "", None, None, None, None,
         False),
        ("satisfaction", "总体满意度", "Overall satisfaction", "给我们的服务打几分（1–10）？",
         "How would they score our service (1–10)?", NUMBER, "分", 1, 10, "6", None, False),
    ],
    "heating": [
        ("indoor_temperature", "室内温度", "Indoor temperature", "室内温度是多少？",
         "What is the indoor temperature?", NUMBER, "°C", -10, 40, "18", None, False),
        ("payment", "采暖费缴纳", "Heating fee payment", "本季采暖费是否已缴纳？",
         "Is this season's heating fee paid?", YES_NO, "", None, None, None, None, False),
        ("outage_notice", "停热通知", "Outage notice", "停热、检修是否提前收到通知？",
         "Were outages and repairs announced in advance?", YES_NO, "", None, None, None, None,
         True),
        ("radiator_check", "暖气片检查", "Radiator check", "暖气片是否有跑冒滴漏？",
         "Any leaking radiator or pipe?", NONE, "", None, None, None, None, False),
    ],
    "developer": [
        ("construction_progress", "工程进度", "Construction progress", "对工程进度的通报满意吗？",
         "Happy with the construction progress reports?", YES_NO, "", None, None, None, None,
         True),
        ("handover", "交房验收", "Handover inspection", "交房验收发现几处问题？",
         "How many defects did the handover inspection find?", NUMBER, "处", 0, 999, None,
         "3", False),
        ("warranty_repairs", "保修维修", "Warranty repairs", "保修期内的维修是否及时？",
         "Are warranty repairs done on time?", YES_NO, "", None, None, None, None, True),
        ("community_facilities", "配套设施", "Community facilities", "对学校、商业等配套有什么期待？",
         "What do they expect of schools, shops and other facilities?", NONE, "", None, None,
         None, None, False),
    ],
}

# Care plans of each profile (the B2B ones exist already where migration 0003 ran; they are
# created only where missing, e.g. after a test flushed the tables).
# (tier, frequency, weekdays, topics, greeting channel)
B2B_TOPICS = ["supply_timeliness", "pass_rate", "company_news", "other_suppliers"]
PLANS = {
    "b2b_supplier": [
        ("vip", "daily", [], B2B_TOPICS, "phone"),
        ("important", "weekly", [0, 3], B2B_TOPICS, "phone"),
        ("high_quality", "weekly", [0, 3], ["supply_timeliness", "pass_rate", "potential"], "sms"),
        ("general", "monthly", [], ["delivery_check"], "sms"),
    ],
    "property": [
        ("vip", "weekly", [0, 3], ["repair_follow_up", "cleanliness", "security", "satisfaction"],
         "phone"),
        ("important", "weekly", [2], ["repair_follow_up", "cleanliness", "security"], "phone"),
        ("high_quality", "monthly", [], ["repair_follow_up", "community_events", "satisfaction"],
         "sms"),
        ("general", "monthly", [], ["repair_follow_up", "fees", "satisfaction"], "sms"),
    ],
    "heating": [
        ("vip", "weekly", [0, 3], ["indoor_temperature", "outage_notice", "radiator_check"],
         "phone"),
        ("important", "weekly", [1], ["indoor_temperature", "outage_notice"], "phone"),
        ("high_quality", "monthly", [], ["indoor_temperature", "payment"], "sms"),
        ("general", "monthly", [], ["indoor_temperature", "payment"], "sms"),
    ],
    "developer": [
        ("vip", "weekly", [1], ["construction_progress", "handover", "warranty_repairs"],
         "phone"),
        ("important", "weekly", [1], ["construction_progress", "warranty_repairs"], "phone"),
        ("high_quality", "monthly", [], ["warranty_repairs", "community_facilities"], "sms"),
        ("general", "monthly", [], ["warranty_repairs"], "sms"),
    ],
}

SIGN = "——{manager}"
BODIES = {
    "b2b_supplier": {
        "public_holiday": "{occasion}将至，{company}祝您节日快乐、万事顺意。感谢您一直以来的信任与支持！",
        "festival": "值此{occasion}佳节，{company}恭祝您阖家幸福、生意兴隆。",
        "birthday": "今天是您的生日，{company}全体同仁祝您生日快乐、身体健康！",
        "anniversary": "欣逢贵公司周年庆，{company}谨致诚挚祝贺，愿合作长久、共创佳绩。",
        "product_launch": "{company}新品“{occasion}”正式发布，诚邀您了解试用，如有需要请随时联系我。",
        "sales_rise": "感谢您近期对{company}的大力支持，您的订货量持续增长，我们将全力保障供应与服务。",
    },
    "property": {
        "public_holiday": "{occasion}将至，{company}祝您和家人节日快乐！假期我们的管家与维修值班照常，有事请随时联系。",
        "festival": "值此{occasion}佳节，{company}祝您阖家幸福、平安喜乐。",
        "birthday": "今天是您的生日，{company}祝您生日快乐、身体健康！",
        "anniversary": "欣逢贵店周年庆，{company}谨致祝贺，感谢您与社区一路同行。",
        "product_launch": "社区活动“{occasion}”即将举行，诚邀您和家人参加，详情请咨询物业服务中心。",
        "sales_rise": "感谢您一直以来对{company}工作的支持，我们会继续把服务做好。",
    },
    "heating": {
        "public_holiday": "{occasion}将至，{company}祝您节日快乐！假期供热抢修热线全天值守。",
        "festival": "值此{occasion}佳节，{company}祝您阖家团圆、温暖如春。",
        "birthday": "今天是您的生日，{company}祝您生日快乐、温暖安康！",
        "anniversary": "欣逢贵单位周年庆，{company}谨致祝贺。",
        "product_launch": "“{occasion}”即将推出，{company}诚邀您了解，如有疑问请联系我。",
        "sales_rise": "感谢您对{company}供热工作的支持，我们将继续保障稳定供热。",
    },
    "developer": {
        "public_holiday": "{occasion}将至，{company}祝您节日快乐、阖家安康！",
        "festival": "值此{occasion}佳节，{company}祝您阖家幸福、安居乐业。",
        "birthday": "今天是您的生日，{company}祝您生日快乐、身体健康！",
        "anniversary": "欣逢贵公司周年庆，{company}谨致祝贺。",
        "product_launch": "“{occasion}”即将举行，诚邀您莅临，如需安排请随时联系我。",
        "sales_rise": "感谢您对{company}的信任与支持，我们将全力做好交付与服务。",
    },
}
SUBJECTS = {
    "public_holiday": "{occasion}快乐",
    "festival": "{occasion}快乐",
    "birthday": "生日快乐",
    "anniversary": "周年志庆",
    "product_launch": "{occasion}",
    "sales_rise": "感谢您的支持",
}
PHONE_SCRIPTS = {
    "b2b_supplier": "电话问候要点：{occasion}问候；感谢合作；询问近期供货及时率与验收合格率；了解对方公司动态。",
    "property": "电话问候要点：{occasion}问候；询问最近的报修是否修好、对保洁和安保是否满意；介绍近期社区活动。",
    "heating": "电话问候要点：{occasion}问候；询问室内温度是否达标；提醒抢修热线；了解暖气有无跑冒滴漏。",
    "developer": "电话问候要点：{occasion}问候；通报工程或交付进度；询问保修维修是否及时。",
}
GREETING_CHANNELS = {"vip": "phone", "important": "phone", "high_quality": "sms", "general": "sms"}

GOODS = {
    "b2b_supplier": [("冬季供暖用阀门 DN25", "Heating valve DN25"), ("节能型智慧水表", "Smart water meter")],
    "property": [
        ("新能源车充电车位", "EV charging space"),
        ("春节福袋", "Spring Festival gift bag"),
        ("社区活动名额", "Community event place"),
    ],
    "heating": [("暖气片更换名额", "Radiator replacement slot"), ("上门检修时段", "Home repair slot")],
    "developer": [("样板间参观名额", "Show-flat visit slot"), ("地下车位", "Underground parking space")],
}


def _text(industry, tier, kind):
    greeting = "尊敬的{customer}，您好！" if tier == "vip" else "{customer}，您好！"
    return f"{greeting}{BODIES[industry][kind]}{SIGN}"


def forwards(apps, schema_editor):
    topic_model = apps.get_model("customers", "ContactTopic")
    plan_model = apps.get_model("customers", "MaintenancePlan")
    template_model = apps.get_model("customers", "MessageTemplate")
    good_model = apps.get_model("customers", "AllocationGood")
    interaction_model = apps.get_model("customers", "Interaction")
    pass_alert = str(getattr(settings, "QIWANG_PASS_RATE_ALERT", 95))
    for industry, rows in TOPICS.items():
        for position, row in enumerate(rows):
            code, label, label_en, question, question_en, measure, unit, low, high = row[:9]
            below, above, on_no = row[9:]
            below = pass_alert if below == "PASS" else below
            topic_model.objects.get_or_create(
                industry=industry,
                code=code,
                defaults={
                    "label": label,
                    "label_en": label_en,
                    "question": question,
                    "question_en": question_en,
                    "measure": measure,
                    "unit": unit,
                    "min_value": None if low is None else Decimal(low),
                    "max_value": None if high is None else Decimal(high),
                    "alert_below": None if below is None else Decimal(below),
                    "alert_above": None if above is None else Decimal(above),
                    "alert_on_no": on_no,
                    "position": (position + 1) * 10,
                },
            )
    for industry, rows in PLANS.items():
        for tier, frequency, weekdays, topics, greeting_channel in rows:
            plan_model.objects.get_or_create(
                industry=industry,
                tier=tier,
                defaults={
                    "frequency": frequency,
                    "weekdays": weekdays,
                    "channel": "phone",
                    "topics": topics,
                    "greeting_channel": greeting_channel,
                },
            )
    old_defaults = {
        (row.tier, row.channel, row.occasion_kind): row
        for row in template_model.objects.filter(industry="b2b_supplier")
    }
    for industry in BODIES:
        for kind in SUBJECTS:
            for tier in GREETING_CHANNELS:
                for channel in ("sms", "email", "phone"):
                    body = (
                        PHONE_SCRIPTS[industry] if channel == "phone" else _text(industry, tier, kind)
                    )
                    existing = old_defaults.get((tier, channel, kind)) if industry == "b2b_supplier" else None
                    if existing is not None:
                        # keep a text someone wrote; repair the two known faults of the old default
                        text = existing.body.replace("{customer}尊敬的贵宾，您好！", "尊敬的{customer}，您好！")
                        text = text.replace("{customer}您好！", "{customer}，您好！")
                        text = text.replace("——客户经理{manager}", SIGN)
                        if text != existing.body:
                            existing.body = text
                            existing.save(update_fields=["body"])
                        continue
                    template_model.objects.get_or_create(
                        industry=industry,
                        tier=tier,
                        channel=channel,
                        occasion_kind=kind,
                        defaults={"subject": SUBJECTS[kind], "body": body},
                    )
    for industry, goods in GOODS.items():
        for position, (name, name_en) in enumerate(goods):
            good_model.objects.get_or_create(
                industry=industry,
                name=name,
                defaults={"name_en": name_en, "position": (position + 1) * 10},
            )
    # earlier interactions: the two measured columns become answers of the B2B topics
    for row in interaction_model.objects.filter(answers={}).exclude(
        supply_on_time=None, pass_rate=None
    ).iterator(chunk_size=2000):
        answers = {}
        if row.supply_on_time is not None:
            answers["supply_timeliness"] = row.supply_on_time
        if row.pass_rate is not None:
            answers["pass_rate"] = format(row.pass_rate.normalize(), "f")
        interaction_model.objects.filter(pk=row.pk).update(answers=answers)


class Migration(migrations.Migration):
    dependencies = [("customers", "0007_industry_profiles")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
