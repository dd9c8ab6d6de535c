"""``policy check``: the linter names the R3 clash with its invoice months, the placeholders, access broader
than the purposes, and stored fields no category declares (pure core: no database)."""

from __future__ import annotations

from datetime import date

import pytest

from persondata.core.policy import Policy, load_policy, parse_policy
from persondata.core.policy_check import (
    Finding,
    check_policy,
    clash_sentence,
    describe_clash,
    financial_year_in_words,
    format_date,
    format_month_day,
)
from tests.core.test_policy import edited, filled_policy_text

TODAY = date(2026, 11, 25)
STORED = frozenset(
    {
        "name",
        "address",
        "phone",
        "email",
        "customer_number",
        "order",
        "order_line",
        "delivery_address",
        "service_agreement",
        "invoice",
        "billing_snapshot",
        "payment",
    }
)


def findings(policy: Policy, code: str, **kw: frozenset[str]) -> list[Finding]:
    return [f for f in check_policy(policy, TODAY, **kw) if f.code == code]


def only(policy: Policy, code: str) -> Finding:
    [finding] = findings(policy, code)
    return finding


def codes(policy: Policy) -> set[str]:
    return {f.code for f in check_policy(policy, TODAY)}


# ---------------------------------------------------------------------------------------------- the R3 clash


def test_clash_names_the_invoice_months_for_a_calendar_financial_year() -> None:
    f = only(load_policy(), "retention-clash")
    assert f.severity == "warning"
    assert f.key == "retention.policy_max_months"
    assert "Invoices and payments dated 1 January – 30 June" in f.message.en
    assert (
        "limit of 5½ years after the invoice date falls before the Bookkeeping Act allows deletion"
        in f.message.en
    )
    assert "The law wins" in f.message.en
    # the example is in the financial year of today: 1 Jan 2026 + 5½ years = 1 Jul 2031 < 1 Jan 2032
    assert "invoice dated 1 January 2026 would have to be deleted by 1 July 2031" in f.message.en
    assert "kept until 31 December 2031 and deleted on 1 January 2032" in f.message.en
    assert "Fakturaer og betalinger dateret 1. januar – 30. juni" in f.message.da
    assert "slettes 1. januar 2032" in f.message.da
    assert "policy_max_months = 72" in f.fix.en and "6 years after the invoice date" in f.fix.en
    assert "5 years from the end of the financial year" in f.fix.en
    assert "policy_max_months = 72" in f.fix.da and "6 år efter fakturadatoen" in f.fix.da


def test_clash_names_the_invoice_months_for_a_july_financial_year() -> None:
    policy = parse_policy(edited(("start_month = 1 ", "start_month = 7 ")))
    f = only(policy, "retention-clash")
    assert "Invoices and payments dated 1 July – 31 December" in f.message.en
    assert "the financial year runs 1 July – 30 June" in f.message.en
    assert "1. juli – 31. december" in f.message.da
    # FY 2026/27 starts 1 July 2026: the law keeps it to 30 June 2032, the policy would delete by 1 Jan 2032
    assert "invoice dated 1 July 2026 would have to be deleted by 1 January 2032" in f.message.en
    assert "deleted on 1 July 2032" in f.message.en
    clash = describe_clash(policy)
    assert clash is not None and clash.months == (7, 8, 9, 10, 11, 12)


def test_rules_r3_example_outside_the_clash_months_is_not_flagged_as_such() -> None:
    # RULES R3: invoice 2020-03-15 with FY 1 Jul–30 Jun is deleted in the window 2025-07-01 … 2025-09-15.
    policy = parse_policy(edited(("start_month = 1 ", "start_month = 7 ")))
    clash = describe_clash(policy)
    assert clash is not None and 3 not in clash.months


@pytest.mark.parametrize("months", [72, 78])
def test_no_clash_when_the_policy_maximum_covers_the_law(months: int) -> None:
    policy = parse_policy(edited(("policy_max_months = 66", f"policy_max_months = {months}")))
    assert describe_clash(policy) is None
    assert clash_sentence(policy, "en") is None
    assert "retention-clash" not in codes(policy)


def test_clash_sentence_for_customers() -> None:
    policy = load_policy()
    en = clash_sentence(policy, "en")
    da = clash_sentence(policy, "da")
    assert en and "1 January – 30 June" in en and "deleted on the following 1 January" in en
    assert da and "1. januar – 30. juni" in da and "slettes den 1. januar derefter" in da


# ------------------------------------------------------------------------------------- placeholders, adoption


def test_controller_placeholders_are_errors_and_partner_placeholders_warnings() -> None:
    policy = load_policy()
    errors = findings(policy, "controller-placeholder")
    assert [f.key for f in errors] == [
        f"controller.{k}" for k in ("company", "name", "phone", "email", "address", "cvr")
    ]
    assert all(f.severity == "error" for f in errors)
    assert "<<name of the data controller>>" in errors[1].message.en
    partners = findings(policy, "partner-placeholder")
    assert [f.key for f in partners] == [
        "partners.order_processing.name",
        "partners.invoicing.name",
        "partners.accounting.name",
    ]
    assert all(f.severity == "warning" for f in partners)


def test_a_clean_policy_with_a_filled_controller_has_no_errors() -> None:
    policy = parse_policy(filled_policy_text())
    found = check_policy(policy, TODAY, stored_fields=STORED)
    assert [f for f in found if f.severity == "error"] == []
    assert {f.code for f in found} == {"retention-clash", "review-due"}  # the seed's 5½ years, and the review


def test_a_fully_consistent_policy_has_no_findings_but_the_review_reminder() -> None:
    policy = parse_policy(filled_policy_text(("policy_max_months = 66", "policy_max_months = 72")))
    assert check_policy(policy, date(2025, 6, 1), stored_fields=STORED) == []


def test_adoption() -> None:
    assert only(load_policy(), "not-adopted").severity == "warning"
    future = parse_policy(filled_policy_text(("adopted = 2025-03-01", "adopted = 2027-01-01")))
    assert only(future, "adopted-in-future").key == "adopted"
    due = only(parse_policy(filled_policy_text()), "review-due")
    assert due.severity == "info" and "1 March 2025" in due.message.en


# ------------------------------------------------------------------------------------ access and retention


@pytest.mark.parametrize(("months", "flagged"), [(1, False), (6, False), (7, True), (12, True), (13, True)])
def test_review_interval_longer_than_the_promised_half_year(months: int, flagged: bool) -> None:
    policy = parse_policy(edited(("months = 6 ", f"months = {months} ")))
    found = findings(policy, "review-interval")
    assert bool(found) is flagged
    if flagged:
        assert found[0].severity == "error" and "Art. 32(1)(d)" in found[0].message.en
        assert "every six months" in found[0].message.en


def test_role_reading_payment_without_an_accounting_purpose() -> None:
    text = edited(
        (
            'read = ["contact", "customer_number", "order_history"]',
            'read = ["contact", "customer_number", "order_history", "payment"]',
        )
    )
    [f] = [f for f in findings(parse_policy(text), "role-purpose") if "payment" in f.message.en]
    assert f.key == "roles.customer_service.read"
    assert (
        "after an erasure request only bookkeeping may read it" in f.message.en
        and "RULES" not in f.message.en
    )


def test_role_reading_a_category_none_of_its_purposes_uses() -> None:
    text = edited(
        ("read = []         #", 'read = ["order_history"]  #'),
        ("purposes = []", 'purposes = ["bookkeeping"]'),
    )
    policy = parse_policy(text)
    assert only(policy, "role-purpose").key == "roles.it_admin.read"
    assert only(policy, "it-admin-access").key == "roles.it_admin"


def test_change_without_read() -> None:
    text = edited(
        (
            'change = ["customer_number", "payment"]',
            'change = ["customer_number", "payment", "order_history"]',
        )
    )
    assert only(parse_policy(text), "change-without-read").key == "roles.accounting.change"


@pytest.mark.parametrize(
    ("months", "expected"), [(0, True), (1, False), (36, False), (60, False), (61, True)]
)
def test_relevance_period(months: int, expected: bool) -> None:
    policy = parse_policy(edited(("relevance_months = 36", f"relevance_months = {months}")))
    found = findings(policy, "relevance-period")
    assert bool(found) is expected
    assert all(f.key == "retention.relevance_months" for f in found)
    assert all(f.severity == ("error" if months == 0 else "warning") for f in found)
    if expected:
        assert len(found) == 3  # contact, customer_number, order_history; never the accounting material


def test_relevance_period_of_one_category() -> None:
    text = edited(
        (
            'fields = ["order", "order_line", "delivery_address", "service_agreement"]',
            'fields = ["order", "order_line", "delivery_address", "service_agreement"]\nrelevance_months = 0',
        )
    )
    f = only(parse_policy(text), "relevance-period")
    assert f.key == "categories.order_history.relevance_months"


def test_accounting_material_must_be_marked() -> None:
    text = edited(("accounting_material = true", "accounting_material = false"))
    f = only(parse_policy(text), "accounting-material")
    assert f.severity == "error" and "accounting material under the Bookkeeping Act" in f.message.en
    text = edited(
        ('fields = ["name", "address", "phone", "email"]', 'fields = ["name", "address", "phone"]'),
        (
            'fields = ["invoice", "billing_snapshot", "payment"]',
            'fields = ["invoice", "billing_snapshot", "payment", "email"]',
        ),
    )
    assert only(parse_policy(text), "not-accounting-material").key == "categories.payment.fields"


def test_partner_outside_the_eu_and_partner_without_a_purpose() -> None:
    text = edited(
        ('country = "DK"', 'country = "US"'),
        (
            'receives = ["customer_number", "payment"]',
            'receives = ["customer_number", "payment", "order_history"]',
        ),
    )
    policy = parse_policy(text)
    assert only(policy, "partner-third-country").key == "partners.order_processing.country"
    assert "order_history" in only(policy, "partner-purpose").message.en


def test_bookkeeping_longer_than_the_law_and_no_request_record() -> None:
    text = edited(
        ("bookkeeping_years = 5", "bookkeeping_years = 6"),
        ("request_record_months = 12", "request_record_months = 0"),
    )
    policy = parse_policy(text)
    assert only(policy, "bookkeeping-longer-than-law").severity == "warning"
    assert only(policy, "request-record-period").key == "retention.request_record_months"


def test_cvr_format() -> None:
    policy = parse_policy(filled_policy_text(('"12345674"', '"1234"')))
    f = only(policy, "cvr-format")
    assert (f.key, f.severity) == ("controller.cvr", "error") and "8 digits" in f.message.en
    f = only(parse_policy(filled_policy_text(('"12345674"', '"12345678"'))), "cvr-format")
    assert "modulus 11" in f.message.en


# ----------------------------------------------------------------------------------------- the stored data


def test_stored_field_no_category_declares() -> None:
    policy = load_policy()
    assert not findings(policy, "stored-field-undeclared")  # not checked without stored_fields
    found = findings(policy, "stored-field-undeclared", stored_fields=STORED | {"notes", "birthday"})
    assert [f.severity for f in found] == ["error", "error"]
    assert "'birthday'" in found[0].message.en and "'notes'" in found[1].message.en
    assert "Add 'notes' to the fields" in found[1].fix.en


def test_declared_field_not_stored_is_information() -> None:
    found = findings(load_policy(), "declared-field-not-stored", stored_fields=STORED - {"order_line"})
    assert [(f.severity, f.key) for f in found] == [("info", "categories.order_history.fields")]


# ------------------------------------------------------------------------------------------- every finding


def test_findings_are_sorted_errors_first_and_bilingual() -> None:
    text = edited(
        ("months = 6 ", "months = 13 "),
        ("relevance_months = 36", "relevance_months = 0"),
        ('country = "DK"', 'country = "US"'),
        ("bookkeeping_years = 5", "bookkeeping_years = 6"),
    )
    found = check_policy(parse_policy(text), TODAY, stored_fields=STORED | {"notes"})
    order = {"error": 0, "warning": 1, "info": 2}
    assert [order[f.severity] for f in found] == sorted(order[f.severity] for f in found)
    assert len({f.code for f in found}) >= 8
    for f in found:
        assert f.message.da and f.message.en and f.fix.da and f.fix.en, f
        assert f.message.da != f.message.en


# ------------------------------------------------------------------------------------------ words for dates


def test_dates_in_words() -> None:
    assert format_date(date(2026, 3, 15), "da") == "15. marts 2026"
    assert format_date(date(2026, 3, 15), "en") == "15 March 2026"
    assert format_month_day((2, 29), "en") == "28 February (29 in leap years)"
    policy = load_policy()
    assert financial_year_in_words(policy.financial_year, "da") == "kalenderåret (1. januar – 31. december)"
    july = parse_policy(edited(("start_month = 1 ", "start_month = 7 "))).financial_year
    assert financial_year_in_words(july, "en") == "1 July – 30 June"
    with pytest.raises(ValueError, match="da, en"):
        format_date(date(2026, 1, 1), "de")
