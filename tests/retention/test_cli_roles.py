"""The retention commands that name a customer or a hold are the data controller's, for every role of the policy.

The rule is the access log's and the retention page's ("log" in tests/authz/test_matrix.py): whoever may read
contact data to answer customers' requests (rights_requests); every other role is refused with exit code 3.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from persondata import runtime
from persondata.core.access import decide
from persondata.retention.models import LegalHold
from tests.retention.conftest import customer, invoice, order
from tests.retention.test_cli import run

D = date


def _roles() -> list[str]:
    return list(runtime.policy().roles)


@pytest.mark.django_db
@pytest.mark.parametrize("role", _roles())
def test_hold_and_schedule_commands_only_for_the_controller(
    load: Callable[..., dict[str, uuid.UUID]], make_staff: Callable[..., Any], controller: Any, role: str
) -> None:
    cid = load(
        [customer("R1", orders=[order("OR1", D(2024, 3, 1))], invoices=[invoice("FR1", D(2024, 3, 2))])]
    )["R1"]
    code, _out, _err = run(
        "retention", "hold", str(cid), "--reason", "Tvist", "--until", "2030-01-01", "--user", "controller"
    )
    assert code == 0
    hold = LegalHold.objects.get()
    make_staff(f"r-{role}", [role])
    allowed = bool(decide(runtime.policy(), [role], "contact", "read", "rights_requests"))
    assert allowed is (role == "controller")  # the shipped policy: only the controller answers requests
    commands = [
        ("retention", "explain", str(cid)),
        ("retention", "holds"),
        ("retention", "hold", str(cid), "--reason", "Sag 7", "--until", "2031-01-01"),
        ("retention", "end-hold", str(hold.id)),
    ]
    for argv in commands:
        code, out, err = run(*argv, "--user", f"r-{role}")
        if allowed:
            assert code == 0, (role, argv, err)
        else:
            assert code == 3 and "data controller" in err and str(cid) not in out, (role, argv)
    # a refused role neither added a hold nor ended one
    assert LegalHold.objects.filter(customer_id=cid).count() == (2 if allowed else 1)
    assert (LegalHold.objects.get(pk=hold.pk).ended_at is not None) is allowed


@pytest.mark.django_db
def test_the_commands_say_who_is_asking(load: Callable[..., dict[str, uuid.UUID]]) -> None:
    code, _out, err = run("retention", "holds")
    assert code != 0 and "--user" in err
    code, _out, err = run("retention", "holds", "--user", "nobody")
    assert code != 0 and "no active staff login" in err
