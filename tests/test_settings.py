"""Settings: every environment variable is read in settings.py, documented, checked, and used.

In the manner of Datasette's documentation tests: docs/configuration.md is parsed for the variables it documents,
settings.py (and, for the test suite's own, tests/settings.py) for the variables they read, and the two sets must
be equal both ways. No other module of the product reads the environment.
"""

from __future__ import annotations

import ast
import re
import runpy
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, override_settings
from django.urls import reverse

from persondata.access import account
from persondata.audit.models import AuditEntry

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "persondata"
SETTINGS = SRC / "settings.py"
TEST_SETTINGS = ROOT / "tests" / "settings.py"
DOC = ROOT / "docs" / "configuration.md"
READERS = frozenset({"_text", "_flag", "_whole"})  # settings.py's helpers: each reads one variable

# Modules other than settings.py that touch os.environ, each with the reason it may.
ALLOWED_ENVIRON = {
    "cli/__init__.py": "sets DJANGO_SETTINGS_MODULE before Django (and so settings.py) is loaded",
    "wsgi.py": "sets DJANGO_SETTINGS_MODULE before Django (and so settings.py) is loaded",
    "bench/__init__.py": "hands the environment on to its child processes, minus PERSONDATA_*; reads no value",
    "backups/dumps.py": "hands the environment on to pg_dump/psql and the drill's restore, minus PG*/PERSONDATA_*",
}


# -- parsing ---------------------------------------------------------------------------------------------------
def documented() -> dict[str, set[str]]:
    """The variables in docs/configuration.md's table, by part ("for the product", "for the test suite")."""
    parts: dict[str, set[str]] = {}
    part = ""
    for line in DOC.read_text().splitlines():
        if not line.startswith("| "):
            continue
        first = line.split("|")[1].strip()
        if heading := re.fullmatch(r"\*\*for the (.+)\*\*", first):
            part = heading.group(1)
            continue
        if name := re.fullmatch(r"`([A-Z][A-Z0-9_]*)`", first):
            assert part, f"{name.group(1)} stands before the table's first part"
            assert all(name.group(1) not in names for names in parts.values()), f"{name.group(1)} twice"
            parts.setdefault(part, set()).add(name.group(1))
    return parts


def _environ_reads(tree: ast.AST) -> set[str]:
    """Names read with ``os.environ.get("NAME")`` / ``os.getenv("NAME")``."""
    names = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and ast.unparse(node.func) in {"os.environ.get", "os.getenv"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            names.add(str(node.args[0].value))
    return names


def settings_reads() -> tuple[set[str], set[str]]:
    """(every variable settings.py reads, those it reads as whole numbers)."""
    tree = ast.parse(SETTINGS.read_text())
    read: set[str] = set()
    numbers: set[str] = set()
    outside_helpers = [n for n in tree.body if not (isinstance(n, ast.FunctionDef) and n.name in READERS)]
    for node in (n for top in outside_helpers for n in ast.walk(top)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in READERS:
            first = node.args[0]
            assert isinstance(first, ast.Constant), (
                f"line {node.lineno}: a variable's name must be written out"
            )
            read.add(str(first.value))
            if node.func.id == "_whole":
                numbers.add(str(first.value))
    # the environment itself is touched only inside _text, the one reader the other helpers use
    for fn in tree.body:
        inside = isinstance(fn, ast.FunctionDef) and fn.name == "_text"
        uses = {
            ast.unparse(n)
            for n in ast.walk(fn)
            if isinstance(n, ast.Attribute) and ast.unparse(n) == "os.environ"
        }
        assert inside or not uses, f"settings.py line {fn.lineno} reads os.environ outside _text"
    return read, numbers


def environ_users(path: Path) -> bool:
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "os":
            used = {node.attr}
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            used = {a.name for a in node.names}
        else:
            continue
        if used & {"environ", "environb", "getenv", "getenvb"}:
            return True
    return False


# -- the documentation and the code agree ----------------------------------------------------------------------
def test_the_documented_variables_are_the_variables_read() -> None:
    parts = documented()
    assert set(parts) == {"product", "test suite"}
    product_reads, _ = settings_reads()
    suite_reads = _environ_reads(ast.parse(TEST_SETTINGS.read_text()))
    read = product_reads | suite_reads
    written = parts["product"] | parts["test suite"]
    assert not read - written, f"read but not in docs/configuration.md: {sorted(read - written)}"
    assert not written - read, f"in docs/configuration.md but read by nobody: {sorted(written - read)}"
    # test-only variables are listed in the test suite's part, the product's in the product's
    assert parts["test suite"] == suite_reads | {n for n in product_reads if n.startswith("PERSONDATA_TEST_")}


def test_no_other_module_reads_the_environment() -> None:
    users = {
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if "migrations" not in path.parts and path != SETTINGS and environ_users(path)
    }
    assert users == set(ALLOWED_ENVIRON), (
        f"read the variable in settings.py and use django.conf.settings instead: {sorted(users - set(ALLOWED_ENVIRON))}"
        f"; allowed but no longer needed: {sorted(set(ALLOWED_ENVIRON) - users)}"
    )


# -- values are checked ------------------------------------------------------------------------------------------
@pytest.fixture
def load_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[..., dict[str, Any]]:
    """settings.py run afresh (not the loaded settings) with the given variables, in a throw-away home."""

    def load(**env: str) -> dict[str, Any]:
        with monkeypatch.context() as patch:
            patch.setenv("PERSONDATA_HOME", str(tmp_path))
            for name, value in env.items():
                patch.setenv(name, value)
            return runpy.run_path(str(SETTINGS))

    return load


def test_every_numeric_variable_is_checked(load_settings: Callable[..., dict[str, Any]]) -> None:
    _, numbers = settings_reads()
    assert "PERSONDATA_SESSION_MAX_AGE" in numbers and len(numbers) >= 8
    for name in sorted(numbers):
        for bad in ("8h", "-5", "1.5", "ten"):
            with pytest.raises(ImproperlyConfigured) as raised:
                load_settings(**{name: bad})
            message = str(raised.value)
            assert message.startswith(f"{name} is {bad!r}; set it to a whole number of "), message
            assert "or leave it unset" in message


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PERSONDATA_DEBUG": "maybe"}, "PERSONDATA_DEBUG is 'maybe'; set it to 1 (on) or 0 (off)"),
        ({"PERSONDATA_JOBS": "sometimes"}, "PERSONDATA_JOBS is 'sometimes'; set it to 1 (on) or 0 (off)"),
        ({"PERSONDATA_LOG_LEVEL": "loud"}, "PERSONDATA_LOG_LEVEL is 'LOUD'; set it to one of DEBUG, INFO"),
        (
            {"PERSONDATA_SMTP_URL": "mail.example.com"},
            "PERSONDATA_SMTP_URL must start with smtp:// or smtps://",
        ),
        ({"PERSONDATA_DATABASE_URL": "mysql://db/x"}, "PERSONDATA_DATABASE_URL has scheme 'mysql'"),
    ],
)
def test_a_bad_value_names_the_variable_and_the_fix(
    load_settings: Callable[..., dict[str, Any]], env: dict[str, str], message: str
) -> None:
    with pytest.raises(ImproperlyConfigured, match=re.escape(message)):
        load_settings(**env)


@pytest.mark.parametrize(
    ("env", "setting", "value"),
    [
        ({}, "PERSONDATA_SESSION_MAX_AGE", 8 * 3600),
        ({"PERSONDATA_SESSION_MAX_AGE": "600"}, "PERSONDATA_SESSION_MAX_AGE", 600),
        ({"PERSONDATA_SESSION_MAX_AGE": " 3600 "}, "PERSONDATA_SESSION_MAX_AGE", 3600),
        ({}, "PERSONDATA_JOBS", True),
        ({"PERSONDATA_JOBS": "0"}, "PERSONDATA_JOBS", False),
        ({"PERSONDATA_JOBS": "off"}, "PERSONDATA_JOBS", False),
        ({}, "PERSONDATA_WORKERS", 2),
        ({"PERSONDATA_WORKERS": "4"}, "PERSONDATA_WORKERS", 4),
        ({"PERSONDATA_BIND": "0.0.0.0:9000"}, "PERSONDATA_BIND", "0.0.0.0:9000"),
        ({}, "PERSONDATA_PUBLIC_URL", "http://127.0.0.1:8000"),
        ({"PERSONDATA_BIND": "127.0.0.1:8123"}, "PERSONDATA_PUBLIC_URL", "http://127.0.0.1:8123"),
        ({"PERSONDATA_BIND": "unix:/run/pd.sock"}, "PERSONDATA_PUBLIC_URL", "http://127.0.0.1:8000"),
        (
            {"PERSONDATA_BIND": "127.0.0.1:8123", "PERSONDATA_PUBLIC_URL": "https://shop.example.dk/"},
            "PERSONDATA_PUBLIC_URL",
            "https://shop.example.dk",
        ),
        ({}, "PERSONDATA_USER", None),
        ({"PERSONDATA_USER": "controller"}, "PERSONDATA_USER", "controller"),
        ({}, "PERSONDATA_PUBLIC_MAX_BODY", 65536),
        ({"PERSONDATA_PUBLIC_LIMIT_GLOBAL": "1000"}, "PERSONDATA_PUBLIC_LIMIT_GLOBAL", 1000),
        (
            {"PERSONDATA_DELETION_LEDGER": "/srv/ledger.jsonl"},
            "PERSONDATA_DELETION_LEDGER",
            "/srv/ledger.jsonl",
        ),
        ({"PERSONDATA_DEBUG": "1"}, "DEBUG", True),
        ({"PERSONDATA_LOG_LEVEL": "info"}, "LOG_LEVEL", "INFO"),
    ],
)
def test_variables_become_settings(
    load_settings: Callable[..., dict[str, Any]], env: dict[str, str], setting: str, value: object
) -> None:
    assert load_settings(**env)[setting] == value


def test_the_home_is_the_variable_read_by_settings(
    load_settings: Callable[..., dict[str, Any]], tmp_path: Path
) -> None:
    loaded = load_settings()
    assert loaded["HOME"] == tmp_path.resolve()
    assert loaded["PERSONDATA_MASTER_KEY_FILE"] == tmp_path.resolve() / "master.key"


# -- PERSONDATA_SESSION_MAX_AGE does what it says ---------------------------------------------------------------
@pytest.mark.django_db
def test_a_session_older_than_the_session_max_age_is_logged_out(
    load_settings: Callable[..., dict[str, Any]], make_staff: Callable[..., Any]
) -> None:
    limit = load_settings(PERSONDATA_SESSION_MAX_AGE="600")["PERSONDATA_SESSION_MAX_AGE"]
    make_staff("kirsten", ["customer_service"])
    client = Client()
    with override_settings(PERSONDATA_SESSION_MAX_AGE=limit):
        client.post(reverse("login"), {"username": "kirsten", "password": "a-long-test-password"})
        assert client.session[account.LOGIN_AT] <= int(time.time())
        session = client.session
        session[account.LOGIN_AT] = int(time.time()) - limit + 60  # 9 minutes in: still in
        session.save()
        page = client.get(reverse("dashboard"))
        assert not page.get("Location", "").startswith(reverse("login"))
        session = client.session
        session[account.LOGIN_AT] = int(time.time()) - limit - 1  # 10 minutes and a second: out
        session.save()
        page = client.get(reverse("dashboard"))
        assert page.status_code == 302 and page["Location"].startswith(reverse("login"))
        assert client.get(reverse("dashboard")).status_code == 302  # logged out, not just turned away once
    logout = AuditEntry.objects.filter(action="login.logout").order_by("seq").last()
    assert logout is not None and logout.details["reason"] == "session_limit"
