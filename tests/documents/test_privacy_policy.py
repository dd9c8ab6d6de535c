"""The published privacy policy: every section of the seed, in both languages and all three formats, printed
from the policy file — and the PDF really renders (parsed back with pypdf). No database."""

from __future__ import annotations

import html
import io
import re
from datetime import date
from functools import cache

import pypdf
import pytest

from persondata.core.agreements import CLAUSES, AgreementFacts
from persondata.core.policy import Policy, load_policy, parse_policy
from persondata.documents.markup import to_html, to_md
from persondata.documents.policy_texts import DATATILSYNET_COMPLAINT_URL, TEXTS
from persondata.documents.privacy_policy import FORMATS, LANGUAGES, policy_context, render_policy
from persondata.documents.templatetags.policy_markup import html_rows
from tests.core.test_policy import edited, filled_policy_text

CONTROLLER_PLACEHOLDERS = (
    "<<company name>>",
    "<<name of the data controller>>",
    "<<telephone number of the data controller>>",
    "<<e-mail of the data controller>>",
    "<<postal address of the company>>",
    "<<CVR number of the company>>",
)
FILLED = (
    "Eksempel ApS",
    "Jens Hansen",
    "+45 12 34 56 78",
    "persondata@eksempel.dk",
    "Eksempelvej 1, 8000 Aarhus C",
    "12345674",
)
PARTNERS = ("Ordre Drift A/S", "Faktura Service ApS", "Regnskab Online A/S")
KEY_PHRASES = {
    "da": (
        "Persondatapolitik for kunder",
        "Dine rettigheder",
        "Ret til dataportabilitet",
        "bogføringsloven",
        "5 år fra udgangen af det regnskabsår",
        "Giver du os ikke oplysningerne, kan vi ikke levere eller fakturere",
        "indbringe sagen for domstolene",
        "artikel 79",
        "3 år efter din seneste ordre",
        "destruerer vi den nøgle",
        "hvert halve år",
        "Ingen markedsføring og ingen profilering",
        "Datatilsynet",
    ),
    "en": (
        "Privacy policy for customers",
        "Your rights",
        "Right to data portability",
        "Bookkeeping Act",
        "5 years from the end of the financial year",
        "If you do not give us the data, we cannot deliver or invoice",
        "take the matter to the courts",
        "Article 79",
        "3 years after your last order",
        "we destroy the key",
        "every six months",
        "No marketing and no profiling",
        "Datatilsynet",
    ),
}


@cache
def policy(kind: str) -> Policy:
    return load_policy() if kind == "default" else parse_policy(filled_policy_text())


@cache
def rendered(kind: str, lang: str, fmt: str) -> bytes:
    return render_policy(policy(kind), lang, fmt)


def text_of(kind: str, lang: str, fmt: str) -> str:
    """What a reader sees, with whitespace collapsed to single spaces."""
    return _extract(rendered(kind, lang, fmt), fmt)


ALL = [(kind, lang, fmt) for kind in ("default", "filled") for lang in LANGUAGES for fmt in FORMATS]


@pytest.mark.parametrize(("kind", "lang", "fmt"), ALL)
def test_every_section_of_the_seed_is_present_in_order(kind: str, lang: str, fmt: str) -> None:
    text = text_of(kind, lang, fmt)
    positions = []
    for n in range(1, 15):
        heading = f"{n}. {TEXTS[lang][f's{n}']}"
        assert heading in text, f"section {n} ({heading!r}) is missing from {lang}/{fmt}"
        positions.append(
            text.rindex(heading)
        )  # the last occurrence: the heading, after the table of contents
    assert positions == sorted(positions)


@pytest.mark.parametrize(("kind", "lang", "fmt"), ALL)
def test_key_phrases_in_the_right_language(kind: str, lang: str, fmt: str) -> None:
    text = text_of(kind, lang, fmt)
    for phrase in KEY_PHRASES[lang]:
        assert phrase in text, f"{phrase!r} is missing from {lang}/{fmt}"
    other = "en" if lang == "da" else "da"
    assert KEY_PHRASES[other][1] not in text


@pytest.mark.parametrize(("lang", "fmt"), [(lang, fmt) for lang in LANGUAGES for fmt in FORMATS])
def test_controller_placeholders_show_until_filled(lang: str, fmt: str) -> None:
    default = text_of("default", lang, fmt)
    for placeholder in CONTROLLER_PLACEHOLDERS:
        assert placeholder in default, f"{placeholder} is missing from {lang}/{fmt}"
    filled = text_of("filled", lang, fmt)
    assert "<<" not in filled and ">>" not in filled
    for value in FILLED + PARTNERS:
        assert value in filled, f"{value} is missing from {lang}/{fmt}"


@pytest.mark.parametrize(("kind", "lang", "fmt"), ALL)
def test_partners_and_the_complaint_address(kind: str, lang: str, fmt: str) -> None:
    text = text_of(kind, lang, fmt)
    for partner in policy(kind).partners:
        assert partner.name in text
        assert partner.service.get(lang) in text
    # a long address may be wrapped in a PDF: compare without whitespace
    assert DATATILSYNET_COMPLAINT_URL in text.replace(" ", "")


def section(text: str, lang: str, n: int) -> str:
    """The text of section ``n`` (after the table of contents)."""
    start = text.rindex(f"{n}. {TEXTS[lang][f's{n}']}")
    end = text.rindex(f"{n + 1}. {TEXTS[lang][f's{n + 1}']}") if n < 14 else len(text)
    return text[start:end]


@pytest.mark.parametrize(("kind", "lang", "fmt"), ALL)
def test_one_consistent_retention_rule_that_the_law_allows(kind: str, lang: str, fmt: str) -> None:
    # the seed's 66 months would delete some invoices before the Bookkeeping Act allows: the printed policy
    # states the law's rule alone, with an example, and no "at the latest 5½ years" followed by an exception
    s4 = section(text_of(kind, lang, fmt), lang, 4)
    assert "5½" not in s4
    retention = policy(kind).retention
    assert retention.relevance_reason.get(lang) in s4
    assert retention.law.get(lang) in s4
    example = {
        "da": ("en faktura dateret 15. januar 2025 slettes den 1. januar 2031", "15. januar 2025"),
        "en": ("an invoice dated 15 January 2025 is deleted on 1 January 2031", "15 January 2025"),
    }[lang]
    if kind == "default":  # not adopted: the example is in 2025; adopted 1 March 2025: the same year
        assert example[0] in s4
    assert {"da": "derefter sletter vi dem", "en": "then we delete it"}[lang] in s4


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_consistent_maximum_is_printed_as_it_is(lang: str) -> None:
    consistent = parse_policy(edited(("policy_max_months = 66", "policy_max_months = 72")))
    other = render_policy(consistent, lang, "md").decode()
    assert "30. juni" not in other and "30 June" not in other
    assert {"da": "6 år efter fakturadatoen", "en": "6 years after the invoice date"}[lang] in other


@pytest.mark.parametrize(("kind", "lang", "fmt"), ALL)
def test_section_4_speaks_to_the_customer_as_you(kind: str, lang: str, fmt: str) -> None:
    s4 = section(text_of(kind, lang, fmt), lang, 4).casefold()
    for third_person in {"da": ("kunden", "kundens"), "en": ("the customer", "the customer's")}[lang]:
        assert f" {third_person} " not in f" {s4} ", third_person
    assert {"da": " din ", "en": " your "}[lang] in s4


@pytest.mark.parametrize(("kind", "lang", "fmt"), ALL)
def test_art_13_2_e_courts_and_art_21(kind: str, lang: str, fmt: str) -> None:
    text = text_of(kind, lang, fmt)
    s3, s6, s10 = (section(text, lang, n) for n in (3, 6, 10))
    assert {"da": "Du har ikke pligt til at give os", "en": "You are not obliged to give us"}[lang] in s3
    assert {"da": "domstolene (artikel 79)", "en": "courts (Article 79)"}[lang] in s6
    assert {"da": "artikel 79", "en": "Article 79"}[lang] in s10
    assert {"da": "uanset om du har klaget til Datatilsynet", "en": "whether or not you have complained"}[
        lang
    ] in s10
    # the seed processes nothing on Art. 6(1)(e)/(f): the right to object is stated with its limits
    assert {
        "da": "Retten til indsigelse gælder behandling, der bygger på en legitim interesse",
        "en": "The right to object applies to processing based on a legitimate interest",
    }[lang] in s6
    assert {
        "da": "Vi behandler ikke dine oplysninger på det grundlag",
        "en": "We do not process your data on that basis",
    }[lang] in s6


CLAIMS = {
    "da": (
        "så længe vi kan kræve betalingen — 3 år fra fakturaens forfaldsdag (forældelsesloven § 3)",
        "Når kravet er forældet, sletter vi dem",
        "Når kravet er forældet, bruger vi dem kun til bogføringen",
        "Selve fakturaen er regnskabsmateriale",
        "derefter kan kravet ikke længere gøres gældende",
    ),
    "en": (
        "for as long as we can demand payment — 3 years from the invoice's due date (the Danish Limitation "
        "Act, forældelsesloven § 3)",
        "Once the claim is time-barred, we delete them",
        "Once the claim is time-barred, we use them for bookkeeping only",
        "The invoice itself is accounting material",
        "after that the claim can no longer be enforced",
    ),
}


@pytest.mark.parametrize(("kind", "lang", "fmt"), ALL)
def test_an_unpaid_invoice_keeps_contact_data_only_while_the_claim_can_be_enforced(
    kind: str, lang: str, fmt: str
) -> None:
    text = text_of(kind, lang, fmt)
    period, deleted, restricted, invoice, reason = CLAIMS[lang]
    assert period in text and deleted in text and invoice in text and reason in text
    assert restricted not in text
    # the same rule in section 4, where retention is described
    assert text.rindex(period) > text.rindex(f"4. {TEXTS[lang]['s4']}")


@pytest.mark.parametrize(("lang", "fmt"), [(lang, fmt) for lang in LANGUAGES for fmt in FORMATS])
def test_a_policy_that_restricts_after_the_claim_says_so(lang: str, fmt: str) -> None:
    restricting = parse_policy(
        edited(
            ('unpaid_claim_after = "delete"', 'unpaid_claim_after = "restrict"'),
            ("unpaid_claim_years = 3", "unpaid_claim_years = 5"),
        )
    )
    text = _extract(render_policy(restricting, lang, fmt), fmt)
    _period, deleted, restricted, _invoice, _reason = CLAIMS[lang]
    assert restricted in text and deleted not in text
    assert (
        "5 år fra fakturaens forfaldsdag" if lang == "da" else "5 years from the invoice's due date"
    ) in text


LEGITIMATE = (
    'legal_basis.da = "Aftalen med kunden (databeskyttelsesforordningen art. 6, stk. 1, litra b)."\n'
    'legal_basis.en = "Our contract with the customer (GDPR Art. 6(1)(b))."\n\n[purposes.bookkeeping]',
    'legal_basis.da = "Vores legitime interesse i at hjælpe dig (art. 6, stk. 1, litra f)."\n'
    'legal_basis.en = "Our legitimate interest in helping you (GDPR Art. 6(1)(f))."\n\n[purposes.bookkeeping]',
)


@pytest.mark.parametrize(("lang", "fmt"), [(lang, fmt) for lang in LANGUAGES for fmt in FORMATS])
def test_a_purpose_on_legitimate_interest_may_be_objected_to(lang: str, fmt: str) -> None:
    text = _extract(render_policy(parse_policy(filled_policy_text(LEGITIMATE)), lang, fmt), fmt)
    s6 = section(text, lang, 6)
    label = {"da": "Kundeservice", "en": "Customer service"}[lang]
    assert {"da": f"samfundets interesse: {label}", "en": f"public interest: {label}"}[lang] in s6
    assert {"da": "din særlige situation", "en": "your particular situation"}[lang] in s6


THIRD = ('country = "DK"', 'country = "US"\nsafeguard = "scc"')
US_AGREEMENT = AgreementFacts(
    "order_processing",
    signed_on=date(2026, 2, 3),
    version="2",
    next_review=date(2027, 2, 3),
    country="US",
    clauses=frozenset(CLAUSES),
    safeguard="scc",
    safeguard_date=date(2026, 2, 3),
    has_document=True,
)


@pytest.mark.parametrize(("lang", "fmt"), [(lang, fmt) for lang in LANGUAGES for fmt in FORMATS])
def test_a_partner_outside_the_eu_is_named_with_its_safeguard(lang: str, fmt: str) -> None:
    # the basis printed is the one the processor agreement records, with its date
    recorded = {"order_processing": US_AGREEMENT}
    text = _extract(render_policy(parse_policy(filled_policy_text(THIRD)), lang, fmt, recorded), fmt)
    s11 = section(text, lang, 11)
    expected = {
        "da": (
            "Ordre Drift A/S behandler oplysningerne i USA, uden for EU/EØS. Overførslen sker på grundlag af "
            "Europa-Kommissionens standardkontraktbestemmelser",
            "aftalt 3. februar 2026",
            "Du kan få en kopi af garantierne",
            "Vores øvrige samarbejdspartnere behandler oplysningerne inden for EU/EØS.",
            "Vi har indgået en databehandleraftale med Ordre Drift A/S.",
        ),
        "en": (
            "Ordre Drift A/S processes the data in the United States, outside the EU/EEA. The transfer is based "
            "on the European Commission's standard contractual clauses",
            "agreed on 3 February 2026",
            "You can obtain a copy of the safeguards",
            "Our other partners process the data within the EU/EEA.",
            "We have a data processing agreement with Ordre Drift A/S.",
        ),
    }[lang]
    for phrase in expected:
        assert phrase in s11, phrase
    assert {"da": "Alle vores samarbejdspartnere", "en": "All our partners"}[lang] not in s11


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_partner_outside_the_eu_without_a_safeguard_shows_a_placeholder(lang: str) -> None:
    text = render_policy(
        parse_policy(filled_policy_text(('country = "DK"', 'country = "US"'))), lang, "md"
    ).decode()
    assert "`<<" in text and "partners.order_processing.safeguard" in text
    # the policy file's own safeguard is not proof: without an agreement recording it, still the placeholder
    text = render_policy(parse_policy(filled_policy_text(THIRD)), lang, "md").decode()
    assert "partners.order_processing.safeguard" in text
    assert {"da": "databehandleraftale med", "en": "processing agreement with"}[lang] not in text
    policy_ = parse_policy(filled_policy_text(('country = "DK"', 'country = "IN"\nsafeguard = "adequacy"')))
    from persondata.core.policy_check import check_policy

    [finding] = [
        f
        for f in check_policy(policy_, policy_.adopted or date(2026, 1, 1))
        if f.code == "partner-third-country"
    ]
    assert finding.key == "partners.order_processing.safeguard"


def _extract(data: bytes, fmt: str) -> str:
    if fmt == "pdf":
        pages = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)
        # the running footer ("company · title · 4 / 7") may fall in the middle of a sentence
        raw = "\n".join(line for line in pages.splitlines() if not re.search(r"·.*\d+ / \d+\s*$", line))
    elif fmt == "html":
        raw = html.unescape(re.sub(r"<[^>]+>", " ", data.decode("utf-8").split("<body>", 1)[1]))
    else:
        raw = re.sub(r"\\(.)", r"\1", data.decode("utf-8")).replace("`", "").replace("**", "")
    return re.sub(r"\s+", " ", raw)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_security_measures_rights_and_roles_come_from_the_policy(lang: str) -> None:
    text = text_of("default", lang, "md")
    p = policy("default")
    for measure in p.security_measures:
        assert measure.text.get(lang) in text
    for purpose in p.purposes.values():
        assert purpose.legal_basis.get(lang) in text and purpose.description.get(lang) in text
    for role in p.roles.values():
        assert role.label.get(lang) in text
    for right in (
        "information",
        "access",
        "rectification",
        "erasure",
        "restriction",
        "portability",
        "objection",
        "complaint",
    ):
        assert TEXTS[lang][f"right_{right}"] in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_html_is_a_standalone_accessible_document(lang: str) -> None:
    doc = rendered("default", lang, "html").decode("utf-8")
    assert doc.startswith("<!DOCTYPE html>")
    assert f'<html lang="{lang}">' in doc
    assert "<style>" in doc and "<title>" in doc and "<main>" in doc
    assert "<link" not in doc and "<script" not in doc and "src=" not in doc and "url(" not in doc
    assert re.findall(r'href="(https?:[^"]+)"', doc) == [DATATILSYNET_COMPLAINT_URL]
    assert doc.count("<h1>") == 1 and doc.count('<section id="section-') == 14
    assert '<mark class="placeholder">&lt;&lt;name of the data controller&gt;&gt;</mark>' in doc
    filled = rendered("filled", lang, "html").decode("utf-8")
    assert '<a href="mailto:persondata@eksempel.dk">persondata@eksempel.dk</a>' in filled


@pytest.mark.parametrize("lang", LANGUAGES)
def test_markdown_structure(lang: str) -> None:
    md = rendered("default", lang, "md").decode("utf-8")
    assert md.startswith(f"# {TEXTS[lang]['title']}\n")
    assert [int(n) for n in re.findall(r"^## (\d+)\. ", md, re.MULTILINE)] == list(range(1, 15))
    assert f"<{DATATILSYNET_COMPLAINT_URL}>" in md
    assert "`<<name of the data controller>>`" in md
    assert "\n\n\n" not in md
    assert re.search(r"^\| --- \| --- \|$", md, re.MULTILINE)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_pdf_really_renders(lang: str) -> None:
    data = rendered("filled", lang, "pdf")
    assert data.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert len(reader.pages) >= 1
    uris = [
        annot.get_object()["/A"]["/URI"]
        for page in reader.pages
        for annot in page.get("/Annots") or []
        if "/A" in annot.get_object() and "/URI" in annot.get_object()["/A"]
    ]
    assert DATATILSYNET_COMPLAINT_URL in uris
    assert "mailto:persondata@eksempel.dk" in uris


def test_one_context_for_every_format() -> None:
    context = policy_context(policy("default"), "en")
    assert [s.number for s in context["sections"]] == list(range(1, 15))
    assert all(s.blocks for s in context["sections"])
    assert context["lang"] == "en" and context["title"] == "Privacy policy for customers"


@pytest.mark.parametrize(
    ("lang", "fmt", "message"),
    [
        ("de", "html", "lang must be one of da, en"),
        ("da", "docx", "fmt must be one of html, pdf, md"),
        ("EN", "md", "lang must be one of da, en"),
    ],
)
def test_unknown_language_or_format(lang: str, fmt: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        render_policy(policy("default"), lang, fmt)


def test_markup_escapes_and_links() -> None:
    assert str(to_html("<script>x</script> & https://example.dk/a?b=1&c=2.")) == (
        '&lt;script&gt;x&lt;/script&gt; &amp; <a href="https://example.dk/a?b=1&amp;c=2">'
        "https://example.dk/a?b=1&amp;c=2</a>."
    )
    assert str(to_html("<<navn>> på a@b.dk")) == (
        '<mark class="placeholder">&lt;&lt;navn&gt;&gt;</mark> på <a href="mailto:a@b.dk">a@b.dk</a>'
    )
    # text with nothing to link takes the short way, escaped all the same
    assert str(to_html('<b onclick="x">Ærø & co</b>')) == '&lt;b onclick="x"&gt;Ærø &amp; co&lt;/b&gt;'
    assert str(html_rows((("<i>1</i>", "a@b.dk"), ("<<x>>", 7)))) == (
        '<tr><td>&lt;i&gt;1&lt;/i&gt;</td><td><a href="mailto:a@b.dk">a@b.dk</a></td></tr>\n'
        '<tr><td><mark class="placeholder">&lt;&lt;x&gt;&gt;</mark></td><td>7</td></tr>\n'
    )
    assert to_md("a*b_c [x] | <tag> # no") == r"a\*b\_c \[x\] \| \<tag\> # no"
    assert to_md("- not a list\n1. not a list either") == "\\- not a list\n1\\. not a list either"
    assert to_md("<<navn>> https://x.dk.") == "`<<navn>>` <https://x.dk>."
