"""Customers, their tier maintenance plans, contact tasks, interactions, greetings, referrals and
supply allocations."""

from qiwang.customers.models.allocation import Allocation, AllocationLine
from qiwang.customers.models.customer import Customer
from qiwang.customers.models.greetings import MessageTemplate, Occasion, OutboundMessage
from qiwang.customers.models.maintenance import ContactTask, Interaction, MaintenancePlan
from qiwang.customers.models.profiles import AllocationGood, BranchIndustry, ContactTopic
from qiwang.customers.models.relationship import (
    Contact,
    CustomerTag,
    LifecycleChange,
    MonthlySales,
    Referral,
    TierChange,
)

__all__ = [
    "Allocation",
    "AllocationGood",
    "AllocationLine",
    "BranchIndustry",
    "Contact",
    "ContactTask",
    "ContactTopic",
    "Customer",
    "CustomerTag",
    "Interaction",
    "LifecycleChange",
    "MaintenancePlan",
    "MessageTemplate",
    "MonthlySales",
    "Occasion",
    "OutboundMessage",
    "Referral",
    "TierChange",
]
