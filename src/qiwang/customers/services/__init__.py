"""Writes on customers, tasks, interactions and allocations: validate, one transaction, audit."""

from qiwang.customers.services.allocation import allocate_shortage
from qiwang.customers.services.customer import EDITABLE_FIELDS, create_customer, update_customer
from qiwang.customers.services.maintenance import (
    GenerationResult,
    create_follow_up,
    escalate_overdue_tasks,
    generate_contact_tasks,
    log_interaction,
    refresh_lifecycles,
    update_plan,
)

__all__ = [
    "EDITABLE_FIELDS",
    "GenerationResult",
    "allocate_shortage",
    "create_customer",
    "create_follow_up",
    "escalate_overdue_tasks",
    "generate_contact_tasks",
    "log_interaction",
    "refresh_lifecycles",
    "update_customer",
    "update_plan",
]
