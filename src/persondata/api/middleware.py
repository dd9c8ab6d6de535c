"""Every answer under ``/api/`` that is an error is JSON in the API's one shape, ``{"detail", "code"}``.

The routes' own errors are shaped by the handlers in :mod:`persondata.api.endpoints`. What happens around them is
not: Django answers an unknown ``/api/`` address with its 404 page, django-ninja a wrong method with a plain-text
405, Django a body it refuses to read with a 400 page, and a crash in a middleware with the 500 page. This
middleware, inside the security headers (so its answers carry them too), turns each into the documented JSON.
A body larger than Django reads (``DATA_UPLOAD_MAX_MEMORY_SIZE``) is refused here, unread, with 413.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

PREFIX = "/api/"
CODES = {
    400: ("bad_request", "the request could not be read"),
    404: ("not_found", "no such address in the API; the schema is at /api/openapi.json"),
    405: ("method_not_allowed", "this address does not take that method; see the Allow header"),
    413: ("too_large", "the body is larger than the API accepts"),
    500: ("server_error", "the server failed; the error is logged without the request's content"),
    503: (
        "busy",
        "the database is busy with a long piece of work; nothing was saved: try again after Retry-After",
    ),
}


def error_response(status: int, detail: str, code: str) -> HttpResponse:
    return HttpResponse(
        json.dumps({"detail": detail, "code": code}), status=status, content_type="application/json"
    )


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


class ApiErrorsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(PREFIX):
            return self.get_response(request)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and _declared_length(request) > limit:
            response = error_response(413, f"{CODES[413][1]} ({limit} bytes at most)", CODES[413][0])
            response["Connection"] = "close"  # the body stays unread
            return response
        response = self.get_response(request)
        if response.status_code < 400 or response.get("Content-Type", "").startswith("application/json"):
            return response
        code, detail = CODES.get(response.status_code, ("error", "the request failed"))
        shaped = error_response(response.status_code, detail, code)
        for header in ("Allow", "Retry-After", "WWW-Authenticate"):
            if header in response:
                shaped[header] = response[header]
        return shaped
