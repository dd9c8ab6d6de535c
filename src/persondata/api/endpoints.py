"""The API's routes. Thin: authenticate, validate, call the register's services in one transaction, shape."""

from __future__ import annotations

import logging
import traceback
import uuid
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer

from persondata.access.actor import Actor
from persondata.access.errors import AccessDenied, NotFound
from persondata.access.refusal import record_refusal
from persondata.api import schemas as s
from persondata.api.agreements import router as agreements_router
from persondata.api.control import router as control_router
from persondata.api.governance import router as breaches_router
from persondata.api.middleware import CODES
from persondata.api.policy_versions import router as policy_router
from persondata.api.requests import router as requests_router
from persondata.api.systems import router as systems_router
from persondata.api.tokens import user_for_token
from persondata.governance.errors import Conflict
from persondata.rawsql import RETRY_AFTER, is_busy, reading
from persondata.register.services import CustomerView, find_customers, show_customer
from persondata.requests import spool
from persondata.requests.services import RequestConflict
from persondata.systems.services import SystemConflict


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any | None:
        return user_for_token(token, timezone.now())


api = NinjaAPI(
    title="persondata",
    version="1",
    description=(
        "The customer register of persondata. Every call needs `Authorization: Bearer <token>` "
        "(create one with `persondata token create`), except `/health`. Every read of a customer is "
        "written to the access log under the token's staff login. Personal data never goes into a URL: "
        "searches are POSTed."
    ),
    auth=BearerToken(),
    # no interactive docs page: it would load its scripts from a CDN. The schema is at /api/openapi.json.
    docs_url=None,
    urls_namespace="api",
)

api.add_router("/requests", requests_router)
api.add_router("/breaches", breaches_router)
api.add_router("/policy", policy_router)
api.add_router("/controls", control_router)
api.add_router("/partners", agreements_router)
api.add_router("/systems", systems_router)

ERRORS = s.ERRORS
logger = logging.getLogger("persondata.api")


def _error(request: HttpRequest, status: int, detail: str, code: str, **extra: Any) -> HttpResponse:
    return api.create_response(request, {"detail": detail, "code": code, **extra}, status=status)


@api.exception_handler(AuthenticationError)
def _unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = _error(
        request, 401, "a valid API token is required: Authorization: Bearer <token>", "unauthorized"
    )
    response["WWW-Authenticate"] = 'Bearer realm="persondata"'
    return response


@api.exception_handler(AccessDenied)
def _denied(request: HttpRequest, exc: AccessDenied) -> HttpResponse:
    record_refusal(getattr(getattr(request, "auth", None), "pk", None), exc, "api", timezone.now())
    return _error(request, 403, exc.reason, "access_denied")


@api.exception_handler(NotFound)
def _not_found(request: HttpRequest, exc: NotFound) -> HttpResponse:
    return _error(request, 404, "no such customer", "not_found")


@api.exception_handler(Http404)
def _http404(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not found", "not_found")


@api.exception_handler(Conflict)
@api.exception_handler(SystemConflict)
@api.exception_handler(RequestConflict)
def _conflict(request: HttpRequest, exc: Conflict | SystemConflict | RequestConflict) -> HttpResponse:
    return _error(request, 409, f"{exc.field}: {exc.message}", "conflict")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # ninja's own messages ("Cannot parse request body") hold no request content outside DEBUG
    return _error(request, exc.status_code, str(exc), "bad_request" if exc.status_code == 400 else "error")


@api.exception_handler(RequestDataTooBig)
def _too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return _error(request, 413, "the body is larger than the API accepts", "too_large")


@api.exception_handler(Exception)
def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    if is_busy(exc):  # a long import holds the database's write lock: not a fault, try again later
        response = _error(request, 503, CODES[503][1], CODES[503][0])
        response["Retry-After"] = str(RETRY_AFTER)
        return response
    # the exception's message may quote a value (a database error names the row); the log gets its kind and where
    logger.error(
        "API %s %s failed: %s\n%s",
        request.method,
        request.resolver_match.route if request.resolver_match else "?",
        type(exc).__name__,
        "".join(traceback.format_tb(exc.__traceback__)),
    )
    return _error(
        request, 500, "the server failed; the error is logged without the request's content", "server_error"
    )


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    # Name the field and the rule, never the value: the value may be personal data.
    fields, problems = [], []
    for err in exc.errors:
        field = _field_name(err.get("loc", ()))
        message = str(err.get("msg", "is not valid")).split(":")[0]
        fields.append(field)
        problems.append(f"{field}: {message}")
    return _error(request, 422, "invalid input: " + "; ".join(problems), "invalid", fields=fields)


_SOURCES = frozenset({"body", "query", "path", "header", "cookie", "form", "file"})


def _field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    """``("body", "body", "query")`` → ``query``; ``("path", "customer_id")`` → ``customer_id``."""
    parts = [str(p) for p in loc]
    if len(parts) > 1 and parts[0] in _SOURCES:
        source, parts = parts[0], parts[1:]
        if source == "body" and len(parts) > 1:
            parts = parts[1:]  # the name of the view's body parameter
    return ".".join(parts) or "body"


def _actor(request: HttpRequest, purpose: str | None) -> Actor:
    return Actor.for_user(request.auth, purpose, "api")  # type: ignore[attr-defined]


@api.get(
    "/health",
    auth=None,
    response={200: s.HealthOut, **s.SERVER_ERRORS},
    tags=["system"],
    summary="Is the service up?",
)
def health(request: HttpRequest) -> dict[str, Any]:
    with connection.cursor() as cur:
        cur.execute("SELECT 1")
    # a monitor sees submissions that wait for the database longer than an import lasts: the drain is not running
    spooled, oldest = spool.waiting()
    waited = None if oldest is None else max(0, int((timezone.now() - oldest).total_seconds()))
    return {"status": "ok", "spooled": spooled, "spooled_oldest_seconds": waited}


@api.post(
    "/customers/search",
    response={200: s.SearchOut, **ERRORS},
    tags=["customers"],
    summary="Find customers by e-mail, phone, customer number or name",
)
def search_customers(request: HttpRequest, body: s.SearchIn) -> s.SearchOut:
    actor = _actor(request, body.purpose)
    with reading():
        hits = find_customers(actor, body.query, now=timezone.now())
    results = [
        s.CustomerHitOut(id=h.id, name=h.name, customer_number=h.customer_number, email=h.email, city=h.city)
        for h in hits
    ]
    return s.SearchOut(purpose=actor.purpose, count=len(results), results=results)


@api.get(
    "/customers/{customer_id}",
    response={200: s.CustomerOut, **ERRORS},
    tags=["customers"],
    summary="One customer: the categories your roles may read for the purpose",
)
def get_customer(
    request: HttpRequest,
    customer_id: uuid.UUID,
    purpose: s.Purpose | None = None,
) -> dict[str, Any]:
    actor = _actor(request, purpose)
    with reading():
        view = show_customer(actor, customer_id, now=timezone.now())
    return customer_out(view)


def customer_out(view: CustomerView) -> dict[str, Any]:
    """The answer in :class:`schemas.CustomerOut`'s shape, as plain data: django-ninja validates it against the
    schema once, on the way out (built as schema objects, every order was validated twice; issue 17)."""
    shown = view.shown
    orders = "order_history" in shown
    payment = "payment" in shown
    return {
        "id": view.id,
        "purpose": view.purpose,
        "contact": view.contact if "contact" in shown and view.contact else None,
        "customer_number": view.customer_number if "customer_number" in shown else None,
        "orders": view.orders if orders else None,
        "agreements": view.agreements if orders else None,
        "invoices": view.invoices if payment else None,
        "payments": view.payments if payment else None,
        "hidden_categories": [{"category": k, "reason": d.reason} for k, d in view.hidden.items()],
    }
