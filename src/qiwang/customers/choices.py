from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CustomerKind(models.TextChoices):
    HOUSEHOLD = "household", _("Household")
    ORGANISATION = "organisation", _("Organisation")


class Language(models.TextChoices):
    """The language a customer is written to in (greetings, survey invitations)."""

    ZH_HANS = "zh-hans", _("Simplified Chinese")
    EN = "en", _("English")


class Tier(models.TextChoices):
    """Relationship tiers of docs/customers.md, in priority order."""

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


class Industry(models.TextChoices):
    """The business an organisation (or one of its branches) is in: it chooses the profile that
    seeds care plans, contact topics, greeting texts and allocation goods (all editable data)."""

    B2B_SUPPLIER = "b2b_supplier", _("B2B supplier")
    PROPERTY = "property", _("Property management")
    HEATING = "heating", _("Heating utility")
    DEVELOPER = "developer", _("Real-estate developer")


class Measure(models.TextChoices):
    """What a contact topic records besides "covered": nothing, a yes / no, or a number."""

    NONE = "none", _("Nothing to record")
    YES_NO = "yes_no", _("Yes / no")
    NUMBER = "number", _("A number")


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
    """Events that call for a greeting (docs/customers.md)."""

    PUBLIC_HOLIDAY = "public_holiday", _("Public holiday")
    FESTIVAL = "festival", _("Traditional festival")
    BIRTHDAY = "birthday", _("Birthday")
    ANNIVERSARY = "anniversary", _("Company anniversary")
    PRODUCT_LAUNCH = "product_launch", _("Launch or event")
    SALES_RISE = "sales_rise", _("Sales rise")


class MessageStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class ReceiptStatus(models.TextChoices):
    """What the SMS provider's delivery receipt said about a message (blank until one arrives);
    the same values as the invitations' (``qiwang.surveys.choices.DeliveryStatus``)."""

    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", pgettext_lazy("delivery receipt", "Failed")
    BOUNCED = "bounced", pgettext_lazy("delivery receipt", "Bounced")
