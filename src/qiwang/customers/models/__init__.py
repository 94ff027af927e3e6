"""Customers, their tier maintenance plans, contact tasks, interactions and supply allocations."""

from qiwang.customers.models.allocation import Allocation, AllocationLine
from qiwang.customers.models.customer import Customer
from qiwang.customers.models.maintenance import ContactTask, Interaction, MaintenancePlan

__all__ = [
    "Allocation",
    "AllocationLine",
    "ContactTask",
    "Customer",
    "Interaction",
    "MaintenancePlan",
]
