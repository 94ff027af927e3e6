"""The customer filter shared by the list page and the API list."""

from __future__ import annotations

from django.db.models import Q
from ninja import FilterSchema
from pydantic import Field

from qiwang.customers.choices import CustomerKind, Tier
from qiwang.customers.search import matches


class CustomerFilter(FilterSchema):
    q: str | None = Field(
        default=None,
        max_length=100,
        description=(
            "Name, pinyin (wangjianguo) or its initials (wjg), customer number, or phone number "
            "in any form (138 0000 1111, +86…, its last digits)"
        ),
    )
    tier: Tier | None = None
    kind: CustomerKind | None = None
    branch: int | None = Field(default=None, description="Branch id")

    def filter_q(self, value: str | None) -> Q:
        return matches(value or "")

    def filter_branch(self, value: int | None) -> Q:
        return Q(branch_id=value) if value else Q()

    @classmethod
    def from_query(cls, query: dict[str, str]) -> CustomerFilter:
        """Build from a page's GET parameters, ignoring blank and invalid values."""
        data: dict[str, object] = {}
        for name in ("q", "tier", "kind", "branch"):
            value = query.get(name, "").strip()
            if value:
                data[name] = value
        try:
            return cls(**data)
        except ValueError:
            return cls()
