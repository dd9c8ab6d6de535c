"""The ten-minute walk-through, in a real headless Chromium and in Danish: from a fresh installation to an adopted,
published policy with the customers imported — every click a person makes, through the setup pages only.

It counts the pages opened and the fields filled, sums the server's time for the pages, keeps a screenshot of each
step in ``build/walkthrough/`` (with ``report.json``), and estimates a person's time from a deliberately slow pace:
:data:`SECONDS_PER_PAGE` to read a page, :data:`SECONDS_PER_FIELD` to fill a field, plus every wait. The estimate
must stay within ten minutes. `make test` walks with 300 customers; the full run (``pytest --full``) with 10,000.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from persondata import demo, runtime
from tests.conftest import TODAY

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SECONDS_PER_PAGE = 20  # reading a page of the setup before acting on it
# the keystroke-level model (Card, Moran & Newell): think 1.35 s, point 1.1 s, 0.28 s a key for an average typist;
# a 15-character field ≈ 6.7 s. Rounded up: a person who checks what they typed.
SECONDS_PER_FIELD = 8
BUDGET = 600
SHOTS = Path(__file__).resolve().parents[2] / "build" / "walkthrough"
PDF = b"%PDF-1.4\n% a signed processor agreement\n%%EOF\n"


class Walk:
    """The page, with counts of what a person does on it."""

    def __init__(self, page: Any, base: str, folder: Path) -> None:
        self.page, self.base, self.folder = page, base, folder
        self.pages = self.fields = self.clicks = 0
        self.server_ms = 0.0
        self.waited = 0.0
        page.on("requestfinished", self._timed)

    def _timed(self, request: Any) -> None:
        if request.resource_type == "document":
            timing = request.timing
            self.server_ms += max(0.0, timing["responseStart"] - timing["requestStart"])

    def shot(self, name: str) -> None:
        self.pages += 1
        self.page.screenshot(path=str(self.folder / f"{self.pages:02d}-{name}.png"), full_page=True)

    def fill(self, selector: str, value: str) -> None:
        self.page.locator(selector).fill(value)
        self.fields += 1

    def click(self, role: str, name: str) -> None:
        self.page.get_by_role(role, name=name).first.click()
        self.clicks += 1

    def person_seconds(self) -> float:
        return self.pages * SECONDS_PER_PAGE + self.fields * SECONDS_PER_FIELD + self.clicks + self.waited


@pytest.mark.parametrize(
    "customers", [300, pytest.param(10_000, marks=pytest.mark.full)], ids=["300-customers", "10000-customers"]
)
def test_from_a_fresh_installation_to_an_adopted_published_policy_in_ten_minutes(
    browser: Any,
    live_server: Any,
    make_staff: Callable[..., Any],
    settings: Any,
    tmp_path: Path,
    customers: int,
) -> None:
    settings.HOME = tmp_path  # a fresh installation: the shipped policy, nothing recorded
    settings.PERSONDATA_POLICY_FILE = ""
    runtime.reset_policy()
    make_staff("direktoer", ["controller"])
    export = demo.write_jsonl(demo.customers(customers, seed=3, today=TODAY), tmp_path / "kunder.jsonl")
    agreement = tmp_path / "databehandleraftale.pdf"
    agreement.write_bytes(PDF)
    folder = (
        SHOTS / f"{customers}-customers-{connection.vendor}"
    )  # the SQLite and PostgreSQL runs side by side
    folder.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(locale="da-DK", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    walk = Walk(page, live_server.url, folder)
    base = live_server.url
    try:
        page.goto(f"{base}/login/")
        walk.fill("#id_username", "direktoer")
        walk.fill("#id_password", "a-long-test-password")
        walk.click("button", "Log ind")
        page.wait_for_url(f"{base}/")
        assert page.get_by_role("heading", name="Gør opsætningen færdig").is_visible()
        walk.shot("dashboard")
        walk.click("link", "Fortsæt opsætningen")
        walk.shot("setup")
        walk.click("link", "Fortsæt: Virksomhed og dataansvarlig")

        # 1 company and controller
        for field, value in {
            "company": "Eksempel Cykler ApS",
            "cvr": "12345674",
            "address": "Eksempelvej 1, 8000 Aarhus C",
            "name": "Jens Hansen",
            "email": "persondata@eksempelcykler.dk",
            "phone": "+45 89 12 34 56",
        }.items():
            walk.fill(f"#id_{field}", value)
        walk.shot("company")
        walk.click("button", "Gem og fortsæt")

        # 2 the financial year: calendar year
        page.wait_for_url(f"{base}/setup/year/")
        page.locator("#id_start_month").select_option("1")
        walk.fields += 1
        walk.shot("year")
        walk.click("button", "Gem og fortsæt")

        # 3 partners, then each one's processor agreement
        page.wait_for_url(f"{base}/setup/partners/")
        for partner in runtime.policy().partners:
            walk.fill(f"#id_{partner.key}__name", f"{partner.key.replace('_', ' ').title()} A/S")
        walk.shot("partners")
        walk.click("button", "Gem og fortsæt")
        page.wait_for_url(f"{base}/setup/staff/")
        for partner in runtime.policy().partners:
            page.goto(f"{base}/partners/agreements/{partner.key}/")
            walk.fill("#id_signed_on", "2026-01-05")
            walk.fill("#id_version", "1")
            walk.fill("#id_next_review", "2028-01-05")
            for letter in "abcdefgh":
                page.locator(f"input[name=clauses][value={letter}]").check()
            walk.fields += 1  # ticking the clauses, one look at the contract
            page.locator("#id_document").set_input_files(str(agreement))
            walk.fields += 1
            walk.shot(f"agreement-{partner.key}")
            walk.click("button", "Gem aftalen")
            page.wait_for_url(f"{base}/partners/agreements/**")

        # 4 staff: the list is complete (the director works alone for now)
        page.goto(f"{base}/setup/staff/")
        walk.shot("staff")
        walk.click("button", "Listen over medarbejdere er komplet")

        # 5 the customer files: upload, check, import with a progress bar
        page.wait_for_url(f"{base}/setup/customers/")
        page.locator("#id_files").set_input_files(str(export))
        walk.fields += 1
        walk.click("button", "Upload og tjek")
        page.wait_for_url(f"{base}/setup/customers/")
        assert page.get_by_role("heading", name="Tjek filerne").is_visible()
        walk.shot("customers-checked")
        started = time.monotonic()
        walk.click("button", "Importér disse filer")
        page.get_by_text("Importeret:").wait_for(timeout=300_000)
        walk.waited += time.monotonic() - started
        walk.shot("customers-imported")

        # 6 the review: no error left
        page.goto(f"{base}/setup/review/")
        walk.shot("review")
        assert page.locator(".finding--error").count() == 0, page.locator(".finding--error").all_inner_texts()
        walk.click("link", "Fortsæt: vedtag og offentliggør")

        # 7 adoption, on the policy page
        walk.shot("adopt")
        walk.click("link", "Registrér vedtagelsen")
        walk.fill("#id_adopted_on", "2026-12-06")
        walk.fill("#id_adopted_by", "Jens Hansen")
        walk.fill("#id_role", "Direktør")
        walk.click("button", "Registrér vedtagelsen af version")
        page.wait_for_url(f"{base}/governance/policy/**")

        page.goto(f"{base}/setup/")
        walk.shot("done")
        assert page.get_by_text("Opsætningen er færdig").is_visible()
        page.goto(f"{base}/privacy/")
        walk.shot("public")
        assert page.get_by_text("Endnu ikke offentliggjort").count() == 0
        assert page.get_by_text("Eksempel Cykler ApS").first.is_visible()
    finally:
        context.close()

    from persondata.register.models import Customer

    imported = Customer.objects.count()
    report = {
        "customers": customers,
        "imported": imported,
        "pages": walk.pages,
        "fields": walk.fields,
        "clicks": walk.clicks,
        "server_seconds": round(walk.server_ms / 1000, 2),
        "waited_seconds": round(walk.waited, 1),
        "person_seconds": round(walk.person_seconds()),
    }
    (folder / "report.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    assert imported == customers
    assert walk.person_seconds() <= BUDGET, report
