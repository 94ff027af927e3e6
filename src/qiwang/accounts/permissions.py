"""What each role may do. One table, read by pages, the API and the tests.

Object-level rule: a user acts only on objects of the branches they see
(``User.visible_branch_ids``: their own branches and the branches below them), except
administrators, who see every branch.

Company-wide settings (maintenance plans and contact topics, company-wide greeting occasions and
the holiday table, the working-day calendar) belong to no branch: only users scoped to the whole
company change them (:func:`require_company`), never a manager of one branch (issue 10).
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied

from qiwang.accounts.choices import Role

if TYPE_CHECKING:
    from qiwang.accounts.models import User


class Action(enum.StrEnum):
    VIEW_CUSTOMERS = "view_customers"
    CHANGE_CUSTOMERS = "change_customers"
    VIEW_PERSONAL_DATA = "view_personal_data"  # phone, address, e-mail, WeChat
    LOG_INTERACTIONS = "log_interactions"  # contact tasks and interactions with own customers
    MANAGE_MAINTENANCE_PLANS = "manage_maintenance_plans"  # cadence and topics per tier
    ALLOCATE_SUPPLY = "allocate_supply"  # shortage allocation by tier
    VIEW_CUSTOMER_REPORTS = "view_customer_reports"  # monthly relationship report
    VIEW_SERVICES = "view_services"
    CHANGE_SERVICES = "change_services"
    RECORD_DELIVERIES = "record_deliveries"  # service deliveries to customers (catalogue)
    VIEW_SURVEYS = "view_surveys"
    CHANGE_SURVEYS = "change_surveys"
    VIEW_COMPLAINTS = "view_complaints"
    CHANGE_COMPLAINTS = "change_complaints"
    VIEW_INSIGHTS = "view_insights"
    VIEW_AUDIT_LOG = "view_audit_log"
    MANAGE_ORGANISATION = "manage_organisation"  # users, roles, branches, settings
    MANAGE_WEBHOOKS = "manage_webhooks"  # outbound webhook endpoints of the user's branches
    VIEW_OPERATIONS = "view_operations"  # jobs, workers, readiness (administrators)
    EXPORT_PERSONAL_DATA = "export_personal_data"  # a customer's copy of their data (PIPL)
    ERASE_PERSONAL_DATA = "erase_personal_data"  # anonymise a customer everywhere (PIPL)
    REASSIGN_TASKS = "reassign_tasks"  # hand open contact tasks to another account manager


_EVERYONE_READS = {
    Action.VIEW_CUSTOMERS,
    Action.VIEW_SERVICES,
    Action.VIEW_SURVEYS,
    Action.VIEW_COMPLAINTS,
    Action.VIEW_INSIGHTS,
}

ROLE_PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.ADMINISTRATOR: frozenset(Action),
    Role.QUALITY_MANAGER: frozenset(
        _EVERYONE_READS
        | {Action.CHANGE_SERVICES, Action.CHANGE_SURVEYS, Action.CHANGE_COMPLAINTS}
        | {Action.VIEW_AUDIT_LOG, Action.MANAGE_MAINTENANCE_PLANS, Action.ALLOCATE_SUPPLY}
        | {Action.VIEW_CUSTOMER_REPORTS, Action.MANAGE_WEBHOOKS}
        | {Action.RECORD_DELIVERIES, Action.REASSIGN_TASKS}
    ),
    Role.ACCOUNT_MANAGER: frozenset(
        _EVERYONE_READS
        | {Action.CHANGE_CUSTOMERS, Action.VIEW_PERSONAL_DATA, Action.LOG_INTERACTIONS}
        | {Action.ALLOCATE_SUPPLY, Action.VIEW_CUSTOMER_REPORTS, Action.EXPORT_PERSONAL_DATA}
        | {Action.RECORD_DELIVERIES, Action.REASSIGN_TASKS}
    ),
    Role.AGENT: frozenset(_EVERYONE_READS | {Action.CHANGE_COMPLAINTS, Action.VIEW_PERSONAL_DATA}),
    Role.ANALYST: frozenset(_EVERYONE_READS | {Action.VIEW_CUSTOMER_REPORTS}),
}


def has_permission(user: User, action: Action) -> bool:
    """Whether the user's role allows ``action`` at all (anywhere)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_administrator:
        return True
    return action in ROLE_PERMISSIONS.get(Role(user.role), frozenset())


def can(user: User, action: Action, obj: Any = None) -> bool:
    """Whether the user may do ``action`` on ``obj`` (an object with ``branch_id``), or at all."""
    if not has_permission(user, action):
        return False
    if obj is None:
        return True
    return user.can_see_branch(branch_id_of(obj))


def branch_id_of(obj: Any) -> int | None:
    from qiwang.accounts.models import Branch

    if isinstance(obj, Branch):
        return obj.pk
    return getattr(obj, "branch_id", None)


def require(user: User, action: Action, obj: Any = None) -> None:
    """Raise :class:`PermissionDenied` unless :func:`can` allows it."""
    if not can(user, action, obj):
        raise PermissionDenied(action.value)


def is_company_scoped(user: User) -> bool:
    """Whether the user sees every branch: an administrator, or a user given the company (the
    top of the branch tree) rather than some of its branches."""
    if not user.is_authenticated or not user.is_active:
        return False
    visible = user.visible_branch_ids()
    if visible is None:
        return True
    from qiwang.accounts.models import Branch

    return bool(visible) and not Branch.objects.exclude(pk__in=visible).exists()


def can_company(user: User, action: Action) -> bool:
    """Whether the user may do ``action`` on a company-wide setting."""
    return has_permission(user, action) and is_company_scoped(user)


def require_company(user: User, action: Action) -> None:
    """Raise :class:`PermissionDenied` unless :func:`can_company` allows it."""
    if not can_company(user, action):
        raise PermissionDenied(action.value)
