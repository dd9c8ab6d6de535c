"""The first-run setup: each step writes the policy file (validated, comments kept, versioned, audited without
values), refuses what is wrong on the field that is wrong and leaves the file as it was, and the overview, the
dashboard and the review say what is left."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from persondata import runtime
from persondata.audit.models import AuditEntry
from persondata.core.policy import default_policy_path
from persondata.governance.models import PolicyVersion
from persondata.setup.middleware import PolicyFileMiddleware
from persondata.setup.models import ConfirmedStep
from tests.conftest import record_complete_agreements

pytestmark = pytest.mark.django_db

COMPANY = {
    "company": "Eksempel Cykler ApS",
    "cvr": "12345674",
    "address": "Eksempelvej 1, 8000 Aarhus C",
    "name": "Jens Hansen",
    "email": "persondata@eksempelcykler.dk",
    "phone": "+45 89 12 34 56",
}


@pytest.fixture(autouse=True)
def home(tmp_path: Path, settings: Any) -> Path:
    """A home of the test's own: the setup writes ``<home>/policy.toml`` on its first save."""
    settings.HOME = tmp_path
    settings.PERSONDATA_POLICY_FILE = ""
    runtime.reset_policy()
    yield tmp_path
    runtime.reset_policy()


@pytest.fixture
def web(client: Client, controller: Any) -> Client:
    client.force_login(controller)
    return client


def test_the_company_step_writes_the_policy_file_keeping_its_comments(web: Client, home: Path) -> None:
    page = web.get(reverse("setup:company"))
    assert page.status_code == 200
    assert b"&lt;&lt;" not in page.content  # placeholders are shown as empty fields, not as text to delete

    response = web.post(reverse("setup:company"), COMPANY)

    assert response.status_code == 302 and response["Location"] == reverse("setup:year")
    written = (home / "policy.toml").read_text(encoding="utf-8")
    assert 'company = "Eksempel Cykler ApS"' in written
    assert "# [5] The data controller" in written  # the shipped file's comments stay
    assert (home / "policy.toml").stat().st_mode & 0o777 == 0o600
    assert runtime.policy().controller.cvr == "12345674"
    assert PolicyVersion.objects.filter(content=written).exists()  # a version of its own
    entry = AuditEntry.objects.get(action="policy.edited")
    assert entry.details == {"keys": [f"controller.{k}" for k in sorted(COMPANY)]}
    assert "Jens" not in str(entry.details) and "eksempelcykler" not in str(entry.details)


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("cvr", "12345678", "CVR"),  # the check digit is wrong
        ("phone", "0123", "telefonnummer"),
        ("email", "persondata@example.com", "reserveret"),
    ],
)
def test_a_wrong_value_is_refused_on_its_field_and_nothing_is_written(
    web: Client, home: Path, field: str, value: str, says: str
) -> None:
    response = web.post(reverse("setup:company"), {**COMPANY, field: value}, HTTP_ACCEPT_LANGUAGE="da")

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == [field] and says in " ".join(errors[field])
    assert not (home / "policy.toml").exists()
    assert "<<" in runtime.policy().controller.company
    assert not AuditEntry.objects.filter(action="policy.edited").exists()


def test_the_financial_year_and_the_partners_are_saved_to_the_file(web: Client, home: Path) -> None:
    web.post(reverse("setup:company"), COMPANY)
    assert web.post(reverse("setup:year"), {"start_month": "7", "start_day": "1"}).status_code == 302
    assert runtime.policy().financial_year.start_month == 7
    assert ConfirmedStep.objects.filter(key="year").exists()

    data = {}
    for partner in runtime.policy().partners:
        data |= {f"{partner.key}__name": f"Leverandør {partner.key} A/S", f"{partner.key}__country": "dk"}
    data["accounting__country"] = "us"
    data["accounting__safeguard"] = "scc"
    assert web.post(reverse("setup:partners"), data).status_code == 302

    accounting = runtime.policy().partner("accounting")
    assert accounting is not None
    assert (accounting.name, accounting.country, accounting.safeguard) == (
        "Leverandør accounting A/S",
        "US",
        "scc",
    )
    invoicing = runtime.policy().partner("invoicing")
    assert invoicing is not None and invoicing.country == "DK" and invoicing.safeguard is None
    assert 'safeguard = "scc"' in (home / "policy.toml").read_text(encoding="utf-8")


def test_the_overview_the_review_and_the_dashboard_say_what_is_left(web: Client) -> None:
    overview = web.get(reverse("setup:overview"))
    done = {s.key: s.done for s in overview.context["steps"]}
    assert done == dict.fromkeys(done, False)
    review = web.get(reverse("setup:review"))
    company_items = [i for i in review.context["items"] if i["step"] == "company"]
    assert len(company_items) == 6 and all(i["severity"] == "error" for i in company_items)
    assert reverse("setup:company").encode() in review.content
    assert reverse("setup:overview").encode() in web.get(reverse("dashboard")).content  # the setup card

    web.post(reverse("setup:company"), COMPANY)
    record_complete_agreements()
    web.post(reverse("setup:year"), {"start_month": "1", "start_day": "1"})
    web.post(reverse("setup:confirm", args=["staff"]))
    web.post(reverse("setup:confirm", args=["customers"]))

    steps = {s.key: s.done for s in web.get(reverse("setup:overview")).context["steps"]}
    assert steps["company"] and steps["year"] and steps["staff"] and steps["customers"]
    assert not steps["adopt"]
    review = web.get(reverse("setup:review"))
    assert not [i for i in review.context["items"] if i["step"] == "company"]


def test_another_worker_loads_the_file_the_setup_wrote(home: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Each worker loads the policy once; the middleware notices a file written since (one stat) and loads it —
    but keeps the one it has when the new file is not valid."""
    runtime.policy()  # this "worker" has loaded the default
    path = home / "policy.toml"
    text = default_policy_path().read_text(encoding="utf-8")
    path.write_text(text.replace("<<company name>>", "Anden Virksomhed ApS"), encoding="utf-8")
    assert runtime.policy_changed()
    middleware = PolicyFileMiddleware(lambda request: None)  # type: ignore[arg-type, return-value]

    middleware(None)  # type: ignore[arg-type]

    assert runtime.policy().controller.company == "Anden Virksomhed ApS"
    assert PolicyVersion.objects.filter(content=path.read_text(encoding="utf-8")).exists()

    path.write_text(text.replace("[controller]", "[controler]"), encoding="utf-8")
    with caplog.at_level(logging.ERROR):
        middleware(None)  # type: ignore[arg-type]
        middleware(None)  # type: ignore[arg-type]
    assert runtime.policy().controller.company == "Anden Virksomhed ApS"  # the valid one stays in force
    assert (
        len([r for r in caplog.records if "cannot be used" in r.getMessage()]) == 1
    )  # said once, not per request


def test_only_the_one_who_adopts_the_policy_may_change_it(
    client: Client, make_staff: Any, home: Path
) -> None:
    client.force_login(make_staff("kundeservice", ["customer_service"]))
    assert client.post(reverse("setup:company"), COMPANY).status_code == 403
    assert not (home / "policy.toml").exists()


@pytest.mark.django_db(transaction=True)
def test_customer_files_are_checked_then_imported_with_progress(
    client: Client, controller: Any, demo_files: Any, home: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Upload → a preview of the first rows and their errors (never a value) → the real import in a thread, its
    progress in a file any worker can read; the uploads are deleted once imported."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from persondata.register.models import Customer
    from persondata.setup import customers

    client.force_login(controller)
    good = demo_files(12)
    bad = tmp_path_factory.mktemp("bad") / "customers.csv"
    bad.write_text(
        "customer_number,name,email\nK-1,Ada Jensen,ada@eksempel.dk\nK-2,Bo Nielsen,not-an-address\n",
        encoding="utf-8",
    )
    upload = [SimpleUploadedFile(p.name, p.read_bytes()) for p in (good, bad)]

    response = client.post(reverse("setup:customers"), {"action": "upload", "files": upload})
    assert response.status_code == 302
    page = client.get(reverse("setup:customers"))
    previews = {p.name: p for p in page.context["previews"]}
    assert [errors for _line, errors in previews[good.name].rows] == [[]] * 12
    assert [(line, [e.field for e in errors]) for line, errors in previews["customers.csv"].rows] == [
        (2, []),
        (3, ["email"]),
    ]
    assert b"not-an-address" not in page.content and b"Ada Jensen" not in page.content  # no value shown
    # each row's error in the page's language (issue 15)
    assert "email er ikke en e-mailadresse" in _text(page), _text(page)
    assert "is not an e-mail address" in _text(
        client.get(reverse("setup:customers"), HTTP_ACCEPT_LANGUAGE="en")
    )

    assert client.post(reverse("setup:customers"), {"action": "import"}).status_code == 302
    _join_setup_import()
    state = customers.progress()
    assert state is not None and state["status"] == "rejected"  # all or nothing: one bad row, nothing kept
    assert [e[1:3] for e in state["errors"]] == [[3, "email"]]
    # kept as the error's msgid, said when shown: in the language of the page that shows it
    assert "er ikke en e-mailadresse" in _text(client.get(reverse("setup:customers")))
    assert "is not an e-mail address" in _text(
        client.get(reverse("setup:customers"), HTTP_ACCEPT_LANGUAGE="en")
    )
    assert Customer.objects.count() == 0
    assert customers.waiting()  # still there, to be corrected

    client.post(reverse("setup:customers"), {"action": "discard"})
    client.post(
        reverse("setup:customers"),
        {"action": "upload", "files": [SimpleUploadedFile(good.name, good.read_bytes())]},
    )
    client.post(reverse("setup:customers"), {"action": "import"})
    _join_setup_import()
    state = customers.progress()
    assert state is not None and state["status"] == "done" and state["done"] == state["total"] > 0
    assert Customer.objects.count() == 12
    assert customers.waiting() == []  # the uploads are gone
    steps = {s.key: s.done for s in client.get(reverse("setup:overview")).context["steps"]}
    assert steps["customers"]


def test_an_unknown_file_type_is_refused_by_name(web: Client) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = web.post(
        reverse("setup:customers"),
        {"action": "upload", "files": [SimpleUploadedFile("kunder.xlsx", b"PK\x03\x04")]},
    )
    assert response.status_code == 400
    assert response.context["error"] == "kunder.xlsx: ukendt filtype; brug .csv, .json eller .jsonl"


def _text(response: Any) -> str:
    """The page's text, its markup and line breaks left out."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def _join_setup_import() -> None:
    import threading

    for thread in threading.enumerate():
        if thread.name == "setup-import":
            thread.join(timeout=60)
            assert not thread.is_alive()


def test_the_public_page_says_not_yet_published_until_the_policy_is_adopted(controller: Any) -> None:
    from datetime import date

    from django.db import transaction
    from django.utils import timezone

    from persondata.access.actor import Actor
    from persondata.governance import policy_versions

    policy_versions.record_current(timezone.now())
    page = Client().get("/privacy/").content.decode()
    assert "Endnu ikke offentliggjort" in page
    assert "Dine rettigheder" in page and "Klage til Datatilsynet" in page  # the rights apply already
    assert "Videregivelse af oplysninger" not in page and "&lt;&lt;" not in page  # not the company's draft
    assert "Not yet published" in Client().get("/privacy/", {"lang": "en"}).content.decode()

    version = policy_versions.in_force()
    assert version is not None
    with transaction.atomic():
        policy_versions.adopt(
            Actor.staff(controller, "web"),
            version.number,
            adopted_on=date(2026, 11, 20),
            adopted_by="Jens Hansen",
            role="Direktør",
            now=timezone.now(),
        )
    page = Client().get("/privacy/").content.decode()
    assert "Endnu ikke offentliggjort" not in page and "Videregivelse af oplysninger" in page
