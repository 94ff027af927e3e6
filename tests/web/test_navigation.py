"""The navigation shell marks exactly one entry as the page the user is on."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from tests.conftest import make_customer


def _active_entries(html: str) -> list[str]:
    return re.findall(r'data-nav="(\w+)" aria-current="page"', html)


@pytest.mark.parametrize(
    ("page", "expected"),
    [("customers:my_day", "my_day"), ("customers:list", "customers"), ("surveys:list", "surveys")],
)
def test_one_entry_is_active(org, page, expected):
    client = Client()
    client.force_login(org.users["account_manager"])

    html = client.get(reverse(page)).content.decode()

    assert _active_entries(html) == [expected]


def test_a_page_without_its_own_entry_marks_its_module(org):
    manager = org.users["account_manager"]
    customer = make_customer(org.own, "N001", account_manager=manager)
    client = Client()
    client.force_login(manager)

    html = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()

    assert _active_entries(html) == ["customers"]
