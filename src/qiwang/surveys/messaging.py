"""Sending survey invitations by SMS: a small pluggable backend interface.

The customers app has no SMS provider interface yet (issue 5 may add one); until it does, this
module is the seam. ``QIWANG_SMS_BACKEND`` names a class with ``send(phone, text) -> None``; the
default :class:`FileSmsBackend` writes each message to a file under ``QIWANG_SMS_DIR`` (default
``<data dir>/sms``), which is what the demo and the tests read. A real gateway (Aliyun SMS,
Tencent Cloud SMS …) is a class of a few lines with the same method. E-mail goes through Django's
mail framework (``EMAIL_BACKEND``).
"""

from __future__ import annotations

import itertools
import threading
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from qiwang.project import config


class SmsBackend(Protocol):
    def send(self, phone: str, text: str) -> None:
        """Deliver ``text`` to ``phone`` or raise an exception."""


class FileSmsBackend:
    """Writes one text file per message (``<timestamp>-<n>.txt``: phone, blank line, text)."""

    _counter = itertools.count()
    _lock = threading.Lock()

    def __init__(self, directory: str | Path | None = None) -> None:
        default = config.data_dir() / "sms"
        self.directory = Path(directory or getattr(settings, "QIWANG_SMS_DIR", None) or default)

    def send(self, phone: str, text: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        with self._lock:
            number = next(self._counter)
        stamp = timezone.now().strftime("%Y%m%dT%H%M%S%f")
        (self.directory / f"{stamp}-{number:06d}.txt").write_text(f"{phone}\n\n{text}\n", "utf-8")


def sms_backend() -> SmsBackend:
    path = getattr(settings, "QIWANG_SMS_BACKEND", "qiwang.surveys.messaging.FileSmsBackend")
    return import_string(path)()
