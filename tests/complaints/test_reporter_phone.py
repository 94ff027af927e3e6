"""Complaint intake stores the reporter's phone by the shared rule (E.164)."""

from __future__ import annotations

import pytest

from qiwang.errors import ServiceError


def test_reporter_phone_is_stored_in_e164_and_repeats_match_any_form(make_complaint):
    first = make_complaint(reporter_phone="138 0000 1111")
    second = make_complaint(reporter_phone="+86 13800001111")

    assert first.reporter_phone == second.reporter_phone == "+8613800001111"


def test_a_reporter_phone_that_is_not_a_number_is_refused(make_complaint):
    with pytest.raises(ServiceError) as caught:
        make_complaint(reporter_phone="call me maybe")

    assert "reporter_phone" in caught.value.errors
