"""The pulse and indicator-group templates speak the branch's industry (issue 15): a heating
utility asks its households about indoor temperature, a supplier its buyers about delivery; a
property branch, a developer and a branch tree that chose no profile keep the property wording."""

from __future__ import annotations

import pytest
from tests.surveys.conftest import make_instrument

from qiwang.customers.models import BranchIndustry
from qiwang.surveys.choices import QuestionKind, Template
from qiwang.surveys.templates_data import template_questions
from qiwang.surveys.templates_industry import WORDING

pytestmark = pytest.mark.django_db


def _texts(instrument):
    version = instrument.latest_version()
    return {q.attribute: q.text_zh for q in version.questions.all()}


def test_a_heating_branch_gets_the_heating_pulse_and_a_property_branch_the_property_one(
    org, quality
):
    # given the users' branch is a heating utility and the other branch a property community
    BranchIndustry.objects.create(branch=org.own, industry="heating")
    BranchIndustry.objects.create(branch=org.other, industry="developer")

    # when the quality manager creates a pulse on each branch
    heating = make_instrument(quality, org.own, template=Template.CSAT_PULSE)
    other = make_instrument(
        org.other_users["quality_manager"], org.other, template=Template.CSAT_PULSE
    )

    # then the heating pulse asks about indoor temperature and outage notices, under its own name
    assert heating.name == "供热满意度快速调查"
    assert list(_texts(heating))[:4] == [
        "overall",
        "indoor-temperature",
        "repair-speed",
        "outage-notice",
    ]
    assert "供热" in _texts(heating)["overall"]
    # and the developer's branch keeps the property wording
    assert other.name == "满意度快速调查"
    assert "物业" in _texts(other)["overall"]
    assert "indoor-temperature" not in _texts(other)


def test_a_supplier_branch_gets_the_supplier_indicator_groups(org, quality):
    BranchIndustry.objects.create(branch=org.own, industry="b2b_supplier")

    instrument = make_instrument(quality, org.own, template=Template.INDICATOR_GROUPS)

    texts = _texts(instrument)
    assert instrument.name == "客户三类指标满意度调查"
    assert texts["delivery-timeliness"] == "供货的及时性"
    assert "物业" not in "".join(texts.values())
    channel = instrument.latest_version().questions.get(attribute="channel")
    assert [option[0] for option in channel.options] == ["phone", "wechat", "visit"]


@pytest.mark.parametrize("industry", [None, "property", "developer", "heating", "b2b_supplier"])
@pytest.mark.parametrize("template", [Template.CSAT_PULSE, Template.INDICATOR_GROUPS])
def test_every_wording_has_the_shape_the_analyses_expect(template, industry):
    """Whatever the industry: the overall rating first, every other rating asks importance and
    carries one of the three indicator groups, attributes are unique, both languages are filled
    and every question kind is one the template's analyses read."""
    _name, questions = template_questions(template, industry=industry)

    attributes = [q["attribute"] for q in questions]
    assert attributes[0] == "overall" and len(set(attributes)) == len(attributes)
    ratings = [q for q in questions if q["kind"] in (QuestionKind.SCALE_5, QuestionKind.SCALE_7)]
    assert {q["dimension"] for q in ratings} <= {"core", "support", "emotional"}
    assert all(q["asks_importance"] == (q["attribute"] != "overall") for q in ratings)
    assert all(q["text_zh"].strip() and q["text_en"].strip() for q in questions)
    if template == Template.CSAT_PULSE:
        assert [q["kind"] for q in questions[-2:]] == [QuestionKind.NPS, QuestionKind.CES]
        assert len(ratings) == 4
    else:
        assert len(ratings) == 7
        for question in questions:
            for option in question.get("options", []):
                assert len(option) == 3 and all(option)


def test_the_other_templates_do_not_take_an_industry_wording():
    # SERVQUAL, Kano and ECSI are worded for property services whatever the profile (their item
    # codes are the published instruments'); the industry changes only pulse and indicator groups
    assert template_questions(Template.SERVQUAL, industry="heating") == template_questions(
        Template.SERVQUAL
    )
    assert set(WORDING) == {"heating", "b2b_supplier"}


def test_a_branch_whose_tree_chose_no_profile_keeps_the_property_wording(org, quality):
    # the care plans' default profile is the B2B supplier's (seed 001), but a survey template is
    # worded for an industry only when someone chose it
    instrument = make_instrument(quality, org.own, template=Template.CSAT_PULSE)
    assert instrument.name == "满意度快速调查"
    # a profile chosen on the company reaches its communities
    BranchIndustry.objects.create(branch=org.company, industry="heating")
    assert (
        make_instrument(quality, org.own, template=Template.CSAT_PULSE).name == "供热满意度快速调查"
    )
