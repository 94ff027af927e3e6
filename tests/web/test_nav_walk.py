"""Every link of every navigation opens for the role that sees it (issue 15 item 6): the main
navigation, and the sub-navigation of each page it leads to, walked for every role."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.test import Client

_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "wbr",
}


class _NavLinks(HTMLParser):
    """The ``href`` of every ``<a>`` inside a ``<nav>`` or a page's button bar (``day-nav``)."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[bool] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        inside = bool(self.stack and self.stack[-1])
        if tag == "a" and inside:
            href = values.get("href") or ""
            if href.startswith("/") and not href.startswith("//"):
                self.links.append(href)
        if tag in _VOID:
            return
        classes = (values.get("class") or "").split()
        self.stack.append(inside or tag == "nav" or "day-nav" in classes)

    def handle_endtag(self, tag):
        if tag not in _VOID and self.stack:
            self.stack.pop()


def _nav_links(html: str) -> list[str]:
    parser = _NavLinks()
    parser.feed(html)
    return parser.links


def _walk(client: Client) -> dict[str, int]:
    """Status of every nav link reachable from the home page in two steps."""
    seen: dict[str, int] = {}
    frontier = ["/"]
    for _step in range(3):
        following: list[str] = []
        for url in frontier:
            if url in seen:
                continue
            response = client.get(url)
            seen[url] = response.status_code
            if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
                following += [
                    link for link in _nav_links(response.content.decode()) if link not in seen
                ]
        frontier = following
    return seen


@pytest.mark.parametrize(
    "role", ["administrator", "quality_manager", "account_manager", "agent", "analyst"]
)
def test_no_navigation_link_answers_403(org, role):
    client = Client()
    client.force_login(org.users[role])
    statuses = _walk(client)
    assert len(statuses) > 5
    forbidden = sorted(url for url, status in statuses.items() if status == 403)
    assert forbidden == [], f"{role} sees links it may not open: {forbidden}"
    broken = sorted(url for url, status in statuses.items() if status >= 500)
    assert broken == []


def test_an_agent_sees_no_calendar_or_allocation_link(org):
    client = Client()
    client.force_login(org.users["agent"])
    html = client.get("/customers/my-day/").content.decode()
    assert "/customers/calendar/" not in _nav_links(html)
    assert "/customers/allocations/" not in _nav_links(html)
    client.force_login(org.users["account_manager"])
    html = client.get("/customers/my-day/").content.decode()
    assert "/customers/calendar/" in _nav_links(html)
    assert "/customers/allocations/" in _nav_links(html)
