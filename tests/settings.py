"""Test settings: the production settings, with a throw-away home (master key, secret) per test session.

The variables only the test suite reads are read here, and listed in docs/configuration.md ("for the test suite").
"""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

os.environ.setdefault("PERSONDATA_HOME", tempfile.mkdtemp(prefix="persondata-test-"))

from persondata.settings import *  # noqa: F403

# Argon2 stays the hasher (it is what production uses); its cost is small enough for tests.

WHITENOISE_USE_FINDERS = True  # serve app static files without running collectstatic first
STATIC_ROOT.mkdir(exist_ok=True)  # noqa: F405 - whitenoise warns on every request otherwise

# CI=true: the PostgreSQL run and the browser tests are mandatory (a missing Chromium fails instead of skipping)
TEST_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
# the Chromium the browser tests drive (Debian's package by default)
TEST_CHROMIUM = os.environ.get("PERSONDATA_CHROMIUM", "").strip() or "/usr/bin/chromium"

# The SQLite test database is a file, as in production (not Django's default, a shared-cache database in memory,
# where a second writer — the outbox's after-commit thread beside a page's write — fails at once with "table is
# locked" instead of waiting out the busy timeout): PERSONDATA_TEST_SQLITE (settings.py), or one in a new temporary
# directory. Its key store is a new file beside it, not the home's.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    if not DATABASES["default"]["TEST"]["NAME"]:  # noqa: F405
        _test_dir = Path(tempfile.mkdtemp(prefix="persondata-testdb-"))
        atexit.register(shutil.rmtree, _test_dir, ignore_errors=True)
        DATABASES["default"]["TEST"]["NAME"] = str(_test_dir / "test.sqlite3")  # noqa: F405
    _test_db = Path(DATABASES["default"]["TEST"]["NAME"])  # noqa: F405
    PERSONDATA_KEY_STORE_FILE = _test_db.with_name(_test_db.name + "-keys")
    PERSONDATA_KEY_STORE_FILE.unlink(missing_ok=True)  # Django creates the test database anew: its keys too
