"""What people see while the database is unavailable: 503 with ``Retry-After``, never a 500.

Called from the project's 500 handler (``core.views.server_error``) for any uncaught exception:
when it is a database connection error, a respondent on a public survey page gets a page that
says their answers are kept and to try again in a minute; the JSON API gets its usual error
shape (``code: database_unavailable``); staff pages get a plain notice. Other errors on the API
get the JSON error shape with 500. None of these touch the database (no context processors, no
session).
"""

from __future__ import annotations

import contextlib
import sys

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

RETRY_AFTER_SECONDS = 60
PUBLIC_PREFIXES = ("/s/",)
API_PREFIX = "/api/"


def is_database_outage(error: BaseException | None) -> bool:
    """A lost or refused database connection (not a constraint or a query error)."""
    if isinstance(error, (OperationalError, InterfaceError)):
        return "lock" not in str(error).lower()  # SQLite's "database is locked" is a busy wait
    return isinstance(error, DatabaseError) and "connection" in str(error).lower()


def error_response(request: HttpRequest) -> HttpResponse | None:
    """The response for the exception being handled, or ``None`` for the generic 500 page."""
    error = sys.exc_info()[1]
    outage = is_database_outage(error)
    if outage:
        from django.db import connection

        from qiwang.operations import metrics

        metrics.DB_ERRORS.inc()
        with contextlib.suppress(Exception):  # a broken connection may fail to close
            connection.close()
    path = request.path_info
    if path.startswith(API_PREFIX):
        if outage:
            body = {
                "detail": _("The database is unavailable; try again in a minute."),
                "code": "database_unavailable",
                "errors": [],
            }
            response = JsonResponse(body, status=503)
            response["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
        return JsonResponse(
            {
                "detail": _("The server could not complete the request."),
                "code": "server_error",
                "errors": [],
            },
            status=500,
        )
    if not outage:
        return None
    public = path.startswith(PUBLIC_PREFIXES)
    template = "operations/unavailable_public.html" if public else "operations/unavailable.html"
    response = HttpResponse(render_to_string(template, {"retry": RETRY_AFTER_SECONDS}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response
