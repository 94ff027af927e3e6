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
from qiwang.complaints.models.tally import ComplaintTally, ParadoxTally

__all__ = [
    "Attachment",
    "BranchSetup",
    "Category",
    "CoachingRule",
    "Compensation",
    "CompensationOption",
    "Complaint",
    "ComplaintTally",
    "Incident",
    "Move",
    "Notification",
    "ParadoxTally",
    "ReplyTemplate",
    "RoleLimit",
    "SlaTarget",
]
