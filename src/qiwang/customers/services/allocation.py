"""Recording a shortage allocation: the decision, its explanation, and sourcing tasks for VIPs."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qiwang.accounts.models import Branch, User
from qiwang.accounts.permissions import Action, require
from qiwang.accounts.services import record_event
from qiwang.customers.allocation import Request, Share, allocate, priority_groups
from qiwang.customers.choices import TaskKind, Tier
from qiwang.customers.models import Allocation, AllocationLine, ContactTask, Customer
from qiwang.customers.services.workdays import working_day_from
from qiwang.errors import ServiceError


def explain(shares: Sequence[Share], available: int, *, is_cash_tight: bool) -> str:
    """Why each group got what it got, one sentence per group, in the active language."""
    lines = [
        _("Cash flow is tight: high-quality customers are served first.")
        if is_cash_tight
        else _("Order of service: VIP, then important and high-quality, then general.")
    ]
    remaining = available
    for index, tiers in enumerate(priority_groups(is_cash_tight=is_cash_tight)):
        members = [share for share in shares if share.group == index]
        if not members:
            continue
        requested = sum(share.requested for share in members)
        given = sum(share.allocated for share in members)
        names = " + ".join(str(Tier(tier).label) for tier in tiers)
        if given == requested:
            text = _("%(tiers)s: all %(requested)d requested units supplied.")
        elif given == 0:
            text = _("%(tiers)s: nothing left of the supply for %(requested)d requested units.")
        else:
            text = _(
                "%(tiers)s: %(given)d of %(requested)d requested units, shared pro rata "
                "(%(percent).1f %% of each request)."
            )
        lines.append(
            text
            % {
                "tiers": names,
                "requested": requested,
                "given": given,
                "percent": 100 * remaining / requested if requested else 0,
            }
        )
        remaining -= given
    return "\n".join(lines)


def explanation_lines(allocation: Allocation) -> list[str]:
    """The allocation's explanation in the reader's language, rebuilt from its lines (the
    decision is a pure function of the lines, the supply and the cash-flow flag)."""
    groups = priority_groups(is_cash_tight=allocation.is_cash_tight)
    group_of = {tier: index for index, tiers in enumerate(groups) for tier in tiers}
    shares = [
        Share(
            key=line.customer_id,
            tier=line.tier,
            requested=line.requested,
            allocated=line.allocated,
            group=group_of.get(line.tier, len(groups) - 1),
        )
        for line in allocation.lines.all()
    ]
    return explain(shares, allocation.available, is_cash_tight=allocation.is_cash_tight).split("\n")


@transaction.atomic
def allocate_shortage(
    *,
    actor: User,
    branch: Branch,
    product: str,
    available: int,
    requests: Sequence[tuple[Customer, int]],
    is_cash_tight: bool = False,
) -> Allocation:
    """Allocate, record the decision with its explanation, and give each VIP left short a task
    (for their account manager) to help them source elsewhere."""
    require(actor, Action.ALLOCATE_SUPPLY, branch)
    errors: dict[str, list[str]] = {}
    product = product.strip()
    if not product:
        errors["product"] = [_("This field is required.")]
    if available < 0:
        errors["available"] = [_("The available quantity must be zero or more.")]
    if not requests:
        errors["requests"] = [_("Enter at least one customer's request.")]
    in_scope = Branch.objects.with_descendants([branch.pk])
    visible = set(
        Customer.objects.for_user(actor)
        .filter(pk__in=[customer.pk for customer, _quantity in requests])
        .values_list("pk", flat=True)
    )
    seen: set[int] = set()
    for customer, quantity in requests:
        if customer.branch_id not in in_scope or customer.pk not in visible:
            errors.setdefault("requests", []).append(
                _("Customer %s is not one of your customers in this branch.") % customer.code
            )
        if customer.pk in seen:
            errors.setdefault("requests", []).append(
                _("Customer %s is listed twice.") % customer.code
            )
        if quantity < 0:
            errors.setdefault("requests", []).append(
                _("The quantity for customer %s must be zero or more.") % customer.code
            )
        seen.add(customer.pk)
    if errors:
        raise ServiceError(errors)
    shares = allocate(
        available,
        [Request(key=customer, tier=customer.tier, requested=qty) for customer, qty in requests],
        is_cash_tight=is_cash_tight,
    )
    allocation = Allocation.objects.create(
        branch=branch,
        product=product,
        available=available,
        is_cash_tight=is_cash_tight,
        explanation=explain(shares, available, is_cash_tight=is_cash_tight),
        created_by=actor,
    )
    AllocationLine.objects.bulk_create(
        AllocationLine(
            allocation=allocation,
            customer=share.key,
            tier=share.tier,
            requested=share.requested,
            allocated=share.allocated,
        )
        for share in shares
    )
    # Due on a working day: an allocation made on a Sunday asks for help on Monday.
    due = working_day_from(timezone.localdate())
    ContactTask.objects.bulk_create(
        ContactTask(
            customer=share.key,
            branch_id=share.key.branch_id,
            assignee_id=share.key.account_manager_id,
            kind=TaskKind.SOURCING,
            key=f"allocation:{allocation.pk}",
            due_date=due,
            note=_("Short by %(units)d of %(product)s: help them source elsewhere.")
            % {"units": share.shortfall, "product": product},
            note_code="sourcing",
            note_params={"units": share.shortfall, "product": product},
        )
        for share in shares
        if share.tier == Tier.VIP and share.shortfall > 0
    )
    record_event(
        actor=actor,
        action="shortage_allocated",
        obj=allocation,
        changes={"available": available, "lines": len(shares), "cash_tight": is_cash_tight},
    )
    return allocation
