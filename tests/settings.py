"""Test settings: the production settings, with a throw-away home (master key, secret) per test session."""

import os
import tempfile

os.environ.setdefault("PERSONDATA_HOME", tempfile.mkdtemp(prefix="persondata-test-"))

from persondata.settings import *  # noqa: F403

# Argon2 stays the hasher (it is what production uses); its cost is small enough for tests.

WHITENOISE_USE_FINDERS = True  # serve app static files without running collectstatic first
STATIC_ROOT.mkdir(exist_ok=True)  # noqa: F405 - whitenoise warns on every request otherwise
