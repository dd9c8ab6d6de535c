"""The authorisation matrix: every page, API operation and CLI command against every role of the policy.

Generated from the policy file and the URL map: a new URL, API operation or CLI command without a rule in
``RULES`` fails ``test_every_entry_point_has_a_rule``, and every rule is then exercised for every role (plus an
anonymous visitor) — so the promise "only the persons for whom it is relevant get access, and only to the data
relevant to them" (policy §12) is checked wherever customer data can be read.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from persondata import runtime
from persondata.access.actor import Actor
from persondata.api.tokens import create_token
from persondata.cli import build_parser, main
from persondata.core.access import decide, readable_categories
from persondata.register.services import find_customers
from tests.conftest import NOW

# What each entry point needs. "customer": a customer's personal data, by category, for the chosen purpose (the
# category × purpose decision); a named permission (``persondata.access.permissions``: handle_requests,
# manage_retention, manage_staff, manage_partners, read_access_log) — checked for every role on the web, the API
# and the CLI in tests/authz/test_permissions.py; "staff": any logged-in staff member, no customer data; "public":
# no login, no customer data; "none" (CLI): the operator's command, touching no customer data.
RULES: dict[str, str] = {
    # web
    "login": "public",
    "logout": "staff",
    "set_language": "public",
    "dashboard": "staff",
    "customer_search": "customer",
    "customer": "customer",
    "customer_suggest": "customer",  # the type-ahead and the customer picker (tests/web/test_typeahead.py)
    "access_log": "read_access_log",
    "access_history_export": "read_access_log",
    "account_security": "staff",
    "otp_verify": "staff",
    "staff:declarations": "staff",
    "staff:own_password": "staff",
    "staff:list": "manage_staff",
    "staff:create": "manage_staff",
    "staff:roles": "manage_staff",
    "staff:deactivate": "manage_staff",
    "staff:password": "manage_staff",
    "staff:publish": "manage_staff",
    "retention:overview": "manage_retention",  # counts, runs, holds: no customer data shown
    "retention:hold_create": "manage_retention",
    "retention:hold_end": "manage_retention",
    # telling the partners (Art. 19): notices and webhooks, for the controller (tests/partners/test_pages.py)
    "partners:notices": "handle_requests",
    "partners:tick": "handle_requests",
    "partners:endpoint_set": "manage_partners",
    "partners:endpoint_remove": "manage_partners",
    # the breach register (Art. 33-34): whoever holds manage_breaches (tests/governance/test_pages.py)
    "governance:breaches": "manage_breaches",
    "governance:breach_new": "manage_breaches",
    "governance:breach": "manage_breaches",
    "governance:breach_notification": "manage_breaches",
    "governance:breach_letter": "manage_breaches",
    "governance:controls": "run_control",  # run_control (tests/governance/test_control.py)
    "governance:control_start": "run_control",
    "governance:control": "run_control",
    "governance:control_answer": "run_control",
    "governance:control_sign": "run_control",
    "governance:control_attach": "run_control",  # tests/governance/test_attachments.py
    "governance:control_attachment": "run_control",
    "governance:control_report": "run_control",
    "governance:follow_up_done": "run_control",
    "governance:follow_up_assign": "run_control",  # tests/governance/test_follow_ups.py
    "governance:policy": "adopt_policy",  # adopt_policy (tests/governance/test_policy_versions.py)
    "governance:policy_adopt": "adopt_policy",
    "public:policy_versions": "public",  # earlier versions of the published policy, with their dates
    "public:policy_version": "public",
    # processor agreements (Art. 28): manage_partners, the controller (test_processor_agreements_... below)
    "partners:agreements": "manage_partners",
    "partners:agreement_edit": "manage_partners",
    "partners:agreement_delete": "manage_partners",
    "partners:agreement_document": "manage_partners",
    "partners:disclosures": "manage_partners",
    # the IT systems and their risk assessments: manage_systems, the controller (tests/systems)
    "systems:list": "manage_systems",
    "systems:heat_map": "manage_systems",
    "systems:detail": "manage_systems",
    "systems:assess": "manage_systems",
    "systems:record": "manage_systems",
    # the first-run setup writes the policy file: the one who adopts it (tests/setup)
    **{
        f"setup:{name}": "adopt_policy"
        for name in (
            "overview",
            "company",
            "year",
            "partners",
            "staff",
            "customers",
            "review",
            "adopt",
            "confirm",
        )
    },
    "public:confirm": "public",
    # an answer's download link (requests/answers/delivery.py): the link, then a session grant
    "public:answer": "public",
    # a new staff member's invitation: chooses their own first password (access/invitations.py)
    "staff:invitation": "public",
    "staff:invitation_accept": "public",
    "public:answer_open": "public",
    "public:answer_files": "public",
    "public:answer_file": "public",
    "public:policy": "public",
    "public:request": "public",
    "public:thanks": "public",
    "public:confirm_submit": "public",
    "public:portability_schema": "public",
    # customers' requests: registering one is for any staff member with a role that serves customers; handling
    # them (the requester's details, identity, deadlines, answers) for the controller (tests/rights)
    "requests:new": "staff",
    "requests:list": "handle_requests",
    "requests:detail": "handle_requests",
    "requests:send_confirmation": "handle_requests",
    "requests:send_link": "handle_requests",
    "requests:record_post": "handle_requests",
    "requests:verify": "handle_requests",
    "requests:assign": "handle_requests",
    # the inbox: the handler, comments, find by reference (tests/requests/test_inbox.py)
    "requests:handler": "handle_requests",
    "requests:comment": "handle_requests",
    "requests:find": "handle_requests",
    "requests:start": "handle_requests",
    "requests:extend": "handle_requests",
    "requests:refuse": "handle_requests",
    "requests:withdraw": "handle_requests",
    "requests:no_data": "handle_requests",  # Art. 15(1): confirm that no data is held (handle_requests)
    "requests:answer": "handle_requests",
    "requests:restrict_pending": "handle_requests",
    "requests:lift_notice": "handle_requests",
    "requests:lift": "handle_requests",
    "requests:document": "handle_requests",
    # API (django-ninja operation names)
    "api:openapi-json": "public",
    "api:health": "public",
    "api:api-root": "public",
    "api:search_customers": "customer",
    "api:get_customer": "customer",
    "api:create_request": "staff",  # POST: register; any login with a customer role (tests/requests/test_api.py)
    "api:list_requests": "handle_requests",
    "api:get_request": "handle_requests",
    "api:verify_request": "handle_requests",
    "api:extend_request": "handle_requests",
    "api:refuse_request": "handle_requests",
    "api:withdraw_request": "handle_requests",
    "api:no_data_request": "handle_requests",
    "api:answer_request": "handle_requests",
    "api:get_document": "handle_requests",
    "api:list_breaches": "manage_breaches",  # manage_breaches (tests/governance/test_api.py)
    "api:create_breach": "manage_breaches",
    "api:get_breach": "manage_breaches",
    "api:update_breach": "manage_breaches",
    "api:list_policy_versions": "staff",  # the published texts and their adoption
    "api:get_policy_version": "staff",
    "api:adopt_policy_version": "adopt_policy",  # adopt_policy
    "api:list_controls": "run_control",  # run_control (tests/governance/test_control.py)
    "api:start_control": "run_control",
    "api:get_control": "run_control",
    "api:answer_control": "run_control",
    "api:sign_control": "run_control",
    "api:assign_follow_up": "run_control",  # tests/governance/test_follow_ups.py
    "api:attach_control": "run_control",  # tests/governance/test_attachments.py
    "api:get_control_attachment": "run_control",
    "api:list_agreements": "manage_partners",
    "api:get_agreement": "manage_partners",
    "api:put_agreement": "manage_partners",
    "api:delete_agreement": "manage_partners",
    "api:list_disclosures": "manage_partners",
    "api:create_disclosure": "manage_partners",
    "api:list_systems": "manage_systems",  # tests/systems/test_api.py
    "api:get_system": "manage_systems",
    "api:put_system": "manage_systems",
    "api:delete_system": "manage_systems",
    "api:assess_system": "manage_systems",
}
# CLI sub-commands: those that read customer data name the rule; the others touch none.
CLI_RULES: dict[str, str] = {
    "customers find": "customer",
    "customers show": "customer",
    "access-log history": "read_access_log",
    "access-log search": "read_access_log",
    "init": "none",
    "serve": "none",
    "import": "none",  # writes, reads nothing back; audited
    "demo": "none",
    "policy check": "none",
    "policy render": "none",
    "audit verify": "none",
    "audit head": "none",
    "audit show": "none",
    "bench": "none",
    "token create": "none",
    "token list": "none",
    "token revoke": "none",
    "staff list": "manage_staff",  # logins and roles; controller only (tests/staff)
    "staff add": "manage_staff",
    "staff roles": "manage_staff",
    "staff deactivate": "manage_staff",
    "staff password": "manage_staff",
    "staff declarations": "manage_staff",
    "staff unlock": "manage_staff",
    "retention plan": "none",  # counts and reasons, no personal data
    "retention run": "none",
    "retention explain": "manage_retention",  # controller (rights_requests), as the retention page; tests/retention
    "retention hold": "manage_retention",
    "retention holds": "manage_retention",
    "retention end-hold": "manage_retention",
    "retention reapply": "none",
    "jobs run": "none",
    "partners list": "handle_requests",  # the controller (handles requests); tests/partners/test_cli.py
    "partners endpoint-set": "manage_partners",
    "partners endpoint-remove": "manage_partners",
    "partners notices": "handle_requests",
    "partners tick": "handle_requests",
    "outbox list": "handle_requests",  # held mail, for whoever handles requests; tests/requests/test_outbox_process.py
    "outbox show": "handle_requests",
    "outbox deliver": "handle_requests",
    "partners deliver": "handle_requests",
    "staff otp-reset": "manage_staff",
    "staff accept": "none",  # a staff member accepts the declarations for themselves
    "partners agreements": "manage_partners",  # the controller; tests/partners/test_agreement_entry.py
    "partners agreement-set": "manage_partners",
    "partners agreement-remove": "manage_partners",
    "partners disclosures": "manage_partners",  # manage_partners; codes and pseudonymous ids only (tests/partners)
    "partners disclose": "manage_partners",
    "systems list": "manage_systems",  # manage_systems; no customer data (tests/systems)
    "systems assess": "manage_systems",
    "systems heat-map": "manage_systems",
    "systems record": "manage_systems",
    # customers' requests: any staff member with a customer role registers; the controller handles (tests/rights)
    "requests new": "none",
    "requests list": "handle_requests",
    "requests show": "handle_requests",
    "requests confirm-email": "handle_requests",
    "requests verify": "handle_requests",
    "requests assign": "handle_requests",
    "requests start": "handle_requests",
    "requests extend": "handle_requests",
    "requests refuse": "handle_requests",
    "requests withdraw": "handle_requests",
    "requests no-data": "handle_requests",
    "requests purge": "handle_requests",
    "requests answer": "handle_requests",
    "requests documents": "handle_requests",
    "requests lift-notice": "handle_requests",
    "requests lift": "handle_requests",
    "breaches list": "manage_breaches",  # manage_breaches (tests/governance/test_cli.py)
    "breaches show": "manage_breaches",
    "breaches add": "manage_breaches",
    "breaches update": "manage_breaches",
    "breaches print": "manage_breaches",
    "policy versions": "none",  # the published texts, any staff login; adopting: adopt_policy
    "policy show-version": "none",
    "policy in-force": "none",
    "policy adopt": "adopt_policy",
    "control list": "run_control",  # run_control (tests/governance/test_control.py)
    "control start": "run_control",
    "control show": "run_control",
    "control answer": "run_control",
    "control sign": "run_control",
    "control attach": "run_control",  # tests/governance/test_attachments.py
    "control attachment": "run_control",
    "control report": "run_control",
    "control done": "run_control",
    "control assign": "run_control",  # tests/governance/test_follow_ups.py
    "backup": "manage_backups",  # no customer data shown (tests/backups)
    "backup drill": "manage_backups",
    "restore": "manage_backups",
    "keys status": "none",  # key ids and counts, no key and no personal data (tests/keys/test_rotation.py)
    "keys rotate": "manage_systems",  # the master key is a measure of the IT system persondata itself
    "keys grant": "manage_systems",  # PostgreSQL privileges of the key schema (tests/keys/test_grants.py)
}


def _url_names(patterns: list[Any], namespace: str = "") -> Iterator[str]:
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}:{p.namespace}" if namespace and p.namespace else (p.namespace or namespace)
            yield from _url_names(p.url_patterns, ns)
        elif isinstance(p, URLPattern):
            yield f"{namespace}:{p.name}" if namespace else str(p.name)


def _cli_commands() -> Iterator[str]:
    parser = build_parser()
    for action in parser._subparsers._group_actions:  # type: ignore[union-attr]
        for name, sub in action.choices.items():
            nested = [a for a in sub._actions if a.__class__.__name__ == "_SubParsersAction"]
            if nested:
                yield from (f"{name} {child}" for child in nested[0].choices)
            if not nested or not nested[0].required:  # `backup` alone is a command, `backup drill` another
                yield name


def test_every_rule_is_a_kind_of_access_or_a_named_permission() -> None:
    from persondata.core.policy import DUTIES

    kinds = {"customer", "staff", "public", "none", *DUTIES}
    assert {n: r for n, r in RULES.items() if r not in kinds} == {}
    assert {c: r for c, r in CLI_RULES.items() if r not in kinds} == {}


def test_every_entry_point_has_a_rule() -> None:
    urls = set(_url_names(get_resolver().url_patterns))
    assert urls - RULES.keys() == set(), "new URL without an authorisation rule: add it to RULES"
    assert RULES.keys() - urls == set(), "RULES names URLs that no longer exist"
    commands = set(_cli_commands())
    assert commands - CLI_RULES.keys() == set(), "new CLI command without a rule: add it to CLI_RULES"


# -- the customer data matrix --------------------------------------------------------------------------------
def _markers(record: dict[str, Any]) -> dict[str, list[str]]:
    """Text that appears only when a category is shown."""
    order = next(o for o in record["orders"])
    return {
        "contact": [record["email"]],
        "customer_number": [record["customer_number"]],
        "order_history": [order["lines"][0]["sku"]],
        "payment": [record["invoices"][0]["invoice_number"]],
    }


def _purposes() -> list[str]:
    policy = runtime.policy()
    return [*policy.purposes, *sorted(policy.forbidden_purposes)]


def _roles() -> list[str]:
    return list(runtime.policy().roles)


@pytest.fixture
def subject(demo_customers: list[dict[str, Any]], controller: Any) -> tuple[dict[str, Any], str]:
    record = next(r for r in demo_customers if r["orders"] and r["invoices"] and r["orders"][0]["lines"])
    [hit] = find_customers(Actor.for_user(controller, "rights_requests", "cli"), record["email"], now=NOW)
    return record, str(hit.id)


def _expected(roles: list[str], purpose: str) -> set[str]:
    policy = runtime.policy()
    if purpose not in policy.purposes:
        return set()
    return {k for k, d in readable_categories(policy, roles, purpose).items() if d.allowed}


@pytest.mark.django_db
@pytest.mark.parametrize("role", [*_roles(), "anonymous"])
def test_web_customer_page_shows_exactly_what_the_policy_grants(
    subject: tuple[dict[str, Any], str], make_staff: Any, role: str
) -> None:
    record, cid = subject
    client = Client()
    if role != "anonymous":
        client.force_login(make_staff(f"u-{role}", [role]))
    for purpose in _purposes():
        response = client.get(f"/customers/{cid}/", {"purpose": purpose})
        if role == "anonymous":
            assert response.status_code == 302 and "/login/" in response["Location"]
            continue
        expected = _expected([role], purpose)
        body = response.content.decode()
        if not expected:
            assert response.status_code == 403, (role, purpose)
        else:
            assert response.status_code == 200, (role, purpose)
        for category, markers in _markers(record).items():
            for marker in markers:
                assert (marker in body) is (category in expected), (role, purpose, category)


@pytest.mark.django_db
@pytest.mark.parametrize("role", [*_roles(), "anonymous"])
def test_api_customer_shows_exactly_what_the_policy_grants(
    subject: tuple[dict[str, Any], str], make_staff: Any, role: str
) -> None:
    record, cid = subject
    headers = {}
    if role != "anonymous":
        token = create_token(make_staff(f"api-{role}", [role]), "matrix", NOW)
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    client = Client()
    for purpose in _purposes():
        response = client.get(f"/api/customers/{cid}", {"purpose": purpose}, **headers)
        if role == "anonymous":
            assert response.status_code == 401
            continue
        expected = _expected([role], purpose)
        if purpose not in runtime.policy().purposes and purpose not in runtime.policy().forbidden_purposes:
            assert response.status_code == 422
            continue
        assert response.status_code == (200 if expected else 403), (role, purpose, response.content)
        body = response.content.decode()
        for category, markers in _markers(record).items():
            for marker in markers:
                assert (marker in body) is (category in expected), (role, purpose, category)


@pytest.mark.django_db(transaction=False)
@pytest.mark.parametrize("role", _roles())
def test_cli_show_prints_exactly_what_the_policy_grants(
    subject: tuple[dict[str, Any], str], make_staff: Any, role: str
) -> None:
    record, cid = subject
    make_staff(f"cli-{role}", [role])
    for purpose in _purposes():
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            code = main(["customers", "show", cid, "--user", f"cli-{role}", "--purpose", purpose])
        expected = _expected([role], purpose)
        assert code == (0 if expected else 3), (role, purpose)
        body = out.getvalue()
        if expected:
            json.loads(body)
        for category, markers in _markers(record).items():
            for marker in markers:
                assert (marker in body) is (category in expected), (role, purpose, category)


@pytest.mark.django_db
@pytest.mark.parametrize("role", [*_roles(), "anonymous"])
def test_access_log_only_for_those_answering_requests(
    subject: tuple[dict[str, Any], str], make_staff: Any, role: str
) -> None:
    _record, cid = subject
    client = Client()
    allowed = False
    if role != "anonymous":
        client.force_login(make_staff(f"log-{role}", [role]))
        allowed = bool(decide(runtime.policy(), [role], "contact", "read", "rights_requests"))
    for url in ("/access-log/", f"/access-log/{cid}.csv", "/retention/", "/requests/"):
        status = client.get(url).status_code
        assert status == (302 if role == "anonymous" else 200 if allowed else 403), (role, url)


@pytest.mark.django_db
def test_public_and_staff_pages(make_staff: Any) -> None:
    anonymous = Client()
    assert anonymous.get("/login/").status_code == 200
    assert anonymous.get("/api/health").status_code == 200
    assert anonymous.get("/").status_code == 302
    for role in _roles():
        client = Client()
        client.force_login(make_staff(f"staff-{role}", [role]))
        assert client.get("/").status_code == 200


MANAGE_PAGES = ("/staff/", "/staff/new/", "/staff/{uid}/roles/", "/staff/texts/guidance/")


@pytest.mark.django_db
@pytest.mark.parametrize("role", [*_roles(), "anonymous"])
def test_staff_management_only_for_the_controller(make_staff: Any, role: str) -> None:
    target = make_staff("someone", ["customer_service"])
    client = Client()
    if role != "anonymous":
        client.force_login(make_staff(f"m-{role}", [role]))
    for page in MANAGE_PAGES:
        status = client.get(page.format(uid=target.pk)).status_code
        assert status == (302 if role == "anonymous" else 200 if role == "controller" else 403), (role, page)


@pytest.mark.django_db
def test_no_customer_data_before_the_declarations_are_accepted(
    subject: tuple[dict[str, Any], str], make_staff: Any
) -> None:
    from django.db import transaction

    from persondata.access.gate import missing_acknowledgements
    from persondata.access.staff import acknowledge, ensure_default_texts

    record, cid = subject
    with transaction.atomic():
        ensure_default_texts(NOW)
    user = make_staff("newcomer", ["controller"])
    client = Client()
    client.force_login(user)
    page = client.get(f"/customers/{cid}/", {"purpose": "rights_requests"})
    assert page.status_code == 403 and b"/staff/declarations/" in page.content
    assert record["email"].encode() not in page.content
    token = create_token(user, "t", NOW)
    api = client.get(
        f"/api/customers/{cid}", {"purpose": "rights_requests"}, HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert api.status_code == 403 and record["email"].encode() not in api.content
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main(["customers", "show", cid, "--user", "newcomer", "--purpose", "rights_requests"]) == 3
    with transaction.atomic():
        for text in missing_acknowledgements(user):
            acknowledge(user, text, NOW)
    assert (
        record["email"].encode() in client.get(f"/customers/{cid}/", {"purpose": "rights_requests"}).content
    )


AGREEMENT_PAGES = ("/partners/agreements/", "/partners/agreements/accounting/", "/partners/disclosures/")


@pytest.mark.django_db
@pytest.mark.parametrize("role", [*_roles(), "anonymous"])
def test_processor_agreements_only_for_who_manages_the_partners(make_staff: Any, role: str) -> None:
    client, headers = Client(), {}
    allowed = role != "anonymous" and "manage_partners" in runtime.policy().roles[role].duties
    if role != "anonymous":
        user = make_staff(f"dpa-{role}", [role])
        client.force_login(user)
        headers = {"HTTP_AUTHORIZATION": f"Bearer {create_token(user, 'dpa', NOW)}"}
    for page in AGREEMENT_PAGES:
        status = client.get(page).status_code
        assert status == (302 if role == "anonymous" else 200 if allowed else 403), (role, page)
    status = Client().get("/api/partners/agreements", **headers).status_code
    assert status == (401 if role == "anonymous" else 200 if allowed else 403), role
    if role != "anonymous":
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            code = main(["partners", "agreements", "--user", f"dpa-{role}"])
        assert code == (0 if allowed else 3), role


@pytest.mark.django_db
@pytest.mark.parametrize("role", [*_roles(), "anonymous"])
def test_the_it_systems_only_for_who_keeps_them(make_staff: Any, role: str) -> None:
    client = Client()
    allowed = role != "anonymous" and "manage_systems" in runtime.policy().roles[role].duties
    if role != "anonymous":
        client.force_login(make_staff(f"sys-{role}", [role]))
    for page in ("/systems/", "/systems/heat-map.svg", "/systems/persondata/"):
        status = client.get(page).status_code
        assert status == (302 if role == "anonymous" else 200 if allowed else 403), (role, page)
    if role != "anonymous":
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            code = main(["systems", "list", "--user", f"sys-{role}"])
        assert code == (0 if allowed else 3), role
