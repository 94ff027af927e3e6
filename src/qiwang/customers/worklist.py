"""Reads of the account manager's day (issue 15 item 6): open tasks grouped by customer, most
urgent customer first, paged by customer; the day's counters; list joins by language."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Case, Count, IntegerField, Max, Min, Q, Value, When
from django.utils import timezone
from django.utils.translation import get_language

from qiwang.customers.choices import TaskStatus
from qiwang.customers.models import ContactTask, Customer
from qiwang.customers.querysets import tier_rank

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from qiwang.accounts.models import User

#: Customers per page of "my day".
CUSTOMERS_PER_PAGE = 25


def join_list(items: list[Any]) -> str:
    """Items joined as the active language writes a list: ``、`` in Chinese, ``, `` otherwise."""
    language = (get_language() or "zh-hans").lower()
    separator = "、" if language.startswith("zh") else ", "
    return separator.join(str(item) for item in items)


def _flag(**condition: Any) -> Max:
    return Max(
        Case(When(then=Value(1), **condition), default=Value(0), output_field=IntegerField())
    )


def customer_order(user: User, day: datetime.date) -> QuerySet:
    """One row per customer with open tasks of the user due by ``day``: a customer with an
    urgent task first, then one with an overdue task, then by tier (VIP first), then the
    oldest due date."""
    return (
        ContactTask.objects.filter(assignee=user)
        .open()
        .due_by(day)
        .values("customer_id")
        .annotate(
            any_urgent=_flag(is_urgent=True),
            any_overdue=_flag(due_date__lt=day),
            rank=Min(tier_rank("customer__tier")),
            first_due=Min("due_date"),
        )
        .order_by("-any_urgent", "-any_overdue", "rank", "first_due", "customer_id")
    )


@dataclass
class CustomerCard:
    """One customer of the day and all their open tasks (urgent first, then oldest)."""

    customer: Customer
    tasks: list[ContactTask] = field(default_factory=list)

    @property
    def overdue(self) -> int:
        return sum(1 for task in self.tasks if getattr(task, "is_overdue", False))

    @property
    def topic_names(self) -> list[str]:
        """Every topic of the customer's open tasks, once, in the tasks' order."""
        seen: list[str] = []
        for task in self.tasks:
            for name in getattr(task, "topic_names", None) or []:
                if name not in seen:
                    seen.append(name)
        return seen

    @property
    def topics_text(self) -> str:
        return join_list(self.topic_names)


def cards_for(user: User, day: datetime.date, customer_ids: list[int]) -> list[CustomerCard]:
    """The cards of a page of customers, in the page's order."""
    tasks = (
        ContactTask.objects.for_day(user, day)
        .filter(customer_id__in=customer_ids)
        .select_related("customer__branch")
        .order_by("-is_urgent", "due_date", "pk")
    )
    cards: dict[int, CustomerCard] = {}
    for task in tasks:
        task.is_overdue = task.due_date < day
        card = cards.get(task.customer_id)
        if card is None:
            card = cards[task.customer_id] = CustomerCard(customer=task.customer)
        card.tasks.append(task)
    return [cards[pk] for pk in customer_ids if pk in cards]


@dataclass(frozen=True)
class DayCounters:
    open: int
    overdue: int
    urgent: int
    customers: int
    done_today: int


def day_counters(user: User, day: datetime.date) -> DayCounters:
    """Open tasks due by ``day``, of them overdue and urgent, customers, and tasks the user
    completed today (one query)."""
    today = timezone.localdate()
    start = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    mine = ContactTask.objects.filter(assignee=user)
    due = Q(status=TaskStatus.OPEN, due_date__lte=day)
    row = mine.aggregate(
        open=Count("pk", filter=due),
        overdue=Count("pk", filter=due & Q(due_date__lt=day)),
        urgent=Count("pk", filter=due & Q(is_urgent=True)),
        customers=Count("customer_id", filter=due, distinct=True),
        done_today=Count("pk", filter=Q(status=TaskStatus.DONE, done_at__gte=start)),
    )
    return DayCounters(
        open=row["open"],
        overdue=row["overdue"],
        urgent=row["urgent"],
        customers=row["customers"],
        done_today=row["done_today"],
    )


def colleagues_for(user: User) -> list[User]:
    """Account managers open tasks may be handed to: active, sharing one of the user's branches
    (for a user over several branches: any of them), never the user."""
    from qiwang.accounts.choices import Role
    from qiwang.accounts.models import User as UserModel

    people = UserModel.objects.filter(is_active=True, role=Role.ACCOUNT_MANAGER).exclude(pk=user.pk)
    visible = user.visible_branch_ids()
    if visible is not None:
        people = people.filter(branches__in=visible)
    return list(people.distinct().order_by("username"))
