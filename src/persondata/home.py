"""Where an installation keeps its files: the database, the master key, the Django secret.

The home directory is ``$PERSONDATA_HOME`` or ``./var`` (settings.py reads the variable and passes it in).
Secrets are created on first use with owner-only permissions (0600), never printed and never stored in the
database.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path


def home_dir(configured: str | None) -> Path:
    """``configured`` (``$PERSONDATA_HOME``, read by settings.py) or ``./var``, created 0700 if missing."""
    home = Path(configured or Path.cwd() / "var").resolve()
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    return home


def write_private(path: Path, data: bytes) -> None:
    """Create ``path`` with mode 0600 atomically; fail if it already exists (never overwrite a key)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def ensure_secret(path: Path, nbytes: int = 48) -> str:
    if not path.exists():
        with contextlib.suppress(FileExistsError):  # another process created it first
            write_private(path, secrets.token_urlsafe(nbytes).encode())
    return path.read_text().strip()
