"""What a policy file's words say, however they are spelt: the recognisers behind ``policy check``.

RULES R19 forbids marketing and profiling as *processing*, not as a spelling: a purpose called
``nyhedsbrev``, a role labelled "Markedsføring" or a partner that "sends our newsletter" is the same thing as
``marketing = true``. R18 forbids CPR numbers however the field is named. A legal basis of consent cannot
carry the bookkeeping duty (consent can be withdrawn, the duty cannot). And the controller's details must be
real: the seed policy's own "Navn" and "telefonnummer", "TODO", "xxx" and "[Firmanavn]" are placeholders as
much as ``<<…>>`` is, and an e-mail, phone or CVR number that cannot be right makes the published policy
untrue.

Words are matched after NFKC normalisation, case folding, and joining hyphenated compounds (``news-letter``,
``CPR-nummer``), so typography does not hide a word. A word in a negated clause ("we never use it for
marketing") does not count. Pure Python: no Django import.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Final

# ------------------------------------------------------------------------------------------------ normalising

#: Every dash and hyphen kind (ASCII, U+2010–U+2015, U+2212 minus, small and full-width forms).
DASHES: Final = "-\u00ad\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_DASH_CLASS: Final = re.escape(DASHES)
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
_HYPHEN_IN_WORD = re.compile(rf"(?<=[^\W\d_])[{_DASH_CLASS}]+(?=[^\W_])")
_CLAUSE = re.compile(r"[.;:!?\n()]|\b(?:men|but|however|dog)\b")
_TOKEN = re.compile(r"[^\W_]+")

NEGATIONS: Final = frozenset(
    {
        # Danish
        "ikke", "aldrig", "ingen", "intet", "hverken", "uden", "ej",
        # English (don't → don + t)
        "not", "never", "no", "without", "neither", "nor", "don", "doesn", "isn", "aren", "won", "didn",
    }
)  # fmt: skip
_NEGATION_WINDOW: Final = 6


def normalise(text: str) -> str:
    """NFKC, case-folded, invisible characters removed, hyphenated compounds joined (``e-mail`` → ``email``)."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text)).casefold()
    return _HYPHEN_IN_WORD.sub("", text)


def _clauses(text: str) -> list[list[str]]:
    return [_TOKEN.findall(part) for part in _CLAUSE.split(normalise(text)) if part]


# -------------------------------------------------------------------------------------------- word matching


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Stems matched anywhere in a token, whole tokens, and token patterns."""

    stems: tuple[str, ...] = ()
    words: frozenset[str] = frozenset()
    patterns: tuple[re.Pattern[str], ...] = ()

    def matches(self, token: str) -> bool:
        return (
            token in self.words
            or any(s in token for s in self.stems)
            or any(p.fullmatch(token) for p in self.patterns)
        )


def find_word(text: str, lexicon: Lexicon, *, negation: bool = True) -> str | None:
    """The first token of ``text`` the lexicon recognises outside a negated clause, or None."""
    for tokens in _clauses(text):
        for i, token in enumerate(tokens):
            if not lexicon.matches(token):
                continue
            if negation and any(t in NEGATIONS for t in tokens[max(0, i - _NEGATION_WINDOW) : i]):
                continue
            return token
    return None


def find_in_key(key: str, lexicon: Lexicon) -> str | None:
    """A key such as ``salg_og_markedsfoering``: each part, and the parts joined, are looked at."""
    parts = [p for p in re.split(r"[_\W]+", key.casefold()) if p]
    for token in [*parts, "".join(parts)]:
        if lexicon.matches(token):
            return token
    return None


#: RULES R19, databeskyttelsesloven § 13: marketing and profiling in Danish and English, with the ASCII
#: spellings of æ/ø/å. "reklame" is matched as a word, not a stem: "reklamere"/"reklamation" mean to complain.
MARKETING: Final = Lexicon(
    stems=(
        "marketing", "markedsfør", "markedsfoer", "markedsfor", "advertis", "advertiz", "annonc",
        "newsletter", "nyhedsbrev", "nyhedsmail", "tilbudsmail", "tilbudsavis", "salgsfrem", "kampagne",
        "campaign", "promotion", "promover", "mersalg", "upsell", "upsale", "krydssalg", "crosssell",
        "profil", "segment", "målret", "maalret", "malrett", "targeting", "retarget", "personaliser",
        "personalis", "personaliz", "adfærd", "adfaerd", "behaviour", "behavior", "scoring", "kreditvurd",
        "creditworth", "lookalike", "mailchimp", "klaviyo", "hubspot", "heyloyalty", "sendinblue",
        "marketo", "criteo", "adform", "adwords", "leadgen",
    ),
    words=frozenset({"ads", "promo", "promos", "spam", "reklamer", "reklamerne", "reklamens"}),
    patterns=(re.compile(r"reklame(?!r|ring)\w*"),),
)  # fmt: skip

#: RULES R18, databeskyttelsesloven § 11: the CPR number under its names.
CPR: Final = Lexicon(
    stems=(
        "cpr", "personnummer", "personnr", "personalidentitynumber", "personalidnumber",
        "personalnumber", "socialsecurity", "nationalid", "civilregistration", "fødselsnummer",
        "foedselsnummer", "fodselsnummer", "personidentifikation",
    ),
    words=frozenset({"ssn", "personalid", "personid"}),
)  # fmt: skip

#: Full payment card numbers (PCI DSS): a field that would hold one.
CARD: Final = Lexicon(
    stems=("cardnumber", "kortnummer", "kortnr", "creditcard", "kreditkort", "debitcard", "betalingskortnr"),
    words=frozenset({"pan", "cvv", "cvc", "cvv2", "cvc2"}),
)

#: Consent (GDPR Art. 6(1)(a)); the withdrawal of consent cannot end a duty.
CONSENT: Final = Lexicon(stems=("samtykke", "consent"))
_CONSENT_ARTICLE = re.compile(
    r"6\s*,?\s*stk\.?\s*1\s*,?\s*(?:litra\s*)?a\b|6\s*\(\s*1\s*\)\s*\(\s*a\s*\)|6\s*\.\s*1\s*\.\s*a\b"
)

#: Purposes the law or the contract carries, never consent: invoicing, delivery, bookkeeping, accounting.
DUTY_PURPOSES: Final = Lexicon(
    stems=(
        "faktur", "invoic", "billing", "lever", "deliver", "shipping", "forsendelse", "bogfør", "bogfoer",
        "bogfor", "bookkeep", "regnskab", "accounting", "betaling", "payment",
    ),
)  # fmt: skip


_OBJECTION_ARTICLE = re.compile(
    r"6\s*,?\s*stk\.?\s*1\s*,?\s*(?:litra\s*)?[ef]\b|6\s*\(\s*1\s*\)\s*\(\s*[ef]\s*\)|6\s*\.\s*1\s*\.\s*[ef]\b"
)
#: Legitimate interest (Art. 6(1)(f)) and a task in the public interest (6(1)(e)): the bases Art. 21 applies to.
OBJECTABLE: Final = Lexicon(stems=("legitim",))


def allows_objection(legal_basis: str) -> bool:
    """True if a legal basis is Art. 6(1)(e) or (f), the processing a customer may object to (Art. 21)."""
    text = normalise(legal_basis)
    return bool(
        _OBJECTION_ARTICLE.search(text)
        or find_word(legal_basis, OBJECTABLE, negation=False)
        or "public interest" in text
        or "samfundets interesse" in text
        or "offentlig myndighed" in text
    )


def names_consent(legal_basis: str) -> str | None:
    """The wording by which a legal basis names consent, or None (a negated mention does not count)."""
    word = find_word(legal_basis, CONSENT)
    if word:
        return word
    m = _CONSENT_ARTICLE.search(normalise(legal_basis))
    return m.group() if m else None


# ------------------------------------------------------------------------------------------------ placeholders

_BRACKETED = re.compile(r"<[^<>]*>|\[[^\[\]]*\]|\{[^{}]*\}")
_MARKERS = re.compile(
    r"\b(?:todo|tbd|tba|fixme|xx+|lorem|ipsum|udfyld\w*|indsæt|indsaet|fill\s*in|insert|placeholder|"
    r"pladsholder|dummy|n\.\s*n|nn|john\s+doe|jane\s+doe|navn\s+navnesen)\b|^\W*$|\.\.\.|…|\?"
)
#: Words that describe a detail rather than give it ("Navn", "telefonnummer", "Firmanavn ApS").
LABEL_WORDS: Final = frozenset(
    {
        "navn", "fornavn", "efternavn", "mellemnavn", "fulde", "fuldt", "name", "first", "last", "full",
        "surname", "firma", "firmanavn", "firmaets", "virksomhed", "virksomheden", "virksomhedens",
        "virksomhedsnavn", "selskab", "selskabet", "selskabets", "selskabsnavn", "company", "companys",
        "firm", "business", "telefon", "telefonnummer", "telefonnr", "telefonnummeret", "tlf", "tlfnr",
        "mobil", "mobilnummer", "mobilnr", "phone", "telephone", "mobile", "number", "nummer", "nr", "no",
        "email", "mail", "emailadresse", "mailadresse", "adresse", "adressen", "address", "postadresse",
        "postal", "by", "vej", "vejnavn", "gade", "gadenavn", "street", "road", "husnummer", "postnummer", "postnr",
        "zip", "zipcode", "postcode", "city", "town", "cvr", "cvrnr", "cvrnummer", "vat", "registration",
        "dataansvarlig", "dataansvarlige", "controller", "kontaktperson", "contact", "person", "ansvarlig",
        "ansvarlige", "responsible", "indehaver", "owner", "direktør", "director", "test", "here", "her",
        "your", "you", "jeres", "din", "dit", "dine", "vores", "our", "the", "of",
        "og", "and", "or", "eller", "på", "af", "for", "den", "det", "a", "an", "til", "to", "en", "et",
        "aps", "as", "a/s", "ivs", "is", "ks", "ps", "ab", "gmbh", "ltd", "inc", "domain", "domæne", "dk",
        "com", "xyz",
    }
)  # fmt: skip


def placeholder_in(value: str, *, digits_are_content: bool = True) -> str | None:
    """Why ``value`` is a placeholder rather than a real detail, in a few words; None if it looks real.

    ``<<…>>``, bracketed text (``[Firmanavn]``), markers (``TODO``, ``xxx``, ``…``), a value made only of
    words that *name* a detail ("Navn", "telefonnummer", "Firmanavn ApS", "navn@firma.dk"), and made-up digit
    runs (``12345678``, ``00000000``).
    """
    text = normalise(value).strip()
    if not text:
        return "empty"
    if _BRACKETED.search(text):
        return "bracketed"
    if _MARKERS.search(text):
        return "marker"
    words = re.findall(r"[^\W\d_]+", text.replace("a/s", "as"))
    # "CVR 12345674" gives the number; "Vejnavn 1, 1234 By" (digits_are_content=False) does not.
    has_digits = bool(re.search(r"\d", text)) and digits_are_content
    if words and all(w in LABEL_WORDS for w in words) and not has_digits:
        return "label"
    digits = re.sub(r"\D", "", text)
    if len(digits) >= 8 and not words and len(set(digits)) == 1:
        return "made-up digits"
    return None


# ---------------------------------------------------------------------------------------- e-mail, phone, CVR

_EMAIL = re.compile(
    r"(?P<local>[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*)"
    r"@(?P<domain>(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+[^\W\d_]{2,63})",
    re.IGNORECASE,
)
#: RFC 2606 / RFC 6761: names that can never receive mail.
_RESERVED_DOMAINS: Final = ("example.com", "example.net", "example.org")
_RESERVED_TLDS: Final = ("example", "test", "invalid", "localhost", "local")


def email_problem(value: str) -> str | None:
    """Why ``value`` cannot be a working e-mail address, or None."""
    v = unicodedata.normalize("NFKC", value)
    if v != v.strip():
        return "spaces"
    if len(v) > 254 or not (m := _EMAIL.fullmatch(v)) or len(m["local"]) > 64:
        return "syntax"
    domain = m["domain"].casefold()
    if (
        any(domain == d or domain.endswith("." + d) for d in _RESERVED_DOMAINS)
        or domain.rsplit(".", 1)[-1] in _RESERVED_TLDS
    ):
        return "reserved"
    if "_" in domain or "--" in domain.split(".")[-1]:
        return "syntax"
    return None


def phone_problem(value: str) -> str | None:
    """Why ``value`` cannot be a telephone number, or None.

    Danish numbers (no country code, ``+45`` or ``0045``) have 8 digits and never start with 0; foreign
    numbers with ``+`` or ``00`` have 8–15 digits (E.164) after the country code's first digit 1–9.
    """
    v = unicodedata.normalize("NFKC", value).strip()
    v = re.sub(r"^(?:tlf|tel|telefon|phone|mobil|mobile)\b\.?:?", "", v, flags=re.IGNORECASE)
    v = re.sub(rf"[\s{_DASH_CLASS}./()]", "", v)
    if not re.fullmatch(r"\+?\d+", v):
        return "characters"
    international = v.startswith("+") or v.startswith("00")
    digits = v.lstrip("+")
    if v.startswith("00"):
        digits = digits[2:]
    if international and not digits.startswith("45"):
        return None if 8 <= len(digits) <= 15 and digits[0] != "0" else "length"
    national = digits[2:] if international else digits
    if len(national) != 8:
        return "length"
    if national[0] == "0":
        return "danish-prefix"
    return None


CVR_WEIGHTS: Final = (2, 7, 6, 5, 4, 3, 2, 1)


def cvr_digits(value: str) -> str:
    """``DK 1234 5674`` / ``CVR-nr. 12345674`` → ``12345674`` (not validated)."""
    v = normalise(value)
    v = re.sub(r"^(?:dk|cvr\s*(?:nr|nummer)?\.?\s*:?)", "", v.strip()).strip()
    return re.sub(rf"[\s{_DASH_CLASS}]", "", v)


def cvr_problem(value: str) -> str | None:
    """Why ``value`` cannot be a CVR number: not 8 digits, a leading 0, or a failed modulus-11 check."""
    d = cvr_digits(value)
    if not re.fullmatch(r"\d{8}", d):
        return "format"
    if d[0] == "0" or sum(int(c) * w for c, w in zip(d, CVR_WEIGHTS, strict=True)) % 11:
        return "checksum"
    return None
