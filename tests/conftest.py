"""Shared fixtures: real databases (SQLite or PostgreSQL, chosen by PERSONDATA_DATABASE_URL), real Chromium."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from persondata import demo, runtime
from persondata.access.models import StaffProfile
from persondata.register.importer import import_files

# Property-based tests (hypothesis): a short run in `make test`; `pytest --hypothesis-profile=long` for a long one
# (docs/development.md). No deadline: on a shared machine one example's time says nothing.
hypothesis_settings.register_profile(
    "persondata", max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.register_profile(
    "long", max_examples=20_000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("persondata")

# The suite reads the command's messages in English, whatever the machine's locale (the command chooses its language
# from the environment: persondata.cli.choose_language); tests/test_cli_languages.py runs it in both languages.
os.environ["LANGUAGE"] = "en"

CI = django_settings.TEST_CI  # read by tests/settings.py, like every variable (docs/configuration.md)
CHROMIUM = django_settings.TEST_CHROMIUM
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
TODAY = date(2026, 11, 25)


STATIC_SCRIPT = '<script src="/static/web/typeahead.js" defer></script>'


def no_inline_script(html: str) -> bool:
    """The page runs no inline script: its only script, if any, is the static type-ahead file, empty between its
    tags (the CSP forbids inline scripts; tests/web/test_pages.py)."""
    return html.replace(STATIC_SCRIPT, "").count("<script") == 0


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def make_staff(db: None) -> Callable[..., Any]:
    def make(username: str, roles: list[str], password: str = "a-long-test-password") -> Any:
        user = get_user_model().objects.create_user(username, password=password)
        StaffProfile.objects.create(user=user, roles=roles)
        return user

    return make


@pytest.fixture
def controller(make_staff: Callable[..., Any]) -> Any:
    return make_staff("controller", ["controller"])


def record_complete_agreements(keys: Any = None, *, country: str = "DK", **extra: Any) -> None:
    """A complete, current processor agreement (every Art. 28(3) clause, a PDF) for these partners (default:
    every partner of the installation's policy), written directly: the tests of other things need partners that
    may receive data. tests/partners tests the recording itself through its services."""
    from persondata.core.agreements import CLAUSES
    from persondata.partners.models import ProcessorAgreement

    for key in keys if keys is not None else [p.key for p in runtime.policy().partners]:
        ProcessorAgreement.objects.update_or_create(
            partner_key=key,
            defaults={
                "signed_on": date(2026, 1, 5),
                "version": "1",
                "next_review": date(2036, 1, 5),
                "country": country,
                "clauses": sorted(CLAUSES),
                "document_blob": b"sealed",
                "wrapped_key": b"wrapped",
                "created_at": NOW,
                "updated_at": NOW,
                **extra,
            },
        )


@pytest.fixture
def complete_agreements(db: None) -> None:
    record_complete_agreements()


@pytest.fixture
def demo_files(tmp_path: Path) -> Callable[..., Path]:
    def write(n: int = 20, seed: int = 7) -> Path:
        return demo.write_jsonl(
            demo.customers(n, seed=seed, today=TODAY), tmp_path / f"demo-{n}-{seed}.jsonl"
        )

    return write


@pytest.fixture
def demo_customers(db: None, demo_files: Callable[..., Path]) -> list[dict[str, Any]]:
    """20 synthetic customers imported through the real import path; returns their source records."""
    path = demo_files(20)
    report = import_files([path], now=NOW)
    assert report.status == "done", report.errors
    return list(demo.customers(20, seed=7, today=TODAY))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--full", action="store_true", help="also run the long load, crash and fuzzing runs (marker 'full')"
    )
    parser.addoption(
        "--database-only",
        action="store_true",
        help="only the tests that use the database (the PostgreSQL run of `make test`: the rest ran on SQLite)",
    )


#: the fixtures of pytest-django that give a test the database
DATABASE_FIXTURES = frozenset(
    {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback"}
)


def uses_the_database(item: pytest.Item) -> bool:
    """Does the test reach the configured database: through a fixture or marker of pytest-django, or from a
    subprocess given a database of its own (tests.clitools: ``own_database``, ``ON_POSTGRES``)?"""
    if item.get_closest_marker("django_db") or DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())):
        return True
    module = getattr(item, "module", None)
    return hasattr(module, "own_database") or hasattr(module, "ON_POSTGRES")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`make test` runs the short version of each long run; the `full` ones need `--full` (`make test-full`).
    With `--database-only` the tests that use no database are left out (they ran in the SQLite run), but for those
    marked `second_job`: the SQLite run leaves those out (``-m "not second_job"``) and the PostgreSQL run takes them,
    so that the two runs of `make test`, side by side, end at about the same time; and those marked `any_database`
    (what pages say) ran in the SQLite run."""
    if config.getoption("--database-only"):
        left_out = [
            item
            for item in items
            if "any_database" in item.keywords
            or not (uses_the_database(item) or "second_job" in item.keywords)
        ]
        if left_out:
            config.hook.pytest_deselected(items=left_out)
            chosen = set(map(id, left_out))
            items[:] = [item for item in items if id(item) not in chosen]
    if config.getoption("--full"):
        return
    skip = pytest.mark.skip(reason="a long run: `make test-full` (pytest --full) runs it")
    for item in items:
        if "full" in item.keywords:
            item.add_marker(skip)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """After each test, before its fixtures are torn down: let the outbox's deliveries persondata starts after a
    commit (e-mail to requesters, webhooks to partners) finish, so none writes while the test database is reset."""
    yield
    from persondata.jobs.outbox import wait_for_outbox

    wait_for_outbox()


@pytest.fixture(autouse=True)
def _access_log_emptied(request: pytest.FixtureRequest, django_db_blocker: Any) -> Iterator[None]:
    """After a test that commits (transactional or live server): empty the access log. Its table is not managed
    by Django (persondata.access.log_store), so the database flush between such tests leaves it as it was."""
    yield
    marker = request.node.get_closest_marker("django_db")
    commits = {"transactional_db", "live_server"} & set(request.fixturenames) or (
        marker is not None and marker.kwargs.get("transaction")
    )
    if commits:
        from persondata.access.models import AccessLog

        with django_db_blocker.unblock():
            AccessLog.objects.all().delete()


@pytest.fixture(autouse=True)
def _fresh_runtime() -> Iterator[None]:
    runtime.reset()
    runtime.create_vault()  # as `persondata init` does on a new installation
    yield
    runtime.reset()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """A real headless Chromium (Debian's package) driven by Playwright; mandatory in CI."""
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        if CI:
            pytest.fail(
                f"Chromium is required in CI but {CHROMIUM} is missing; run 'make test' to install it"
            )
        pytest.skip("Chromium is not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = (
        "true"  # Playwright's sync API runs an event loop in this thread
    )
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield b
        b.close()
