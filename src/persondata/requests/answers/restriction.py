"""The answers about accuracy and restriction (Art. 16, 18, 19; RULES R10, R11): rectification, the restriction
while accuracy is checked, a restriction asked for, and lifting a restriction only after the customer was told
(Art. 18(3): :func:`answer_lift_notice`, then :func:`lift_after_notice`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext

from persondata import runtime
from persondata.access import permissions
from persondata.access.actor import Actor
from persondata.audit import services as audit
from persondata.core.calendar import legal_date
from persondata.core.formats import format_date
from persondata.core.requests import Kind
from persondata.documents.privacy_policy import Block
from persondata.register.models import Restriction
from persondata.register.rectify import ADDRESS_FIELDS, FIELDS, rectify_customer
from persondata.register.restrictions import ERASURE_PURPOSES, lift_restriction, restrict_customer
from persondata.requests import services
from persondata.requests.answers import held, letters, steps
from persondata.requests.answers.letters import Letter, Section, p, texts
from persondata.requests.models import Document, Request
from persondata.requests.services import RequestError

#: The reasons a handler may give for a restriction asked for (Art. 18(1)); ``erasure_request`` is R4's own.
RESTRICTION_REASONS = ("accuracy_disputed", "unlawful", "legal_claims", "objection")


# -- rectification (Art. 16, 18(1)(a), 19; RULES R10, R11) ---------------------------------------------------------
def restrict_pending_check(actor: Actor, request: Request, *, now: datetime) -> list[tuple[str, str]]:
    """The customer disputes the accuracy of their data: restrict it while it is checked (Art. 18(1)(a)).

    Only this request's handling and the bookkeeping act may read the data meanwhile; the partners are told.
    The request stays open; :func:`answer_rectification` settles it and lifts the restriction with notice.
    """
    steps.begin(actor, request, Kind.RECTIFICATION, now=now)
    steps.keep_erasure_restriction(steps.customer_of(request))
    restrict_customer(
        actor,
        steps.customer_of(request),
        reason="accuracy_disputed",
        purposes=ERASURE_PURPOSES,
        categories=steps.all_categories(),
        now=now,
    )
    services.record_step(request, "restricted", actor, now, reason="accuracy_disputed")
    return steps.tell(actor, request, "restriction", now=now)


def _partner_changes(contact: dict[str, Any], changed: tuple[str, ...]) -> dict[str, Any]:
    """The corrections in the policy file's field names (``address`` is one field: street, postcode, city …)."""
    out: dict[str, Any] = {}
    for name in changed:
        if name in ADDRESS_FIELDS:
            out["address"] = dict(contact.get("address") or {})
        else:
            out[name] = contact.get(name)
    return out


def answer_rectification(
    actor: Actor, request: Request, changes: dict[str, str], *, now: datetime, note: str = ""
) -> steps.Answer:
    """Correct the contact data (``changes``: field → corrected value, fields as in ``rectify.FIELDS``).

    Bad values raise :class:`persondata.register.rectify.RectifyError` naming each field. No change (the data
    was right) is an answer too. A restriction placed while the data was checked is lifted, the letter being the
    customer's notice of it (Art. 18(3)).
    """
    steps.begin(actor, request, Kind.RECTIFICATION, now=now)
    note = steps.free_text("note", note, required=False)
    cid = steps.customer_of(request)
    lang = steps.lang_of(request)
    t = texts(lang)
    result = rectify_customer(held.for_requests(actor), cid, changes, now=now)
    services.update_work(request, corrections={k: changes[k] for k in FIELDS if k in changes})
    partners: list[tuple[str, str]] = []
    if result.changed:
        changed = _partner_changes(result.contact, result.changed)
        partners = steps.tell(actor, request, "rectification", now=now, changes=changed)
    pending = Restriction.objects.filter(
        customer_id=cid, lifted_at__isnull=True, reason="accuracy_disputed"
    ).exists()
    intro: list[str] = [t["intro"].format(received=format_date(request.received_on, lang))]
    sections: list[Section] = []
    if result.changed:
        intro.append(t["rect_done"].format(fields=", ".join(t[f"field_{f}"] for f in result.changed)))
        address = result.contact.get("address") or {}
        now_pairs = tuple(
            (
                t[f"field_{f}"].capitalize(),
                str((address if f in ADDRESS_FIELDS else result.contact).get(f) or ""),
            )
            for f in FIELDS
            if f in result.changed
        )
        intro.append(t["rect_now"])
        sections.append(Section(t["h_contact"], (Block("dl", pairs=now_pairs), p(t["rect_invoices"]))))
    else:
        intro.append(t["rect_none"])
    sections += steps.note_section(note, lang)
    if result.changed:
        sections.append(letters.partners_section(partners, "rectification", lang))
    if pending:
        sections.append(Section(t["h_lift"], (p(t["rect_lift"]),)))
    docs = steps.write_letter(actor, request, Letter("rectification", intro, sections), now=now)
    if pending:
        lift_restriction(actor, cid, customer_told_on=legal_date(now), now=now)
        services.record_step(request, "restriction_lifted", actor, now, reason="accuracy_disputed")
        steps.tell(actor, request, "restriction_lifted", now=now)
    outcome = {
        "fields": list(result.changed),
        "changed": len(result.changed),
        "partners_told": len(partners),
        "restriction_lifted": pending,
    }
    steps.close(actor, request, outcome, docs, now=now)
    return steps.Answer(request, docs, outcome, partners)


# -- restriction (Art. 18, 19; RULES R10, R11) -------------------------------------------------------------------
def answer_restriction(
    actor: Actor, request: Request, *, reason: str, now: datetime, note: str = ""
) -> steps.Answer:
    """Restrict the processing of all the customer's data with the handler's reason (Art. 18(1)(a)–(d))."""
    steps.begin(actor, request, Kind.RESTRICTION, now=now)
    if reason not in RESTRICTION_REASONS:
        raise RequestError(
            "reason",
            gettext("Choose the reason for the restriction: one of %(reasons)s.")
            % {"reasons": ", ".join(RESTRICTION_REASONS)},
        )
    note = steps.free_text("note", note, required=False)
    steps.keep_erasure_restriction(steps.customer_of(request))
    lang = steps.lang_of(request)
    t = texts(lang)
    restrict_customer(
        actor,
        steps.customer_of(request),
        reason=reason,
        purposes=ERASURE_PURPOSES,
        categories=steps.all_categories(),
        now=now,
    )
    partners = steps.tell(actor, request, "restriction", now=now)
    intro = [
        t["intro"].format(received=format_date(request.received_on, lang)),
        t["restriction_done"].format(reason=t[f"reason_{reason}"]),
    ]
    sections = [*steps.note_section(note, lang), letters.partners_section(partners, "restriction", lang)]
    docs = steps.write_letter(actor, request, Letter("restriction", intro, sections), now=now)
    outcome = {"reason": reason, "partners_told": len(partners)}
    steps.close(actor, request, outcome, docs, now=now)
    return steps.Answer(request, docs, outcome, partners)


def _active_restriction(request: Request) -> Restriction:
    if request.customer_id is None:
        raise RequestError("customer", gettext("The request is not matched to a customer."))
    restriction = (
        Restriction.objects.filter(customer_id=request.customer_id, lifted_at__isnull=True)
        .order_by("-created_at")
        .first()
    )
    if restriction is None:
        raise RequestError("restriction", gettext("The customer's data is not restricted."))
    if restriction.reason == "erasure_request":
        raise RequestError(
            "restriction",
            gettext(
                "Kept accounting material stays restricted to bookkeeping after an erasure: it is not lifted."
            ),
        )
    return restriction


def answer_lift_notice(
    actor: Actor, request: Request, *, lift_on: date, reasons: str, now: datetime
) -> list[Document]:
    """Art. 18(3): tell the customer, before it happens, that the restriction will be lifted on ``lift_on``.

    The request may already be closed (the restriction was its answer); the notice is a document of it.
    """
    if not transaction.get_connection().in_atomic_block:
        raise audit.TransactionRequired("answers run inside the entry point's transaction")
    permissions.require(actor, permissions.HANDLE_REQUESTS)
    restriction = _active_restriction(request)
    if lift_on < legal_date(now):
        raise RequestError(
            "lift_on",
            gettext("The day the restriction is lifted must be today or later: the customer is told before."),
        )
    reasons = steps.free_text("reasons", reasons)
    lang = steps.lang_of(request)
    t = texts(lang)
    letter = Letter(
        "lift_notice",
        [
            t["lift_p"].format(
                reason=t.get(f"reason_{restriction.reason}", restriction.reason),
                date=format_date(lift_on, lang),
            )
        ],
        [Section(t["h_why"], (p(reasons),))],
    )
    docs = steps.write_letter(actor, request, letter, now=now, kind="lift_notice")
    # the day the customer is told: the letter itself is drawn after the commit (printing)
    told_on = legal_date(now).isoformat()
    services.update_work(request, lift_on=lift_on.isoformat(), lift_reasons=reasons, lift_told_on=told_on)
    services.record_step(request, "lift_notice", actor, now, lift_on=lift_on.isoformat())
    return docs


def _told_on(request: Request, work: dict[str, Any]) -> date | None:
    """The day the customer was told of the lifting, or None if they were not."""
    if work.get("lift_told_on"):
        return date.fromisoformat(str(work["lift_told_on"]))
    # a notice from before its letter was drawn after the commit: the letter's own date
    notice = request.documents.filter(kind="lift_notice", fmt="html").order_by("-created_at").first()
    return legal_date(notice.created_at) if notice is not None else None


def lift_after_notice(actor: Actor, request: Request, *, now: datetime) -> int:
    """Lift the restriction the customer was told about (:func:`answer_lift_notice`), on or after the day given."""
    if not transaction.get_connection().in_atomic_block:
        raise audit.TransactionRequired("answers run inside the entry point's transaction")
    permissions.require(actor, permissions.HANDLE_REQUESTS)
    _active_restriction(request)
    work = services.work(request)
    told_on = _told_on(request, work)
    if told_on is None:
        raise RequestError(
            "notice", gettext("Tell the customer first: produce the lift notice (GDPR Art. 18(3)).")
        )
    lift_on = date.fromisoformat(str(work.get("lift_on")))
    if legal_date(now) < lift_on:
        raise RequestError(
            "lift_on",
            gettext("The customer was told that the restriction is lifted on %(day)s.")
            % {"day": format_date(lift_on, runtime.language())},
        )
    lifted = lift_restriction(actor, steps.customer_of(request), customer_told_on=told_on, now=now)
    services.record_step(request, "restriction_lifted", actor, now, lifted=lifted)
    steps.tell(actor, request, "restriction_lifted", now=now)
    return lifted
