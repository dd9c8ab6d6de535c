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
        # typographic variants (issue 16)
        ("010190\u20111234", True),  # non-breaking hyphen U+2011
        ("010190\u20131234", True),  # en dash, as Word autocorrects
        ("010190\u22121234", True),  # minus sign
        ("０１０１９０－１２３４", True),  # full-width digits and hyphen
        ("01 01 90-1234", True),
        ("010190/1234", True),
        ("010190.1234", True),
        ("010190  1234", True),  # double space
        ("010190\u00a01234", True),  # no-break space
        ("01.01.90-1234", True),
        ("0101\u200b901234", True),  # a zero-width space inside
        ("٠١٠١٩٠-١٢٣٤", True),  # Arabic-Indic digits
        # ordinary numbers pass
        ("290290-1234", False),  # 29 February 1990 did not exist
        ("290200-4234", True),  # 29 February 2000 did (7th digit 4, year 00 → 2000)
        ("faktura 2025-03-15 ordre 12345", False),
        ("beløb 1.249.500,00 kr", False),
        ("tlf +45 20 30 40 50", False),
        ("000000-0000", False),
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
        # typographic variants (issue 16)
        ("4111.1111.1111.1111", True),
        ("4111\u00a01111\u00a01111\u00a01111", True),
        ("4111\u20131111\u20131111\u20131111", True),
        ("4111\u20111111\u20111111\u20111111", True),
        ("４１１１ １１１１ １１１１ １１１１", True),
        ("4111  1111  1111  1111", True),
        ("5555 5555 5555 4444 udløb 12/27", True),
        ("4111 1111 1111 1111 22", True),  # a card number followed by another group
        ("1111 1111 1111 1111 1111", False),  # no card network starts with 1
        ("0000 0000 0000 0000", False),
    ],
)
def test_card_numbers(text: str, expected: bool) -> None:
    assert contains_card_number(text) is expected


@pytest.mark.parametrize(
    ("text", "code"),
    [("kunden oplyste 010190-1234", "cpr"), ("kunden oplyste 010190\u20131234", "cpr"),
     ("kort 4111\u00a01111\u00a01111\u00a01111", "card_number")],
)  # fmt: skip
def test_free_text_refusal_names_the_rule_not_the_value(text: str, code: str) -> None:
    refusal = check_free_text(text)
    assert refusal is not None and refusal.code == code
    assert "1234" not in refusal.message and "1111" not in refusal.message and "0101" not in refusal.message
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


def test_the_translate_table_is_plain_for_every_character() -> None:
    """The normalisation translates with a table filled from ``_plain``: the same result as one call per character,
    also for text with more distinct characters than the table keeps."""
    from persondata.core import sensitive

    text = "".join(chr(c) for c in [*range(0xD800), *range(0xE000, 0x110000, 13)])
    assert len(set(text)) > sensitive._PlainTable.LIMIT
    expected = "".join(sensitive._plain(ch) for ch in text)
    assert text.translate(sensitive._PLAIN_TABLE) == expected
    assert text.translate(sensitive._PLAIN_TABLE) == expected  # again, from the filled table
    assert len(sensitive._PLAIN_TABLE) <= sensitive._PlainTable.LIMIT
