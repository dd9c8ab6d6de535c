"""``persondata policy check``: lint a valid policy file against the law (RULES.md) and the stored data.

:func:`parse_policy` already refuses a file that cannot be run (wrong types, unknown keys, marketing switched
on, fewer than 5 bookkeeping years). What is left here is what a valid file can still get wrong: a promise
that contradicts the law (the 5½-year clash of RULES R3), details still to be filled in, access broader than
the purposes need, a stored field that no category declares. Each finding says why (which rule) and what to
write instead, in both languages, because the reader is the data controller.

The wording of the clash (in words) lives here too, so the linter and the published privacy policy describe the
same rule in the same words; dates and periods in words come from ``core/formats.py``. Pure Python: no Django
import.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Final, Literal

from persondata.core.calendar import (
    ClashRange,
    FinancialYear,
    accounting_retention,
    add_months,
    clash_invoice_months,
    describe_clash_months,
    min_consistent_policy_months,
)
from persondata.core.formats import check_lang, format_date, format_month_day, months_in_words
from persondata.core.policy import CONTROLLER_KEYS, LEGAL_BOOKKEEPING_YEARS, Policy, Text, is_placeholder
from persondata.core.policy_words import (
    CARD,
    CPR,
    DUTY_PURPOSES,
    MARKETING,
    cvr_problem,
    email_problem,
    find_in_key,
    find_word,
    names_consent,
    phone_problem,
    placeholder_in,
)

Severity = Literal["error", "warning", "info"]
SEVERITIES: Final = ("error", "warning", "info")

#: RULES R2: what the bookkeeping act keeps (invoices with the buyer's name and address, payments).
ACCOUNTING_FIELDS: Final = frozenset({"invoice", "billing_snapshot", "payment"})
#: Purposes under which accounting material may be read (R4: after an erasure request, bookkeeping only).
ACCOUNTING_PURPOSES: Final = frozenset({"bookkeeping", "invoicing"})
#: Policy [13]: the control every half year; a longer interval breaks the published promise.
REVIEW_PROMISED_MONTHS: Final = 6
#: The role that runs the system: it sees no customer data (need to know, policy [12]).
IT_ADMIN_ROLE: Final = "it_admin"
#: EU and EEA member states (ISO 3166-1 alpha-2); a partner elsewhere is a third-country transfer (Chapter V).
# fmt: off
EU_EEA: Final = frozenset({
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
    "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",  # EU
    "IS", "LI", "NO",  # EEA
})
# fmt: on
#: Countries with an adequacy decision of the European Commission (GDPR Art. 45; for the US: the EU-US Data
#: Privacy Framework, for certified companies only).
ADEQUATE: Final = frozenset(
    {"AD", "AR", "CA", "CH", "FO", "GB", "GG", "IL", "IM", "JE", "JP", "KR", "NZ", "US", "UY"}
)


@dataclass(frozen=True, slots=True)
class Finding:
    severity: Severity
    code: str
    key: str
    message: Text
    fix: Text


# ------------------------------------------------------------------------------------------ words for dates


def financial_year_span(fy: FinancialYear, lang: str) -> str:
    """``1. januar – 31. december`` / ``1 July – 30 June``."""
    check_lang(lang)
    end = fy.end_of(date(2023, fy.start_month, fy.start_day))
    first = format_month_day((fy.start_month, fy.start_day), lang)
    return f"{first} – {format_month_day((end.month, end.day), lang)}"


def financial_year_in_words(fy: FinancialYear, lang: str) -> str:
    """``kalenderåret (1. januar – 31. december)`` / ``1 July – 30 June``."""
    span = financial_year_span(fy, lang)
    if fy.is_calendar_year:
        return f"kalenderåret ({span})" if lang == "da" else f"the calendar year ({span})"
    return span


# ------------------------------------------------------------------------------------------- the R3 clash


@dataclass(frozen=True, slots=True)
class RetentionClash:
    """RULES R3: the invoices for which the policy's maximum comes before the law allows deletion."""

    ranges: tuple[ClashRange, ...]
    months: tuple[int, ...]
    #: The smallest ``policy_max_months`` that never clashes for this bookkeeping period.
    consistent_months: int

    def ranges_in_words(self, lang: str) -> str:
        parts = [f"{format_month_day(r.first, lang)} – {format_month_day(r.last, lang)}" for r in self.ranges]
        return (" og " if lang == "da" else " and ").join(parts)


def describe_clash(policy: Policy) -> RetentionClash | None:
    """The R3 clash of this policy's retention settings and financial year, or None if there is none."""
    r = policy.retention
    ranges = clash_invoice_months(policy.financial_year, r.bookkeeping_years, r.policy_max_months)
    if not ranges:
        return None
    months = describe_clash_months(policy.financial_year, r.bookkeeping_years, r.policy_max_months)
    return RetentionClash(tuple(ranges), tuple(months), min_consistent_policy_months(r.bookkeeping_years))


def clash_sentence(policy: Policy, lang: str) -> str | None:
    """The clash in words for customers (the published policy, section [4]); None if there is none."""
    clash = describe_clash(policy)
    if clash is None:
        return None
    r, fy = policy.retention, policy.financial_year
    ranges = clash.ranges_in_words(lang)
    limit = months_in_words(r.policy_max_months, lang)
    years = months_in_words(12 * r.bookkeeping_years, lang)
    first = format_month_day((fy.start_month, fy.start_day), lang)
    if lang == "da":
        return (
            f"For fakturaer og betalinger dateret {ranges} i et regnskabsår falder grænsen på {limit} efter "
            f"fakturadatoen, før bogføringsloven tillader os at slette dem ({years} fra udgangen af "
            f"regnskabsåret). Her går loven forud: de opbevares, indtil de {years} er gået, og slettes den "
            f"{first} derefter."
        )
    return (
        f"For invoices and payments dated {ranges} of a financial year, the limit of {limit} after the "
        f"invoice date falls before the Bookkeeping Act allows us to delete them ({years} from the end of "
        f"the financial year). The law takes precedence: they are kept until the {years} have passed and "
        f"are deleted on the following {first}."
    )


# ------------------------------------------------------------------------------------------------ the checks


def check_policy(policy: Policy, today: date, stored_fields: frozenset[str] | None = None) -> list[Finding]:
    """Every finding for this policy on ``today``, errors first.

    ``stored_fields``: the field names the register actually stores (None: skip that check).
    """
    findings: list[Finding] = [
        *_clash(policy, today),
        *_retention(policy),
        *_controller(policy),
        *_marketing(policy),
        *_cpr_and_cards(policy),
        *_consent(policy),
        *_partners(policy),
        *_categories(policy),
        *_roles(policy),
        *_review(policy, today),
    ]
    if stored_fields is not None:
        findings.extend(_stored(policy, stored_fields))
    return sorted(findings, key=lambda f: SEVERITIES.index(f.severity))


def exit_status(findings: Iterable[Finding]) -> int:
    """``policy check`` exits 1 if any finding is an error (the published policy would be untrue or
    unlawful), else 0; warnings and information do not fail it."""
    return 1 if any(f.severity == "error" for f in findings) else 0


# ------------------------------------------------------------------- R19, R18, consent: meaning, not spelling


def _texts(*pairs: tuple[str, Text]) -> Iterable[tuple[str, str]]:
    for key, text in pairs:
        yield key, text.da
        yield key, text.en


def _marketing_finding(key: str, word: str, what_da: str, what_en: str) -> Finding:
    return Finding(
        "error",
        "marketing-profiling",
        key,
        Text(
            f"{what_da} taler om markedsføring eller profilering (»{word}«). Politikken lover, at kundernes "
            "oplysninger aldrig bruges til markedsføring eller profilering (politikken afsnit 7, "
            "databeskyttelsesloven § 13); det gælder behandlingen, uanset hvad den kaldes.",
            f"{what_en} speaks of marketing or profiling ('{word}'). The policy promises that customers' "
            "data is never used for marketing or profiling (policy section 7, databeskyttelsesloven § 13); "
            "that applies to the processing, whatever it is called.",
        ),
        Text(
            f"Fjern {key} (eller ordlyden), så ingen rolle, ingen samarbejdspartner og intet formål bruger "
            "kundeoplysninger til markedsføring, nyhedsbreve, annoncering, segmentering eller profilering.",
            f"Remove {key} (or the wording), so that no role, partner or purpose uses customer data for "
            "marketing, newsletters, advertising, segmentation or profiling.",
        ),
    )


def _marketing(policy: Policy) -> Iterable[Finding]:
    """RULES R19: marketing or profiling under any name, in a purpose, a category, a role or a partner."""
    for purpose in policy.purposes.values():
        where = f"purposes.{purpose.key}"
        word = find_in_key(purpose.key, MARKETING) or next(
            (w for _, t in _texts(("", purpose.label), ("", purpose.description), ("", purpose.legal_basis))
             if (w := find_word(t, MARKETING))),
            None,
        )  # fmt: skip
        if word:
            yield _marketing_finding(where, word, f"Formålet »{purpose.key}«", f"The purpose '{purpose.key}'")
    for cat in policy.categories.values():
        word = next(
            (w for _, t in _texts(("", cat.label), ("", cat.description)) if (w := find_word(t, MARKETING))),
            None,
        )
        if word:
            yield _marketing_finding(
                f"categories.{cat.key}.description",
                word,
                f"Kategorien »{cat.key}«",
                f"The category '{cat.key}'",
            )
    for role in policy.roles.values():
        word = find_in_key(role.key, MARKETING) or next(
            (w for _, t in _texts(("", role.label)) if (w := find_word(t, MARKETING, negation=False))), None
        )
        if word and (role.read or role.change):
            yield _marketing_finding(
                f"roles.{role.key}",
                word,
                f"Rollen »{role.key}«, der kan læse eller ændre kundeoplysninger,",
                f"The role '{role.key}', which may read or change customer data,",
            )
    for partner in policy.partners:
        word = find_word(partner.name, MARKETING, negation=False) or next(
            (w for _, t in _texts(("", partner.service)) if (w := find_word(t, MARKETING))), None
        )
        if word and partner.receives:
            yield _marketing_finding(
                f"partners.{partner.key}",
                word,
                f"Samarbejdspartneren »{partner.key}«, der modtager kundeoplysninger,",
                f"The partner '{partner.key}', which receives customer data,",
            )


def _cpr_and_cards(policy: Policy) -> Iterable[Finding]:
    """RULES R18 (databeskyttelsesloven § 11): no CPR numbers; PCI DSS: no full card numbers."""
    for cat in policy.categories.values():
        for i, name in enumerate(cat.fields):
            if find_in_key(name, CPR):
                yield _cpr_finding(
                    f"categories.{cat.key}.fields[{i}]", f"Feltet »{name}«", f"The field '{name}'"
                )
            elif find_in_key(name, CARD):
                yield Finding(
                    "error",
                    "card-number",
                    f"categories.{cat.key}.fields[{i}]",
                    Text(
                        f"Feltet »{name}« ville rumme fulde betalingskortnumre. Politikken lover kun en "
                        "maskeret reference (de sidste 4 cifre), og kortnumre må ikke gemmes (PCI DSS).",
                        f"The field '{name}' would hold full payment card numbers. The policy promises only a "
                        "masked reference (the last 4 digits), and card numbers must not be stored (PCI DSS).",
                    ),
                    Text(
                        f"Fjern »{name}« fra {f'categories.{cat.key}.fields'}; gem kun en maskeret reference.",
                        f"Remove '{name}' from categories.{cat.key}.fields; store only a masked reference.",
                    ),
                )
        for lang_text in _texts(("label", cat.label), ("description", cat.description)):
            if find_word(lang_text[1], CPR):
                yield _cpr_finding(
                    f"categories.{cat.key}.{lang_text[0]}",
                    f"Kategorien »{cat.key}« (teksten)",
                    f"The category '{cat.key}' (its text)",
                )
                break
    for purpose in policy.purposes.values():
        texts = _texts(("label", purpose.label), ("description", purpose.description))
        if any(find_word(t, CPR) for _, t in texts):
            yield _cpr_finding(
                f"purposes.{purpose.key}.description",
                f"Formålet »{purpose.key}«",
                f"The purpose '{purpose.key}'",
            )


def _cpr_finding(key: str, what_da: str, what_en: str) -> Finding:
    return Finding(
        "error",
        "cpr-number",
        key,
        Text(
            f"{what_da} er et CPR-nummer. En privat virksomhed må kun behandle CPR-numre i de tilfælde, "
            "databeskyttelsesloven § 11, stk. 2, nævner, og ingen af dem passer her; politikken lover, at "
            "vi ikke beder om CPR-numre.",
            f"{what_en} is a CPR number. A private company may process CPR numbers only in the cases of "
            "databeskyttelsesloven § 11(2), and none fits here; the policy promises that we do not ask for "
            "CPR numbers.",
        ),
        Text(
            "Fjern CPR-nummeret fra politikken og fra de data, virksomheden indsamler; brug kundenummeret til "
            "at identificere kunden.",
            "Remove the CPR number from the policy and from the data the company collects; use the customer "
            "number to identify the customer.",
        ),
    )


def _consent(policy: Policy) -> Iterable[Finding]:
    """Consent (Art. 6(1)(a)) can be withdrawn at any time (Art. 7(3)); invoicing and delivery rest on the
    contract (6(1)(b)) and bookkeeping on the Bookkeeping Act (6(1)(c)), which no withdrawal ends."""
    accounting = {c.key for c in policy.categories.values() if c.accounting_material}
    for purpose in policy.purposes.values():
        duty = (
            purpose.key in ("bookkeeping", "rights_requests")
            or find_in_key(purpose.key, DUTY_PURPOSES)
            or find_word(purpose.label.da, DUTY_PURPOSES, negation=False)
            or find_word(purpose.label.en, DUTY_PURPOSES, negation=False)
            or any(purpose.key in policy.categories[c].purposes for c in accounting)
        )
        said = names_consent(purpose.legal_basis.da) or names_consent(purpose.legal_basis.en)
        if not (duty and said):
            continue
        yield Finding(
            "error",
            "consent-basis",
            f"purposes.{purpose.key}.legal_basis",
            Text(
                f"Formålet »{purpose.key}« har samtykke som retsgrundlag (»{said}«). Et samtykke kan altid "
                "trækkes tilbage (databeskyttelsesforordningen art. 7, stk. 3), men levering og fakturering "
                "hviler på aftalen med kunden og bogføringen på bogføringsloven, som kunden ikke kan trække "
                "tilbage; politikken modsiger sig selv.",
                f"The purpose '{purpose.key}' has consent as its legal basis ('{said}'). Consent can be "
                "withdrawn at any time (GDPR Art. 7(3)), but delivery and invoicing rest on the contract with "
                "the customer and bookkeeping on the Bookkeeping Act, which the customer cannot withdraw; the "
                "policy contradicts itself.",
            ),
            Text(
                "Skriv aftalen (art. 6, stk. 1, litra b) for levering og fakturering og en retlig forpligtelse "
                "(art. 6, stk. 1, litra c, bogføringsloven) for bogføring og kundens rettigheder.",
                "Write the contract (Art. 6(1)(b)) for delivery and invoicing, and a legal obligation "
                "(Art. 6(1)(c), the Bookkeeping Act) for bookkeeping and customers' rights.",
            ),
        )


def _clash(policy: Policy, today: date) -> Iterable[Finding]:
    clash = describe_clash(policy)
    if clash is None:
        return
    r, fy = policy.retention, policy.financial_year
    example = accounting_retention(fy.start_of(today), fy, r.bookkeeping_years, r.policy_max_months)
    fixed = clash.consistent_months

    def words(lang: str) -> dict[str, str]:
        return {
            "ranges": clash.ranges_in_words(lang),
            "limit": months_in_words(r.policy_max_months, lang),
            "years": months_in_words(12 * r.bookkeeping_years, lang),
            "fy": financial_year_span(fy, lang),
            "inv": format_date(example.invoice_date, lang),
            "latest": format_date(example.policy_latest, lang),
            "keep": format_date(example.keep_until, lang),
            "delete": format_date(example.delete_on, lang),
            "fixed": months_in_words(fixed, lang),
        }

    da, en = words("da"), words("en")
    yield Finding(
        "warning",
        "retention-clash",
        "retention.policy_max_months",
        Text(
            f"Fakturaer og betalinger dateret {da['ranges']} (regnskabsåret går {da['fy']}): grænsen på "
            f"{da['limit']} efter fakturadatoen falder, før bogføringsloven tillader sletning "
            f"({da['years']} fra udgangen af regnskabsåret). Loven går forud: de opbevares, til de "
            f"{da['years']} er gået. Eksempel: en faktura dateret {da['inv']} skulle efter "
            f"politikken være slettet senest {da['latest']}, men opbevares til og med {da['keep']} og "
            f"slettes {da['delete']}. Politikkens tekst lover altså noget, loven ikke tillader.",
            f"Invoices and payments dated {en['ranges']} (the financial year runs {en['fy']}): the limit "
            f"of {en['limit']} after the invoice date falls before the Bookkeeping Act allows deletion "
            f"({en['years']} from the end of the financial year). The law wins: they are kept until the "
            f"{en['years']} have passed. Example: an invoice dated {en['inv']} would have to be "
            f"deleted by {en['latest']} under the policy, but is kept until {en['keep']} and deleted on "
            f"{en['delete']}. The policy text promises something the law does not allow.",
        ),
        Text(
            f"Skriv retention.policy_max_months = {fixed}, så politikken lover sletning senest "
            f"{da['fixed']} efter fakturadatoen, eller formulér sletteafsnittet sådan: »Regnskabsmateriale "
            f"(fakturaer og betalinger) opbevares i {da['years']} fra udgangen af det regnskabsår, det "
            "vedrører, som bogføringsloven kræver, og slettes derefter. Øvrige oplysninger slettes, så "
            "snart de ikke længere er relevante.« Indtil da trykker politikken kun lovens regel.",
            f"Write retention.policy_max_months = {fixed}, so the policy promises deletion at the latest "
            f'{en["fixed"]} after the invoice date, or word the deletion section like this: "Accounting '
            f"material (invoices and payments) is kept for {en['years']} from the end of the financial year "
            "it concerns, as the Bookkeeping Act requires, and deleted after that. Other data is deleted as "
            'soon as it is no longer relevant." Until then the printed policy states only the rule of the law.',
        ),
    )


def _retention(policy: Policy) -> Iterable[Finding]:
    r = policy.retention
    if r.bookkeeping_years > LEGAL_BOOKKEEPING_YEARS:
        yield Finding(
            "warning",
            "bookkeeping-longer-than-law",
            "retention.bookkeeping_years",
            Text(
                f"Regnskabsmateriale opbevares {r.bookkeeping_years} år, men bogføringsloven kræver kun "
                f"{LEGAL_BOOKKEEPING_YEARS}. Personoplysninger må ikke gemmes længere end nødvendigt "
                "(databeskyttelsesforordningen art. 5, stk. 1, litra e).",
                f"Accounting material is kept {r.bookkeeping_years} years, but the Bookkeeping Act "
                f"requires only {LEGAL_BOOKKEEPING_YEARS}. Personal data must not be kept longer than "
                "necessary (GDPR Art. 5(1)(e)).",
            ),
            Text(
                f"Skriv bookkeeping_years = {LEGAL_BOOKKEEPING_YEARS}, medmindre en anden lov kræver "
                "længere opbevaring; nævn i så fald loven i retention.law.",
                f"Write bookkeeping_years = {LEGAL_BOOKKEEPING_YEARS}, unless another law requires longer; "
                "if so, name that law in retention.law.",
            ),
        )
    if r.request_record_months == 0:
        yield Finding(
            "warning",
            "request-record-period",
            "retention.request_record_months",
            Text(
                "Oplysninger om en afsluttet henvendelse slettes straks, så virksomheden ikke kan "
                "dokumentere, at den svarede korrekt og til tiden (databeskyttelsesforordningen art. 5, "
                "stk. 2).",
                "The details of a closed request are deleted at once, so the company cannot show that it "
                "answered correctly and on time (GDPR Art. 5(2)).",
            ),
            Text("Skriv fx request_record_months = 12.", "Write e.g. request_record_months = 12."),
        )


_DETAIL_DA: Final = {
    "company": "virksomhedens navn",
    "name": "den dataansvarliges navn",
    "phone": "telefonnummeret",
    "email": "e-mailadressen",
    "address": "adressen",
    "cvr": "CVR-nummeret",
}
_DETAIL_EN: Final = {
    "company": "the company's name",
    "name": "the data controller's name",
    "phone": "the telephone number",
    "email": "the e-mail address",
    "address": "the address",
    "cvr": "the CVR number",
}


def _controller(policy: Policy) -> Iterable[Finding]:
    """Policy [5] and [8], Art. 13(1)(a): customers must be able to reach the controller with these details."""
    c = policy.controller
    for key in CONTROLLER_KEYS:
        value: str = getattr(c, key)
        if is_placeholder(value) or placeholder_in(value, digits_are_content=key != "address"):
            yield Finding(
                "error",
                "controller-placeholder",
                f"controller.{key}",
                Text(
                    f"controller.{key} er stadig en pladsholder (»{value}«), ikke {_DETAIL_DA[key]}; "
                    "kunderne skal kunne se, hvem de henvender sig til (politikken afsnit 5 og 8, "
                    "databeskyttelsesforordningen art. 13, stk. 1, litra a).",
                    f"controller.{key} is still a placeholder ('{value}'), not {_DETAIL_EN[key]}; customers "
                    "must be able to see whom to contact (policy sections 5 and 8, GDPR Art. 13(1)(a)).",
                ),
                Text(
                    f"Erstat »{value}« med {_DETAIL_DA[key]} i [controller], fx {_EXAMPLE[key]}.",
                    f"Replace '{value}' with {_DETAIL_EN[key]} in [controller], e.g. {_EXAMPLE[key]}.",
                ),
            )
            continue
        yield from _controller_value(key, value)


_EXAMPLE: Final = {
    "company": 'company = "Eksempel ApS"',
    "name": 'name = "Jens Hansen"',
    "phone": 'phone = "+45 89 12 34 56"',
    "email": 'email = "persondata@eksempel.dk"',
    "address": 'address = "Eksempelvej 1, 8000 Aarhus C"',
    "cvr": 'cvr = "12345674"',
}


def _controller_value(key: str, value: str) -> Iterable[Finding]:
    if key == "email" and (why := email_problem(value)):
        reason = {
            "reserved": (
                "domænet er reserveret til eksempler og kan aldrig modtage post",
                "the domain is reserved for examples and can never receive mail",
            ),
            "spaces": ("den har mellemrum før eller efter", "it has spaces before or after it"),
        }.get(why, ("den er ikke skrevet som en e-mailadresse", "it is not written as an e-mail address"))
        yield Finding(
            "error",
            "email-format",
            "controller.email",
            Text(
                f"»{value}« kan ikke være en e-mailadresse, kunderne kan skrive til: {reason[0]} (politikken "
                "afsnit 5 og 8).",
                f"'{value}' cannot be an e-mail address customers can write to: {reason[1]} (policy "
                "sections 5 and 8).",
            ),
            Text(f"Skriv fx {_EXAMPLE['email']}.", f"Write e.g. {_EXAMPLE['email']}."),
        )
    elif key == "phone" and (why := phone_problem(value)):
        reason = {
            "characters": ("det rummer andet end cifre, +, mellemrum og bindestreger",
                           "it holds more than digits, +, spaces and hyphens"),
            "length": ("et dansk nummer har 8 cifre, et udenlandsk 8-15 med landekode",
                       "a Danish number has 8 digits, a foreign one 8–15 with its country code"),
        }.get(why, ("danske numre begynder aldrig med 0", "Danish numbers never start with 0"))  # fmt: skip
        yield Finding(
            "error",
            "phone-format",
            "controller.phone",
            Text(
                f"»{value}« er ikke et telefonnummer: {reason[0]} (politikken afsnit 5 og 8).",
                f"'{value}' is not a telephone number: {reason[1]} (policy sections 5 and 8).",
            ),
            Text(f"Skriv fx {_EXAMPLE['phone']}.", f"Write e.g. {_EXAMPLE['phone']}."),
        )
    elif key == "cvr" and (why := cvr_problem(value)):
        if why == "format":
            msg = Text(
                f"»{value}« er ikke et CVR-nummer: et CVR-nummer har 8 cifre.",
                f"'{value}' is not a CVR number: a CVR number has 8 digits.",
            )
        else:
            msg = Text(
                f"»{value}« er ikke et gyldigt CVR-nummer: kontrolcifferet passer ikke (modulus 11); "
                "nummeret er sandsynligvis skrevet forkert.",
                f"'{value}' is not a valid CVR number: its check digit does not match (modulus 11); the "
                "number is probably mistyped.",
            )
        yield Finding(
            "error",
            "cvr-format",
            "controller.cvr",
            msg,
            Text(
                'Skriv virksomhedens CVR-nummer, som det står på virk.dk, fx cvr = "12345674".',
                'Write the company\'s CVR number as shown on virk.dk, e.g. cvr = "12345674".',
            ),
        )
    elif key == "address" and not re.search(r"\d", value):
        yield Finding(
            "warning",
            "address-format",
            "controller.address",
            Text(
                f"Adressen »{value}« har hverken husnummer eller postnummer; kunderne skal kunne skrive til "
                "virksomheden.",
                f"The address '{value}' has neither a house number nor a postcode; customers must be able "
                "to write to the company.",
            ),
            Text(f"Skriv fx {_EXAMPLE['address']}.", f"Write e.g. {_EXAMPLE['address']}."),
        )


def _partners(policy: Policy) -> Iterable[Finding]:
    for p in policy.partners:
        key = f"partners.{p.key}"
        if is_placeholder(p.name) or placeholder_in(p.name):
            yield Finding(
                "warning",
                "partner-placeholder",
                f"{key}.name",
                Text(
                    f"Samarbejdspartneren »{p.key}« har stadig en pladsholder som navn ({p.name}); "
                    "kunderne har ret til at få oplyst modtagerne af deres oplysninger (art. 15, stk. 1, "
                    "litra c, og art. 19).",
                    f"The partner '{p.key}' still has a placeholder as its name ({p.name}); customers have "
                    "a right to be told the recipients of their data (Art. 15(1)(c) and Art. 19).",
                ),
                Text(f"Skriv leverandørens navn i {key}.name.", f"Write the supplier's name in {key}.name."),
            )
        if p.country not in EU_EEA and p.safeguard == "adequacy" and p.country not in ADEQUATE:
            yield Finding(
                "warning",
                "partner-third-country",
                f"{key}.safeguard",
                Text(
                    f"Samarbejdspartneren »{p.key}« behandler oplysningerne i {p.country}, men Europa-"
                    "Kommissionen har ingen afgørelse om tilstrækkeligt beskyttelsesniveau for det land "
                    "(databeskyttelsesforordningen artikel 45); den trykte politik ville angive et grundlag, "
                    "der ikke findes.",
                    f"The partner '{p.key}' processes the data in {p.country}, but the European Commission "
                    "has no adequacy decision for that country (GDPR Article 45); the printed policy would "
                    "state a basis that does not exist.",
                ),
                Text(
                    'Skriv safeguard = "scc" (standardkontraktbestemmelser) eller "bcr", hvis I har dem.',
                    'Write safeguard = "scc" (standard contractual clauses) or "bcr", if you have them.',
                ),
            )
        if p.country not in EU_EEA and p.safeguard is None:
            yield Finding(
                "warning",
                "partner-third-country",
                f"{key}.country",
                Text(
                    f"Samarbejdspartneren »{p.key}« behandler oplysningerne i {p.country}, uden for "
                    "EU/EØS. Det er en overførsel til et tredjeland, som kræver et overførselsgrundlag "
                    "(databeskyttelsesforordningen kapitel V), og politikken nævner det ikke.",
                    f"The partner '{p.key}' processes the data in {p.country}, outside the EU/EEA. That is "
                    "a transfer to a third country, which needs a transfer basis (GDPR Chapter V), and the "
                    "policy does not mention it.",
                ),
                Text(
                    "Vælg en leverandør, der behandler data i EU/EØS, eller dokumentér "
                    f'overførselsgrundlaget og skriv det i {key}.safeguard: "adequacy" '
                    '(tilstrækkelighedsafgørelse), "scc" (standardkontraktbestemmelser) eller "bcr" '
                    "(bindende virksomhedsregler); politikken oplyser det så.",
                    "Choose a supplier that processes the data in the EU/EEA, or document the transfer "
                    f'basis and write it in {key}.safeguard: "adequacy" (an adequacy decision), "scc" '
                    '(standard contractual clauses) or "bcr" (binding corporate rules); the policy then '
                    "states it.",
                ),
            )
        for cat in sorted(p.receives):
            if not policy.categories[cat].purposes & p.purposes:
                yield Finding(
                    "warning",
                    "partner-purpose",
                    f"{key}.receives",
                    Text(
                        f"Samarbejdspartneren »{p.key}« modtager »{cat}«, men ingen af partnerens formål "
                        "er et formål, kategorien behandles til (dataminimering, art. 5, stk. 1, litra c).",
                        f"The partner '{p.key}' receives '{cat}', but none of its purposes is one the "
                        "category is processed for (data minimisation, Art. 5(1)(c)).",
                    ),
                    Text(
                        f"Fjern »{cat}« fra {key}.receives, eller tilføj formålet til {key}.purposes og "
                        f"categories.{cat}.purposes.",
                        f"Remove '{cat}' from {key}.receives, or add the purpose to {key}.purposes and "
                        f"categories.{cat}.purposes.",
                    ),
                )


def _categories(policy: Policy) -> Iterable[Finding]:
    limit = 12 * policy.retention.bookkeeping_years
    for cat in policy.categories.values():
        key = f"categories.{cat.key}"
        accounting = sorted(ACCOUNTING_FIELDS & set(cat.fields))
        if accounting and not cat.accounting_material:
            yield Finding(
                "error",
                "accounting-material",
                f"{key}.accounting_material",
                Text(
                    f"Kategorien »{cat.key}« rummer {', '.join(accounting)}, som er regnskabsmateriale "
                    "efter bogføringsloven (fakturaer med køberens navn og adresse, betalinger), "
                    "men er ikke markeret som regnskabsmateriale; de ville blive slettet for tidligt.",
                    f"The category '{cat.key}' holds {', '.join(accounting)}, which is accounting material "
                    "under the Bookkeeping Act (invoices with the buyer's name and address, payments), "
                    "but is not marked as accounting material; it would be deleted too early.",
                ),
                Text(
                    f"Skriv accounting_material = true i [{key}].",
                    f"Write accounting_material = true in [{key}].",
                ),
            )
        other = sorted(set(cat.fields) - ACCOUNTING_FIELDS)
        if cat.accounting_material and other:
            yield Finding(
                "warning",
                "not-accounting-material",
                f"{key}.fields",
                Text(
                    f"Kategorien »{cat.key}« er markeret som regnskabsmateriale, men rummer "
                    f"{', '.join(other)}, som ikke er regnskabsmateriale og derfor skal "
                    "slettes, så snart de ikke længere er relevante — ikke først efter bogføringslovens "
                    "frist.",
                    f"The category '{cat.key}' is marked as accounting material but holds "
                    f"{', '.join(other)}, which is not accounting material and must be deleted "
                    "as soon as it is no longer relevant — not only when the bookkeeping period ends.",
                ),
                Text(
                    "Flyt de felter til en kategori med accounting_material = false.",
                    "Move those fields to a category with accounting_material = false.",
                ),
            )
        months = policy.relevance_months_for(cat.key)
        if months is not None and (months == 0 or months > limit):
            own = cat.relevance_months is not None
            where = f"{key}.relevance_months" if own else "retention.relevance_months"
            if months == 0:
                msg = Text(
                    f"»{cat.key}« slettes samme dag, som oplysningerne holder op med at være relevante (0 "
                    "måneder); så kan virksomheden ikke behandle en reklamation eller et krav bagefter.",
                    f"'{cat.key}' is deleted the day it stops being relevant (0 months); the company then "
                    "cannot handle a complaint or claim afterwards.",
                )
            else:
                msg = Text(
                    f"»{cat.key}« er ikke regnskabsmateriale, men gemmes {months_in_words(months, 'da')} "
                    "efter sidste relevans — længere end selve regnskabsmaterialet "
                    f"({months_in_words(limit, 'da')}). Oplysninger skal slettes, så snart de ikke længere "
                    "er relevante (art. 5, stk. 1, litra e).",
                    f"'{cat.key}' is not accounting material but is kept {months_in_words(months, 'en')} "
                    "after it was last relevant — longer than the accounting material itself "
                    f"({months_in_words(limit, 'en')}). Data must be deleted as soon as it is no longer "
                    "relevant (Art. 5(1)(e)).",
                )
            yield Finding(
                "error" if months == 0 else "warning",
                "relevance-period",
                where,
                msg,
                Text(
                    f"Vælg en relevansperiode mellem 1 og {limit} måneder, og begrund den i "
                    "retention.relevance_reason.",
                    f"Choose a relevance period from 1 to {limit} months and explain it in "
                    "retention.relevance_reason.",
                ),
            )
    used = {p for c in policy.categories.values() for p in c.purposes}
    for purpose in policy.purposes:
        if purpose not in used:
            yield Finding(
                "info",
                "purpose-unused",
                f"purposes.{purpose}",
                Text(
                    f"Formålet »{purpose}« bruges ikke af nogen datakategori.",
                    f"The purpose '{purpose}' is not used by any data category.",
                ),
                Text(
                    "Tilføj det til en kategoris purposes, eller fjern afsnittet.",
                    "Add it to a category's purposes, or remove the section.",
                ),
            )


def _roles(policy: Policy) -> Iterable[Finding]:
    for role in policy.roles.values():
        key = f"roles.{role.key}"
        for cat_key in sorted(role.read):
            cat = policy.categories[cat_key]
            if cat.accounting_material and not role.purposes & ACCOUNTING_PURPOSES:
                yield Finding(
                    "warning",
                    "role-purpose",
                    f"{key}.read",
                    Text(
                        f"Rollen »{role.key}« kan læse regnskabsmaterialet »{cat_key}«, men har hverken "
                        "formålet bogføring eller fakturering; efter en sletteanmodning må kun bogføringen "
                        "læse det.",
                        f"The role '{role.key}' may read the accounting material '{cat_key}' but has "
                        "neither the bookkeeping nor the invoicing purpose; after an erasure request only "
                        "bookkeeping may read it.",
                    ),
                    Text(
                        f"Fjern »{cat_key}« fra {key}.read, eller giv rollen formålet »bookkeeping« eller "
                        "»invoicing«.",
                        f"Remove '{cat_key}' from {key}.read, or give the role the purpose 'bookkeeping' "
                        "or 'invoicing'.",
                    ),
                )
            elif not cat.purposes & role.purposes:
                yield Finding(
                    "warning",
                    "role-purpose",
                    f"{key}.read",
                    Text(
                        f"Rollen »{role.key}« kan læse »{cat_key}«, men ingen af rollens formål er et "
                        "formål, kategorien behandles til; adgangen kan aldrig bruges (need to know, "
                        "politikken afsnit 12).",
                        f"The role '{role.key}' may read '{cat_key}', but none of its purposes is one the "
                        "category is processed for; the access can never be used (need to know, policy "
                        "section 12).",
                    ),
                    Text(
                        f"Fjern »{cat_key}« fra {key}.read, eller ret rollens formål.",
                        f"Remove '{cat_key}' from {key}.read, or correct the role's purposes.",
                    ),
                )
        for cat_key in sorted(role.change - role.read):
            yield Finding(
                "warning",
                "change-without-read",
                f"{key}.change",
                Text(
                    f"Rollen »{role.key}« kan ændre »{cat_key}« uden at kunne læse det.",
                    f"The role '{role.key}' may change '{cat_key}' without being able to read it.",
                ),
                Text(
                    f"Tilføj »{cat_key}« til {key}.read, eller fjern det fra {key}.change.",
                    f"Add '{cat_key}' to {key}.read, or remove it from {key}.change.",
                ),
            )
        if role.key == IT_ADMIN_ROLE and (role.read or role.change):
            yield Finding(
                "warning",
                "it-admin-access",
                key,
                Text(
                    "IT-administrationen driver systemet og skal ikke se kundedata (need to know, "
                    "politikken afsnit 12).",
                    "IT administration runs the system and should see no customer data (need to know, "
                    "policy section 12).",
                ),
                Text(
                    f"Skriv read = [] og change = [] i [{key}].",
                    f"Write read = [] and change = [] in [{key}].",
                ),
            )


def _review(policy: Policy, today: date) -> Iterable[Finding]:
    if policy.review.months > REVIEW_PROMISED_MONTHS:
        yield Finding(
            "error",
            "review-interval",
            "review.months",
            Text(
                f"Kontrollen foretages kun hver {policy.review.months}. måned. Politikken lover en kontrol "
                "hvert halve år (afsnit 13), og loven kræver regelmæssig afprøvning af "
                "sikkerhedsforanstaltningerne (databeskyttelsesforordningen art. 32, stk. 1, litra d).",
                f"The control takes place only every {policy.review.months} months. The policy promises a "
                "control every six months (section 13), and the law requires regular testing of the "
                "security measures (GDPR Art. 32(1)(d)).",
            ),
            Text("Skriv months = 6 i [review].", "Write months = 6 in [review]."),
        )
    if policy.adopted is None:
        yield Finding(
            "warning",
            "not-adopted",
            "adopted",
            Text(
                "Politikken har ingen vedtagelsesdato; den skal vedtages og underskrives af direktøren "
                "(politikken afsnit 14).",
                "The policy has no adoption date; it must be adopted and signed by the director (policy "
                "section 14).",
            ),
            Text(
                f"Når politikken er underskrevet, skriv adopted = {today.isoformat()} (datoen for "
                "underskriften).",
                f"Once the policy is signed, write adopted = {today.isoformat()} (the date it was signed).",
            ),
        )
    elif policy.adopted > today:
        # The printed policy would state a signature that has not happened: untrue.
        yield Finding(
            "error",
            "adopted-in-future",
            "adopted",
            Text(
                f"Vedtagelsesdatoen {format_date(policy.adopted, 'da')} ligger i fremtiden.",
                f"The adoption date {format_date(policy.adopted, 'en')} is in the future.",
            ),
            Text("Skriv den dato, politikken blev underskrevet.", "Write the date the policy was signed."),
        )
    elif add_months(policy.adopted, policy.review.months) < today:
        # Informational only: the review log (not the policy file) knows whether the control took place.
        yield Finding(
            "info",
            "review-due",
            "review.months",
            Text(
                f"Politikken blev vedtaget {format_date(policy.adopted, 'da')}; kontrollen hver "
                f"{policy.review.months}. måned skal være foretaget siden (politikken afsnit 13).",
                f"The policy was adopted on {format_date(policy.adopted, 'en')}; the control every "
                f"{policy.review.months} months should have taken place since (policy section 13).",
            ),
            Text(
                "Registrér kontrollen, og gennemse politikken; ændrer du den, så opdater version og adopted.",
                "Record the control and look through the policy; if you change it, update version and "
                "adopted.",
            ),
        )


def _stored(policy: Policy, stored_fields: frozenset[str]) -> Iterable[Finding]:
    declared = policy.declared_fields
    for name in sorted(stored_fields - declared):
        yield Finding(
            "error",
            "stored-field-undeclared",
            "categories",
            Text(
                f"Feltet »{name}« er gemt i registeret, men ingen datakategori i politikken nævner det. "
                "Kunderne får ikke at vide, at det behandles (art. 13 og 15), og ingen sletteregel dækker "
                "det.",
                f"The field '{name}' is stored in the register, but no data category of the policy "
                "declares it. Customers are not told it is processed (Art. 13 and 15), and no deletion "
                "rule covers it.",
            ),
            Text(
                f"Tilføj »{name}« til fields i den kategori, det hører til, eller hold op med at gemme det.",
                f"Add '{name}' to the fields of the category it belongs to, or stop storing it.",
            ),
        )
    for name in sorted(declared - stored_fields):
        cat = policy.category_of_field(name)
        yield Finding(
            "info",
            "declared-field-not-stored",
            f"categories.{cat.key if cat else ''}.fields",
            Text(
                f"Feltet »{name}« står i politikken, men registeret gemmer det ikke.",
                f"The field '{name}' is declared in the policy, but the register does not store it.",
            ),
            Text(
                "Fjern det fra fields, hvis virksomheden ikke længere behandler det.",
                "Remove it from fields if the company no longer processes it.",
            ),
        )
