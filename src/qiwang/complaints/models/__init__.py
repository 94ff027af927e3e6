"""Models of the complaints app."""

from qiwang.complaints.models.compensation import Compensation, CompensationOption, RoleLimit
from qiwang.complaints.models.complaint import Attachment, Category, Complaint, Incident, Move
from qiwang.complaints.models.setup import (
    BranchSetup,
    CoachingRule,
    Notification,
    ReplyTemplate,
    SlaTarget,
)

__all__ = [
    "Attachment",
    "BranchSetup",
    "Category",
    "CoachingRule",
    "Compensation",
    "CompensationOption",
    "Complaint",
    "Incident",
    "Move",
    "Notification",
    "ReplyTemplate",
    "RoleLimit",
    "SlaTarget",
]
