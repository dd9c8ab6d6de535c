"""Every refusal of the free-text checks (:mod:`persondata.core.sensitive`) has its words in Danish: the core
stays free of Django, and :mod:`persondata.refusals` translates its English predicates by their text, so a
changed core text must fail here rather than reach a Danish page in English."""

from __future__ import annotations

import pytest
from django.utils import translation

from persondata.core.sensitive import Refusal, check_email, check_free_text, check_masked_reference
from persondata.refusals import refusal_text
from persondata.register.rectify import RectifyError, clean_changes


def _refusals() -> list[Refusal]:
    found = [
        check_free_text("born 010190-1234"),
        check_free_text("card 4111 1111 1111 1111"),
        check_masked_reference("**** 123456"),
        check_masked_reference("1234"),
        check_email("not-an-address"),
    ]
    assert all(found), found
    return [r for r in found if r is not None]


@pytest.mark.parametrize("refusal", _refusals(), ids=lambda r: r.code)
def test_each_refusal_has_its_danish_words(refusal: Refusal) -> None:
    with translation.override("da"):
        danish = refusal_text(refusal)
    with translation.override("en"):
        english = refusal_text(refusal)
    assert english == refusal.message
    assert danish != english and not danish.startswith(("contains", "shows", "is not")), danish


def test_a_rectifications_refusals_name_each_field_in_the_readers_language() -> None:
    """The importer's rules check a correction; what they refuse reaches the reader as a sentence in Danish or
    English that names the field in words, never its key (issue 15)."""
    bad = {"phone": "12", "email": "ikke en adresse", "country": "Danmark", "name": "", "shoe_size": "44"}
    said = {}
    for lang in ("da", "en"):
        with translation.override(lang), pytest.raises(RectifyError) as caught:
            clean_changes(bad)
        assert set(caught.value.errors) == set(bad)
        said[lang] = str(caught.value)
    assert (
        "Telefonnummeret er ikke et telefonnummer" in said["da"]
        and "Landet er ikke en landekode" in said["da"]
    )
    assert "Navnet mangler" in said["da"] and "E-mailadressen" in said["da"]
    assert "The phone number is not a phone number" in said["en"] and "The name is missing" in said["en"]
    assert "phone:" not in said["da"] and "is not" not in said["da"]
