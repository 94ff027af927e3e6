from django.db import models
from django.utils.translation import gettext_lazy as _


class ServiceTier(models.TextChoices):
    """The three tiers of docs/customers.md: services for basic, expected and delight needs."""

    BASIC = "basic", _("Basic")
    EXPECTED = "expected", _("Expected")
    SURPRISE = "surprise", _("Surprise")


class CommitmentLevel(models.TextChoices):
    """How firmly a service is promised (docs/customers.md)."""

    EXPLICIT = "explicit", _("Explicit standard")
    MODERATE = "moderate", _("Moderate")
    NONE = "none", _("None")


class Comparison(models.TextChoices):
    AT_MOST = "<=", _("at most")
    BELOW = "<", _("below")
    AT_LEAST = ">=", _("at least")
    ABOVE = ">", _("above")


class PublicityScope(models.TextChoices):
    """How widely a service may be made known (docs/customers.md)."""

    PUBLIC = "public", _("Public")
    SEGMENT = "segment", _("Segment only")
    INDIVIDUAL = "individual", _("Individual")


class PublicationChannel(models.TextChoices):
    NOTICE_BOARD = "notice_board", _("Notice board")
    WECHAT_GROUP = "wechat_group", _("WeChat group")
    WEBSITE = "website", _("Website")
    SMS = "sms", _("SMS")


class Audience(models.TextChoices):
    ALL = "all", _("All customers")
    SEGMENTS = "segments", _("Segments")
    CUSTOMERS = "customers", _("Named customers")


class DeliverySource(models.TextChoices):
    MANUAL = "manual", _("Recorded by staff")
    IMPORT = "import", _("Imported file")
    API = "api", _("API")
    SURPRISE_PLAN = "surprise_plan", _("Surprise plan")
    DEMO = "demo", _("Demo data")


class KanoClass(models.TextChoices):
    """Kano categories as the survey analysis codes them (``qiwang.analysis.kano``)."""

    MUST_BE = "M", _("Must-be")
    ONE_DIMENSIONAL = "O", _("One-dimensional")
    ATTRACTIVE = "A", _("Attractive")
    INDIFFERENT = "I", _("Indifferent")
    REVERSE = "R", _("Reverse")
    QUESTIONABLE = "Q", _("Questionable")


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    CONFIRMED = "confirmed", _("Confirmed")
    CANCELLED = "cancelled", _("Cancelled")


class PlannedStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")


class ObservationSource(models.TextChoices):
    """Where a perception of a service by one customer came from."""

    SURVEY = "survey", _("Survey answer")
    DELIVERY = "delivery", _("Delivery kept or broken")
    COMPLAINT = "complaint", _("Complaint")
    MANUAL = "manual", _("Recorded by staff")
