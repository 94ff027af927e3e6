"""Deliveries of services, publications, surprise plans and per-customer perceptions."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from qiwang.accounts.models import Branch
from qiwang.catalogue.choices import (
    Audience,
    DeliverySource,
    ObservationSource,
    PlannedStatus,
    PlanStatus,
    PublicationChannel,
)
from qiwang.catalogue.models.service import Commitment, Service
from qiwang.catalogue.querysets import (
    CustomerScopedQuerySet,
    PublicationQuerySet,
    SurprisePlanQuerySet,
)
from qiwang.customers.choices import Tier

__all__ = [
    "Delivery",
    "ExpectationState",
    "Observation",
    "PlannedSurprise",
    "Publication",
    "SurprisePlan",
]


class Delivery(models.Model):
    """One delivery of a service to one customer, judged against the commitment in force.

    ``value`` is the measured figure in ``unit`` (hours to the repair visit, indoor °C …);
    ``kept`` is true / false when a commitment with a target was in force on ``delivered_at``
    and a value was given, else empty. ``branch`` is the customer's branch (for scoping).
    """

    service = models.ForeignKey(
        Service, verbose_name=_("service"), related_name="deliveries", on_delete=models.PROTECT
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        related_name="service_deliveries",
        on_delete=models.CASCADE,
    )
    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), related_name="+", on_delete=models.PROTECT
    )
    delivered_at = models.DateTimeField(_("delivered at"))
    value = models.FloatField(_("measured value"), null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    commitment = models.ForeignKey(
        Commitment,
        verbose_name=_("commitment"),
        related_name="deliveries",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    kept = models.BooleanField(_("promise kept"), null=True, blank=True)
    cost = models.DecimalField(
        _("cost (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    source = models.CharField(
        _("source"), max_length=20, choices=DeliverySource.choices, default=DeliverySource.MANUAL
    )
    reference = models.CharField(
        _("external reference"),
        max_length=80,
        blank=True,
        help_text=_("The work order or sensor reading number; unique per service."),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        related_name="+",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = CustomerScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-delivered_at", "-pk"]
        indexes = [
            models.Index(fields=["service", "delivered_at"]),
            models.Index(fields=["customer", "service", "delivered_at"]),
            models.Index(fields=["branch", "delivered_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "reference"],
                condition=~models.Q(reference=""),
                name="catalogue_delivery_reference_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.service} → {self.customer_id} {self.delivered_at:%Y-%m-%d}"


class Publication(models.Model):
    """A time a service was made known: a channel and an audience (docs/customers.md)."""

    service = models.ForeignKey(
        Service, verbose_name=_("service"), related_name="publications", on_delete=models.CASCADE
    )
    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), related_name="+", on_delete=models.PROTECT
    )
    title = models.CharField(_("title"), max_length=160)
    channel = models.CharField(_("channel"), max_length=20, choices=PublicationChannel.choices)
    audience = models.CharField(_("audience"), max_length=20, choices=Audience.choices)
    audience_tiers = models.JSONField(_("audience customer tiers"), default=list, blank=True)
    audience_branches = models.ManyToManyField(
        Branch, verbose_name=_("audience branches"), related_name="+", blank=True
    )
    audience_customers = models.ManyToManyField(
        "customers.Customer",
        verbose_name=_("audience customers"),
        related_name="publications_received",
        blank=True,
    )
    published_on = models.DateField(_("published on"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        related_name="+",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = PublicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        ordering = ["-published_on", "-pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def audience_tier_labels(self) -> list[str]:
        """The audience's customer tiers in the reader's language (stored as codes)."""
        labels = dict(Tier.choices)
        return [str(labels.get(code, code)) for code in self.audience_tiers]


class SurprisePlan(models.Model):
    """A campaign of a surprise service: who receives it when, planned by
    ``qiwang.analysis.surprise.plan_surprises`` and reproducible from ``seed``."""

    service = models.ForeignKey(
        Service, verbose_name=_("service"), related_name="surprise_plans", on_delete=models.CASCADE
    )
    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), related_name="+", on_delete=models.PROTECT
    )
    name = models.CharField(_("name"), max_length=120)
    budget = models.DecimalField(
        _("budget (yuan)"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )
    cost = models.DecimalField(
        _("cost per delivery (yuan)"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(0)],
    )
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    min_gap_days = models.PositiveIntegerField(_("minimum days between two surprises"), default=60)
    max_per_year = models.PositiveIntegerField(_("at most per customer and year"), default=2)
    seed = models.PositiveIntegerField(_("random seed"), default=1)
    status = models.CharField(
        _("status"), max_length=20, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    spent = models.DecimalField(
        _("planned spending (yuan)"), max_digits=12, decimal_places=2, default=0
    )
    # Codes and parameters from the planner (left-out reasons, notices): rendered when shown.
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        related_name="+",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = SurprisePlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("surprise plan")
        verbose_name_plural = _("surprise plans")
        ordering = ["-start", "-pk"]

    def __str__(self) -> str:
        return self.name


class PlannedSurprise(models.Model):
    """One planned surprise delivery; becomes a :class:`Delivery` when delivered."""

    plan = models.ForeignKey(
        SurprisePlan,
        verbose_name=_("surprise plan"),
        related_name="items",
        on_delete=models.CASCADE,
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        related_name="planned_surprises",
        on_delete=models.CASCADE,
    )
    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), related_name="+", on_delete=models.PROTECT
    )
    date = models.DateField(_("date"))
    status = models.CharField(
        _("status"), max_length=20, choices=PlannedStatus.choices, default=PlannedStatus.PLANNED
    )
    delivery = models.OneToOneField(
        Delivery,
        verbose_name=_("delivery"),
        related_name="planned",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )

    objects = CustomerScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("planned surprise")
        verbose_name_plural = _("planned surprises")
        ordering = ["date", "pk"]
        indexes = [models.Index(fields=["plan", "date"])]

    def __str__(self) -> str:
        return f"{self.plan} → {self.customer_id} {self.date}"


class Observation(models.Model):
    """One perception of a service by one customer (a survey answer, a delivery kept or broken,
    a complaint), with the stated expectation when it was measured. Scale 1–7."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        related_name="service_observations",
        on_delete=models.CASCADE,
    )
    service = models.ForeignKey(
        Service, verbose_name=_("service"), related_name="observations", on_delete=models.CASCADE
    )
    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), related_name="+", on_delete=models.PROTECT
    )
    observed_at = models.DateTimeField(_("observed at"))
    perception = models.FloatField(_("perception"))
    expectation = models.FloatField(_("stated expectation"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=ObservationSource.choices)
    source_ref = models.CharField(_("source reference"), max_length=80, blank=True)

    objects = CustomerScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("perception")
        verbose_name_plural = _("perceptions")
        ordering = ["customer_id", "service_id", "observed_at", "pk"]
        indexes = [models.Index(fields=["customer", "service", "observed_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "service", "source", "source_ref"],
                condition=~models.Q(source_ref=""),
                name="catalogue_observation_source_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} · {self.service_id} · {self.perception:g}"


class ExpectationState(models.Model):
    """The expectation model's latest state for one customer × service (recomputed set-based by
    ``services.expectations.refresh_states``)."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        related_name="expectation_states",
        on_delete=models.CASCADE,
    )
    service = models.ForeignKey(
        Service,
        verbose_name=_("service"),
        related_name="expectation_states",
        on_delete=models.CASCADE,
    )
    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), related_name="+", on_delete=models.PROTECT
    )
    expectation = models.FloatField(_("expectation"))
    uncertainty = models.FloatField(_("uncertainty"))
    observations = models.PositiveIntegerField(_("observations"))
    last_perception = models.FloatField(_("last perception"), null=True, blank=True)
    ratchet_warning = models.BooleanField(_("ratchet warning"), default=False)
    computed_at = models.DateTimeField(_("computed"), auto_now=True)

    objects = CustomerScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("expectation state")
        verbose_name_plural = _("expectation states")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "service"], name="catalogue_expectation_state_unique"
            )
        ]
        indexes = [
            # the catalogue page counts ratchet warnings per service: no scan of every state
            models.Index(
                fields=["service"],
                condition=models.Q(ratchet_warning=True),
                name="catalogue_state_ratchet_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} · {self.service_id} · {self.expectation:.2f}"
