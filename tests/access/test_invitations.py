"""A new staff member chooses their own first password through an invitation link: nobody else sees it; the link
works once, expires, is replaced by a newer one, and never reaches a log or the audit trail."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from persondata.access import invitations
from persondata.audit.models import AuditEntry
from persondata.gunicorn_log import mask

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-chosen-password-42"


def _invite(client: Client, controller: Any) -> tuple[Any, str]:
    client.force_login(controller)
    response = client.post(
        reverse("staff:create"), {"username": "anna", "roles": ["customer_service"], "invite": "on"}
    )
    assert response.status_code == 200
    assert "one-time-password" not in response.content.decode()  # no password is shown to anybody
    link = response.context["link"]
    assert "/staff/invitation/" in link
    return get_user_model().objects.get(username="anna"), link.split("testserver", 1)[1]


def test_the_new_member_chooses_their_own_password_once(client: Client, controller: Any) -> None:
    anna, path = _invite(client, controller)
    assert not anna.has_usable_password()
    token = path.rstrip("/").rsplit("/", 1)[1]
    entry = AuditEntry.objects.get(action="staff.invitation")
    assert token not in str(entry.details)
    assert mask(f"GET {path} HTTP/1.1") == "GET /staff/invitation/***/ HTTP/1.1"

    visitor = Client()
    page = visitor.get(path)
    assert page.status_code == 200 and page["Referrer-Policy"] == "strict-origin"
    differ = visitor.post(
        reverse("staff:invitation_accept"),
        {"token": token, "new_password": PASSWORD, "again": PASSWORD + "x"},
    )
    assert differ.status_code == 400 and "again" in differ.context["form"].errors
    weak = visitor.post(
        reverse("staff:invitation_accept"), {"token": token, "new_password": "kort", "again": "kort"}
    )
    assert weak.status_code == 400 and "new_password" in weak.context["form"].errors
    done = visitor.post(
        reverse("staff:invitation_accept"), {"token": token, "new_password": PASSWORD, "again": PASSWORD}
    )
    assert done.status_code == 302 and done["Location"] == reverse("login")
    anna.refresh_from_db()
    assert anna.check_password(PASSWORD) and not anna.staff.must_change_password
    login = Client().post(reverse("login"), {"username": "anna", "password": PASSWORD})
    assert login.status_code == 302

    again = Client().get(path)
    assert again.status_code == 410 and "used" not in again.content.decode().split("<main")[0]
    assert AuditEntry.objects.filter(action="staff.invitation.accept").count() == 1


def test_a_link_expires_and_a_newer_one_replaces_it(client: Client, controller: Any) -> None:
    anna, path = _invite(client, controller)
    token = path.rstrip("/").rsplit("/", 1)[1]
    later = timezone.now() + timedelta(days=invitations.DAYS, seconds=1)
    assert invitations.problem(token, later) == "expired"
    newer = invitations.invite(controller, anna, timezone.now())
    assert invitations.problem(token, timezone.now()) == "revoked"
    assert invitations.problem(newer.rstrip("/").rsplit("/", 1)[1], timezone.now()) is None
    refused = Client().post(
        reverse("staff:invitation_accept"), {"token": token, "new_password": PASSWORD, "again": PASSWORD}
    )
    assert refused.status_code == 410
    anna.refresh_from_db()
    assert not anna.has_usable_password()


def test_without_an_invitation_a_first_password_is_shown_as_before(client: Client, controller: Any) -> None:
    client.force_login(controller)
    response = client.post(reverse("staff:create"), {"username": "bo", "roles": ["accounting"]})
    assert response.status_code == 200 and response.context["password"]
    assert get_user_model().objects.get(username="bo").staff.must_change_password
