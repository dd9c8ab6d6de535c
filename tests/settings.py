"""Test settings: the production settings, with a throw-away home (master key, secret) per test session.

The variables only the test suite reads are read here, and listed in docs/configuration.md ("for the test suite").
"""

import os
import tempfile

os.environ.setdefault("PERSONDATA_HOME", tempfile.mkdtemp(prefix="persondata-test-"))

from persondata.settings import *  # noqa: F403

# Argon2 stays the hasher (it is what production uses); its cost is small enough for tests.

WHITENOISE_USE_FINDERS = True  # serve app static files without running collectstatic first
STATIC_ROOT.mkdir(exist_ok=True)  # noqa: F405 - whitenoise warns on every request otherwise

# CI=true: the PostgreSQL run and the browser tests are mandatory (a missing Chromium fails instead of skipping)
TEST_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
# the Chromium the browser tests drive (Debian's package by default)
TEST_CHROMIUM = os.environ.get("PERSONDATA_CHROMIUM", "").strip() or "/usr/bin/chromium"
