"""The letters that answer customers' requests: built as sections of simple blocks, printed from one template.

As with the published policy (``persondata.documents.privacy_policy``), a letter is data first — sections of
paragraphs, lists, definition lists and tables, in the request's language — and
``requests/answers/letter.html`` only lays it out as HTML, ``requests/answers/letter.typ`` as PDF (printed
by Typst from the same context, read as JSON data: :mod:`persondata.documents.typst_pdf`). The information
items every answer may need (purposes and legal basis, categories, recipients, retention, rights, the complaint
route, no automated decisions) come from the policy file through :func:`information`, which the access answer's
JSON uses too, so letter and file say the same.

A letter names only the requester (as they gave their details) and, for an access answer, the customer's own data:
it is built from one customer's records and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string

from persondata import runtime
from persondata.core.calendar import legal_date
from persondata.core.formats import format_date, format_datetime, money, months_in_words
from persondata.core.policy import Policy
from persondata.documents import typst_pdf
from persondata.documents.policy_texts import COUNTRIES
from persondata.documents.policy_texts import TEXTS as POLICY_TEXTS
from persondata.documents.privacy_policy import (
    RIGHTS,
    Block,
    accounting_paragraph,
    accounting_period,
    claims_paragraph,
    transfer_sentences,
)
from persondata.requests.answers.held import Held
from persondata.requests.answers.letter_texts import DATATILSYNET, TEXTS
from persondata.requests.models import Request


@dataclass(frozen=True)
class Section:
    title: str
    blocks: tuple[Block, ...]
    level: int = 2  # 2: a heading of the letter; 3: a sub-heading (the categories of an access answer)
    key: str = ""  # a CSS class: the column widths of the section's table (tables are laid out fixed)


@dataclass
class Letter:
    kind: str  # the kind of request, or extension | refusal | lift_notice
    intro: list[str] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)


def texts(lang: str) -> dict[str, str]:
    return TEXTS[lang] if lang in TEXTS else TEXTS["da"]


def p(text: str) -> Block:
    return Block("p", text=text)


def day(value: date | None, lang: str) -> str:
    return format_date(value, lang) if value is not None else ""


def order_line(line: dict[str, Any], currency: str, lang: str) -> str:
    """``2 × V1000 Servicebesøg à 250,00 kr.``."""
    what = " ".join(str(x) for x in (line.get("sku"), line.get("description")) if x)
    price = money(line.get("unit_price_ore"), currency, lang)
    each = "à" if lang == "da" else "at"
    return f"{line.get('quantity') or 0} × {what}" + (f" {each} {price}" if price else "")


def address_line(block: dict[str, Any] | None, *, with_name: bool = False) -> str:
    block = block or {}
    place = " ".join(x for x in (block.get("postcode"), block.get("city")) if x)
    parts = [block.get("name") if with_name else None, block.get("street"), place]
    country = block.get("country")
    if country and country != "DK":
        parts.append(country)
    return ", ".join(str(x) for x in parts if x)


# -- the information items (Art. 13, Art. 15(1)) ----------------------------------------------------------------
def information(policy: Policy, lang: str) -> dict[str, Any]:
    """Purposes and legal basis, categories, recipients, retention, rights, complaint, no automated decisions."""
    pt = POLICY_TEXTS[lang]
    t = texts(lang)
    cats = policy.categories

    def retention_of(key: str) -> str:
        # the same one rule the published policy prints (RULES R3)
        months = policy.relevance_months_for(key)
        if months is None:
            return accounting_period(policy, lang)
        return pt["s4_relevance"].format(period=months_in_words(months, lang))

    c = policy.controller
    relevance_notes = (policy.retention.relevance_reason.get(lang), claims_paragraph(policy, lang))
    retention_notes = [*relevance_notes, accounting_paragraph(policy, lang)]
    # Art. 13(1)(f), 15(2): transfers outside the EU/EEA and their safeguards, or that there are none
    transfers = transfer_sentences(policy, lang) or [t["transfers_none"]]
    return {
        "controller": {
            "company": c.company,
            "cvr": c.cvr,
            "address": c.address,
            "contact_person": c.name,
            "email": c.email,
            "phone": c.phone,
        },
        "purposes": [
            {
                "key": k,
                "label": v.label.get(lang),
                "description": v.description.get(lang),
                "legal_basis": v.legal_basis.get(lang),
            }
            for k, v in policy.purposes.items()
        ],
        "categories": [
            {
                "key": k,
                "label": v.label.get(lang),
                "description": v.description.get(lang),
                "retention": retention_of(k),
            }
            for k, v in cats.items()
        ],
        "recipients": [
            {
                "key": partner.key,
                "name": partner.name,
                "service": partner.service.get(lang),
                "categories": [k for k in cats if k in partner.receives],
                "country": partner.country,
                "country_name": (COUNTRIES.get(partner.country) or (partner.country, partner.country))[
                    0 if lang == "da" else 1
                ],
            }
            for partner in policy.partners
        ],
        "transfers": transfers,
        "retention": {
            "by_category": {k: retention_of(k) for k in cats},
            "notes": retention_notes,
        },
        "rights": [
            {"key": r, "name": pt[f"right_{r}"], "text": t.get(f"right_{r}_text") or pt[f"right_{r}_text"]}
            for r in RIGHTS
        ],
        "complaint": {**DATATILSYNET, "text": t["complaint_p"].format(**DATATILSYNET)},
        "automated_decision_making": {
            "used": False,
            "profiling": bool(policy.profiling),
            "text": t["automated_p"],
        },
        "source_text": t["source_general"],
        "purpose_labels": {k: v.label.get(lang) for k, v in policy.purposes.items()},
        "category_labels": {k: v.label.get(lang) for k, v in cats.items()},
        "role_labels": {k: v.label.get(lang) for k, v in policy.roles.items()},
    }


#: the recipients paragraph of an access answer when the records show that no partner received the data
RECIPIENTS_NONE = {
    "da": "Ifølge vores optegnelser har ingen af vores samarbejdspartnere modtaget dine oplysninger.",
    "en": "According to our records, none of our partners has received your data.",
}


def this_customers_recipients(info: dict[str, Any], received: dict[str, frozenset[str]] | None) -> None:
    """Art. 15(1)(c): narrow the policy's general list of recipients to the partners that the records of
    disclosures show received this customer's data, with the categories they received (``received`` from the
    ``requests.recipients`` hook; None while nothing is recorded: the general list stays)."""
    if received is None:
        return
    info["recipients"] = [
        {**r, "categories": [k for k in r["categories"] if k in received[r["key"]]]}
        for r in info["recipients"]
        if received.get(r["key"])
    ]
    info["recipients_basis"] = "records"


def information_sections(info: dict[str, Any], lang: str, *, source: str | None = None) -> list[Section]:
    t = texts(lang)
    labels = info["category_labels"]
    recipients = Block(
        "table",
        head=(t["head_partner"], t["head_service"], t["head_receives"], t["head_country"]),
        rows=tuple(
            (r["name"], r["service"], "; ".join(labels[k] for k in r["categories"]), r["country_name"])
            for r in info["recipients"]
        ),
    )
    return [
        Section(
            t["h_purposes"],
            (
                p(t["purposes_p"]),
                Block(
                    "dl",
                    pairs=tuple(
                        (x["label"], f"{x['description']} {t['basis'].format(basis=x['legal_basis'])}")
                        for x in info["purposes"]
                    ),
                ),
            ),
        ),
        Section(
            t["h_categories"],
            (Block("dl", pairs=tuple((x["label"], x["description"]) for x in info["categories"])),),
        ),
        Section(
            t["h_recipients"],
            (
                p(t["recipients_p"]),
                *((recipients,) if info["recipients"] else (p(RECIPIENTS_NONE[lang]),)),
                *((p(t["transfers_p"]),) if info["transfers"] != [t["transfers_none"]] else ()),
                *(p(x) for x in info["transfers"]),
            ),
            key="recipients",
        ),
        Section(
            t["h_retention"],
            (
                Block(
                    "table",
                    head=(t["head_data"], t["head_period"]),
                    rows=tuple((x["label"], x["retention"]) for x in info["categories"]),
                ),
                *(p(n) for n in info["retention"]["notes"]),
            ),
            key="retention",
        ),
        Section(t["h_source"], (p(source or info["source_text"]),)),
        Section(t["h_rights"], (Block("dl", pairs=tuple((r["name"], r["text"]) for r in info["rights"])),)),
        Section(t["h_automated"], (p(info["automated_decision_making"]["text"]),)),
        Section(t["h_complaint"], (p(info["complaint"]["text"]),)),
    ]


# -- this customer's deletion dates (Art. 15(1)(d)) -------------------------------------------------------------
def deletion_dates_section(policy: Policy, explained: list[Any], lang: str, today: date) -> Section:
    """The customer's own deletion dates: one row per category, and for accounting material one per financial
    year (RULES R1: the clock runs from the end of each financial year), from the retention schedule.

    ``explained``: :func:`persondata.retention.explain.explain_customer` for the customer on ``today``.
    """
    t = texts(lang)
    rows: dict[str, tuple[date | None, int | None]] = {}  # label → (latest delete_on, months while ongoing)
    for item in explained:
        d = item.decision
        cat = policy.categories.get(d.category)
        if cat is None:
            continue
        label = cat.label.get(lang)
        if d.rule == "bookkeeping" and getattr(item, "day", None) is not None:
            label = t["deletion_fy"].format(label=label, fy=policy.financial_year.label(item.day))
        months = policy.relevance_months_for(d.category)
        before = rows.get(label)
        if d.delete_on is None:
            rows[label] = (None, months)
        elif before is None or (before[0] is not None and d.delete_on > before[0]):
            rows[label] = (d.delete_on, months)

    def when(delete_on: date | None, months: int | None) -> str:
        if delete_on is None:
            return t["deletion_ongoing"].format(period=months_in_words(months or 0, lang))
        return format_date(delete_on, lang)

    table = Block(
        "table",
        head=(t["head_data"], t["head_deleted_on"]),
        rows=tuple((label, when(*v)) for label, v in rows.items()),
    )
    body = (p(t["deletion_dates_p"].format(today=format_date(today, lang))), table) if rows else ()
    return Section(t["h_deletion_dates"], body, key="retention")


# -- the access answer's copy of the data ------------------------------------------------------------------------
def source_text(held: Held, lang: str) -> str:
    t = texts(lang)
    days = [d for d in held.imports if d is not None]
    if not days:
        return t["source_unknown"]
    joiner = " og " if lang == "da" else " and "
    words = [format_date(d, lang) for d in days]
    listed = words[0] if len(words) == 1 else ", ".join(words[:-1]) + joiner + words[-1]
    return t["source_runs"].format(dates=listed)


def _table(
    title: str,
    head: tuple[str, ...],
    rows: tuple[tuple[str, ...], ...],
    none: tuple[Block, ...],
    key: str = "",
) -> Section:
    """A section with one table of the customer's records, or the "none" paragraph when there are none."""
    return Section(title, (Block("table", head=head, rows=rows),) if rows else none, level=3, key=key)


def _contact_section(held: Held, t: dict[str, str], none: tuple[Block, ...]) -> Section:
    contact = held.contact
    if not contact:
        return Section(t["h_contact"], none, level=3)
    pairs = (
        (t["col_name"], contact.get("name") or ""),
        (t["col_address"], address_line(contact.get("address"))),
        (t["col_phone"], contact.get("phone") or ""),
        (t["col_email"], contact.get("email") or ""),
    )
    return Section(t["h_contact"], (Block("dl", pairs=pairs),), level=3)


def _orders(held: Held, t: dict[str, str], lang: str) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    head = (t["col_order"], t["col_ordered"], t["col_delivered"], t["col_amount"], t["col_delivery"])
    rows = tuple(
        (
            o["order_number"],
            day(o["ordered_on"], lang),
            day(o["delivered_on"], lang),
            money(o["total_ore"], o["currency"], lang),
            address_line(o.get("delivery"), with_name=True),
            "; ".join(order_line(line, o["currency"], lang) for line in o.get("lines") or []),
        )
        for o in held.orders
    )
    return (*head, t["h_order_lines"]), rows


def _agreements(
    held: Held, t: dict[str, str], lang: str
) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    head = (t["col_agreement"], t["col_kind"], t["col_starts"], t["col_ends"], t["col_description"])
    rows = tuple(
        (
            a["agreement_ref"],
            t.get(f"agreement_{a['kind']}", a["kind"]),
            day(a["starts_on"], lang),
            day(a["ends_on"], lang),
            str(a.get("description") or ""),
        )
        for a in held.agreements
    )
    return head, rows


def _invoices(
    held: Held, t: dict[str, str], lang: str
) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    head = (t["col_invoice"], t["col_invoice_date"], t["col_due"], t["col_amount"], t["col_billing"])
    rows = tuple(
        (
            i["invoice_number"],
            day(i["invoice_date"], lang),
            day(i["due_date"], lang),
            money(i["total_ore"], i["currency"], lang),
            address_line(i.get("billing"), with_name=True),
        )
        for i in held.invoices
    )
    return head, rows


def _payments(
    held: Held, t: dict[str, str], lang: str
) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    head = (
        t["col_payment"],
        t["col_paid"],
        t["col_amount"],
        t["col_method"],
        t["col_invoice"],
        t["col_reference"],
    )
    rows = tuple(
        (
            pay["payment_ref"],
            day(pay["paid_on"], lang),
            money(pay["amount_ore"], pay["currency"], lang),
            t.get(f"method_{pay['method']}", pay["method"]),
            pay["invoice_number"] or "",
            pay["reference"] or "",
        )
        for pay in held.payments
    )
    return head, rows


#: The tables of the customer's records, in the letter's order: (key, heading text, rows).
_TABLES = (
    ("orders", "h_orders", _orders),
    ("agreements", "h_agreements", _agreements),
    ("invoices", "h_invoices", _invoices),
    ("payments", "h_payments", _payments),
)


def data_sections(held: Held, info: dict[str, Any], lang: str) -> list[Section]:
    """The copy of the customer's data (Art. 15(3)): contact, customer number, then a table per kind of record."""
    t = texts(lang)
    none = (p(t["empty_category"]),)
    out = [
        Section(t["h_data"], (p(t["restricted_p"]),) if held.restricted else ()),
        _contact_section(held, t, none),
        Section(
            t["h_customer_number"], (p(held.customer_number),) if held.customer_number else none, level=3
        ),
    ]
    for key, heading, build in _TABLES:
        head, rows = build(held, t, lang)
        out.append(_table(t[heading], head, rows, none, key=key))
    return out


def history_section(held: Held, info: dict[str, Any], lang: str) -> Section:
    t = texts(lang)
    if not held.history:
        return Section(t["h_history"], (p(t["history_p"]), p(t["history_none"])))
    labels, purposes, roles = info["category_labels"], info["purpose_labels"], info["role_labels"]
    rows = tuple(
        (
            format_datetime(c.at, lang),
            purposes.get(c.purpose, c.purpose),
            "; ".join(labels.get(k, k) for k in c.categories),
            ", ".join(roles.get(r, r) for r in c.roles) or t["role_staff"],
        )
        for c in held.history
    )
    return Section(
        t["h_history"],
        (
            p(t["history_p"]),
            Block(
                "table",
                head=(t["head_when"], t["head_purpose"], t["head_categories"], t["head_role"]),
                rows=rows,
            ),
        ),
        key="history",
    )


def partners_section(partners: list[tuple[str, str]], action: str, lang: str) -> Section:
    t = texts(lang)
    if not partners:
        return Section(t["h_partners"], (p(t["partners_none"]),))
    return Section(
        t["h_partners"],
        (
            p(t["partners_p"].format(action=t[f"action_{action}"])),
            Block("ul", items=tuple(name for _key, name in partners)),
        ),
    )


def extension_words(months: int, lang: str) -> str:
    return texts(lang).get(f"months_{months}") or months_in_words(months, lang)


# -- printing ---------------------------------------------------------------------------------------------------
def context(request: Request, letter: Letter, requester: dict[str, str], now: datetime) -> dict[str, Any]:
    lang = request.language if request.language in TEXTS else "da"
    t = texts(lang)
    c = runtime.policy().controller
    title = t[f"title_{letter.kind}"]
    name = requester.get("name", "")
    recipient = [x for x in (name, requester.get("address", ""), requester.get("email", "")) if x]
    return {
        "lang": lang,
        "title": title,
        "company": c.company,
        "reference": request.reference,
        "controller_line": t["controller_line"].format(company=c.company, cvr=c.cvr, address=c.address),
        "recipient": recipient,
        "label_to": t["label_to"],
        "facts": (
            (t["label_reference"], request.reference),
            (t["label_received"], format_date(request.received_on, lang)),
            (t["label_date"], format_date(legal_date(now), lang)),
        ),
        "greeting": t["greeting_name"].format(name=name) if name else t["greeting"],
        "intro": letter.intro,
        "sections": letter.sections,
        "contact_us": t["contact_us"].format(
            name=c.name, email=c.email, phone=c.phone, ref=request.reference
        ),
        "closing": t["closing"],
        "signer": c.name,
        "footer": t["footer"].format(company=c.company, title=title, ref=request.reference),
    }


def render_html(context: dict[str, Any]) -> bytes:
    return render_to_string("requests/answers/letter.html", context).encode("utf-8")


#: the PDF's layout: the same context as the HTML, as data (``print_data``)
TEMPLATE = Path(__file__).parents[1] / "templates" / "requests" / "answers" / "letter.typ"


def print_data(context: dict[str, Any]) -> dict[str, Any]:
    """The context as plain JSON-able data, for the PDF's template (and the outbox message that waits for it)."""
    sections = [
        {
            "title": s.title,
            "level": s.level,
            "key": s.key,
            "blocks": [
                {
                    "kind": b.kind,
                    "text": b.text,
                    "items": b.items,
                    "pairs": b.pairs,
                    "head": b.head,
                    "rows": b.rows,
                }
                for b in s.blocks
            ],
        }
        for s in context["sections"]
    ]  # by hand: dataclasses.asdict deep-copies every cell, a few ms for an access letter
    return {**{k: v for k, v in context.items() if k != "sections"}, "sections": sections}


def render_pdf(data: dict[str, Any], now: datetime | None = None) -> bytes:
    """The letter as PDF from :func:`print_data`'s data."""
    return typst_pdf.render(TEMPLATE, data, now=now)
