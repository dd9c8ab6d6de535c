"""The answer to an erasure request (Art. 17, 19; RULES R4, R11): erase at once what is not accounting material,
keep the rest restricted to bookkeeping until the law lets it go, tell the partners, and say so in a letter with
the dates per financial year.

The erasing is :func:`persondata.retention.erasure.erase_customer_now` — the one deletion path the retention
sweep uses too; this module decides what the customer is told.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from persondata import runtime
from persondata.access.actor import Actor
from persondata.core.calendar import backups_unreadable_by, legal_date
from persondata.core.formats import format_date, months_in_words
from persondata.core.requests import Kind
from persondata.documents.privacy_policy import Block
from persondata.register.models import Customer
from persondata.register.restrictions import ERASURE_CATEGORIES, ERASURE_PURPOSES, restrict_customer
from persondata.requests.answers import letters, steps
from persondata.requests.answers.letters import Letter, Section, p, texts
from persondata.requests.models import Request
from persondata.retention import holds
from persondata.retention.erasure import ErasureResult, erase_customer_now


def _fy(klass: str) -> str:
    return klass.removeprefix("fy")


def answer_erasure(actor: Actor, request: Request, *, now: datetime) -> steps.Answer:
    """Erase at once what is not accounting material; keep and restrict the rest until the law lets it go."""
    steps.begin(actor, request, Kind.ERASURE, now=now)
    cid = steps.customer_of(request)
    lang = steps.lang_of(request)
    t = texts(lang)
    intro = [t["intro"].format(received=format_date(request.received_on, lang))]
    if not Customer.objects.filter(pk=cid).exists():
        intro.append(t["erasure_no_data"])
        docs = steps.write_letter(actor, request, Letter("erasure", intro), now=now)
        outcome: dict[str, Any] = {"no_data": True}
        steps.close(actor, request, outcome, docs, now=now)
        return steps.Answer(request, docs, outcome)
    held_whole = holds.holds_on([cid], legal_date(now)).customers.get(cid.hex)
    action = "restriction" if held_whole else "erasure"
    # the partners' notices are built now, while the customer number they identify the customer by still exists
    partners = steps.tell(actor, request, action, now=now)
    result = erase_customer_now(cid, actor=actor, now=now, reason_code="erasure_request")
    remains = Customer.objects.filter(pk=cid).exists()
    held_any = result.held_until is not None or result.held_records > 0
    if remains:
        restrict_customer(
            actor,
            cid,
            reason="erasure_request",
            purposes=ERASURE_PURPOSES,
            categories=steps.all_categories() if held_any else list(ERASURE_CATEGORIES),
            now=now,
        )
    intro += _what_happened(result, lang, legal_date(now))
    sections = [*_kept_section(result, lang), letters.partners_section(partners, action, lang)]
    docs = steps.write_letter(actor, request, Letter("erasure", intro, sections), now=now)
    outcome = {
        "erased": {k: v for k, v in sorted(result.erased.items()) if v},
        "kept": [{"year": _fy(k.klass), "delete_on": k.delete_on.isoformat()} for k in result.kept],
        "held": held_any,
        "customer_removed": not remains,
        "partners_told": len(partners),
    }
    steps.close(actor, request, outcome, docs, now=now)
    return steps.Answer(request, docs, outcome, partners)


def _what_happened(result: ErasureResult, lang: str, erased_on: date) -> list[str]:
    """The letter's paragraphs on what was erased, or held (a legal hold, Art. 17(3)(e)); with the day the
    erased data is unreadable in every backup (the key store's backup rotation, policy ``[backups]``)."""
    t = texts(lang)
    if result.held_until is not None:
        return [t["erasure_hold"].format(date=format_date(result.held_until, lang))]
    rotation = runtime.policy().backups.key_store_rotation_days
    out = [
        t["erasure_done"].format(
            orders=result.erased["orders"],
            agreements=result.erased["agreements"],
            backups_date=format_date(backups_unreadable_by(erased_on, rotation), lang),
        )
    ]
    if result.held_records:
        out.append(t["erasure_held_records"].format(n=result.held_records))
    if not result.kept:
        out.append(t["erasure_all_gone"])
    return out


def _kept_section(result: ErasureResult, lang: str) -> list[Section]:
    """RULES R4: per financial year, the accounting material kept, until when, and the day it is deleted."""
    if not result.kept:
        return []
    t = texts(lang)
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
    head = (t["head_fy"], t["head_invoices"], t["head_payments"], t["head_keep_until"], t["head_delete_on"])
    table = Block("table", head=head, rows=rows)
    return [Section(t["h_kept"], (p(t["erasure_kept"].format(years=years)), table), key="kept")]
