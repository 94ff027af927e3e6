"""The conventions every operation of the API follows, applied in one place (ADR 0190).

- **Short, stable operation ids** (``customers_list``, ``customers_get``): :data:`OPERATION_IDS`,
  one line per operation; an operation missing from it gets ``<path words>_<verb>`` and
  ``tests/web/test_api_conventions.py`` asks for a line.
- **Unknown input is refused, never ignored**: every JSON body schema forbids properties it does
  not declare and every operation refuses query parameters it does not declare — a 400 naming
  each one (:func:`tighten`).
- **Pagination**: ``page`` and ``page_size`` (1 … :data:`MAX_PAGE_SIZE`; above it a 422 naming
  ``page_size``, not a silent cap), envelopes with ``count``, ``next`` and ``previous``
  (:class:`Pagination`).
- **Lists filter, order and sync the same way**: :class:`ListFilter` (``ordering`` over declared
  fields, ``created_after`` and ``updated_since`` where the model keeps those times).
- **The document says what the server does**: :func:`complete_document` adds what pydantic cannot
  express — integers within the ranges the boundary accepts (``project/bad_input.py``), text
  without NUL, and the ``API-Version`` header on every response.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Iterator
from typing import Any, ClassVar
from urllib.parse import urlencode

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from ninja import Field, FilterSchema, Schema
from ninja.pagination import PageNumberPagination
from ninja.params.models import QueryModel
from ninja.schema import NinjaGenerateJsonSchema
from pydantic import BaseModel
from pydantic_core import ValidationError as CoreValidationError

__all__ = [
    "API_VERSION",
    "ApiVersionMiddleware",
    "MAX_PAGE_SIZE",
    "OPERATION_IDS",
    "CreatedFilter",
    "ListFilter",
    "Pagination",
    "SyncFilter",
    "aware_time",
    "complete_document",
    "operation_id",
    "tighten",
]

#: The version of the API contract, sent as the ``API-Version`` header of every response.
#: Additive changes keep it; a breaking change gets a new major under a new prefix (docs/api.md).
API_VERSION = "1.3"
#: The largest page a list answers; a larger ``page_size`` is a 422 naming it.
MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 100
INT32 = 2**31 - 1
INT64 = 2**63 - 1
#: Text the boundary accepts: no NUL (PostgreSQL cannot store it; ``project/bad_input.py``).
TEXT_PATTERN = "^[^\\u0000]*$"
#: Dates and times the boundary accepts: ISO 8601 with a year from 1000 to 8999.
DATE_PATTERN = "^[1-8][0-9]{3}-"
_ISO_DATE = re.compile(r"[1-8]\d{3}-\d{2}-\d{2}([T ].*)?\Z", re.DOTALL)

OPERATION_IDS: dict[str, str] = {
    "GET /me": "me_get",
    "GET /branches": "branches_list",
    "GET /tokens": "tokens_list",
    "POST /tokens": "tokens_create",
    "POST /tokens/{token_id}/revoke": "tokens_revoke",
    "GET /audit-events": "audit_events_list",
    "GET /customers": "customers_list",
    "POST /customers": "customers_create",
    "GET /customers/{customer_id}": "customers_get",
    "PATCH /customers/{customer_id}": "customers_update",
    "GET /customers/{customer_id}/personal-data": "customers_personal_data",
    "POST /customers/{customer_id}/erase": "customers_erase",
    "GET /customers/{customer_id}/tier-changes": "customers_tier_changes_list",
    "POST /customers/{customer_id}/tier-changes": "customers_tier_changes_create",
    "GET /customers/{customer_id}/greetings": "customers_greetings_list",
    "GET /customers/{customer_id}/referrals": "customers_referrals_list",
    "POST /customers/{customer_id}/referrals": "customers_referrals_create",
    "GET /customers/{customer_id}/contacts": "customers_contacts_list",
    "POST /customers/{customer_id}/contacts": "customers_contacts_create",
    "GET /tier-changes": "tier_changes_list",
    "POST /tier-changes/{change_id}/confirm": "tier_changes_confirm",
    "POST /tier-changes/{change_id}/dismiss": "tier_changes_dismiss",
    "POST /tier-changes/run-rule": "tier_changes_run_rule",
    "GET /referrals": "referrals_list",
    "POST /referrals/{referral_id}/follow-up": "referrals_follow_up",
    "GET /occasions": "occasions_list",
    "POST /occasions": "occasions_create",
    "GET /maintenance/tasks": "maintenance_tasks_list",
    "GET /maintenance/tasks/{task_id}": "maintenance_tasks_get",
    "GET /maintenance/interactions": "maintenance_interactions_list",
    "POST /maintenance/customers/{customer_id}/interactions": "maintenance_interactions_create",
    "GET /maintenance/topics": "maintenance_topics_list",
    "GET /maintenance/plans": "maintenance_plans_list",
    "PATCH /maintenance/plans/{plan_id}": "maintenance_plans_update",
    "GET /maintenance/allocations": "maintenance_allocations_list",
    "POST /maintenance/allocations": "maintenance_allocations_create",
    "GET /maintenance/allocations/{allocation_id}": "maintenance_allocations_get",
    "GET /surveys/instruments": "instruments_list",
    "POST /surveys/instruments": "instruments_create",
    "GET /surveys/instruments/{instrument_id}": "instruments_get",
    "POST /surveys/instruments/{instrument_id}/questions": "instruments_questions_create",
    "POST /surveys/instruments/{instrument_id}/questions/{attribute}/move": (
        "instruments_questions_move"
    ),
    "DELETE /surveys/instruments/{instrument_id}/questions/{attribute}": (
        "instruments_questions_delete"
    ),
    "GET /surveys/waves": "waves_list",
    "POST /surveys/waves": "waves_create",
    "GET /surveys/waves/{wave_id}": "waves_get",
    "POST /surveys/waves/{wave_id}/send": "waves_send",
    "POST /surveys/waves/{wave_id}/import": "waves_import",
    "GET /surveys/waves/{wave_id}/results": "waves_results",
    "GET /surveys/waves/{wave_id}/responses": "waves_responses_list",
    "GET /surveys/respond/{token}": "respond_get",
    "POST /surveys/respond/{token}": "respond_submit",
    "POST /customers-io/import/preview": "customers_import_preview",
    "POST /customers-io/import/apply": "customers_import_apply",
    "GET /customers-io/export": "customers_export",
    "GET /customers-io/reports/monthly": "customers_report_monthly",
    "GET /catalogue/services": "services_list",
    "POST /catalogue/services": "services_create",
    "GET /catalogue/services/{service_id}": "services_get",
    "PATCH /catalogue/services/{service_id}": "services_update",
    "GET /catalogue/services/{service_id}/commitments": "commitments_list",
    "POST /catalogue/services/{service_id}/commitments": "commitments_create",
    "GET /catalogue/services/{service_id}/promise-check": "services_promise_check",
    "GET /catalogue/deliveries": "deliveries_list",
    "POST /catalogue/deliveries": "deliveries_create",
    "POST /catalogue/deliveries/import": "deliveries_import",
    "GET /catalogue/publications": "publications_list",
    "POST /catalogue/services/{service_id}/publications": "publications_create",
    "GET /catalogue/services/{service_id}/comparison-risk": "services_comparison_risk",
    "GET /catalogue/surprise-plans": "surprise_plans_list",
    "GET /catalogue/surprise-plans/{plan_id}": "surprise_plans_get",
    "POST /catalogue/services/{service_id}/surprise-plans": "surprise_plans_create",
    "POST /catalogue/surprise-plans/{plan_id}/status": "surprise_plans_status",
    "GET /complaints": "complaints_list",
    "POST /complaints": "complaints_create",
    "GET /complaints/{complaint_id}": "complaints_get",
    "GET /complaints/{complaint_id}/steps": "complaints_steps_list",
    "POST /complaints/{complaint_id}/steps": "complaints_steps_create",
    "POST /complaints/{complaint_id}/replies": "complaints_replies_create",
    "POST /reply-check": "reply_check",
    "GET /complaints/{complaint_id}/compensations": "compensations_list",
    "POST /complaints/{complaint_id}/compensations": "compensations_create",
    "GET /approvals": "approvals_list",
    "POST /approvals/{compensation_id}": "approvals_decide",
    "GET /incidents": "incidents_list",
    "POST /incidents": "incidents_create",
    "POST /incidents/{incident_id}/answer": "incidents_answer",
    "GET /webhooks/endpoints": "webhooks_endpoints_list",
    "POST /webhooks/endpoints": "webhooks_endpoints_create",
    "GET /webhooks/endpoints/{endpoint_id}": "webhooks_endpoints_get",
    "PATCH /webhooks/endpoints/{endpoint_id}": "webhooks_endpoints_update",
    "DELETE /webhooks/endpoints/{endpoint_id}": "webhooks_endpoints_delete",
    "POST /webhooks/endpoints/{endpoint_id}/rotate-secret": "webhooks_endpoints_rotate_secret",
    "POST /webhooks/endpoints/{endpoint_id}/test": "webhooks_endpoints_test",
    "GET /webhooks/deliveries": "webhooks_deliveries_list",
    "GET /webhooks/deliveries/{delivery_id}": "webhooks_deliveries_get",
    "POST /webhooks/deliveries/{delivery_id}/redeliver": "webhooks_deliveries_redeliver",
    "GET /webhooks/events": "webhooks_events_list",
}

_VERBS = {"PATCH": "update", "PUT": "replace", "DELETE": "delete", "POST": "create"}


def operation_key(method: str, path: str) -> str:
    """``"GET /customers/{customer_id}"``: the key of :data:`OPERATION_IDS`."""
    return f"{method} /{path.strip('/')}"


def operation_id(method: str, path: str) -> str:
    """The operation's short id: from the table, else ``<path words>_<verb>``."""
    key = operation_key(method, path)
    if key in OPERATION_IDS:
        return OPERATION_IDS[key]
    segments = [part for part in path.strip("/").split("/") if part]
    words = [part.replace("-", "_") for part in segments if not part.startswith("{")]
    verb = _VERBS.get(method, "get" if segments and segments[-1].startswith("{") else "list")
    return "_".join([*words, verb])


class ApiVersionMiddleware:
    """``API-Version`` on every answer under ``/api/``, also those no operation gives: the 422
    of ``project/bad_input.py``, the rate limit's 429, the 503 of an unreachable database."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> Any:
        response = self.get_response(request)
        if request.path.startswith("/api/"):
            response["API-Version"] = API_VERSION
        return response


# --- pagination --------------------------------------------------------------------------------


class Pagination(PageNumberPagination):
    """Page-number pagination, the one every list uses: ``page`` within 1 … 2³¹ − 1 and
    ``page_size`` within 1 … :data:`MAX_PAGE_SIZE` (a 422 naming the field otherwise, never a
    silent cap), and an envelope with links to the next and previous pages."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=INT32, description="Page number, from 1")
        page_size: int | None = Field(
            None,
            ge=1,
            le=MAX_PAGE_SIZE,
            description=f"Rows per page, at most {MAX_PAGE_SIZE} (default {DEFAULT_PAGE_SIZE})",
        )

    class Output(Schema):
        items: list[Any]
        count: int = Field(description="Rows in all pages")
        next: str | None = Field(description="URL of the next page, or null on the last")
        previous: str | None = Field(description="URL of the previous page, or null on the first")

    def __init__(self, page_size: int = DEFAULT_PAGE_SIZE, **kwargs: Any) -> None:
        super().__init__(page_size=page_size, max_page_size=MAX_PAGE_SIZE, **kwargs)

    def paginate_queryset(
        self, queryset: QuerySet, pagination: Any, request: HttpRequest, **params: Any
    ) -> Any:
        page_size = self._get_page_size(pagination.page_size)
        offset = (pagination.page - 1) * page_size
        count = self._items_count(queryset)
        return {
            "items": queryset[offset : offset + page_size],
            "count": count,
            "next": _page_link(request, pagination.page + 1)
            if offset + page_size < count
            else None,
            "previous": _page_link(request, min(pagination.page - 1, _last_page(count, page_size)))
            if pagination.page > 1
            else None,
        }


def _last_page(count: int, page_size: int) -> int:
    return max(1, -(-count // page_size))


def _page_link(request: HttpRequest, page: int) -> str:
    query = [(key, value) for key, values in request.GET.lists() for value in values]
    query = [(key, value) for key, value in query if key != "page"] + [("page", str(page))]
    return request.build_absolute_uri(f"{request.path}?{urlencode(query)}")


# --- the filter base ---------------------------------------------------------------------------


class ListFilter(FilterSchema):
    """What every list filter shares. A subclass declares ``ordering`` as a ``Literal`` of the
    fields it may be ordered by (``"name"``, ``"-created_at"``: a minus orders descending); the
    primary key breaks ties, so pages never overlap. :class:`CreatedFilter` adds
    ``created_after`` and :class:`SyncFilter` ``updated_since`` for models that keep those
    times (``created_field`` / ``updated_field`` name them)."""

    ordering: str | None = None

    def filter_ordering(self, value: str | None) -> Q:
        return Q()

    def filter(self, queryset: QuerySet) -> QuerySet:  # type: ignore[override]
        queryset = super().filter(queryset)
        if self.ordering:
            return queryset.order_by(self.ordering, "pk")
        return queryset


def aware_time(value: datetime.datetime) -> datetime.datetime:
    """A time without an offset (``2026-12-05`` or ``2026-12-05T08:00``) is read in the
    project's time zone, as the pages read it, not compared naively; every time is then given to
    the database in UTC (ISO 8601 allows offsets such as ``-18:32`` that PostgreSQL refuses)."""
    from django.utils import timezone

    aware = timezone.make_aware(value) if timezone.is_naive(value) else value
    try:
        return aware.astimezone(datetime.UTC)
    except OverflowError:  # within hours of year 1 or 9999: the nearest time there is
        edge = datetime.datetime.max if aware.year > 1 else datetime.datetime.min
        return edge.replace(tzinfo=datetime.UTC)


class CreatedFilter(ListFilter):
    """:class:`ListFilter` and ``created_after`` (inclusive, ISO 8601)."""

    created_field: ClassVar[str] = "created_at"

    created_after: datetime.datetime | None = Field(
        None, description="Only rows created at or after this time (ISO 8601)"
    )

    def filter_created_after(self, value: datetime.datetime | None) -> Q:
        return Q(**{f"{self.created_field}__gte": aware_time(value)}) if value else Q()


class SyncFilter(CreatedFilter):
    """:class:`CreatedFilter` and ``updated_since`` (inclusive, ISO 8601): for incremental
    sync, ask with the time of the previous sync and ``ordering=updated_at``."""

    updated_field: ClassVar[str] = "updated_at"

    updated_since: datetime.datetime | None = Field(
        None, description="Only rows changed at or after this time (ISO 8601): incremental sync"
    )

    def filter_updated_since(self, value: datetime.datetime | None) -> Q:
        return Q(**{f"{self.updated_field}__gte": aware_time(value)}) if value else Q()


# --- refusing unknown input -------------------------------------------------------------------


def _nested_models(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        return
    for argument in getattr(annotation, "__args__", ()) or ():
        yield from _nested_models(argument)


def _forbid_extra(model: type[BaseModel], done: set[type[BaseModel]]) -> None:
    """Forbid undeclared properties on ``model`` and every model inside it (innermost first:
    a rebuilt outer model embeds its inner models' rebuilt schemas)."""
    if model in done:
        return
    done.add(model)
    for field in model.model_fields.values():
        for inner in _nested_models(field.annotation):
            _forbid_extra(inner, done)
    if model.model_config.get("extra") != "forbid":
        model.model_config["extra"] = "forbid"
        model.model_rebuild(force=True)


def _unknown_query_check(allowed: frozenset[str], dates: frozenset[str]) -> type[QueryModel]:
    """A parameter model with no fields that refuses every query parameter outside ``allowed``
    and every date in ``dates`` not written as ISO 8601 (pydantic alone would read ``0`` as
    1970-01-01): an unknown name is a 400 naming it, a malformed date a 422."""

    class UnknownQueryParameters(QueryModel):
        __ninja_param_source__ = "query"
        __ninja_flatten_map_reverse__: ClassVar[dict[Any, Any]] = {}

        @classmethod
        def resolve(cls, request: HttpRequest, api: Any, path_params: Any) -> Any:
            errors: list[Any] = [
                {"type": "extra_forbidden", "loc": (name,), "input": request.GET[name]}
                for name in sorted(set(request.GET) - allowed)
            ]
            errors += [
                {
                    "type": "date_from_datetime_parsing",
                    "loc": (name,),
                    "input": value,
                    "ctx": {"error": "an ISO 8601 date (YYYY-MM-DD) is expected"},
                }
                for name in sorted(dates & set(request.GET))
                for value in request.GET.getlist(name)
                if value and not _ISO_DATE.match(value)
            ]
            if errors:
                raise CoreValidationError.from_exception_data("query", errors)
            return cls()

    return UnknownQueryParameters


def _query_names(model: type[BaseModel]) -> Iterator[tuple[str, bool]]:
    """Each query parameter of ``model`` and whether it is a date or a time."""
    flatten = getattr(model, "__ninja_flatten_map__", None) or {
        field.alias or name: (name,) for name, field in model.model_fields.items()
    }
    for name, path in flatten.items():
        node: Any = model
        for part in path:
            field = getattr(node, "model_fields", {}).get(part)
            node = field.annotation if field is not None else None
            inner = list(_nested_models(node))
            if inner and part != path[-1]:
                node = inner[0]
        kinds = {node, *(getattr(node, "__args__", ()) or ())}
        yield name, bool(kinds & {datetime.date, datetime.datetime})


def tighten(operations: Iterable[Any]) -> None:
    """Refuse unknown input on every operation: JSON bodies forbid undeclared properties and
    undeclared query parameters are a 400. Call once, after every router is added."""
    done: set[type[BaseModel]] = set()
    for operation in operations:
        allowed: set[str] = set()
        dates: set[str] = set()
        for model in operation.models:
            source = getattr(model, "__ninja_param_source__", None)
            if source == "body":
                for field in model.model_fields.values():
                    for inner in _nested_models(field.annotation):
                        _forbid_extra(inner, done)
                model.model_rebuild(force=True)
            elif source == "query":
                for name, is_date in _query_names(model):
                    allowed.add(name)
                    if is_date:
                        dates.add(name)
        if not any(
            getattr(m, "__name__", "") == "UnknownQueryParameters" for m in operation.models
        ):
            operation.models.append(_unknown_query_check(frozenset(allowed), frozenset(dates)))


# --- the document ---------------------------------------------------------------------------


class QualifiedNames(NinjaGenerateJsonSchema):
    """Component names that stay unique across apps: two classes of one name (the maintenance
    ``PlanOut`` and the surprise ``PlanOut``, the complaint and the contact ``Channel``) would
    overwrite each other in ``components/schemas`` and the document would describe one with the
    other. A name used by more than one class becomes ``<App><Name>`` (``CustomersPlanOut``);
    every other name stays as it is."""

    #: short name → the full names of the classes seen with it (filled by every generation)
    seen: ClassVar[dict[str, set[str]]] = {}

    def get_defs_ref(self, core_mode_ref: Any) -> Any:
        key = super().get_defs_ref(core_mode_ref)
        core_ref = core_mode_ref[0]
        if "[" in core_ref:
            return key
        full = core_ref.rsplit(":", 1)[0]
        short = full.rsplit(".", 1)[-1]
        QualifiedNames.seen.setdefault(short, set()).add(full)
        if len(QualifiedNames.seen[short]) > 1 and full.startswith("qiwang."):
            app = full.split(".")[1]
            qualified = self.normalize_name(app.title() + short)
            choices = self._prioritized_defsref_choices[key]
            self._prioritized_defsref_choices[key] = [qualified, *choices]
        return key


def _walk_schema(node: Any, *, int_limit: int) -> None:
    if isinstance(node, dict):
        kind = node.get("type")
        if kind == "integer":
            node.setdefault("minimum", -int_limit)
            node.setdefault("maximum", int_limit)
        elif kind == "string" and node.get("format") in ("date", "date-time"):
            node.setdefault("pattern", DATE_PATTERN)
        elif kind == "string" and not ({"format", "enum", "pattern", "const"} & node.keys()):
            node["pattern"] = TEXT_PATTERN
        if kind == "object" or "additionalProperties" in node:
            extra = node.get("additionalProperties")
            if extra not in (None, False):
                node.setdefault("propertyNames", {"pattern": TEXT_PATTERN})
        for value in node.values():
            _walk_schema(value, int_limit=int_limit)
    elif isinstance(node, list):
        for value in node:
            _walk_schema(value, int_limit=int_limit)


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        reference = node.get("$ref")
        if isinstance(reference, str):
            yield reference.rsplit("/", 1)[-1]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _numbers_only(node: Any) -> None:
    """Decimal inputs are documented as numbers (pydantic also offers an unconstrained string,
    which would promise that any text is accepted)."""
    if isinstance(node, dict):
        options = node.get("anyOf")
        if isinstance(options, list) and any(o.get("type") == "number" for o in options):
            node["anyOf"] = [o for o in options if o.get("type") != "string"]
        for value in node.values():
            _numbers_only(value)
    elif isinstance(node, list):
        for value in node:
            _numbers_only(value)


def complete_document(document: dict[str, Any]) -> dict[str, Any]:
    """Say in the document what the boundary enforces: request integers within 32 bits (JSON) or
    64 bits (path and query), request text without NUL, decimals as numbers, and the
    ``API-Version`` header on every response."""
    components = document.get("components", {}).get("schemas", {})
    bodies: list[Any] = []
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                _walk_schema(parameter.get("schema", {}), int_limit=INT64)
            for media in operation.get("requestBody", {}).get("content", {}).values():
                bodies.append(media.get("schema", {}))
            for response in operation.get("responses", {}).values():
                response.setdefault("headers", {})["API-Version"] = {
                    "description": "The version of the API contract that answered",
                    "schema": {"type": "string"},
                }
    # Every component a request body reaches, however deep.
    pending = [name for body in bodies for name in _refs(body)]
    inputs: set[str] = set()
    while pending:
        name = pending.pop()
        if name in inputs or name not in components:
            continue
        inputs.add(name)
        pending.extend(_refs(components[name]))
    for node in [*bodies, *(components[name] for name in sorted(inputs))]:
        _numbers_only(node)
        _walk_schema(node, int_limit=INT32)
    return document
