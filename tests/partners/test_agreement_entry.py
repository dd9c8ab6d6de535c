"""The processor agreements through the command and the API: the same service, the same checks."""

from __future__ import annotations

import base64
import io
import json
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from persondata.api.tokens import create_token
from persondata.cli import main
from persondata.partners.models import ProcessorAgreement
from tests.conftest import NOW

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_agreements")]

PDF = b"%PDF-1.4\n% signed\n%%EOF\n"


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def test_the_command_records_lists_and_removes_an_agreement(controller: Any, tmp_path: Path) -> None:
    pdf = tmp_path / "dpa.pdf"
    pdf.write_bytes(PDF)
    base = [
        "partners",
        "agreement-set",
        "accounting",
        "--user",
        controller.username,
        "--signed",
        "2026-01-05",
    ]
    base += ["--version", "4", "--review", "2036-01-05", "--country", "dk", "--document", str(pdf)]
    code, out, _ = run(*base, "--clauses", "abcdef", "--sub-processor", "Backup ApS; DK")
    assert code == 0 and "incomplete (agreement:clauses)" in out
    code, out, _ = run("partners", "agreements", "--user", controller.username, "--json")
    rows = {r["partner"]: r for r in json.loads(out)}
    assert rows["accounting"]["problems"] == ["clauses"] and rows["accounting"]["country"] == "DK"
    assert rows["accounting"]["sub_processors"] == [{"name": "Backup ApS", "country": "DK"}]
    assert rows["invoicing"]["problems"] == ["missing"]
    code, out, _ = run(*base, "--clauses", "abcdefgh")
    assert code == 0 and "complete" in out and "incomplete" not in out
    code, _, err = run(*base, "--clauses", "abcdefgh", "--country", "Danmark")
    assert code == 2 and "The country must be a two-letter country code" in err
    code, _, _ = run("partners", "agreement-remove", "accounting", "--user", controller.username)
    assert code == 0 and not ProcessorAgreement.objects.exists()


def test_the_api_records_and_reads_an_agreement(controller: Any) -> None:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {create_token(controller, 't', NOW)}"}
    client = Client()
    body = {
        "signed_on": "2026-01-05",
        "version": "1",
        "next_review": "2036-01-05",
        "country": "US",
        "clauses": list("abcdefgh"),
        "safeguard": "scc",
        "document_base64": base64.b64encode(PDF).decode(),
    }
    got = client.put("/api/partners/agreements/invoicing", body, content_type="application/json", **headers)
    assert got.status_code == 200 and got.json()["problems"] == ["safeguard"]  # the SCCs' date is missing
    body["safeguard_date"] = "2026-01-05"
    got = client.put("/api/partners/agreements/invoicing", body, content_type="application/json", **headers)
    assert got.status_code == 200 and got.json()["complete"] is True
    got = client.put(
        "/api/partners/agreements/invoicing",
        {**body, "clauses": ["z"]},
        content_type="application/json",
        **headers,
    )
    assert got.status_code == 422 and got.json()["fields"] == ["clauses"]
    assert client.get("/api/partners/agreements/nobody", **headers).status_code == 404
    listed = {r["partner"]: r for r in client.get("/api/partners/agreements", **headers).json()}
    assert listed["invoicing"]["complete"] and listed["accounting"]["problems"] == ["missing"]
    assert client.delete("/api/partners/agreements/invoicing", **headers).status_code == 204
    assert (
        "agreement"
        in client.get("/api/openapi.json").json()["paths"]["/api/partners/agreements"]["get"]["summary"]
    )


def test_the_page_names_the_field_of_bad_input_and_stores_nothing(controller: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = Client()
    client.force_login(controller)
    form = {"signed_on": "2026-01-05", "version": "1", "next_review": "2036-01-05", "country": "DK"}
    upload = SimpleUploadedFile("dpa.pdf", b"<html>not a pdf</html>", content_type="application/pdf")
    got = client.post(
        "/partners/agreements/accounting/", {**form, "clauses": list("abc"), "document": upload}
    )
    assert got.status_code == 400 and "skal være den underskrevne aftale som PDF" in got.content.decode()
    assert not ProcessorAgreement.objects.exists()
    got = client.post("/partners/agreements/accounting/", {**form, "sub_processors": "no country"})
    assert got.status_code == 400 and "linje 1: skriv" in got.content.decode()
    got = client.post("/partners/agreements/accounting/", {**form, "clauses": list("abcdefgh")})
    assert got.status_code == 302 and ProcessorAgreement.objects.get().clauses == list("abcdefgh")
    assert client.get("/partners/agreements/nobody/").status_code == 404


def test_disclosures_through_the_command_and_the_api(controller: Any) -> None:
    from persondata.partners.models import Disclosure
    from tests.conftest import record_complete_agreements

    customer = "0123456789abcdef0123456789abcdef"
    user = ["--user", controller.username]
    code, _, err = run("partners", "disclose", "invoicing", *user, "--categories", "payment", "--purpose",
                       "invoicing", "--customer", customer, "--export")  # fmt: skip
    assert code == 2 and "no complete, current processor agreement" in err  # no export without an agreement
    record_complete_agreements(["invoicing"])
    code, out, _ = run("partners", "disclose", "invoicing", *user, "--categories", "payment", "--purpose",
                       "invoicing", "--customer", customer, "--export")  # fmt: skip
    assert code == 0 and "recorded" in out
    code, out, _ = run("partners", "disclosures", *user, "--json")
    [row] = json.loads(out)
    assert (row["partner"], row["channel"], row["customers"]) == ("invoicing", "export", 1)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {create_token(controller, 't', NOW)}"}
    body = {"partner": "order_processing", "categories": ["contact"], "purpose": "delivery", "standing": True}
    got = Client().post("/api/partners/disclosures", body, content_type="application/json", **headers)
    assert got.status_code == 201 and got.json()["standing"] is True
    got = Client().post(
        "/api/partners/disclosures",
        {**body, "categories": ["payment"]},
        content_type="application/json",
        **headers,
    )
    assert got.status_code == 422 and got.json()["fields"] == ["categories"]
    listed = Client().get("/api/partners/disclosures", {"partner": "order_processing"}, **headers).json()
    assert [d["channel"] for d in listed] == ["manual"] and Disclosure.objects.count() == 2


def test_the_disclosures_page_records_filters_and_pages(controller: Any) -> None:
    from datetime import timedelta

    from django.db import transaction

    from persondata.access.actor import Actor
    from persondata.partners import disclosures
    from persondata.partners.models import Disclosure

    client = Client()
    client.force_login(controller)
    form = {"partner": "accounting", "categories": ["payment"], "purpose": "bookkeeping"}
    got = client.post("/partners/disclosures/", {**form, "customers": "not-an-id"})
    assert got.status_code == 400 and "Linje 1 er ikke et kunde-id" in got.content.decode()
    got = client.post("/partners/disclosures/", {**form, "categories": ["contact"], "standing": "on"})
    assert got.status_code == 400 and "tillader ikke, at accounting modtager contact" in got.content.decode()
    got = client.post("/partners/disclosures/", {**form, "customers": "0123456789abcdef0123456789abcdef"})
    assert got.status_code == 302 and Disclosure.objects.get().customer_count == 1
    boss = Actor.for_user(controller, None, "cli")
    with transaction.atomic():
        for i in range(60):
            disclosures.record_by_hand(boss, "order_processing", categories=["contact"], purpose="delivery",
                                       standing=True, occurred_at=NOW - timedelta(hours=i), now=NOW)  # fmt: skip
    page = client.get("/partners/disclosures/", {"partner": "order_processing"})
    assert len(page.context["page"].object_list) == 50 and page.context["page"].paginator.count == 60
    assert "page=2" in page.content.decode() and "partner=order_processing" in page.content.decode()
    second = client.get("/partners/disclosures/", {"partner": "order_processing", "page": 2})
    assert len(second.context["page"].object_list) == 10
    only = client.get("/partners/disclosures/", {"partner": "accounting"})
    assert only.context["page"].paginator.count == 1
