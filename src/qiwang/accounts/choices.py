from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """What a user does in Qiwang; permissions follow from it (see ``permissions.py``)."""

    ADMINISTRATOR = "administrator", _("Administrator")
    QUALITY_MANAGER = "quality_manager", _("Service-quality manager")
    ACCOUNT_MANAGER = "account_manager", _("Account manager")
    AGENT = "agent", _("Front-line agent")
    ANALYST = "analyst", _("Analyst")


class BranchKind(models.TextChoices):
    COMPANY = "company", _("Branch company")
    PROJECT = "project", _("Project")
    COMMUNITY = "community", _("Residential community")
