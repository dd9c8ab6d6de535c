"""The policy file: the single source of truth for what the company promises its customers.

The data controller edits one TOML file (the shipped default is ``default_policy.toml``, the seed
policy). This module reads it into frozen dataclasses and validates it on load. Everything else — the
published privacy policy, access decisions, retention, answers to customers — is derived from the
:class:`Policy` built here.

Validation collects *every* problem before it gives up, because the person fixing the file is usually not
a programmer: each :class:`Problem` names the dotted key (``roles.accounting.read[2]``), says what is
wrong, what to write instead, and, where a simple scan of the file finds the key, the line. Unknown keys
are errors: a typo must never be silently ignored (a misspelt ``raed`` would otherwise quietly give a role
no access — or the reverse).

Pure Python: no Django import (DESIGN.md, "core").
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

from persondata.core.calendar import FinancialYear

LANGUAGES: Final = ("da", "en")
#: RULES R19 / policy [7] / databeskyttelsesloven § 13: never a purpose, never switched on.
FORBIDDEN_PURPOSES: Final = frozenset({"marketing", "profiling"})
#: The four data categories of the seed policy ([3]); the data model stores exactly these.
CATEGORY_KEYS: Final = ("contact", "customer_number", "order_history", "payment")
#: Purposes the software itself relies on by name (R4: accounting material restricted to bookkeeping;
#: handling customers' requests).
REQUIRED_PURPOSES: Final = ("bookkeeping", "rights_requests")
#: RULES R1: the bookkeeping act's minimum; the software refuses to delete accounting material earlier.
LEGAL_BOOKKEEPING_YEARS: Final = 5

_PLACEHOLDER = re.compile(r"<<[^<>]*>>")
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")


def is_placeholder(value: str) -> bool:
    """True if the value still holds a ``<<…>>`` placeholder that the data controller must fill in."""
    return bool(_PLACEHOLDER.search(value))


# ----------------------------------------------------------------------------------------------- the model


@dataclass(frozen=True, slots=True)
class Text:
    """A text of the policy in both languages of the published policy."""

    da: str
    en: str

    def get(self, lang: str) -> str:
        if lang == "da":
            return self.da
        if lang == "en":
            return self.en
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}; got {lang!r}")


@dataclass(frozen=True, slots=True)
class Controller:
    """The data controller (policy [5], [8]); values may still be ``<<…>>`` placeholders."""

    company: str
    name: str
    phone: str
    email: str
    address: str
    cvr: str

    def placeholders(self) -> list[str]:
        """The keys (``name``, ``phone`` …) that still hold a placeholder, in file order."""
        return [k for k in CONTROLLER_KEYS if is_placeholder(getattr(self, k))]


CONTROLLER_KEYS: Final = ("company", "name", "phone", "email", "address", "cvr")


@dataclass(frozen=True, slots=True)
class Purpose:
    key: str
    label: Text
    description: Text
    legal_basis: Text


@dataclass(frozen=True, slots=True)
class Category:
    key: str
    label: Text
    description: Text
    fields: tuple[str, ...]
    accounting_material: bool
    purposes: frozenset[str]
    #: Overrides ``retention.relevance_months`` for this category; None → the general relevance period.
    relevance_months: int | None = None


@dataclass(frozen=True, slots=True)
class Retention:
    bookkeeping_years: int
    policy_max_months: int
    relevance_months: int
    relevance_reason: Text
    request_record_months: int
    law: Text
    #: Forældelsesloven § 3: an unpaid invoice keeps the customer's contact data only while the claim can be
    #: enforced, this many years from the due date; then the data is deleted or restricted (``claim_after``).
    claim_years: int = 3
    claim_after: str = "delete"  # delete | restrict
    claim_reason: Text = Text("", "")
    #: What an import does with a row of a customer the sweep deleted at the end of retention
    #: (``retention.returning_customers``, one of :data:`RETURNING`).
    returning: str = "when_active"


@dataclass(frozen=True, slots=True)
class Partner:
    key: str
    name: str
    service: Text
    receives: frozenset[str]
    purposes: frozenset[str]
    country: str = "DK"
    #: The Chapter V basis of a transfer outside the EU/EEA (``adequacy``, ``scc``, ``bcr``); None: none given.
    safeguard: str | None = None


@dataclass(frozen=True, slots=True)
class Role:
    key: str
    label: Text
    read: frozenset[str]
    change: frozenset[str]
    purposes: frozenset[str]
    #: the named permissions (:data:`DUTIES`) the role holds beyond reading and changing customer data
    duties: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Measure:
    key: str
    text: Text


@dataclass(frozen=True, slots=True)
class Review:
    months: int = 6


@dataclass(frozen=True, slots=True)
class Backups:
    """How long backups are kept (``[backups]``; docs/backups.md). The key store's backups rotate on their own
    short period: an erasure reaches every database backup once the key-store backups older than it are gone,
    so ``key_store_rotation_days`` after the erasure at the latest (published in the policy, section 9)."""

    key_store_rotation_days: int = 35
    database_retention_days: int = 30


@dataclass(frozen=True, slots=True)
class Policy:
    version: str
    controller: Controller
    purposes: Mapping[str, Purpose]
    categories: Mapping[str, Category]
    retention: Retention
    financial_year: FinancialYear
    partners: tuple[Partner, ...]
    roles: Mapping[str, Role]
    security_measures: tuple[Measure, ...]
    review: Review
    marketing: bool
    profiling: bool
    adopted: date | None
    adopted_by: Text
    backups: Backups = Backups()
    forbidden_purposes: frozenset[str] = FORBIDDEN_PURPOSES
    #: Where the policy was read from (a path, or ``<string>``); for messages only.
    source: str = field(default="", compare=False)

    @property
    def declared_fields(self) -> frozenset[str]:
        return frozenset(f for c in self.categories.values() for f in c.fields)

    def category_of_field(self, name: str) -> Category | None:
        for cat in self.categories.values():
            if name in cat.fields:
                return cat
        return None

    def relevance_months_for(self, category: str) -> int | None:
        """Months a category is kept after it stops being relevant; None for accounting material (R1)."""
        cat = self.categories[category]
        if cat.accounting_material:
            return None
        return cat.relevance_months if cat.relevance_months is not None else self.retention.relevance_months

    def partner(self, key: str) -> Partner | None:
        return next((p for p in self.partners if p.key == key), None)


# ---------------------------------------------------------------------------------------------- the errors


@dataclass(frozen=True, slots=True)
class Problem:
    """What is wrong at the dotted ``key`` and how to fix it, in both languages (``message.get(lang)``), as the
    findings of ``policy check`` carry theirs; the key is the machine's and never translated."""

    key: str
    message: Text
    fix: Text
    line: int | None = None

    def __str__(self) -> str:
        return self.text("en")

    def text(self, lang: str) -> str:
        """One line for a person: the key, the line, what is wrong and the fix, in ``lang``."""
        if lang == "da":
            where = f" (linje {self.line})" if self.line else ""
            return f"{self.key}{where}: {self.message.da} — ret: {self.fix.da}"
        where = f" (line {self.line})" if self.line else ""
        return f"{self.key}{where}: {self.message.get(lang)} — fix: {self.fix.get(lang)}"


class PolicyError(Exception):
    """The policy file is not valid; ``problems`` holds every problem found, in file order where known."""

    def __init__(self, problems: list[Problem], source: str = "") -> None:
        self.problems = problems
        self.source = source
        head = f"{source}: " if source else ""
        n = len(problems)
        super().__init__(
            f"{head}{n} problem{'s' if n != 1 else ''} in the policy file:\n"
            + "\n".join(f"  {p}" for p in problems)
        )


# ---------------------------------------------------------------------------------------- the schema, as data
#
# Each table's allowed keys with an example of what to write: the example is the "fix" for a missing key or a
# value of the wrong type, and :func:`policy_keys` lists them for the documentation test.

_TOP: Final[dict[str, str]] = {
    "version": 'version = "2025.1"',
    "adopted": "adopted = 2025-03-01",
    "adopted_by": 'adopted_by.da = "Direktør" and adopted_by.en = "Director"',
    "marketing": "marketing = false",
    "profiling": "profiling = false",
    "controller": "a [controller] section",
    "financial_year": "a [financial_year] section",
    "retention": "a [retention] section",
    "review": "a [review] section",
    "backups": "a [backups] section",
    "purposes": "a [purposes.<key>] section for each purpose",
    "categories": "a [categories.<key>] section for each data category",
    "partners": "a [partners.<key>] section for each partner",
    "roles": "a [roles.<key>] section for each staff role",
    "security_measures": "a [security_measures.<key>] section for each security measure",
}
_OPTIONAL_TOP: Final = frozenset({"adopted", "backups"})
_CONTROLLER: Final[dict[str, str]] = {
    "company": 'company = "Eksempel ApS"',
    "name": 'name = "Jens Hansen"',
    "phone": 'phone = "+45 12 34 56 78"',
    "email": 'email = "persondata@eksempel.dk"',
    "address": 'address = "Eksempelvej 1, 8000 Aarhus C"',
    "cvr": 'cvr = "12345678"',
}
_FINANCIAL_YEAR: Final[dict[str, str]] = {"start_month": "start_month = 1", "start_day": "start_day = 1"}
_RETENTION: Final[dict[str, str]] = {
    "bookkeeping_years": "bookkeeping_years = 5",
    "policy_max_months": "policy_max_months = 66",
    "relevance_months": "relevance_months = 36",
    "relevance_reason": 'relevance_reason.da = "…" and relevance_reason.en = "…"',
    "request_record_months": "request_record_months = 12",
    "law": 'law.da = "…" and law.en = "…"',
    "unpaid_claim_years": "unpaid_claim_years = 3",
    "unpaid_claim_after": 'unpaid_claim_after = "delete"',
    "unpaid_claim_reason": 'unpaid_claim_reason.da = "…" and unpaid_claim_reason.en = "…"',
    "returning_customers": 'returning_customers = "when_active"',
}
_OPTIONAL_RETENTION: Final = frozenset(
    {"unpaid_claim_years", "unpaid_claim_after", "unpaid_claim_reason", "returning_customers"}
)
#: A re-imported row of a customer deleted at the end of retention (``retention.returning_customers``):
#: imported again only with activity after the deletion day, never (until ``--allow-returning``), or always.
RETURNING: Final = ("when_active", "skip", "import")
#: What happens to contact data once an unpaid invoice's claim is time-barred (``retention.unpaid_claim_after``).
CLAIM_AFTER: Final = ("delete", "restrict")
#: Forældelsesloven § 3, stk. 1: the ordinary limitation period; § 7 (10 years) is the longest the act knows.
LEGAL_CLAIM_YEARS: Final = 3
_REVIEW: Final[dict[str, str]] = {"months": "months = 6"}
_BACKUPS: Final[dict[str, str]] = {
    "key_store_rotation_days": "key_store_rotation_days = 35",
    "database_retention_days": "database_retention_days = 30",
}
#: The key store's backups are the short rotation that bounds how long an erased customer's data stays readable
#: in any backup: at most a quarter of a year (RULES R5: "delete there too where technically possible").
KEY_STORE_ROTATION_MAX_DAYS: Final = 90
_PURPOSE: Final[dict[str, str]] = {
    "label": 'label.da = "…" and label.en = "…"',
    "description": 'description.da = "…" and description.en = "…"',
    "legal_basis": 'legal_basis.da = "…" and legal_basis.en = "…"',
}
_CATEGORY: Final[dict[str, str]] = {
    "label": 'label.da = "…" and label.en = "…"',
    "description": 'description.da = "…" and description.en = "…"',
    "fields": 'fields = ["name", "address"]',
    "accounting_material": "accounting_material = false",
    "purposes": 'purposes = ["delivery", "invoicing"]',
    "relevance_months": "relevance_months = 36",
}
_OPTIONAL_CATEGORY: Final = frozenset({"relevance_months"})
_PARTNER: Final[dict[str, str]] = {
    "name": 'name = "Eksempel Økonomi A/S"',
    "service": 'service.da = "…" and service.en = "…"',
    "receives": 'receives = ["contact", "customer_number"]',
    "purposes": 'purposes = ["invoicing"]',
    "country": 'country = "DK"',
    "safeguard": 'safeguard = "scc"',
}
_OPTIONAL_PARTNER: Final = frozenset({"country", "safeguard"})
#: GDPR Chapter V: an adequacy decision (Art. 45), standard contractual clauses (Art. 46(2)(c)), binding
#: corporate rules (Art. 47).
SAFEGUARDS: Final = ("adequacy", "scc", "bcr")
_ROLE: Final[dict[str, str]] = {
    "label": 'label.da = "…" and label.en = "…"',
    "read": 'read = ["contact", "customer_number"]',
    "change": 'change = ["contact"]',
    "purposes": 'purposes = ["customer_service"]',
    "duties": 'duties = ["handle_requests"]',
}
#: The named permissions a role may hold (``[roles.<key>] duties``): the work on the company's own side of the
#: policy, beyond reading and changing customer data. Each is checked by this name and no other
#: (``persondata.access.permissions``).
DUTIES: Final[dict[str, str]] = {
    "handle_requests": "handles customers' requests (GDPR Art. 12–22) and tells the partners (Art. 19)",
    "manage_retention": "runs deletion on time: the plan, the runs, legal holds",
    "manage_staff": "manages staff logins, their roles and the declarations they accept",
    "manage_partners": "manages the partners' webhook endpoints and processor agreements",
    "read_access_log": "reads the access log (who read which customer's data)",
    "manage_breaches": "keeps the breach register and notifies Datatilsynet and the customers (GDPR Art. 33–34)",
    "adopt_policy": "records the adoption of a policy version: the date, who signed and in what role",
    "run_control": "carries out the half-yearly control and signs it off (policy section 13)",
    "manage_systems": "keeps the IT systems inventory and their risk assessments",
    "manage_backups": "backs up the database and the key store, restores a backup and runs the restore drill",
}
_MEASURE: Final[dict[str, str]] = {"text": 'text.da = "…" and text.en = "…"'}
_TEXT: Final[dict[str, str]] = {"da": 'da = "tekst på dansk"', "en": 'en = "text in English"'}

_TEXT_KEYS: Final = frozenset(
    {
        "adopted_by",
        "relevance_reason",
        "unpaid_claim_reason",
        "law",
        "label",
        "description",
        "legal_basis",
        "service",
        "text",
    }
)


def policy_keys() -> list[str]:
    """Every key a policy file may hold, as patterns (``categories.<key>.fields``).

    Texts in both languages (``label``) are written as ``label.da`` and ``label.en``.
    """
    keys: list[str] = []

    def add(prefix: str, schema: Mapping[str, str]) -> None:
        for name in schema:
            keys.append(f"{prefix}{name}")

    add("", {k: v for k, v in _TOP.items() if not v.startswith("a [")})
    add("controller.", _CONTROLLER)
    add("financial_year.", _FINANCIAL_YEAR)
    add("retention.", _RETENTION)
    add("review.", _REVIEW)
    add("backups.", _BACKUPS)
    add("purposes.<key>.", _PURPOSE)
    add("categories.<key>.", _CATEGORY)
    add("partners.<key>.", _PARTNER)
    add("roles.<key>.", _ROLE)
    add("security_measures.<key>.", _MEASURE)
    return keys


# ------------------------------------------------------------------------------------------- finding the line


def _split_key(raw: str) -> list[str]:
    parts = re.findall(r'"([^"]*)"|\'([^\']*)\'|([A-Za-z0-9_-]+)', raw)
    return [a or b or c for a, b, c in parts]


_TABLE_ARRAY = re.compile(r"^\[\[\s*([^\]]+?)\s*\]\]")
_TABLE = re.compile(r"^\[\s*([^\]]+?)\s*\]")
_ASSIGN = re.compile(
    r"""^((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=(.*)$"""
)


class _Locator:
    """Maps dotted keys to the line that defines them — a simple scan, not a second TOML parser."""

    def __init__(self, text: str) -> None:
        self.lines: dict[str, int] = {}
        prefix: list[str] = []
        arrays: dict[str, int] = {}
        open_string: str | None = None
        for no, raw in enumerate(text.splitlines(), 1):
            line = raw.strip()
            if open_string:
                if line.count(open_string) % 2 == 1:
                    open_string = None
                continue
            if not line or line.startswith("#"):
                continue
            if m := _TABLE_ARRAY.match(line):
                name = ".".join(_split_key(m[1]))
                index = arrays.get(name, 0)
                arrays[name] = index + 1
                prefix = [*name.split(".")[:-1], f"{name.split('.')[-1]}[{index}]"]
                self._mark(prefix, no)
            elif m := _TABLE.match(line):
                prefix = _split_key(m[1])
                self._mark(prefix, no)
            elif m := _ASSIGN.match(line):
                self._mark([*prefix, *_split_key(m[1])], no)
                for quote in ('"""', "'''"):
                    if m[2].count(quote) % 2 == 1:
                        open_string = quote

    def _mark(self, parts: list[str], no: int) -> None:
        for i in range(1, len(parts) + 1):
            self.lines.setdefault(".".join(parts[:i]), no)

    def line_of(self, key: str) -> int | None:
        while key:
            if key in self.lines:
                return self.lines[key]
            if key.endswith("]"):
                key = key[: key.rindex("[")]
            elif "." in key:
                key = key[: key.rindex(".")]
            else:
                return None
        return None


# ------------------------------------------------------------------------------------------------- the parser


def _join(parent: str, name: str) -> str:
    return f"{parent}.{name}" if parent else name


def _kind(value: object) -> Text:
    if isinstance(value, bool):
        return Text(f"sand/falsk ({str(value).lower()})", f"true/false ({str(value).lower()})")
    if isinstance(value, int):
        return Text(f"et helt tal ({value})", f"a whole number ({value})")
    if isinstance(value, float):
        return Text(f"et decimaltal ({value})", f"a decimal number ({value})")
    if isinstance(value, str):
        return Text(f'en tekst ("{value[:40]}")', f'a text ("{value[:40]}")')
    if isinstance(value, datetime):
        return Text("en dato med klokkeslæt", "a date and time")
    if isinstance(value, date):
        return Text(f"en dato ({value.isoformat()})", f"a date ({value.isoformat()})")
    if isinstance(value, list):
        return Text("en liste", "a list")
    if isinstance(value, dict):
        return Text("et afsnit (tabel)", "a section (table)")
    return Text(type(value).__name__, type(value).__name__)


def _found(da: str, en: str, value: object) -> Text:
    """``da``/``en`` followed by what was found instead (``_kind``)."""
    kind = _kind(value)
    return Text(f"{da}, fandt {kind.da}", f"{en}, found {kind.en}")


#: The words for what a list of keys names: (Danish plural, Danish singular, English plural, English singular).
_WHAT: Final = {
    "purposes": ("formål", "formål", "purposes", "purpose"),
    "categories": ("datakategorier", "datakategori", "categories", "category"),
    "duties": ("opgaver", "opgave", "duties", "duty"),
    "roles": ("roller", "rolle", "roles", "role"),
    "partners": ("samarbejdspartnere", "samarbejdspartner", "partners", "partner"),
    "security measures": ("sikkerhedsforanstaltninger", "sikkerhedsforanstaltning", "security measures", ""),
    "data categories": ("datakategorier", "datakategori", "data categories", "data category"),
}


def _is_forbidden(purpose: str) -> bool:
    return any(f in purpose for f in FORBIDDEN_PURPOSES)


def _suggest(name: str, choices: Iterable[str]) -> Text:
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return Text(f"mente du »{close[0]}«? ", f"did you mean '{close[0]}'? ") if close else Text("", "")


class _Parser:
    def __init__(self, text: str) -> None:
        self.locator = _Locator(text)
        self.problems: list[Problem] = []

    def problem(self, key: str, message: Text, fix: Text) -> None:
        self.problems.append(Problem(key, message, fix, self.locator.line_of(key)))

    # -- tables

    def table(
        self,
        value: object,
        key: str,
        schema: Mapping[str, str],
        optional: frozenset[str] = frozenset(),
        what: Text = Text("et afsnit", "a section"),
    ) -> dict[str, Any] | None:
        """Check a table's keys against its schema; report unknown and missing keys. None if not a table."""
        if not isinstance(value, dict):
            self.problem(
                key,
                _found(f"forventede {what.da} med nøgler", f"expected {what.en} with keys", value),
                Text(f"skriv det som [{key}]", f"write it as [{key}]"),
            )
            return None
        allowed = ", ".join(schema)
        for name in value:
            if name not in schema:
                hint = _suggest(name, schema)
                self.problem(
                    _join(key, name),
                    Text(
                        f"ukendt nøgle »{name}«" + (f" i [{key}]" if key else " øverst i filen"),
                        f"unknown key '{name}'" + (f" in [{key}]" if key else " at the top of the file"),
                    ),
                    Text(
                        f"{hint.da}de tilladte nøgler her er: {allowed}",
                        f"{hint.en}the keys allowed here are: {allowed}",
                    ),
                )
        for name, example in schema.items():
            if name not in value and name not in optional:
                self.problem(
                    _join(key, name),
                    Text(
                        f"»{name}« mangler" + (f" i [{key}]" if key else ""),
                        f"'{name}' is missing" + (f" in [{key}]" if key else ""),
                    ),
                    Text(f"tilføj {_example(example).da}", f"add {example}"),
                )
        return value

    def entries(self, value: object, key: str, what: str) -> dict[str, Any]:
        """A table of named sub-tables (``[purposes.<key>]``); checks the names."""
        da, _, en, _ = _WHAT[what]
        if not isinstance(value, dict):
            self.problem(
                key,
                _found(
                    f"forventede {da} som afsnit [{key}.<nøgle>]",
                    f"expected {en} as [{key}.<key>] sections",
                    value,
                ),
                Text(
                    f"skriv ét afsnit [{key}.<nøgle>] for hver", f"write one [{key}.<key>] section per entry"
                ),
            )
            return {}
        if not value:
            self.problem(
                key,
                Text(f"der er ingen {da}", f"no {en} are declared"),
                Text(f"tilføj mindst ét afsnit [{key}.<nøgle>]", f"add at least one [{key}.<key>] section"),
            )
        for name in value:
            if not _KEY.match(name):
                self.problem(
                    _join(key, name),
                    Text(f"»{name}« kan ikke bruges som nøgle", f"'{name}' is not a usable key"),
                    Text(
                        "brug små bogstaver, cifre og understreger, og begynd med et bogstav",
                        "use lower-case letters, digits and underscores, starting with a letter",
                    ),
                )
        return value

    # -- values

    def string(
        self, tbl: Mapping[str, Any], key: str, name: str, example: str, *, empty_ok: bool = False
    ) -> str:
        value = tbl.get(name)
        if name not in tbl:
            return ""
        if not isinstance(value, str):
            self.problem(
                _join(key, name),
                _found(
                    "forventede en tekst i dobbelte anførselstegn", "expected a text in double quotes", value
                ),
                _write(example),
            )
            return ""
        if not value.strip() and not empty_ok:
            self.problem(_join(key, name), Text("er tom", "is empty"), _write(example))
        return value

    def integer(self, tbl: Mapping[str, Any], key: str, name: str, example: str, lo: int, hi: int) -> int:
        value = tbl.get(name)
        if name not in tbl:
            return lo
        if isinstance(value, bool) or not isinstance(value, int):
            quoted = isinstance(value, str)
            self.problem(
                _join(key, name),
                _found("forventede et helt tal", "expected a whole number", value),
                Text(
                    f"skriv {example}" + (" (uden anførselstegn)" if quoted else ""),
                    f"write {example}" + (" (without quotes)" if quoted else ""),
                ),
            )
            return lo
        if not lo <= value <= hi:
            self.problem(
                _join(key, name),
                Text(
                    f"{value} ligger uden for det tilladte interval {lo}–{hi}",
                    f"{value} is outside the allowed range {lo}–{hi}",
                ),
                Text(
                    f"skriv et tal fra {lo} til {hi}, fx {example}",
                    f"write a number from {lo} to {hi}, e.g. {example}",
                ),
            )
            return lo
        return value

    def boolean(self, tbl: Mapping[str, Any], key: str, name: str, example: str) -> bool:
        value = tbl.get(name)
        if name not in tbl:
            return False
        if not isinstance(value, bool):
            self.problem(
                _join(key, name),
                _found("forventede true eller false", "expected true or false", value),
                Text(f"skriv {example} (uden anførselstegn)", f"write {example} (without quotes)"),
            )
            return False
        return value

    def text(self, tbl: Mapping[str, Any], key: str, name: str) -> Text:
        value = tbl.get(name)
        full = _join(key, name)
        if name not in tbl:
            return Text("", "")
        if not isinstance(value, dict):
            self.problem(
                full,
                _found("forventede en tekst på begge sprog", "expected a text in both languages", value),
                Text(
                    f'skriv {name}.da = "…" og {name}.en = "…" (dansk og engelsk)',
                    f'write {name}.da = "…" and {name}.en = "…" (Danish and English)',
                ),
            )
            return Text("", "")
        self.table(value, full, _TEXT, what=Text("en tekst på begge sprog", "a text in both languages"))
        da = self.string(value, full, "da", f'{name}.da = "…"')
        en = self.string(value, full, "en", f'{name}.en = "…"')
        return Text(da, en)

    def keys(
        self, tbl: Mapping[str, Any], key: str, name: str, example: str, known: Iterable[str], known_what: str
    ) -> frozenset[str]:
        """A list of keys that must each name something declared elsewhere (categories, purposes)."""
        value = tbl.get(name)
        full = _join(key, name)
        if name not in tbl:
            return frozenset()
        if not isinstance(value, list):
            self.problem(full, _found("forventede en liste", "expected a list", value), _write(example))
            return frozenset()
        known = list(known)
        da_many, da_one, en_many, en_one = _WHAT[known_what]
        out: set[str] = set()
        for i, item in enumerate(value):
            where = f"{full}[{i}]"
            if not isinstance(item, str):
                self.problem(
                    where,
                    _found(
                        "forventede en tekst i dobbelte anførselstegn",
                        "expected a text in double quotes",
                        item,
                    ),
                    _write(example),
                )
            elif known_what == "purposes" and _is_forbidden(item):
                self.problem(
                    where,
                    Text(
                        f"»{item}« er forbudt: virksomheden driver ingen markedsføring og ingen profilering "
                        "(politikken [7], databeskyttelsesloven § 13)",
                        f"'{item}' is forbidden: the company does no marketing and no profiling (policy [7], "
                        "databeskyttelsesloven § 13)",
                    ),
                    Text(f"fjern »{item}« fra listen", f"remove '{item}' from the list"),
                )
            elif item not in known:
                hint = _suggest(item, known)
                self.problem(
                    where,
                    Text(f"ukendt {da_one} »{item}«", f"unknown {en_one} '{item}'"),
                    Text(
                        f"{hint.da}de {da_many}, filen erklærer, er: {', '.join(known)}",
                        f"{hint.en}the {en_many} declared in the file are: {', '.join(known)}",
                    ),
                )
            elif item in out:
                self.problem(
                    where,
                    Text(f"»{item}« står to gange", f"'{item}' is listed twice"),
                    Text("skriv det én gang", "list it once"),
                )
            else:
                out.add(item)
        return frozenset(out)


#: The schemas' examples that are words, not syntax, in Danish (the rest only needs "and" said in Danish).
_EXAMPLES_DA: Final = {
    "a [controller] section": "et afsnit [controller]",
    "a [financial_year] section": "et afsnit [financial_year]",
    "a [retention] section": "et afsnit [retention]",
    "a [review] section": "et afsnit [review]",
    "a [backups] section": "et afsnit [backups]",
    "a [purposes.<key>] section for each purpose": "et afsnit [purposes.<nøgle>] for hvert formål",
    "a [categories.<key>] section for each data category": "et afsnit [categories.<nøgle>] for hver datakategori",
    "a [partners.<key>] section for each partner": "et afsnit [partners.<nøgle>] for hver samarbejdspartner",
    "a [roles.<key>] section for each staff role": "et afsnit [roles.<nøgle>] for hver medarbejderrolle",
    "a [security_measures.<key>] section for each security measure": (
        "et afsnit [security_measures.<nøgle>] for hver sikkerhedsforanstaltning"
    ),
    'en = "text in English"': 'en = "tekst på engelsk"',
}


def _example(example: str) -> Text:
    """A schema's example (``label.da = "…" and label.en = "…"``) in both languages."""
    return Text(_EXAMPLES_DA.get(example, example.replace('" and ', '" og ')), example)


def _write(example: str) -> Text:
    ex = _example(example)
    return Text(f"skriv {ex.da}", f"write {ex.en}")


def _parse(data: dict[str, Any], p: _Parser, source: str) -> Policy | None:
    top = p.table(data, "", _TOP, _OPTIONAL_TOP) or {}

    version = p.string(top, "", "version", _TOP["version"])
    adopted_by = p.text(top, "", "adopted_by")
    marketing = p.boolean(top, "", "marketing", "marketing = false")
    profiling = p.boolean(top, "", "profiling", "profiling = false")
    for name, flag in (("marketing", marketing), ("profiling", profiling)):
        if flag:
            word = {"marketing": "markedsføring", "profiling": "profilering"}[name]
            p.problem(
                name,
                Text(
                    f"{name} kan ikke slås til: politikken lover ingen {word} (politikken [7]), og persondata "
                    f"nægter at bruge kundeoplysninger til det (RULES R19, databeskyttelsesloven § 13)",
                    f"{name} cannot be switched on: the policy promises no {name} (policy [7]), and persondata "
                    f"refuses to use customer data for it (RULES R19, databeskyttelsesloven § 13)",
                ),
                _write(f"{name} = false"),
            )
    adopted: date | None = None
    if "adopted" in top:
        raw = top["adopted"]
        if isinstance(raw, date) and not isinstance(raw, datetime):
            adopted = raw
        elif raw != "":
            p.problem(
                "adopted",
                _found("forventede en dato", "expected a date", raw),
                Text(
                    "skriv datoen uden anførselstegn, fx adopted = 2025-03-01, eller fjern linjen, indtil "
                    "direktøren har skrevet under",
                    "write the date without quotes, e.g. adopted = 2025-03-01, or remove the line until the "
                    "director has signed",
                ),
            )

    controller = _controller(top, p)
    fy = _financial_year(top, p)
    retention = _retention(top, p)
    review_tbl = (p.table(top["review"], "review", _REVIEW) if "review" in top else None) or {}
    review = Review(p.integer(review_tbl, "review", "months", _REVIEW["months"], 1, 60))
    backups = _backups(top, p)

    purposes = _purposes(top, p)
    purpose_keys = [
        k
        for k in (top.get("purposes") or {})
        if isinstance(top.get("purposes"), dict) and not _is_forbidden(k)
    ]
    category_keys = [
        k
        for k in (top.get("categories") or {})
        if isinstance(top.get("categories"), dict) and k in CATEGORY_KEYS
    ]
    categories = _categories(top, p, purpose_keys)
    partners = _partners(top, p, category_keys, purpose_keys)
    roles = _roles(top, p, category_keys, purpose_keys)
    measures = _measures(top, p)

    if p.problems or fy is None:
        return None
    return Policy(
        version=version,
        controller=controller,
        purposes=MappingProxyType(purposes),
        categories=MappingProxyType(categories),
        retention=retention,
        financial_year=fy,
        partners=partners,
        roles=MappingProxyType(roles),
        security_measures=measures,
        review=review,
        marketing=marketing,
        profiling=profiling,
        adopted=adopted,
        adopted_by=adopted_by,
        backups=backups,
        source=source,
    )


def _backups(top: Mapping[str, Any], p: _Parser) -> Backups:
    if "backups" not in top:
        return Backups()
    tbl = p.table(top["backups"], "backups", _BACKUPS, frozenset(_BACKUPS)) or {}
    default = Backups()

    def days(name: str, hi: int, fallback: int) -> int:
        return p.integer(tbl, "backups", name, _BACKUPS[name], 1, hi) if name in tbl else fallback

    return Backups(
        key_store_rotation_days=days(
            "key_store_rotation_days", KEY_STORE_ROTATION_MAX_DAYS, default.key_store_rotation_days
        ),
        database_retention_days=days("database_retention_days", 3650, default.database_retention_days),
    )


def _controller(top: Mapping[str, Any], p: _Parser) -> Controller:
    tbl = p.table(top["controller"], "controller", _CONTROLLER) if "controller" in top else None
    tbl = tbl or {}
    values = {k: p.string(tbl, "controller", k, ex) for k, ex in _CONTROLLER.items()}
    email = values["email"]
    if email and not is_placeholder(email) and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        p.problem(
            "controller.email",
            Text(
                f"»{email}« ligner ikke en e-mailadresse", f"'{email}' does not look like an e-mail address"
            ),
            _write(_CONTROLLER["email"]),
        )
    return Controller(**values)


def _financial_year(top: Mapping[str, Any], p: _Parser) -> FinancialYear | None:
    if "financial_year" not in top:
        return None
    tbl = p.table(top["financial_year"], "financial_year", _FINANCIAL_YEAR)
    if tbl is None:
        return None
    month = p.integer(tbl, "financial_year", "start_month", "start_month = 7", 1, 12)
    day = p.integer(tbl, "financial_year", "start_day", "start_day = 1", 1, 31)
    try:
        date(2023, month, day)  # a non-leap year: a financial year cannot start on 29 February
    except ValueError:
        p.problem(
            "financial_year.start_day",
            Text(
                f"måned {month} har ikke en dag {day} i alle år",
                f"month {month} has no day {day} (in every year)",
            ),
            Text(
                "skriv regnskabsårets første dag, som regel dag 1",
                "write the first day of the financial year, usually day 1",
            ),
        )
        return None
    try:
        return FinancialYear(start_month=month, start_day=day)
    except ValueError as exc:
        p.problem(
            "financial_year",
            Text("kan ikke bruges som regnskabsår", f"not a usable financial year: {exc}"),
            Text("skriv start_month = 1 og start_day = 1", "write start_month = 1 and start_day = 1"),
        )
        return None


def _retention(top: Mapping[str, Any], p: _Parser) -> Retention:
    tbl = (
        p.table(top["retention"], "retention", _RETENTION, _OPTIONAL_RETENTION)
        if "retention" in top
        else None
    ) or {}
    k = "retention"
    years = p.integer(tbl, k, "bookkeeping_years", _RETENTION["bookkeeping_years"], 1, 30)
    raw_years = tbl.get("bookkeeping_years")
    if type(raw_years) is int and 1 <= raw_years < LEGAL_BOOKKEEPING_YEARS:
        p.problem(
            "retention.bookkeeping_years",
            Text(
                f"{years} år er kortere, end bogføringsloven tillader: regnskabsmateriale skal opbevares i "
                f"{LEGAL_BOOKKEEPING_YEARS} år fra udgangen af regnskabsåret (RULES R1)",
                f"{years} years is shorter than the bookkeeping act allows: accounting material must be kept "
                f"{LEGAL_BOOKKEEPING_YEARS} years from the end of the financial year (RULES R1)",
            ),
            _write(f"bookkeeping_years = {LEGAL_BOOKKEEPING_YEARS}"),
        )
    return Retention(
        bookkeeping_years=years,
        policy_max_months=p.integer(tbl, k, "policy_max_months", _RETENTION["policy_max_months"], 1, 600),
        relevance_months=p.integer(tbl, k, "relevance_months", _RETENTION["relevance_months"], 0, 600),
        relevance_reason=p.text(tbl, k, "relevance_reason"),
        request_record_months=p.integer(
            tbl, k, "request_record_months", _RETENTION["request_record_months"], 0, 120
        ),
        law=p.text(tbl, k, "law"),
        returning=_returning(tbl, p),
        **_claims(tbl, p),
    )


def _returning(tbl: Mapping[str, Any], p: _Parser) -> str:
    value = (
        p.string(tbl, "retention", "returning_customers", _RETENTION["returning_customers"]) or "when_active"
    )
    if value not in RETURNING:
        p.problem(
            "retention.returning_customers",
            Text(
                f"»{value}« er ikke noget, en import kan gøre med en kunde, der blev slettet ved opbevaringens udløb",
                f"'{value}' is not what an import can do with a customer deleted at the end of retention",
            ),
            Text(
                'skriv returning_customers = "when_active" (eller "skip" eller "import")',
                'write returning_customers = "when_active" (or "skip", or "import")',
            ),
        )
        return "when_active"
    return value


def _claims(tbl: Mapping[str, Any], p: _Parser) -> dict[str, Any]:
    """How long an unpaid invoice keeps contact data (forældelsesloven § 3), and what happens after."""
    k = "retention"
    years = p.integer(tbl, k, "unpaid_claim_years", _RETENTION["unpaid_claim_years"], 1, 10)
    after = p.string(tbl, k, "unpaid_claim_after", _RETENTION["unpaid_claim_after"]) or "delete"
    if after not in CLAIM_AFTER:
        p.problem(
            "retention.unpaid_claim_after",
            Text(
                f"»{after}« er ikke noget, der kan ske med kontaktoplysninger, når et krav er forældet",
                f"'{after}' is not what can happen to contact data once a claim is time-barred",
            ),
            Text(
                'skriv unpaid_claim_after = "delete" (eller "restrict": opbevares kun efter bogføringsloven)',
                'write unpaid_claim_after = "delete" (or "restrict": kept for the bookkeeping act only)',
            ),
        )
        after = "delete"
    years = years if "unpaid_claim_years" in tbl else LEGAL_CLAIM_YEARS
    reason = p.text(tbl, k, "unpaid_claim_reason")
    if years != LEGAL_CLAIM_YEARS and not (reason.da.strip() and reason.en.strip()):
        p.problem(
            "retention.unpaid_claim_years",
            Text(
                f"{years} år afviger fra forældelseslovens {LEGAL_CLAIM_YEARS} (forældelsesloven § 3), og der er "
                "ingen begrundelse; den trykte politik skal sige hvorfor",
                f"{years} years differs from the limitation act's {LEGAL_CLAIM_YEARS} (forældelsesloven § 3) and no "
                "reason is given; the printed policy must say why",
            ),
            Text(
                'tilføj unpaid_claim_reason.da = "…" og unpaid_claim_reason.en = "…", eller skriv '
                "unpaid_claim_years = 3",
                'add unpaid_claim_reason.da = "…" and unpaid_claim_reason.en = "…", or write unpaid_claim_years = 3',
            ),
        )
    return {"claim_years": years, "claim_after": after, "claim_reason": reason}


def _purposes(top: Mapping[str, Any], p: _Parser) -> dict[str, Purpose]:
    if "purposes" not in top:
        return {}
    out: dict[str, Purpose] = {}
    entries = p.entries(top["purposes"], "purposes", "purposes")
    for key, raw in entries.items():
        where = f"purposes.{key}"
        if _is_forbidden(key):
            p.problem(
                where,
                Text(
                    f"»{key}« kan aldrig være et formål: virksomheden driver ingen markedsføring og ingen "
                    "profilering (politikken [7], RULES R19, databeskyttelsesloven § 13)",
                    f"'{key}' can never be a purpose: the company does no marketing and no profiling "
                    "(policy [7], RULES R19, databeskyttelsesloven § 13)",
                ),
                Text(f"fjern afsnittet [{where}]", f"remove the section [{where}]"),
            )
            continue
        tbl = p.table(raw, where, _PURPOSE)
        if tbl is None:
            continue
        out[key] = Purpose(
            key,
            p.text(tbl, where, "label"),
            p.text(tbl, where, "description"),
            p.text(tbl, where, "legal_basis"),
        )
    for key in REQUIRED_PURPOSES:
        if isinstance(top["purposes"], dict) and key not in top["purposes"]:
            p.problem(
                f"purposes.{key}",
                Text(
                    f"formålet »{key}« mangler; persondata bygger på det",
                    f"the purpose '{key}' is missing; persondata relies on it",
                ),
                Text(
                    f"tilføj et afsnit [purposes.{key}] (se den medfølgende standardpolitik)",
                    f"add a [purposes.{key}] section (see the shipped default policy)",
                ),
            )
    return out


def _categories(top: Mapping[str, Any], p: _Parser, purpose_keys: list[str]) -> dict[str, Category]:
    if "categories" not in top:
        return {}
    out: dict[str, Category] = {}
    seen_fields: dict[str, str] = {}
    entries = p.entries(top["categories"], "categories", "data categories")
    for key, raw in entries.items():
        where = f"categories.{key}"
        if key not in CATEGORY_KEYS:
            hint = _suggest(key, CATEGORY_KEYS)
            p.problem(
                where,
                Text(
                    f"ukendt datakategori »{key}«: persondata gemmer netop kategorierne {', '.join(CATEGORY_KEYS)}",
                    f"unknown data category '{key}': persondata stores exactly the categories "
                    f"{', '.join(CATEGORY_KEYS)}",
                ),
                Text(
                    f"{hint.da}omdøb afsnittet til en af dem, eller fjern det",
                    f"{hint.en}rename the section to one of those, or remove it",
                ),
            )
            continue
        tbl = p.table(raw, where, _CATEGORY, _OPTIONAL_CATEGORY)
        if tbl is None:
            continue
        fields: list[str] = []
        raw_fields = tbl.get("fields")
        if "fields" in tbl and not isinstance(raw_fields, list):
            p.problem(
                f"{where}.fields",
                _found("forventede en liste", "expected a list", raw_fields),
                _write(_CATEGORY["fields"]),
            )
        elif isinstance(raw_fields, list):
            if not raw_fields:
                p.problem(
                    f"{where}.fields",
                    Text("en kategori uden felter", "a category without fields"),
                    _write(_CATEGORY["fields"]),
                )
            for i, name in enumerate(raw_fields):
                if not isinstance(name, str) or not _KEY.match(name):
                    p.problem(
                        f"{where}.fields[{i}]",
                        _found("forventede et feltnavn", "expected a field name", name),
                        Text(
                            'skriv et feltnavn med små bogstaver i dobbelte anførselstegn, fx "email"',
                            'write a lower-case field name in double quotes, e.g. "email"',
                        ),
                    )
                elif name in seen_fields:
                    p.problem(
                        f"{where}.fields[{i}]",
                        Text(
                            f"feltet »{name}« er allerede i kategorien »{seen_fields[name]}«",
                            f"the field '{name}' is already in the category '{seen_fields[name]}'",
                        ),
                        Text(
                            "et felt hører til netop én kategori: fjern det fra en af dem",
                            "a field belongs to exactly one category: remove it from one of them",
                        ),
                    )
                else:
                    seen_fields[name] = key
                    fields.append(name)
        relevance = (
            p.integer(tbl, where, "relevance_months", _CATEGORY["relevance_months"], 0, 600)
            if "relevance_months" in tbl
            else None
        )
        out[key] = Category(
            key=key,
            label=p.text(tbl, where, "label"),
            description=p.text(tbl, where, "description"),
            fields=tuple(fields),
            accounting_material=p.boolean(
                tbl, where, "accounting_material", _CATEGORY["accounting_material"]
            ),
            purposes=p.keys(tbl, where, "purposes", _CATEGORY["purposes"], purpose_keys, "purposes"),
            relevance_months=relevance,
        )
    if isinstance(top["categories"], dict):
        for key in CATEGORY_KEYS:
            if key not in top["categories"]:
                p.problem(
                    f"categories.{key}",
                    Text(f"datakategorien »{key}« mangler", f"the data category '{key}' is missing"),
                    Text(
                        f"tilføj et afsnit [categories.{key}] (se den medfølgende standardpolitik)",
                        f"add a [categories.{key}] section (see the shipped default policy)",
                    ),
                )
    return out


def _partners(
    top: Mapping[str, Any], p: _Parser, categories: list[str], purposes: list[str]
) -> tuple[Partner, ...]:
    if "partners" not in top:
        return ()
    out: list[Partner] = []
    for key, raw in p.entries(top["partners"], "partners", "partners").items():
        where = f"partners.{key}"
        tbl = p.table(raw, where, _PARTNER, _OPTIONAL_PARTNER)
        if tbl is None:
            continue
        country = p.string(tbl, where, "country", _PARTNER["country"]) if "country" in tbl else "DK"
        if country and not re.fullmatch(r"[A-Z]{2}", country):
            p.problem(
                f"{where}.country",
                Text(
                    f"»{country}« er ikke en landekode på to bogstaver",
                    f"'{country}' is not a two-letter country code",
                ),
                Text(
                    'skriv ISO-landekoden med store bogstaver, fx country = "DK"',
                    'write the ISO country code in capitals, e.g. country = "DK"',
                ),
            )
        safeguard: str | None = None
        if "safeguard" in tbl:
            safeguard = p.string(tbl, where, "safeguard", _PARTNER["safeguard"]) or None
            if safeguard is not None and safeguard not in SAFEGUARDS:
                hint = _suggest(safeguard, SAFEGUARDS)
                p.problem(
                    f"{where}.safeguard",
                    Text(f"ukendt garanti »{safeguard}«", f"unknown safeguard '{safeguard}'"),
                    Text(
                        f"{hint.da}skriv en af {', '.join(SAFEGUARDS)} (en tilstrækkelighedsafgørelse, "
                        "standardkontraktbestemmelser, bindende virksomhedsregler)",
                        f"{hint.en}write one of {', '.join(SAFEGUARDS)} (an adequacy "
                        "decision, standard contractual clauses, binding corporate rules)",
                    ),
                )
                safeguard = None
        out.append(
            Partner(
                key=key,
                name=p.string(tbl, where, "name", _PARTNER["name"]),
                service=p.text(tbl, where, "service"),
                receives=p.keys(tbl, where, "receives", _PARTNER["receives"], categories, "categories"),
                purposes=p.keys(tbl, where, "purposes", _PARTNER["purposes"], purposes, "purposes"),
                country=country,
                safeguard=safeguard,
            )
        )
    return tuple(out)


def _roles(top: Mapping[str, Any], p: _Parser, categories: list[str], purposes: list[str]) -> dict[str, Role]:
    if "roles" not in top:
        return {}
    out: dict[str, Role] = {}
    for key, raw in p.entries(top["roles"], "roles", "roles").items():
        where = f"roles.{key}"
        tbl = p.table(raw, where, _ROLE, optional=frozenset({"duties"}))
        if tbl is None:
            continue
        out[key] = Role(
            key=key,
            label=p.text(tbl, where, "label"),
            read=p.keys(tbl, where, "read", _ROLE["read"], categories, "categories"),
            change=p.keys(tbl, where, "change", _ROLE["change"], categories, "categories"),
            purposes=p.keys(tbl, where, "purposes", _ROLE["purposes"], purposes, "purposes"),
            duties=p.keys(tbl, where, "duties", _ROLE["duties"], DUTIES, "duties"),
        )
    return out


def _measures(top: Mapping[str, Any], p: _Parser) -> tuple[Measure, ...]:
    if "security_measures" not in top:
        return ()
    out: list[Measure] = []
    for key, raw in p.entries(top["security_measures"], "security_measures", "security measures").items():
        where = f"security_measures.{key}"
        tbl = p.table(raw, where, _MEASURE)
        if tbl is not None:
            out.append(Measure(key, p.text(tbl, where, "text")))
    return tuple(out)


# ---------------------------------------------------------------------------------------------- entry points


def default_policy_path() -> Path:
    """The shipped default: the seed policy, with the controller's details as ``<<…>>`` placeholders."""
    return Path(__file__).with_name("default_policy.toml")


def parse_policy(text: str, source: str = "<string>") -> Policy:
    """Parse and validate a policy file's text; raises :class:`PolicyError` listing every problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        line = int(m[1]) if m else (len(text.splitlines()) or None) if "end of document" in str(exc) else None
        raise PolicyError(
            [
                Problem(
                    "toml",
                    Text(
                        "filen er ikke gyldig TOML",
                        f"the file is not valid TOML: {exc}",
                    ),
                    Text(
                        "se den linje efter: tekster skal stå i dobbelte anførselstegn, lister i [firkantede "
                        "parenteser], og en nøgle må kun stå én gang i hvert afsnit; sammenlign med den "
                        "medfølgende standardpolitik",
                        "check that line: texts need double quotes, lists need [square brackets], a key may "
                        "appear only once per section; compare with the shipped default policy",
                    ),
                    line,
                )
            ],
            source,
        ) from exc
    parser = _Parser(text)
    policy = _parse(data, parser, source)
    if policy is None:
        problems = sorted(parser.problems, key=lambda pr: (pr.line is None, pr.line or 0))
        raise PolicyError(problems, source)
    return policy


def load_policy(path: Path | None = None) -> Policy:
    """Load the policy file at ``path`` (None: the shipped default).

    Raises :class:`PolicyError` if the file is not valid, OSError if it cannot be read.
    """
    path = path or default_policy_path()
    return parse_policy(path.read_text(encoding="utf-8"), str(path))
