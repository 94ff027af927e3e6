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
    GREETING = "greeting", _("Greeting")
    SOURCING = "sourcing", _("Help source elsewhere")
    REFERRAL = "referral", _("Thank the referrer")
    FOLLOW_UP = "follow_up", _("Follow-up")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class TierChangeStatus(models.TextChoices):
    SUGGESTED = "suggested", _("Suggested")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")


class TierChangeSource(models.TextChoices):
    RULE = "rule", _("Suggested by the value rule")
    MANUAL = "manual", _("Changed by hand")
    IMPORT = "import", _("Imported")


class OccasionKind(models.TextChoices):
    """Events that call for a greeting (DOMAIN.md §4)."""

    PUBLIC_HOLIDAY = "public_holiday", _("Public holiday")
    FESTIVAL = "festival", _("Traditional festival")
    BIRTHDAY = "birthday", _("Birthday")
    ANNIVERSARY = "anniversary", _("Company anniversary")
    PRODUCT_LAUNCH = "product_launch", _("Product launch")
    SALES_RISE = "sales_rise", _("Sales rise")


class MessageStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
