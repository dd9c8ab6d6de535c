"""The policy's versions and adoption (policy [14]): each change a version with its diff and its days in force;
the adoption recorded; the public page shows it, or says plainly that the policy in force is not adopted."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from persondata.access.actor import Actor
from persondata.access.errors import AccessDenied
from persondata.api.tokens import create_token
from persondata.audit.models import AuditEntry
from persondata.cli import main
from persondata.governance import policy_versions as versions
from persondata.governance.errors import GovernanceError
from persondata.governance.models import PolicyVersion
from tests.conftest import NOW
from tests.governance.conftest import CPH, record

pytestmark = pytest.mark.django_db

JANUARY = datetime(2025, 1, 10, 9, 0, tzinfo=CPH)
APRIL = datetime(2025, 4, 1, 8, 0, tzinfo=CPH)


@pytest.fixture
def two_versions(policy_file: Callable[[str], Path]) -> tuple[PolicyVersion, PolicyVersion]:
    policy_file("2025.1")
    first, made = record(JANUARY)
    assert made and record(JANUARY)[1] is False  # the same file is not a new version
    policy_file("2025.2")
    second, made = record(APRIL)
    assert made
    return first, second


def _adopt(actor: Actor, number: int, on: date, role: str = "Direktør") -> Any:
    with transaction.atomic():
        return versions.adopt(actor, number, adopted_on=on, adopted_by="Jens Hansen", role=role, now=NOW)


def test_each_change_is_a_version_with_its_diff_and_days_in_force(
    two_versions: tuple[PolicyVersion, PolicyVersion],
) -> None:
    first, second = two_versions
    assert (first.number, second.number) == (1, 2)
    assert '-version = "2025.1"' in second.diff and '+version = "2025.2"' in second.diff
    assert first.diff == "" and 'version = "2025.1"' in first.content
    assert versions.in_force_on(date(2025, 3, 1)) == first
    assert versions.in_force_on(date(2025, 4, 1)) == second
    assert versions.in_force_on(date(2024, 12, 31)) is None
    newest, oldest = versions.periods()
    assert (oldest.since, oldest.until, newest.since, newest.until) == (
        date(2025, 1, 10), date(2025, 4, 1), date(2025, 4, 1), None
    )  # fmt: skip
    assert versions.in_force() == second


def test_adoption_rules(boss: Actor, two_versions: Any, make_staff: Callable[..., Any]) -> None:
    for kwargs, field in [
        ({"adopted_on": date(2026, 12, 1)}, "adopted_on"),  # after NOW
        ({"role": " "}, "role"),
        ({"adopted_by": "010190-1234"}, "adopted_by"),
    ]:
        values = {"adopted_on": date(2025, 4, 2), "adopted_by": "Jens Hansen", "role": "Direktør", **kwargs}
        with pytest.raises(GovernanceError) as caught, transaction.atomic():
            versions.adopt(boss, 2, now=NOW, **values)
        assert caught.value.field == field
    clerk = Actor.staff(make_staff("clerk", ["customer_service"]), "web")
    with pytest.raises(AccessDenied) as denied, transaction.atomic():
        _adopt(clerk, 2, date(2025, 4, 2))
    assert "adopt_policy" in denied.value.reason
    _adopt(boss, 2, date(2025, 4, 2))
    _adopt(boss, 2, date(2025, 4, 3))  # a correction
    actions = list(
        AuditEntry.objects.filter(action__startswith="policy_adoption").values_list("action", "details")
    )
    assert actions == [
        ("policy_adoption.create", {"number": 2, "adopted_on": "2025-04-02"}),
        ("policy_adoption.update", {"number": 2, "adopted_on": "2025-04-03"}),
    ]  # the signer's name stays out of the log


def test_the_public_page_shows_the_adoption_or_says_it_is_missing(boss: Actor, two_versions: Any) -> None:
    client = Client()
    page = client.get("/privacy/").content.decode()
    assert "Version 2, gældende siden 1. april 2025." in page
    assert "Denne version af persondatapolitikken er ikke vedtaget af virksomhedens ledelse." in page
    assert "Endnu ikke vedtaget" in page
    _adopt(boss, 1, date(2025, 1, 9))
    _adopt(boss, 2, date(2025, 3, 28))
    page = client.get("/privacy/").content.decode()
    assert "Vedtaget den 28. marts 2025 af Direktør." in page and "ikke vedtaget" not in page
    assert "Vedtaget 28. marts 2025" in page  # the document's own line, from the recorded adoption
    english = client.get("/privacy/?lang=en").content.decode()
    assert "Version 2, in force since 1 April 2025." in english and "Adopted on 28 March 2025" in english
    # "what did you promise me on 1 March 2025?": one lookup, one click from the policy page
    found = client.get("/privacy/versions/", {"on": "2025-03-01"})
    assert found.status_code == 302 and found["Location"] == "/privacy/versions/1/"
    old = client.get("/privacy/versions/1/?lang=da").content.decode()
    assert "Version 1 var gældende fra 10. januar 2025 til 1. april 2025." in old
    assert "Vedtaget den 9. januar 2025 af Direktør." in old
    assert client.get("/privacy/versions/", {"on": "2024-01-01"}).status_code == 200
    assert client.get("/privacy/versions/9/").status_code == 404


def _cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.mark.django_db(transaction=True)
def test_policy_check_reports_a_version_in_force_never_adopted(
    policy_file: Callable[[str], Path], make_staff: Callable[..., Any]
) -> None:
    make_staff("boss", ["controller"])
    policy_file("2025.1")
    record(JANUARY)
    _, out, _ = _cli("policy", "check")
    assert "version-not-adopted" in out
    code, _, err = _cli("policy", "adopt", "1", "--user", "boss", "--on", "2025-01-12", "--by", "J. Hansen",
                        "--role", "Direktør")  # fmt: skip
    assert code == 0, err
    _, out, _ = _cli("policy", "check")
    assert "version-not-adopted" not in out
    _, out, _ = _cli("policy", "versions", "--user", "boss")
    assert "2025-01-10 – now" in out and "adopted 2025-01-12 (Direktør)" in out
    assert _cli("policy", "in-force", "--user", "boss", "--on", "2025-03-01")[1].startswith("1  2025.1")
    make_staff("clerk", ["customer_service"])
    code, _, err = _cli(
        "policy", "adopt", "1", "--user", "clerk", "--on", "2025-01-12", "--by", "x", "--role", "y"
    )
    assert code == 3 and "adopt_policy" in err


def test_the_api_lists_versions_and_records_an_adoption(
    two_versions: Any, controller: Any, make_staff: Callable[..., Any]
) -> None:
    client = Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {create_token(controller, 't', NOW)}"}
    listed = client.get("/api/policy/versions", **headers).json()
    assert [(v["number"], v["in_force_now"], v["adoption"]) for v in listed] == [
        (2, True, None),
        (1, False, None),
    ]
    body = {"adopted_on": "2025-04-02", "adopted_by": "Jens Hansen", "role": "Direktør"}
    put = client.put("/api/policy/versions/2/adoption", body, content_type="application/json", **headers)
    assert put.status_code == 200 and put.json()["adopted_on"] == "2025-04-02"
    bad = client.put(
        "/api/policy/versions/2/adoption", {**body, "role": ""}, content_type="application/json", **headers
    )
    assert bad.status_code == 422 and "role" in bad.content.decode()
    detail = client.get("/api/policy/versions/2", **headers).json()
    assert '+version = "2025.2"' in detail["diff"] and detail["adoption"]["role"] == "Direktør"
    clerk = {"HTTP_AUTHORIZATION": f"Bearer {create_token(make_staff('c', ['customer_service']), 't', NOW)}"}
    assert client.get("/api/policy/versions", **clerk).status_code == 200
    put = client.put("/api/policy/versions/2/adoption", body, content_type="application/json", **clerk)
    assert put.status_code == 403


def test_the_staff_page_records_an_adoption(two_versions: Any, client: Client, controller: Any) -> None:
    client.force_login(controller)
    page = client.get("/governance/policy/", HTTP_ACCEPT_LANGUAGE="da").content.decode()
    assert (
        "Version 2 (2025.2)" in page and "Ikke vedtaget." in page and "+version = &quot;2025.2&quot;" in page
    )
    response = client.post(
        "/governance/policy/2/adopt/",
        {"adopted_on": "2025-04-02", "adopted_by": "Jens Hansen", "role": "Direktør"},
    )
    assert response.status_code == 302
    assert versions.adoption_of(versions.get_version(2)).role == "Direktør"  # type: ignore[union-attr]
