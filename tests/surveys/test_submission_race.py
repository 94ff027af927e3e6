"""A double (or sixteen-fold) tap over real HTTP: concurrent submissions of one invitation answer
2xx, the response is stored once with each answer once, and nothing answers 500 (issue 16,
item 8: the insert guards both the submission key and the invitation)."""

from __future__ import annotations

import json
import re
import threading
import urllib.error
import urllib.request

import pytest
from django.core import mail
from tests.surveys.conftest import deliver_queued, make_instrument, make_wave
from tests.surveys.test_survey_api import FULL

from qiwang.surveys.models import Answer, Response
from qiwang.surveys.services import send_wave

pytestmark = pytest.mark.django_db(transaction=True)

TAPS = 16


def _post(url: str, body: bytes) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:  # noqa: S310 (local server)
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, {}


def test_concurrent_taps_store_one_response_and_never_fail(org, live_server):
    quality = org.users["quality_manager"]
    from tests.conftest import make_customer

    make_customer(org.own, "A0001", email="a@example.cn")
    wave = make_wave(quality, make_instrument(quality, org.own, "csat_pulse"), org.own)
    send_wave(actor=quality, wave=wave, base_url="http://testserver")
    deliver_queued()
    token = re.search(r"/s/([A-Za-z0-9_\-]+)/", mail.outbox[0].body).group(1)
    url = f"{live_server.url}/api/surveys/respond/{token}"
    body = json.dumps({"answers": FULL}).encode()
    start = threading.Barrier(TAPS)
    outcomes: list[tuple[int, dict]] = []
    lock = threading.Lock()

    def tap() -> None:
        start.wait()
        outcome = _post(url, body)
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=tap) for _ in range(TAPS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    statuses = sorted(status for status, _body in outcomes)
    assert len(outcomes) == TAPS
    assert all(status == 200 for status in statuses), statuses
    assert all(reply["status"] == "complete" for _status, reply in outcomes)
    first = [reply for _status, reply in outcomes if not reply["already_submitted"]]
    assert len(first) <= 1  # at most one tap reports the first submission; the rest retries
    assert Response.objects.filter(wave=wave).count() == 1
    assert Response.objects.get(wave=wave).status == "complete"
    assert Answer.objects.filter(response__wave=wave).count() == len(FULL)
