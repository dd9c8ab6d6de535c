"""Answering customers' requests (GDPR Art. 12–21; RULES R6–R12): one function per kind, and the letters around.

Each answer runs inside the caller's transaction (the web page, the API or the CLI opens it), checks that the
actor handles requests (:func:`services.require_handler`) and — for the kinds that disclose or change personal
data — that the requester's identity was verified (R8, Art. 12(6)); then it does the work through the register's
and the retention's own functions, seals every letter and file it produces as a :class:`Document` of the request,
and closes the request with :func:`services.answer` and an outcome of codes and counts only.

What each answer contains is written out in docs/requests.md ("Answers"). In short:

* **information** — the policy's information items (Art. 13), a letter.
* **access** — the copy of everything held, by category, read through ``show_customer`` (access-checked,
  access-logged for ``rights_requests``), with every Art. 15(1) item, the source (the import runs) and when and
  why the data was consulted, and by which role (CJEU C-579/21): letter (HTML, PDF), JSON, CSV.
* **portability** — the data the customer provided (R12): JSON (schema ``portability-v1``) and CSV; letter.
* **rectification** — :func:`persondata.register.rectify.rectify_customer`; partners told (R11); letter.
* **erasure** — :func:`persondata.retention.erasure.erase_customer_now`, the kept accounting material restricted to
  bookkeeping (R4); partners told; the letter says per financial year what is kept and the day it goes.
* **restriction** — restricted with the handler's reason; partners told; the customer is told before it is lifted
  (:func:`answer_lift_notice`, then :func:`lift_after_notice`; Art. 18(3)).
* **objection**, **other** — the handler's answer in a letter.
* :func:`extension_notice` and :func:`refusal_letter` — the letters after :func:`services.extend` and
  :func:`services.refuse` (R6, R8).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import transaction

from persondata import runtime
from persondata.access.actor import Actor
from persondata.audit import services as audit
from persondata.core import requests as rq
from persondata.core.calendar import legal_date
from persondata.core.formats import format_date, months_in_words
from persondata.core.requests import Kind, State
from persondata.core.sensitive import check_free_text
from persondata.documents.privacy_policy import Block
from persondata.register.models import Customer, Restriction
from persondata.register.rectify import ADDRESS_FIELDS, FIELDS, rectify_customer
from persondata.register.restrictions import (
    ERASURE_CATEGORIES,
    ERASURE_PURPOSES,
    lift_restriction,
    restrict_customer,
)
from persondata.requests import recipients, services
from persondata.requests.answers import documents, exports, held, letters
from persondata.requests.answers.letters import Letter, Section, p, texts
from persondata.requests.models import Document, Request
from persondata.requests.services import RequestError
from persondata.retention import holds
from persondata.retention.erasure import erase_customer_now
from persondata.retention.explain import explain_customer

#: The reasons a handler may give for a restriction asked for (Art. 18(1)); ``erasure_request`` is R4's own.
RESTRICTION_REASONS = ("accuracy_disputed", "unlawful", "legal_claims", "objection")
MAX_TEXT = 8000


@dataclass
class Answer:
    """What an answer produced: the documents (letter first) and the outcome stored on the request."""

    request: Request
    documents: list[Document]
    outcome: dict[str, Any]
    partners: list[tuple[str, str]] = field(default_factory=list)

    def document(self, kind: str, fmt: str) -> Document:
        return next(d for d in self.documents if d.kind == kind and d.fmt == fmt)


# -- common steps ------------------------------------------------------------------------------------------------
def _lang(request: Request) -> str:
    return request.language if request.language in ("da", "en") else "da"


def _begin(actor: Actor, request: Request, kind: Kind, *, now: datetime, customer: bool = True) -> None:
    """The checks every answer starts with; starts work on a request that needs no identity check."""
    if not transaction.get_connection().in_atomic_block:
        raise audit.TransactionRequired("answers run inside the entry point's transaction")
    services.require_handler(actor)
    # one answer per request: a second handler answering at the same moment waits, then finds it closed
    Request.objects.select_for_update().filter(pk=request.pk).values_list("pk", flat=True).get()
    request.refresh_from_db()
    if request.kind != kind.value:
        raise RequestError("kind", f"this request is for {request.kind}, not {kind.value}")
    if request.state not in rq.OPEN_STATES:
        raise RequestError("state", f"the request is {request.state}; it has already been closed")
    if kind in rq.IDENTITY_REQUIRED and request.identity_verified_at is None:
        raise RequestError(
            "identity", "verify the requester's identity before answering (GDPR Art. 12(6), RULES R8)"
        )
    if request.state == State.RECEIVED.value and kind not in rq.IDENTITY_REQUIRED:
        services.start(actor, request, now=now)
    if request.state != State.IN_PROGRESS.value:
        raise RequestError("state", f"the request is {request.state}; it cannot be answered yet")
    if customer and request.customer_id is None:
        raise RequestError("customer", "match the request to a customer first")


def _customer(request: Request) -> uuid.UUID:
    assert request.customer_id is not None  # checked by _begin
    return request.customer_id


def _free_text(name: str, text: str, *, required: bool = True) -> str:
    text = (text or "").strip()
    if required and not text:
        raise RequestError(name, "write the answer to the customer")
    if len(text) > MAX_TEXT:
        raise RequestError(name, f"is too long: at most {MAX_TEXT} characters")
    if text and (refusal := check_free_text(text)) is not None:
        raise RequestError(name, refusal.message)
    return text


def _letter(
    actor: Actor, request: Request, letter: Letter, *, now: datetime, kind: str = "letter", pdf: bool = True
) -> list[Document]:
    """Render the letter (HTML, and PDF from the same HTML) and keep both as documents of the request."""
    lang = _lang(request)
    html = letters.render_html(request, letter, services.requester(request), now)
    out = [documents.store(actor, request, kind, "html", html, language=lang, now=now)]
    if pdf:
        out.append(
            documents.store(actor, request, kind, "pdf", letters.render_pdf(html), language=lang, now=now)
        )
    return out


def _close(
    actor: Actor, request: Request, outcome: dict[str, Any], docs: list[Document], *, now: datetime
) -> None:
    outcome["documents"] = len(docs)
    services.answer(actor, request, outcome, now=now)


def _tell(
    actor: Actor, request: Request, action: str, *, now: datetime, changes: dict[str, Any] | None = None
) -> list[tuple[str, str]]:
    """RULES R11: a notice to every partner that received the data concerned (persondata.partners)."""
    return recipients.tell(request, action, now=now, changes=changes, actor=actor)


def _all_categories() -> list[str]:
    return list(runtime.policy().categories)


def _keep_erasure_restriction(customer_id: uuid.UUID) -> None:
    """A new restriction would replace the one that keeps accounting material after an erasure (RULES R4)."""
    if Restriction.objects.filter(
        customer_id=customer_id, lifted_at__isnull=True, reason="erasure_request"
    ).exists():
        raise RequestError(
            "restriction",
            "the customer's data was erased; what the law keeps is already restricted to bookkeeping (RULES R4)",
        )


def _note_section(note: str, lang: str) -> list[Section]:
    return [Section(texts(lang)["h_note"], (p(note),))] if note else []


# -- information (Art. 13) -----------------------------------------------------------------------------------------
def answer_information(actor: Actor, request: Request, *, now: datetime) -> Answer:
    """The general information about the processing: a letter only, no customer data."""
    _begin(actor, request, Kind.INFORMATION, now=now, customer=False)
    lang = _lang(request)
    info = letters.information(runtime.policy(), lang)
    letter = Letter(
        "information", [texts(lang)["intro_information"]], letters.information_sections(info, lang)
    )
    docs = _letter(actor, request, letter, now=now)
    outcome = {"letter": True}
    _close(actor, request, outcome, docs, now=now)
    return Answer(request, docs, outcome)


# -- access (Art. 15, RULES R9) ----------------------------------------------------------------------------------
@dataclass
class AccessCopy:
    held: held.Held
    information: dict[str, Any]
    record: dict[str, Any]
    json: bytes


def access_copy(actor: Actor, request: Request, *, now: datetime) -> AccessCopy:
    """Read everything held (access-checked and logged) and build the access JSON; used by :func:`answer_access`."""
    held.require_complete(actor)
    lang = _lang(request)
    h = held.read(actor, _customer(request), now=now)
    info = letters.information(runtime.policy(), lang)
    letters.this_customers_recipients(info, recipients.received_by(_customer(request)))  # Art. 15(1)(c)
    info["source_text"] = letters.source_text(h, lang)
    record = exports.access_record(
        h, info, reference=request.reference, received_on=request.received_on, now=now, lang=lang
    )
    return AccessCopy(h, info, record, exports.to_json(record))


def answer_access(actor: Actor, request: Request, *, now: datetime, pdf: bool = True) -> Answer:
    """Access: letter (HTML, PDF) with the copy and every Art. 15 item, and the copy as JSON and CSV."""
    _begin(actor, request, Kind.ACCESS, now=now)
    lang = _lang(request)
    copy = access_copy(actor, request, now=now)
    h, info = copy.held, copy.information
    letter = Letter(
        "access",
        [texts(lang)["intro_access"]],
        [
            *letters.data_sections(h, info, lang),
            letters.history_section(h, info, lang),
            # Art. 15(1)(d): this customer's own deletion dates, per category and financial year
            letters.deletion_dates_section(
                runtime.policy(), explain_customer(_customer(request), legal_date(now)), lang, legal_date(now)
            ),
            *letters.information_sections(info, lang, source=info["source_text"]),
        ],
    )
    docs = _letter(actor, request, letter, now=now, pdf=pdf)
    docs.append(documents.store(actor, request, "access_json", "json", copy.json, language=lang, now=now))
    docs.append(
        documents.store(
            actor, request, "access_csv", "csv", exports.to_csv(copy.record), language=lang, now=now
        )
    )
    outcome = {
        "orders": len(h.orders),
        "agreements": len(h.agreements),
        "invoices": len(h.invoices),
        "payments": len(h.payments),
        "contact": h.contact is not None,
        "access_events": len(h.history),
        "restricted": h.restricted,
    }
    _close(actor, request, outcome, docs, now=now)
    return Answer(request, docs, outcome)


# -- no data held: a confirmation, not a refusal (Art. 15(1)) -----------------------------------------------------
def answer_no_data(actor: Actor, request: Request, *, now: datetime, pdf: bool = True) -> Answer:
    """The requester is not a customer: confirm that no personal data about them is processed — the answer to
    Art. 15's first question — for any kind of request. Refused if the request is matched to a customer."""
    if not transaction.get_connection().in_atomic_block:
        raise audit.TransactionRequired("answers run inside the entry point's transaction")
    services.require_handler(actor)
    Request.objects.select_for_update().filter(pk=request.pk).values_list("pk", flat=True).get()
    request.refresh_from_db()
    if request.state not in rq.OPEN_STATES:
        raise RequestError("state", f"the request is {request.state}; it has already been closed")
    if request.customer_id is not None:
        raise RequestError("customer", "the request is matched to a customer whose data is held; answer it")
    lang = _lang(request)
    t = texts(lang)
    letter = Letter(
        "no_data",
        [t["no_data_p"].format(received=format_date(request.received_on, lang)), t["no_data_p2"]],
        [],
    )
    docs = _letter(actor, request, letter, now=now, pdf=pdf)
    outcome: dict[str, Any] = {"no_data": True, "documents": len(docs)}
    services.confirm_no_data(actor, request, outcome, now=now)
    return Answer(request, docs, outcome)


# -- portability (Art. 20, RULES R12) ----------------------------------------------------------------------------
def answer_portability(actor: Actor, request: Request, *, now: datetime) -> Answer:
    """The data the customer provided, as JSON (schema ``portability-v1``) and CSV, with a letter."""
    _begin(actor, request, Kind.PORTABILITY, now=now)
    lang = _lang(request)
    t = texts(lang)
    h = held.read(actor, _customer(request), now=now, history=False)
    record = exports.portability_record(h, runtime.policy(), reference=request.reference, now=now)
    letter = Letter(
        "portability",
        [
            t["intro_portability"].format(schema=exports.SCHEMA_ID, version=exports.SCHEMA_VERSION),
            t["portability_included"].format(orders=len(h.orders), agreements=len(h.agreements)),
            t["portability_excluded"],
        ],
    )
    docs = _letter(actor, request, letter, now=now)
    docs.append(
        documents.store(
            actor, request, "portability_json", "json", exports.to_json(record), language=lang, now=now
        )
    )
    docs.append(
        documents.store(
            actor, request, "portability_csv", "csv", exports.to_csv(record), language=lang, now=now
        )
    )
    outcome = {
        "orders": len(h.orders),
        "agreements": len(h.agreements),
        "schema_version": exports.SCHEMA_VERSION,
    }
    _close(actor, request, outcome, docs, now=now)
    return Answer(request, docs, outcome)


# -- rectification (Art. 16, 18(1)(a), 19; RULES R10, R11) ---------------------------------------------------------
def restrict_pending_check(actor: Actor, request: Request, *, now: datetime) -> list[tuple[str, str]]:
    """The customer disputes the accuracy of their data: restrict it while it is checked (Art. 18(1)(a)).

    Only this request's handling and the bookkeeping act may read the data meanwhile; the partners are told.
    The request stays open; :func:`answer_rectification` settles it and lifts the restriction with notice.
    """
    _begin(actor, request, Kind.RECTIFICATION, now=now)
    _keep_erasure_restriction(_customer(request))
    restrict_customer(
        actor,
        _customer(request),
        reason="accuracy_disputed",
        purposes=ERASURE_PURPOSES,
        categories=_all_categories(),
        now=now,
    )
    services.record_step(request, "restricted", actor, now, reason="accuracy_disputed")
    return _tell(actor, request, "restriction", now=now)


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
) -> Answer:
    """Correct the contact data (``changes``: field → corrected value, fields as in ``rectify.FIELDS``).

    Bad values raise :class:`persondata.register.rectify.RectifyError` naming each field. No change (the data
    was right) is an answer too. A restriction placed while the data was checked is lifted, the letter being the
    customer's notice of it (Art. 18(3)).
    """
    _begin(actor, request, Kind.RECTIFICATION, now=now)
    note = _free_text("note", note, required=False)
    cid = _customer(request)
    lang = _lang(request)
    t = texts(lang)
    result = rectify_customer(held.for_requests(actor), cid, changes, now=now)
    services.update_work(request, corrections={k: changes[k] for k in FIELDS if k in changes})
    partners: list[tuple[str, str]] = []
    if result.changed:
        changed = _partner_changes(result.contact, result.changed)
        partners = _tell(actor, request, "rectification", now=now, changes=changed)
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
    sections += _note_section(note, lang)
    if result.changed:
        sections.append(letters.partners_section(partners, "rectification", lang))
    if pending:
        sections.append(Section(t["h_lift"], (p(t["rect_lift"]),)))
    docs = _letter(actor, request, Letter("rectification", intro, sections), now=now)
    if pending:
        lift_restriction(actor, cid, customer_told_on=legal_date(now), now=now)
        services.record_step(request, "restriction_lifted", actor, now, reason="accuracy_disputed")
        _tell(actor, request, "restriction_lifted", now=now)
    outcome = {
        "fields": list(result.changed),
        "changed": len(result.changed),
        "partners_told": len(partners),
        "restriction_lifted": pending,
    }
    _close(actor, request, outcome, docs, now=now)
    return Answer(request, docs, outcome, partners)


# -- erasure (Art. 17, 19; RULES R4, R11) ------------------------------------------------------------------------
def _fy(klass: str) -> str:
    return klass.removeprefix("fy")


def answer_erasure(actor: Actor, request: Request, *, now: datetime, pdf: bool = True) -> Answer:
    """Erase at once what is not accounting material; keep and restrict the rest until the law lets it go.

    ``pdf=False`` keeps the letter as HTML only (as :func:`answer_access`), e.g. for a caller that prints later.
    """
    _begin(actor, request, Kind.ERASURE, now=now)
    cid = _customer(request)
    lang = _lang(request)
    t = texts(lang)
    intro = [t["intro"].format(received=format_date(request.received_on, lang))]
    sections: list[Section] = []
    if not Customer.objects.filter(pk=cid).exists():
        intro.append(t["erasure_no_data"])
        docs = _letter(actor, request, Letter("erasure", intro), now=now)
        outcome: dict[str, Any] = {"no_data": True}
        _close(actor, request, outcome, docs, now=now)
        return Answer(request, docs, outcome)
    held_whole = holds.holds_on([cid], legal_date(now)).customers.get(cid.hex)
    # the partners' notices are built now, while the customer number they identify the customer by still exists
    partners = _tell(actor, request, "restriction" if held_whole else "erasure", now=now)
    result = erase_customer_now(cid, actor=actor, now=now, reason_code="erasure_request")
    remains = Customer.objects.filter(pk=cid).exists()
    held_any = result.held_until is not None or result.held_records > 0
    if remains:
        restrict_customer(
            actor,
            cid,
            reason="erasure_request",
            purposes=ERASURE_PURPOSES,
            categories=_all_categories() if held_any else list(ERASURE_CATEGORIES),
            now=now,
        )
    if result.held_until is not None:
        intro.append(t["erasure_hold"].format(date=format_date(result.held_until, lang)))
    else:
        intro.append(
            t["erasure_done"].format(orders=result.erased["orders"], agreements=result.erased["agreements"])
        )
        if result.held_records:
            intro.append(t["erasure_held_records"].format(n=result.held_records))
    if result.kept:
        years = months_in_words(12 * runtime.policy().retention.bookkeeping_years, lang)
        rows = tuple(
            (
                _fy(k.klass),
                str(k.invoices),
                str(k.payments),
                format_date(k.keep_until, lang),
                format_date(k.delete_on, lang),
            )
            for k in result.kept
        )
        sections.append(
            Section(
                t["h_kept"],
                (
                    p(t["erasure_kept"].format(years=years)),
                    Block(
                        "table",
                        head=(
                            t["head_fy"],
                            t["head_invoices"],
                            t["head_payments"],
                            t["head_keep_until"],
                            t["head_delete_on"],
                        ),
                        rows=rows,
                    ),
                ),
                key="kept",
            )
        )
    elif result.held_until is None:
        intro.append(t["erasure_all_gone"])
    sections.append(letters.partners_section(partners, "restriction" if held_whole else "erasure", lang))
    docs = _letter(actor, request, Letter("erasure", intro, sections), now=now, pdf=pdf)
    outcome = {
        "erased": {k: v for k, v in sorted(result.erased.items()) if v},
        "kept": [{"year": _fy(k.klass), "delete_on": k.delete_on.isoformat()} for k in result.kept],
        "held": held_any,
        "customer_removed": not remains,
        "partners_told": len(partners),
    }
    _close(actor, request, outcome, docs, now=now)
    return Answer(request, docs, outcome, partners)


# -- restriction (Art. 18, 19; RULES R10, R11) -------------------------------------------------------------------
def answer_restriction(
    actor: Actor, request: Request, *, reason: str, now: datetime, note: str = ""
) -> Answer:
    """Restrict the processing of all the customer's data with the handler's reason (Art. 18(1)(a)–(d))."""
    _begin(actor, request, Kind.RESTRICTION, now=now)
    if reason not in RESTRICTION_REASONS:
        raise RequestError("reason", f"must be one of {', '.join(RESTRICTION_REASONS)}")
    note = _free_text("note", note, required=False)
    _keep_erasure_restriction(_customer(request))
    lang = _lang(request)
    t = texts(lang)
    restrict_customer(
        actor,
        _customer(request),
        reason=reason,
        purposes=ERASURE_PURPOSES,
        categories=_all_categories(),
        now=now,
    )
    partners = _tell(actor, request, "restriction", now=now)
    intro = [
        t["intro"].format(received=format_date(request.received_on, lang)),
        t["restriction_done"].format(reason=t[f"reason_{reason}"]),
    ]
    sections = [*_note_section(note, lang), letters.partners_section(partners, "restriction", lang)]
    docs = _letter(actor, request, Letter("restriction", intro, sections), now=now)
    outcome = {"reason": reason, "partners_told": len(partners)}
    _close(actor, request, outcome, docs, now=now)
    return Answer(request, docs, outcome, partners)


def _active_restriction(request: Request) -> Restriction:
    if request.customer_id is None:
        raise RequestError("customer", "the request is not matched to a customer")
    restriction = (
        Restriction.objects.filter(customer_id=request.customer_id, lifted_at__isnull=True)
        .order_by("-created_at")
        .first()
    )
    if restriction is None:
        raise RequestError("restriction", "the customer's data is not restricted")
    if restriction.reason == "erasure_request":
        raise RequestError(
            "restriction",
            "kept accounting material stays restricted to bookkeeping after an erasure (RULES R4); it is not lifted",
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
    services.require_handler(actor)
    restriction = _active_restriction(request)
    if lift_on < legal_date(now):
        raise RequestError(
            "lift_on", "must be today or later: the customer is told before the restriction is lifted"
        )
    reasons = _free_text("reasons", reasons)
    lang = _lang(request)
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
    docs = _letter(actor, request, letter, now=now, kind="lift_notice")
    services.update_work(request, lift_on=lift_on.isoformat(), lift_reasons=reasons)
    services.record_step(request, "lift_notice", actor, now, lift_on=lift_on.isoformat())
    return docs


def lift_after_notice(actor: Actor, request: Request, *, now: datetime) -> int:
    """Lift the restriction the customer was told about (:func:`answer_lift_notice`), on or after the day given."""
    if not transaction.get_connection().in_atomic_block:
        raise audit.TransactionRequired("answers run inside the entry point's transaction")
    services.require_handler(actor)
    _active_restriction(request)
    notice = request.documents.filter(kind="lift_notice").order_by("-created_at").first()
    if notice is None:
        raise RequestError("notice", "tell the customer first: produce the lift notice (GDPR Art. 18(3))")
    lift_on = date.fromisoformat(str(services.work(request).get("lift_on")))
    if legal_date(now) < lift_on:
        raise RequestError(
            "lift_on", f"the customer was told the restriction is lifted on {lift_on.isoformat()}"
        )
    lifted = lift_restriction(
        actor, _customer(request), customer_told_on=legal_date(notice.created_at), now=now
    )
    services.record_step(request, "restriction_lifted", actor, now, lifted=lifted)
    _tell(actor, request, "restriction_lifted", now=now)
    return lifted


# -- objection (Art. 21) and other -------------------------------------------------------------------------------
def answer_objection(actor: Actor, request: Request, *, text: str, now: datetime) -> Answer:
    """The handler's answer to an objection, with the purposes and their legal basis for reference."""
    _begin(actor, request, Kind.OBJECTION, now=now)
    text = _free_text("text", text)
    lang = _lang(request)
    t = texts(lang)
    info = letters.information(runtime.policy(), lang)
    purposes = letters.information_sections(info, lang)[0]
    letter = Letter("objection", [t["intro_objection"]], [purposes, Section(t["h_answer"], (p(text),))])
    services.update_work(request, answer_text=text)
    docs = _letter(actor, request, letter, now=now)
    outcome = {"letter": True}
    _close(actor, request, outcome, docs, now=now)
    return Answer(request, docs, outcome)


def answer_other(actor: Actor, request: Request, *, text: str, now: datetime) -> Answer:
    """Any other enquiry about personal data: the handler's answer in a letter."""
    _begin(actor, request, Kind.OTHER, now=now, customer=False)
    text = _free_text("text", text)
    lang = _lang(request)
    t = texts(lang)
    services.update_work(request, answer_text=text)
    docs = _letter(
        actor, request, Letter("other", [t["intro_other"]], [Section(t["h_answer"], (p(text),))]), now=now
    )
    outcome = {"letter": True}
    _close(actor, request, outcome, docs, now=now)
    return Answer(request, docs, outcome)


# -- the letters after an extension (R6) and a refusal (R8) ------------------------------------------------------
def extension_notice(actor: Actor, request: Request, *, now: datetime) -> list[Document]:
    """After :func:`services.extend`: the customer is told of the extension, with reasons, and the new due date."""
    if not transaction.get_connection().in_atomic_block:
        raise audit.TransactionRequired("answers run inside the entry point's transaction")
    services.require_handler(actor)
    if not request.extension_months or request.extended_at is None:
        raise RequestError(
            "months", "extend the request first; the letter tells the customer of the extension"
        )
    lang = _lang(request)
    t = texts(lang)
    reasons = str(services.work(request).get("extension_reasons", ""))
    letter = Letter(
        "extension",
        [
            t["extension_p"].format(
                received=format_date(request.received_on, lang),
                months=letters.extension_words(request.extension_months, lang),
                due=format_date(request.due_on, lang),
            )
        ],
        [Section(t["h_why"], (p(reasons),))],
    )
    docs = _letter(actor, request, letter, now=now, kind="extension_letter")
    services.record_step(request, "extension_told", actor, now, due_on=request.due_on.isoformat())
    return docs


def refusal_letter(actor: Actor, request: Request, *, now: datetime) -> list[Document]:
    """After :func:`services.refuse`: the reasons, the right to complain to Datatilsynet and to go to court."""
    if not transaction.get_connection().in_atomic_block:
        raise audit.TransactionRequired("answers run inside the entry point's transaction")
    services.require_handler(actor)
    if request.state != State.REFUSED.value:
        raise RequestError("state", "refuse the request first; the letter tells the customer why")
    lang = _lang(request)
    t = texts(lang)
    from persondata.requests.answers.letter_texts import DATATILSYNET

    reasons = str(services.work(request).get("refusal_reasons", ""))
    ground = t.get(f"ground_{request.refusal_ground}", request.refusal_ground)
    letter = Letter(
        "refusal",
        [t["refusal_p"].format(received=format_date(request.received_on, lang), ground=ground)],
        [
            Section(t["h_why"], (p(reasons),)),
            Section(
                t["h_complaint"],
                (p(t["refusal_complaint"].format(**DATATILSYNET)), p(t["refusal_court"])),
            ),
        ],
    )
    docs = _letter(actor, request, letter, now=now, kind="refusal_letter")
    services.record_step(request, "refusal_told", actor, now, ground=request.refusal_ground)
    return docs
