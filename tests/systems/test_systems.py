"""The IT systems inventory and the risk assessments: persondata filled in by itself, other systems recorded,
each feared event rated, reviews falling due, the heat map drawn on the server; every change audited."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout
from datetime import timedelta
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from django.apps import apps
from django.db import transaction
from django.test import Client

from persondata.access.actor import Actor
from persondata.audit.models import AuditEntry
from persondata.cli import main
from persondata.core.risk import heat_map_svg, rating
from persondata.systems import services
from persondata.systems.models import RiskAssessment, System
from tests.conftest import NOW, no_inline_script

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss(controller: Any) -> Actor:
    return Actor.for_user(controller, None, "web")


def admin_system(**changes: Any) -> services.SystemInput:
    values: dict[str, Any] = {
        "key": "erp",
        "name": "Administrative system",
        "kind": "admin",
        "location": "DK, own server room",
        "owner": "Data controller",
        "categories": frozenset({"contact", "order_history"}),
    }
    values.update(changes)
    return services.SystemInput(**values)


def rate(boss: Actor, key: str, event: str, now: Any = NOW, **levels: int) -> RiskAssessment:
    values = {"severity": 3, "likelihood": 3, "residual_severity": 2, "residual_likelihood": 1, **levels}
    with transaction.atomic():
        return services.assess(boss, key, event, measures="encryption, backups", now=now, **values)


def test_persondata_fills_in_its_own_record_and_writes_it_only_when_it_changed(boss: Actor) -> None:
    with transaction.atomic():
        own = services.refresh_own(NOW)
    assert own.kind == "own" and own.version and own.categories
    assert {"encryption", "logging", "need_to_know", "processor_agreements", "tls", "backup"} <= set(
        own.measures
    )
    assert own.measures["backup"]["in_place"] is False  # not shown by anything persondata records
    assert own.measures["encryption"]["evidence"].startswith("AES-GCM")
    entries = AuditEntry.objects.count()
    with transaction.atomic():
        services.refresh_own(NOW + timedelta(minutes=5))
    assert AuditEntry.objects.count() == entries  # nothing changed: nothing written


def test_every_create_update_and_delete_of_every_model_is_audited(boss: Actor) -> None:
    steps = {
        System: (
            ("create", lambda: services.save_system(boss, admin_system(), now=NOW)),
            ("update", lambda: services.save_system(boss, admin_system(location="DK, cloud"), now=NOW)),
            ("delete", lambda: services.delete_system(boss, "erp", now=NOW)),
        ),
        RiskAssessment: (
            ("create", lambda: services.assess(boss, "erp", "access", severity=2, likelihood=2, residual_severity=1,
                                               residual_likelihood=1, measures="", now=NOW)),
            ("update", lambda: services.assess(boss, "erp", "access", severity=3, likelihood=2, residual_severity=1,
                                               residual_likelihood=1, measures="", now=NOW)),
            ("delete", lambda: services.delete_system(boss, "erp", now=NOW)),  # with its system
        ),
    }  # fmt: skip
    assert set(steps) == set(apps.get_app_config("systems").get_models())
    for model, changes in steps.items():
        if model is RiskAssessment:
            with transaction.atomic():
                services.save_system(boss, admin_system(), now=NOW)
        for kind, step in changes:
            before, rows = AuditEntry.objects.count(), model.objects.count()
            with transaction.atomic():
                step()
            new = list(AuditEntry.objects.order_by("seq")[before:])
            assert new and new[-1].action.endswith(kind) and new[-1].actor == boss.code, (model, kind)
            after = model.objects.count()
            assert {"create": after > rows, "update": after == rows, "delete": after < rows}[kind], (
                model,
                kind,
            )


def test_bad_input_names_the_field(boss: Actor) -> None:
    for changes, field in (
        ({"key": "persondata"}, "key"),
        ({"kind": "own"}, "kind"),
        ({"kind": "partner", "partner_key": "nobody"}, "partner_key"),
        ({"categories": frozenset({"cpr"})}, "categories"),
        ({"owner": " "}, "owner"),
    ):
        with pytest.raises(services.SystemInputError) as caught, transaction.atomic():
            services.save_system(boss, admin_system(**changes), now=NOW)
        assert caught.value.field == field
    with transaction.atomic():
        services.save_system(boss, admin_system(), now=NOW)
    with pytest.raises(services.SystemInputError) as caught:
        rate(boss, "erp", "access", residual_severity=4)
    assert caught.value.field == "residual_severity"
    with pytest.raises(services.SystemInputError) as caught:
        rate(boss, "erp", "access", likelihood=5)
    assert caught.value.field == "likelihood" and not RiskAssessment.objects.exists()


def test_a_review_falls_due_after_a_year_or_when_the_system_changes(boss: Actor) -> None:
    with transaction.atomic():
        services.save_system(boss, admin_system(), now=NOW)
    for event in ("access", "change"):
        rate(boss, "erp", event, now=NOW + timedelta(hours=1))
    [row] = [r for r in services.overview(boss, NOW + timedelta(days=1)) if r.system.key == "erp"]
    assert row.due == ["disappearance"]  # never assessed
    rate(boss, "erp", "disappearance", now=NOW + timedelta(hours=1))
    [row] = [r for r in services.overview(boss, NOW + timedelta(days=364)) if r.system.key == "erp"]
    assert row.due == []
    [row] = [r for r in services.overview(boss, NOW + timedelta(days=366)) if r.system.key == "erp"]
    assert row.due == ["access", "change", "disappearance"]  # a year has passed
    with transaction.atomic():
        services.save_system(boss, admin_system(location="DK, cloud"), now=NOW + timedelta(days=2))
    [row] = [r for r in services.overview(boss, NOW + timedelta(days=3)) if r.system.key == "erp"]
    assert row.due == ["access", "change", "disappearance"]  # the system changed since


def test_the_heat_map_is_an_svg_with_a_cell_per_rating() -> None:
    svg = heat_map_svg({(2, 1): 3, (4, 4): 1}, "en", "Residual <risks>")
    root = ET.fromstring(svg)  # noqa: S314 - our own output; well-formed, the title escaped
    ns = "{http://www.w3.org/2000/svg}"
    assert root.find(f"{ns}title").text == "Residual <risks>"  # type: ignore[union-attr]
    cells = root.findall(f"{ns}g")
    assert len(cells) == 16
    titles = [c.find(f"{ns}title").text for c in cells]  # type: ignore[union-attr]
    assert "Severity 2, likelihood 1: 3" in titles and "Severity 4, likelihood 4: 1" in titles
    assert "Severity 1, likelihood 1: 0" in titles
    assert (rating(1, 1), rating(2, 3), rating(3, 3), rating(4, 4)) == ("low", "moderate", "high", "high")
    assert "Sandsynlighed" in heat_map_svg({}, "da", "Restrisici")


def test_the_page_and_the_command(controller: Any, boss: Actor) -> None:
    with transaction.atomic():
        services.save_system(boss, admin_system(), now=NOW)
    rate(boss, "erp", "access")
    client = Client()
    client.force_login(controller)
    page = client.get("/systems/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "<svg" in body and no_inline_script(body) and "Administrative system" in body
    svg = client.get("/systems/heat-map.svg")
    assert svg["Content-Type"] == "image/svg+xml" and b"2, " in svg.content
    got = client.post("/systems/erp/assess/", {"event": "change", "severity": 2, "likelihood": 2,
                                               "residual_severity": 3, "residual_likelihood": 1})  # fmt: skip
    assert got.status_code == 400
    got = client.post("/systems/erp/assess/", {"event": "change", "severity": 2, "likelihood": 2,
                                               "residual_severity": 1, "residual_likelihood": 1})  # fmt: skip
    assert got.status_code == 302 and RiskAssessment.objects.filter(event="change").exists()
    out = io.StringIO()
    with redirect_stdout(out), redirect_stderr(io.StringIO()):
        code = main(["systems", "assess", "persondata", "disappearance", "--user", controller.username, "--severity",
                     "4", "--likelihood", "2", "--residual-severity", "4", "--residual-likelihood", "1"])  # fmt: skip
    assert code == 0
    out = io.StringIO()
    with redirect_stdout(out), redirect_stderr(io.StringIO()):
        assert main(["systems", "list", "--user", controller.username]) == 0
    listed = {s["key"]: s for s in json.loads(out.getvalue())}
    assert listed["persondata"]["assessments"]["disappearance"]["residual"] == [4, 1]
    assert listed["erp"]["due"] == ["disappearance"]
