"""Recognising data the company must never store: CPR numbers (RULES R18) and full card numbers (PCI DSS).

Pure functions; the register and the importer call them on every free-text and reference field.
Messages never repeat the offending value.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]{2,}$")
_MASK_CHARS = frozenset("*xX•#")

# ---------------------------------------------------------------------------------------------- normalising
#
# A number typed in Word, pasted from a PDF or keyed on a phone comes with typographic variants: a non-breaking
# hyphen (U+2011), an en dash (Word's autocorrect), a minus sign, full-width digits (NFKC makes them ASCII),
# Arabic-Indic digits, a no-break or thin space, a double space, a dot or a slash between the groups. Every one
# of them is reduced to a plain form before a number is recognised, so the variant does not hide the number.

#: Dash-like characters NFKC leaves alone: every Pd character, the minus sign, the soft hyphen, the hyphen bullet.
_DASH_LIKE = frozenset("\u00ad\u2043\u2212\u2796\ufe63\uff0d")
#: Characters that vanish: zero-width space, joiners, word joiner, byte-order mark.
_INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff")


_OTHER_SPACE = re.compile(r"[^\S ]")  # white space other than the plain space (tab, line break …)


def _plain(ch: str) -> str:
    if ch.isdecimal():
        return str(unicodedata.decimal(ch))
    if ch in _INVISIBLE:
        return ""
    if ch.isspace():
        return " "
    if ch in _DASH_LIKE or unicodedata.category(ch) == "Pd":
        return "-"
    if ch in "\u2024\u2027\u00b7\u2219\u22c5":  # one-dot leader, hyphenation point, middle dots
        return "."
    if ch in "\u2044\u2215\u29f8":  # fraction slash, division slash, big solidus
        return "/"
    return ch


class _PlainTable(dict[int, str]):
    """:func:`_plain` as a ``str.translate`` table, filled as characters are met: a Danish name or address is
    translated at C speed instead of by one Python call per character (the import reads millions of them)."""

    LIMIT = 4096  # distinct characters kept; a file of every code point is translated, just not remembered

    def __missing__(self, code: int) -> str:
        plain = _plain(chr(code))
        if len(self) < self.LIMIT:
            self[code] = plain
        return plain


_PLAIN_TABLE = _PlainTable()


def normalise_number_text(text: str) -> str:
    """NFKC; every decimal digit as ASCII; every space kind as one space; every dash kind as ``-``."""
    text = unicodedata.normalize("NFKC", text)
    if not text.isascii() or _OTHER_SPACE.search(text):
        text = text.translate(_PLAIN_TABLE)  # "".join(_plain(ch) for ch in text), at C speed
    return re.sub(r" {2,}", " ", text)


#: A run of digit groups: groups joined by a space, or by one of ``- . /`` with optional spaces around it.
_RUN = re.compile(r"[0-9]+(?:(?: ?[-./] ?| )[0-9]+)*")
#: The cheap test for raw ASCII text: 10 digits with anything a run may hold between them.
_ASCII_PREFILTER = re.compile(r"[0-9](?:\s*[-./]?\s*[0-9]){9}")


#: Letters of Danish and neighbouring languages that NFKC leaves alone and that are no digit, space or dash: text
#: of these and ASCII has, once normalised, exactly the ASCII digits it had.
_PLAIN_LETTERS = "æøåÆØÅäöüÄÖÜßéèêëÉÈÊËáàâÁÀÂóòôÓÒÔúùûÚÙÛíìîïÍÌÎÏçÇñÑ"
_NOT_PLAIN = re.compile(f"[^\\x00-\\x7f{_PLAIN_LETTERS}]")
#: The quickest test, on the UTF-8 bytes: every digit as 0, what the cheap test allows between digits (white
#: space, ``- . /``) dropped, everything else as x; ten 0s in a row are needed for the cheap test to match.
_DIGITS_ONLY = bytes.maketrans(bytes(range(256)), bytes(48 if 48 <= b <= 57 else 120 for b in range(256)))
_BETWEEN_DIGITS = b" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f-./"


def might_hold_number(text: str) -> bool:
    """True if ``text`` may hold a CPR or card number: a run of at least 10 digits (cheap; a superset of
    :func:`looks_like_cpr` and :func:`contains_card_number`, for the importer's hot path).

    ASCII text, and text whose other letters normalise to themselves (æ, ø, å …), needs no normalisation; and
    most names and addresses have no 10 digits close together, which a byte translation sees before any pattern
    runs.
    """
    if text.isascii() or _NOT_PLAIN.search(text) is None:
        # the normalised text differs at most in its spaces, which the cheap test ignores
        return (
            b"0000000000" in text.encode().translate(_DIGITS_ONLY, _BETWEEN_DIGITS)
            and _ASCII_PREFILTER.search(text) is not None
        )
    plain = normalise_number_text(text)
    if _ASCII_PREFILTER.search(plain) is None:  # the cheap test holds for the normalised text too
        return False
    return any(len(_digits(m.group())) >= 10 for m in _RUN.finditer(plain))


def _digits(run: str) -> str:
    return re.sub(r"[^0-9]", "", run)


def _windows(text: str, lengths: range) -> list[str]:
    """Digit strings of ``lengths`` made of whole consecutive groups of a run (``01 01 90-1234`` → ``0101901234``);
    a group is never cut, so a longer number does not hide a shorter one inside it."""
    out: list[str] = []
    for m in _RUN.finditer(normalise_number_text(text)):
        groups = re.findall(r"[0-9]+", m.group())
        for i in range(len(groups)):
            joined = ""
            for g in groups[i:]:
                joined += g
                if len(joined) > lengths.stop - 1:
                    break
                if len(joined) in lengths:
                    out.append(joined)
    return out


# --------------------------------------------------------------------------------------------- CPR numbers


def cpr_birth_date(digits: str) -> date | None:
    """The birth date of a 10-digit CPR number, or None if its date part is not a real day.

    The century follows from the 7th digit (CPR-kontoret's table): 0–3 → 1900s; 4 and 9 → 2000s for years
    00–36, else 1900s; 5–8 → 2000s for years 00–57, else 1800s. No modulus-11 check: numbers without it have
    been issued since 2007.
    """
    if len(digits) != 10 or not digits.isdigit():
        return None
    day, month, yy, seventh = int(digits[0:2]), int(digits[2:4]), int(digits[4:6]), int(digits[6])
    if seventh <= 3:
        century = 1900
    elif seventh in (4, 9):
        century = 2000 if yy <= 36 else 1900
    else:
        century = 2000 if yy <= 57 else 1800
    try:
        return date(century + yy, month, day)
    except ValueError:
        return None


def looks_like_cpr(text: str) -> bool:
    """RULES R18: a CPR number (DDMMYY-XXXX) however it is typed, with a date part that is a real day."""
    return any(cpr_birth_date(w) is not None for w in _windows(text, range(10, 11)))


# -------------------------------------------------------------------------------------------- card numbers


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
    """A payment card number (PAN): 13–19 digits starting 2–6 (the card networks' ranges) with a valid Luhn
    check digit, however grouped (spaces, dashes, dots, no-break spaces, en dashes)."""
    return any(w[0] in "23456" and _luhn_ok(w) for w in _windows(text, range(13, 20)))


@dataclass(frozen=True, slots=True)
class Refusal:
    code: str
    message: str  # what is wrong and how to fix it, without the value


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
