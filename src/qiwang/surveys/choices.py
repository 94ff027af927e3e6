"""Enumerations of the surveys app, with translatable labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class QuestionKind(models.TextChoices):
    KANO = "kano", _("Kano pair (functional + dysfunctional)")
    SERVQUAL = "servqual", _("SERVQUAL item (expectation + perception)")
    SCALE_5 = "scale5", _("5-level satisfaction")
    SCALE_7 = "scale7", _("7-level satisfaction")
    NPS = "nps", _("Net Promoter Score (0–10)")
    CES = "ces", _("Customer effort (1–7)")
    RATING_10 = "rating10", _("Rating 1–10 (satisfaction-index item)")
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    TEXT = "text", _("Free text")
    ALLOCATION = "allocation", _("100-point allocation")


class WaveStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("survey wave", "Draft")
    OPEN = "open", pgettext_lazy("survey wave", "Open")
    CLOSED = "closed", pgettext_lazy("survey wave", "Closed")


class InvitationChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    LINK = "link", _("Printed link / QR code")
    WECHAT = "wechat", _("WeChat Official Account")


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Not sent")
    QUEUED = "queued", _("Queued for sending")
    SENT = "sent", _("Sent")
    OPENED = "opened", _("Opened")
    RESPONDED = "responded", _("Responded")
    OPTED_OUT = "opted_out", _("Opted out")
    FAILED = "failed", _("Could not be delivered")


class SendKind(models.TextChoices):
    """What an invitation waits for the worker to send (blank: nothing)."""

    INVITATION = "invitation", _("Invitation")
    REMINDER = "reminder", _("Reminder")


class DeliveryStatus(models.TextChoices):
    """What the SMS provider's delivery receipt said (blank until one arrives)."""

    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", pgettext_lazy("delivery receipt", "Failed")
    BOUNCED = "bounced", pgettext_lazy("delivery receipt", "Bounced")


class ResponseStatus(models.TextChoices):
    PARTIAL = "partial", _("Partly answered")
    COMPLETE = "complete", _("Complete")


class Template(models.TextChoices):
    """Instrument templates a service-quality manager starts from."""

    KANO_PROPERTY = "kano_property", _("Kano: property services")
    SERVQUAL = "servqual", _("SERVQUAL: 22 items, 5 dimensions")
    CSAT_PULSE = "csat_pulse", _("Satisfaction pulse (CSAT, NPS, CES)")
    INDICATOR_GROUPS = "indicator_groups", _("Satisfaction by indicator group")
    ECSI = "ecsi", _("Satisfaction index (ECSI / ACSI), 1–10 ratings")


class FollowUpRule(models.TextChoices):
    """Closing the loop: which answers give the customer's account manager a follow-up task."""

    NONE = "", _("No follow-up")
    LOW_RATING = "low_rating", _("A satisfaction rating at or below the threshold")
    NPS_DETRACTOR = "nps_detractor", _("An NPS detractor (0–6)")
