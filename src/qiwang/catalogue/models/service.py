"""Services by tier, their commitments and the survey measurements pushed onto them."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from qiwang.accounts.models import Branch
from qiwang.catalogue.choices import (
    CommitmentLevel,
    Comparison,
    KanoClass,
    PublicityScope,
    ServiceTier,
)
from qiwang.catalogue.querysets import CommitmentQuerySet, MeasurementQuerySet, ServiceQuerySet

__all__ = ["Commitment", "Service", "ServiceMeasurement"]


class Service(models.Model):
    """A service (服务项目) a branch offers, in one tier (basic, expected, surprise).

    Eligibility (docs/catalogue.md): a customer of the service's branch or a branch below it is
    eligible when they pass every restriction that is set — ``eligible_tiers`` (customer tiers),
    ``eligible_branches`` (the customer's branch or one above it) and ``eligible_customers`` (a
    named list). A restriction left empty does not restrict.
    """

    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), related_name="services", on_delete=models.PROTECT
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    tier = models.CharField(_("service tier"), max_length=20, choices=ServiceTier.choices)
    cost_per_delivery = models.DecimalField(
        _("cost per delivery (yuan)"),
        max_digits=12,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    resource_priority = models.PositiveSmallIntegerField(
        _("resource priority"),
        default=2,
        help_text=_("1 is served first when resources are short."),
    )
    publicity_scope = models.CharField(
        _("publicity scope"),
        max_length=20,
        choices=PublicityScope.choices,
        default=PublicityScope.PUBLIC,
    )
    eligible_tiers = models.JSONField(_("eligible customer tiers"), default=list, blank=True)
    eligible_branches = models.ManyToManyField(
        Branch, verbose_name=_("eligible branches"), related_name="eligible_services", blank=True
    )
    eligible_customers = models.ManyToManyField(
        "customers.Customer",
        verbose_name=_("eligible customers"),
        related_name="eligible_services",
        blank=True,
    )
    survey_attributes = models.JSONField(
        _("survey attribute keys"),
        default=list,
        blank=True,
        help_text=_("The attribute keys of survey questions that measure this service."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ServiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["branch_id", "resource_priority", "code"]
        constraints = [
            models.UniqueConstraint(fields=["branch", "code"], name="catalogue_service_code_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Commitment(models.Model):
    """What is promised about a service (承诺) between two dates, with a measurable target.

    ``level`` follows docs/customers.md. A target is ``metric comparison threshold unit`` ("repair
    visit hours <= 24 h"); a commitment of level "none" has no target, nor has any commitment of a
    surprise service. ``valid_to`` empty means open-ended; a delivery is judged against the
    commitment in force on its date.
    """

    service = models.ForeignKey(
        Service, verbose_name=_("service"), related_name="commitments", on_delete=models.CASCADE
    )
    level = models.CharField(_("commitment level"), max_length=20, choices=CommitmentLevel.choices)
    statement = models.CharField(_("promise as told to customers"), max_length=200, blank=True)
    scope = models.TextField(_("scope and process"), blank=True)
    metric = models.SlugField(_("metric"), max_length=60, blank=True)
    comparison = models.CharField(
        _("comparison"), max_length=2, choices=Comparison.choices, blank=True
    )
    threshold = models.FloatField(_("threshold"), null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    allowed_breach = models.FloatField(
        _("allowed breach rate"),
        default=0.05,
        help_text=_("The share of deliveries that may miss the target (0.05 = 5 %)."),
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        related_name="+",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = CommitmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        ordering = ["service_id", "-valid_from"]
        indexes = [models.Index(fields=["service", "valid_from"])]

    def __str__(self) -> str:
        return f"{self.service} {self.target_text}".strip()

    @property
    def has_target(self) -> bool:
        return bool(self.comparison) and self.threshold is not None

    @property
    def target_text(self) -> str:
        if not self.has_target:
            return ""
        number = f"{self.threshold:g}"
        return f"{self.comparison} {number} {self.unit}".strip()


class ServiceMeasurement(models.Model):
    """One survey wave's measurement of one attribute of a service, pushed by the surveys app.

    ``wave_id`` and ``wave_name`` identify the wave without a foreign key (the catalogue sits
    above surveys). ``satisfaction`` is S = P − E on the wave's scale.
    """

    service = models.ForeignKey(
        Service, verbose_name=_("service"), related_name="measurements", on_delete=models.CASCADE
    )
    wave_id = models.PositiveBigIntegerField(_("survey wave"))
    wave_name = models.CharField(_("wave name"), max_length=120)
    measured_on = models.DateField(_("measured on"))
    attribute = models.SlugField(_("attribute key"), max_length=60)
    respondents = models.PositiveIntegerField(_("respondents"), default=0)
    kano_class = models.CharField(
        _("Kano class"), max_length=1, choices=KanoClass.choices, blank=True
    )
    expectation = models.FloatField(_("expectation"), null=True, blank=True)
    perception = models.FloatField(_("perception"), null=True, blank=True)
    servqual_gap = models.FloatField(_("SERVQUAL gap"), null=True, blank=True)
    satisfaction = models.FloatField(_("S = P − E"), null=True, blank=True)
    recorded_at = models.DateTimeField(_("recorded"), auto_now=True)

    objects = MeasurementQuerySet.as_manager()

    class Meta:
        verbose_name = _("service measurement")
        verbose_name_plural = _("service measurements")
        ordering = ["service_id", "-measured_on", "attribute"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "wave_id", "attribute"],
                name="catalogue_measurement_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.service} · {self.wave_name} · {self.attribute}"
