"""The main menu links the retention page for the data controller only, in Danish and English."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from persondata import runtime


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(runtime.policy().roles))
def test_the_retention_link_is_the_controllers(make_staff: Callable[..., Any], role: str) -> None:
    client = Client()
    client.force_login(make_staff(f"nav-{role}", [role]))
    for language, label in (("en", "Retention"), ("da", "Sletning")):
        body = client.get("/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
        link = f'<a href="/retention/">{label}</a>'
        assert (link in body) is (role == "controller"), (role, language)


@pytest.mark.django_db
def test_the_link_is_marked_on_the_retention_page(controller: Any) -> None:
    client = Client()
    client.force_login(controller)
    body = client.get("/retention/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<a href="/retention/" aria-current="page">Retention</a>' in body
