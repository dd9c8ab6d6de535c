"""The policy file's problems are said in Danish and English (issue 15: no English in a Danish run or on a Danish
page): each :class:`Problem` carries its text in both languages, as ``policy check``'s findings do, and the key
(the machine's) is the same in both. A broken file is checked here for every kind of problem the parser reports
that a person is likely to make; the Danish texts must hold no English function word and no English text of the
app's catalogues (the crawl test's detector, :mod:`tests.web.crawl`)."""

from __future__ import annotations

import re

import pytest

from persondata.core.policy import PolicyError, Problem, parse_policy
from tests.core.test_policy import edited
from tests.web.crawl import ENGLISH_WORDS, english_msgids

BROKEN: list[tuple[tuple[str, str], ...]] = [
    (("bookkeeping_years = 5", "bookkeeping_years = 3"),),
    (("start_month = 1 ", 'start_month = "1" '),),
    (("start_month = 1 ", "start_month = 2 "), ("start_day = 1 ", "start_day = 30 ")),
    (("[review]\n", "[review]\nmonthz = 3\n"),),
    (("months = 6 ", "months = 600 "),),
    (
        (
            'read = ["contact", "customer_number", "payment"]',
            'read = ["contact", "customer_number", "paymnet"]',
        ),
    ),
    (('read = ["contact", "customer_number", "payment"]', 'read = ["contact", "contact", "marketing"]'),),
    (('purposes = ["bookkeeping"]', 'purposes = ["bokkeeping"]'),),
    (("marketing = false", "marketing = true"),),
    (("[purposes.delivery]", "[purposes.direct_marketing]\nlabel.da = 'x'\n\n[purposes.delivery]"),),
    (('returning_customers = "when_active"', 'returning_customers = "always"'),),
    (('unpaid_claim_after = "delete"', 'unpaid_claim_after = "keep"'),),
    (('country = "DK"', 'country = "dk"'),),
    (('country = "DK"', 'country = "US"\nsafeguard = "sc"'),),
    (('fields = ["customer_number"]', 'fields = ["customer_number", "email"]'),),
    (('fields = ["customer_number"]', "fields = []"),),
    (('fields = ["customer_number"]', "fields = 7"),),
    (("accounting_material = false", 'accounting_material = "no"'),),
    (('label.da = "Levering"\nlabel.en = "Delivery"', 'label = "Levering"'),),
    (('label.en = "Delivery"', 'label.eng = "Delivery"'),),
    (('adopted_by.da = "Direktør"', 'adopted = "i går"\nadopted_by.da = "Direktør"'),),
    (("[review]\n", "[review]\n[[review]]\n"),),
    (("[review]\n", "review = 3\n[reviews]\n"),),
]


def _problems(text: str) -> list[Problem]:
    with pytest.raises(PolicyError) as info:
        parse_policy(text, "test.toml")
    return info.value.problems


@pytest.fixture(scope="module")
def found() -> list[Problem]:
    out: list[Problem] = []
    for pairs in BROKEN:
        problems = _problems(edited(*pairs))
        assert problems, pairs
        out += problems
    return out


def test_every_problem_has_both_languages_and_they_differ(found: list[Problem]) -> None:
    assert len({p.key for p in found}) >= 20  # the broken files reach many kinds of problem
    for p in found:
        assert p.message.da and p.message.en and p.fix.da and p.fix.en, p
        assert p.message.da != p.message.en and p.fix.da != p.fix.en, p
        assert p.key in p.text("da") and p.key in p.text("en")  # the machine's key, untranslated


def test_the_danish_texts_hold_no_english(found: list[Problem]) -> None:
    msgids = english_msgids()
    english = []
    for p in found:
        for text in (p.message.da, p.fix.da, p.text("da")):
            if m := ENGLISH_WORDS.search(text):
                english.append(f"{m[0]!r} in {text!r}")
            english += [f"{m[0]!r} in {text!r}" for pat in msgids if (m := pat.search(text))]
    assert not english, "\n".join(english)


def test_the_english_texts_are_english(found: list[Problem]) -> None:
    for p in found:
        assert not re.search(r"\b(?:skriv|tilføj|forventede|fandt|ukendt|mangler)\b", p.text("en")), p
    assert str(found[0]) == found[0].text("en")  # logs and exceptions stay in English, as before


def test_the_danish_run_says_what_is_wrong_in_danish() -> None:
    p = _problems(edited(("bookkeeping_years = 5", "bookkeeping_years = 3")))[0]
    assert p.key == "retention.bookkeeping_years"
    assert "bogføringsloven" in p.message.da and p.fix.da == "skriv bookkeeping_years = 5"
    assert "ret:" in p.text("da") and "linje" in p.text("da")
    with pytest.raises(ValueError):
        p.message.get("de")
