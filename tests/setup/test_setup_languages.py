"""A setup step the policy file refuses says so on the field, in the page's language (issue 15: no English on a
Danish page): the file's own problem (a financial year starting on a day its month does not have) is shown in
Danish on the Danish page — checked with the crawl test's detector (:mod:`tests.web.crawl`) — and in English on
the English one; nothing is written either way."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from persondata import runtime
from tests.setup.test_setup import home  # noqa: F401 (the fixture: a home of the test's own)
from tests.web.crawl import english_msgids, problems, raw_keys

pytestmark = pytest.mark.django_db

SAYS = {
    "da": "måned 2 har ikke en dag 30 i alle år",
    "en": "month 2 has no day 30 (in every year)",
}
FIX = {"da": "skriv regnskabsårets første dag", "en": "write the first day of the financial year"}


@pytest.fixture
def web(client: Client, make_staff: Any) -> Client:
    """The controller, with a login that is not also a key of the policy file (the crawl would flag it)."""
    client.force_login(make_staff("kirsten", ["controller"]))
    return client


@pytest.mark.parametrize("lang", ["da", "en"])
def test_a_day_the_month_lacks_is_refused_on_the_field_in_the_pages_language(
    web: Client,
    home: Path,  # noqa: F811
    lang: str,
) -> None:
    response = web.post(
        reverse("setup:year"), {"start_month": "2", "start_day": "30"}, HTTP_ACCEPT_LANGUAGE=lang
    )

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == ["start_day"]
    said = " ".join(errors["start_day"])
    assert SAYS[lang] in said and FIX[lang] in said
    other = "en" if lang == "da" else "da"
    assert SAYS[other] not in said
    html = response.content.decode()
    assert SAYS[lang] in html
    if lang == "da":
        assert problems(html, "da", raw_keys(), english_msgids()) == []
    assert not (home / "policy.toml").exists()
    assert runtime.policy().financial_year.start_month == 1
