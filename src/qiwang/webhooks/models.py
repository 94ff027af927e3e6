"""Webhook endpoints and their deliveries (the outbox).

An :class:`Endpoint` belongs to a branch and hears about the events of that branch and the
branches below it. A :class:`Delivery` is one event for one endpoint: inserted in the transaction
of the write that caused the event (so it exists exactly when that write committed), then POSTed
by a background task with retries. See docs/adr/0009-webhooks-outbox.md.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qiwang.accounts.models import Branch
from qiwang.webhooks.choices import DeliveryStatus
from qiwang.webhooks.querysets import DeliveryQuerySet, EndpointQuerySet

__all__ = ["Delivery", "Endpoint"]


class Endpoint(models.Model):
    """A URL that receives signed POSTs for the events it subscribes to (回调地址)."""

    name = models.CharField(_("name"), max_length=100)
    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), related_name="webhook_endpoints", on_delete=models.PROTECT
    )
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(_("events"), default=list)
    # The HMAC key. It must be readable to sign (a digest would not do); it is shown once, on
    # creation, and never again on any page, API or admin form.
    secret = models.CharField(max_length=64, editable=False)
    # The secret before the last rotation: it signs too (a second ``v1,`` signature) until
    # ``previous_secret_until``, so a receiver can switch keys without losing a delivery.
    previous_secret = models.CharField(max_length=64, blank=True, default="", editable=False)
    previous_secret_until = models.DateTimeField(null=True, blank=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        related_name="+",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = EndpointQuerySet.as_manager()

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class Delivery(models.Model):
    """One event for one endpoint; ``pk`` is the ``X-Qiwang-Delivery`` idempotency key."""

    endpoint = models.ForeignKey(
        Endpoint, verbose_name=_("endpoint"), related_name="deliveries", on_delete=models.CASCADE
    )
    event = models.CharField(_("event"), max_length=60)
    payload = models.JSONField(_("payload"))
    status = models.CharField(
        _("status"), max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(
        _("last status code"), null=True, blank=True
    )
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    # What the event is about ("response:42"): one delivery per endpoint, event and object, so
    # the backfill of a new endpoint (webhooks/backfill.py) never sends an event twice.
    object_key = models.CharField(_("object"), max_length=60, blank=True, default="")

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["endpoint", "-created_at"]),
            models.Index(fields=["status", "next_attempt_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event", "object_key"],
                condition=~models.Q(object_key=""),
                name="webhook_delivery_once_per_object",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint_id} #{self.pk}"
