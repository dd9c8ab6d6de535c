"""CPR numbers and card numbers are recognised and refused (RULES R18, PCI DSS)."""

from __future__ import annotations

import pytest

from persondata.core.sensitive import (
    check_email,
    check_free_text,
    check_masked_reference,
    contains_card_number,
    looks_like_cpr,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("010190-1234", True),
        ("0101901234", True),
        ("CPR 311299 1234 noteret", True),
        ("ring 20 30 40 50", False),
        ("postnummer 8000", False),
        ("320190-1234", False),  # day 32 does not exist
        ("011390-1234", False),  # month 13 does not exist
        ("12010190-12345", False),  # part of a longer number
    ],
)
def test_cpr_shape(text: str, expected: bool) -> None:
    assert looks_like_cpr(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4111 1111 1111 1111", True),
        ("4111-1111-1111-1111", True),
        ("5555555555554444", True),
        ("4111 1111 1111 1112", False),  # fails the Luhn check
        ("**** **** **** 1111", False),
        ("ordre 123456", False),
    ],
)
def test_card_numbers(text: str, expected: bool) -> None:
    assert contains_card_number(text) is expected


def test_free_text_refusal_names_the_rule_not_the_value() -> None:
    refusal = check_free_text("kunden oplyste 010190-1234")
    assert refusal is not None and refusal.code == "cpr" and "1234" not in refusal.message
    assert check_free_text("helt almindelig tekst") is None


@pytest.mark.parametrize(
    ("ref", "code"),
    [
        ("**** 1234", None),
        ("XXXX-XXXX-XXXX-9876", None),
        ("", None),
        ("12345678", "unmasked_reference"),
        ("1234", "unmasked_reference"),
        ("4111111111111111", "card_number"),
    ],
)
def test_masked_reference(ref: str, code: str | None) -> None:
    refusal = check_masked_reference(ref)
    assert (refusal.code if refusal else None) == code


@pytest.mark.parametrize(
    ("email", "ok"), [("ida@example.dk", True), ("ida@", False), ("a b@c.dk", False), ("ida@example", False)]
)
def test_email(email: str, ok: bool) -> None:
    assert (check_email(email) is None) is ok
