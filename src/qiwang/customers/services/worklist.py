"""Bulk actions of the account manager's day (issue 15 item 6): tier suggestions decided
together, open tasks handed to another account manager of the same branch."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from qiwang.accounts.choices import Role
from qiwang.accounts.permissions import Action, require
from qiwang.accounts.services import record_event
from qiwang.customers.models import ContactTask, TierChange
from qiwang.customers.services.tiers import decide_tier_change
from qiwang.errors import ServiceError

if TYPE_CHECKING:
    from qiwang.accounts.models import User

#: At most this many rows in one bulk action (a page's worth).
MAX_BULK = 500


@dataclass
class BulkResult:
    done: int = 0
    #: ``(object shown, reason)`` for each row that was not changed
    skipped: list[tuple[str, str]] = field(default_factory=list)


def _ids(raw: list[str], field_name: str) -> list[int]:
    ids = sorted({int(value) for value in raw if str(value).isdigit()})
    if not ids:
        raise ServiceError(_("Select at least one row."), field=field_name)
    if len(ids) > MAX_BULK:
        raise ServiceError(
            _("Select at most %(max)d rows at once.") % {"max": MAX_BULK}, field=field_name
        )
    return ids


def decide_tier_changes(*, actor: User, change_ids: list[str], accept: bool) -> BulkResult:
    """Confirm or reject several pending suggestions; each one as :func:`decide_tier_change`
    (its own audit event); one already decided or outdated is skipped with its reason."""
    require(actor, Action.MANAGE_MAINTENANCE_PLANS)
    ids = _ids(change_ids, "changes")
    result = BulkResult()
    changes = TierChange.objects.for_user(actor).select_related("customer").filter(pk__in=ids)
    for change in changes.order_by("customer__code"):
        try:
            decide_tier_change(actor=actor, change=change, accept=accept)
        except ServiceError as error:
            result.skipped.append((change.customer.name, error.text))
        else:
            result.done += 1
    return result


@transaction.atomic
def reassign_tasks(*, actor: User, task_ids: list[str], assignee: User | None) -> BulkResult:
    """Give open tasks the actor sees to another active account manager who sees each task's
    branch; one audit event per task (from whom to whom)."""
    require(actor, Action.REASSIGN_TASKS)
    ids = _ids(task_ids, "tasks")
    if assignee is None or not assignee.is_active or assignee.role != Role.ACCOUNT_MANAGER:
        raise ServiceError(_("Choose an active account manager."), field="assignee")
    result = BulkResult()
    tasks = (
        ContactTask.objects.for_user(actor)
        .open()
        .filter(pk__in=ids)
        .select_related("customer", "assignee")
        .select_for_update(of=("self",))
        .order_by("pk")
    )
    found = 0
    for task in tasks:
        found += 1
        if task.assignee_id == assignee.pk:
            result.skipped.append((task.customer.name, _("already assigned to them")))
            continue
        if not assignee.can_see_branch(task.branch_id):
            result.skipped.append((task.customer.name, _("not in their branches")))
            continue
        previous = task.assignee
        task.assignee = assignee
        task.save(update_fields=["assignee"])
        record_event(
            actor=actor,
            action="task_reassigned",
            obj=task,
            changes={
                "assignee": [getattr(previous, "username", None), assignee.username],
                "customer": task.customer_id,
            },
        )
        result.done += 1
    if found < len(ids):
        result.skipped.append(
            (
                "—",
                _("%(count)d tasks are no longer open or not yours") % {"count": len(ids) - found},
            )
        )
    return result
