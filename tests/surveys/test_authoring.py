"""Authoring an instrument: add, remove and reorder questions (services and pages).

A version no wave uses is edited in place; a version a wave uses never changes again, and the
next change makes version n + 1 (docs/surveys.md, "Authoring an instrument").
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from tests.surveys.conftest import deliver_queued, make_instrument, make_wave

from qiwang.accounts.models import AuditEvent
from qiwang.errors import ConflictError, ServiceError
from qiwang.surveys.choices import QuestionKind
from qiwang.surveys.models import InstrumentVersion, Question
from qiwang.surveys.services import (
    add_question,
    clean_question,
    move_question,
    remove_question,
    revise_instrument,
    send_wave,
)

pytestmark = pytest.mark.django_db

ROLES = ["administrator", "quality_manager", "account_manager", "agent", "analyst"]
CHANGES = {"administrator", "quality_manager"}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _attributes(version: InstrumentVersion) -> list[str]:
    return list(version.questions.order_by("position").values_list("attribute", flat=True))


def _snapshot(version: InstrumentVersion) -> list[tuple]:
    return list(
        version.questions.order_by("position").values_list(
            "pk", "position", "kind", "attribute", "text_zh", "text_en", "options"
        )
    )


NPS = {
    "kind": QuestionKind.NPS,
    "text_zh": "您有多大可能向朋友推荐我们？",
    "text_en": "How likely are you to recommend us?",
}


# --- services ------------------------------------------------------------------------------------


def test_adding_to_a_version_no_wave_uses_changes_it_in_place(org, quality):
    instrument = make_instrument(quality, org.own, "csat_pulse")
    before = instrument.latest_version()

    change = add_question(actor=quality, instrument=instrument, data=NPS)

    assert not change.is_new_version
    assert change.version.pk == before.pk and change.version.number == 1
    assert instrument.versions.count() == 1
    assert _attributes(change.version)[-1] == "how-likely-are-you-to-recommend-us"
    assert change.version.questions.get(position=7).kind == QuestionKind.NPS
    event = AuditEvent.objects.filter(action="survey_question_added").get()
    assert event.changes["attribute"] == "how-likely-are-you-to-recommend-us"


def test_a_version_used_by_a_wave_is_never_changed(org, quality, community_customers):
    instrument = make_instrument(quality, org.own, "csat_pulse")
    wave = make_wave(quality, instrument, org.own)
    send_wave(actor=quality, wave=wave, base_url="http://testserver")
    deliver_queued()
    used = instrument.latest_version()
    frozen = _snapshot(used)

    added = add_question(actor=quality, instrument=instrument, data=NPS)
    moved = move_question(actor=quality, instrument=instrument, attribute="effort", direction="up")
    removed = remove_question(actor=quality, instrument=instrument, attribute="cleanliness")
    revise_instrument(actor=quality, instrument=instrument, texts={1: ("新措辞", "New wording")})

    assert _snapshot(used) == frozen  # every question of the sent version, untouched
    wave.refresh_from_db()
    assert wave.version_id == used.pk
    # the first change made version 2; the later ones edit version 2 (no wave uses it yet)
    assert added.is_new_version and added.version.number == 2
    assert not moved.is_new_version and not removed.is_new_version
    assert instrument.versions.count() == 2
    assert _attributes(instrument.latest_version()) == [
        "overall",
        "repair-speed",
        "repair-quality",
        "effort",
        "recommend",
        "how-likely-are-you-to-recommend-us",
    ]
    assert instrument.latest_version().questions.get(position=1).text_zh == "新措辞"


def test_a_draft_wave_also_freezes_its_version(org, quality):
    instrument = make_instrument(quality, org.own, "csat_pulse")
    make_wave(quality, instrument, org.own)  # not sent

    change = remove_question(actor=quality, instrument=instrument, attribute="effort")

    assert change.is_new_version
    assert "effort" in _attributes(instrument.versions.get(number=1))
    assert "effort" not in _attributes(change.version)


def test_move_up_and_down_swap_neighbours_and_stop_at_the_ends(org, quality):
    instrument = make_instrument(quality, org.own, "csat_pulse")

    move_question(actor=quality, instrument=instrument, attribute="recommend", direction="up")
    move_question(actor=quality, instrument=instrument, attribute="overall", direction="down")

    assert _attributes(instrument.latest_version()) == [
        "repair-speed",
        "overall",
        "repair-quality",
        "recommend",
        "cleanliness",
        "effort",
    ]
    assert list(
        instrument.latest_version()
        .questions.order_by("position")
        .values_list("position", flat=True)
    ) == [1, 2, 3, 4, 5, 6]
    with translation.override("en"), pytest.raises(ServiceError) as first:
        move_question(
            actor=quality, instrument=instrument, attribute="repair-speed", direction="up"
        )
    assert first.value.errors == {"direction": ["“repair-speed” is already the first question."]}
    with pytest.raises(ServiceError) as last:
        move_question(actor=quality, instrument=instrument, attribute="effort", direction="down")
    assert "direction" in last.value.errors


def test_validation_names_the_field(org, quality):
    instrument = make_instrument(quality, org.own, "csat_pulse")
    taken = {"overall", "recommend"}

    cases = [
        ({"kind": "stars", "text_zh": "题"}, "kind"),
        ({"kind": QuestionKind.SCALE_5, "text_zh": "  "}, "text_zh"),
        ({"kind": QuestionKind.SCALE_5, "text_zh": "题", "text_en": "x" * 301}, "text_en"),
        (
            {"kind": QuestionKind.SCALE_5, "text_zh": "题", "attribute": "Overall Score"},
            "attribute",
        ),
        ({"kind": QuestionKind.SCALE_5, "text_zh": "题", "attribute": "overall"}, "attribute"),
        ({"kind": QuestionKind.SINGLE, "text_zh": "题", "options": [["a", "甲", "A"]]}, "options"),
        (
            {"kind": QuestionKind.SINGLE, "text_zh": "题", "options": [["a", "甲"], ["a", "乙"]]},
            "options",
        ),
        ({"kind": QuestionKind.ALLOCATION, "text_zh": "有形性"}, "dimension"),
    ]
    for data, field in cases:
        with pytest.raises(ServiceError) as caught:
            clean_question(data, taken=taken)
        assert list(caught.value.errors) == [field], data
    with translation.override("en"), pytest.raises(ServiceError) as caught:
        add_question(
            actor=quality,
            instrument=instrument,
            data={"kind": QuestionKind.SCALE_5, "text_zh": "题", "attribute": "overall"},
        )
    assert caught.value.errors == {
        "attribute": ["The attribute key “overall” is already used in this version."]
    }
    assert instrument.latest_version().questions.count() == 6  # nothing stored


def test_attribute_is_suggested_from_the_wording_and_made_unique(org, quality):
    taken = {"overall", "weight-tangibles", "scale5"}

    english = clean_question(
        {"kind": QuestionKind.SCALE_5, "text_zh": "总体", "text_en": "Overall"}, taken=taken
    )
    chinese_only = clean_question({"kind": QuestionKind.SCALE_5, "text_zh": "总体"}, taken=taken)
    weight = clean_question(
        {"kind": QuestionKind.ALLOCATION, "text_zh": "有形性", "dimension": "tangibles"},
        taken=taken,
    )

    assert english["attribute"] == "overall-2"
    assert chinese_only["attribute"] == "scale5-2"
    assert weight["attribute"] == "weight-tangibles-2"
    assert weight["asks_importance"] is False


def test_one_allocation_question_per_dimension(org, quality):
    instrument = make_instrument(quality, org.own, "servqual")
    data = {"kind": QuestionKind.ALLOCATION, "text_zh": "有形性", "dimension": "tangibles"}
    add_question(actor=quality, instrument=instrument, data=data)

    with pytest.raises(ServiceError) as caught:
        add_question(actor=quality, instrument=instrument, data=data | {"attribute": "w2"})

    assert list(caught.value.errors) == ["dimension"]


def test_removing_the_last_question_is_refused(org, quality):
    instrument = make_instrument(quality, org.own, "csat_pulse")
    for attribute in ["overall", "repair-speed", "repair-quality", "cleanliness", "recommend"]:
        remove_question(actor=quality, instrument=instrument, attribute=attribute)

    with pytest.raises(ServiceError):
        remove_question(actor=quality, instrument=instrument, attribute="effort")

    assert _attributes(instrument.latest_version()) == ["effort"]


def test_a_stale_page_is_a_conflict(org, quality, community_customers):
    instrument = make_instrument(quality, org.own, "csat_pulse")
    send_wave(
        actor=quality, wave=make_wave(quality, instrument, org.own), base_url="http://testserver"
    )
    deliver_queued()
    add_question(actor=quality, instrument=instrument, data=NPS, expected_version=1)  # → v2

    with pytest.raises(ConflictError):
        remove_question(
            actor=quality, instrument=instrument, attribute="effort", expected_version=1
        )
    assert "effort" in _attributes(instrument.latest_version())


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("branch", ["own", "other"])
def test_only_a_survey_changer_of_the_branch_edits_questions(org, role, branch):
    owner = org.users if branch == "own" else org.other_users
    instrument = make_instrument(owner["quality_manager"], getattr(org, branch), "csat_pulse")
    actor = org.users[role]
    allowed = role in CHANGES and (branch == "own" or role == "administrator")

    for change in (
        lambda: add_question(actor=actor, instrument=instrument, data=NPS),
        lambda: move_question(
            actor=actor, instrument=instrument, attribute="effort", direction="up"
        ),
        lambda: remove_question(actor=actor, instrument=instrument, attribute="overall"),
    ):
        if allowed:
            change()
        else:
            with pytest.raises(ServiceError):
                change()
    attributes = _attributes(instrument.latest_version())
    assert ("how-likely-are-you-to-recommend-us" in attributes) is allowed
    assert ("overall" in attributes) is not allowed
    assert attributes.index("effort") == (3 if allowed else 5)  # moved up, then overall removed


# --- pages -----------------------------------------------------------------------------------------


def test_page_adds_a_choice_question_with_options(org, quality):
    instrument = make_instrument(quality, org.own, "csat_pulse")
    client = _client(quality)

    response = client.post(
        reverse("surveys:question_add", args=[instrument.pk]),
        {
            "version": "1",
            "kind": "single",
            "text_zh": "您从哪里知道我们？",
            "text_en": "Where did you hear of us?",
            "attribute": "",
            "dimension": "",
            "is_required": "on",
            "options": "friend | 亲友介绍 | A friend\nsign | 小区告示\n",
        },
    )

    assert response.status_code == 302
    question = instrument.latest_version().questions.get(attribute="where-did-you-hear-of-us")
    assert question.options == [["friend", "亲友介绍", "A friend"], ["sign", "小区告示", ""]]
    assert question.position == 7 and question.is_required
    page = client.get(reverse("surveys:instrument", args=[instrument.pk]))
    assert "where-did-you-hear-of-us" in page.content.decode()
    assert "已保存到版本 1" in page.content.decode()  # zh-hans is the default language


def test_page_names_the_field_of_a_bad_question(org, quality):
    instrument = make_instrument(quality, org.own, "csat_pulse")
    client = _client(quality)

    response = client.post(
        reverse("surveys:question_add", args=[instrument.pk]),
        {"version": "1", "kind": "single", "text_zh": "渠道", "options": "only-one\n"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 422
    assert response.context["form"].errors == {
        "options": ["Line 1: write value | 中文 | English (the English label may be left out)."]
    }
    response = client.post(
        reverse("surveys:question_add", args=[instrument.pk]),
        {"version": "1", "kind": "scale5", "text_zh": "总体", "attribute": "overall"},
    )
    assert response.status_code == 422
    assert list(response.context["form"].errors) == ["attribute"]
    assert instrument.latest_version().questions.count() == 6


def test_page_moves_and_removes_without_javascript(org, quality, community_customers):
    instrument = make_instrument(quality, org.own, "csat_pulse")
    send_wave(
        actor=quality, wave=make_wave(quality, instrument, org.own), base_url="http://testserver"
    )
    deliver_queued()
    client = _client(quality)

    moved = client.post(
        reverse("surveys:question_move", args=[instrument.pk, "effort"]),
        {"direction": "up", "version": "1"},
    )
    removed = client.post(
        reverse("surveys:question_remove", args=[instrument.pk, "overall"]), {"version": "2"}
    )
    stale = client.post(
        reverse("surveys:question_remove", args=[instrument.pk, "effort"]), {"version": "1"}
    )
    unknown = client.post(
        reverse("surveys:question_move", args=[instrument.pk, "nope"]),
        {"direction": "up", "version": "2"},
    )

    assert (moved.status_code, removed.status_code) == (302, 302)
    assert stale.status_code == 409
    assert unknown.status_code == 422
    assert _attributes(instrument.latest_version()) == [
        "repair-speed",
        "repair-quality",
        "cleanliness",
        "effort",
        "recommend",
    ]
    assert _attributes(instrument.versions.get(number=1))[0] == "overall"


def test_htmx_move_answers_with_the_question_list(org, quality):
    instrument = make_instrument(quality, org.own, "csat_pulse")

    response = _client(quality).post(
        reverse("surveys:question_move", args=[instrument.pk, "effort"]),
        {"direction": "up", "version": "1"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="questions"' in body and 'data-testid="notice"' in body
    assert _attributes(instrument.latest_version())[-2:] == ["effort", "recommend"]


@pytest.mark.parametrize("role", ROLES)
def test_question_pages_follow_the_permission_table(org, role):
    own = make_instrument(org.users["quality_manager"], org.own, "csat_pulse")
    other = make_instrument(org.other_users["quality_manager"], org.other, "csat_pulse")
    client = _client(org.users[role])

    statuses = {
        name: client.post(
            reverse("surveys:question_move", args=[instrument.pk, "effort"]),
            {"direction": "up"},
        ).status_code
        for name, instrument in (("own", own), ("other", other))
    }
    view_other = client.get(reverse("surveys:instrument", args=[other.pk])).status_code

    if role == "administrator":
        assert statuses == {"own": 302, "other": 302}
    elif role in CHANGES:
        assert statuses == {"own": 302, "other": 404}
    else:
        assert statuses == {"own": 403, "other": 404}
    assert view_other == (200 if role == "administrator" else 404)
    moved = Question.objects.filter(version__instrument=own, attribute="effort").get().position
    assert moved == (5 if role in CHANGES else 6)


def test_template_form_offers_the_allocation_for_servqual_only(org, quality):
    client = _client(quality)

    refused = client.post(
        reverse("surveys:instrument_new"),
        {"template": "csat_pulse", "branch": org.own.pk, "allocation": "on"},
    )
    created = client.post(
        reverse("surveys:instrument_new"),
        {"template": "servqual", "branch": org.own.pk, "allocation": "on"},
    )

    assert refused.status_code == 422
    assert list(refused.context["form"].errors) == ["allocation"]
    assert created.status_code == 302
    version = org.own.instruments.get(template="servqual").latest_version()
    allocation = version.questions.filter(kind=QuestionKind.ALLOCATION).order_by("position")
    assert [(q.attribute, q.dimension) for q in allocation] == [
        ("weight-tangibles", "tangibles"),
        ("weight-reliability", "reliability"),
        ("weight-responsiveness", "responsiveness"),
        ("weight-assurance", "assurance"),
        ("weight-empathy", "empathy"),
    ]
    assert version.questions.count() == 27


def test_htmx_refusal_answers_with_the_list_and_the_message(org, quality):
    instrument = make_instrument(quality, org.own, "csat_pulse")

    response = _client(quality).post(
        reverse("surveys:question_move", args=[instrument.pk, "overall"]),
        {"direction": "up", "version": "1"},
        HTTP_HX_REQUEST="true",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 422  # swapped in by the page's htmx-config
    assert "“overall” is already the first question." in response.content.decode()
    assert 'name="htmx-config"' in response.content.decode()
