"""Every refusal of the free-text checks (:mod:`persondata.core.sensitive`) has its words in Danish: the core
stays free of Django, and :mod:`persondata.refusals` translates its English predicates by their text, so a
changed core text must fail here rather than reach a Danish page in English."""

from __future__ import annotations

import pytest
from django.utils import translation

from persondata.core.sensitive import Refusal, check_email, check_free_text, check_masked_reference
from persondata.refusals import refusal_text


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
