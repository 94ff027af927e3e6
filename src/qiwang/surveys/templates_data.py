"""Instrument templates as data: what a new instrument's first version contains.

Each question is a dict of :class:`~qiwang.surveys.models.Question` fields. The SERVQUAL template
takes its 22 item codes and 5 dimensions from :data:`qiwang.analysis.servqual.SERVQUAL_22`; the
wording is adapted to property services and stays editable (a new version per edit).
"""

from __future__ import annotations

from typing import Any

from qiwang.analysis import servqual
from qiwang.surveys.choices import QuestionKind, Template
from qiwang.surveys.templates_industry import WORDING, IndustryWording

#: Property services a Kano survey asks about (attribute key, 中文, English).
KANO_PROPERTY_SERVICES: tuple[tuple[str, str, str], ...] = (
    ("repair-hotline", "24 小时报修热线", "24-hour repair hotline"),
    ("community-events", "每月社区活动", "monthly community events"),
    ("parcel-lockers", "智能快递柜", "parcel lockers"),
    ("security-patrols", "夜间安保巡逻", "night security patrols"),
    ("cleaning-daily", "楼道每日保洁", "daily cleaning of stairwells"),
    ("app-payment", "手机缴纳物业费", "paying fees on the phone"),
    ("birthday-greeting", "业主生日问候", "birthday greetings to owners"),
    ("ev-charging", "电动车充电桩", "electric-vehicle charging points"),
)

#: Chinese wording of the 22 SERVQUAL items, adapted to a property-management company.
SERVQUAL_ZH: dict[str, str] = {
    "TAN1": "物业设备设施现代、完好",
    "TAN2": "小区公共环境整洁美观",
    "TAN3": "员工着装整洁、形象专业",
    "TAN4": "告示、缴费单等资料清楚美观",
    "REL1": "承诺的事情能按时做到",
    "REL2": "业主遇到问题时真心帮助解决",
    "REL3": "第一次就把服务做好",
    "REL4": "在承诺的时间提供服务",
    "REL5": "收费与记录准确无误",
    "RES1": "明确告知服务何时完成",
    "RES2": "服务及时迅速",
    "RES3": "员工总是愿意帮助业主",
    "RES4": "员工再忙也会回应业主的请求",
    "ASS1": "员工的言行让人信任",
    "ASS2": "与物业打交道让人放心",
    "ASS3": "员工始终礼貌待人",
    "ASS4": "员工有足够的专业知识回答问题",
    "EMP1": "给予业主个别的关注",
    "EMP2": "服务时间方便所有业主",
    "EMP3": "员工给予业主个人化的关心",
    "EMP4": "把业主的利益放在心上",
    "EMP5": "员工了解业主的具体需要",
}

SCALE_ATTRIBUTES: tuple[tuple[str, str, str, str], ...] = (
    # attribute, indicator group (seed 001), 中文, English
    (
        "overall",
        "core",
        "总体而言，您对我们的物业服务满意吗？",
        "Overall, how satisfied are you with our property services?",
    ),
    (
        "repair-speed",
        "support",
        "报修后维修人员上门的速度",
        "How quickly repair staff arrive after you report a fault",
    ),
    ("repair-quality", "support", "维修的质量", "The quality of repairs"),
    ("cleanliness", "core", "小区的清洁卫生", "The cleanliness of the community"),
    ("security", "core", "小区的安全秩序", "Safety and order in the community"),
    ("staff-attitude", "emotional", "服务人员的态度", "The attitude of our staff"),
    ("communication", "emotional", "物业与业主的沟通", "How we communicate with owners"),
)

INDICATOR_GROUPS: dict[str, tuple[str, str]] = {
    "core": ("核心产品与服务", "core product and service"),
    "support": ("服务支持", "service support"),
    "emotional": ("与公司的情感关系", "emotional relationship with the company"),
}


def _kano() -> list[dict[str, Any]]:
    return [
        {
            "kind": QuestionKind.KANO,
            "attribute": key,
            "text_zh": f"关于「{zh}」",
            "text_en": f"About: {en}",
            "asks_importance": True,
        }
        for key, zh, en in KANO_PROPERTY_SERVICES
    ] + [
        {
            "kind": QuestionKind.TEXT,
            "attribute": "kano-comment",
            "text_zh": "您还希望我们提供哪些服务？",
            "text_en": "Which other services would you like from us?",
            "is_required": False,
            "max_length": 1000,
        }
    ]


def _servqual() -> list[dict[str, Any]]:
    return [
        {
            "kind": QuestionKind.SERVQUAL,
            "attribute": item.code.lower(),
            "dimension": item.dimension,
            "text_zh": SERVQUAL_ZH[item.code],
            "text_en": item.text[:1].upper() + item.text[1:],
        }
        for item in servqual.SERVQUAL_22.items
    ]


#: The 100-point allocation of SERVQUAL (Parasuraman, Zeithaml & Berry 1991; Zeithaml,
#: Parasuraman & Berry 1990): one question per dimension, worded after the five descriptions
#: the respondent shares the points among. (dimension, 中文, English)
ALLOCATION_DIMENSIONS: tuple[tuple[str, str, str], ...] = (
    (
        "tangibles",
        "有形性：物业的设施设备、环境、员工形象和宣传资料",
        "Tangibles: the appearance of facilities, equipment, staff and printed materials",
    ),
    (
        "reliability",
        "可靠性：可靠、准确地提供所承诺的服务",
        "Reliability: performing the promised service dependably and accurately",
    ),
    (
        "responsiveness",
        "响应性：乐于帮助业主并迅速提供服务",
        "Responsiveness: willingness to help owners and to give prompt service",
    ),
    (
        "assurance",
        "保证性：员工的专业知识、礼貌以及让人信任和放心的能力",
        "Assurance: staff knowledge and courtesy and their ability to inspire trust and confidence",
    ),
    (
        "empathy",
        "移情性：对每位业主细致、个性化的关心",
        "Empathy: the caring, individual attention given to each owner",
    ),
)


def allocation_questions() -> list[dict[str, Any]]:
    """The 100-point allocation block: attribute ``weight-<dimension>``, ``value`` 0–100 points;
    the answer page requires the block to add up to exactly 100."""
    return [
        {
            "kind": QuestionKind.ALLOCATION,
            "attribute": f"weight-{dimension}",
            "dimension": dimension,
            "text_zh": zh,
            "text_en": en,
        }
        for dimension, zh, en in ALLOCATION_DIMENSIONS
    ]


#: The property-management wording of the pulse and indicator-group templates (the heating and
#: B2B supplier wordings are in :mod:`qiwang.surveys.templates_industry`).
PROPERTY = IndustryWording(
    scale=SCALE_ATTRIBUTES,
    recommend=(
        "您有多大可能向亲友推荐我们的物业服务？",
        "How likely are you to recommend our property services to friends?",
    ),
    effort=(
        "上次办理报修，您觉得有多省事？（1 很费劲 … 7 很省事）",
        "How easy was your last repair request? (1 very hard … 7 very easy)",
    ),
    channel=("您最常用哪种方式联系物业？", "How do you usually contact us?"),
    channel_options=(
        ("phone", "电话", "Phone"),
        ("wechat", "微信", "WeChat"),
        ("desk", "前台", "Front desk"),
    ),
    improve=(
        "您希望我们优先改进哪些方面？（可多选）",
        "What should we improve first? (choose any)",
    ),
    improve_options=(
        ("repair", "维修", "Repairs"),
        ("cleaning", "保洁", "Cleaning"),
        ("security", "安保", "Security"),
        ("greenery", "绿化", "Greenery"),
    ),
    pulse_name="满意度快速调查",
    groups_name="三类指标满意度调查",
)


def wording_for(industry: str | None) -> IndustryWording:
    """The pulse / indicator-group wording of an industry profile (property when it has none)."""
    return WORDING.get(industry or "", PROPERTY)


def _scale_questions(
    kind: str, rows: tuple[tuple[str, str, str, str], ...]
) -> list[dict[str, Any]]:
    return [
        {
            "kind": kind,
            "attribute": key,
            "dimension": group,
            "text_zh": zh,
            "text_en": en,
            "asks_importance": key != "overall",
        }
        for key, group, zh, en in rows
    ]


def _csat_pulse(wording: IndustryWording = PROPERTY) -> list[dict[str, Any]]:
    return _scale_questions(QuestionKind.SCALE_5, wording.scale[:4]) + [
        {
            "kind": QuestionKind.NPS,
            "attribute": "recommend",
            "text_zh": wording.recommend[0],
            "text_en": wording.recommend[1],
        },
        {
            "kind": QuestionKind.CES,
            "attribute": "effort",
            "text_zh": wording.effort[0],
            "text_en": wording.effort[1],
        },
    ]


def _indicator_groups(wording: IndustryWording = PROPERTY) -> list[dict[str, Any]]:
    return _scale_questions(QuestionKind.SCALE_7, wording.scale) + [
        {
            "kind": QuestionKind.SINGLE,
            "attribute": "channel",
            "text_zh": wording.channel[0],
            "text_en": wording.channel[1],
            "options": [list(option) for option in wording.channel_options],
        },
        {
            "kind": QuestionKind.MULTIPLE,
            "attribute": "improve",
            "text_zh": wording.improve[0],
            "text_en": wording.improve[1],
            "options": [list(option) for option in wording.improve_options],
            "is_required": False,
        },
    ]


#: The European Customer Satisfaction Index items (Tenenhaus et al. 2005, table 1; ECSI
#: Technical Committee 1998), worded for a property-management company, rated 1–10. The keys
#: carry the ECSI prefixes that ``qiwang.analysis.csi.preset`` resolves (IMAG, CUEX, PERQ,
#: PERV, CUSA, CUSCO, CUSL); without the ``imag`` items the same wave fits the ACSI model.
ECSI_ITEMS = (
    ("imag1", "Image", "物业公司值得信赖", "The company is trustworthy"),
    ("imag2", "Image", "物业公司真正关心业主", "The company cares about its residents"),
    ("imag3", "Image", "物业公司在本地口碑好", "The company has a good reputation locally"),
    (
        "cuex1",
        "Expectation",
        "入住前，您对物业服务总体质量的期望有多高",
        "Before moving in, how high were your expectations of the overall quality of the service",
    ),
    (
        "cuex2",
        "Expectation",
        "入住前，您期望物业服务能在多大程度上满足您的个人需要",
        "Before moving in, how well did you expect the service to meet your personal needs",
    ),
    (
        "cuex3",
        "Expectation",
        "入住前，您期望物业服务出差错的情况有多少（10 = 几乎不出错）",
        "Before moving in, how reliable did you expect the service to be (10 = hardly ever wrong)",
    ),
    ("perq1", "Quality", "物业服务的总体质量", "The overall quality of the service"),
    ("perq2", "Quality", "报修与维修服务的质量", "The quality of repairs and maintenance"),
    ("perq3", "Quality", "小区保洁与环境的质量", "The quality of cleaning and the grounds"),
    (
        "perv1",
        "Value",
        "与所交的物业费相比，服务质量如何",
        "The quality of the service for the fee you pay",
    ),
    (
        "perv2",
        "Value",
        "与服务质量相比，物业费是否合理（10 = 非常合理）",
        "The fee for the quality you get (10 = very fair)",
    ),
    (
        "cusa1",
        "Satisfaction",
        "总体而言，您对物业服务的满意程度",
        "Overall, how satisfied are you with the service",
    ),
    (
        "cusa2",
        "Satisfaction",
        "与您入住前的期望相比，物业服务如何（10 = 远超期望）",
        "Compared with what you expected, how is the service (10 = far better)",
    ),
    (
        "cusa3",
        "Satisfaction",
        "与您心目中理想的物业服务相比，差距有多大（10 = 就是理想的服务）",
        "How close is the service to the ideal one (10 = it is the ideal)",
    ),
    (
        "cusco1",
        "Complaints",
        "您对物业公司处理投诉与意见的方式满意吗",
        "How satisfied are you with how the company handles complaints",
    ),
    (
        "cusl1",
        "Loyalty",
        "合同到期时，您支持续聘这家物业公司的可能性有多大",
        "How likely are you to support renewing the company's contract",
    ),
    (
        "cusl2",
        "Loyalty",
        "您向亲友推荐这家物业公司的可能性有多大",
        "How likely are you to recommend the company to friends",
    ),
)


def _ecsi() -> list[dict[str, Any]]:
    return [
        {
            "kind": QuestionKind.RATING_10,
            "attribute": key,
            "dimension": group.lower(),
            "text_zh": f"{zh}？（1 = 很低 / 很差，10 = 很高 / 很好）",
            "text_en": f"{en}? (1 = very low or poor, 10 = very high or good)",
        }
        for key, group, zh, en in ECSI_ITEMS
    ]


TEMPLATES = {
    Template.KANO_PROPERTY: ("物业服务 Kano 调查", _kano),
    Template.SERVQUAL: ("物业服务质量 SERVQUAL 调查", _servqual),
    Template.CSAT_PULSE: ("满意度快速调查", _csat_pulse),
    Template.INDICATOR_GROUPS: ("三类指标满意度调查", _indicator_groups),
    Template.ECSI: ("客户满意度指数（ECSI）调查", _ecsi),
}


def template_questions(
    template: str, *, allocation: bool = False, industry: str | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """Default name and questions of ``template``; with ``allocation`` the SERVQUAL template ends
    with the 100-point allocation block. ``industry`` (a branch's profile) words the pulse and
    indicator-group templates for a heating utility or a B2B supplier; the other templates are
    worded for property services. Raises ``ValueError`` for an unknown template, or for
    ``allocation`` with a template other than SERVQUAL."""
    name, build = TEMPLATES[Template(template)]
    wording = wording_for(industry)
    if template == Template.CSAT_PULSE:
        name, questions = wording.pulse_name, _csat_pulse(wording)
    elif template == Template.INDICATOR_GROUPS:
        name, questions = wording.groups_name, _indicator_groups(wording)
    else:
        questions = build()
    if allocation:
        if template != Template.SERVQUAL:
            raise ValueError("only the SERVQUAL template has the 100-point allocation")
        questions += allocation_questions()
    return name, questions
