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


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("migrations_restored")
def test_migration_normalises_stored_reporter_phones_and_keeps_unreadable_ones(
    make_complaint, capsys
):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from qiwang.complaints.models import Complaint

    readable = make_complaint(reporter_phone="13800001111")
    unreadable = make_complaint(reporter_phone="13800002222")
    Complaint.objects.filter(pk=readable.pk).update(reporter_phone="138 0000 1111")
    Complaint.objects.filter(pk=unreadable.pk).update(reporter_phone="call me")

    executor = MigrationExecutor(connection)
    executor.migrate([("complaints", "0002_defaults")])
    executor = MigrationExecutor(connection)
    executor.migrate([("complaints", "0003_normalise_reporter_phones")])

    # read the one column (later migrations add columns this schema does not have yet)
    phones = dict(Complaint.objects.values_list("pk", "reporter_phone"))
    assert phones[readable.pk] == "+8613800001111"
    assert phones[unreadable.pk] == "call me"
    assert f"complaint {unreadable.pk}: reporter phone" in capsys.readouterr().out
