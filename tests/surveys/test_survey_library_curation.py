"""The curated question library (issue 14, item 6): save a question to the branch's library,
find it on the library page, copy it into another instrument with its key, remove it; scoped by
branch and role."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from tests.surveys.conftest import make_instrument

from qiwang.accounts.models import AuditEvent
from qiwang.surveys.models import LibraryQuestion
from qiwang.surveys.services import add_question

pytestmark = pytest.mark.django_db

PARKING = {
    "kind": "single",
    "attribute": "parking",
    "text_zh": "您主要把车停在哪里？",
    "text_en": "Where do you usually park?",
    "options": [["garage", "车库", "Garage"], ["street", "路边", "Street"]],
}


def test_save_find_copy_and_remove(org, quality):
    source = make_instrument(quality, org.own, "csat_pulse")
    add_question(actor=quality, instrument=source, data=PARKING)
    target = make_instrument(quality, org.own, "kano_property")
    client = Client()
    client.force_login(quality)

    saved = client.post(
        reverse("surveys:library_save", args=[source.pk, "parking"]),
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    again = client.post(reverse("surveys:library_save", args=[source.pk, "parking"]), follow=True)
    entry = LibraryQuestion.objects.get()
    found = client.get(reverse("surveys:library"), {"q": "park"}, HTTP_ACCEPT_LANGUAGE="en")
    not_found = client.get(reverse("surveys:library"), {"q": "elevator"})
    offered = client.get(reverse("surveys:instrument", args=[target.pk])).content.decode()
    copied = client.post(
        reverse("surveys:question_copy", args=[target.pk]),
        {"question": f"lib-{entry.pk}", "version": "1"},
        follow=True,
    )

    assert "is now in the question library" in saved.content.decode()
    assert again.status_code == 200 and LibraryQuestion.objects.count() == 1
    assert (entry.branch, entry.kind, entry.options[0]) == (
        org.own,
        "single",
        PARKING["options"][0],
    )
    assert 'data-attribute="parking"' in found.content.decode()
    assert 'data-attribute="parking"' not in not_found.content.decode()
    assert f'value="lib-{entry.pk}"' in offered
    assert copied.status_code == 200
    question = target.latest_version().questions.get(attribute="parking")
    assert question.text_en == PARKING["text_en"] and question.kind == "single"
    # a key the instrument already uses is no longer offered
    assert (
        f'value="lib-{entry.pk}"'
        not in client.get(reverse("surveys:instrument", args=[target.pk])).content.decode()
    )

    removed = client.post(reverse("surveys:library_remove", args=[entry.pk]), follow=True)
    assert removed.status_code == 200 and not LibraryQuestion.objects.exists()
    assert target.latest_version().questions.filter(attribute="parking").exists()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"survey_library_saved", "survey_library_removed"} <= actions


def test_readers_cannot_curate(org, quality):
    source = make_instrument(quality, org.own, "csat_pulse")
    add_question(actor=quality, instrument=source, data=PARKING)
    entry = LibraryQuestion.objects.create(branch=org.own, **PARKING)
    analyst = Client()
    analyst.force_login(org.users["analyst"])

    assert (
        analyst.post(reverse("surveys:library_save", args=[source.pk, "parking"])).status_code
        == 403
    )
    assert analyst.post(reverse("surveys:library_remove", args=[entry.pk])).status_code == 403
    assert (
        'data-testid="library-remove"'
        not in analyst.get(reverse("surveys:library")).content.decode()
    )
    assert LibraryQuestion.objects.count() == 1
