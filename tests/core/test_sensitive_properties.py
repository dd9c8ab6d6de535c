"""Property-based tests of the CPR and card detectors (issue 16): every valid CPR or card number, written with
any separator, digit width or spacing, is caught; text without one passes; the refusal never holds the value."""

from __future__ import annotations

import string
import unicodedata
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from persondata.core.sensitive import (
    _PLAIN_LETTERS,
    check_free_text,
    contains_card_number,
    cpr_birth_date,
    looks_like_cpr,
    might_hold_number,
    normalise_number_text,
)

#: Between two digit groups: every dash kind, every space kind, a dot, a slash, a double space, or nothing.
SEPARATORS = [
    "", " ", "  ", "-", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2212", "\ufe63", "\uff0d",
    "\u00a0", "\u2007", "\u2009", "\u202f", "\u3000", ".", "/", " - ", "\u200b",
]  # fmt: skip
#: Every way to write a digit: ASCII, full width, Arabic-Indic, mathematical bold (NFKC → ASCII).
WIDTHS = [0x30, 0xFF10, 0x660, 0x1D7CE]
#: Text around a number: letters and punctuation, never a digit next to it.
AROUND = st.text(alphabet=string.ascii_letters + "æøåÆØÅ,;:!?()'\"", max_size=12)


def written(digits: str, width: int) -> str:
    return "".join(chr(width + int(d)) for d in digits)


@st.composite
def cpr_numbers(draw: st.DrawFn) -> str:
    """A valid CPR number: a real birth date and a serial whose 7th digit fits the century."""
    born = draw(st.dates(date(1858, 1, 1), date(2057, 12, 31)))
    yy = born.year % 100
    if born.year < 1900:
        choices = "5678"
    elif born.year < 2000:
        choices = "0123" + ("49" if yy >= 37 else "")
    else:
        choices = ("49" if yy <= 36 else "") + "5678"
    seventh = draw(st.sampled_from(choices))
    serial = seventh + draw(st.text(alphabet=string.digits, min_size=3, max_size=3))
    digits = born.strftime("%d%m") + f"{born.year % 100:02d}" + serial
    assert cpr_birth_date(digits) == born, digits
    return digits


@st.composite
def card_numbers(draw: st.DrawFn) -> str:
    """A valid card number: 13–19 digits starting 2–6, with its Luhn check digit."""
    length = draw(st.integers(13, 19))
    body = draw(st.sampled_from("23456")) + draw(
        st.text(alphabet=string.digits, min_size=length - 2, max_size=length - 2)
    )
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return body + str((10 - total % 10) % 10)


@st.composite
def grouped(draw: st.DrawFn, digits: str) -> str:
    """``digits`` cut into groups joined by drawn separators, in a drawn digit width."""
    width = draw(st.sampled_from(WIDTHS))
    cuts = sorted(draw(st.sets(st.integers(1, len(digits) - 1), max_size=5)))
    parts = [digits[a:b] for a, b in zip([0, *cuts], [*cuts, len(digits)], strict=True)]
    out = written(parts[0], width)
    for part in parts[1:]:
        out += draw(st.sampled_from(SEPARATORS)) + written(part, width)
    return out


@given(data=st.data(), before=AROUND, after=AROUND)
def test_every_valid_cpr_number_is_caught(data: st.DataObject, before: str, after: str) -> None:
    text = before + " " + data.draw(grouped(data.draw(cpr_numbers()))) + " " + after
    assert looks_like_cpr(text), ascii(text)
    assert might_hold_number(text), ascii(text)
    refusal = check_free_text(text)
    assert refusal is not None and refusal.code == "cpr"


@given(data=st.data(), before=AROUND, after=AROUND)
def test_every_valid_card_number_is_caught(data: st.DataObject, before: str, after: str) -> None:
    digits = data.draw(card_numbers())
    text = before + " " + data.draw(grouped(digits)) + " " + after
    assert contains_card_number(text), ascii(text)
    assert might_hold_number(text)
    refusal = check_free_text(text)
    assert refusal is not None
    # the refusal names the rule, never the value (nor any of its groups)
    assert digits not in refusal.message and digits[-4:] not in refusal.message


@given(st.text(alphabet=st.characters(blacklist_categories=("Nd",)), max_size=200))
def test_text_without_digits_passes(text: str) -> None:
    # NFKC can turn some non-Nd characters into digits (superscripts, circled digits): those are numbers
    if any(ch.isdecimal() for ch in normalise_number_text(text)):
        return
    assert check_free_text(text) is None
    assert not might_hold_number(text)


@given(
    st.lists(st.text(alphabet=string.digits, min_size=1, max_size=9), max_size=6), st.sampled_from(SEPARATORS)
)
def test_short_numbers_separated_by_words_pass(numbers: list[str], sep: str) -> None:
    # ordinary numbers (postcodes, amounts, order numbers) with words between them are never a CPR or card
    text = " ord ".join(numbers)
    assert check_free_text(text) is None


@given(st.integers(0, 10**8 - 1), st.dates(date(1990, 1, 1), date(2040, 1, 1)))
def test_ordinary_numbers_pass(amount: int, day: date) -> None:
    texts = [
        f"beløb {amount // 100}.{amount % 100:02d} kr",
        f"faktura {day.isoformat()} ordre {amount}",
        f"tlf +45 {amount:08d}"[:16],
        f"leveret {day:%d.%m.%Y}",
    ]
    for text in texts:
        assert check_free_text(text) is None, text


@given(cpr_numbers())
def test_a_cpr_number_with_an_impossible_date_is_not_one(digits: str) -> None:
    # day 32, month 13 or 00: an ordinary ten-digit number, not a CPR number
    for bad in ("32" + digits[2:], digits[:2] + "13" + digits[4:], digits[:2] + "00" + digits[4:]):
        assert not looks_like_cpr(bad)


@given(card_numbers())
def test_a_card_number_with_a_wrong_check_digit_is_not_one(digits: str) -> None:
    wrong = digits[:-1] + str((int(digits[-1]) + 1) % 10)
    assert not contains_card_number(wrong)


def test_29_february_and_the_century_digit() -> None:
    assert cpr_birth_date("2902001234") is None  # 1900 is not a leap year (7th digit 1 → 1900s)
    assert cpr_birth_date("2902004234") == date(2000, 2, 29)  # 7th digit 4, year 00 → 2000
    assert cpr_birth_date("0101585000") == date(1858, 1, 1)  # 7th digit 5, year 58 → 1800s
    assert cpr_birth_date("0101575000") == date(2057, 1, 1)
    assert date(1858, 1, 1) + timedelta(days=1) == date(1858, 1, 2)
    assert unicodedata.normalize("NFKC", "\uff10") == "0"


#: Names and addresses as the import meets them: letters (Danish ones too), spaces and punctuation.
LETTERS = string.ascii_letters + "æøåÆØÅéü ,\x00"


#: What may stand between the digits of a number, and how a digit may be written (besides ASCII): characters
#: that normalise into one (a superscript, full width, Arabic-Indic).
BETWEEN = ["", " ", "-", ".", "/", "\t", " - ", "\u200b"]
OTHER_DIGITS = "¹²³\uff11\u0663"


@pytest.mark.parametrize("digits", [string.digits, string.digits + OTHER_DIGITS])
@given(data=st.data(), around=st.text(alphabet=LETTERS, max_size=20))
def test_the_quick_test_never_misses_a_run_of_ten(digits: str, data: st.DataObject, around: str) -> None:
    # might_hold_number looks at the bytes of plain text before any pattern or normalisation runs; a run of 10
    # digits is caught however it is written and separated
    pairs = data.draw(
        st.lists(st.tuples(st.sampled_from(digits), st.sampled_from(BETWEEN)), min_size=10, max_size=12)
    )
    text = around + "".join(d + sep for d, sep in pairs) + around
    assert might_hold_number(text), ascii(text)


def test_the_plain_letters_stay_themselves() -> None:
    # the short cut's premise: these letters are no digit, space or dash, and NFKC leaves them alone
    for ch in _PLAIN_LETTERS:
        assert unicodedata.normalize("NFKC", ch) == ch and not ch.isdecimal() and not ch.isspace()
        assert normalise_number_text(f"1{ch}2") == f"1{ch}2"
