from django.db import models
from django.utils.translation import gettext_lazy as _


class CustomerKind(models.TextChoices):
    HOUSEHOLD = "household", _("Household")
    ORGANISATION = "organisation", _("Organisation")


class Tier(models.TextChoices):
    """Relationship tiers of DOMAIN.md §4, in priority order."""

    VIP = "vip", _("VIP")
    IMPORTANT = "important", _("Important")
    HIGH_QUALITY = "high_quality", _("High-quality")
    GENERAL = "general", _("General")


class Lifecycle(models.TextChoices):
    """Derived from activity (see ``CustomerQuerySet.with_lifecycle`` and docs/customers.md)."""

    NEW = "new", _("New")
    ACTIVE = "active", _("Active")
    DORMANT = "dormant", _("Dormant")
    LOST = "lost", _("Lost")


class Frequency(models.TextChoices):
    DAILY = "daily", _("Every day")
    WEEKLY = "weekly", _("On set weekdays")
    MONTHLY = "monthly", _("Once a month")


class Topic(models.TextChoices):
    """What to learn on a contact (DOMAIN.md §4)."""

    SUPPLY_TIMELINESS = "supply_timeliness", _("Supply timeliness")
    PASS_RATE = "pass_rate", _("Inspection pass rate")
    COMPANY_NEWS = "company_news", _("Company news")
    OTHER_SUPPLIERS = "other_suppliers", _("Other suppliers")
    POTENTIAL = "potential", _("Potential to grow")
    DELIVERY_CHECK = "delivery_check", _("Delivery count and appearance")


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    VISIT = "visit", _("Visit")
    WECHAT = "wechat", _("WeChat")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")


class TaskKind(models.TextChoices):
    CONTACT = "contact", _("Contact")
    SOURCING = "sourcing", _("Help source elsewhere")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")
