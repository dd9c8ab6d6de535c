"""Every error of the API is JSON in the documented shape: the schema is walked, each path with each method it
does not take and with an address under it that does not exist; a body too large; a real crash."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from persondata import runtime
from persondata.api.tokens import create_token

pytestmark = pytest.mark.django_db
METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture
def token(make_staff: Callable[..., Any]) -> str:
    return create_token(make_staff("controller", ["controller"]), "test", timezone.now())


def schema(client: Client) -> dict[str, Any]:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    return dict(response.json())


def concrete(path: str) -> str:
    """``/api/requests/{request_id}`` → an address with a fresh id in each parameter."""
    while "{" in path:
        start, end = path.index("{"), path.index("}")
        path = path[:start] + str(uuid.uuid4()) + path[end + 1 :]
    return path


def assert_shaped(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.content[:200])
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"detail", "code"} and body["code"] == code and body["detail"]
    assert response["Cache-Control"] == "no-store"  # the security headers are on errors too
    return dict(body)


def call(client: Client, method: str, path: str, token: str, body: bytes = b"{}") -> Any:
    headers = {"Authorization": f"Bearer {token}"}
    return client.generic(method.upper(), path, data=body, content_type="application/json", headers=headers)


def test_every_path_answers_a_wrong_method_with_405_json(client: Client, token: str) -> None:
    paths = schema(client)["paths"]
    assert len(paths) >= 10
    tried = 0
    for path, operations in paths.items():
        for method in METHODS:
            if method in operations:
                continue
            response = call(client, method, concrete(path), token)
            assert_shaped(response, 405, "method_not_allowed")
            allowed = {m.strip().lower() for m in response["Allow"].split(",")}
            assert allowed == set(operations) & set(METHODS)
            tried += 1
    assert tried >= 30


def test_unknown_addresses_under_the_api_are_404_json(client: Client, token: str) -> None:
    paths = list(schema(client)["paths"])
    for path in [*paths, "/api", "/api/", "/api/nothing-here", "/api/customers/"]:
        for method in ("get", "post"):
            address = concrete(path).rstrip("/") + "/no-such/thing"
            assert_shaped(call(client, method, address, token), 404, "not_found")
    # and without a token: still JSON, and no hint of which addresses exist
    assert_shaped(Client().get("/api/nothing-here"), 404, "not_found")


def test_the_staff_pages_keep_their_html_404(client: Client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


def test_a_body_of_3_mb_is_refused_unread_with_413_json(client: Client, token: str) -> None:
    big = json.dumps({"query": "x" * (3 * 1024 * 1024)}).encode()
    for path in ("/api/customers/search", "/api/requests", "/api/no-such-thing"):
        body = assert_shaped(call(client, "post", path, token, big), 413, "too_large")
        assert "x" * 20 not in body["detail"]


def test_a_body_that_is_not_json_is_a_documented_400(client: Client, token: str) -> None:
    assert_shaped(call(client, "post", "/api/customers/search", token, b"{not json"), 400, "bad_request")
    responses = schema(client)["paths"]["/api/customers/search"]["post"]["responses"]
    assert "400" in responses


def test_a_crash_inside_a_route_is_500_json_and_logged_without_the_input(
    client: Client, token: str, caplog: pytest.LogCaptureFixture
) -> None:
    # a real fault: the register's table is gone (renamed inside the test's transaction, rolled back after)
    with connection.cursor() as cur:
        cur.execute("ALTER TABLE customer RENAME TO customer_gone")
    response = call(client, "post", "/api/customers/search", token, b'{"query": "secret-query@example.dk"}')
    body = assert_shaped(response, 500, "server_error")
    assert "secret-query" not in body["detail"]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "customers/search" in logged and "secret-query" not in logged


def test_purpose_is_an_enum_of_the_policy_in_the_schema(client: Client) -> None:
    spec = schema(client)
    policy = runtime.policy()
    expected = set(policy.purposes) | set(policy.forbidden_purposes)

    def enum_of(node: Any) -> set[str]:
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[1]
            return enum_of(spec["components"]["schemas"][name])
        found = set(node.get("enum", []))
        for option in node.get("anyOf", []):
            found |= enum_of(option)
        return found

    search_in = spec["components"]["schemas"]["SearchIn"]["properties"]["purpose"]
    assert enum_of(search_in) == expected
    parameter = next(
        p
        for p in spec["paths"]["/api/customers/{customer_id}"]["get"]["parameters"]
        if p["name"] == "purpose"
    )
    assert enum_of(parameter["schema"]) == expected
