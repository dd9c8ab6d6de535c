"""Each named permission × each role × the web, the API and the CLI.

The shipped policy gives every duty to the data controller, so a test on it could not tell one duty from another.
Here the duties are spread over the roles, one role per duty (and none for some roles), and every entry point whose
rule in ``test_matrix.RULES`` / ``CLI_RULES`` is a named permission is tried by every role: a role holding the duty
gets past the check (any answer but a refusal), a role without it is refused — 403 on the web and the API, exit
code 3 on the CLI — and the refusal is in the audit trail with the code ``no_duty``. A view that forgot its check,
or checked a stand-in, fails here.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from persondata import runtime
from persondata.access import permissions
from persondata.api.tokens import create_token
from persondata.audit.models import AuditEntry
from persondata.cli import build_parser, main
from persondata.core.policy import DUTIES
from tests.authz.test_matrix import CLI_RULES, RULES
from tests.conftest import NOW

#: Who holds what in the test policy: one role per duty, so each duty is told apart from the others.
SPREAD = {
    "controller": ["manage_staff", "adopt_policy"],
    "customer_service": ["handle_requests"],
    "accounting": ["manage_retention", "read_access_log", "run_control"],
    "it_admin": ["manage_partners", "manage_breaches", "manage_systems", "manage_backups"],
}


def test_the_spread_covers_every_duty_and_the_rules_name_only_duties_that_exist() -> None:
    assert sorted(d for duties in SPREAD.values() for d in duties) == sorted(DUTIES)
    assert set(permissions.LABELS) == set(DUTIES)
    named = {v for v in [*RULES.values(), *CLI_RULES.values()] if v in DUTIES}
    assert named == set(DUTIES), "every duty guards at least one entry point"


@pytest.fixture
def spread_policy(settings: Any, tmp_path: Path) -> Iterator[None]:
    source = Path(runtime.policy().source).read_text(encoding="utf-8")
    source = re.sub(r"(?ms)^duties = \[.*?\]\n", "", source)
    for role, duties in SPREAD.items():
        header = f"[roles.{role}]\n"
        assert header in source
        source = source.replace(header, f"{header}duties = {duties!r}\n".replace("'", '"'))
    path = tmp_path / "policy.toml"
    path.write_text(source, encoding="utf-8")
    settings.PERSONDATA_POLICY_FILE = str(path)
    runtime.reset()
    assert {r: sorted(runtime.policy().roles[r].duties) for r in SPREAD} == {
        r: sorted(d) for r, d in SPREAD.items()
    }
    yield
    runtime.reset()


def _holds(role: str, duty: str) -> bool:
    return duty in SPREAD[role]


def _refusals() -> int:
    return sum(
        1 for e in AuditEntry.objects.filter(action="access.refused") if e.details.get("code") == "no_duty"
    )


# -- web -------------------------------------------------------------------------------------------------------
_DUMMY = {
    "UUIDConverter": str(uuid.UUID(int=1)),
    "IntConverter": 999999,
    "SlugConverter": "accounting",
    "StringConverter": "csv",
}


def _web_patterns(patterns: list[Any], namespace: str = "") -> Iterator[tuple[str, URLPattern]]:
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}:{p.namespace}" if namespace and p.namespace else (p.namespace or namespace)
            if ns != "api":
                yield from _web_patterns(p.url_patterns, ns)
        elif isinstance(p, URLPattern):
            yield (f"{namespace}:{p.name}" if namespace else str(p.name)), p


def _web_url(name: str, pattern: URLPattern) -> str:
    kwargs = {k: _DUMMY[type(c).__name__] for k, c in pattern.pattern.converters.items()}
    if name == "staff:publish":
        kwargs["kind"] = "guidance"
    return reverse(name, kwargs=kwargs)


WEB = sorted((n, RULES[n]) for n, _ in _web_patterns(get_resolver().url_patterns) if RULES.get(n) in DUTIES)


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(SPREAD))
def test_web_pages_check_their_named_permission(spread_policy: None, make_staff: Any, role: str) -> None:
    patterns = dict(_web_patterns(get_resolver().url_patterns))
    client = Client()
    client.force_login(make_staff(f"web-{role}", [role]))
    for name, duty in WEB:
        url = _web_url(name, patterns[name])
        before = _refusals()
        response = client.get(url)
        if response.status_code == 405:
            response = client.post(url, {})
        refused = response.status_code == 403
        assert refused is not _holds(role, duty), (role, name, duty, response.status_code)
        assert _refusals() - before == (1 if refused else 0), (role, name, "a refusal is audited once")


@pytest.mark.django_db
def test_web_pages_send_an_anonymous_visitor_to_the_login(spread_policy: None) -> None:
    patterns = dict(_web_patterns(get_resolver().url_patterns))
    for name, _duty in WEB:
        response = Client().get(_web_url(name, patterns[name]))
        assert response.status_code in (302, 405), name
        if response.status_code == 302:
            assert "/login/" in response["Location"], name


# -- API -------------------------------------------------------------------------------------------------------
def _example(schema: dict[str, Any], spec: dict[str, Any]) -> Any:
    """A minimal value the schema accepts: the API validates a body before the operation checks who calls."""
    if "$ref" in schema:
        return _example(spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]], spec)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            return _example(schema[key][0], spec)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type", "object")
    if kind == "object":
        props = schema.get("properties", {})
        return {name: _example(props[name], spec) for name in schema.get("required", [])}
    if kind == "array":
        return [_example(schema.get("items", {}), spec) for _ in range(schema.get("minItems", 0))]
    if kind in ("integer", "number"):
        return max(1, schema.get("minimum", 1))
    if kind == "boolean":
        return False
    return {"date": "2026-01-01", "date-time": "2026-01-01T00:00:00Z", "uuid": str(uuid.UUID(int=1))}.get(
        schema.get("format", ""), "x" * max(1, schema.get("minLength", 1))
    )


def _form_example(schema: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    props = schema.get("properties", {})
    return {
        name: SimpleUploadedFile("evidence.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
        if props[name].get("format") == "binary"
        else _example(props[name], spec)
        for name in schema.get("required", [])
    }


def _api_operations(client: Client) -> list[tuple[str, str, str, str]]:
    """(rule name, method, path with dummy ids, body) for every API operation guarded by a named permission."""
    schema = client.get("/api/openapi.json").json()
    found = []
    api_rules = {k[4:]: k for k in RULES if k.startswith("api:")}
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            op_id = operation["operationId"]
            name = api_rules[max((k for k in api_rules if op_id.endswith("_" + k)), key=len)]
            if RULES[name] in DUTIES:
                content = operation.get("requestBody", {}).get("content", {})
                form = content.get("multipart/form-data")
                body = content.get("application/json", {})
                data: Any = json.dumps(_example(body["schema"], schema) if body else {})
                if form is not None:  # an upload: its form fields, a small file for each binary one
                    data = _form_example(form["schema"], schema)
                ids = {
                    p["name"]: _example(p["schema"], schema)
                    if "enum" in p["schema"] or "$ref" in p["schema"]
                    else "999999"
                    if p["schema"].get("type") == "integer"
                    else str(uuid.UUID(int=1))
                    for p in operation.get("parameters", [])
                    if p["in"] == "path"
                }
                found.append((name, method, path.format(**ids), data))
    return found


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(SPREAD))
def test_api_operations_check_their_named_permission(spread_policy: None, make_staff: Any, role: str) -> None:
    client = Client()
    operations = _api_operations(client)
    assert {n for n, *_ in operations} == {
        n for n, r in RULES.items() if n.startswith("api:") and r in DUTIES
    }
    token = create_token(make_staff(f"api-{role}", [role]), "permissions", NOW)
    for name, method, path, data in operations:
        duty = RULES[name]
        before = _refusals()
        auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        if method == "get":
            response = client.get(path, **auth)
        elif isinstance(data, dict):  # multipart: a fresh file each time (a file is read once)
            fresh = {
                k: SimpleUploadedFile(v.name, b"%PDF-1.4\n%%EOF\n", v.content_type)
                if hasattr(v, "read")
                else v
                for k, v in data.items()
            }
            response = client.post(path, fresh, **auth)
        else:
            response = client.generic(method.upper(), path, data, content_type="application/json", **auth)
        refused = response.status_code == 403
        assert refused is not _holds(role, duty), (role, name, duty, response.status_code, response.content)
        if refused:
            assert response["Content-Type"].startswith("application/json"), (role, name)
        assert _refusals() - before == (1 if refused else 0), (role, name, "a refusal is audited once")


# -- CLI -------------------------------------------------------------------------------------------------------
def _subparser(command: str) -> argparse.ArgumentParser:
    parser: Any = build_parser()
    for word in command.split():
        action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = action.choices[word]
    return parser  # type: ignore[no-any-return]


_CANDIDATES = (str(uuid.UUID(int=1)), "2026-01-01", "1", "x")


def _dummy(action: argparse.Action, tmp: Path) -> str:
    """A value the parser takes for ``action``: the checks behind it are not argparse's but the command's own."""
    if action.choices:
        return str(next(iter(action.choices)))
    for candidate in (str(tmp / "none"), *_CANDIDATES) if action.type is Path else _CANDIDATES:
        try:
            if action.type is not None:
                action.type(candidate)  # type: ignore[operator]
        except (ValueError, TypeError, argparse.ArgumentTypeError):
            continue
        return candidate
    raise AssertionError(f"no made-up value fits {action.dest}")


def _cli_args(command: str, login: str, tmp: Path) -> list[str]:
    """The command with a made-up value for each required argument, run as ``login``."""
    parser = _subparser(command)
    args = command.split()
    who = "--as" if command.startswith("staff ") else "--user"
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):  # optional actions (`backup` alone)
            continue
        if not action.option_strings and action.nargs != 0 and action.dest != "help":
            args.append(_dummy(action, tmp))
        elif action.required and action.option_strings[0] not in ("--user", "--as"):
            args += [action.option_strings[0], _dummy(action, tmp)]
    for group in parser._mutually_exclusive_groups:
        if group.required:
            first = group._group_actions[0]
            args += [first.option_strings[0]] + ([] if first.nargs == 0 else [_dummy(first, tmp)])
    return [*args, who, login]


CLI = sorted((c, d) for c, d in CLI_RULES.items() if d in DUTIES)


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(SPREAD))
def test_cli_commands_check_their_named_permission(
    spread_policy: None, make_staff: Any, role: str, tmp_path: Path
) -> None:
    make_staff(f"cli-{role}", [role])
    for command, duty in CLI:
        before = _refusals()
        err = io.StringIO()
        out = io.TextIOWrapper(io.BytesIO())  # some commands write bytes to sys.stdout.buffer
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(_cli_args(command, f"cli-{role}", tmp_path))
            except SystemExit as exc:  # argparse: a made-up value it refuses is still not a refusal of access
                code = int(exc.code or 0)
        refused = _refusals() > before
        assert refused is not _holds(role, duty), (role, command, duty, code, err.getvalue()[-300:])
        if refused:
            assert code == 3, (role, command, code)
            assert _refusals() - before == 1, (role, command, "a refusal is audited once")


def test_every_api_schema_has_a_name_of_its_own() -> None:
    """Two schemas of one name become one in the OpenAPI document: one operation then shows the other's body."""
    import ninja

    from persondata.api import endpoints  # noqa: F401 - every router and its schemas

    def subclasses(cls: type) -> list[type]:
        return [c for sub in cls.__subclasses__() for c in (sub, *subclasses(sub))]

    names: dict[str, set[str]] = {}
    for cls in subclasses(ninja.Schema):
        if cls.__module__.startswith("persondata."):
            names.setdefault(cls.__name__, set()).add(cls.__module__)
    assert {n: m for n, m in names.items() if len(m) > 1} == {}
