"""``persondata init --demo N``: the first deletion run said in words, and something on every page."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.clitools import cli_env, own_database, persondata

pytestmark = pytest.mark.slow

#: run against the demo's own home and database: what the database holds, and what each page shows the controller
SCRIPT = """
import json
import sys
import django
django.setup()
from datetime import date
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client
from django.utils import timezone
from persondata.access.staff import change_own_password
from persondata.governance.models import Breach
from persondata.partners.models import PENDING, PartnerNotice, ProcessorAgreement
from persondata.requests.models import Document, Request
from persondata.requests.services import open_requests
from persondata.retention.models import LegalHold
from persondata.systems.models import RiskAssessment, System
from persondata.core.calendar import legal_date

user = get_user_model().objects.get(username="controller")
today = legal_date(timezone.now())
opened = open_requests(today)
facts = {
    "open": sorted(o.request.kind for o in opened),
    "overdue": [o.request.kind for o in opened if o.level == "overdue"],
    "awaiting_identity": [o.request.kind for o in opened if o.request.state == "awaiting_identity"],
    "references": [o.request.reference for o in opened],
    "answered": sorted(Request.objects.filter(state="answered").values_list("kind", flat=True)),
    "access_letters": sorted(
        Document.objects.filter(request__kind="access", kind="letter").values_list("fmt", flat=True)
    ),
    "holds": LegalHold.objects.count(),
    "notices": PartnerNotice.objects.filter(state=PENDING).count(),
    "agreements": ProcessorAgreement.objects.count(),
    "breaches": list(Breach.objects.values_list("reference", flat=True)),
    "systems": list(System.objects.exclude(kind="own").values_list("name", flat=True)),
    "assessments": RiskAssessment.objects.filter(system__key="erp").count(),
}
with transaction.atomic():
    change_own_password(user, sys.argv[1], "demo-Kodeord-2026-lang", timezone.now())
client = Client(HTTP_HOST="localhost")
client.force_login(user)
pages = {}
for path in ("/requests/", "/retention/", "/partners/", "/partners/agreements/", "/governance/breaches/", "/systems/"):
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    pages[path] = [response.status_code, response.content.decode()]
print(json.dumps({"facts": facts, "pages": pages}))
"""


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, str], str]]:
    home = tmp_path_factory.mktemp("demo") / "home"
    databases = own_database(home, "_demo_company")
    try:
        env = cli_env(home, next(databases))
        printed = persondata("init", "--demo", "200", env=env, timeout=300).stdout
        persondata("staff", "accept", "--as", "controller", "--yes", env=env)
        yield env, printed
    finally:
        databases.close()


@pytest.fixture(scope="module")
def seen(demo_home: tuple[dict[str, str], str]) -> dict[str, dict[str, object]]:
    env, printed = demo_home
    password = re.search(r"password: (\S+)", printed)
    assert password is not None
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, password[1]],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, dict[str, object]] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_init_says_what_the_first_deletion_run_deleted_and_why(demo_home: tuple[dict[str, str], str]) -> None:
    _, printed = demo_home
    found = re.search(
        r"the first deletion run removed the contact data and order history of (\d+) demo", printed
    )
    assert found and int(found[1]) > 0, printed
    assert "more than 36 months ago" in printed and "see the Retention page" in printed
    assert re.search(r"and \d+ invoices and payments past the bookkeeping act's 5 years", printed)
    assert "@" not in printed.split("demo company loaded")[1]  # counts only: no e-mail address, no one's data


def test_the_first_deletion_run_went_through_the_real_sweep_as_the_system(
    demo_home: tuple[dict[str, str], str],
) -> None:
    env, printed = demo_home
    trail = persondata("audit", "show", "--action", "retention.run", env=env).stdout
    assert re.search(r"\ssystem\s+retention\.run\s", trail), trail
    assert "the first deletion run" in printed
    holds = persondata("retention", "holds", "--user", "controller", env=env).stdout
    assert "Demo: verserende reklamationssag" in holds
    # the request awaiting identity: its confirmation link waits, sealed, in the outbox (no SMTP server)
    held = persondata("outbox", "list", "--user", "controller", env=env).stdout
    assert re.search(r" mail +held ", held), held


def test_the_demo_holds_requests_a_hold_a_notice_agreements_a_breach_and_a_system(
    seen: dict[str, dict[str, object]],
) -> None:
    facts = seen["facts"]
    assert facts["open"] == ["erasure", "objection", "portability"]
    assert facts["overdue"] == ["erasure"]
    assert facts["awaiting_identity"] == ["portability"]
    assert facts["answered"] == ["access", "rectification"]
    assert facts["access_letters"] == ["html", "pdf"]  # the PDF printed after the commit, before init ended
    assert facts["holds"] == 1 and facts["notices"] >= 1 and facts["agreements"] == 2
    assert len(facts["breaches"]) == 1  # type: ignore[arg-type]
    assert facts["systems"] == ["Demo: ordre- og faktureringssystem"] and facts["assessments"] == 3


def test_every_page_shows_them(seen: dict[str, dict[str, object]]) -> None:
    facts, pages = seen["facts"], seen["pages"]
    for path, (status, _html) in pages.items():  # type: ignore[misc]
        assert status == 200, path
    requests_page = pages["/requests/"][1]  # type: ignore[index]
    for reference in facts["references"]:  # type: ignore[attr-defined]
        assert reference in requests_page
    retention_page = pages["/retention/"][1]  # type: ignore[index]
    assert "Demo: verserende reklamationssag" in retention_page
    assert re.search(
        r"<td>(Daglig sletning|Daily deletion)</td>.*?<td class=\"num\">\d+</td>", retention_page, re.S
    ), "the run is listed"
    assert "Tick" in pages["/partners/"][1] or "tick" in pages["/partners/"][1]  # type: ignore[index]
    assert facts["breaches"][0] in pages["/governance/breaches/"][1]  # type: ignore[index]
    assert "Demo: ordre- og faktureringssystem" in pages["/systems/"][1]  # type: ignore[index]


def test_a_demo_too_small_for_the_samples_says_so(tmp_path: Path) -> None:
    printed = persondata("init", "--demo", "3", env=cli_env(tmp_path), timeout=300).stdout
    assert "the first deletion run" in printed
    assert "too few customers left" in printed and "--demo 50 or more" in printed
