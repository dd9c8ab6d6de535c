"""The breach register's pages, API and CLI: the same records, for whoever holds ``manage_breaches``."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from pypdf import PdfReader

from persondata.api.tokens import create_token
from persondata.audit.models import AuditEntry
from persondata.cli import main
from persondata.governance.models import Breach
from tests.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_controller(client: Client, controller: Any) -> Client:
    client.force_login(controller)
    return client


def test_register_a_breach_on_the_page_and_see_its_clock(as_controller: Client) -> None:
    response = as_controller.post(
        "/governance/breaches/new/",
        {
            "discovered_at": "2025-10-25T14:00",
            "nature": "Et kundeudtræk blev sendt til en forkert modtager.",
            "categories": ["contact"],
            "kinds": ["confidentiality"],
            "customers_affected": "12",
            "records_affected": "12",
            "risk": "risk",
        },
        HTTP_ACCEPT_LANGUAGE="da",
    )
    assert response.status_code == 302
    breach = Breach.objects.get()
    page = as_controller.get(response["Location"], HTTP_ACCEPT_LANGUAGE="da").content.decode()
    assert "tirsdag den 28. oktober 2025 kl. 13.00" in page and "Ikke anmeldt" in page
    english = as_controller.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Tuesday 28 October 2025, 13:00" in english and "Not notified" in english
    dashboard = as_controller.get("/", HTTP_ACCEPT_LANGUAGE="da").content.decode()
    assert (
        breach.reference in dashboard and "anmeld senest tirsdag den 28. oktober 2025 kl. 13.00" in dashboard
    )
    pdf = as_controller.get(f"/governance/breaches/{breach.id}/notification.da.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = " ".join(PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text().split())
    assert "tirsdag den 28. oktober 2025 kl. 13.00" in text
    letter = as_controller.get(f"/governance/breaches/{breach.id}/letter.en.html")
    assert letter.status_code == 200 and b"has not been written yet" in letter.content
    assert as_controller.get(f"/governance/breaches/{breach.id}/letter.fr.html").status_code == 404


def test_a_bad_form_names_the_field_and_keeps_nothing(as_controller: Client) -> None:
    response = as_controller.post(
        "/governance/breaches/new/",
        {"discovered_at": "2025-10-25T14:00", "nature": "CPR 010190-1234 lækket", "customers_affected": "1",
         "records_affected": "1", "risk": "risk"},
        HTTP_ACCEPT_LANGUAGE="en",
    )  # fmt: skip
    assert response.status_code == 400 and b"CPR" in response.content
    assert b"010190-1234" not in response.content.split(b"<textarea")[0]
    assert not Breach.objects.exists() and not AuditEntry.objects.filter(action="breach.create").exists()


@pytest.mark.parametrize("role", ["controller", "customer_service", "accounting", "it_admin"])
def test_only_the_duty_opens_the_pages(make_staff: Callable[..., Any], role: str) -> None:
    client = Client()
    client.force_login(make_staff(f"u-{role}", [role]))
    allowed = role == "controller"
    for url in ("/governance/breaches/", "/governance/breaches/new/"):
        assert client.get(url).status_code == (200 if allowed else 403), (role, url)
    token = create_token(make_staff(f"api-{role}", [role]), "t", NOW)
    api = client.get("/api/breaches", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.status_code == (200 if allowed else 403)


def test_the_api_registers_and_updates_a_breach(controller: Any) -> None:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {create_token(controller, 't', NOW)}"}
    client = Client()
    made = client.post(
        "/api/breaches",
        {"discovered_at": "2025-10-25T14:00:00+02:00", "nature": "Bærbar pc stjålet", "risk": "high"},
        content_type="application/json",
        **headers,
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["deadline"] == "2025-10-28T13:00:00+01:00" and body["state"] == "overdue"
    bad = client.patch(
        f"/api/breaches/{body['id']}",
        {"notified_at": "2025-10-29T09:00:00+01:00"},
        content_type="application/json",
        **headers,
    )
    assert bad.status_code == 422 and "delay_reason" in bad.content.decode()
    good = client.patch(
        f"/api/breaches/{body['id']}",
        {"notified_at": "2025-10-29T09:00:00+01:00", "delay_reason": "Weekend og uklart omfang"},
        content_type="application/json",
        **headers,
    )
    assert good.status_code == 200 and good.json()["state"] == "notified_late"
    assert client.get("/api/breaches/00000000-0000-0000-0000-000000000000", **headers).status_code == 404
    # before 1900 (Danish time was then not a whole hour ahead of UTC): the field named, nothing stored
    for at in ("0007-03-05T17:31:29+12:14", "1899-12-31T23:59:59+00:00"):
        old = client.post("/api/breaches", {"discovered_at": at, "nature": "x"}, content_type="application/json",
                          **headers)  # fmt: skip
        assert old.status_code == 422 and old.json()["fields"] == ["discovered_at"], old.content
    assert len(client.get("/api/breaches", **headers).json()) == 1


def _cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.mark.django_db(transaction=True)
def test_the_cli_registers_lists_and_prints(make_staff: Callable[..., Any], tmp_path: Path) -> None:
    make_staff("boss", ["controller"])
    make_staff("clerk", ["customer_service"])
    code, out, _ = _cli("breaches", "add", "--user", "boss", "--discovered-at", "2025-10-25T14:00",
                        "--nature", "Forkert modtager", "--categories", "contact,payment")  # fmt: skip
    assert code == 0 and "Tuesday 28 October 2025, 13:00" in out
    breach_id = out.split()[-1]
    code, out, _ = _cli("breaches", "list", "--user", "boss", "--json")
    [row] = json.loads(out)
    assert row["deadline"] == "2025-10-28T13:00:00+01:00" and row["categories"] == ["contact", "payment"]
    code, _, err = _cli("breaches", "update", breach_id, "--user", "boss", "--customers-affected", "-3")
    assert code == 2 and "The number of customers affected must be a whole number" in err
    target = tmp_path / "n.pdf"
    code, _, _ = _cli("breaches", "print", breach_id, "--user", "boss", "--lang", "en", "-o", str(target))
    assert code == 0 and "Tuesday 28 October 2025, 13:00" in PdfReader(target).pages[0].extract_text()
    code, _, err = _cli("breaches", "list", "--user", "clerk")
    assert code == 3 and "manage_breaches" in err
