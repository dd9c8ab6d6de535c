"""Answering customers' requests (GDPR Art. 12–21; RULES R6–R12): one function per kind, and the letters around.

Each answer runs inside the caller's transaction (the web page, the API or the CLI opens it), checks that the
actor handles requests (the named permission ``handle_requests``) and — for the kinds that disclose or change
personal data — that the requester's identity was verified (R8, Art. 12(6)); then it does the work through the
register's and the retention's own functions, seals every letter and file it produces as a :class:`Document` of
the request, and closes the request with :func:`services.answer` and an outcome of codes and counts only. A letter is
drawn — HTML and PDF, from one context — right after the commit (:mod:`.printing`).

This module holds the answers that read or inform; those that change the register live beside it —
:mod:`.erasure`, :mod:`.restriction` (rectification, restriction, lifting) — over the shared :mod:`.steps`, and
are named here too, so that callers find every answer in one place.

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

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext

from persondata import runtime
from persondata.access import permissions
from persondata.access.actor import Actor
from persondata.audit import services as audit
from persondata.core import requests as rq
from persondata.core.calendar import legal_date
from persondata.core.formats import format_date
from persondata.core.requests import Kind, State
from persondata.requests import recipients, services
from persondata.requests.answers import documents, exports, held, letters, steps
from persondata.requests.answers.erasure import answer_erasure
from persondata.requests.answers.letters import Letter, Section, p, texts
from persondata.requests.answers.restriction import (
    RESTRICTION_REASONS,
    answer_lift_notice,
    answer_rectification,
    answer_restriction,
    lift_after_notice,
    restrict_pending_check,
)
from persondata.requests.answers.steps import Answer
from persondata.requests.models import Document, Request
from persondata.requests.services import RequestConflict, RequestError
from persondata.retention.explain import explain_customer

__all__ = [
    "RESTRICTION_REASONS",
    "AccessCopy",
    "Answer",
    "access_copy",
    "answer_access",
    "answer_erasure",
    "answer_information",
    "answer_lift_notice",
    "answer_no_data",
    "answer_objection",
    "answer_other",
    "answer_portability",
    "answer_rectification",
    "answer_restriction",
    "extension_notice",
    "lift_after_notice",
    "refusal_letter",
    "restrict_pending_check",
]


# -- information (Art. 13) -----------------------------------------------------------------------------------------
def answer_information(actor: Actor, request: Request, *, now: datetime) -> Answer:
    """The general information about the processing: a letter only, no customer data."""
    steps.begin(actor, request, Kind.INFORMATION, now=now, customer=False)
    lang = steps.lang_of(request)
    info = letters.information(runtime.policy(), lang)
    letter = Letter(
        "information", [texts(lang)["intro_information"]], letters.information_sections(info, lang)
    )
    docs = steps.write_letter(actor, request, letter, now=now)
    outcome = {"letter": True}
    steps.close(actor, request, outcome, docs, now=now)
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
    lang = steps.lang_of(request)
    h = held.read(actor, steps.customer_of(request), now=now)
    info = letters.information(runtime.policy(), lang)
    letters.this_customers_recipients(
        info, recipients.received_by(steps.customer_of(request))
    )  # Art. 15(1)(c)
    info["source_text"] = letters.source_text(h, lang)
    record = exports.access_record(
        h, info, reference=request.reference, received_on=request.received_on, now=now, lang=lang
    )
    return AccessCopy(h, info, record, exports.to_json(record))


def answer_access(actor: Actor, request: Request, *, now: datetime) -> Answer:
    """Access: letter (HTML, PDF) with the copy and every Art. 15 item, and the copy as JSON and CSV."""
    steps.begin(actor, request, Kind.ACCESS, now=now)
    lang = steps.lang_of(request)
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
                runtime.policy(),
                explain_customer(steps.customer_of(request), legal_date(now)),
                lang,
                legal_date(now),
            ),
            *letters.information_sections(info, lang, source=info["source_text"]),
        ],
    )
    docs = steps.write_letter(actor, request, letter, now=now)
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
    steps.close(actor, request, outcome, docs, now=now)
    return Answer(request, docs, outcome)


# -- no data held: a confirmation, not a refusal (Art. 15(1)) -----------------------------------------------------
def answer_no_data(actor: Actor, request: Request, *, now: datetime) -> Answer:
    """The requester is not a customer: confirm that no personal data about them is processed — the answer to
    Art. 15's first question — for any kind of request. Refused if the request is matched to a customer."""
    if not transaction.get_connection().in_atomic_block:
        raise audit.TransactionRequired("answers run inside the entry point's transaction")
    permissions.require(actor, permissions.HANDLE_REQUESTS)
    Request.objects.select_for_update().filter(pk=request.pk).values_list("pk", flat=True).get()
    request.refresh_from_db()
    if request.state not in rq.OPEN_STATES:
        raise services.closed(request)
    if request.customer_id is not None:
        raise RequestError(
            "customer", gettext("The request is matched to a customer whose data is held: answer it.")
        )
    lang = steps.lang_of(request)
    t = texts(lang)
    letter = Letter(
        "no_data",
        [t["no_data_p"].format(received=format_date(request.received_on, lang)), t["no_data_p2"]],
        [],
    )
    docs = steps.write_letter(actor, request, letter, now=now)
    outcome: dict[str, Any] = {
        "no_data": True,
        "documents": len(docs) + 2,
    }  # the letter, HTML and PDF, to come
    services.confirm_no_data(actor, request, outcome, now=now)
    return Answer(request, docs, outcome)


# -- portability (Art. 20, RULES R12) ----------------------------------------------------------------------------
def answer_portability(actor: Actor, request: Request, *, now: datetime) -> Answer:
    """The data the customer provided, as JSON (schema ``portability-v1``) and CSV, with a letter."""
    steps.begin(actor, request, Kind.PORTABILITY, now=now)
    lang = steps.lang_of(request)
    t = texts(lang)
    h = held.read(actor, steps.customer_of(request), now=now, history=False)
    record = exports.portability_record(h, runtime.policy(), reference=request.reference, now=now)
    letter = Letter(
        "portability",
        [
            t["intro_portability"].format(schema=exports.SCHEMA_ID, version=exports.SCHEMA_VERSION),
            t["portability_included"].format(orders=len(h.orders), agreements=len(h.agreements)),
            t["portability_excluded"],
        ],
    )
    docs = steps.write_letter(actor, request, letter, now=now)
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
    steps.close(actor, request, outcome, docs, now=now)
    return Answer(request, docs, outcome)


# -- objection (Art. 21) and other -------------------------------------------------------------------------------
def answer_objection(actor: Actor, request: Request, *, text: str, now: datetime) -> Answer:
    """The handler's answer to an objection, with the purposes and their legal basis for reference."""
    steps.begin(actor, request, Kind.OBJECTION, now=now)
    text = steps.free_text("text", text)
    lang = steps.lang_of(request)
    t = texts(lang)
    info = letters.information(runtime.policy(), lang)
    purposes = letters.information_sections(info, lang)[0]
    letter = Letter("objection", [t["intro_objection"]], [purposes, Section(t["h_answer"], (p(text),))])
    services.update_work(request, answer_text=text)
    docs = steps.write_letter(actor, request, letter, now=now)
    outcome = {"letter": True}
    steps.close(actor, request, outcome, docs, now=now)
    return Answer(request, docs, outcome)


def answer_other(actor: Actor, request: Request, *, text: str, now: datetime) -> Answer:
    """Any other enquiry about personal data: the handler's answer in a letter."""
    steps.begin(actor, request, Kind.OTHER, now=now, customer=False)
    text = steps.free_text("text", text)
    lang = steps.lang_of(request)
    t = texts(lang)
    services.update_work(request, answer_text=text)
    docs = steps.write_letter(
        actor, request, Letter("other", [t["intro_other"]], [Section(t["h_answer"], (p(text),))]), now=now
    )
    outcome = {"letter": True}
    steps.close(actor, request, outcome, docs, now=now)
    return Answer(request, docs, outcome)


# -- the letters after an extension (R6) and a refusal (R8) ------------------------------------------------------
def extension_notice(actor: Actor, request: Request, *, now: datetime) -> list[Document]:
    """After :func:`services.extend`: the customer is told of the extension, with reasons, and the new due date."""
    if not transaction.get_connection().in_atomic_block:
        raise audit.TransactionRequired("answers run inside the entry point's transaction")
    permissions.require(actor, permissions.HANDLE_REQUESTS)
    if not request.extension_months or request.extended_at is None:
        raise RequestError(
            "months", gettext("Extend the request first: the letter tells the customer of the extension.")
        )
    lang = steps.lang_of(request)
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
    docs = steps.write_letter(actor, request, letter, now=now, kind="extension_letter")
    services.record_step(request, "extension_told", actor, now, due_on=request.due_on.isoformat())
    return docs


def refusal_letter(actor: Actor, request: Request, *, now: datetime) -> list[Document]:
    """After :func:`services.refuse`: the reasons, the right to complain to Datatilsynet and to go to court."""
    if not transaction.get_connection().in_atomic_block:
        raise audit.TransactionRequired("answers run inside the entry point's transaction")
    permissions.require(actor, permissions.HANDLE_REQUESTS)
    if request.state != State.REFUSED.value:
        raise RequestConflict(
            "state", gettext("Refuse the request first: the letter tells the customer why.")
        )
    lang = steps.lang_of(request)
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
    docs = steps.write_letter(actor, request, letter, now=now, kind="refusal_letter")
    services.record_step(request, "refusal_told", actor, now, ground=request.refusal_ground)
    return docs
