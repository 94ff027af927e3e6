"""Free-text answers of the demo waves: what owners of a property company's communities write.

The SERVQUAL wave and the satisfaction pulse end with an open question the quality manager
added; the comments follow the wave's story (responsiveness lags most, reliability next, the
staff's manner is mostly praised) and the respondent's mood. Deterministic for a seed.
"""

from __future__ import annotations

import random

from qiwang.accounts.models import User
from qiwang.surveys.choices import QuestionKind
from qiwang.surveys.models import Instrument, Wave
from qiwang.surveys.services import add_question

#: Open questions the quality manager adds to instruments made from templates (attribute, 中文,
#: English), by template.
OPEN_QUESTIONS = {
    "servqual": (
        "servqual-comment",
        "您对我们的物业服务还有什么意见或建议？",
        "Anything else you would like to tell us about our property services?",
    ),
    "csat_pulse": (
        "pulse-comment",
        "请简单说说您打这个分数的原因",
        "Briefly, why did you give this score?",
    ),
}

#: Comments by SERVQUAL dimension and tone.
COMMENTS: dict[str, dict[str, tuple[str, ...]]] = {
    "responsiveness": {
        "negative": (
            "报修电话晚上经常打不通",
            "报修三天了才有人上门，太慢了",
            "水管漏水打了两次电话，等了一下午才来人",
            "物业群里反映问题经常没人回复",
            "投诉之后一直没有回音，不知道处理到哪一步了",
            "电梯困人十几分钟救援才到，希望响应快一点",
            "门禁坏了报修一周都没人来修",
            "找管家办事总是说等等，拖了很久",
        ),
        "positive": (
            "报修后师傅半小时就上门了，很及时",
            "管家回复微信很快，问题当天就解决了",
            "晚上十点停水，值班人员马上就来处理了",
        ),
    },
    "reliability": {
        "negative": (
            "楼顶漏水修了三次还是漏",
            "说好周二来修，结果没人来，白等一天",
            "物业费账单算错了，多收了两个月",
            "电梯修好没两天又坏了",
            "停水都不提前通知",
            "承诺的车位划线到现在也没做",
        ),
        "positive": (
            "这次维修一次就修好了，很满意",
            "物业说到做到，承诺的绿化改造按时完成了",
            "停电前一天就发了通知，很规范",
        ),
    },
    "assurance": {
        "negative": (
            "保安在岗亭玩手机，陌生人随便进出",
            "维修师傅不太专业，问什么都说不清楚",
            "前台工作人员态度冷淡，说话不客气",
        ),
        "positive": (
            "保安很负责，晚上巡逻很认真",
            "维修师傅很专业，还教我们怎么保养",
            "工作人员很有礼貌，办事让人放心",
            "物业主动上门检查燃气管道，很安心",
            "前台小姑娘热情又耐心",
        ),
    },
    "empathy": {
        "negative": (
            "反映问题时客服不耐烦，根本不听我说完",
            "物业办公时间我们上班族根本赶不上",
            "希望物业多关心一下独居老人，现在没人管",
        ),
        "positive": (
            "管家记得我家老人行动不便，经常帮忙送水上门",
            "生日收到物业的问候，挺暖心的",
            "管家很贴心，节日还组织了邻里活动",
        ),
    },
    "tangibles": {
        "negative": (
            "楼道里堆满杂物，也没人清理",
            "小区路灯坏了好几盏，晚上出门不安全",
            "垃圾桶周边很脏，夏天臭味很大",
            "健身器材坏了很久了",
            "地库积水，墙面发霉",
        ),
        "positive": (
            "小区环境很干净，绿化也很漂亮",
            "保洁阿姨很辛苦，楼道每天都拖得很干净",
            "新装的快递柜和充电桩很方便",
            "电梯里很干净，每天都有人消毒",
        ),
    },
}

#: Comments that name no failing or praised dimension: suggestions and questions.
SUGGESTIONS = (
    "希望增加电动车充电桩",
    "建议在单元门口加装雨棚",
    "希望多组织亲子活动",
    "物业费能不能用手机缴纳？",
    "建议公布维修进度",
    "没什么意见",
)

#: How often a dimension is written about when a comment is negative: the demo's SERVQUAL gaps
#: (responsiveness lags most, then reliability).
NEGATIVE_WEIGHTS = {
    "responsiveness": 5,
    "reliability": 4,
    "tangibles": 2,
    "empathy": 2,
    "assurance": 1,
}
POSITIVE_WEIGHTS = {
    "assurance": 4,
    "tangibles": 3,
    "empathy": 2,
    "responsiveness": 1,
    "reliability": 1,
}

#: Share of respondents who write anything in the open question.
WRITE_RATE = 0.4


def add_open_questions(*, quality: User, instruments: dict[str, Instrument]) -> None:
    """Add the open question to the SERVQUAL and pulse instruments (before any wave uses them)."""
    for template, (attribute, zh, en) in OPEN_QUESTIONS.items():
        instrument = instruments.get(template)
        if instrument is None:
            continue
        add_question(
            actor=quality,
            instrument=instrument,
            data={
                "kind": QuestionKind.TEXT,
                "attribute": attribute,
                "text_zh": zh,
                "text_en": en,
                "is_required": False,
                "max_length": 1000,
            },
        )


def open_comment(rng: random.Random, mood: float) -> str | None:
    """A comment for a respondent of the given mood (≈ N(0, 0.6); negative is unhappy), or
    ``None`` when they leave the question empty."""
    if rng.random() >= WRITE_RATE + (0.2 if mood < -0.5 else 0.0):
        return None
    tone = (
        "negative"
        if mood < -0.1
        else "positive"
        if mood > 0.35
        else rng.choice(["negative", "positive", "suggestion"])
    )
    if tone == "suggestion":
        return rng.choice(SUGGESTIONS)
    weights = NEGATIVE_WEIGHTS if tone == "negative" else POSITIVE_WEIGHTS
    dimension = rng.choices(list(weights), weights=list(weights.values()))[0]
    first = rng.choice(COMMENTS[dimension][tone])
    if rng.random() < 0.25:  # some write about two things
        other = rng.choice([d for d in COMMENTS if d != dimension])
        second_tone = "positive" if tone == "negative" else "negative"
        joiner = "，不过" if second_tone != tone else "，"
        return first + joiner + rng.choice(COMMENTS[other][second_tone])
    return first


def label_demo_text(waves: list[Wave]) -> None:
    """Label the demo's free-text answers, as the worker would after they arrive."""
    from qiwang.surveys.text_services import label_wave_answers

    for wave in waves:
        label_wave_answers(wave)
