"""Enumerations of the complaints app, with translatable labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    """The door a complaint came in through."""

    PHONE = "phone", _("Phone call")
    VISIT = "visit", _("Visit")
    PUBLIC_PAGE = "public_page", _("Public complaint page")
    API = "api", _("API (hotline, WeChat)")
    SURVEY = "survey", _("Bad survey answer")
    BROKEN_COMMITMENT = "broken_commitment", _("Broken commitment")


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class Dimension(models.TextChoices):
    """SERVQUAL dimensions (Parasuraman, Zeithaml & Berry 1988)."""

    TANGIBLES = "tangibles", _("Tangibles")
    RELIABILITY = "reliability", _("Reliability")
    RESPONSIVENESS = "responsiveness", _("Responsiveness")
    ASSURANCE = "assurance", _("Assurance")
    EMPATHY = "empathy", _("Empathy")


class Emotion(models.TextChoices):
    CALM = "calm", _("Calm")
    UPSET = "upset", _("Upset")
    ANGRY = "angry", _("Angry")


class FailureKind(models.TextChoices):
    """What kind of failure it was; it suggests the kind of compensation (Roschk & Gelbrich
    2014: money for a money loss, re-performance for a failed service, an apology and attention
    for neglect)."""

    MONEY_LOSS = "money_loss", _("Money loss")
    FAILED_SERVICE = "failed_service", _("Failed service")
    NEGLECT = "neglect", _("Neglect or rudeness")


class Workflow(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    RETURN = "return", _("Return or cancellation")


class Step(models.TextChoices):
    """The six steps of a complaint, the steps of a return or cancellation, and the end."""

    LISTEN = "listen", _("Listen: let the customer vent")
    APOLOGISE = "apologise", _("Apologise and show concern")
    GATHER = "gather", _("Gather information")
    PROPOSE = "propose", _("Propose a solution")
    ESCALATE = "escalate", _("Ask what they want, escalate")
    FOLLOW_UP = "follow_up", _("Follow up")
    ASK_WHY = "ask_why", _("Ask why")
    TRY_REVERSE = "try_reverse", _("Try to reverse the decision")
    ACCEPT = "accept", _("Accept gracefully")
    REAL_REASON = "real_reason", _("Find the real reason")
    OTHER_WAY = "other_way", _("Look for another way to close")
    NEXT_DEAL = "next_deal", _("Leave a reason for the next deal")
    CLOSED = "closed", _("Closed")


class Status(models.TextChoices):
    OPEN = "open", _("Open")
    WAITING = "waiting", _("Waiting for the customer")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


class MoveKind(models.TextChoices):
    """What a row of a complaint's history records."""

    OPENED = "opened", _("Opened")
    DONE = "done", _("Step done")
    SKIPPED = "skipped", _("Step skipped")
    BACK = "back", _("Back to a better solution")
    REPLY = "reply", _("Reply")
    NOTE = "note", _("Note")
    PAUSED = "paused", _("Clock paused")
    RESUMED = "resumed", _("Clock resumed")
    ASSIGNED = "assigned", _("Assigned")
    BREACH = "breach", _("SLA breached")
    WARNING = "warning", _("SLA warning")
    COMPENSATION = "compensation", _("Compensation")
    OUTCOME = "outcome", _("Outcome")


class Outcome(models.TextChoices):
    UNKNOWN = "unknown", _("Unknown")
    RECOVERED = "recovered", _("Recovered")
    LOST = "lost", _("Lost")


class ReturnReason(models.TextChoices):
    """Coded reasons for a return or cancellation, counted beside the complaint figures."""

    PRICE = "price", _("Price")
    QUALITY = "quality", _("Quality of the product or service")
    SERVICE_FAILURE = "service_failure", _("A service failure")
    COMPETITOR = "competitor", _("A competitor's offer")
    MOVED = "moved", _("Moved away")
    NO_LONGER_NEEDED = "no_longer_needed", _("No longer needed")
    PAYMENT = "payment", _("Cannot or will not pay")
    OTHER = "other", _("Other")


class CompensationKind(models.TextChoices):
    """Compensation menu of the course: a free service, a small gift, a discount, extra time or
    material; plus money back and a formal apology with attention."""

    FREE_SERVICE = "free_service", _("Free service")
    GIFT = "gift", _("Small gift")
    DISCOUNT = "discount", _("Discount")
    EXTRA = "extra", _("Extra time or material")
    REFUND = "refund", _("Money back")
    APOLOGY = "apology", _("Apology and attention")


class CompensationStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    GIVEN = "given", _("Given")
