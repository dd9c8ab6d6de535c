"""``persondata partners …``: the controller's commands, refused for every other role of the policy."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from typing import Any

import pytest

from persondata import runtime
from persondata.audit.models import AuditEntry
from persondata.cli import main
from persondata.core.access import decide
from persondata.partners import webhooks
from persondata.partners.models import DONE, PartnerEndpoint, PartnerNotice
from persondata.requests.models import Request
from tests.partners.conftest import Receiver, notify

pytestmark = pytest.mark.django_db


def run(*argv: str, stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        with redirect_stdout(out), redirect_stderr(err):
            code = main(list(argv))
    finally:
        sys.stdin = saved
    return code, out.getvalue(), err.getvalue()


def test_the_controller_sets_an_endpoint_lists_and_delivers(
    controller: Any, make_request: Callable[..., Request], receiver: Receiver
) -> None:
    code, out, err = run(
        "partners", "endpoint-set", "order_processing", "--url", receiver.url, "--user", "controller"
    )
    assert code == 0 and "shown once" in err
    secret = out.strip()
    assert secret.startswith("whsec_") and webhooks.endpoint_secret(PartnerEndpoint.objects.get()) == secret
    req = make_request()
    notify(req, "erasure")
    code, out, _ = run("partners", "list", "--user", "controller")
    assert code == 0 and receiver.url in out and "3 open" not in out and "1 open" in out
    code, out, _ = run("partners", "notices", "--json", "--user", "controller")
    rows = json.loads(out)
    assert {r["partner"] for r in rows} == {"order_processing", "invoicing", "accounting"}
    assert {r["reference"] for r in rows} == {req.reference}
    code, out, _ = run("partners", "deliver", "--user", "controller")
    assert code == 0 and json.loads(out)["delivered"] == 1
    [got] = receiver.received
    assert webhooks.verify(secret, got.headers["X-Persondata-Signature"], got.body)
    assert PartnerNotice.objects.get(partner_key="order_processing").state == DONE


def test_tick_and_remove_and_a_given_secret(controller: Any, make_request: Callable[..., Request]) -> None:
    given = "a-secret-the-partner-chose-0123456789"
    code, out, _ = run(
        "partners",
        "endpoint-set",
        "invoicing",
        "--url",
        "https://invoicing.example/hooks",
        "--secret-stdin",
        "--user",
        "controller",
        stdin=given + "\n",
    )
    assert code == 0 and out == "" and webhooks.endpoint_secret(PartnerEndpoint.objects.get()) == given
    notify(make_request(), "restriction", categories=["payment"])
    notice = PartnerNotice.objects.get(partner_key="accounting")
    code, out, _ = run(
        "partners", "tick", str(notice.id), "--note", "Sendt e-mail til support", "--user", "controller"
    )
    assert code == 0 and "done" in out
    notice.refresh_from_db()
    assert notice.state == DONE and notice.channel == "manual"
    code, _, err = run("partners", "tick", str(notice.id), "--user", "controller")
    assert code == 2 and "already done" in err
    code, _, _ = run("partners", "endpoint-remove", "invoicing", "--user", "controller")
    assert code == 0 and not PartnerEndpoint.objects.exists()
    assert AuditEntry.objects.filter(action="partner.endpoint_remove").count() == 1
    code, _, _ = run("partners", "endpoint-remove", "invoicing", "--user", "controller")
    assert code == 1


def test_a_plain_http_address_is_refused_naming_the_field(controller: Any) -> None:
    code, _, err = run(
        "partners",
        "endpoint-set",
        "invoicing",
        "--url",
        "http://invoicing.example/hooks",
        "--user",
        "controller",
    )
    assert (
        code == 2
        and err.startswith("persondata partners: The address must start with https://")
        and "url:" not in err
    )
    assert not PartnerEndpoint.objects.exists()


def _other_roles() -> list[str]:
    """Every role of the shipped policy that does not handle customers' requests (all but the controller)."""
    policy = runtime.policy()
    return [r for r in policy.roles if not decide(policy, [r], "contact", "change", "rights_requests")]


@pytest.mark.parametrize("role", _other_roles())
def test_every_command_is_the_controllers(
    make_staff: Callable[..., Any], controller: Any, make_request: Callable[..., Request], role: str
) -> None:
    make_staff(f"p-{role}", [role])
    notify(make_request(), "erasure")
    notice = PartnerNotice.objects.first()
    assert notice is not None
    commands = [
        ("partners", "list"),
        ("partners", "endpoint-set", "invoicing", "--url", "https://invoicing.example/h"),
        ("partners", "endpoint-remove", "invoicing"),
        ("partners", "notices"),
        ("partners", "tick", str(notice.id)),
        ("partners", "deliver"),
    ]
    refusals = AuditEntry.objects.count()
    for command in commands:
        code, out, err = run(*command, "--user", f"p-{role}")
        assert code == 3, (role, command, err)
        assert notice.request.reference not in out
    assert AuditEntry.objects.count() == refusals + len(commands)  # each refusal is audited
    assert not PartnerEndpoint.objects.exists()
    assert PartnerNotice.objects.filter(state=DONE).count() == 0
    for command in commands:
        assert run(*command, "--user", "controller")[0] == 0, command
