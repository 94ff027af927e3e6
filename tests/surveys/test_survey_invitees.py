"""The invitees of a wave with each invitation's state, and confirmations before send, close and
remind (issue 14, item 7)."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from tests.surveys.conftest import deliver_queued, make_instrument, make_wave

from qiwang.surveys.choices import InvitationStatus
from qiwang.surveys.models import Invitation
from qiwang.surveys.services import send_wave

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(org, quality, community_customers):
    instrument = make_instrument(quality, org.own, "csat_pulse")
    wave = make_wave(quality, instrument, org.own, contact_gap_days=0)
    send_wave(actor=quality, wave=wave, base_url="http://testserver")
    deliver_queued()
    links = [
        re.search(r"http://testserver(/s/[A-Za-z0-9_\-]+/)", m.body).group(1) for m in mail.outbox
    ]
    return wave, links


def _states(page: str) -> list[str]:
    return re.findall(r'data-testid="invitee" data-state="([a-z_]+)"', page)


def test_each_invitation_shows_its_furthest_state(org, quality, sent):
    wave, links = sent
    first = {"overall.value": "5"}
    Client().get(links[0])  # opened only
    started = Client()
    started.post(links[1], {"action": "later", "page": "1", **first})  # one answer saved
    invitations = list(Invitation.objects.filter(wave=wave).order_by("pk"))
    Invitation.objects.filter(pk=invitations[2].pk).update(status=InvitationStatus.OPTED_OUT)
    Invitation.objects.filter(pk=invitations[3].pk).update(status=InvitationStatus.FAILED)
    Invitation.objects.filter(pk=invitations[4].pk).update(status=InvitationStatus.RESPONDED)
    client = Client()
    client.force_login(quality)
    url = reverse("surveys:invitees", args=[wave.pk])

    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    opened = client.get(url, {"state": "started"}).content.decode()

    states = _states(page)
    assert len(states) == len(links) == 12
    assert states.count("completed") == 1 and states.count("opted_out") == 1
    assert states.count("bounced") == 1 and states.count("started") == 1
    assert states.count("opened") == 1 and states.count("sent") == 7
    assert _states(opened) == ["started"]
    # quality managers do not see personal data: branch and tier, no customer code
    assert "A0000" not in page and "Branch" in page


def test_account_managers_see_the_customer(org, sent):
    wave, _links = sent
    manager = Client()
    manager.force_login(org.users["account_manager"])

    page = manager.get(reverse("surveys:invitees", args=[wave.pk])).content.decode()

    assert "A0000" in page


def test_send_close_and_remind_ask_first(org, quality, community_customers):
    instrument = make_instrument(quality, org.own, "csat_pulse")
    wave = make_wave(quality, instrument, org.own, contact_gap_days=0)
    client = Client()
    client.force_login(quality)
    url = reverse("surveys:wave", args=[wave.pk])

    draft = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    send_wave(actor=quality, wave=wave, base_url="http://testserver")
    deliver_queued()
    opened = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert re.search(
        r'wave_send|/send/" class="inline" data-confirm="Send the invitations now', draft
    )
    assert 'data-confirm="Remind every invited customer' in opened
    assert 'data-confirm="Close the wave now?' in opened
    assert "surveys/confirm.js" in opened
