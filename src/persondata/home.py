"""Where an installation keeps its files: the database, the master key, the Django secret.

The home directory is ``$PERSONDATA_HOME`` or ``./var`` (settings.py reads the variable and passes it in).
Secrets are created on first use with owner-only permissions (0600), never printed and never stored in the
database.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

#: what this process creates is its owner's only: files 0600, directories 0700
PRIVATE_UMASK = 0o077


def home_dir(configured: str | None) -> Path:
    """``configured`` (``$PERSONDATA_HOME``, read by settings.py) or ``./var``, created 0700 if missing.

    Every process of the product passes here first (settings.py), so this is where it stops the files it writes
    from being readable by other users of the machine: the database with its WAL and SHM (SQLite gives them the
    database's mode), the keys, the deletion ledger, errors files, the benchmark's cache.
    """
    os.umask(PRIVATE_UMASK)
    home = Path(configured or Path.cwd() / "var").resolve()
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    return home


def make_private(home: Path) -> int:
    """Take the group's and others' permissions off the home and everything in it that this user owns: files
    written before the umask was set (an older version created the database 0644). The number changed."""
    changed = 0
    uid = os.getuid()
    paths = [home, *home.rglob("*")]
    for path in paths:
        try:
            st = path.lstat()
        except FileNotFoundError:  # removed meanwhile (a WAL file at a checkpoint)
            continue
        if st.st_uid != uid or stat.S_ISLNK(st.st_mode) or not st.st_mode & 0o077:
            continue
        path.chmod(stat.S_IMODE(st.st_mode) & 0o700)
        changed += 1
    return changed


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
