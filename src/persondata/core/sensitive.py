"""Recognising data the company must never store: CPR numbers (RULES R18) and full card numbers (PCI DSS).

Pure functions; the register and the importer call them on every free-text and reference field.
Messages never repeat the offending value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# DDMMYY-XXXX (with or without the dash, or a space), as written on Danish documents.
_CPR = re.compile(r"(?<!\d)(0[1-9]|[12]\d|3[01])(0[1-9]|1[0-2])(\d{2})[- ]?(\d{4})(?!\d)")
# 13–19 digits, optionally grouped by spaces or dashes: the shape of a payment card number (PAN).
_PAN = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]{2,}$")
_MASK_CHARS = frozenset("*xX•#")


@dataclass(frozen=True, slots=True)
class Refusal:
    code: str
    message: str  # what is wrong and how to fix it, without the value


def looks_like_cpr(text: str) -> bool:
    return _CPR.search(text) is not None


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def contains_card_number(text: str) -> bool:
    for match in _PAN.finditer(text):
        digits = re.sub(r"[ -]", "", match.group())
        if 13 <= len(digits) <= 19 and _luhn_ok(digits):
            return True
    return False


def check_free_text(text: str) -> Refusal | None:
    """Free text may hold neither a CPR-shaped number (R18) nor a card number."""
    if looks_like_cpr(text):
        return Refusal(
            "cpr",
            "contains something shaped like a CPR number (DDMMYY-XXXX); the company may not store CPR numbers "
            "(databeskyttelsesloven § 11) — remove it",
        )
    if contains_card_number(text):
        return Refusal(
            "card_number", "contains a full payment card number — remove it; store only a masked reference"
        )
    return None


def check_masked_reference(text: str) -> Refusal | None:
    """A payment reference shows at most its last four digits, the rest masked (e.g. ``**** 1234``)."""
    refusal = check_free_text(text)
    if refusal is not None:
        return refusal
    digits = sum(ch.isdigit() for ch in text)
    if digits > 4:
        return Refusal(
            "unmasked_reference",
            "shows more than 4 digits; mask all but the last four, e.g. '**** 1234'",
        )
    if digits and not any(ch in _MASK_CHARS for ch in text):
        return Refusal("unmasked_reference", "is not masked; write it as e.g. '**** 1234'")
    return None


def check_email(text: str) -> Refusal | None:
    if len(text) > 254 or not _EMAIL.match(text):
        return Refusal("email", "is not an e-mail address; write it as name@example.dk")
    return None
