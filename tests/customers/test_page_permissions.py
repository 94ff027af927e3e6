"""Who may open which customers page: the role table for the pages of issue 5."""

from __future__ import annotations

import pytest
from tests.conftest import PASSWORD

PAGES = [
    "/customers/my-day/",
    "/customers/calendar/",
    "/customers/allocations/",
    "/customers/plans/",
    "/customers/tiers/",
    "/customers/occasions/",
]
# role → expected status per page, in PAGES order
TABLE = {
    "administrator": [200, 200, 200, 200, 200, 200],
    "quality_manager": [200, 403, 200, 200, 200, 200],
    "account_manager": [200, 200, 200, 200, 200, 200],
    "agent": [200, 403, 403, 200, 200, 200],
    "analyst": [200, 403, 403, 200, 200, 200],
}


@pytest.mark.parametrize("role", sorted(TABLE))
def test_page_table(client, org, role):
    client.login(username=org.users[role].username, password=PASSWORD)
    assert [client.get(page).status_code for page in PAGES] == TABLE[role]


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_users_are_sent_to_login(client, db, page):
    response = client.get(page)
    assert response.status_code == 302
    assert "/login" in response["Location"]
