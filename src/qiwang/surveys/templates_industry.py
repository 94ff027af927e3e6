"""The wording of the satisfaction templates for each industry profile.

The property-management wording (owners, repairs, the community) lives in
:mod:`qiwang.surveys.templates_data`; a heating utility asks its households about indoor
temperature and outage notices, and a B2B supplier asks its customers' buyers about delivery
timeliness and pass rates (the three indicator groups of a supplier's satisfaction survey: core
product and service, service support, emotional relationship). An attribute the industries share
(repair speed, staff attitude, communication) keeps the same key, so that a group with several
businesses can set those results side by side; the others are the industry's own.

The profile a branch (or an ancestor) chose
(``qiwang.customers.services.profiles.chosen_industry_of_branch``) picks the wording when an
instrument is created from a template; a real-estate developer, and a branch tree that chose no
profile, keep the property wording the templates always had. Everything stays editable (a new
version per edit).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IndustryWording:
    """The texts of the pulse and indicator-group templates for one industry."""

    #: (attribute, indicator group, 中文, English); the first is the overall rating.
    scale: tuple[tuple[str, str, str, str], ...]
    recommend: tuple[str, str]
    effort: tuple[str, str]
    channel: tuple[str, str]
    channel_options: tuple[tuple[str, str, str], ...]
    improve: tuple[str, str]
    improve_options: tuple[tuple[str, str, str], ...]
    #: default instrument names (中文) of the pulse and the indicator-group templates
    pulse_name: str
    groups_name: str


HEATING = IndustryWording(
    scale=(
        (
            "overall",
            "core",
            "总体而言，您对本供暖季的供热服务满意吗？",
            "Overall, how satisfied are you with this season's heating service?",
        ),
        (
            "indoor-temperature",
            "core",
            "室内温度是否达标、稳定",
            "Whether your indoor temperature is up to standard and steady",
        ),
        (
            "repair-speed",
            "support",
            "报修后维修人员上门的速度",
            "How quickly repair staff arrive after you report a fault",
        ),
        (
            "outage-notice",
            "support",
            "停热、检修前的提前通知",
            "Notice given before heating is stopped for repairs",
        ),
        ("billing", "support", "缴费是否方便", "How easy it is to pay for heating"),
        ("staff-attitude", "emotional", "服务人员的态度", "The attitude of our staff"),
        (
            "communication",
            "emotional",
            "供热公司与用户的沟通",
            "How we communicate with households",
        ),
    ),
    recommend=(
        "您有多大可能向亲友推荐我们的供热服务？",
        "How likely are you to recommend our heating service to friends?",
    ),
    effort=(
        "上次报修或咨询，您觉得有多省事？（1 很费劲 … 7 很省事）",
        "How easy was your last repair request or enquiry? (1 very hard … 7 very easy)",
    ),
    channel=("您最常用哪种方式联系供热公司？", "How do you usually contact us?"),
    channel_options=(
        ("phone", "热线电话", "Hotline"),
        ("wechat", "微信", "WeChat"),
        ("hall", "营业厅", "Service hall"),
    ),
    improve=(
        "您希望我们优先改进哪些方面？（可多选）",
        "What should we improve first? (choose any)",
    ),
    improve_options=(
        ("temperature", "室内温度", "Indoor temperature"),
        ("repair", "维修", "Repairs"),
        ("notice", "停热通知", "Outage notices"),
        ("billing", "缴费", "Payment"),
    ),
    pulse_name="供热满意度快速调查",
    groups_name="供热服务三类指标满意度调查",
)

SUPPLIER = IndustryWording(
    scale=(
        (
            "overall",
            "core",
            "总体而言，您对我们的供货和服务满意吗？",
            "Overall, how satisfied are you with our supply and service?",
        ),
        (
            "product-quality",
            "core",
            "产品质量与检验合格率",
            "Product quality and the inspection pass rate",
        ),
        ("delivery-timeliness", "core", "供货的及时性", "On-time delivery"),
        (
            "technical-support",
            "support",
            "技术支持与问题处理",
            "Technical support and problem handling",
        ),
        (
            "after-sales",
            "support",
            "售后服务的响应速度",
            "How quickly after-sales service responds",
        ),
        ("staff-attitude", "emotional", "客户经理的态度", "The attitude of your account manager"),
        (
            "communication",
            "emotional",
            "双方的沟通与信息共享",
            "Communication and information sharing between us",
        ),
    ),
    recommend=(
        "您有多大可能向同行推荐我们作为供应商？",
        "How likely are you to recommend us as a supplier to others in your industry?",
    ),
    effort=(
        "上次下单或处理问题，您觉得有多省事？（1 很费劲 … 7 很省事）",
        "How easy was your last order or problem to handle? (1 very hard … 7 very easy)",
    ),
    channel=("您最常用哪种方式联系我们？", "How do you usually contact us?"),
    channel_options=(
        ("phone", "电话", "Phone"),
        ("wechat", "微信 / 企业微信", "WeChat / WeCom"),
        ("visit", "客户经理拜访", "Account manager's visit"),
    ),
    improve=(
        "您希望我们优先改进哪些方面？（可多选）",
        "What should we improve first? (choose any)",
    ),
    improve_options=(
        ("delivery", "供货及时性", "On-time delivery"),
        ("quality", "产品质量", "Product quality"),
        ("support", "技术支持", "Technical support"),
        ("price", "价格", "Price"),
    ),
    pulse_name="客户满意度快速调查",
    groups_name="客户三类指标满意度调查",
)

#: Industry profile → wording; the others (property, developer) use the property wording.
WORDING = {"heating": HEATING, "b2b_supplier": SUPPLIER}
