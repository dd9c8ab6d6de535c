"""A password persondata made and showed to someone else (init, ``staff add``, a reset) is changed at first login."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from persondata.access import staff as services
from persondata.api.tokens import create_token
from tests.conftest import NOW

pytestmark = pytest.mark.django_db


def test_a_new_login_sees_only_the_password_page_until_it_chose_its_own(
    make_staff: Callable[..., Any],
) -> None:
    controller = make_staff("boss", ["controller"])
    with transaction.atomic():
        user, given = services.create_staff(controller, "newcomer", ["customer_service"], NOW)
    client = Client()
    client.force_login(user)
    for page in ("/", "/staff/declarations/", "/requests/new/", "/customers/"):
        response = client.get(page)
        assert response.status_code == 302 and response["Location"] == "/staff/my-password/", page
    assert client.get("/staff/my-password/").status_code == 200
    token = create_token(user, "t", NOW)  # the API is the login's own token: not held back
    assert Client().get("/api/requests", HTTP_AUTHORIZATION=f"Bearer {token}").status_code != 302

    with transaction.atomic():
        services.change_own_password(user, given, "a-password-of-my-own-77", NOW)
    client.force_login(user)
    assert client.get("/").status_code == 200

    with transaction.atomic():
        services.reset_password(controller, user, NOW)
    client.force_login(user)
    assert client.get("/")["Location"] == "/staff/my-password/"


def test_a_login_made_by_hand_or_by_the_tests_is_not_held_back(make_staff: Callable[..., Any]) -> None:
    client = Client()
    client.force_login(make_staff("someone", ["accounting"]))
    assert client.get("/").status_code == 200
