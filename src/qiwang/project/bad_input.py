"""Input no handler can store or compute with, refused at the boundary with a 4xx naming the
field, so that no request can end in a 500 (issue 10):

- a NUL character (PostgreSQL cannot store it in text) or a lone UTF-16 surrogate (not
  encodable as UTF-8) in any parameter, form field or JSON string — and in JSON keys;
- a whole number beyond the 64-bit range in the query string or the path (no record has such a
  number; the database driver cannot even send it), and in a JSON body beyond the 32-bit range
  that the integer columns hold on PostgreSQL;
- a date (``YYYY-MM`` or ``YYYY-MM-DD…``) with a year outside ``YEARS``: a day before or after
  it is not representable, and no service record is that old or that far ahead;
- in JSON, ``NaN`` and ``Infinity``, and bytes that are not UTF-8.

:class:`BadInputMiddleware` checks query strings, form fields and path values of every request
and every value of a JSON body: a 400 page naming the fields, or under ``/api/`` the API's JSON
validation error (422) with one entry per field.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils.translation import gettext as _

__all__ = ["BadInputMiddleware", "problem"]

INT64 = 2**63 - 1
INT32 = 2**31 - 1
YEARS = range(1000, 9000)
_SURROGATE = re.compile("[\ud800-\udfff]")
_WHOLE = re.compile(r"[+-]?\d{19,}")
_DATE = re.compile(r"(\d{4,6})-\d{1,2}(?:-\d{1,2})?(?:[T ].*)?", re.DOTALL)


def problem(value: Any, *, int_limit: int = INT64) -> str | None:
    """Why ``value`` cannot be accepted, or ``None``."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return _("The number is out of range.") if abs(value) > int_limit else None
    if isinstance(value, float):
        return None if math.isfinite(value) else _("The number must be finite.")
    if not isinstance(value, str):
        return None
    if "\x00" in value:
        return _("The text contains a NUL character.")
    if _SURROGATE.search(value):
        return _("The text contains an invalid character (a lone surrogate).")
    text = value.strip()
    # Beyond 19 digits int() itself may refuse (Python's 4,300-digit limit): count first.
    # Leading zeros count towards that limit too, so convert the significant digits only.
    digits = text.lstrip("+-").lstrip("0")
    if _WHOLE.fullmatch(text) and (len(digits) > 19 or int(digits or "0") > INT64):
        return _("The number is out of range.")
    date = _DATE.fullmatch(text)
    if date and int(date.group(1)) not in YEARS:
        return _("The year must be between %(first)s and %(last)s.") % {
            "first": YEARS.start,
            "last": YEARS.stop - 1,
        }
    return None


def _walk(data: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str]]:
    if isinstance(data, dict):
        for key, value in data.items():
            reason = problem(key)
            if reason:
                yield (*path, _SURROGATE.sub("?", str(key)).replace("\x00", "?")), reason
            else:
                yield from _walk(value, (*path, str(key)))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _walk(value, (*path, str(index)))
    else:
        reason = problem(data, int_limit=INT32)
        if reason:
            yield path, reason


def _reject_constant(name: str) -> float:
    raise ValueError(name)


def _body_problems(request: HttpRequest) -> list[dict[str, str]]:
    """The JSON body: UTF-8, finite numbers, every value storable (a malformed document is left
    to the API, which answers 400)."""
    try:
        data = json.loads(request.body.decode("utf-8"), parse_constant=_reject_constant)
    except json.JSONDecodeError:
        return []
    except (UnicodeDecodeError, ValueError):
        return [{"field": "body", "message": _("The body must be JSON in UTF-8, numbers finite.")}]
    return [{"field": ".".join(path) or "body", "message": reason} for path, reason in _walk(data)]


def _request_problems(request: HttpRequest, kwargs: dict[str, Any]) -> list[dict[str, str]]:
    found = []
    sources = [request.GET]
    if request.content_type == "application/json":
        if request.body:
            found.extend(_body_problems(request))
    elif request.method == "POST":
        try:
            sources.append(request.POST)
        except (MultiPartParserError, UnicodeDecodeError, ValueError):
            return [{"field": "body", "message": _("The form data cannot be read.")}]
    for source in sources:
        for key, values in source.lists():
            for value in [key, *values]:
                reason = problem(value)
                if reason:
                    found.append(
                        {"field": _SURROGATE.sub("?", key).replace("\x00", "?"), "message": reason}
                    )
                    break
    for key, value in kwargs.items():
        reason = problem(value if isinstance(value, int) else str(value))
        if reason:
            found.append({"field": key, "message": reason})
    return found


class BadInputMiddleware:
    """Refuses a request whose parameters, form fields or path values no view could use."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        errors = _request_problems(request, view_kwargs)
        if not errors:
            return None
        if request.path.startswith("/api/"):
            return JsonResponse(
                {
                    "detail": _("The request has invalid fields."),
                    "code": "validation_error",
                    "errors": errors,
                },
                status=422,
            )
        return render(request, "core/400.html", {"errors": errors}, status=400)
