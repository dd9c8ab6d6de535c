"""Restriction of processing (Art. 18, RULES R4): only the restriction's purposes read its categories."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from persondata.access.actor import Actor
from persondata.access.errors import AccessDenied
from persondata.audit.models import AuditEntry
from persondata.register.restrictions import lift_restriction, restrict_customer
from persondata.register.services import find_customers, show_customer
from tests.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def restricted(demo_customers: list[dict[str, Any]], controller: Any) -> tuple[dict[str, Any], Any]:
    record = next(r for r in demo_customers if r["orders"] and r["invoices"])
    actor = Actor.for_user(controller, "rights_requests", "web")
    [hit] = find_customers(actor, record["email"], now=NOW)
    restrict_customer(actor, hit.id, reason="erasure_request", now=NOW)
    return record, hit.id


def test_customer_service_no_longer_sees_a_restricted_customer(
    restricted: tuple[dict[str, Any], Any], make_staff: Any
) -> None:
    record, cid = restricted
    clerk = Actor.for_user(make_staff("clerk", ["customer_service"]), "delivery", "web")
    assert find_customers(clerk, record["email"], now=NOW) == []
    with pytest.raises(AccessDenied) as info:
        show_customer(clerk, cid, now=NOW)
    assert info.value.code == "restricted"


def test_bookkeeping_still_reads_the_accounting_material(
    restricted: tuple[dict[str, Any], Any], make_staff: Any
) -> None:
    record, cid = restricted
    bookkeeper = Actor.for_user(make_staff("bk", ["accounting"]), "bookkeeping", "web")
    [hit] = find_customers(bookkeeper, record["customer_number"], now=NOW)
    assert hit.name is None and hit.customer_number == record["customer_number"]
    view = show_customer(bookkeeper, cid, now=NOW)
    assert view.invoices and view.contact is None and view.orders == []


def test_the_controller_answering_the_customer_sees_only_what_is_kept(
    restricted: tuple[dict[str, Any], Any], controller: Any
) -> None:
    _record, cid = restricted
    view = show_customer(Actor.for_user(controller, "rights_requests", "web"), cid, now=NOW)
    assert view.invoices and view.customer_number and view.contact is None
    assert "restricted" in view.hidden["contact"].reason


def test_lifting_requires_telling_the_customer_first(
    restricted: tuple[dict[str, Any], Any], controller: Any, make_staff: Any
) -> None:
    _record, cid = restricted
    actor = Actor.for_user(controller, "rights_requests", "web")
    with pytest.raises(ValueError, match=r"Art\. 18"):
        lift_restriction(actor, cid, customer_told_on=None, now=NOW)
    assert lift_restriction(actor, cid, customer_told_on=date(2026, 11, 20), now=NOW) == 1
    clerk = Actor.for_user(make_staff("clerk2", ["customer_service"]), "delivery", "web")
    assert show_customer(clerk, cid, now=NOW).contact is not None
    actions = list(AuditEntry.objects.filter(target=str(cid)).values_list("action", flat=True))
    assert actions == ["customer.restrict", "customer.restriction.lift"]


def test_only_those_answering_requests_may_restrict(
    demo_customers: list[dict[str, Any]], make_staff: Any, controller: Any
) -> None:
    record = demo_customers[0]
    [hit] = find_customers(Actor.for_user(controller, "rights_requests", "web"), record["email"], now=NOW)
    clerk = Actor.for_user(make_staff("clerk3", ["customer_service"]), "delivery", "web")
    with pytest.raises(AccessDenied):
        restrict_customer(clerk, hit.id, reason="accuracy_disputed", now=NOW)
