"""The API fuzzed against its own OpenAPI schema (schemathesis): every operation, every role of the policy file.

Schemathesis generates requests from /api/openapi.json — valid ones and, as often, ones the schema says are
invalid — and calls the real app (WSGI, the test database, 20 synthetic customers). Each response must pass
every default check of schemathesis (no server error, status code and body as documented, invalid input
rejected, valid input accepted, …) and must not disclose a category of customer data the token's roles may not
read (core.access decides, as for every entry point). Half the customer ids and search queries are real ones,
so the reads find customers. The short run is in `make test`; `pytest --full` runs ≥ 10,000 calls.
"""

from __future__ import annotations

import json
import math
import sys
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core.failures import FailureGroup

from persondata import runtime
from persondata.api.tokens import create_token
from persondata.core.access import decide

pytestmark = pytest.mark.django_db

SHORT_CALLS, FULL_CALLS = 250, 10_500  # across every operation and role
#: the response fields that show each category of customer data (api.schemas: CustomerOut, CustomerHitOut)
FIELDS = {
    "contact": ("contact", "email", "name", "city"),
    "customer_number": ("customer_number",),
    "order_history": ("orders", "agreements"),
    "payment": ("invoices", "payments"),
}


def _roles() -> list[str]:
    return sorted(runtime.policy().roles)


def _may_read(roles: list[str], category: str, purpose: str | None) -> bool:
    policy = runtime.policy()
    purposes = [purpose] if purpose else list(policy.purposes)
    return any(decide(policy, roles, category, "read", p) for p in purposes)


def _values(records: list[dict[str, Any]]) -> dict[str, set[str]]:
    """The synthetic customers' values by category, as they would appear in a JSON body."""
    return {
        "contact": {json.dumps(r["email"]) for r in records} | {json.dumps(r["phone"]) for r in records},
        "customer_number": {json.dumps(r["customer_number"]) for r in records},
    }


def disclosed(body: str, roles: list[str], values: dict[str, set[str]]) -> list[str]:
    """The categories this response body shows that ``roles`` may not read (for the purpose the body names)."""
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    purpose = data.get("purpose") if isinstance(data, dict) else None
    shown = {c for c, found in values.items() if any(v in body for v in found)}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for category, fields in FIELDS.items():
                if any(node.get(f) not in (None, [], {}) for f in fields):
                    shown.add(category)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    if isinstance(data, dict) and ("results" in data or "hidden_categories" in data):  # a customer read
        walk(data)
    return sorted(c for c in shown if not _may_read(roles, c, purpose))


def test_the_disclosure_check_can_fail() -> None:
    values = {"contact": {'"a@example.dk"'}, "customer_number": {'"K1"'}}
    body = json.dumps(
        {"purpose": "invoicing", "results": [{"email": "a@example.dk", "customer_number": "K1"}]}
    )
    assert disclosed(body, ["customer_service"], values) == ["contact", "customer_number"]
    assert disclosed(body, ["accounting"], values) == []
    read = json.dumps({"purpose": "delivery", "hidden_categories": [], "orders": [{"x": 1}]})
    assert disclosed(read, ["accounting"], values) == ["order_history"]
    assert disclosed(read, ["it_admin"], {}) == ["order_history"]


#: Rules JSON Schema cannot state — a time against the clock or against another field, free text refused because it
#: holds a CPR number (core.sensitive), an e-mail address the intake cannot use — by operation: a schema-valid request
#: may meet them with the documented 422 naming one of these fields, and nothing else.
SEMANTIC = {
    # a notification after the 72 hours needs its delay's reason, customers told need the letter they were sent
    "POST /api/breaches": {
        "discovered_at",
        "occurred_at",
        "notified_at",
        "customers_told_at",
        "nature",
        "delay_reason",
        "letter_da",
    },
    "PATCH /api/breaches/{breach_id}": {
        "discovered_at",
        "occurred_at",
        "notified_at",
        "customers_told_at",
        "nature",
        "delay_reason",
        "letter_da",
    },
    # a note refused because it holds a CPR number
    "POST /api/controls/{control_id}/answers": {"note"},
    # the upload: a PDF, PNG or JPEG by its first bytes, not empty, its name free of a CPR number
    # (governance.attachments); an empty file as Werkzeug encodes it (no line break before the next boundary) does
    # not reach Django as a file at all: then the file is missing
    "POST /api/controls/{control_id}/attachments/{item}": {"attachment", "file"},
    # the residual risk no higher than before the measures (a value against another field); the measures: free
    # text refused because it holds a CPR or card number (core.sensitive)
    "PUT /api/systems/{key}/assessments/{event}": {"measures", "residual_severity", "residual_likelihood"},
    # a partner receives data only under a current agreement, only its own categories for its own purposes (the
    # policy file), and only about customers on file
    "POST /api/partners/disclosures": {"partner", "purpose", "categories", "customers", "occurred_at"},
    "POST /api/requests": {"email", "received_on", "name", "phone", "customer_number", "address", "message"},
    # free text refused because it holds a CPR number (core.sensitive)
    "PUT /api/systems/{key}": {"name", "location", "owner"},
}


def _semantic(op: Any, response: Any, failure: Exception) -> bool:
    """Is this failure only a schema-valid request refused by a rule of :data:`SEMANTIC`?"""
    allowed = SEMANTIC.get(f"{op.method.upper()} {op.path}")
    if not allowed or response.status_code != 422:
        return False
    checks = {line.strip() for line in str(failure).splitlines() if line.strip().startswith("- ")}
    fields = set(response.json().get("fields", ["?"]))
    return len(checks) == 1 and "Schema-valid request rejected" in checks.pop() and fields <= allowed


def _auth_mutated(case: Any) -> bool:
    """Does this invalid request's invalidity lie in its Authorization header (a value of its own, or the header
    left out although the schema's security requires it)? Not merely an Authorization header of its own:
    schemathesis gives one (valid to the schema, a random token) to requests whose invalid part is elsewhere."""
    meta = case._meta  # the mutations schemathesis applied to make the request invalid
    mutations = meta.phase.data.mutations if meta is not None else ()
    return any(
        m.parameter_location.value == "header" and "authorization" in json.dumps(m.to_dict()).lower()
        for m in mutations
    )


def _short(failure: Exception) -> str:
    """A failure of schemathesis on one line: the check, the status, the body (no personal data: synthetic)."""
    lines = [line.strip() for line in str(failure).splitlines() if line.strip()]
    keep = [line for line in lines if line.startswith(("- ", "[", "`", "curl"))]
    return " | ".join(keep)[:500]


def _checker(
    op: Any,
    valid: bool,
    roles: list[str],
    token: str,
    values: dict[str, set[str]],
    ids: dict[str, list[str]],
    queries: list[str],
    counts: Counter[str],
    faults: list[str],
) -> Any:
    """The hypothesis test of one operation for one token, with valid (schema-conforming) or invalid requests:
    call, run every default check, look for disclosures."""
    cases = op.as_strategy(GenerationMode.POSITIVE if valid else GenerationMode.NEGATIVE)
    where = f"{'+'.join(roles)} {op.method.upper()} {op.path}"

    @given(case=cases, real=st.booleans(), pick=st.integers(0, 999), q=st.sampled_from(queries))
    def call(case: Any, real: bool, pick: int, q: str) -> None:
        real = real and valid  # a real id or query only in a valid request (an invalid one stays invalid)
        for name in list(case.path_parameters or {}):
            if real and ids.get(name):  # a customer, breach or control on file
                case.path_parameters[name] = ids[name][pick % len(ids[name])]
        if real and op.path == "/api/customers/search" and isinstance(case.body, dict):
            case.body["query"] = q
        # the role's token, unless the invalid part of an invalid request is its Authorization header (its own
        # value, or the header left out)
        headers = {} if not valid and _auth_mutated(case) else {"Authorization": f"Bearer {token}"}
        response = case.call(headers=headers)
        counts["calls"] += 1
        counts[f"{response.status_code // 100}xx"] += 1
        counts[f"{op.method.upper()} {op.path} {response.status_code}"] += 1  # the coverage, by operation
        try:
            case.validate_response(response, headers=headers)
        except (AssertionError, FailureGroup) as failure:
            if _semantic(op, response, failure):
                counts["semantic_422"] += 1
            else:
                faults.append(f"{where}: {_short(failure)}")
        if leaked := disclosed(response.text, roles, values):
            faults.append(f"{where}: discloses {leaked}")

    return call


def _on_file(tokens: dict[str, str]) -> dict[str, list[str]]:
    """A breach and an open control, made through the API by the role that may: their ids go into valid requests."""
    client, made = Client(), {}
    for path, body, role, name in (
        ("/api/breaches", {"discovered_at": "2026-11-20T09:00:00+01:00", "nature": "fuzz"}, "controller", "breach_id"),
        ("/api/controls", None, "controller", "control_id"),
    ):  # fmt: skip
        answer = client.post(
            path, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {tokens[role]}"
        )
        assert answer.status_code == 201, answer.content
        made[name] = [answer.json()["id"]]
    request_started.disconnect(close_old_connections)  # Django's test client connected it again
    request_finished.disconnect(close_old_connections)
    return made


def fuzz(
    calls: int,
    records: list[dict[str, Any]],
    make_staff: Callable[..., Any],
    customer_ids: list[uuid.UUID],
    only: set[str] | None = None,
) -> Counter[str]:
    """About ``calls`` generated calls, spread over every operation (``only``: these "METHOD /path") and role."""
    app = get_wsgi_application()
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [op.ok() for op in schema.get_all_operations()]
    operations = [op for op in operations if only is None or f"{op.method.upper()} {op.path}" in only]
    roles = _roles()
    tokens = {
        role: create_token(make_staff(f"fuzz-{role}", [role]), "fuzz", timezone.now()) for role in roles
    }
    values = _values(records)
    queries = sorted({r["email"] for r in records} | {r["customer_number"] for r in records})
    ids = {"customer_id": [str(c) for c in customer_ids], **_on_file(tokens)}
    per = max(1, math.ceil(calls / (len(operations) * len(roles) * 2)))  # valid and invalid requests, as many
    counts: Counter[str] = Counter()
    faults: list[str] = []
    for op in operations:
        for role in roles:
            where = f"{role} {op.method.upper()} {op.path}"
            for valid in (True, False):
                check = _checker(op, valid, [role], tokens[role], values, ids, queries, counts, faults)
                try:
                    settings(
                        max_examples=per,
                        deadline=None,
                        database=None,
                        derandomize=True,
                        suppress_health_check=list(HealthCheck),
                    )(check)()
                except Unsatisfiable:  # no request can be invalid: no parameter, no body, no token (health)
                    assert not valid, where
    assert not faults, f"{len(faults)} faults in {counts['calls']} calls:\n" + "\n".join(faults[:400])
    return counts


def report(counts: Counter[str]) -> str:
    """The run's totals, then each operation's calls by status code."""
    totals = {k: v for k, v in counts.items() if " " not in k}
    ops: dict[str, Counter[str]] = {}
    for key, n in counts.items():
        if " " in key:
            method, path, status = key.split(" ")
            ops.setdefault(f"{method} {path}", Counter())[status] += n
    lines = [f"\nschemathesis: {totals}"]
    for op, by_status in ops.items():
        lines.append(f"{sum(by_status.values()):6d}  {op}  {dict(sorted(by_status.items()))}")
    return "\n".join(lines) + "\n"


def test_a_short_fuzz_of_every_operation_and_role(
    demo_customers: list[dict[str, Any]], make_staff: Callable[..., Any], customer_ids: list[uuid.UUID]
) -> None:
    counts = fuzz(SHORT_CALLS, demo_customers, make_staff, customer_ids)
    assert counts["calls"] >= SHORT_CALLS * 0.5 and counts["5xx"] == 0, counts


def test_the_fuzz_finds_a_schema_valid_request_refused(
    demo_customers: list[dict[str, Any]],
    make_staff: Callable[..., Any],
    customer_ids: list[uuid.UUID],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A server that refuses a valid request with a 422 no rule of SEMANTIC explains fails the fuzz."""
    from persondata.systems import services

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise services.SystemInputError("version", "refused by this test")

    monkeypatch.setattr(services, "save_system", refuse)
    with pytest.raises(AssertionError, match="Schema-valid request rejected"):
        fuzz(1, demo_customers, make_staff, customer_ids, only={"PUT /api/systems/{key}"})


@pytest.mark.full
@pytest.mark.slow
def test_ten_thousand_calls_of_every_operation_and_role(
    demo_customers: list[dict[str, Any]], make_staff: Callable[..., Any], customer_ids: list[uuid.UUID]
) -> None:
    counts = fuzz(FULL_CALLS, demo_customers, make_staff, customer_ids)
    sys.stdout.write(report(counts))
    assert counts["calls"] >= 10_000 and counts["5xx"] == 0, counts


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    """The app is called as WSGI, in this thread: as Django's test client does, keep the test's connection (and
    its transaction) open across requests."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def customer_ids(demo_customers: list[dict[str, Any]]) -> list[uuid.UUID]:
    from persondata.register.models import Customer

    return list(Customer.objects.values_list("id", flat=True))
