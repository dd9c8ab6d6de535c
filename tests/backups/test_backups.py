"""``persondata backup`` and the checks of ``persondata restore`` (issue 12), on SQLite and PostgreSQL: the
manifest; a corrupted, truncated, wrong-key, missing-key or foreign file is refused with a clear message and
nothing is changed; pruning destroys the keys of old backups; the gate; the drill in the half-yearly control."""

from __future__ import annotations

import io
import json
import os
import stat
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.utils import translation

from persondata import runtime
from persondata.backups import container, service
from persondata.backups.gate import ServeGate, refusal
from persondata.backups.models import Drill, ReplayPending
from persondata.backups.restore import RestoreError, restore
from persondata.cli import main
from persondata.governance import evidence
from persondata.keys import store
from persondata.register.models import Customer
from tests.clitools import english_in
from tests.conftest import NOW

pytestmark = pytest.mark.django_db


#: a backup copies what is committed (SQLite's backup API cannot read a database its own connection is writing):
#: these tests commit, and empty the key store afterwards (Django's flush empties the rest)
committed = pytest.mark.django_db(transaction=True)


@pytest.fixture
def empty_key_store_after() -> Iterator[None]:
    yield
    with transaction.atomic(), connection.cursor() as cur:
        for table in (store.DATA_KEY, store.OWN_KEY):
            cur.execute(f"DELETE FROM {table}")


@pytest.fixture
def backup(empty_key_store_after: None, demo_customers: list[dict[str, Any]], tmp_path: Path) -> Path:
    result = service.take(now=NOW, actor="system", to=tmp_path / "b", keys_to=tmp_path / "k")
    return result.path


def _manifest(path: Path) -> dict[str, Any]:
    with path.open("rb") as f:
        return container.read_manifest(f)[0]


@committed
def test_a_backup_is_encrypted_and_carries_its_manifest(backup: Path, tmp_path: Path) -> None:
    m = _manifest(backup)
    assert m["format"] == container.FORMAT and m["created_at"] == NOW.isoformat()
    assert m["key"] == "backup:" + m["backup_id"].replace("-", "") and store.own_key(m["key"], "backup")
    assert set(m["counts"]) >= {"customer", "invoice", "retention_ledger", "audit_entry"}
    assert m["audit_head"]["seq"] >= 0 and set(m["ledger"]) == {"last_entry_id", "entries", "file_bytes"}
    assert len(m["checksum"]["sha256"]) == 64 and m["checksum"]["bytes"] > 0
    body = backup.read_bytes()
    assert b"SQLite format 3" not in body and b"PGDMP" not in body  # the dump itself is not readable
    assert (
        stat.S_IMODE(backup.stat().st_mode) == 0o600 and stat.S_IMODE(backup.parent.stat().st_mode) == 0o700
    )
    [keys] = (tmp_path / "k").iterdir()  # the key store, apart from the database's backup
    assert keys.name.startswith("keys-") and stat.S_IMODE(keys.stat().st_mode) == 0o600
    assert [p.name for p in backup.parent.iterdir()] == [backup.name]  # no temporary file left


def _corrupt(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-100] ^= 0x01
    path.write_bytes(bytes(data))


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:-1000])


def _cut_at_a_chunk(path: Path) -> None:  # the last part dropped whole: a copy interrupted between parts
    f = io.BytesIO(path.read_bytes())
    container.read_manifest(f)
    path.write_bytes(path.read_bytes()[: f.tell()])


def _wrong_key(path: Path) -> None:
    owner = _manifest(path)["key"]
    with transaction.atomic():
        store.put_own_key(owner, "backup", runtime.vault().new_data_key(owner, "backup").wrapped, NOW)


def _missing_key(path: Path) -> None:
    with transaction.atomic():
        store.destroy_own_key(_manifest(path)["key"], "backup")


def _not_a_backup(path: Path) -> None:
    path.write_bytes(b"SQLite format 3\x00" + bytes(100))


@committed
@pytest.mark.parametrize(
    ("damage", "words"),
    [
        (_corrupt, "damaged"),
        (_truncate, "truncated"),
        (_cut_at_a_chunk, "truncated"),
        (_wrong_key, "key does not open it"),
        (_missing_key, "no longer in the key store"),
        (_not_a_backup, "not a persondata backup"),
    ],
)
def test_a_damaged_or_unreadable_backup_is_refused_and_nothing_changes(
    backup: Path, damage: Any, words: str
) -> None:
    damage(backup)
    customers = Customer.objects.count()
    said = {}
    for lang in ("en", "da"):  # the reason in the reader's language
        with translation.override(lang), pytest.raises(RestoreError) as refused:
            restore(backup, now=NOW, actor="system")
        said[lang] = str(refused.value)
    assert words in said["en"] and "nothing was changed" in said["en"]
    assert "intet blev ændret" in said["da"] and not english_in(said["da"]), said["da"]
    assert Customer.objects.count() == customers and not ReplayPending.objects.exists()
    assert not list(Path(settings.HOME).glob(".*.restore-*"))  # the temporary copy is gone


def test_the_command_names_a_missing_file(controller: Any, tmp_path: Path, capsys: Any) -> None:
    assert main(["--lang", "en", "restore", str(tmp_path / "none.pdbak"), "--user", "controller"]) == 2
    assert "there is no backup file at" in capsys.readouterr().err


@committed
def test_pruning_destroys_old_backups_and_their_keys(
    empty_key_store_after: None, demo_customers: Any, tmp_path: Path
) -> None:
    days = runtime.policy().backups
    old = service.take(
        now=NOW - timedelta(days=days.database_retention_days + 1), actor="system", to=tmp_path
    )
    keep = service.take(now=NOW, actor="system", to=tmp_path)
    copy = tmp_path / "elsewhere.pdbak"
    copy.write_bytes(old.path.read_bytes())  # a copy kept somewhere else
    stale = tmp_path / ".persondata-x.tmp"  # what a killed backup leaves
    stale.write_bytes(b"x")
    keys_dir = service.key_backups_dir()
    old_keys = keys_dir / "keys-20000101T000000Z-00000000.sqlite3"
    old_keys.write_bytes(b"x")
    os.utime(stale, (0, 0))
    with transaction.atomic():
        counts = service.prune(now=NOW, actor="system", to=tmp_path)
    assert counts["database_backups"] == 1 and counts["backup_keys"] >= 1 and counts["temporary_files"] == 1
    assert counts["key_store_backups"] >= 1 and not old_keys.exists()
    assert not old.path.exists() and keep.path.exists() and not stale.exists()
    with translation.override("en"), pytest.raises(RestoreError, match="no longer in the key store"):
        restore(copy, now=NOW, actor="system")  # its key was rotated out: no copy of it can be read
    assert service.newest(tmp_path) == keep.path


def test_a_database_waiting_for_its_ledger_replay_is_served_and_read_by_nothing(
    controller: Any, capsys: Any
) -> None:
    seen: list[str] = []
    gate = ServeGate(lambda environ, start: [start("200 OK", []) or b"ok"])  # type: ignore[func-returns-value]
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/api/health"}
    assert refusal(now=NOW) is None and b"".join(gate(environ, lambda s, h: seen.append(s))) == b"ok"
    with transaction.atomic():
        ReplayPending.objects.create(
            backup_id=controller.pk and "0" * 32, backup_created_at=NOW, restored_at=NOW
        )
    gate = ServeGate(gate.app)
    # in the site's language (Danish), or the browser's
    body = b"".join(gate(environ, lambda s, h: seen.append(s))).decode()
    assert seen[-1].startswith("503") and "persondata restore --resume" in body
    assert "slettelog er endnu ikke gennemført" in body and not english_in(body), body
    english = {**environ, "HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.8"}
    body = b"".join(gate(english, lambda s, h: seen.append(s))).decode()
    assert seen[-1].startswith("503") and "deletion ledger has not been replayed" in body
    assert main(["--lang", "en", "customers", "find", "x", "--user", "controller"]) == 2
    assert "deletion ledger has not been replayed" in capsys.readouterr().err
    assert main(["--lang", "da", "customers", "find", "x", "--user", "controller"]) == 2
    said = capsys.readouterr().err
    assert "slettelog er endnu ikke gennemført" in said and not english_in(said), said
    assert main(["restore", "--resume", "--json", "--user", "controller"]) == 0
    assert json.loads(capsys.readouterr().out)["audit_ok"] is True and not ReplayPending.objects.exists()
    assert refusal(now=NOW) is None


def test_the_control_shows_the_last_drill_and_flags_none_in_six_months() -> None:
    def item() -> dict[str, Any]:
        return next(i for i in evidence.backup_items(NOW) if i["key"] == "restore_drills")

    assert item()["status"] == "finding"
    with transaction.atomic():
        Drill.objects.create(at=NOW - timedelta(days=190), ok=True, seconds=1, actor="system")
    assert item()["status"] == "finding" and {"msg": "no_drill", "months": 6} in item()["refs"]
    with transaction.atomic():
        Drill.objects.create(at=NOW - timedelta(days=10), ok=True, seconds=1, actor="system")
    assert item()["status"] == "ok" and item()["refs"] == [
        {"msg": "drill_passed", "day": (NOW - timedelta(days=10)).date().isoformat()}
    ]
    with transaction.atomic():
        Drill.objects.create(at=NOW - timedelta(days=1), ok=False, seconds=1, actor="system", problem="x")
    assert item()["status"] == "finding"
