"""Jobs used by the scheduler tests (registered by the tests, never by the product)."""

from __future__ import annotations

import datetime
import os
import time
from pathlib import Path

CALLS: list[datetime.datetime] = []


def record(*, slot: datetime.datetime) -> dict[str, str]:
    CALLS.append(slot)
    return {"slot": slot.isoformat()}


def explode(*, slot: datetime.datetime) -> None:
    raise RuntimeError(f"boom at {slot:%H:%M:%S}")


def slow(*, slot: datetime.datetime) -> dict[str, str]:
    """Marks that it started; blocks while the ``block`` file exists (a job the test kills)."""
    folder = Path(os.environ["QIWANG_TEST_MARKERS"])
    (folder / f"started-{int(slot.timestamp())}").touch()
    while (folder / "block").exists():
        time.sleep(0.2)
    return {"slot": slot.isoformat()}
