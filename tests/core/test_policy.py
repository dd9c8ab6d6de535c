"""The policy file: the shipped default loads, and every kind of bad file is refused with the key, the fix and
the line (pure core: no database)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from persondata.core.calendar import FinancialYear
from persondata.core.policy import (
    CATEGORY_KEYS,
    FORBIDDEN_PURPOSES,
    Policy,
    PolicyError,
    Problem,
    Text,
    default_policy_path,
    is_placeholder,
    load_policy,
    parse_policy,
    policy_keys,
)

DEFAULT = default_policy_path().read_text(encoding="utf-8")
DOCS = Path(__file__).resolve().parents[2] / "docs" / "policy-file.md"

FILLED_CONTROLLER = {
    '"<<company name>>"': '"Eksempel ApS"',
    '"<<name of the data controller>>"': '"Jens Hansen"',
    '"<<telephone number of the data controller>>"': '"+45 12 34 56 78"',
    '"<<e-mail of the data controller>>"': '"persondata@eksempel.dk"',
    '"<<postal address of the company>>"': '"Eksempelvej 1, 8000 Aarhus C"',
    '"<<CVR number of the company>>"': '"12345674"',  # passes the modulus-11 check
    '"<<name of the supplier of the order processing system>>"': '"Ordre Drift A/S"',
    '"<<name of the supplier of the invoicing system>>"': '"Faktura Service ApS"',
    '"<<name of the supplier of the accounting system>>"': '"Regnskab Online A/S"',
    "# adopted = 2025-03-01": "adopted = 2025-03-01",
}


def edited(*pairs: tuple[str, str], text: str = DEFAULT) -> str:
    """The default policy text with each ``old`` replaced by ``new`` (each ``old`` must occur)."""
    for old, new in pairs:
        at = _find_outside_comments(text, old)
        text = text[:at] + new + text[at + len(old) :]
    return text


def _find_outside_comments(text: str, old: str) -> int:
    at = text.find(old)
    while at >= 0:
        line_start = text.rfind("\n", 0, at) + 1
        if old.startswith("#") or not text[line_start:at].lstrip().startswith("#"):
            return at
        at = text.find(old, at + 1)
    raise AssertionError(f"test setup: {old!r} is not in the policy text")


def filled_policy_text(*pairs: tuple[str, str]) -> str:
    """The default with the controller, partners and adoption date filled in (plus further edits)."""
    return edited(*FILLED_CONTROLLER.items(), *pairs)


def problems(text: str) -> list[Problem]:
    with pytest.raises(PolicyError) as info:
        parse_policy(text, "test.toml")
    return info.value.problems


def problem(text: str, key: str) -> Problem:
    found = [p for p in problems(text) if p.key == key]
    assert len(found) == 1, f"expected one problem at {key}, got {problems(text)}"
    return found[0]


def line_of(text: str, fragment: str) -> int:
    """The first line holding ``fragment`` that is not a comment."""
    return next(
        i
        for i, line in enumerate(text.splitlines(), 1)
        if fragment in line and not line.lstrip().startswith("#")
    )


# -------------------------------------------------------------------------------------- the shipped default


def test_default_policy_loads_with_the_seed_content() -> None:
    policy = load_policy()
    assert isinstance(policy, Policy)
    assert policy == load_policy(default_policy_path())
    assert tuple(policy.categories) == CATEGORY_KEYS
    assert policy.categories["contact"].fields == ("name", "address", "phone", "email")
    assert policy.categories["customer_number"].fields == ("customer_number",)
    assert policy.categories["order_history"].fields == (
        "order",
        "order_line",
        "delivery_address",
        "service_agreement",
    )
    assert policy.categories["payment"].fields == ("invoice", "billing_snapshot", "payment")
    assert [c.key for c in policy.categories.values() if c.accounting_material] == ["payment"]
    assert {"delivery", "invoicing", "customer_service", "bookkeeping", "rights_requests"} <= set(
        policy.purposes
    )
    assert "6(1)(c)" in policy.purposes["bookkeeping"].legal_basis.en
    assert "6(1)(b)" in policy.purposes["delivery"].legal_basis.en
    assert policy.forbidden_purposes == FORBIDDEN_PURPOSES == {"marketing", "profiling"}
    assert not policy.marketing and not policy.profiling
    r = policy.retention
    assert (r.bookkeeping_years, r.policy_max_months, r.relevance_months, r.request_record_months) == (
        5,
        66,
        36,
        12,
    )
    assert "forældelsesloven" in r.relevance_reason.da and "Limitation Act" in r.relevance_reason.en
    assert policy.financial_year == FinancialYear(1, 1)
    assert policy.review.months == 6
    assert policy.adopted is None and policy.adopted_by == Text("Direktør", "Director")
    assert len(policy.security_measures) == 8


def test_default_roles_are_need_to_know() -> None:
    roles = load_policy().roles
    assert roles["controller"].read == roles["controller"].change == set(CATEGORY_KEYS)
    assert (
        roles["customer_service"].read
        == roles["customer_service"].change
        == {"contact", "customer_number", "order_history"}
    )
    assert roles["accounting"].read == {"customer_number", "payment", "contact"}
    assert roles["accounting"].change == {"customer_number", "payment"}
    assert roles["it_admin"].read == roles["it_admin"].change == roles["it_admin"].purposes == frozenset()


def test_default_partners_and_placeholders() -> None:
    policy = load_policy()
    assert [p.key for p in policy.partners] == ["order_processing", "invoicing", "accounting"]
    assert all(is_placeholder(p.name) and p.country == "DK" for p in policy.partners)
    assert policy.partner("accounting") is not None and policy.partner("accounting").receives == {  # type: ignore[union-attr]
        "customer_number",
        "payment",
    }
    assert policy.controller.placeholders() == ["company", "name", "phone", "email", "address", "cvr"]
    assert policy.controller.name == "<<name of the data controller>>"


def test_filled_controller_has_no_placeholders_and_adoption_date() -> None:
    policy = parse_policy(filled_policy_text())
    assert policy.controller.placeholders() == []
    assert policy.controller.email == "persondata@eksempel.dk"
    assert policy.adopted == date(2025, 3, 1)


def test_text_get_and_relevance_helpers() -> None:
    policy = load_policy()
    assert policy.purposes["delivery"].label.get("da") == "Levering"
    assert policy.purposes["delivery"].label.get("en") == "Delivery"
    with pytest.raises(ValueError, match="da, en"):
        policy.purposes["delivery"].label.get("de")
    assert policy.relevance_months_for("contact") == 36
    assert policy.relevance_months_for("payment") is None
    assert policy.category_of_field("billing_snapshot") is policy.categories["payment"]
    assert policy.category_of_field("cpr") is None
    assert "email" in policy.declared_fields


def test_load_policy_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(filled_policy_text(), encoding="utf-8")
    assert load_policy(path).controller.company == "Eksempel ApS"
    path.write_text(edited(("marketing = false", "marketing = true")), encoding="utf-8")
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    assert str(path) in str(info.value)


def test_every_key_of_the_policy_file_is_documented() -> None:
    docs = DOCS.read_text(encoding="utf-8")
    missing = [key for key in policy_keys() if f"`{key}`" not in docs]
    assert not missing, f"docs/policy-file.md does not document {missing}"


def test_every_key_of_the_default_file_is_a_known_key() -> None:
    patterns = [
        re.compile("^" + re.escape(k).replace(re.escape("<key>"), r"[a-z_]+") + r"(\.(da|en))?$")
        for k in policy_keys()
    ]
    import tomllib

    def walk(obj: object, prefix: str = "") -> list[str]:
        if isinstance(obj, dict):
            return [k for name, v in obj.items() for k in walk(v, f"{prefix}.{name}" if prefix else name)]
        return [prefix]

    leaves = walk(tomllib.loads(DEFAULT))
    assert leaves and all(any(p.match(leaf) for p in patterns) for leaf in leaves)


# ------------------------------------------------------------------------------------------------ bad files


def test_unknown_key_names_the_key_the_line_and_the_likely_fix() -> None:
    text = edited(
        ('change = ["customer_number", "payment"]', 'change = ["customer_number", "payment"]\nraed = []')
    )
    p = problem(text, "roles.accounting.raed")
    assert "unknown key" in p.message.en
    assert "did you mean 'read'" in p.fix.en
    assert p.line == line_of(text, "raed = []")


def test_unknown_top_level_section() -> None:
    text = edited(("[review]", "[reveiw]\nmonths = 6\n\n[review]"))
    p = problem(text, "reveiw")
    assert "did you mean 'review'" in p.fix.en
    assert p.line == line_of(text, "[reveiw]")


def test_wrong_type_says_what_to_write_and_does_not_cascade() -> None:
    text = edited(("bookkeeping_years = 5", 'bookkeeping_years = "5"'))
    found = problems(text)
    assert [p.key for p in found] == ["retention.bookkeeping_years"]
    assert "whole number" in found[0].message.en
    assert "bookkeeping_years = 5" in found[0].fix.en and "without quotes" in found[0].fix.en
    assert found[0].line == line_of(text, 'bookkeeping_years = "5"')


@pytest.mark.parametrize(
    ("old", "new", "key", "fix"),
    [
        ("marketing = false", "marketing = 0", "marketing", "marketing = false"),
        (
            'fields = ["name", "address", "phone", "email"]',
            'fields = "name"',
            "categories.contact.fields",
            "fields = [",
        ),
        (
            'label.da = "Levering"\nlabel.en = "Delivery"',
            'label = "Levering"',
            "purposes.delivery.label",
            "label.da",
        ),
        ('version = "1"', "version = 1", "version", 'version = "'),
        ("months = 6 ", "months = 6.5 ", "review.months", "months = 6"),
        ("# adopted = 2025-03-01", 'adopted = "2025-03-01"', "adopted", "adopted = 2025-03-01"),
        (
            "accounting_material = true",
            'accounting_material = "yes"',
            "categories.payment.accounting_material",
            "accounting_material = false",
        ),
    ],
)
def test_wrong_types(old: str, new: str, key: str, fix: str) -> None:
    p = problem(edited((old, new)), key)
    assert fix in p.fix.en
    assert p.line is not None


def test_unknown_category_in_a_role() -> None:
    text = edited(
        (
            'read = ["contact", "customer_number", "payment"]',
            'read = ["contact", "customer_number", "paymnet"]',
        )
    )
    p = problem(text, "roles.accounting.read[2]")
    assert "unknown category 'paymnet'" in p.message.en
    assert (
        "did you mean 'payment'" in p.fix.en
        and "contact, customer_number, order_history, payment" in p.fix.en
    )
    assert p.line == line_of(text, '"paymnet"')


def test_unknown_purpose_in_a_partner() -> None:
    p = problem(
        edited(('purposes = ["bookkeeping"]', 'purposes = ["bokkeeping"]')), "partners.accounting.purposes[0]"
    )
    assert "did you mean 'bookkeeping'" in p.fix.en


@pytest.mark.parametrize("flag", ["marketing", "profiling"])
def test_marketing_or_profiling_switched_on_is_refused(flag: str) -> None:
    p = problem(edited((f"{flag} = false", f"{flag} = true")), flag)
    assert "R19" in p.message.en and "§ 13" in p.message.en
    assert p.fix.en == f"write {flag} = false"


@pytest.mark.parametrize("name", ["marketing", "profiling", "direct_marketing"])
def test_marketing_can_never_be_a_purpose(name: str) -> None:
    text = edited(
        (
            "[purposes.delivery]",
            f'[purposes.{name}]\nlabel.da = "x"\nlabel.en = "x"\n'
            f'description.da = "x"\ndescription.en = "x"\nlegal_basis.da = "x"\nlegal_basis.en = "x"\n\n'
            "[purposes.delivery]",
        )
    )
    p = problem(text, f"purposes.{name}")
    assert "can never be a purpose" in p.message.en
    assert f"remove the section [purposes.{name}]" in p.fix.en


def test_forbidden_purpose_named_in_a_category() -> None:
    text = edited(
        (
            'purposes = ["invoicing", "bookkeeping", "rights_requests"]',
            'purposes = ["invoicing", "bookkeeping", "rights_requests", "profiling"]',
        )
    )
    p = problem(text, "categories.payment.purposes[3]")
    assert "forbidden" in p.message.en


@pytest.mark.parametrize(
    ("month", "day", "key"),
    [
        (13, 1, "financial_year.start_month"),
        (0, 1, "financial_year.start_month"),
        (2, 29, "financial_year.start_day"),
        (4, 31, "financial_year.start_day"),
        (7, 0, "financial_year.start_day"),
    ],
)
def test_bad_financial_year_start(month: int, day: int, key: str) -> None:
    text = edited(("start_month = 1 ", f"start_month = {month} "), ("start_day = 1 ", f"start_day = {day} "))
    p = problem(text, key)
    assert p.line == line_of(text, key.split(".")[1] + " = ")
    assert "start_" in p.fix.en or "1 to" in p.fix.en or "usually day 1" in p.fix.en


def test_a_july_financial_year_is_accepted() -> None:
    policy = parse_policy(edited(("start_month = 1 ", "start_month = 7 ")))
    assert policy.financial_year == FinancialYear(7, 1)
    assert policy.financial_year.label(date(2025, 3, 15)) == "2024/25"


def test_missing_section() -> None:
    p = problem(edited(("[review]\nmonths = 6", "")), "review")
    assert "missing" in p.message.en
    assert p.fix.en == "add a [review] section"


def test_missing_key_points_at_its_section() -> None:
    text = edited(('cvr = "<<CVR number of the company>>"', ""))
    p = problem(text, "controller.cvr")
    assert "missing" in p.message.en and 'cvr = "' in p.fix.en
    assert p.line == line_of(text, "[controller]")


def test_missing_category_and_unknown_category() -> None:
    text = edited(("[categories.payment]", "[categories.payments]"))
    found = {p.key: p for p in problems(text)}
    assert "did you mean 'payment'" in found["categories.payments"].fix.en
    assert "categories.payment" in found  # the four categories are required
    # roles and partners naming the missing category are reported too, at their own keys
    assert any(k.startswith("roles.accounting.read[") for k in found)


def test_field_in_two_categories() -> None:
    text = edited(('fields = ["customer_number"]', 'fields = ["customer_number", "email"]'))
    p = problem(text, "categories.customer_number.fields[1]")
    assert "already in the category 'contact'" in p.message.en


def test_fewer_bookkeeping_years_than_the_law_is_refused() -> None:
    p = problem(edited(("bookkeeping_years = 5", "bookkeeping_years = 3")), "retention.bookkeeping_years")
    assert "R1" in p.message.en and p.fix.en == "write bookkeeping_years = 5"


def test_required_purpose_missing() -> None:
    text = edited(("[purposes.rights_requests]", "[purposes.requests]"))
    keys = {p.key for p in problems(text)}
    assert "purposes.rights_requests" in keys
    assert "categories.contact.purposes[3]" in keys  # the references to it are reported as well


def test_bad_email_and_country() -> None:
    text = filled_policy_text(
        ('"persondata@eksempel.dk"', '"persondata at eksempel"'), ('country = "DK"', 'country = "dk"')
    )
    keys = {p.key for p in problems(text)}
    assert {"controller.email", "partners.order_processing.country"} <= keys


def test_empty_adoption_date_means_not_adopted() -> None:
    assert parse_policy(edited(("# adopted = 2025-03-01", 'adopted = ""'))).adopted is None


def test_many_problems_are_reported_at_once_in_file_order() -> None:
    text = edited(
        ("marketing = false", "marketing = true"),
        ("start_month = 1 ", "start_month = 13 "),
        ("request_record_months = 12", 'request_record_months = "twelve"'),
        (
            'read = ["contact", "customer_number", "payment"]',
            'read = ["contact", "customer_number", "paymnet"]',
        ),
        ("[review]", "[review]\nmonth = 6"),
    )
    found = problems(text)
    keys = [p.key for p in found]
    assert set(keys) == {
        "marketing",
        "financial_year.start_month",
        "retention.request_record_months",
        "roles.accounting.read[2]",
        "review.month",
    }
    lines = [p.line for p in found]
    assert None not in lines and lines == sorted(lines)  # type: ignore[type-var]
    message = str(PolicyError(found, "test.toml"))
    assert message.startswith("test.toml: 5 problems in the policy file")
    assert all(p.fix.en for p in found)


def test_toml_syntax_error_has_a_line() -> None:
    text = edited(("months = 6 ", 'months = "6 '))
    [p] = problems(text)
    assert p.key == "toml"
    assert p.line == line_of(text, 'months = "6 ')
    assert "double quotes" in p.fix.en
