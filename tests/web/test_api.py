"""The REST API: Bearer tokens, search by POST, one customer by id, errors as JSON, the OpenAPI schema."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from persondata import runtime
from persondata.access.models import AccessLog
from persondata.api.models import ApiToken
from persondata.api.tokens import create_token, revoke_token
from persondata.cli import main as persondata_main
from persondata.core.access import readable_categories
from persondata.core.vault import normalize_customer_number
from persondata.register.models import Customer

pytestmark = pytest.mark.django_db


def customer_id(number: str) -> uuid.UUID:
    bidx = runtime.vault().blind_index("customer_number", normalize_customer_number(number))
    return Customer.objects.values_list("id", flat=True).get(number_bidx=bidx)


def rich(records: list[dict[str, Any]]) -> dict[str, Any]:
    return next(
        r for r in records if r["orders"] and r["invoices"] and any(p["reference"] for p in r["payments"])
    )


@pytest.fixture
def token_for(make_staff: Callable[..., Any]) -> Callable[[list[str]], str]:
    def make(roles: list[str]) -> str:
        user = make_staff("-".join(roles), roles)
        return create_token(user, "test", timezone.now())

    return make


def search(client: Client, token: str | None, payload: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = payload if isinstance(payload, str) else json.dumps(payload)
    return client.post("/api/customers/search", data=data, content_type="application/json", headers=headers)


def show(client: Client, token: str | None, cid: Any, purpose: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    query = {"purpose": purpose} if purpose else {}
    return client.get(f"/api/customers/{cid}", query, headers=headers)


# -- health and authentication -------------------------------------------------------------------------------
def test_health_needs_no_token_and_holds_no_data(client: Client) -> None:
    response = client.get("/api/health")
    assert response.status_code == 200
    # counts only: how many public submissions wait in the intake spool (none here), and for how long
    assert response.json() == {"status": "ok", "spooled": 0, "spooled_oldest_seconds": None}


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer pd_not-a-real-token", "Token pd_whatever", "Basic dXNlcjpwYXNz"],
)
def test_401_without_or_with_a_bad_token(client: Client, demo_customers: Any, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    cid = customer_id(demo_customers[0]["customer_number"])
    for response in (
        client.get(f"/api/customers/{cid}", headers=headers),
        client.post(
            "/api/customers/search",
            data={"query": demo_customers[0]["email"]},
            content_type="application/json",
            headers=headers,
        ),
    ):
        assert response.status_code == 401
        assert response.json() == {
            "detail": "a valid API token is required: Authorization: Bearer <token>",
            "code": "unauthorized",
        }
        assert response["WWW-Authenticate"].startswith("Bearer")
    assert AccessLog.objects.count() == 0


def test_token_is_shown_once_and_stored_only_as_a_hash(controller: Any) -> None:
    now = timezone.now()
    secret = create_token(controller, "accounting system", now)
    row = ApiToken.objects.get()
    assert secret.startswith("pd_") and len(secret) >= 40
    assert row.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert row.key_prefix == secret[:8]
    stored = " ".join(str(getattr(row, f.attname)) for f in ApiToken._meta.fields)
    assert secret not in stored and secret[8:] not in stored
    assert row.label == "accounting system" and row.expires_at is None and row.last_used_at is None
    second = create_token(controller, "accounting system", now)
    assert second != secret  # a new secret each time; the old one cannot be shown again


def test_cli_prints_the_token_once_and_lists_without_secrets(controller: Any, capsys: Any) -> None:
    assert (
        persondata_main(
            ["token", "create", "--user", "controller", "--label", "nightly export", "--days", "30"]
        )
        == 0
    )
    out, err = capsys.readouterr()
    secret = out.strip()
    assert secret.startswith("pd_") and "only time" in err
    row = ApiToken.objects.get()
    assert row.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert row.expires_at is not None and row.expires_at - row.created_at == timedelta(days=30)

    assert persondata_main(["token", "list", "--user", "controller"]) == 0
    listing = capsys.readouterr().out
    assert secret[:8] in listing and "nightly export" in listing and secret not in listing

    assert persondata_main(["token", "revoke", "--user", "controller", secret[:8]]) == 0
    assert "revoked 1 token" in capsys.readouterr().out
    assert search(Client(), secret, {"query": "x"}).status_code == 401
    assert persondata_main(["token", "create", "--user", "nobody", "--label", "x"]) == 2


def test_expired_and_revoked_tokens_are_refused(client: Client, controller: Any, demo_customers: Any) -> None:
    now = timezone.now()
    expired = create_token(controller, "old", now - timedelta(days=10), days=1)
    revoked = create_token(controller, "leaked", now)
    valid = create_token(controller, "current", now, days=1)
    assert revoke_token(controller, revoked[:8], now) == 1
    query = {"query": demo_customers[0]["email"]}
    assert search(client, expired, query).status_code == 401
    assert search(client, revoked, query).status_code == 401
    assert search(client, valid, query).status_code == 200
    assert ApiToken.objects.get(label="current").last_used_at is not None
    assert ApiToken.objects.get(label="old").last_used_at is None


def test_inactive_user_token_is_refused(client: Client, controller: Any, demo_customers: Any) -> None:
    secret = create_token(controller, "x", timezone.now())
    controller.is_active = False
    controller.save()
    assert search(client, secret, {"query": demo_customers[0]["email"]}).status_code == 401


# -- search --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("field", ["email", "phone", "customer_number", "name"])
def test_search_by_post_body(
    client: Client, token_for: Callable[[list[str]], str], demo_customers: list[dict[str, Any]], field: str
) -> None:
    token = token_for(["customer_service"])
    record = demo_customers[6]
    response = search(client, token, {"query": record[field]})
    assert response.status_code == 200
    data = response.json()
    assert data["purpose"] == "delivery"  # the first purpose the role may use
    ids = [hit["id"] for hit in data["results"]]
    assert str(customer_id(record["customer_number"])) in ids and data["count"] == len(ids)
    hit = next(h for h in data["results"] if h["id"] == str(customer_id(record["customer_number"])))
    assert hit == {
        "id": hit["id"],
        "name": record["name"],
        "customer_number": record["customer_number"],
        "email": record["email"],
        "city": record["address"]["city"],
    }
    entry = AccessLog.objects.filter(customer_id=hit["id"]).get()
    assert (entry.channel, entry.purpose, entry.categories) == ("api", "delivery", "contact,customer_number")


def test_search_never_takes_the_query_from_the_url(
    client: Client, token_for: Callable[[list[str]], str], demo_customers: Any
) -> None:
    token = token_for(["controller"])
    auth = {"Authorization": f"Bearer {token}"}
    response = client.get("/api/customers/search", {"query": demo_customers[0]["email"]}, headers=auth)
    assert response.status_code == 405
    response = client.post(
        f"/api/customers/search?query={demo_customers[0]['email']}",
        content_type="application/json",
        headers=auth,
    )
    # the query in the URL is ignored: the body's query is missing
    assert response.status_code == 422 and response.json()["fields"] == ["query"]
    assert AccessLog.objects.count() == 0


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "query"),
        ({"query": ""}, "query"),
        ({"query": "   "}, "query"),
        ({"query": "x" * 201}, "query"),
        ({"query": 42}, "query"),
        ({"query": "Jensen", "limit": 5}, "limit"),
        ({"query": "Jensen", "purpose": "not_a_purpose"}, "purpose"),
    ],
)
def test_422_names_the_field_and_never_echoes_the_value(
    client: Client, token_for: Callable[[list[str]], str], payload: dict[str, Any], field: str
) -> None:
    response = search(client, token_for(["controller"]), payload)
    assert response.status_code == 422
    data = response.json()
    assert data["code"] == "invalid" and field in data["fields"] and field in data["detail"]
    assert "Jensen" not in data["detail"] and "xxxx" not in data["detail"]


def test_malformed_json_is_a_400(client: Client, token_for: Callable[[list[str]], str]) -> None:
    response = search(client, token_for(["controller"]), '{"query": ')
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


# -- one customer --------------------------------------------------------------------------------------------
def test_show_customer_with_every_section(
    client: Client, token_for: Callable[[list[str]], str], demo_customers: list[dict[str, Any]]
) -> None:
    record = rich(demo_customers)
    cid = customer_id(record["customer_number"])
    response = show(client, token_for(["controller"]), cid, "rights_requests")
    assert response.status_code == 200
    data = response.json()
    assert data["id"] == str(cid) and data["purpose"] == "rights_requests"
    assert data["contact"] == {
        "name": record["name"],
        "address": {k: record["address"][k] for k in ("street", "postcode", "city", "country")},
        "phone": record["phone"],
        "email": record["email"],
    }
    assert data["customer_number"] == record["customer_number"]
    assert sorted(o["order_number"] for o in data["orders"]) == sorted(
        o["order_number"] for o in record["orders"]
    )
    first = next(o for o in data["orders"] if o["order_number"] == record["orders"][0]["order_number"])
    assert first["total_ore"] == round(float(record["orders"][0]["total"]) * 100)
    assert [line["sku"] for line in first["lines"]] == [line["sku"] for line in record["orders"][0]["lines"]]
    assert first["delivery"]["street"] == record["orders"][0]["delivery"]["street"]
    assert sorted(i["invoice_number"] for i in data["invoices"]) == sorted(
        i["invoice_number"] for i in record["invoices"]
    )
    assert all(i["billing"]["name"] == record["name"] for i in data["invoices"])
    refs = {p["payment_ref"]: p["reference"] for p in data["payments"]}
    assert refs == {p["payment_ref"]: p["reference"] for p in record["payments"]}
    assert data["agreements"] == [] and data["hidden_categories"] == []
    entry = AccessLog.objects.get()
    assert (entry.customer_id, entry.channel, entry.purpose) == (cid, "api", "rights_requests")
    assert entry.categories == "contact,customer_number,order_history,payment"


def test_a_read_asks_the_database_ten_times(
    client: Client,
    token_for: Callable[[list[str]], str],
    demo_customers: list[dict[str, Any]],
    django_assert_num_queries: Any,
) -> None:
    """The read's budget (issue 17): the token with its login's roles, the declarations gate, then in one
    transaction the restrictions, the customer, their keys, orders, agreements and the access log's entry."""
    token = token_for(["customer_service"])
    cid = customer_id(rich(demo_customers)["customer_number"])
    assert show(client, token, cid).status_code == 200  # the token's first use is recorded once
    with django_assert_num_queries(10):
        assert show(client, token, cid).status_code == 200
    assert AccessLog.objects.filter(customer_id=cid, channel="api").count() == 2


def test_show_customer_leaves_out_what_the_role_may_not_read(
    client: Client, token_for: Callable[[list[str]], str], demo_customers: list[dict[str, Any]]
) -> None:
    record = rich(demo_customers)
    response = show(
        client, token_for(["customer_service"]), customer_id(record["customer_number"]), "customer_service"
    )
    assert response.status_code == 200
    data = response.json()
    granted = {
        k
        for k, d in readable_categories(runtime.policy(), ["customer_service"], "customer_service").items()
        if d
    }
    assert (data["contact"] is not None) == ("contact" in granted)
    assert (data["orders"] is not None) == ("order_history" in granted)
    assert (data["invoices"] is not None) == (data["payments"] is not None) == ("payment" in granted)
    hidden = {h["category"]: h["reason"] for h in data["hidden_categories"]}
    assert set(hidden) == set(runtime.policy().categories) - granted
    assert all(hidden.values())
    assert "****" not in response.content.decode()


def test_403_with_the_reason_and_no_data(
    client: Client, token_for: Callable[[list[str]], str], demo_customers: list[dict[str, Any]]
) -> None:
    record = rich(demo_customers)
    cid = customer_id(record["customer_number"])
    admin = token_for(["it_admin"])
    for response in (show(client, admin, cid), search(client, admin, {"query": record["email"]})):
        assert response.status_code == 403
        data = response.json()
        assert data["code"] == "access_denied" and "no role" in data["detail"]
        text = response.content.decode()
        assert record["name"] not in text and record["email"] not in text and str(cid) not in text
    response = show(client, token_for(["customer_service"]), cid, "bookkeeping")
    assert response.status_code == 403 and "bookkeeping" in response.json()["detail"]
    response = show(client, token_for(["controller"]), cid, "marketing")
    assert response.status_code == 403 and "forbidden" in response.json()["detail"]
    assert AccessLog.objects.count() == 0


def test_404_and_422_for_customer_ids(
    client: Client, token_for: Callable[[list[str]], str], demo_customers: Any
) -> None:
    token = token_for(["controller"])
    response = show(client, token, uuid.uuid4())
    assert response.status_code == 404 and response.json() == {
        "detail": "no such customer",
        "code": "not_found",
    }
    response = show(client, token, "not-a-uuid")
    assert response.status_code == 422 and response.json()["fields"] == ["customer_id"]
    response = show(client, token, customer_id(demo_customers[0]["customer_number"]), "nonsense")
    assert response.status_code == 422 and response.json()["fields"] == ["purpose"]
    assert AccessLog.objects.count() == 0


def test_api_responses_carry_the_security_headers(
    client: Client, token_for: Callable[[list[str]], str]
) -> None:
    response = search(client, token_for(["controller"]), {"query": "nobody@example.dk"})
    assert response.status_code == 200 and response.json()["results"] == []
    assert "no-store" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"


# -- the schema ----------------------------------------------------------------------------------------------
def test_openapi_schema_lists_the_endpoints_and_schemas(client: Client) -> None:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    assert set(paths) >= {"/api/health", "/api/customers/search", "/api/customers/{customer_id}"}
    assert set(paths["/api/customers/search"]) == {"post"}
    assert set(paths["/api/customers/{customer_id}"]) == {"get"}
    search_op = paths["/api/customers/search"]["post"]
    # the search query is never a URL parameter
    assert not any(p["in"] == "query" for p in search_op.get("parameters", []))
    assert {"200", "401", "403", "422"} <= set(search_op["responses"])
    assert {"200", "401", "403", "404", "422"} <= set(
        paths["/api/customers/{customer_id}"]["get"]["responses"]
    )
    schemas = schema["components"]["schemas"]
    for name in (
        "SearchIn",
        "SearchOut",
        "CustomerHitOut",
        "CustomerOut",
        "ContactOut",
        "OrderOut",
        "InvoiceOut",
        "PaymentOut",
        "AgreementOut",
        "ErrorOut",
        "ValidationErrorOut",
    ):
        assert name in schemas, name
    assert set(schemas["CustomerHitOut"]["properties"]) == {"id", "name", "customer_number", "email", "city"}
    assert set(schemas["PaymentOut"]["properties"]) == {
        "payment_ref",
        "invoice_number",
        "paid_on",
        "amount_ore",
        "currency",
        "method",
        "reference",
    }
    assert schema["components"]["securitySchemes"]["BearerToken"] == {"type": "http", "scheme": "bearer"}
    assert "security" not in paths["/api/health"]["get"]


def test_no_interactive_docs_page_that_would_need_a_cdn(client: Client) -> None:
    assert client.get("/api/docs").status_code == 404


def test_token_helpers_validate_their_input(controller: Any) -> None:
    now: datetime = timezone.now()
    for label, days in (("", None), (" ", None), ("x" * 101, None), ("ok", 0)):
        with pytest.raises(ValueError):
            create_token(controller, label, now, days=days)
    assert ApiToken.objects.count() == 0
