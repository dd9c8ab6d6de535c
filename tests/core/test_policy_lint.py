# ruff: noqa: E501 -- the table of findings reads one row per line; wrapping its rows would hide the columns
"""``policy check`` judges what a policy *says*, however it is worded (issue 16): one row per kind of finding,
with its code, severity, key and the exit status of ``policy check``, in Danish and in English wording, and
rows that must *not* be flagged (negations, the Danish "reklamere" = to complain, …). Pure core: no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from persondata.core.policy import parse_policy
from persondata.core.policy_check import check_policy, exit_status
from tests.core.test_policy import filled_policy_text

TODAY = date(2026, 11, 25)
#: What the clean, filled policy already reports (the seed's 5½-year clash and the review reminder).
BASELINE = {"retention-clash", "review-due"}


@dataclass(frozen=True)
class Row:
    id: str
    edits: tuple[tuple[str, str], ...] = ()
    append: str = ""
    code: str | None = None  # None: nothing beyond the baseline
    severity: str = "error"
    key: str | None = None

    @property
    def exit(self) -> int:
        return 1 if self.code and self.severity == "error" else 0


def role(key: str, da: str, en: str, read: str = '["contact"]') -> str:
    return (
        f'\n[roles.{key}]\nlabel.da = "{da}"\nlabel.en = "{en}"\nread = {read}\nchange = []\n'
        'purposes = ["customer_service"]\n'
    )


def purpose(key: str, label: tuple[str, str], desc: tuple[str, str] = ("Et formål.", "A purpose.")) -> str:
    return (
        f'\n[purposes.{key}]\nlabel.da = "{label[0]}"\nlabel.en = "{label[1]}"\n'
        f'description.da = "{desc[0]}"\ndescription.en = "{desc[1]}"\n'
        'legal_basis.da = "Aftalen (art. 6, stk. 1, litra b)."\nlegal_basis.en = "The contract (Art. 6(1)(b))."\n'
    )


def partner(key: str, name: str, da: str, en: str) -> str:
    return (
        f'\n[partners.{key}]\nname = "{name}"\nservice.da = "{da}"\nservice.en = "{en}"\n'
        'receives = ["contact"]\npurposes = ["customer_service"]\n'
    )


CS_DESC_DA = "besvare spørgsmål om deres ordrer."
CS_DESC_EN = "answer questions about their orders."
CONTACT_FIELDS = 'fields = ["name", "address", "phone", "email"]'
INVOICING_BASIS_DA = 'legal_basis.da = "Aftalen med kunden (databeskyttelsesforordningen art. 6, stk. 1, litra b)."\nlegal_basis.en = "Our contract with the customer (GDPR Art. 6(1)(b))."\n\n[purposes.customer_service]'


def basis(da: str, en: str) -> tuple[tuple[str, str], ...]:
    """Replace the legal basis of [purposes.invoicing] (the one just before [purposes.customer_service])."""
    return (
        (
            INVOICING_BASIS_DA,
            f'legal_basis.da = "{da}"\nlegal_basis.en = "{en}"\n\n[purposes.customer_service]',
        ),
    )


def controller(old: str, new: str) -> tuple[tuple[str, str], ...]:
    return ((old, new),)


NAME, PHONE, EMAIL = '"Jens Hansen"', '"+45 12 34 56 78"', '"persondata@eksempel.dk"'
COMPANY, ADDRESS, CVR = '"Eksempel ApS"', '"Eksempelvej 1, 8000 Aarhus C"', '"12345674"'

ROWS = [
    # ---------------------------------------------------------------- R19: marketing and profiling, any name
    Row("role marketing reads contact (en)", append=role("marketing", "Marketing", "Marketing"),
        code="marketing-profiling", key="roles.marketing"),
    Row("role markedsfoering (da key)", append=role("markedsfoering", "Markedsføring", "Marketing"),
        code="marketing-profiling", key="roles.markedsfoering"),
    Row("role 'salg' labelled sales and marketing", append=role("salg", "Salg og markedsføring", "Sales and marketing"),
        code="marketing-profiling", key="roles.salg"),
    Row("role labelled Nyhedsbreve changes contact",
        append=role("kommunikation", "Nyhedsbreve", "Communication", read="[]").replace(
            "change = []", 'change = ["contact"]'),
        code="marketing-profiling", key="roles.kommunikation"),
    Row("role called marketing without any access is harmless", append=role("marketing", "Marketing", "Marketing", "[]")),
    Row("purpose nyhedsbrev (da)", append=purpose("nyhedsbrev", ("Nyhedsbrev", "Newsletter")),
        code="marketing-profiling", key="purposes.nyhedsbrev"),
    Row("purpose newsletter (en)", append=purpose("newsletter", ("Nyhedsbrev", "Newsletter")),
        code="marketing-profiling", key="purposes.newsletter"),
    Row("purpose profilering (da key)", append=purpose("profilering", ("Kundeindsigt", "Customer insight")),
        code="marketing-profiling", key="purposes.profilering"),
    Row("purpose advertising (en label)", append=purpose("outreach", ("Udsendelser", "Advertising")),
        code="marketing-profiling", key="purposes.outreach"),
    Row("purpose annoncering (da label)", append=purpose("synlighed", ("Annoncering", "Visibility")),
        code="marketing-profiling", key="purposes.synlighed"),
    Row("purpose segmentation in the description (en)",
        append=purpose("insight", ("Indsigt", "Insight"), ("Indsigt i kunder.", "Segmentation of customers by what they buy.")),
        code="marketing-profiling", key="purposes.insight"),
    Row("purpose kundesegmentering in the description (da)",
        append=purpose("indsigt", ("Indsigt", "Insight"), ("Kundesegmentering efter køb.", "Insight.")),
        code="marketing-profiling", key="purposes.indsigt"),
    Row("purpose targeted ads (en)", append=purpose("reach", ("Rækkevidde", "Reach"), ("Rækkevidde.", "Targeted ads.")),
        code="marketing-profiling", key="purposes.reach"),
    Row("purpose with a hyphenated news-letter", append=purpose("mail", ("Udsendelse", "News-letter")),
        code="marketing-profiling", key="purposes.mail"),
    Row("purpose with a full-width Ｍａｒｋｅｔｉｎｇ", append=purpose("outreach", ("Ｍａｒｋｅｔｉｎｇ", "Outreach")),
        code="marketing-profiling", key="purposes.outreach"),
    Row("purpose reklamemails (da)", append=purpose("udsendelser", ("Reklamemails", "Mailings")),
        code="marketing-profiling", key="purposes.udsendelser"),
    Row("purpose credit scoring is profiling", append=purpose("risk", ("Risiko", "Credit scoring")),
        code="marketing-profiling", key="purposes.risk"),
    Row("customer service description adds newsletters (da)",
        edits=((CS_DESC_DA, "besvare spørgsmål om deres ordrer og sende nyhedsbreve."),),
        code="marketing-profiling", key="purposes.customer_service"),
    Row("customer service description adds personalised offers (en)",
        edits=((CS_DESC_EN, "answer questions about their orders and send personalised offers."),),
        code="marketing-profiling", key="purposes.customer_service"),
    Row("category description: used for advertising (en)",
        edits=(("so that we can deliver, invoice and contact the customer.",
                "so that we can deliver, invoice and send the customer advertising."),),
        code="marketing-profiling", key="categories.contact.description"),
    Row("partner sending the newsletter (da)",
        append=partner("nyhedsmail", "Mailudsendelse A/S", "Sender vores nyhedsbrev.", "Sends our mailings."),
        code="marketing-profiling", key="partners.nyhedsmail"),
    Row("partner Mailchimp (by name)",
        append=partner("mail", "Mailchimp", "Sender e-mails.", "Sends e-mails."),
        code="marketing-profiling", key="partners.mail"),
    Row("negated: never used for marketing (da)",
        edits=((CS_DESC_DA, "besvare spørgsmål om deres ordrer; vi bruger dem aldrig til markedsføring."),)),
    Row("negated: not for marketing or profiling (en)",
        edits=((CS_DESC_EN, "answer questions about their orders, not for marketing or profiling."),)),
    Row("'reklamere' means to complain, not to advertise",
        edits=((CS_DESC_DA, "besvare spørgsmål om deres ordrer, også når kunden vil reklamere over en leverance."),)),
    Row("negation does not reach past 'men' / 'but'",
        edits=((CS_DESC_EN, "answer questions, not sell anything, but also send newsletters."),),
        code="marketing-profiling", key="purposes.customer_service"),
    # ------------------------------------------------------------------------- R18: CPR numbers, card numbers
    Row("field cpr", edits=((CONTACT_FIELDS, 'fields = ["name", "address", "phone", "email", "cpr"]'),),
        code="cpr-number", key="categories.contact.fields[4]"),
    Row("field cpr_nummer", edits=((CONTACT_FIELDS, 'fields = ["cpr_nummer", "name", "address", "phone", "email"]'),),
        code="cpr-number", key="categories.contact.fields[0]"),
    Row("field personnummer", edits=((CONTACT_FIELDS, 'fields = ["name", "personnummer", "address", "phone", "email"]'),),
        code="cpr-number", key="categories.contact.fields[1]"),
    Row("field social_security_number", edits=((CONTACT_FIELDS, 'fields = ["name", "address", "phone", "email", "social_security_number"]'),),
        code="cpr-number", key="categories.contact.fields[4]"),
    Row("field cprnr", edits=((CONTACT_FIELDS, 'fields = ["name", "address", "phone", "email", "cprnr"]'),),
        code="cpr-number", key="categories.contact.fields[4]"),
    Row("category text: CPR-nummer (da)",
        edits=(("Kundens navn, adresse, telefonnummer og e-mailadresse", "Kundens navn, adresse, CPR-nummer og e-mailadresse"),),
        code="cpr-number", key="categories.contact.description"),
    Row("category text: civil registration number (en)",
        edits=(("The customer's name, address, telephone number", "The customer's name, address, personal identity number (CPR)"),),
        code="cpr-number", key="categories.contact.description"),
    Row("field card_number", edits=((CONTACT_FIELDS, 'fields = ["name", "address", "phone", "email", "card_number"]'),),
        code="card-number", key="categories.contact.fields[4]"),
    Row("field kortnummer", edits=((CONTACT_FIELDS, 'fields = ["name", "address", "phone", "email", "kortnummer"]'),),
        code="card-number", key="categories.contact.fields[4]"),
    # --------------------------------------------------------------------- consent as the basis of a duty
    Row("invoicing on consent (da and en)", edits=basis("Dit samtykke (art. 6, stk. 1, litra a).", "Your consent (Art. 6(1)(a))."),
        code="consent-basis", key="purposes.invoicing.legal_basis"),
    Row("invoicing on consent (en wording only)", edits=basis("Aftalen.", "The customer's consent."),
        code="consent-basis", key="purposes.invoicing.legal_basis"),
    Row("invoicing on Art. 6(1)(a) without the word", edits=basis("Art. 6, stk. 1, litra a.", "Art. 6(1)(a)."),
        code="consent-basis", key="purposes.invoicing.legal_basis"),
    Row("delivery on samtykke (da)",
        edits=(('legal_basis.da = "Aftalen med kunden (databeskyttelsesforordningen art. 6, stk. 1, litra b)."\nlegal_basis.en = "Our contract with the customer (GDPR Art. 6(1)(b))."\n\n[purposes.invoicing]',
                'legal_basis.da = "Kundens samtykke."\nlegal_basis.en = "The contract."\n\n[purposes.invoicing]'),),
        code="consent-basis", key="purposes.delivery.legal_basis"),
    Row("bookkeeping on consent",
        edits=(('legal_basis.da = "En retlig forpligtelse: bogføringsloven (databeskyttelsesforordningen art. 6, stk. 1, litra c)."',
                'legal_basis.da = "Samtykke fra kunden."'),),
        code="consent-basis", key="purposes.bookkeeping.legal_basis"),
    Row("a purpose named Fakturering on consent", append=purpose("opkraevning", ("Fakturering", "Billing")).replace(
        "Aftalen (art. 6, stk. 1, litra b).", "Samtykke."), code="consent-basis", key="purposes.opkraevning.legal_basis"),
    Row("'not consent' is not consent", edits=basis("Aftalen, ikke samtykke.", "The contract, not consent.")),
    # -------------------------------------------------------------------------- the controller's details
    Row("name 'Navn' (the seed's own)", edits=controller(NAME, '"Navn"'), code="controller-placeholder", key="controller.name"),
    Row("name 'Name' (en)", edits=controller(NAME, '"Name"'), code="controller-placeholder", key="controller.name"),
    Row("phone 'telefonnummer' (the seed's own)", edits=controller(PHONE, '"telefonnummer"'),
        code="controller-placeholder", key="controller.phone"),
    Row("phone 'Phone number' (en)", edits=controller(PHONE, '"Phone number"'),
        code="controller-placeholder", key="controller.phone"),
    Row("company TODO", edits=controller(COMPANY, '"TODO"'), code="controller-placeholder", key="controller.company"),
    Row("company [Firmanavn]", edits=controller(COMPANY, '"[Firmanavn]"'), code="controller-placeholder", key="controller.company"),
    Row("company 'Firmanavn ApS'", edits=controller(COMPANY, '"Firmanavn ApS"'), code="controller-placeholder", key="controller.company"),
    Row("company {Company name}", edits=controller(COMPANY, '"{Company name}"'), code="controller-placeholder", key="controller.company"),
    Row("name xxx", edits=controller(NAME, '"xxx"'), code="controller-placeholder", key="controller.name"),
    Row("name XXXX XXXX", edits=controller(NAME, '"XXXX XXXX"'), code="controller-placeholder", key="controller.name"),
    Row("name N.N.", edits=controller(NAME, '"N.N."'), code="controller-placeholder", key="controller.name"),
    Row("name '…'", edits=controller(NAME, '"…"'), code="controller-placeholder", key="controller.name"),
    Row("name 'Indsæt navn'", edits=controller(NAME, '"Indsæt navn"'), code="controller-placeholder", key="controller.name"),
    Row("name 'Jens Hansen (TBD)'", edits=controller(NAME, '"Jens Hansen (TBD)"'), code="controller-placeholder", key="controller.name"),
    Row("e-mail navn@firma.dk", edits=controller(EMAIL, '"navn@firma.dk"'), code="controller-placeholder", key="controller.email"),
    Row("address 'Adresse'", edits=controller(ADDRESS, '"Adresse"'), code="controller-placeholder", key="controller.address"),
    Row("address 'Vejnavn 1, 1234 By'", edits=controller(ADDRESS, '"Vejnavn 1, 1234 By"'),
        code="controller-placeholder", key="controller.address"),
    Row("address without any number", edits=controller(ADDRESS, '"Eksempelvej, Aarhus"'),
        code="address-format", severity="warning", key="controller.address"),
    Row("cvr XXXXXXXX", edits=controller(CVR, '"XXXXXXXX"'), code="controller-placeholder", key="controller.cvr"),
    Row("cvr 00000000", edits=controller(CVR, '"00000000"'), code="controller-placeholder", key="controller.cvr"),
    Row("e-mail at example.com", edits=controller(EMAIL, '"persondata@example.com"'), code="email-format", key="controller.email"),
    Row("e-mail with two dots", edits=controller(EMAIL, '"persondata@eksempel..dk"'), code="email-format", key="controller.email"),
    Row("e-mail with a one-letter top-level domain", edits=controller(EMAIL, '"persondata@eksempel.d"'),
        code="email-format", key="controller.email"),
    Row("e-mail at a .test domain", edits=controller(EMAIL, '"persondata@firma.test"'), code="email-format", key="controller.email"),
    Row("phone too short", edits=controller(PHONE, '"1234567"'), code="phone-format", key="controller.phone"),
    Row("phone too long", edits=controller(PHONE, '"+45 1234 56789"'), code="phone-format", key="controller.phone"),
    Row("phone in words", edits=controller(PHONE, '"ring på hverdage"'), code="phone-format", key="controller.phone"),
    Row("phone starting with 0", edits=controller(PHONE, '"02 34 56 78"'), code="phone-format", key="controller.phone"),
    Row("phone foreign with + is fine", edits=controller(PHONE, '"+46 8 123 456 78"')),
    Row("phone 0045 and dots is fine", edits=controller(PHONE, '"0045 89.12.34.56"')),
    Row("cvr fails modulus 11", edits=controller(CVR, '"12345678"'), code="cvr-format", key="controller.cvr"),
    Row("cvr with 7 digits", edits=controller(CVR, '"1234567"'), code="cvr-format", key="controller.cvr"),
    Row("cvr with letters", edits=controller(CVR, '"1234567A"'), code="cvr-format", key="controller.cvr"),
    Row("cvr written DK 1234 5674 is fine", edits=controller(CVR, '"DK 1234 5674"')),
    Row("cvr written CVR-nr. 12345674 is fine", edits=controller(CVR, '"CVR-nr. 12345674"')),
    # ---------------------------------------------------------------------- promises: review, relevance, adoption
    Row("review every 7 months", edits=(("months = 6 ", "months = 7 "),), code="review-interval", key="review.months"),
    Row("review every 12 months", edits=(("months = 6 ", "months = 12 "),), code="review-interval", key="review.months"),
    Row("review every 24 months", edits=(("months = 6 ", "months = 24 "),), code="review-interval", key="review.months"),
    Row("review every 3 months is fine", edits=(("months = 6 ", "months = 3 "),)),
    Row("relevance 0 months", edits=(("relevance_months = 36", "relevance_months = 0"),),
        code="relevance-period", key="retention.relevance_months"),
    Row("relevance 0 months for one category",
        edits=(('fields = ["order", "order_line", "delivery_address", "service_agreement"]',
                'fields = ["order", "order_line", "delivery_address", "service_agreement"]\nrelevance_months = 0'),),
        code="relevance-period", key="categories.order_history.relevance_months"),
    Row("relevance longer than the bookkeeping period", edits=(("relevance_months = 36", "relevance_months = 61"),),
        code="relevance-period", severity="warning", key="retention.relevance_months"),
    Row("adopted in the future", edits=(("adopted = 2025-03-01", "adopted = 2027-01-01"),),
        code="adopted-in-future", key="adopted"),
]  # fmt: skip


@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_policy_check_finding(row: Row) -> None:
    policy = parse_policy(filled_policy_text(*row.edits) + row.append)
    found = check_policy(policy, TODAY)
    new = [f for f in found if f.code not in BASELINE and f.code != "purpose-unused"]
    if row.code is None:
        assert new == []
    else:
        assert [(f.code, f.severity, f.key) for f in new if f.code == row.code][:1] == [
            (row.code, row.severity, row.key)
        ], new
        f = next(f for f in new if f.code == row.code)
        assert f.message.da and f.message.en and f.fix.da and f.fix.en
        assert f.message.da != f.message.en
    assert exit_status(found) == row.exit


def test_every_kind_of_finding_is_in_the_table() -> None:
    kinds = {r.code for r in ROWS if r.code}
    assert {
        "marketing-profiling",
        "cpr-number",
        "card-number",
        "consent-basis",
        "controller-placeholder",
        "email-format",
        "phone-format",
        "cvr-format",
        "review-interval",
        "relevance-period",
    } <= kinds


def test_the_clean_policy_exits_zero_and_the_default_exits_one() -> None:
    assert exit_status(check_policy(parse_policy(filled_policy_text()), TODAY)) == 0
    from persondata.core.policy import load_policy

    assert exit_status(check_policy(load_policy(), TODAY)) == 1


def test_docs_list_every_finding_code() -> None:
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    source = (root / "src/persondata/core/policy_check.py").read_text(encoding="utf-8")
    codes = set(
        re.findall(r'Finding\(\s*(?:"(?:error|warning|info)"|[^,()]+),\s*"([a-z]+(?:-[a-z]+)+)"', source)
    )
    assert {"marketing-profiling", "cpr-number", "consent-basis", "email-format"} <= codes
    docs = (root / "docs/policy-file.md").read_text(encoding="utf-8")
    assert [c for c in sorted(codes) if f"| `{c}` |" not in docs] == []
