"""The published privacy policy: every section of the seed, in both languages and all three formats, printed
from the policy file — and the PDF really renders (parsed back with pypdf). No database."""

from __future__ import annotations

import html
import io
import re
from functools import cache

import pypdf
import pytest

from persondata.core.policy import Policy, load_policy, parse_policy
from persondata.documents.markup import to_html, to_md
from persondata.documents.policy_texts import DATATILSYNET_COMPLAINT_URL, TEXTS
from persondata.documents.privacy_policy import FORMATS, LANGUAGES, policy_context, render_policy
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
        "5½ år efter fakturadatoen",
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
        "5½ years after the invoice date",
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
    data = rendered(kind, lang, fmt)
    if fmt == "pdf":
        raw = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)
    elif fmt == "html":
        body = data.decode("utf-8").split("<body>", 1)[1]
        raw = html.unescape(re.sub(r"<[^>]+>", " ", body))
    else:
        raw = re.sub(r"\\(.)", r"\1", data.decode("utf-8")).replace("`", "").replace("**", "")
    return re.sub(r"\s+", " ", raw)


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


@pytest.mark.parametrize("lang", LANGUAGES)
def test_retention_periods_and_the_clash_are_explained(lang: str) -> None:
    text = text_of("default", lang, "html")
    retention = policy("default").retention
    assert retention.relevance_reason.get(lang) in text
    assert retention.law.get(lang) in text
    clash = {
        "da": "For fakturaer og betalinger dateret 1. januar – 30. juni",
        "en": "For invoices and payments dated 1 January – 30 June",
    }[lang]
    assert clash in text
    consistent = parse_policy(edited(("policy_max_months = 66", "policy_max_months = 72")))
    other = render_policy(consistent, lang, "md").decode()
    assert "30. juni" not in other and "30 June" not in other
    assert {"da": "6 år efter fakturadatoen", "en": "6 years after the invoice date"}[lang] in other


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
    assert to_md("a*b_c [x] | <tag> # no") == r"a\*b\_c \[x\] \| \<tag\> # no"
    assert to_md("- not a list\n1. not a list either") == "\\- not a list\n1\\. not a list either"
    assert to_md("<<navn>> https://x.dk.") == "`<<navn>>` <https://x.dk>."
