"""``makemessages`` leaves nothing untranslated: every string the code marks for translation has its Danish.

The source tree is copied to a temporary folder and ``django-admin makemessages -l da`` run there, as a developer
would run it; then every Danish catalogue (the project's and each app's own ``locale/``) is read with
``msgfmt --statistics``: no untranslated and no fuzzy entry. The committed catalogues are also compared with what
makemessages writes, so that a string marked in the code but never extracted fails here too.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
CATALOGUES = sorted(p.relative_to(SRC) for p in SRC.glob("persondata/**/locale/da/LC_MESSAGES/django.po"))


def _statistics(po: Path) -> str:
    done = subprocess.run(
        ["msgfmt", "--statistics", "-o", os.devnull, str(po)], capture_output=True, text=True, check=True
    )
    return done.stderr.strip()


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("xgettext") is None or shutil.which("msgfmt") is None:
        pytest.fail("GNU gettext (xgettext, msgmerge, msgfmt) is needed: apt-get install -y gettext")
    root = tmp_path_factory.mktemp("messages")
    shutil.copytree(SRC, root / "src", ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    env = {**os.environ, "PYTHONPATH": f"{root / 'src'}{os.pathsep}{SRC.parent}"}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "django",
            "makemessages",
            "-l",
            "da",
            "--no-location",
            "--no-obsolete",
            "--settings=tests.settings",
        ],
        cwd=root / "src" / "persondata",
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return root / "src"


def test_there_are_catalogues() -> None:
    assert len(CATALOGUES) >= 6, CATALOGUES


@pytest.mark.parametrize("po", CATALOGUES, ids=str)
def test_makemessages_leaves_nothing_untranslated_or_fuzzy(made: Path, po: Path) -> None:
    stats = _statistics(made / po)
    assert re.fullmatch(r"\d+ translated messages?\.", stats), f"{po}: {stats}"


def test_no_catalogue_appears_beside_the_known_ones(made: Path) -> None:
    """A string in a package without its own locale/ goes to the project's catalogue, never a new stray one."""
    assert sorted(
        p.relative_to(made) for p in made.glob("persondata/**/locale/da/LC_MESSAGES/django.po")
    ) == (CATALOGUES)
