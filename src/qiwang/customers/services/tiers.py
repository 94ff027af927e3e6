"""Tier suggestions from value figures, confirmed (or rejected) by a manager; the tier history.

The rule (docs/customers.md, "Tier suggestions"), per branch, on the customer's value figures
(``revenue`` and ``orders_count`` over the last twelve months):

1. Sort the branch's customers by revenue, largest first, and take each customer's *share before*:
   the part of the branch's revenue earned from the customers ranked above them (a Pareto / ABC
   cut, as in the relationship rules' "a few customers make most of the business").
2. VIP: share before < 50 % (the few customers who together make half the revenue);
   important: share before < 80 %; high-quality: the rest with at least 12 orders a year (a
   steady, at least monthly buyer); general: everyone else, and every customer without revenue.

The ranking runs in the database (a window function); a suggestion is written only where the
rule disagrees with the current tier and no suggestion is pending already.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Q, Sum, Window
from django.utils import timezone
from django.utils.translation import gettext as _

from qiwang.accounts.models import User
from qiwang.accounts.permissions import Action, require
from qiwang.accounts.services import record_event
from qiwang.customers.choices import Tier, TierChangeSource, TierChangeStatus
from qiwang.customers.models import Customer, TierChange
from qiwang.errors import ConflictError

VIP_SHARE = Decimal("0.50")
IMPORTANT_SHARE = Decimal("0.80")
HIGH_QUALITY_ORDERS = 12


@dataclass(frozen=True)
class SuggestionResult:
    examined: int
    suggested: int


def rule_tier(share_before: Decimal, revenue: Decimal, orders: int) -> str:
    """The tier the rule gives a customer (pure; the docstring of this module explains it)."""
    if revenue <= 0:
        return Tier.GENERAL
    if share_before < VIP_SHARE:
        return Tier.VIP
    if share_before < IMPORTANT_SHARE:
        return Tier.IMPORTANT
    if orders >= HIGH_QUALITY_ORDERS:
        return Tier.HIGH_QUALITY
    return Tier.GENERAL


def _reason(tier: str, share_before: Decimal, orders: int) -> str:
    from qiwang.customers.texts import tier_rule_reason

    return tier_rule_reason(tier, share_before, orders)


def suggest_tiers(
    *, actor: User | None = None, branch_ids: list[int] | None = None
) -> SuggestionResult:
    """Run the rule over the customers of ``branch_ids`` (all when None) and record a pending
    TierChange for each customer whose tier the rule would change. Idempotent."""
    if actor is not None:
        require(actor, Action.MANAGE_MAINTENANCE_PLANS)
    customers = Customer.objects.all()
    if actor is not None:
        customers = customers.for_user(actor)
    if branch_ids is not None:
        customers = customers.filter(branch_id__in=branch_ids)
    ranked = customers.annotate(
        running=Window(
            Sum("revenue"),
            partition_by=[F("branch_id")],
            order_by=[F("revenue").desc(), F("pk").asc()],
        ),
        branch_total=Window(Sum("revenue"), partition_by=[F("branch_id")]),
    ).values("pk", "tier", "revenue", "orders_count", "running", "branch_total")
    pending = set(
        TierChange.objects.filter(status=TierChangeStatus.SUGGESTED).values_list(
            "customer_id", flat=True
        )
    )
    now = timezone.now()
    suggestions = []
    examined = 0
    for row in ranked.iterator(chunk_size=5000):
        examined += 1
        revenue = Decimal(row["revenue"] or 0)
        total = Decimal(row["branch_total"] or 0)
        share_before = (Decimal(row["running"]) - revenue) / total if total > 0 else Decimal(1)
        tier = rule_tier(share_before, revenue, row["orders_count"])
        if tier == row["tier"] or row["pk"] in pending:
            continue
        suggestions.append(
            TierChange(
                customer_id=row["pk"],
                old_tier=row["tier"],
                new_tier=tier,
                status=TierChangeStatus.SUGGESTED,
                source=TierChangeSource.RULE,
                reason=_reason(tier, share_before, row["orders_count"])[:300],
                basis={
                    "revenue": str(revenue),
                    "orders": row["orders_count"],
                    "share_before": f"{share_before:.4f}",
                },
                suggested_at=now,
            )
        )
    with transaction.atomic():
        TierChange.objects.bulk_create(suggestions, batch_size=2000, ignore_conflicts=True)
    return SuggestionResult(examined=examined, suggested=len(suggestions))


@transaction.atomic
def decide_tier_change(*, actor: User, change: TierChange, accept: bool) -> TierChange:
    """Confirm (the customer's tier changes) or reject a pending suggestion."""
    require(actor, Action.MANAGE_MAINTENANCE_PLANS, change.customer)
    change = TierChange.objects.select_for_update().select_related("customer").get(pk=change.pk)
    if change.status != TierChangeStatus.SUGGESTED:
        raise ConflictError(_("This suggestion has already been decided."), field="status")
    customer = change.customer
    if accept and customer.tier != change.old_tier:
        raise ConflictError(
            _("The customer's tier changed since the suggestion; run the rule again."),
            field="status",
        )
    now = timezone.now()
    change.status = TierChangeStatus.CONFIRMED if accept else TierChangeStatus.REJECTED
    change.decided_by = actor
    change.decided_at = now
    change.save(update_fields=["status", "decided_by", "decided_at"])
    if accept:
        Customer.objects.filter(pk=customer.pk).update(tier=change.new_tier, updated_at=now)
    record_event(
        actor=actor,
        action="tier_change_confirmed" if accept else "tier_change_rejected",
        obj=customer,
        changes={"tier": [change.old_tier, change.new_tier]},
    )
    return change


def record_manual_tier_change(
    *, actor: User, customer: Customer, old_tier: str, new_tier: str, reason: str = ""
) -> TierChange:
    """History row for a tier set by hand (customer edit, import). Call inside the caller's
    transaction; a pending rule suggestion for the customer is superseded (rejected)."""
    now = timezone.now()
    TierChange.objects.filter(customer=customer, status=TierChangeStatus.SUGGESTED).update(
        status=TierChangeStatus.REJECTED, decided_by=actor, decided_at=now
    )
    return TierChange.objects.create(
        customer=customer,
        old_tier=old_tier,
        new_tier=new_tier,
        status=TierChangeStatus.CONFIRMED,
        source=TierChangeSource.MANUAL,
        reason=reason[:300],
        suggested_at=now,
        decided_by=actor,
        decided_at=now,
    )


def tier_history(customer: Customer) -> list[TierChange]:
    return list(
        TierChange.objects.filter(customer=customer)
        .filter(Q(status=TierChangeStatus.CONFIRMED) | Q(status=TierChangeStatus.SUGGESTED))
        .select_related("decided_by")
    )
