"""Running the real ``persondata`` command in a subprocess, against its own home and database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def cli_env(home: Path, database_url: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PERSONDATA_")}
    env["PERSONDATA_HOME"] = str(home)
    env["PERSONDATA_DATABASE_URL"] = database_url or f"sqlite:///{home / 'persondata.sqlite3'}"
    env["DJANGO_SETTINGS_MODULE"] = "persondata.settings"
    return env


def persondata(
    *args: str, env: dict[str, str], check: bool = True, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "persondata", *args], env=env, capture_output=True, text=True, timeout=timeout
    )
    if check and result.returncode != 0:
        raise AssertionError(f"persondata {' '.join(args)} exited {result.returncode}:\n{result.stderr}")
    return result


def spawn(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "persondata", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
