"""Industry profiles: which profile a branch works with, its contact topics (editable by the
service-quality manager) and how a contact's measured answers are checked for anomalies."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from qiwang.accounts.models import Branch, User
from qiwang.accounts.permissions import Action, require, require_company
from qiwang.accounts.services import diff_fields, record_event
from qiwang.customers.choices import Industry, Measure
from qiwang.customers.models import AllocationGood, BranchIndustry, ContactTopic
from qiwang.customers.models.profiles import DEFAULT_INDUSTRY
from qiwang.errors import ServiceError

__all__ = [
    "DEFAULT_INDUSTRY",
    "branch_industries",
    "branches_in_industry",
    "check_answers",
    "chosen_industry_of_branch",
    "industries_in_use",
    "industry_of_branch",
    "save_topic",
    "set_branch_industry",
    "topic_names",
    "topics_for",
]


def branch_industries() -> dict[int, str]:
    """Every branch's profile: its own choice, else its nearest ancestor's, else the default.

    Two small queries (branches are counted in hundreds, not millions).
    """
    parents = dict(Branch.objects.values_list("pk", "parent_id"))
    chosen = dict(BranchIndustry.objects.values_list("branch_id", "industry"))
    resolved: dict[int, str] = {}
    for branch_id in parents:
        seen: list[int] = []
        current: int | None = branch_id
        industry = DEFAULT_INDUSTRY
        while current is not None and current not in seen:
            if current in resolved:
                industry = resolved[current]
                break
            if current in chosen:
                industry = chosen[current]
                break
            seen.append(current)
            current = parents.get(current)
        for visited in seen:
            resolved[visited] = industry
        resolved[branch_id] = industry
    return resolved


def industry_of_branch(branch_id: int | None) -> str:
    if branch_id is None:
        return DEFAULT_INDUSTRY
    return branch_industries().get(branch_id, DEFAULT_INDUSTRY)


def chosen_industry_of_branch(branch_id: int) -> str | None:
    """The profile the branch or its nearest ancestor chose; ``None`` when none in its tree did
    (:func:`industry_of_branch` then answers the default). Surveys word their templates only for
    a chosen profile and keep the property wording they always had otherwise."""
    parents = dict(Branch.objects.values_list("pk", "parent_id"))
    chosen = dict(BranchIndustry.objects.values_list("branch_id", "industry"))
    current: int | None = branch_id
    seen: set[int] = set()
    while current is not None and current not in seen:
        if current in chosen:
            return chosen[current]
        seen.add(current)
        current = parents.get(current)
    return None


def branches_in_industry(industry: str, mapping: dict[int, str] | None = None) -> list[int]:
    mapping = branch_industries() if mapping is None else mapping
    return sorted(branch_id for branch_id, value in mapping.items() if value == industry)


def industries_in_use(branch_ids: Iterable[int] | None = None) -> list[str]:
    """The profiles of the given branches (all branches when ``None``), in Industry order."""
    mapping = branch_industries()
    if branch_ids is not None:
        wanted = set(branch_ids)
        mapping = {key: value for key, value in mapping.items() if key in wanted}
    used = set(mapping.values()) or {DEFAULT_INDUSTRY}
    return [value for value in Industry.values if value in used]


def topics_for(industry: str, *, active_only: bool = True) -> list[ContactTopic]:
    topics = ContactTopic.objects.filter(industry=industry)
    if active_only:
        topics = topics.filter(is_active=True)
    return list(topics.order_by("position", "pk"))


def topic_names(
    industry: str, codes: Iterable[str], cache: dict[tuple[str, str], str] | None = None
) -> list[str]:
    """Names of topic codes in the reader's language (``cache`` filled once per page)."""
    if cache is None or not cache:
        rows = ContactTopic.objects.all()
        names = {(row.industry, row.code): row.name for row in rows}
        if cache is not None:
            cache.update(names)
    else:
        names = cache
    return [names.get((industry, code), code) for code in codes]


def goods_for(industry: str) -> list[str]:
    return [str(good) for good in AllocationGood.objects.filter(industry=industry)]


@transaction.atomic
def set_branch_industry(*, actor: User, branch: Branch, industry: str) -> BranchIndustry:
    """Choose the profile of ``branch`` and the branches under it."""
    require(actor, Action.MANAGE_MAINTENANCE_PLANS, branch)
    if industry not in Industry.values:
        raise ServiceError(_("Choose one of the industries offered."), field="industry")
    row, _created = BranchIndustry.objects.get_or_create(
        branch=branch, defaults={"industry": industry}
    )
    before = row.industry
    if row.industry != industry:
        row.industry = industry
        row.save(update_fields=["industry", "updated_at"])
    record_event(
        actor=actor,
        action="branch_industry_set",
        obj=branch,
        changes={"industry": [before if not _created else None, industry]},
    )
    return row


# --- topics -----------------------------------------------------------------------------------

TOPIC_FIELDS = (
    "label",
    "label_en",
    "question",
    "question_en",
    "measure",
    "unit",
    "min_value",
    "max_value",
    "alert_below",
    "alert_above",
    "alert_on_no",
    "position",
    "is_active",
)


@transaction.atomic
def save_topic(
    *, actor: User, data: dict[str, Any], topic: ContactTopic | None = None
) -> ContactTopic:
    """Create (``topic`` None: ``industry`` and ``code`` in ``data``) or change a contact topic
    (company-wide: users scoped to the whole company only)."""
    require_company(actor, Action.MANAGE_MAINTENANCE_PLANS)
    errors: dict[str, list[str]] = {}
    if topic is None:
        industry = data.get("industry")
        code = str(data.get("code") or "").strip()
        if industry not in Industry.values:
            errors["industry"] = [_("Choose one of the industries offered.")]
        if not code:
            errors["code"] = [_("Give the topic a short code (letters, digits, _ and -).")]
        elif ContactTopic.objects.filter(industry=industry, code=code).exists():
            errors["code"] = [_("This profile already has a topic with the code %s.") % code]
        topic = ContactTopic(industry=industry or "", code=code)
    if not str(data.get("label", topic.label) or "").strip():
        errors["label"] = [_("Give the topic a Chinese name.")]
    if data.get("measure", topic.measure) not in Measure.values:
        errors["measure"] = [_("Choose what to record.")]
    low, high = data.get("min_value"), data.get("max_value")
    if low is not None and high is not None and low > high:
        errors["max_value"] = [_("The largest value is below the smallest.")]
    if errors:
        raise ServiceError(errors)
    before = {name: getattr(topic, name) for name in TOPIC_FIELDS}
    for name in TOPIC_FIELDS:
        if name in data:
            value = data[name]
            setattr(topic, name, value.strip() if isinstance(value, str) else value)
    is_new = topic.pk is None
    topic.save()
    record_event(
        actor=actor,
        action="contact_topic_added" if is_new else "contact_topic_changed",
        obj=topic,
        changes=diff_fields(before, {name: getattr(topic, name) for name in TOPIC_FIELDS}),
    )
    return topic


# --- answers ----------------------------------------------------------------------------------


def check_answers(
    raw: dict[str, Any], topics: dict[str, ContactTopic]
) -> tuple[dict[str, Any], bool, dict[str, list[str]]]:
    """Clean the measured answers of a contact against the customer's profile topics.

    Returns ``(answers, is_anomaly, errors)``: answers keyed by topic code (``True`` /
    ``False`` or a number as a string), whether any answer crosses its topic's alert, and
    errors keyed ``answer_<code>`` naming the topic.
    """
    answers: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    anomaly = False
    for code, value in (raw or {}).items():
        if value in (None, ""):
            continue
        topic = topics.get(code)
        if topic is None or not topic.is_measured:
            errors[f"answer_{code}"] = [_("%s is not a measured topic of this profile.") % code]
            continue
        if topic.measure == Measure.YES_NO:
            if not isinstance(value, bool):
                value = {"yes": True, "no": False, "true": True, "false": False}.get(
                    str(value).lower()
                )
            if value is None:
                errors[f"answer_{code}"] = [_("%s: answer yes or no.") % topic.name]
                continue
            answers[code] = value
            anomaly |= value is False and topic.alert_on_no
            continue
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            errors[f"answer_{code}"] = [_("%s: give a number.") % topic.name]
            continue
        if not number.is_finite():
            errors[f"answer_{code}"] = [_("%s: give a number.") % topic.name]
            continue
        if (topic.min_value is not None and number < topic.min_value) or (
            topic.max_value is not None and number > topic.max_value
        ):
            errors[f"answer_{code}"] = [
                _("%(topic)s: give a number from %(low)s to %(high)s.")
                % {
                    "topic": topic.name,
                    "low": _number(topic.min_value),
                    "high": _number(topic.max_value),
                }
            ]
            continue
        answers[code] = _number(number)
        anomaly |= topic.alert_below is not None and number < topic.alert_below
        anomaly |= topic.alert_above is not None and number > topic.alert_above
    return answers, anomaly, errors


def _number(value: Decimal | None) -> str:
    if value is None:
        return "…"
    text = format(value.normalize(), "f")
    return text


def answer_text(topic: ContactTopic | None, code: str, value: Any) -> str:
    """One answer as a reader sees it: "室内温度: 17.5 °C", "报修已解决: 否"."""
    name = topic.name if topic else code
    if isinstance(value, bool):
        shown = _("yes") if value else _("no")
    else:
        shown = f"{value} {topic.unit}".strip() if topic else str(value)
    return f"{name}: {shown}"
