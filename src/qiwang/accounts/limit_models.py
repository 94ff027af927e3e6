"""The shared counter behind rate limits and log-in lockouts (ADR 0012).

One row per bucket and time window; every process increments the same row with one atomic
``INSERT … ON CONFLICT DO UPDATE … RETURNING`` (SQLite ≥ 3.35 and PostgreSQL), so the count holds
however many web processes and threads serve the site.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["RateCounter"]


class RateCounter(models.Model):
    """How many times ``bucket`` was hit in the window starting at ``window_start`` (Unix seconds)."""

    bucket = models.CharField(_("bucket"), max_length=200)
    window_start = models.BigIntegerField(_("window start"))
    hits = models.PositiveIntegerField(_("hits"), default=0)
    expires = models.BigIntegerField(_("expires"), db_index=True)

    class Meta:
        verbose_name = _("rate counter")
        verbose_name_plural = _("rate counters")
        constraints = [
            models.UniqueConstraint(
                fields=["bucket", "window_start"], name="rate_counter_bucket_window"
            )
        ]

    def __str__(self) -> str:
        return f"{self.bucket} @{self.window_start}: {self.hits}"
