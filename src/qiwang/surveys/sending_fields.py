"""The send queue's columns on an invitation (kept out of ``models.py``, which is long enough).

An invitation waits for the worker while ``send_kind`` is set (``invitation`` or ``reminder``):
:mod:`qiwang.surveys.sending` claims it (``send_claim`` and a lease, ``send_claimed_until``),
sends it, and either clears ``send_kind`` or counts the failed attempt and sets the next one
(``send_attempts``, ``send_next_at``, ``send_error``).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from qiwang.surveys.choices import SendKind


class SendQueueFields(models.Model):
    send_kind = models.CharField(
        _("waiting to send"), max_length=20, choices=SendKind.choices, blank=True
    )
    send_attempts = models.PositiveSmallIntegerField(_("send attempts"), default=0)
    send_next_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    send_error = models.CharField(_("last sending error"), max_length=300, blank=True)
    send_claim = models.CharField(max_length=40, blank=True, editable=False)
    send_claimed_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True
