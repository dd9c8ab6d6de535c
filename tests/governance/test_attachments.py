"""Attachments to the control's manual items (R17: "a yes/no answer with a note and an attachment"): PDF, PNG or
JPEG up to 10 MB, sealed, read back by who runs the control, listed by name and size in the report; the page,
the API and the CLI."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.utils import translation

from persondata.access.actor import Actor
from persondata.access.errors import AccessDenied
from persondata.audit.models import AuditEntry
from persondata.governance import attachments, control_report
from persondata.governance import control as controls
from persondata.governance.errors import GovernanceError
from persondata.governance.models import Control, ControlAttachment
from tests.conftest import NOW

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% the antivirus console's status page\n" + b"x" * 2000 + b"\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8


def _open(boss: Actor) -> Control:
    with transaction.atomic():
        return controls.start_control(boss, now=NOW)


def _attach(boss: Actor, control: Control, name: str, content: bytes, item: str = "antivirus") -> Any:
    with transaction.atomic():
        return attachments.attach(boss, control.pk, item, name, content, now=NOW)


def test_a_file_is_sealed_and_read_back_whole(boss: Actor) -> None:
    control = _open(boss)
    found = _attach(boss, control, "antivirus-status.pdf", PDF)
    row = ControlAttachment.objects.get(pk=found.pk)
    assert (row.filename, row.content_type, row.size) == ("antivirus-status.pdf", "application/pdf", len(PDF))
    assert b"antivirus console" not in bytes(row.blob)  # sealed, not stored as it came
    assert attachments.read(boss, control.pk, "antivirus")[1] == PDF
    replaced = _attach(boss, control, "skaerm.png", PNG)  # a new upload replaces the one before
    assert replaced.pk == found.pk and attachments.read(boss, control.pk, "antivirus")[1] == PNG
    actions = list(AuditEntry.objects.filter(target=str(found.pk)).values_list("action", "details"))
    assert [a for a, _d in actions] == ["control_attachment.create", "control_attachment.update"]
    assert "skaerm" not in str(actions)  # the audit names item, type and size; never the file's name


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("notes.txt", b"plain text", "must be a PDF, PNG or JPEG"),
        ("empty.pdf", b"", "The file is empty"),
        ("big.pdf", b"%PDF-" + b"0" * attachments.MAX_SIZE, "attach at most 10 MB"),
        ("kunde 010190-1234.pdf", PDF, "The file's name contains something shaped like a CPR"),
        ('a"b.pdf', PDF, "rename the file"),
    ],
)
def test_a_bad_file_is_refused_naming_the_field(boss: Actor, name: str, content: bytes, says: str) -> None:
    control = _open(boss)
    with pytest.raises(GovernanceError) as refused, translation.override("en"):
        _attach(boss, control, name, content)
    assert refused.value.field == "attachment" and says in refused.value.message
    assert not ControlAttachment.objects.exists()


def test_only_an_open_control_and_a_measure_take_a_file(boss: Actor) -> None:
    control = _open(boss)
    with pytest.raises(GovernanceError) as refused:
        _attach(boss, control, "a.pdf", PDF, item="requests_late")
    assert refused.value.field == "item"
    with transaction.atomic():
        for key in controls.measures():
            controls.answer(boss, control.pk, key, True, "", now=NOW)
        controls.sign_off(boss, control.pk, "Jens Hansen", now=NOW)
    with pytest.raises(GovernanceError) as closed:
        _attach(boss, control, "a.pdf", PDF)
    assert closed.value.field == "control"


def test_only_the_duty_attaches_and_reads(boss: Actor, make_staff: Callable[..., Any]) -> None:
    control = _open(boss)
    _attach(boss, control, "a.pdf", PDF)
    clerk = Actor.staff(make_staff("kundeservice", ["customer_service"]), "web")
    with pytest.raises(AccessDenied):
        attachments.read(clerk, control.pk, "antivirus")
    with pytest.raises(AccessDenied), transaction.atomic():
        attachments.attach(clerk, control.pk, "antivirus", "b.pdf", PDF, now=NOW)


def test_the_page_uploads_downloads_and_the_report_lists_name_and_size(
    client: Client, controller: Any, boss: Actor
) -> None:
    control = _open(boss)
    client.force_login(controller)
    url = f"/governance/controls/{control.id}/attach/"
    bad = client.post(url, {"item": "antivirus", "attachment": SimpleUploadedFile("n.txt", b"hello")})
    assert bad.status_code == 400 and "Filen skal være en PDF-, PNG- eller JPEG-fil" in bad.content.decode()
    missing = client.post(url, {"item": "antivirus"})
    assert missing.status_code == 400 and "attachment" in missing.content.decode()
    good = client.post(url, {"item": "antivirus", "attachment": SimpleUploadedFile("status.pdf", PDF)})
    assert good.status_code == 302
    page = client.get(f"/governance/controls/{control.id}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "status.pdf" in page and f"/governance/controls/{control.id}/attachments/antivirus/" in page
    download = client.get(f"/governance/controls/{control.id}/attachments/antivirus/")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content if download.streaming else [download.content]) == PDF
    assert 'filename="status.pdf"' in download["Content-Disposition"]
    assert client.get(f"/governance/controls/{control.id}/attachments/backup/").status_code == 404
    report = control_report.render(Control.objects.get(), "da", "html", NOW).decode()
    assert "status.pdf (2\u00a0kB)" in report and "antivirus console" not in report
    english = control_report.render(Control.objects.get(), "en", "html", NOW).decode()
    assert "status.pdf (2\u00a0kB)" in english


def test_the_api_upload_is_required_in_the_schema_and_checked_after_the_duty(
    controller: Any, boss: Actor, make_staff: Callable[..., Any]
) -> None:
    """A client generated from the schema sends the file (the schema says it is required); the server checks it
    after the duty, so a login without ``run_control`` is refused (403) whether or not it sends one."""
    from persondata.api.tokens import create_token

    client = Client()
    operation = client.get("/api/openapi.json").json()["paths"][
        "/api/controls/{control_id}/attachments/{item}"
    ]
    form = operation["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert form["required"] == ["file"] and form["properties"]["file"] == {
        "type": "string",
        "format": "binary",
        "title": "File",
    }
    url = f"/api/controls/{_open(boss).id}/attachments/antivirus"
    clerk = create_token(make_staff("clerk", ["customer_service"]), "t", NOW)
    refused = client.post(url, HTTP_AUTHORIZATION=f"Bearer {clerk}")
    assert refused.status_code == 403 and refused.json()["code"] == "access_denied", refused.content
    missing = client.post(url, HTTP_AUTHORIZATION=f"Bearer {create_token(controller, 't', NOW)}")
    assert missing.status_code == 422 and missing.json()["fields"] == ["file"], missing.content


def test_the_api_and_the_cli_attach_and_read(controller: Any, boss: Actor, tmp_path: Path) -> None:
    from persondata.api.tokens import create_token
    from persondata.cli import main

    control = _open(boss)
    client = Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {create_token(controller, 't', NOW)}"}
    url = f"/api/controls/{control.id}/attachments/antivirus"
    bad = client.post(url, {"file": SimpleUploadedFile("n.txt", b"hello")}, **headers)
    assert bad.status_code == 422 and "attachment" in bad.content.decode()
    done = client.post(url, {"file": SimpleUploadedFile("status.pdf", PDF)}, **headers)
    assert done.status_code == 200
    assert [(a["item"], a["filename"], a["size"]) for a in done.json()["attachments"]] == [
        ("antivirus", "status.pdf", len(PDF))
    ]
    assert client.get(url, **headers).content == PDF
    photo = tmp_path / "laas.png"
    photo.write_bytes(PNG)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        assert main(["control", "attach", str(control.id), "backup", str(photo), "--user", "controller"]) == 0
        saved = tmp_path / "back.png"
        assert (
            main(
                ["control", "attachment", str(control.id), "backup", "-o", str(saved), "--user", "controller"]
            )
            == 0
        )
        assert main(["control", "show", str(control.id), "--user", "controller"]) == 0
        text = tmp_path / "t.txt"
        text.write_text("hello")
        assert main(["control", "attach", str(control.id), "backup", str(text), "--user", "controller"]) == 2
    assert saved.read_bytes() == PNG
    assert '"laas.png"' in out.getvalue() and "The file must be a PDF, PNG or JPEG" in err.getvalue()
