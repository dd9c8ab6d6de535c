"""Public pages (no login) under /privacy/: the privacy policy, the request form, identity confirmation, the
portability schema. docs/public-pages.md describes them.

Nothing here shows whether a request matched a customer: the thank-you page is the same page in every case, and
the confirmation link goes only to the e-mail address on file (:func:`persondata.requests.services.send_confirmation`).
The confirmation token appears in one URL only, the link in the e-mail (GET: a page with a button; mail scanners
that fetch links confirm nothing); the button posts the token in the body to ``/privacy/confirm/``, so that no
later URL, log line or Referer carries it (the link's page sends only our origin as Referer).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from datetime import date, datetime
from functools import wraps
from typing import Any

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from persondata import runtime
from persondata.public import ratelimit
from persondata.public.forms import KINDS, LABELS, PublicRequestForm
from persondata.rawsql import WHOLE_RUN, is_busy, long_writer, waiting_at_most, writing, writing_beside
from persondata.requests import intake, services, spool
from persondata.requests.answers import exports

logger = logging.getLogger(__name__)

LANGUAGES = ("da", "en")
THANKS_COOKIE = "pd_request"
THANKS_SALT = "persondata.requests.public.thanks"
THANKS_SECONDS = 30 * 60
#: how long a submission waits for SQLite's write lock beside a retention run before it goes to the intake spool, and
#: for the spool's lock before the visitor is asked to try again (seconds): longer than a retention chunk (beside an
#: all-or-nothing import it goes to the spool at once; docs/configuration.md)
PUBLIC_WRITE_WAIT = 3
FAILED_STATUS = {"unknown": 400, "used": 410, "revoked": 410, "expired": 410, "closed": 410}


def max_body() -> int:
    """``PERSONDATA_PUBLIC_MAX_BODY`` (bytes): a larger form submission is refused, unread, with HTTP 413."""
    return int(settings.PERSONDATA_PUBLIC_MAX_BODY)


# -- language ------------------------------------------------------------------------------------------------
def public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Danish unless the visitor chose English: ``?lang=en`` (remembered in Django's language cookie, which
    Django's ``set_language`` sets too). The browser's Accept-Language does not decide: the policy is Danish."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        chosen = request.GET.get("lang", "")
        remembered = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        lang = chosen if chosen in LANGUAGES else remembered if remembered in LANGUAGES else "da"
        translation.activate(lang)
        request.LANGUAGE_CODE = lang
        response = view(request, *args, **kwargs)
        if chosen in LANGUAGES:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                lang,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response

    return wrapper


def _page(
    request: HttpRequest, template: str, context: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    controller = runtime.policy().controller
    lang = translation.get_language()
    base = {
        "controller": controller,
        "lang": lang,
    }
    return render(request, f"public/{template}", {**base, **(context or {})}, status=status)


# -- the request form ----------------------------------------------------------------------------------------
def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0  # Django reads such a body as empty, too


@csrf_exempt  # checked below, by _form, once the body is known to be small: the CSRF check reads the body
@require_http_methods(["GET", "POST"])
@public_page
def request_form(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and _content_length(request) > max_body():
        return _page(
            request,
            "too_large.html",
            {"limit_kb": max_body() // 1024, "message_max": intake.REQUESTER_FIELDS["message"]},
            status=413,
        )
    return _form(request)


FIELD_HINTS: dict[str, Any] = {
    "email": _(
        "For your safety, we send the confirmation to the e-mail address we have on file for you, which may not "
        "be this one."
    ),
    "address": _("Street and number, postcode and town."),
    "customer_number": _("It is on your invoices and order confirmations, if you have one."),
    "message": _(
        "For a correction: tell us what is wrong and what is right. Do not write your CPR number: we do not need "
        "it, and may not receive it."
    ),
}


def _form_page(request: HttpRequest, form: PublicRequestForm, status: int = 200) -> HttpResponse:
    def value(name: str) -> str:
        return str(form[name].value() or "") if form.is_bound else ""

    chosen = value("kind")
    kinds = [
        {"value": k, "label": label, "hint": hint, "checked": k == chosen, "id": f"kind-{k}"}
        for k, (label, hint) in KINDS.items()
    ]
    fields = {
        name: {
            "name": name,
            "id": f"id_{name}",
            "label": LABELS[name],
            "value": value(name),
            "max": most,
            "errors": form.errors.get(name, []),
            "hint": FIELD_HINTS.get(name, ""),
        }
        for name, most in intake.REQUESTER_FIELDS.items()
    }
    anchors = {"kind": "kind-information", "language": "language-da"}
    errors = [
        {"href": "#" + anchors.get(name, f"id_{name}"), "label": LABELS.get(name, ""), "message": message}
        for name, messages in form.errors.items()
        if name != "__all__"
        for message in messages
    ]
    context = {
        "kinds": kinds,
        "fields": fields,
        "answer_language": value("language") or translation.get_language(),
        "errors": errors,
        "general_errors": form.non_field_errors(),
        "kind_errors": form.errors.get("kind", []),
        "language_errors": form.errors.get("language", []),
    }
    return _page(request, "request_form.html", context, status=status)


@csrf_protect
def _form(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _form_page(request, PublicRequestForm())
    now = timezone.now()
    bucket = ratelimit.client_bucket(request)
    until = ratelimit.blocked_until(bucket, now)
    if until is not None:
        return _too_many(request, until, now)
    form = PublicRequestForm(request.POST)
    if form.is_bot:
        form.add_error(
            None, _("The form could not be sent. Leave the field “Leave empty” empty and send it again.")
        )
        return _form_page(request, form, status=400)
    if not form.is_valid():
        return _form_page(request, form, status=400)
    try:
        writer = long_writer()
        # beside an all-or-nothing import (it holds the lock for minutes) waiting would only hold one of the
        # server's few threads: the submission goes to the intake spool at once, and is moved in after the import
        receipt = (
            _spool(form, bucket, now) if writer == WHOLE_RUN else _store_or_spool(form, bucket, now, writer)
        )
    except ratelimit.RateLimited as exc:
        return _too_many(request, exc.until, now)
    except (
        services.RequestError
    ) as exc:  # the form checks the same; kept for a rule the form does not know yet
        field = exc.field if exc.field in form.fields else None
        form.add_error(field, _("We could not accept this. Check it and send the form again."))
        return _form_page(request, form, status=400)
    response = redirect("public:thanks")
    response.status_code = 303
    response.set_signed_cookie(
        THANKS_COOKIE,
        f"{receipt.reference}|{receipt.due_on.isoformat()}",
        salt=THANKS_SALT,
        max_age=THANKS_SECONDS,
        path=reverse("public:thanks"),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


def _store_or_spool(form: PublicRequestForm, bucket: str, now: datetime, writer: str | None) -> spool.Receipt:
    """Store the submission; on SQLite, if the write lock does not come in time (beside a retention chunk: 3 s at
    most; otherwise SQLite's busy timeout), spool it instead."""
    try:
        # beside a retention chunk it waits a few seconds at most; otherwise it queues behind the other writers
        with _write_wait(writer), writing():  # the main database's lock, not the access log's: reads go on
            stored = intake.submit(
                form.cleaned_data["kind"],
                form.details(),
                channel="public",
                language=form.cleaned_data["language"],
                now=now,
            )
            # stored, not yet matched: the match and the confirmation e-mail (to the address on file, if the
            # request matched one customer who has one) follow after the commit, through the outbox, so that
            # nobody learns from the page or its timing whether someone is a customer.
            # The count last: a refused submission rolls back, request and count alike (spooled ones count too)
            ratelimit.take(bucket, now, spool.counted)
    except OperationalError as exc:
        if connection.vendor != "sqlite" or not is_busy(exc):
            raise
        return _spool(form, bucket, now)
    return spool.Receipt(stored.reference, stored.due_on)


def _spool(form: PublicRequestForm, bucket: str, now: datetime) -> spool.Receipt:
    """SQLite: the submission into the intake spool (``requests.spool``), a file with its own lock, counted by the
    rate limit with the spool's others. If even the spool's lock does not come in 3 s, SQLite's "locked" goes up
    and the visitor is told to try again (503, ``persondata.web.errors``): stored, or told — never lost."""
    with waiting_at_most(PUBLIC_WRITE_WAIT), writing_beside():  # the spool's lock only
        receipt = spool.put(
            form.cleaned_data["kind"],
            form.details(),
            language=form.cleaned_data["language"],
            windows=ratelimit.windows(bucket, now),
            now=now,
        )
        ratelimit.take_spooled(bucket, now, spool.counted)  # last: a refused submission rolls back
    return receipt


def _write_wait(writer: str | None) -> AbstractContextManager[None]:
    """How long a submission waits for the write lock beside a retention chunk (``rawsql.long_writer``)."""
    return nullcontext() if writer is None else waiting_at_most(PUBLIC_WRITE_WAIT)


def _too_many(request: HttpRequest, until: datetime, now: datetime) -> HttpResponse:
    seconds = max(1, int((until - now).total_seconds()) + 1)
    response = _page(
        request, "rate_limited.html", {"until": until, "minutes": (seconds + 59) // 60}, status=429
    )
    response["Retry-After"] = str(seconds)
    return response


@require_GET
@public_page
def thanks(request: HttpRequest) -> HttpResponse:
    value = request.get_signed_cookie(THANKS_COOKIE, default=None, salt=THANKS_SALT, max_age=THANKS_SECONDS)
    reference, _sep, due = (value or "").partition("|")
    try:
        due_on = date.fromisoformat(due)
    except ValueError:
        return HttpResponseRedirect(reverse("public:request"))
    return _page(
        request,
        "thanks.html",
        {"reference": reference, "due": due_on, "confirmation_days": services.CONFIRMATION_DAYS},
    )


# -- identity confirmation -----------------------------------------------------------------------------------
def _no_referrer(response: HttpResponse) -> HttpResponse:
    """Pages whose URL may hold the token send only our origin as Referer, never the path. Not "no-referrer":
    then browsers send ``Origin: null`` with the button's POST, and Django's CSRF check refuses it."""
    response["Referrer-Policy"] = "strict-origin"
    return response


def _confirm_failed(request: HttpRequest, code: str) -> HttpResponse:
    response = _page(
        request,
        "confirm_failed.html",
        {"code": code, "days": services.CONFIRMATION_DAYS},
        status=FAILED_STATUS.get(code, 400),
    )
    # Django's request log writes the path of every 4xx response; on the link's page that path holds the token
    response._has_been_logged = True  # type: ignore[attr-defined]
    return _no_referrer(response)


@csrf_exempt  # changes nothing on any method; the CSRF failure log would write the path, with the token
@public_page
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the e-mail: a page with a button. A GET never confirms (mail scanners fetch links)."""
    if request.method not in ("GET", "HEAD"):
        refused = HttpResponseNotAllowed(["GET", "HEAD"])
        refused._has_been_logged = True  # type: ignore[attr-defined]  # the path holds the token
        return refused
    try:
        problem = services.link_status(token, now=timezone.now())
    except Exception:
        # Django would log "Internal Server Error: <path>", and the path holds the token: log without it
        logger.exception("the page of a confirmation link failed")
        response = _page(request, "error.html", status=500)
        response._has_been_logged = True  # type: ignore[attr-defined]
        return _no_referrer(response)
    if problem is not None:
        return _confirm_failed(request, problem)
    return _no_referrer(_page(request, "confirm.html", {"token": token}))


@require_POST
@public_page
def confirm_submit(request: HttpRequest) -> HttpResponse:
    try:
        with transaction.atomic():
            req = services.confirm(request.POST.get("token", ""), now=timezone.now())
    except services.ConfirmationError as exc:
        return _confirm_failed(request, exc.code)
    return _no_referrer(_page(request, "confirmed.html", {"reference": req.reference, "due": req.due_on}))


# -- the portability schema ----------------------------------------------------------------------------------
@require_GET
def portability_schema(request: HttpRequest) -> HttpResponse:
    """The JSON Schema of the portability export (R12), so that any program can check a file against it."""
    response = HttpResponse(exports.schema_text().encode(), content_type="application/schema+json")
    response["Cache-Control"] = "public, max-age=3600"  # no personal data: may be cached
    response["Access-Control-Allow-Origin"] = "*"
    return response
