"""The customer's side of an answer's download link (docs/public-pages.md, :mod:`persondata.requests.answers.delivery`).

Like the confirmation link, the token is in one URL only — the link in the e-mail, whose page (a GET, which mail
scanners fetch) changes nothing and sends only our origin as Referer. The form posts the token in the body with the
address it was sent to; the session then holds a grant to download the request's letter and files for a while.
No later URL, log line or Referer carries the token.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from persondata.public.views import _no_referrer, _page, public_page
from persondata.requests.answers import delivery

logger = logging.getLogger(__name__)

GRANT = "pd_answer_grant"
STATUS = {"unknown": 400, "used": 410, "revoked": 410, "expired": 410, "removed": 410, "address": 400}


def _failed(request: HttpRequest, code: str) -> HttpResponse:
    response = _page(request, "answer_failed.html", {"code": code}, status=STATUS.get(code, 400))
    response._has_been_logged = True  # type: ignore[attr-defined]  # Django's 4xx log line would hold the path
    return _no_referrer(response)


@csrf_exempt  # changes nothing; the CSRF failure log would write the path, with the token
@never_cache
@public_page
def answer(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the e-mail: a page asking for the address it was sent to. A GET never uses the link."""
    if request.method not in ("GET", "HEAD"):
        refused = HttpResponseNotAllowed(["GET", "HEAD"])
        refused._has_been_logged = True  # type: ignore[attr-defined]
        return refused
    problem = delivery.check_link(token, now=timezone.now())
    if problem is not None:
        return _failed(request, problem)
    return _no_referrer(_page(request, "answer.html", {"token": token, "days": delivery.LINK_DAYS}))


@require_POST
@never_cache
@public_page
def answer_open(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    token = request.POST.get("token", "")
    try:
        with transaction.atomic():
            grant = delivery.open_link(token, request.POST.get("email", ""), now=now)
    except delivery.DeliveryError as exc:
        return _failed(request, exc.message if exc.message in STATUS else "unknown")
    if grant is None:  # a wrong address (recorded); the third closes the link
        return _failed(request, "revoked" if delivery.check_link(token, now=now) == "revoked" else "address")
    request.session[GRANT] = {"request": str(grant.request_id), "until": grant.until.isoformat()}
    return HttpResponseRedirect(reverse("public:answer_files"))


def _grant(request: HttpRequest) -> delivery.Grant | None:
    held = request.session.get(GRANT)
    if not isinstance(held, dict):
        return None
    try:
        grant = delivery.Grant(uuid.UUID(held["request"]), datetime.fromisoformat(held["until"]))
    except (KeyError, TypeError, ValueError):
        return None
    return grant if grant.until > timezone.now() else None


@require_GET
@never_cache
@public_page
def answer_files(request: HttpRequest) -> HttpResponse:
    grant = _grant(request)
    if grant is None:
        return _failed(request, "expired")
    context = {"documents": delivery.granted_documents(grant), "until": timezone.localtime(grant.until)}
    return _no_referrer(_page(request, "answer_files.html", context))


@require_GET
@never_cache
def answer_file(request: HttpRequest, document_id: uuid.UUID) -> HttpResponse:
    grant = _grant(request)
    if grant is None:
        raise Http404("no download granted")
    try:
        with transaction.atomic():
            data, content_type, name = delivery.download(grant, document_id, now=timezone.now())
    except delivery.DeliveryError as exc:
        raise Http404("no such document") from exc
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return _no_referrer(response)
