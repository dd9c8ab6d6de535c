"""The record of processing (Art. 30(1)): each element (a)–(g), checked in the JSON and in the PDF's text, in
Danish and English; generated from the policy file, the agreements, the disclosures and the systems."""

from __future__ import annotations

import io
import json
from datetime import date
from typing import Any

import pypdf
import pytest
from django.db import transaction
from django.test import Client

from persondata import runtime
from persondata.systems import services
from persondata.systems.record import HEADINGS, render_record
from tests.conftest import NOW, record_complete_agreements

pytestmark = pytest.mark.django_db


def _pdf_text(data: bytes) -> str:
    return " ".join(" ".join(p.extract_text() or "" for p in pypdf.PdfReader(io.BytesIO(data)).pages).split())


@pytest.mark.parametrize("lang", ["da", "en"])
def test_every_element_a_to_g_is_in_the_json_and_the_pdf(lang: str, controller: Any) -> None:
    record_complete_agreements(country="DK")
    record_complete_agreements(
        ["order_processing"], country="US", safeguard="scc", safeguard_date=date(2026, 2, 3)
    )
    with transaction.atomic():
        services.refresh_own(NOW)
    policy = runtime.policy()
    data = json.loads(render_record("json", lang, NOW))
    assert data["policy_version"] == policy.version
    assert data["a_controller"]["company"] == policy.controller.company
    assert [p["purpose"] for p in data["b_purposes"]] == [p.label.get(lang) for p in policy.purposes.values()]
    assert data["c_categories"]["data_subjects"] and len(data["c_categories"]["personal_data"]) == len(
        policy.categories
    )
    assert [r["key"] for r in data["d_recipients"]] == [p.key for p in policy.partners]
    [transfer] = data["e_transfers"][:1]
    assert "US" in transfer or "USA" in transfer or "United States" in transfer
    assert {"da": "aftalt 3. februar 2026", "en": "agreed on 3 February 2026"}[lang] in transfer
    assert len(data["f_erasure"]) == len(policy.categories) and all(x["period"] for x in data["f_erasure"])
    assert data["g_security"]["measures"] == [m.text.get(lang) for m in policy.security_measures]
    assert any(s["name"] == "persondata" for s in data["g_security"]["systems"])
    text = _pdf_text(render_record("pdf", lang, NOW))
    squash = "".join(text.split())
    for key in "abcdefg":
        assert "".join(HEADINGS[lang][key].split()) in squash, key
    for needle in (policy.security_measures[0].text.get(lang), data["f_erasure"][0]["period"], transfer):
        assert "".join(needle.split()) in squash, needle
    csv = render_record("csv", lang, NOW).decode("utf-8-sig")
    assert all(HEADINGS[lang][key] in csv for key in "abcdefg")


def test_the_record_downloads_for_the_controller(controller: Any) -> None:
    client = Client()
    client.force_login(controller)
    got = client.get("/systems/record.json", {"lang": "en"})
    assert got.status_code == 200 and json.loads(got.content)["headings"]["a"].startswith("(a)")
    got = client.get("/systems/record.pdf", {"lang": "da"})
    assert got["Content-Type"] == "application/pdf" and got.content.startswith(b"%PDF-")
    assert client.get("/systems/record.xml").status_code == 404
