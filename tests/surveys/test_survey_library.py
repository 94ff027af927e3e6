"""The question library of a branch (issue 14, item 6): questions of the other instruments the
manager sees, copied with their attribute key so answers compare across waves."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from tests.surveys.conftest import make_instrument

from qiwang.surveys.library import library_questions
from qiwang.surveys.models import Question

pytestmark = pytest.mark.django_db


@pytest.fixture
def instruments(org, quality):
    other_branch = org.other_users["quality_manager"]
    return {
        "pulse": make_instrument(quality, org.own, "csat_pulse"),
        "groups": make_instrument(quality, org.own, "indicator_groups"),
        "elsewhere": make_instrument(other_branch, org.other, "kano_property"),
    }


def test_the_library_offers_the_branchs_other_questions_not_yet_used(quality, instruments):
    pulse = instruments["pulse"]
    taken = set(pulse.latest_version().questions.values_list("attribute", flat=True))

    offered = library_questions(quality, pulse)

    keys = [q.attribute for q in offered]
    assert "channel" in keys and "improve" in keys  # choice questions of the other instrument
    assert not taken & set(keys)
    assert len(keys) == len(set(keys))
    kano_keys = set(
        instruments["elsewhere"].latest_version().questions.values_list("attribute", flat=True)
    )
    assert not kano_keys & set(keys)  # another branch's instrument is not offered


def test_copying_keeps_the_key_wording_and_options(quality, instruments):
    pulse = instruments["pulse"]
    source = instruments["groups"].latest_version().questions.get(attribute="channel")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(quality)

    page = client.get(reverse("surveys:instrument", args=[pulse.pk])).content.decode()
    copied = client.post(reverse("surveys:question_copy", args=[pulse.pk]), {"question": source.pk})
    again = client.post(reverse("surveys:question_copy", args=[pulse.pk]), {"question": source.pk})

    assert 'data-testid="question-library"' in page and f'value="{source.pk}"' in page
    assert copied.status_code == 302
    question = pulse.latest_version().questions.get(attribute="channel")
    assert (question.kind, question.text_zh, question.text_en, question.options) == (
        source.kind,
        source.text_zh,
        source.text_en,
        source.options,
    )
    assert question.position == Question.objects.filter(version=question.version).count()
    assert again.status_code == 422  # no longer offered: the key is used now
    assert "Choose a question from the library." in again.content.decode()


def test_an_analyst_cannot_copy(org, instruments):
    client = Client()
    client.force_login(org.users["analyst"])
    source = instruments["groups"].latest_version().questions.first()

    response = client.post(
        reverse("surveys:question_copy", args=[instruments["pulse"].pk]), {"question": source.pk}
    )

    assert response.status_code == 403
