from django.db import models
from django.utils.translation import gettext_lazy as _


class Event(models.TextChoices):
    """Events an endpoint may subscribe to (the ``X-Qiwang-Event`` header)."""

    SURVEY_RESPONSE_COMPLETED = "survey.response.completed", _("A survey response is completed")
    SURVEY_FOLLOW_UP_CREATED = "survey.follow_up.created", _("A survey answer asks for a follow-up")
    TEST = "webhook.test", _("Test event (sent from the endpoint page)")


#: Events a user can subscribe to (the test event goes to its one endpoint only).
SUBSCRIBABLE = [Event.SURVEY_RESPONSE_COMPLETED, Event.SURVEY_FOLLOW_UP_CREATED]


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
