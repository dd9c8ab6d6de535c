"""The staff pages through Django's test client: the controller's overview and management, and every staff
member's declarations page, which opens the gate."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from persondata.access import gate
from persondata.access import staff as services
from persondata.access.models import GUIDANCE, PolicyText
from persondata.audit.models import AuditEntry
from tests.conftest import no_inline_script

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"


def body(response: Any) -> str:
    return response.content.decode()


def row_of(html: str, user: Any) -> str:
    match = re.search(rf'<tr id="staff-{user.pk}">(.*?)</tr>', html, re.S)
    assert match, f"no row for user {user.pk}"
    return match.group(1)


def management_urls(other: Any) -> list[str]:
    return [
        reverse("staff:list"),
        reverse("staff:create"),
        reverse("staff:roles", args=[other.pk]),
        reverse("staff:deactivate", args=[other.pk]),
        reverse("staff:password", args=[other.pk]),
        reverse("staff:publish", args=[GUIDANCE]),
    ]


@pytest.fixture
def as_controller(client: Client, controller: Any) -> Client:
    client.force_login(controller)
    return client


# -- the overview --------------------------------------------------------------------------------------------
def test_controller_sees_who_is_missing_what(
    as_controller: Client,
    controller: Any,
    make_staff: Callable[..., Any],
    texts: list[PolicyText],
    now: datetime,
) -> None:
    anna = make_staff("anna", ["customer_service"])
    bo = make_staff("bo", ["accounting"])
    services.acknowledge(anna, texts[0], now)
    services.acknowledge(anna, texts[1], now)
    services.acknowledge(bo, texts[1], now)
    response = as_controller.get(reverse("staff:list"))
    assert response.status_code == 200
    html = body(response)
    assert "<h1>Personale og erklæringer</h1>" in html
    # one column per current text, then per row: accepted (with the date) or missing
    assert html.count('scope="col">Fortrolighedserklæring') == 1
    assert html.count('scope="col">Vejledning om sikker behandling') == 1
    anna_row, bo_row, own_row = row_of(html, anna), row_of(html, bo), row_of(html, controller)
    assert (
        "Kundeservice" in anna_row and anna_row.count("badge--done") == 2 and "badge--error" not in anna_row
    )
    cells = re.findall(r"<td>(.*?)</td>", bo_row, re.S)
    assert "Bogholderi" in cells[0]
    assert "Mangler" in cells[1] and "Accepteret" in cells[2]
    assert own_row.count("Mangler") == 2 and "(dig)" in own_row
    assert "2 logins har ikke accepteret alle nyeste tekster." in html
    assert "Du har ikke selv accepteret de nyeste tekster endnu" in html
    # no deactivate link for one's own login
    assert reverse("staff:deactivate", args=[controller.pk]) not in html
    assert reverse("staff:deactivate", args=[bo.pk]) in html


def test_nav_link_only_for_controllers(
    client: Client, controller: Any, make_staff: Callable[..., Any]
) -> None:
    client.force_login(controller)
    assert f'href="{reverse("staff:list")}"' in body(client.get(reverse("dashboard")))
    client.force_login(make_staff("kirsten", ["customer_service", "accounting", "it_admin"]))
    assert f'href="{reverse("staff:list")}"' not in body(client.get(reverse("dashboard")))


def test_non_controller_gets_403_on_every_management_page(
    client: Client, make_staff: Callable[..., Any], texts: list[PolicyText]
) -> None:
    other = make_staff("other", ["accounting"])
    client.force_login(make_staff("kirsten", ["customer_service"]))
    for url in management_urls(other):
        assert client.get(url).status_code == 403, url
        response = client.post(url, {"username": "x", "roles": ["controller"], "kind": GUIDANCE})
        assert response.status_code == 403, url
        assert "ingen af dine roller har opgaven “manage_staff”" in body(response)
    other.refresh_from_db()
    assert other.is_active and other.staff.roles == ["accounting"]
    assert not AuditEntry.objects.filter(action__startswith="staff.").exists()


def test_anonymous_is_sent_to_login(client: Client, controller: Any) -> None:
    for url in [*management_urls(controller), reverse("staff:declarations"), reverse("staff:own_password")]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url


# -- managing ------------------------------------------------------------------------------------------------
def test_create_shows_the_password_once(as_controller: Client, texts: list[PolicyText]) -> None:
    page = as_controller.get(reverse("staff:create"))
    html = body(page)
    assert 'type="checkbox" name="roles" value="customer_service"' in html
    assert "Kundeservice" in html and "IT-administration" in html and "Læser ingen kundeoplysninger." in html
    response = as_controller.post(
        reverse("staff:create"), {"username": "kirsten", "roles": ["customer_service"]}
    )
    assert response.status_code == 200  # rendered, not redirected: the password is in no URL
    assert response["Cache-Control"] == "no-store"
    password = re.search(r'id="one-time-password">([^<]+)<', body(response)).group(1)  # type: ignore[union-attr]
    user = services.active_staff("kirsten")
    assert user is not None and user.check_password(password)
    assert user.staff.roles == ["customer_service"]
    assert password not in body(as_controller.get(reverse("staff:list")))
    assert AuditEntry.objects.filter(action="staff.create", target=f"staff:{user.pk}").count() == 1


def test_create_refuses_bad_input_calmly(as_controller: Client, make_staff: Callable[..., Any]) -> None:
    make_staff("kirsten", ["accounting"])
    response = as_controller.post(reverse("staff:create"), {"username": "kirsten", "roles": ["accounting"]})
    assert response.status_code == 200 and "Brugernavnet er optaget" in body(response)
    response = as_controller.post(reverse("staff:create"), {"username": "ny", "roles": []})
    assert "Vælg mindst én rolle." in body(response)
    response = as_controller.post(reverse("staff:create"), {"username": "ny", "roles": ["chef"]})
    assert response.status_code == 200 and "chef" in body(response)  # Django: not one of the choices
    assert services.active_staff("ny") is None


def test_edit_roles_with_checkboxes(as_controller: Client, make_staff: Callable[..., Any]) -> None:
    user = make_staff("kirsten", ["customer_service"])
    page = body(as_controller.get(reverse("staff:roles", args=[user.pk])))
    assert re.search(r'value="customer_service"[^>]*checked', page)
    assert not re.search(r'value="accounting"[^>]*checked', page)
    response = as_controller.post(
        reverse("staff:roles", args=[user.pk]), {"roles": ["accounting", "customer_service"]}
    )
    assert response.status_code == 302 and response["Location"] == reverse("staff:list")
    user.refresh_from_db()
    assert user.staff.roles == ["customer_service", "accounting"]
    assert "Rollerne er gemt." in body(as_controller.get(reverse("staff:list")))


def test_the_last_controller_keeps_the_role(as_controller: Client, controller: Any) -> None:
    response = as_controller.post(reverse("staff:roles", args=[controller.pk]), {"roles": ["accounting"]})
    assert response.status_code == 400 and "Så ville intet aktivt login have rollen dataansvarlig" in body(
        response
    )
    controller.refresh_from_db()
    assert controller.staff.roles == ["controller"]


def test_deactivate_after_confirming(
    as_controller: Client, make_staff: Callable[..., Any], controller: Any
) -> None:
    user = make_staff("kirsten", ["customer_service"])
    url = reverse("staff:deactivate", args=[user.pk])
    assert "Deaktivér kirsten?" in body(as_controller.get(url))
    user.refresh_from_db()
    assert user.is_active  # a GET changes nothing
    assert as_controller.post(url).status_code == 302
    user.refresh_from_db()
    assert not user.is_active
    html = body(as_controller.get(reverse("staff:list")))
    assert f'id="staff-{user.pk}"' not in html and "Deaktiverede logins" in html
    assert as_controller.get(url).status_code == 404
    own = as_controller.post(reverse("staff:deactivate", args=[controller.pk]))
    assert own.status_code == 400 and "Du kan ikke deaktivere dit eget login" in body(own)


def test_reset_password_shows_the_new_one_once(as_controller: Client, make_staff: Callable[..., Any]) -> None:
    user = make_staff("kirsten", ["customer_service"])
    url = reverse("staff:password", args=[user.pk])
    assert as_controller.get(url).status_code == 200
    response = as_controller.post(url)
    assert response.status_code == 200
    password = re.search(r'id="one-time-password">([^<]+)<', body(response)).group(1)  # type: ignore[union-attr]
    user.refresh_from_db()
    assert user.check_password(password) and not user.check_password(PASSWORD)


def test_publish_a_new_version_closes_the_gate(
    as_controller: Client,
    controller: Any,
    make_staff: Callable[..., Any],
    texts: list[PolicyText],
    accept_all: Callable[[Any], None],
) -> None:
    user = make_staff("kirsten", ["customer_service"])
    accept_all(user)
    page = as_controller.get(reverse("staff:publish", args=[GUIDANCE]))
    assert page.status_code == 200 and texts[1].title_da in body(
        page
    )  # the form starts from the current text
    form = {
        "kind": GUIDANCE,
        "title_da": "Vejledning 2",
        "title_en": "Guidance 2",
        "body_da": "- a",
        "body_en": "- b",
    }
    response = as_controller.post(reverse("staff:publish", args=[GUIDANCE]), form)
    assert response.status_code == 302
    [missing] = gate.missing_acknowledgements(user)
    assert (missing.kind, missing.version, missing.title_da) == (GUIDANCE, 2, "Vejledning 2")
    empty = as_controller.post(reverse("staff:publish", args=[GUIDANCE]), {**form, "body_en": ""})
    assert empty.status_code == 200 and PolicyText.objects.filter(kind=GUIDANCE).count() == 2
    assert as_controller.get(reverse("staff:publish", args=["recipe"])).status_code == 404


# -- declarations: every staff member ------------------------------------------------------------------------
def test_acknowledging_by_post_opens_the_gate(
    client: Client, make_staff: Callable[..., Any], texts: list[PolicyText]
) -> None:
    user = make_staff("kirsten", ["customer_service"])
    client.force_login(user)
    page = client.get(reverse("staff:declarations"))
    html = body(page)
    assert page.status_code == 200
    assert "Du har 2 tekster at læse og acceptere" in html
    for text in texts:
        assert text.title_da in html
        assert f'name="text" value="{text.pk}"' in html
    assert "<li>skriv aldrig CPR-numre" in html  # the text's points are rendered as a list
    assert html.count("Jeg har læst og accepterer") == 2

    response = client.post(reverse("staff:declarations"), {"text": texts[0].pk})
    assert response.status_code == 302 and response["Location"] == reverse("staff:declarations")
    assert gate.missing_acknowledgements(user) == [texts[1]]
    assert "Du har 1 tekst at læse og acceptere" in body(client.get(reverse("staff:declarations")))
    client.post(reverse("staff:declarations"), {"text": texts[1].pk})
    assert gate.missing_acknowledgements(user) == []
    html = body(client.get(reverse("staff:declarations")))
    assert "Du har accepteret den nyeste version af alle tekster." in html
    assert "Tekster, du har accepteret" in html
    assert AuditEntry.objects.filter(action="declaration.acknowledge", target=f"staff:{user.pk}").count() == 2


def test_acknowledging_a_replaced_or_unknown_version_is_refused(
    client: Client, controller: Any, make_staff: Callable[..., Any], texts: list[PolicyText], now: datetime
) -> None:
    user = make_staff("kirsten", ["customer_service"])
    services.publish_text(controller, GUIDANCE, title_da="t", title_en="t", body_da="b", body_en="b", now=now)
    client.force_login(user)
    response = client.post(reverse("staff:declarations"), {"text": texts[1].pk})
    assert response.status_code == 400 and "Denne version er afløst af en nyere." in body(response)
    assert client.post(reverse("staff:declarations"), {"text": 99999}).status_code == 404
    assert client.post(reverse("staff:declarations"), {"text": "x"}).status_code == 404
    assert len(gate.missing_acknowledgements(user)) == 2


def test_csrf_is_enforced_on_acknowledging(make_staff: Callable[..., Any], texts: list[PolicyText]) -> None:
    user = make_staff("kirsten", ["customer_service"])
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get(reverse("staff:declarations"))
    refused = client.post(reverse("staff:declarations"), {"text": texts[0].pk})
    assert refused.status_code == 403
    assert len(gate.missing_acknowledgements(user)) == 2
    token = client.cookies["csrftoken"].value
    accepted = client.post(reverse("staff:declarations"), {"text": texts[0].pk, "csrfmiddlewaretoken": token})
    assert accepted.status_code == 302
    assert gate.missing_acknowledgements(user) == [texts[1]]


def test_csrf_is_enforced_on_management(controller: Any, make_staff: Callable[..., Any]) -> None:
    user = make_staff("kirsten", ["customer_service"])
    client = Client(enforce_csrf_checks=True)
    client.force_login(controller)
    for url, data in [
        (reverse("staff:create"), {"username": "ny", "roles": ["accounting"]}),
        (reverse("staff:deactivate", args=[user.pk]), {}),
        (reverse("staff:password", args=[user.pk]), {}),
        (reverse("staff:roles", args=[user.pk]), {"roles": ["accounting"]}),
    ]:
        assert client.post(url, data).status_code == 403, url
    user.refresh_from_db()
    assert user.is_active and user.staff.roles == ["customer_service"]
    assert services.active_staff("ny") is None


def test_change_own_password(client: Client, make_staff: Callable[..., Any]) -> None:
    user = make_staff("kirsten", ["customer_service"])
    client.force_login(user)
    url = reverse("staff:own_password")
    wrong = client.post(
        url, {"old_password": "nope", "new_password": "x" * 20, "new_password_again": "x" * 20}
    )
    assert "Den nuværende adgangskode er forkert." in body(wrong)
    new = "a-brand-new-passphrase"
    response = client.post(url, {"old_password": PASSWORD, "new_password": new, "new_password_again": new})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)
    assert client.get(reverse("staff:declarations")).status_code == 200  # still logged in here


def test_pages_have_no_inline_code_and_english_works(
    as_controller: Client, controller: Any, texts: list[PolicyText]
) -> None:
    urls = [*management_urls(controller)[:3], reverse("staff:declarations"), reverse("staff:own_password")]
    for url in urls:
        html = body(as_controller.get(url))
        assert no_inline_script(html) and " style=" not in html and "<style" not in html, url
        assert "/static/staff/staff.css" in html
    as_controller.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = body(as_controller.get(reverse("staff:list")))
    assert "<h1>Staff and declarations</h1>" in html and "Missing" in html
    html = body(as_controller.get(reverse("staff:declarations")))
    assert texts[0].title_en in html and "I have read and accept" in html
