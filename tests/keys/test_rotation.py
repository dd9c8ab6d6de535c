"""Key rotation (issue 12): ``persondata keys rotate`` re-wraps every data key under a new master key, resumably.

A real ``persondata keys rotate`` is killed (SIGKILL) half-way; meanwhile both keys work; a second run completes
it; then every wrapped key is under the new key, every customer reads, the audit chain verifies, the old key file
is retired and opens nothing, and the new key is in neither the database nor the key store.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from persondata import runtime
from persondata.core.vault import Vault, load_or_create_master_key, write_key_file
from tests.clitools import ON_POSTGRES, cli_env, own_database, persondata, spawn

#: run in the installation's own process: every customer's contact opened, every wrapped key unwrapped
_READ_ALL = """
import django
django.setup()
from persondata import runtime
from persondata.cli.keys import WRAPPED_COLUMNS
from persondata.core import sealing
from persondata.keys import ring, rotation, store
from persondata.rawsql import fetch
from persondata.register.models import RELEVANCE, Customer

read = 0
for c in Customer.objects.exclude(contact_blob=None):
    record = ring.CustomerKeys(c.id).open(RELEVANCE, c.contact_blob, sealing.contact(c.id))
    assert record and "@" in record["email"], c.id
    read += 1
vault = runtime.vault()
for owner, klass, wrapped in fetch(f"SELECT owner, klass, wrapped FROM {store.OWN_KEY}"):
    vault.unwrap(bytes(wrapped), owner, klass)
for column in WRAPPED_COLUMNS:
    for ident, wrapped in fetch(f"SELECT {column.owner_column}, {column.wrapped} FROM {column.table}"):
        if wrapped is not None:
            vault.unwrap(bytes(wrapped), column.owner(ident), column.klass)
print(read, *rotation.counts(vault, WRAPPED_COLUMNS))
"""


def _read_all(env: dict[str, str]) -> tuple[int, int, int]:
    out = subprocess.run(
        [sys.executable, "-c", _READ_ALL], env=env, capture_output=True, text=True, timeout=120, check=True
    ).stdout
    read, total, remaining = (int(x) for x in out.split())
    return read, total, remaining


@pytest.fixture
def home(tmp_path: Path) -> Iterator[tuple[dict[str, str], Path]]:
    home = tmp_path / "home"
    databases = own_database(home, "_rotate")
    try:
        env = cli_env(home, next(databases))
        persondata("init", "--demo", "40", env=env, timeout=300)
        persondata("staff", "accept", "--as", "controller", "--yes", "--language", "en", env=env)
        persondata(
            "partners", "endpoint-set", "invoicing", "--url", "https://example.invalid/hook", "--user",
            "controller", env=env,
        )  # fmt: skip
        yield env, home
    finally:
        databases.close()


def _kill_half_way(env: dict[str, str]) -> None:
    rotate = spawn(
        "keys", "rotate", "--user", "controller", "--chunk", "10", "--no-progress", "--chunk-pause", "0.5",
        env=env,
    )  # fmt: skip
    assert rotate.stdout is not None
    chunks = 0
    try:
        for line in rotate.stdout:
            chunks += "chunk committed" in line
            if chunks == 3:
                break
    finally:
        rotate.send_signal(signal.SIGKILL)
        rotate.wait(timeout=30)
    assert chunks == 3 and rotate.returncode == -signal.SIGKILL


@pytest.mark.slow
def test_a_rotation_killed_half_way_is_completed_by_running_it_again(
    home: tuple[dict[str, str], Path],
) -> None:
    env, home_dir = home
    key = home_dir / "master.key"
    old = load_or_create_master_key(key, create=False)
    read, total, _ = _read_all(env)
    assert read >= 20 and total > 40

    _kill_half_way(env)
    pending = home_dir / "master.key.new"
    assert pending.stat().st_mode & 0o777 == 0o600
    assert load_or_create_master_key(key, create=False) == old, "the old key is retired only at the end"
    # half-way: some keys under each master key, and both keys in use — every customer still reads
    assert _read_all(env) == (read, total, total - 30)
    status = persondata("keys", "status", env=env).stdout
    assert f"{total - 30:,} wrapped keys still under the old key" in status
    assert persondata("audit", "verify", env=env).returncode == 0

    done = persondata("keys", "rotate", "--user", "controller", "--no-progress", env=env).stdout
    assert "resuming the rotation" in done and f"30 of {total} wrapped keys already under the new key" in done
    assert not pending.exists()
    new = load_or_create_master_key(key, create=False)
    assert new.master != old.master and new.carried is not None
    assert _read_all(env) == (read, total, 0)
    assert "OK:" in persondata("audit", "verify", env=env).stdout  # the carried audit key: one unbroken chain
    retired = home_dir / f"master.key.retired-{Vault(old).key_id}"
    assert load_or_create_master_key(retired, create=False) == old
    shown = persondata("audit", "show", "--action", "keys.", env=env).stdout
    assert "keys.rotate" in shown and Vault(new).key_id in shown

    # the new key is in no other file of the home (the databases and their journals, the key store, logs);
    # the old key no longer opens this installation
    others = [f for f in home_dir.rglob("*") if f.is_file() and not f.name.startswith("master.key")]
    assert ON_POSTGRES or {"persondata.sqlite3", "keys.sqlite3"} <= {f.name for f in others}
    for other in others:
        data = other.read_bytes()
        assert new.master not in data and new.master.hex().encode() not in data, other
    kept = key.read_bytes()
    shutil.copy2(retired, key)
    refused = persondata("customers", "find", "x", "--user", "controller", env=env, check=False)
    assert refused.returncode == 2 and "is not the key this database was written with" in refused.stderr
    key.write_bytes(kept)

    # a wrong chunk size is refused before anything is made; a second rotation starts afresh
    bad = persondata("keys", "rotate", "--user", "controller", "--chunk", "0", env=env, check=False)
    assert bad.returncode == 2 and "--chunk must be at least 1" in bad.stderr
    assert not pending.exists()
    again = persondata("keys", "rotate", "--user", "controller", "--no-progress", env=env).stdout
    assert f"rotating: master key {Vault(new).key_id} -> " in again
    assert len(list(home_dir.glob("master.key.retired-*"))) == 2
    assert _read_all(env) == (read, total, 0)


def test_a_running_process_sees_a_rotation_begin_and_end(settings: Any, tmp_path: Path) -> None:
    """The vault is loaded again when the key file changes: a server keeps reading while another process rotates."""
    key = tmp_path / "master.key"
    settings.PERSONDATA_MASTER_KEY_FILE = str(key)
    runtime.reset()
    try:
        first = runtime.create_vault()
        assert runtime.vault() is first  # loaded once while nothing changes
        write_key_file(runtime.pending_key_file(), first.successor())
        during = runtime.vault()
        assert during.key_id != first.key_id and [k for k, _ in during.key_checks()][1] == first.key_id
        runtime.pending_key_file().replace(key)
        after = runtime.vault()
        assert after.key_id == during.key_id and len(after.key_checks()) == 1
    finally:
        runtime.reset()


def test_every_row_that_keeps_a_wrapped_key_is_rotated() -> None:
    """A model with its own wrapped key that ``keys rotate`` does not know would stay under the old key, and be
    unreadable once the old key is retired."""
    from django.apps import apps

    from persondata.cli.keys import WRAPPED_COLUMNS

    keeping = {
        m._meta.db_table
        for m in apps.get_models()
        for f in m._meta.get_fields()
        if f.name.endswith("wrapped_key")
    }
    assert keeping and keeping == {c.table for c in WRAPPED_COLUMNS}
