"""Publications (who was told of a service, how) and the comparison-risk list.

A publication reaches: everyone in its branch and below (audience "all"); the customers of the
chosen tiers and branches there ("segments"); or the named customers ("customers"). The
comparison risk (seed 000's referral-commission example) is a customer reached by a publication
of a service they are not eligible for — they learn of something they cannot have.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from qiwang.accounts.models import Branch, User
from qiwang.accounts.permissions import Action, require
from qiwang.accounts.services import record_event
from qiwang.catalogue.choices import Audience, PublicationChannel, PublicityScope
from qiwang.catalogue.models import Publication, Service
from qiwang.catalogue.services.catalogue import eligible_customers, subtree
from qiwang.customers.choices import Tier
from qiwang.customers.models import Customer
from qiwang.errors import ServiceError

PUBLICATION_FIELDS = (
    "title",
    "channel",
    "audience",
    "audience_tiers",
    "audience_branches",
    "audience_customers",
    "published_on",
    "branch",
)


def _ids(values: Any) -> list[Any]:
    return [getattr(v, "pk", v) for v in (values or [])]


@transaction.atomic
def create_publication(*, actor: User, service: Service, data: dict[str, Any]) -> Publication:
    """Record that ``service`` was made known. The audience must lie in the service's branches."""
    require(actor, Action.CHANGE_SERVICES, service)
    errors: dict[str, list[str]] = {}
    unknown = set(data) - set(PUBLICATION_FIELDS)
    if unknown:
        errors["__all__"] = [_("Unknown fields: %s.") % ", ".join(sorted(unknown))]
    title = str(data.get("title") or "").strip()
    if not title:
        errors["title"] = [_("This field is required.")]
    channel = data.get("channel")
    if channel not in PublicationChannel.values:
        errors["channel"] = [_("%(value)s is not a channel.") % {"value": channel}]
    audience = data.get("audience")
    if audience not in Audience.values:
        errors["audience"] = [_("%(value)s is not an audience.") % {"value": audience}]
    inside = subtree([service.branch_id])
    branch_id = getattr(data.get("branch"), "pk", data.get("branch")) or service.branch_id
    if branch_id not in inside or not actor.can_see_branch(branch_id):
        errors["branch"] = [
            _("Branch %(value)s is outside the branches of %(service)s.")
            % {"value": branch_id, "service": service.name}
        ]
    tiers = list(data.get("audience_tiers") or [])
    bad = [t for t in tiers if t not in Tier.values]
    if bad:
        errors["audience_tiers"] = [_("%(value)s is not a customer tier.") % {"value": bad[0]}]
    branch_ids = _ids(data.get("audience_branches"))
    known = set(
        Branch.objects.filter(pk__in=[b for b in branch_ids if isinstance(b, int)]).values_list(
            "pk", flat=True
        )
    )
    allowed = subtree([branch_id]) if branch_id in inside else set()
    outside = [b for b in branch_ids if b not in known or b not in allowed]
    if outside:
        errors["audience_branches"] = [
            _("Branch %(value)s is outside the branch of this publication.") % {"value": outside[0]}
        ]
    customer_ids = _ids(data.get("audience_customers"))
    found = dict(
        Customer.objects.filter(pk__in=[c for c in customer_ids if isinstance(c, int)]).values_list(
            "pk", "branch_id"
        )
    )
    outside = [c for c in customer_ids if c not in found or found[c] not in allowed]
    if outside:
        errors["audience_customers"] = [
            _("Customer %(value)s is outside the branch of this publication.")
            % {"value": outside[0]}
        ]
    if audience == Audience.SEGMENTS and not tiers and not branch_ids:
        errors["audience_tiers"] = [_("Choose the tiers or branches the publication reaches.")]
    if audience == Audience.CUSTOMERS and not customer_ids:
        errors["audience_customers"] = [_("Choose the customers the publication reaches.")]
    published_on = data.get("published_on") or datetime.date.today()
    if not isinstance(published_on, datetime.date):
        try:
            published_on = datetime.date.fromisoformat(str(published_on))
        except ValueError:
            errors["published_on"] = [
                _("%(value)s is not a date (YYYY-MM-DD).") % {"value": published_on}
            ]
    if errors:
        raise ServiceError(errors)
    publication = Publication.objects.create(
        service=service,
        branch_id=branch_id,
        title=title[:160],
        channel=channel,
        audience=audience,
        audience_tiers=tiers if audience == Audience.SEGMENTS else [],
        published_on=published_on,
        created_by=actor,
    )
    if audience == Audience.SEGMENTS and branch_ids:
        publication.audience_branches.set(branch_ids)
    if audience == Audience.CUSTOMERS:
        publication.audience_customers.set(customer_ids)
    record_event(
        actor=actor,
        action="publication_recorded",
        obj=publication,
        changes={"service": service.code},
    )
    return publication


def reached_customers(publication: Publication) -> QuerySet[Customer]:
    """The customers a publication reached, as one query."""
    if publication.audience == Audience.CUSTOMERS:
        return Customer.objects.filter(pk__in=publication.audience_customers.values("pk"))
    customers = Customer.objects.filter(branch__in=subtree([publication.branch_id]))
    if publication.audience == Audience.SEGMENTS:
        if publication.audience_tiers:
            customers = customers.filter(tier__in=publication.audience_tiers)
        branch_ids = list(publication.audience_branches.values_list("pk", flat=True))
        if branch_ids:
            customers = customers.filter(branch__in=subtree(branch_ids))
    return customers


def beyond_scope(publication: Publication) -> str:
    """Why a publication reaches beyond the service's publicity scope ("" when it does not):
    ``"scope_segment"`` (a segment-only service told to everyone), ``"scope_individual"`` (an
    individual service told to a group)."""
    scope = publication.service.publicity_scope
    if scope == PublicityScope.SEGMENT and publication.audience == Audience.ALL:
        return "scope_segment"
    if scope == PublicityScope.INDIVIDUAL and publication.audience != Audience.CUSTOMERS:
        return "scope_individual"
    return ""


def comparison_risk(
    service: Service, *, within: QuerySet[Customer] | None = None
) -> QuerySet[Customer]:
    """Customers told of ``service`` by a publication who are not eligible for it."""
    publications = list(service.publications.all())
    if not publications:
        return Customer.objects.none()
    reached = reached_customers(publications[0])
    for publication in publications[1:]:
        reached = reached | reached_customers(publication)
    risky = Customer.objects.filter(pk__in=reached.values("pk")).exclude(
        pk__in=eligible_customers(service).values("pk")
    )
    if within is not None:
        risky = risky.filter(pk__in=within.values("pk"))
    return risky
