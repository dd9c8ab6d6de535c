"""Reading the register through the services: search keys, need-to-know categories, the access log."""

from __future__ import annotations

from typing import Any

import pytest

from persondata.access.actor import Actor
from persondata.access.errors import AccessDenied
from persondata.access.models import AccessLog
from persondata.access.refusal import record_refusal
from persondata.audit.models import AuditEntry
from persondata.keys import store
from persondata.register.models import Customer
from persondata.register.services import find_customers, show_customer
from tests.conftest import NOW

pytestmark = pytest.mark.django_db


def _actor(user: Any, purpose: str | None = None) -> Actor:
    return Actor.for_user(user, purpose, "cli")


def _with_everything(records: list[dict[str, Any]]) -> dict[str, Any]:
    return next(r for r in records if r["orders"] and r["invoices"] and r["payments"])


@pytest.mark.parametrize("key", ["email", "phone", "customer_number", "name", "surname", "upper_email"])
def test_find_by_each_key(demo_customers: list[dict[str, Any]], controller: Any, key: str) -> None:
    rec = demo_customers[3]
    query = {
        "email": rec["email"],
        "phone": rec["phone"].replace(" ", ""),
        "customer_number": rec["customer_number"],
        "name": rec["name"].upper(),
        "surname": rec["name"].split()[-1],
        "upper_email": rec["email"].upper(),
    }[key]
    hits = find_customers(_actor(controller), query, now=NOW)
    assert rec["customer_number"] in [h.customer_number for h in hits]
    assert all(h.customer_number is not None for h in hits)


def test_unknown_query_finds_nothing_and_logs_nothing(
    demo_customers: list[dict[str, Any]], controller: Any
) -> None:
    assert find_customers(_actor(controller), "nobody@example.invalid", now=NOW) == []
    assert AccessLog.objects.count() == 0


def test_show_customer_decrypts_everything_for_rights_requests(
    demo_customers: list[dict[str, Any]], controller: Any
) -> None:
    rec = _with_everything(demo_customers)
    [hit] = find_customers(_actor(controller), rec["email"], now=NOW)
    view = show_customer(_actor(controller, "rights_requests"), hit.id, now=NOW)
    assert view.contact == {
        "name": rec["name"],
        "address": rec["address"],
        "phone": rec["phone"],
        "email": rec["email"],
    }
    assert view.customer_number == rec["customer_number"]
    assert sorted(o["order_number"] for o in view.orders) == sorted(o["order_number"] for o in rec["orders"])
    assert sorted(i["invoice_number"] for i in view.invoices) == sorted(
        i["invoice_number"] for i in rec["invoices"]
    )
    assert {i["billing"]["name"] for i in view.invoices} == {rec["name"]}
    assert [p["reference"] for p in view.payments] == [
        p["reference"] for p in sorted(rec["payments"], key=lambda p: p["paid_on"], reverse=True)
    ]


def test_customer_service_sees_no_payment_data(demo_customers: list[dict[str, Any]], make_staff: Any) -> None:
    rec = _with_everything(demo_customers)
    clerk = make_staff("clerk", ["customer_service"])
    [hit] = find_customers(_actor(clerk), rec["email"], now=NOW)
    view = show_customer(_actor(clerk), hit.id, now=NOW)
    assert view.contact is not None and view.orders
    assert view.invoices == [] and view.payments == []
    assert "payment" in view.as_dict()["hidden_categories"]
    assert "invoices" not in view.as_dict() and "payments" not in view.as_dict()


def test_accounting_sees_payments_but_not_order_history(
    demo_customers: list[dict[str, Any]], make_staff: Any
) -> None:
    rec = _with_everything(demo_customers)
    bookkeeper = make_staff("bookkeeper", ["accounting"])
    [hit] = find_customers(_actor(bookkeeper), rec["customer_number"], now=NOW)
    view = show_customer(_actor(bookkeeper, "bookkeeping"), hit.id, now=NOW)
    assert view.invoices and view.payments
    assert view.orders == [] and "order_history" in view.hidden


def test_it_admin_and_forbidden_purposes_are_refused(
    demo_customers: list[dict[str, Any]], make_staff: Any, controller: Any
) -> None:
    with pytest.raises(AccessDenied) as info:
        _actor(make_staff("it", ["it_admin"]))
    assert info.value.code == "no_role"
    attempts = (("marketing", "forbidden_purpose"), ("profiling", "forbidden_purpose"),
                ("ida@example.dk", "undeclared_purpose"))  # fmt: skip
    for purpose, code in attempts:
        with pytest.raises(AccessDenied) as info:
            _actor(controller, purpose)
        assert info.value.code == code
        assert "ida@example.dk" not in info.value.reason  # user input is never repeated
        record_refusal(controller.pk, info.value, "cli", NOW)
    assert AccessLog.objects.count() == 0
    refused = list(AuditEntry.objects.filter(action="access.refused").order_by("seq"))
    assert [e.details.get("purpose") for e in refused] == ["marketing", "profiling", None]
    assert all("ida@example.dk" not in repr(e.details) for e in refused)


def test_every_read_is_logged_without_personal_data(
    demo_customers: list[dict[str, Any]], controller: Any
) -> None:
    rec = demo_customers[5]
    actor = _actor(controller, "customer_service")
    [hit] = find_customers(actor, rec["email"], now=NOW)
    show_customer(actor, hit.id, now=NOW)
    entries = list(AccessLog.objects.order_by("id"))
    assert [(e.customer_id, e.purpose, e.staff_id, e.channel) for e in entries] == [
        (hit.id, "customer_service", controller.pk, "cli")
    ] * 2
    assert entries[1].categories == "contact,customer_number,order_history"
    dump = repr([vars(e) for e in entries])
    for value in (rec["email"], rec["name"], rec["customer_number"], rec["phone"]):
        assert value not in dump


def test_shredded_class_reads_as_gone(demo_customers: list[dict[str, Any]], controller: Any) -> None:
    rec = _with_everything(demo_customers)
    [hit] = find_customers(_actor(controller), rec["email"], now=NOW)
    for _cid, klass, _wrapped in store.customer_keys([hit.id.hex]):
        if klass != "relevance":
            store.destroy_customer_keys(klass, [hit.id.hex])
    view = show_customer(_actor(controller, "rights_requests"), hit.id, now=NOW)
    assert view.contact is not None
    assert all(i["billing"] == {} for i in view.invoices)
    assert Customer.objects.filter(pk=hit.id).exists()
