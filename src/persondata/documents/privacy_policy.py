"""The published privacy policy, printed from the policy file it is enforced from.

One context, several renderers (Datasette's habit): :func:`policy_context` turns a :class:`Policy` into the
document — fourteen numbered sections, the seed policy's [1] … [14], each a list of simple blocks (paragraph,
list, definition list, table, signature) — and the templates only lay that out as HTML or Markdown. The PDF
is the HTML, printed by WeasyPrint, so the three can never say different things.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from django.template.loader import render_to_string

from persondata.core.calendar import accounting_retention
from persondata.core.formats import format_date, months_in_words
from persondata.core.policy import Policy
from persondata.core.policy_check import (
    EU_EEA,
    describe_clash,
    financial_year_in_words,
)
from persondata.core.policy_words import allows_objection
from persondata.documents import partner_section
from persondata.documents.partner_section import Agreements, recorded_agreements
from persondata.documents.policy_texts import COUNTRIES, DATATILSYNET_COMPLAINT_URL, TEXTS

LANGUAGES: Final = ("da", "en")
FORMATS: Final = ("html", "pdf", "md")
#: The year of the retention example in an unadopted policy (the printed policy never reads the clock).
EXAMPLE_YEAR: Final = 2025
RIGHTS: Final = (
    "information",
    "access",
    "rectification",
    "erasure",
    "restriction",
    "portability",
    "objection",
    "complaint",
)


@dataclass(frozen=True)
class Block:
    """One piece of a section. ``kind`` is ``p``, ``ul``, ``dl``, ``table`` or ``signature``."""

    kind: str
    text: str = ""
    items: tuple[str, ...] = ()
    pairs: tuple[tuple[str, str], ...] = ()
    head: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    date: str = ""
    date_label: str = ""
    signer: str = ""


@dataclass(frozen=True)
class Section:
    number: int
    id: str
    title: str
    blocks: tuple[Block, ...]


def _p(text: str) -> Block:
    return Block("p", text=text)


def _every(months: int, t: dict[str, str]) -> str:
    return t.get(f"every_{months}") or t["every_n"].format(n=months)


def _country(code: str, lang: str) -> str:
    names = COUNTRIES.get(code)
    return names[LANGUAGES.index(lang)] if names else code


def accounting_period(policy: Policy, lang: str) -> str:
    """How long accounting material is kept, in one rule the law allows (RULES R3): where the policy's maximum
    would come before the Bookkeeping Act allows deletion for some invoices, the law's rule alone."""
    r, t = policy.retention, TEXTS[lang]
    key = "s4_accounting_law" if describe_clash(policy) else "s4_accounting"
    return t[key].format(
        years=months_in_words(12 * r.bookkeeping_years, lang), max=months_in_words(r.policy_max_months, lang)
    )


def claims_paragraph(policy: Policy, lang: str) -> str:
    """Forældelsesloven § 3: an unpaid invoice keeps contact data only while the claim can be enforced, then the
    policy's choice (deleted or restricted) and its reason; the published policy and the letters print this."""
    r, t = policy.retention, TEXTS[lang]
    rule = t["s4_claims_restrict" if r.claim_after == "restrict" else "s4_claims"].format(
        period=months_in_words(12 * r.claim_years, lang)
    )
    reason = r.claim_reason.get(lang)
    return f"{rule} {reason}" if reason else rule


def accounting_paragraph(policy: Policy, lang: str) -> str:
    """The paragraph on accounting material (policy [4]), with an example where only the law's rule is stated;
    the published policy and the letters to customers print this one text."""
    r, t, fy = policy.retention, TEXTS[lang], policy.financial_year
    # the example invoice: the 15th of the financial year's first month, in the year of adoption (no clock)
    example_date = date(policy.adopted.year if policy.adopted else EXAMPLE_YEAR, fy.start_month, 15)
    example = accounting_retention(example_date, fy, r.bookkeeping_years, r.policy_max_months)
    return t["s4_accounting_law_p" if describe_clash(policy) else "s4_accounting_p"].format(
        law=r.law.get(lang),
        fy=financial_year_in_words(fy, lang),
        years=months_in_words(12 * r.bookkeeping_years, lang),
        max=months_in_words(r.policy_max_months, lang),
        example=format_date(example.invoice_date, lang),
        delete=format_date(example.delete_on, lang),
    )


def transfer_sentences(policy: Policy, lang: str, agreements: Agreements | None = None) -> list[str]:
    """Art. 13(1)(f), 15(2): each transfer outside the EU/EEA, with the basis its agreement records."""
    return partner_section.transfer_sentences(
        policy, lang, recorded_agreements() if agreements is None else agreements
    )


def _labels(policy: Policy, keys: frozenset[str], lang: str) -> str:
    cats = policy.categories
    return "; ".join(cats[k].label.get(lang) for k in cats if k in keys)


def _deletion(policy: Policy, lang: str) -> list[Block]:
    """[4] deletion: each category's period, the reasons, the claims and the bookkeeping act."""
    t, r = TEXTS[lang], policy.retention
    rows = []
    for cat in policy.categories.values():
        months = policy.relevance_months_for(cat.key)
        if months is None:
            period = accounting_period(policy, lang)
        else:
            period = t["s4_relevance"].format(period=months_in_words(months, lang))
        rows.append((cat.label.get(lang), period))
    blocks = [
        _p(t["s4_p1"]),
        Block("table", head=(t["s4_head_data"], t["s4_head_period"]), rows=tuple(rows)),
        _p(r.relevance_reason.get(lang)),
        _p(claims_paragraph(policy, lang)),
        _p(accounting_paragraph(policy, lang)),
        _p(t["s4_erasure"]),
    ]
    if r.request_record_months:
        blocks.append(_p(t["s4_requests"].format(period=months_in_words(r.request_record_months, lang))))
    return blocks


def _rights(policy: Policy, lang: str) -> list[Block]:
    """[6] rights. Art. 21 applies only to processing on Art. 6(1)(e) or (f): say so, and name those purposes."""
    t = TEXTS[lang]
    objectable = [p.label.get(lang) for p in policy.purposes.values() if allows_objection(p.legal_basis.da)]
    rights = {k: t[f"right_{k}_text"] for k in RIGHTS}
    if objectable:
        rights["objection"] = t["right_objection_text_ef"].format(purposes=", ".join(objectable))
    return [
        _p(t["s6_p1"]),
        Block("dl", pairs=tuple((t[f"right_{k}"], rights[k]) for k in RIGHTS)),
        _p(t["s6_p2"]),
    ]


def _disclosure(policy: Policy, lang: str, agreements: Agreements) -> list[Block]:
    """[11] disclosure: from the processor-agreement records (documents/partner_section.py)."""
    t = TEXTS[lang]
    blocks = [_p(t["s11_p1"])]
    if claim := partner_section.agreement_sentence(policy, lang, agreements):
        blocks.append(_p(claim))
    head = (
        t["s11_head_partner"],
        t["s11_head_service"],
        t["s11_head_receives"],
        t["s11_head_country"],
        partner_section.WORDS[lang]["head_agreement"],
    )
    rows = tuple(
        (
            p.name,
            p.service.get(lang),
            _labels(policy, p.receives, lang),
            _country(partner_section.country_of(p, agreements), lang),
            partner_section.agreement_cell(p, lang, agreements),
        )
        for p in policy.partners
    )
    blocks.append(Block("table", head=head, rows=rows))
    # Art. 13(1)(f): a transfer outside the EU/EEA, its safeguard, and how to get a copy of it.
    blocks.extend(_p(x) for x in partner_section.transfer_sentences(policy, lang, agreements))
    third = [p for p in policy.partners if partner_section.country_of(p, agreements) not in EU_EEA]
    if len(third) < len(policy.partners):
        blocks.append(_p(t["s11_eu_others" if third else "s11_eu"]))
    blocks.append(_p(t["s11_p2"]))
    return blocks


def _security(policy: Policy, lang: str) -> list[Block]:
    """[12] IT security: the measures, and who sees what (need to know)."""
    t = TEXTS[lang]
    return [
        _p(t["s12_p1"]),
        Block("ul", items=tuple(m.text.get(lang) for m in policy.security_measures)),
        _p(t["s12_p2"]),
        Block(
            "table",
            head=(t["s12_head_role"], t["s12_head_sees"]),
            rows=tuple(
                (role.label.get(lang), _labels(policy, role.read, lang) or t["s12_no_data"])
                for role in policy.roles.values()
            ),
        ),
        _p(t["s12_p3"]),
    ]


def _adoption(policy: Policy, lang: str) -> list[Block]:
    """[14] adoption: the date and the signature, or plainly unsigned."""
    t = TEXTS[lang]
    adopted = format_date(policy.adopted, lang) if policy.adopted else ""
    return [
        _p(t["s14_adopted"].format(date=adopted) if adopted else t["s14_unsigned"]),
        Block("signature", date=adopted, date_label=t["s14_date_label"], signer=policy.adopted_by.get(lang)),
        _p(t["s14_version"].format(version=policy.version)),
    ]


def _sections(policy: Policy, lang: str, agreements: Agreements) -> list[Section]:
    """The policy's fourteen sections, in order."""
    t = TEXTS[lang]
    c = policy.controller
    purposes, cats = policy.purposes.values(), policy.categories.values()
    s: dict[int, list[Block]] = {n: [] for n in range(1, 15)}
    # [1] purpose
    s[1] = [_p(t["s1_p1"]), _p(t["s1_p2"].format(company=c.company, cvr=c.cvr, address=c.address))]
    # [2] legal basis
    s[2] = [
        _p(t["s2_p1"]),
        Block("dl", pairs=tuple((p.label.get(lang), p.legal_basis.get(lang)) for p in purposes)),
    ]
    # [3] scope: purposes and data
    s[3] = [
        _p(t["s3_p1"]),
        Block("dl", pairs=tuple((p.label.get(lang), p.description.get(lang)) for p in purposes)),
        _p(t["s3_p2"]),
        Block("dl", pairs=tuple((k.label.get(lang), k.description.get(lang)) for k in cats)),
        _p(t["s3_p3"]),
        _p(t["s3_p4"]),  # Art. 13(2)(e): must the customer give the data, and what if not
    ]
    s[4] = _deletion(policy, lang)
    # [5] the data controller
    fields = ("company", "cvr", "address", "name", "phone", "email")
    s[5] = [
        _p(t["s5_p1"]),
        Block("dl", pairs=tuple((t[f"label_{k}"], getattr(c, k)) for k in fields)),
        _p(t["s5_p2"].format(name=c.name)),
    ]
    s[6] = _rights(policy, lang)
    # [7] no marketing, no profiling (both are always off: parse_policy refuses anything else)
    if not policy.marketing and not policy.profiling:
        s[7] = [_p(t["s7_p1"])]
    # [8] manual handling
    s[8] = [_p(t["s8_p1"].format(name=c.name, email=c.email, phone=c.phone)), _p(t["s8_p2"]), _p(t["s8_p3"])]
    # [9] backups: what the product does (crypto-shredding, deletion ledger re-applied on restore)
    # the key store's backup rotation bounds how long an erased record stays readable in any backup
    s[9] = [
        _p(t["s9_p1"]),
        _p(t["s9_p2"].format(days=policy.backups.key_store_rotation_days)),
        _p(t["s9_p3"]),
    ]
    # [10] complaints
    s[10] = [_p(t["s10_p1"].format(url=DATATILSYNET_COMPLAINT_URL)), _p(t["s10_p3"]), _p(t["s10_p2"])]
    s[11] = _disclosure(policy, lang, agreements)
    s[12] = _security(policy, lang)
    # [13] evaluation
    s[13] = [_p(t["s13_p1"].format(every=_every(policy.review.months, t)))]
    s[14] = _adoption(policy, lang)
    return [Section(n, f"section-{n}", t[f"s{n}"], tuple(blocks)) for n, blocks in s.items()]


def policy_context(policy: Policy, lang: str, agreements: Agreements | None = None) -> dict[str, Any]:
    """The one context every format is rendered from; ``agreements`` default to those on record."""
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}; got {lang!r}")
    t = TEXTS[lang]
    c = policy.controller
    return {
        "lang": lang,
        "title": t["title"],
        "company": c.company,
        "company_line": t["company_line"].format(company=c.company, cvr=c.cvr),
        "version_line": t["version"].format(version=policy.version),
        "adopted_line": t["adopted"].format(date=format_date(policy.adopted, lang))
        if policy.adopted
        else t["not_adopted"],
        "toc_label": t["toc"],
        "footer": t["footer"].format(company=c.company, title=t["title"], version=policy.version),
        "sections": _sections(policy, lang, recorded_agreements() if agreements is None else agreements),
    }


def html_to_pdf(html: str) -> bytes:
    """Print an HTML document (no external resources) to PDF with WeasyPrint."""
    from weasyprint import HTML  # imported here: loading pango costs time that other formats don't need

    pdf = HTML(string=html, base_url=None).write_pdf(pdf_variant="pdf/ua-1")
    assert pdf is not None  # write_pdf returns the bytes when no target is given
    return bytes(pdf)


def render_policy(policy: Policy, lang: str, fmt: str, agreements: Agreements | None = None) -> bytes:
    """The privacy policy for customers as ``html``, ``pdf`` or ``md`` (UTF-8), in ``da`` or ``en``."""
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {', '.join(FORMATS)}; got {fmt!r}")
    context = policy_context(policy, lang, agreements)
    if fmt == "md":
        md = render_to_string("documents/privacy_policy.md", context)
        return _tidy_markdown(md).encode("utf-8")
    html = render_to_string("documents/privacy_policy.html", context)
    if fmt == "html":
        return html.encode("utf-8")
    return html_to_pdf(html)


def _tidy_markdown(md: str) -> str:
    """Template tags leave blank lines behind; Markdown needs at most one between blocks."""
    lines = [line.rstrip() for line in md.splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip() + "\n"
