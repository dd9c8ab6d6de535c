"""Telling the partners (GDPR Art. 19; RULES R11): who must be told of a change, the notices, the endpoints.

Every rectification, erasure, restriction and lift of a restriction is passed on to each partner (processor) of the
policy file that received the data it concerns. :func:`notify_partners` runs inside the transaction that answers the
request and creates one :class:`PartnerNotice` per such partner. A partner with a webhook endpoint is told by
webhook (:mod:`persondata.partners.webhooks`) right after the commit, and again by the ``partners.deliver`` job
until it answers; the others wait until the controller has told them (by e-mail, phone, the partner's portal) and
ticks the notice off.

Which categories an action affects (the partners told are those whose ``receives`` meets them):

* rectification — the categories of the fields corrected (``changes``; name, address, phone, e-mail: contact);
* erasure — every category that is not accounting material (contact, customer number, order history in the
  shipped policy); a partner that also received accounting material is told which of it is ``kept`` under the
  bookkeeping act (RULES R4), restricted to bookkeeping;
* restriction and its lift — every category: a restriction (Art. 18) limits the processing of all the customer's
  data (only the purposes it names may still read the categories it names), so every partner that holds any of
  it must know. A caller may narrow it with ``categories``.

Handling the notices is handling customers' requests (the named permission ``handle_requests``), the endpoints
are ``manage_partners`` (both the data controller's in the shipped policy). Audit entries and request steps hold
partner keys, codes and counts only.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from persondata import runtime
from persondata.access import permissions
from persondata.access.actor import Actor
from persondata.access.errors import NotFound
from persondata.audit import services as audit
from persondata.core import sealing
from persondata.core.policy import Partner
from persondata.core.sensitive import check_free_text
from persondata.keys import ring
from persondata.partners.errors import PartnerError
from persondata.partners.models import (
    ACTIONS,
    DONE,
    FAILED,
    OPEN_STATES,
    PENDING,
    SENDING,
    PartnerEndpoint,
    PartnerNotice,
)
from persondata.partners.webhooks import (
    check_secret,
    check_url,
    deliver_after_commit,
    new_secret,
    record_notice_disclosure,
    seal_secret,
)
from persondata.refusals import refusal_text
from persondata.register.models import RELEVANCE, Customer
from persondata.requests import recipients
from persondata.requests import services as rights
from persondata.requests.models import Request

__all__ = [
    "ACTION_KEYS",
    "PartnerError",
    "affected_categories",
    "notify_partners",
    "open_notices",
    "partners_overview",
    "remove_endpoint",
    "retry_failed",
    "set_endpoint",
    "tick",
    "told_partners",
]

ACTION_KEYS = tuple(a for a, _ in ACTIONS)
MAX_NOTE = 500


# -- who must be told ----------------------------------------------------------------------------------------
def affected_categories(
    action: str, *, changes: Mapping[str, Any] | None = None, categories: Iterable[str] | None = None
) -> tuple[str, ...]:
    """The policy categories an action touches (see the module's docstring for the mapping)."""
    policy = runtime.policy()
    if action not in ACTION_KEYS:
        raise PartnerError(
            "action", _("The action must be one of %(actions)s.") % {"actions": ", ".join(ACTION_KEYS)}
        )
    if categories is not None:
        chosen = set(categories)
        if unknown := sorted(chosen - set(policy.categories)):
            raise PartnerError(
                "categories",
                _("These categories are not declared in the policy file: %(unknown)s.")
                % {"unknown": ", ".join(unknown)},
            )
        if not chosen:
            raise PartnerError("categories", _("Name at least one category of data."))
        return tuple(sorted(chosen))
    if action == "rectification":
        if not changes:
            raise PartnerError("changes", _("Say what was corrected: {field: new value}."))
        found = set()
        for name in changes:
            category = policy.category_of_field(name)
            if category is None:
                raise PartnerError(
                    "changes", _("“%(name)s” is not a field of the policy file.") % {"name": name}
                )
            found.add(category.key)
        return tuple(sorted(found))
    if action == "erasure":
        return tuple(sorted(k for k, c in policy.categories.items() if not c.accounting_material))
    return tuple(sorted(policy.categories))  # restriction, restriction_lifted


def customer_number_on_file(customer_id: uuid.UUID) -> str | None:
    """The customer number, for the partners' notices only (shown to no one; the notice records the disclosure).

    None when it has been deleted."""
    blob = Customer.objects.filter(pk=customer_id).values_list("number_blob", flat=True).first()
    record = ring.CustomerKeys(customer_id).open(RELEVANCE, blob, sealing.customer_number(customer_id))
    number = (record or {}).get("customer_number")
    return str(number) if number else None


def _iso(now: datetime) -> str:
    return now.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _payload(
    notice: PartnerNotice,
    request: Request,
    partner: Partner,
    customer_number: str | None,
    changes: Mapping[str, Any] | None,
    now: datetime,
) -> dict[str, Any]:
    policy = runtime.policy()
    payload: dict[str, Any] = {
        "event": f"persondata.{notice.action}",
        "id": str(notice.id),
        "reference": request.reference,
        # only to a partner that received it: it is how the partner finds the customer
        "customer_number": customer_number if "customer_number" in partner.receives else None,
        "categories": list(notice.categories),
        "occurred_at": _iso(now),
    }
    if notice.action == "rectification":
        payload["changes"] = {
            name: value
            for name, value in (changes or {}).items()
            if (c := policy.category_of_field(name)) is not None and c.key in partner.receives
        }
    if notice.action == "erasure":
        payload["kept"] = sorted(k for k in partner.receives if policy.categories[k].accounting_material)
    return payload


def notify_partners(
    request: Request,
    action: str,
    *,
    now: datetime,
    changes: Mapping[str, Any] | None = None,
    categories: Iterable[str] | None = None,
    actor: Actor | str = "system",
) -> list[tuple[str, str]]:
    """Create a notice for each partner that received the data ``action`` affects; return (key, name) of each.

    Call inside the transaction that makes the change, *before* an erasure deletes the customer number: each
    notice's payload (customer number, the new values of a rectification) is built and sealed now. Partners with
    an enabled webhook endpoint are sent theirs after the commit; the rest wait for the controller's tick.
    """
    if not transaction.get_connection().in_atomic_block:
        raise audit.TransactionRequired("notify_partners must run inside the change's transaction")
    if changes and action != "rectification":
        raise PartnerError("changes", _("Only a rectification passes on new values."))
    affected = set(affected_categories(action, changes=changes, categories=categories))
    partners = [p for p in runtime.policy().partners if p.receives & affected]
    # Art. 19: the partners that received this customer's data, by the records of disclosures (all the policy's
    # receivers while nothing is recorded)
    recorded = recipients.received_by(request.customer_id) if request.customer_id else None
    if recorded is not None:
        partners = [p for p in partners if recorded.get(p.key, frozenset()) & affected]
    number = customer_number_on_file(request.customer_id) if partners and request.customer_id else None
    with_endpoint = set(PartnerEndpoint.objects.filter(enabled=True).values_list("partner_key", flat=True))
    told: list[tuple[str, str]] = []
    to_send: list[uuid.UUID] = []
    for partner in partners:
        notice = PartnerNotice(
            request=request,
            partner_key=partner.key,
            partner_name=partner.name,
            action=action,
            categories=sorted(partner.receives & affected),
            state=PENDING,
            created_at=now,
            next_attempt_at=now,
        )
        payload = _payload(notice, request, partner, number, changes, now)
        notice.payload_blob = rights.seal_for(
            request, payload, sealing.request_part("notice", notice.id, request.id)
        )
        notice.save(force_insert=True)
        told.append((partner.key, partner.name))
        if partner.key in with_endpoint:
            to_send.append(notice.id)
    rights.record_step(
        request,
        "partners_notified",
        actor,
        now,
        action=action,
        partners=[key for key, _ in told],
        count=len(told),
        by_webhook=len(to_send),
    )
    deliver_after_commit(request.id, to_send)
    return told


def told_partners(request: Request) -> list[tuple[str, str]]:
    """The partners told of this request's changes (RULES R11: the customer is told who they are if asked)."""
    rows = (
        PartnerNotice.objects.filter(request=request)
        .order_by("partner_key")
        .values_list("partner_key", "partner_name")
        .distinct()
    )
    return [(k, n) for k, n in rows]


# -- the controller's work -----------------------------------------------------------------------------------
def open_notices() -> QuerySet[PartnerNotice]:
    return (
        PartnerNotice.objects.filter(state__in=OPEN_STATES)
        .select_related("request")
        .order_by("created_at", "partner_key")
    )


def recent_done(limit: int = 20) -> QuerySet[PartnerNotice]:
    return PartnerNotice.objects.filter(state=DONE).select_related("request").order_by("-done_at")[:limit]


def note_of(notice: PartnerNotice) -> str:
    """The controller's note on a ticked-off notice ("" when none, or after the request's purge)."""
    if notice.note_blob is None:
        return ""
    try:
        return str(rights.unseal_for(notice.request, notice.note_blob, _note_context(notice)).get("note", ""))
    except rights.RequestError:
        return ""


def _note_context(notice: PartnerNotice) -> str:
    return sealing.request_part("notice_note", notice.id, notice.request_id)


def tick(actor: Actor, notice_id: uuid.UUID, *, now: datetime, note: str = "") -> PartnerNotice:
    """The controller has told the partner (any way): the notice is done, by whom and when, with a note."""
    permissions.require(actor, permissions.HANDLE_REQUESTS)
    notice = PartnerNotice.objects.select_for_update().select_related("request").filter(pk=notice_id).first()
    if notice is None:
        raise NotFound(_("No such notice."))
    if notice.state == DONE:
        raise PartnerError("notice", _("This notice is already done."))
    if notice.state == SENDING:
        raise PartnerError(
            "notice", _("This notice is being sent by webhook right now; look again in a minute.")
        )
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise PartnerError(
            "note", _("The note is too long: at most %(count)s characters.") % {"count": MAX_NOTE}
        )
    if note and (refusal := check_free_text(note)) is not None:
        raise PartnerError("note", _("The note %(problem)s.") % {"problem": refusal_text(refusal)})
    notice.state, notice.channel, notice.done_at, notice.done_by_id = DONE, "manual", now, actor.user_id
    notice.payload_blob, notice.next_attempt_at = None, None
    notice.note_blob = (
        rights.seal_for(notice.request, {"note": note}, _note_context(notice)) if note else None
    )
    notice.save(
        update_fields=[
            "state",
            "channel",
            "done_at",
            "done_by",
            "payload_blob",
            "next_attempt_at",
            "note_blob",
        ]
    )
    rights.record_step(
        notice.request,
        "partner_told",
        actor,
        now,
        partner=notice.partner_key,
        notice=str(notice.id),
        channel="manual",
        noted=bool(note),
    )
    record_notice_disclosure(notice, "manual", now, actor)
    return notice


def retry_failed(actor: Actor, *, now: datetime, notice_id: uuid.UUID | None = None) -> int:
    """Give failed notices a fresh set of webhook tries (after the partner fixed its endpoint)."""
    permissions.require(actor, permissions.HANDLE_REQUESTS)
    query = PartnerNotice.objects.filter(state=FAILED, payload_blob__isnull=False)
    if notice_id is not None:
        query = query.filter(pk=notice_id)
    count = query.update(state=PENDING, attempts=0, next_attempt_at=now, last_error="", last_status=None)
    if count:
        audit.record("partner.notice_retry", actor=actor.code, details={"count": count}, now=now)
    return count


# -- endpoints -----------------------------------------------------------------------------------------------
def _partner(key: str) -> Partner:
    policy = runtime.policy()
    partner = policy.partner(key)
    if partner is None:
        keys = ", ".join(p.key for p in policy.partners) or "–"
        raise PartnerError(
            "partner",
            _("“%(key)s” is not a partner of the policy file (partners: %(keys)s).")
            % {"key": key, "keys": keys},
        )
    return partner


def set_endpoint(
    actor: Actor,
    partner_key: str,
    url: str,
    *,
    now: datetime,
    secret: str | None = None,
    new_secret_wanted: bool = False,
    enabled: bool = True,
) -> tuple[PartnerEndpoint, str | None]:
    """Create or change a partner's webhook endpoint. Returns the endpoint and the secret when one was made here
    (shown once: give it to the partner); a given ``secret`` is stored, and an existing one is kept otherwise."""
    permissions.require(actor, permissions.MANAGE_PARTNERS)
    partner = _partner(partner_key)
    url = check_url(url)
    given = check_secret(secret.strip()) if secret and secret.strip() else None
    endpoint = PartnerEndpoint.objects.select_for_update().filter(partner_key=partner.key).first()
    made = None
    if given is None and (endpoint is None or new_secret_wanted):
        made = given = new_secret()
    if endpoint is None:
        endpoint = PartnerEndpoint(partner_key=partner.key, created_at=now, created_by_id=actor.user_id)
    if given is not None:
        endpoint.wrapped_key, endpoint.secret_blob = seal_secret(partner.key, given)
    endpoint.url, endpoint.enabled, endpoint.updated_at = url, enabled, now
    endpoint.save()
    audit.record(
        "partner.endpoint_set",
        actor=actor.code,
        target=partner.key,
        details={
            "partner": partner.key,
            "https": url.startswith("https://"),
            "enabled": enabled,
            "secret": "made" if made else "given" if given else "kept",
        },
        now=now,
    )
    return endpoint, made


def remove_endpoint(actor: Actor, partner_key: str, *, now: datetime) -> bool:
    """Remove a partner's endpoint (and its secret); its open notices then wait for the controller's tick."""
    permissions.require(actor, permissions.MANAGE_PARTNERS)
    removed, _by_model = PartnerEndpoint.objects.filter(partner_key=partner_key).delete()
    if removed:
        audit.record(
            "partner.endpoint_remove",
            actor=actor.code,
            target=partner_key,
            details={"partner": partner_key},
            now=now,
        )
    return bool(removed)


@dataclass(frozen=True, slots=True)
class PartnerRow:
    partner: Partner
    endpoint: PartnerEndpoint | None
    open: int
    failed: int

    @property
    def receives(self) -> list[str]:
        return sorted(self.partner.receives)


def partners_overview() -> list[PartnerRow]:
    """Each partner of the policy file with its endpoint (if any) and its open and failed notices."""
    endpoints = {e.partner_key: e for e in PartnerEndpoint.objects.all()}
    counts: dict[tuple[str, str], int] = {
        (r["partner_key"], r["state"]): r["n"]
        for r in PartnerNotice.objects.filter(state__in=OPEN_STATES)
        .values("partner_key", "state")
        .annotate(n=Count("id"))
    }
    rows = []
    for p in runtime.policy().partners:
        open_ = sum(counts.get((p.key, s), 0) for s in OPEN_STATES)
        rows.append(PartnerRow(p, endpoints.get(p.key), open_, counts.get((p.key, FAILED), 0)))
    return rows
