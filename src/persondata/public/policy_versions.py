"""The published policy's version and adoption, and the earlier versions (policy [14]; docs/governance.md).

The page of the policy in force shows its version number, the day it came into force and its adoption — date and
role — as recorded by the data controller, or says plainly that it has not been adopted. Every earlier version
stays readable with the days it was in force: ``/privacy/versions/`` lists them and answers "which version was in
force on <day>?"; ``/privacy/versions/<n>/`` prints one.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_GET

from persondata import runtime
from persondata.access.errors import NotFound
from persondata.core.policy import Policy, PolicyError, parse_policy
from persondata.documents.privacy_policy import policy_context
from persondata.governance import policy_versions as versions
from persondata.governance.models import PolicyVersion
from persondata.public.views import _page, public_page


def _status(version: PolicyVersion | None, current: bool) -> dict[str, Any]:
    period = next((p for p in versions.periods() if p.version == version), None) if version else None
    adoption = versions.adoption_of(version)
    return {
        "version": version,
        "since": period.since if period else None,
        "until": period.until if period else None,
        "adoption": adoption,
        "current": current,
    }


def _document(policy: Policy, version: PolicyVersion | None, lang: str) -> dict[str, Any]:
    """The policy as printed, with the recorded adoption (none: printed as not adopted)."""
    adoption = versions.adoption_of(version)
    shown = dataclasses.replace(policy, adopted=adoption.adopted_on if adoption else None)
    return policy_context(shown, lang)


#: What the page shows of a policy not yet adopted: the customers' rights and the complaint to Datatilsynet (policy
#: sections 6 and 10) hold whatever the company has yet to decide; the rest is the company's draft.
RIGHTS_SECTIONS = frozenset({6, 10})


def published(lang: str) -> dict[str, Any]:
    """The context of the policy page: the policy in force, its version and adoption. Until the version in force
    is adopted the policy is not published: the page says so and shows only the customers' rights."""
    version = versions.in_force()
    doc = _document(runtime.policy(), version, lang)
    status = _status(version, True)
    unpublished = status["adoption"] is None
    if unpublished:
        doc = {**doc, "sections": [s for s in doc["sections"] if s.number in RIGHTS_SECTIONS]}
    return {"doc": doc, "status": status, "unpublished": unpublished}


@require_GET
@public_page
def policy(request: HttpRequest) -> HttpResponse:
    return _page(request, "policy.html", published(translation.get_language()))


@require_GET
@public_page
def version_list(request: HttpRequest) -> HttpResponse:
    on = request.GET.get("on", "")
    found: PolicyVersion | None = None
    error = False
    if on:
        try:
            found = versions.in_force_on(date.fromisoformat(on))
        except ValueError:
            error = True
        if found is not None:
            return HttpResponseRedirect(reverse("public:policy_version", args=[found.number]))
    context = {"periods": versions.periods(), "on": on, "error": error, "none_found": bool(on) and not error}
    return _page(request, "versions.html", context)


@require_GET
@public_page
def version_page(request: HttpRequest, number: int) -> HttpResponse:
    try:
        version = versions.get_version(number)
    except NotFound as exc:
        raise Http404 from exc
    current = versions.in_force()
    lang = translation.get_language()
    status = _status(version, current is not None and current.pk == version.pk)
    try:
        doc = _document(parse_policy(version.content, f"version {number}"), version, lang)
    except PolicyError:  # written for an earlier release of persondata: shown as the file it was
        return _page(request, "version_text.html", {"status": status, "content": version.content})
    return _page(request, "policy.html", {"doc": doc, "status": status})
