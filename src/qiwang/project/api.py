"""The REST API under ``/api/``: one NinjaAPI, one error format, token and session auth.

Every error response has the shape of :class:`ErrorOut`::

    {"detail": "…", "code": "validation_error", "errors": [{"field": "name", "message": "…"}]}
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi import schema as openapi_schema_module
from ninja.openapi.schema import OpenAPISchema
from ninja.security import APIKeyHeader, HttpBearer, django_auth

from qiwang.accounts.services import token_for_key
from qiwang.errors import ServiceError
from qiwang.project.api_conventions import (
    Pagination,
    QualifiedNames,
    complete_document,
    operation_id,
    tighten,
)

# Component names unique across apps (see QualifiedNames).
openapi_schema_module.NinjaGenerateJsonSchema = QualifiedNames  # type: ignore[misc]

__all__ = ["ERRORS", "WRITE_ERRORS", "ErrorOut", "Pagination", "api", "not_found"]


class FieldError(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    detail: str
    code: str
    errors: list[FieldError] = []


#: Declared on every operation, so the OpenAPI document lists every error it can return: 400 bad
#: request (a body that is not JSON), 401, 403, 404, 422 invalid or unknown fields and parameters,
#: 429 too many requests, 503 the database unreachable (with ``Retry-After``).
ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,
    503: ErrorOut,
}
WRITE_ERRORS: dict[int, Any] = {**ERRORS, 409: ErrorOut}


def _authenticate(request: HttpRequest, key: str) -> Any:
    """The token's user; the token itself is kept as ``request.api_token`` (what it may do)."""
    token = token_for_key(key)
    if token is None:
        return None
    request.user = token.user
    request.api_token = token  # type: ignore[attr-defined]
    return token.user


class BearerToken(HttpBearer):
    """``Authorization: Bearer qw_…`` with a per-user token."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return _authenticate(request, token)


class HeaderToken(APIKeyHeader):
    """``X-API-Token: qw_…`` for clients that cannot set an Authorization header."""

    param_name = "X-API-Token"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if not key:
            return None
        return _authenticate(request, key)


class QiwangAPI(NinjaAPI):
    """The NinjaAPI with the project's conventions (``project/api_conventions.py``)."""

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> OpenAPISchema:
        if not QualifiedNames.seen:
            super().get_openapi_schema(*args, **kwargs)  # learn which names are ambiguous
        document = super().get_openapi_schema(*args, **kwargs)
        complete_document(document)
        return document


api = QiwangAPI(
    title="Qiwang API",
    version="1",
    description=(
        "Customer expectation and satisfaction management. Authenticate with a personal API "
        "token (`Authorization: Bearer qw_…`, created on the Tokens page) or a browser session "
        "(with the CSRF token on writes). Data is scoped to the branches of the token's user. "
        "Every response carries an `API-Version` header; unknown fields and query parameters "
        "are refused (400 naming them); lists take `page` and `page_size` (at most 500) and "
        "answer `count`, `next` and `previous`. Conventions and versioning policy: docs/api.md."
    ),
    auth=[BearerToken(), HeaderToken(), django_auth],
    urls_namespace="api",
)


def _error(
    request: HttpRequest,
    status: int,
    code: str,
    detail: str,
    errors: list[dict[str, str]] | None = None,
) -> HttpResponse:
    return api.create_response(
        request, {"detail": detail, "code": code, "errors": errors or []}, status=status
    )


def _query_location(request: HttpRequest, location: list[str]) -> list[str]:
    """``query.status`` for what ninja locates as ``query.filters.status.0``: the parameter the
    client sent, without the view's argument name or the index of a repeated value."""
    if len(location) < 3 or location[0] != "query" or location[1] in request.GET:
        return location
    for name in location[2:]:
        if name in request.GET:
            return ["query", name]
    return location


def _with_value(request: HttpRequest, item: dict[str, Any], location: list[str]) -> str:
    """The message, naming the refused value of a query parameter that takes one of a list
    (``ordering=phone``): ninja drops the input from its errors, the query string still has it."""
    message = str(item.get("msg"))
    in_query = len(location) >= 2 and location[0] == "query" and location[1] in request.GET
    if in_query and item.get("type") in ("literal_error", "enum"):
        values = ", ".join(repr(v[:60]) for v in request.GET.getlist(location[1]))
        message = f"{message}; got {values}"
    return message


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = []
    unknown = []
    for item in exc.errors:
        location = [str(part) for part in item.get("loc", ()) if part not in ("body", "payload")]
        location = _query_location(request, location)
        field = ".".join(location) or "__all__"
        errors.append({"field": field, "message": _with_value(request, item, location)})
        if item.get("type") == "extra_forbidden":
            unknown.append(field)
    if unknown:
        # A name the operation does not declare is a malformed request (400), not an invalid
        # value (422): the client is told which names to drop.
        detail = _(
            "The request names parameters or fields this operation does not take: %(names)s."
        )
        return _error(
            request, 400, "unknown_parameter", detail % {"names": ", ".join(unknown)}, errors
        )
    return _error(request, 422, "validation_error", _("The request has invalid fields."), errors)


@api.exception_handler(DataError)
def _out_of_range(request: HttpRequest, exc: DataError) -> HttpResponse:
    # A value valid for the schema that the database cannot store or compare (a time-zone offset
    # beyond ±15:59 on PostgreSQL, a date past year 9999 …): the client's value, not a fault.
    return _error(
        request,
        422,
        "validation_error",
        _("A value of the request is outside the range the database can store."),
    )


@api.exception_handler(ServiceError)
def _service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    errors = [
        {"field": field, "message": message}
        for field, messages in exc.errors.items()
        for message in messages
    ]
    code = "conflict" if exc.status_code == 409 else "validation_error"
    return _error(request, exc.status_code, code, str(exc), errors)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(
        request, 401, "not_authenticated", _("Authentication is required: send an API token.")
    )


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _error(request, 403, "permission_denied", _("Your role may not do this here."))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", _("Not found."))


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
        # ninja's English sentence, naming nothing: say where the JSON breaks, in the language.
        cause = exc.__cause__
        if isinstance(cause, json.JSONDecodeError):
            message = _("The body is not valid JSON (line %(line)s, column %(column)s).") % {
                "line": cause.lineno,
                "column": cause.colno,
            }
        else:
            message = _("The body cannot be read as JSON in UTF-8.")
        return _error(request, 400, "error", message, [{"field": "body", "message": message}])
    return _error(request, exc.status_code, "error", str(exc))


def register_routers() -> None:
    from qiwang.accounts.api import router as accounts_router
    from qiwang.catalogue.api import router as catalogue_router
    from qiwang.complaints.api import router as complaints_router
    from qiwang.customers.api import router as customers_router
    from qiwang.customers.api_io import router as customers_io_router
    from qiwang.customers.api_maintenance import router as maintenance_router
    from qiwang.customers.api_privacy import router as privacy_router
    from qiwang.customers.api_relationship import router as relationship_router
    from qiwang.surveys.api import router as surveys_router
    from qiwang.webhooks.api import router as webhooks_router

    api.add_router("/", accounts_router)
    api.add_router("/customers", customers_router)
    api.add_router("/customers", privacy_router)
    api.add_router("/", relationship_router)
    api.add_router("/maintenance", maintenance_router)
    api.add_router("/surveys", surveys_router)
    api.add_router("/customers-io", customers_io_router)
    api.add_router("/catalogue", catalogue_router)
    api.add_router("/", complaints_router)
    api.add_router("/webhooks", webhooks_router)


def not_found(request: HttpRequest) -> HttpResponse:
    """A path under ``/api/`` that no operation has: the API's 404, not the HTML page
    (``API-Version`` is stamped by ``ApiVersionMiddleware``, as on every answer under /api/)."""
    return _error(request, 404, "not_found", _("Not found."))


def _method_not_allowed(path_view: Any) -> Any:
    """A method the path does not take: 405 in the API's error format, with ``Allow`` (ninja
    answers a bare text)."""

    def not_allowed() -> HttpResponse:
        allowed = sorted({method for op in path_view.operations for method in op.methods})
        detail = _("This address does not take this method; it takes: %(allowed)s.")
        response = JsonResponse(
            {
                "detail": detail % {"allowed": ", ".join(allowed)},
                "code": "method_not_allowed",
                "errors": [],
            },
            status=405,
        )
        response["Allow"] = ", ".join(allowed)
        return response

    return not_allowed


def _apply_conventions() -> None:
    """Short operation ids, unknown input refused, the API's 405: on every operation of every
    router, once all are added (``API-Version`` is ``ApiVersionMiddleware``'s)."""
    operations = []
    for bound in api._get_bound_routers():
        for path, path_view in bound.path_operations.items():
            path_view._not_allowed = _method_not_allowed(path_view)
            for operation in path_view.operations:
                if not getattr(operation, "operation_id", None):
                    full_path = "/".join(p.strip("/") for p in (bound.prefix, path) if p.strip("/"))
                    operation.operation_id = operation_id(operation.methods[0], full_path)
                operations.append(operation)
    tighten(operations)


register_routers()
_apply_conventions()
