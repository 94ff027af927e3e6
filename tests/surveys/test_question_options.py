"""Choice-question options of any shape are refused with 422 naming ``options`` (issue 10: an
empty option was a 500)."""

from __future__ import annotations

import pytest
from django.test import Client
from tests.surveys.conftest import make_instrument

from qiwang.surveys.models import Question

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "options",
    [
        [[], ["b", "乙"]],
        [["a"], ["b", "乙"]],
        [["a", "甲", "A", "extra"], ["b", "乙"]],
        [["", "甲"], ["b", "乙"]],
        [["a,b", "甲"], ["b", "乙"]],
        [["a", "甲" * 301], ["b", "乙"]],
    ],
    ids=["empty", "value only", "four parts", "empty value", "comma in value", "long label"],
)
def test_a_malformed_option_is_422_naming_options(org, quality, options):
    instrument = make_instrument(quality, org.own, "csat_pulse")
    before = Question.objects.count()
    client = Client(raise_request_exception=False)
    client.force_login(quality)

    response = client.post(
        f"/api/surveys/instruments/{instrument.pk}/questions",
        {"kind": "single", "text_zh": "您从哪里知道我们？", "options": options},
        content_type="application/json",
    )

    assert response.status_code == 422, response.content
    assert [e["field"] for e in response.json()["errors"]] == ["options"]
    assert Question.objects.count() == before


def test_well_formed_options_are_kept(org, quality):
    instrument = make_instrument(quality, org.own, "csat_pulse")
    client = Client()
    client.force_login(quality)

    response = client.post(
        f"/api/surveys/instruments/{instrument.pk}/questions",
        {
            "kind": "single",
            "text_zh": "您从哪里知道我们？",
            "options": [["a", "甲"], ["b", "乙", "B"]],
        },
        content_type="application/json",
    )

    assert response.status_code == 201
    assert Question.objects.get(text_zh="您从哪里知道我们？").options == [
        ["a", "甲"],
        ["b", "乙", "B"],
    ]
