"""Master-key safety (issue 12): a missing, wrong or world-readable key is refused by ``init``, ``serve`` and
every command, with a message that names the fix; ``init`` never makes a key for a database that has data."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.utils import timezone, translation

from persondata import runtime
from persondata.core.vault import Vault
from persondata.keys.check import KeyCheckError, verify
from persondata.keys.models import KeyCheck
from tests.clitools import cli_env, own_database, persondata


def _refused(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


@pytest.fixture
def home(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[dict[str, str], Path]]:
    home = tmp_path / "home"
    databases = own_database(home, f"_keysafe_{request.node.name[-12:].lower()}")
    try:
        env = cli_env(home, next(databases))
        out = persondata("init", "--demo", "5", env=env, timeout=300).stdout
        assert (
            "key id " in out and "key store: " in out
        )  # where the key store is, and the key's fingerprint only
        assert (home / "master.key").read_text().split("\n")[1] not in out
        yield env, home / "master.key"
    finally:
        databases.close()


@pytest.mark.slow
def test_a_missing_wrong_or_world_readable_key_is_refused(
    home: tuple[dict[str, str], Path], tmp_path: Path
) -> None:
    env, key = home
    right = key.read_bytes()
    serve = ("serve", "--bind", "127.0.0.1:0")

    # world-readable: serve and a command refuse, naming the chmod
    key.chmod(0o644)
    _refused(persondata(*serve, env=env, check=False, timeout=60), "readable by others", f"chmod 600 {key}")
    _refused(persondata("customers", "find", "x", "--user", "controller", env=env, check=False), "chmod 600")
    key.chmod(0o600)

    # missing: init makes no new key for this database; serve and a command refuse, naming the backup
    key.rename(tmp_path / "kept.key")
    _refused(persondata("init", env=env, check=False, timeout=300), "is missing", "restore the key file")
    assert not key.exists(), "init created a new master key for a database that has data"
    _refused(persondata(*serve, env=env, check=False, timeout=60), "is missing", "restore it from its backup")
    (tmp_path / "kept.key").rename(key)

    # wrong: another installation's key is recognised by the check value the database recorded
    other = cli_env(tmp_path / "other")
    persondata("init", env=other, timeout=300)
    shutil.copy2(tmp_path / "other" / "master.key", key)
    for args in (serve, ("init",), ("customers", "find", "x", "--user", "controller")):
        _refused(
            persondata(*args, env=env, check=False, timeout=300), "is not the key this database was written"
        )
    key.write_bytes(right)
    key.chmod(0o600)
    assert persondata("audit", "verify", env=env, check=False).returncode == 0


@pytest.mark.django_db
def test_a_database_from_before_the_check_value_learns_it_only_from_the_right_key(
    demo_customers: list[object], monkeypatch: pytest.MonkeyPatch
) -> None:
    KeyCheck.objects.all().delete()
    wrong = Vault(os.urandom(32))
    monkeypatch.setattr(runtime, "vault", lambda: wrong)
    with (
        pytest.raises(KeyCheckError, match="does not open the data keys of this database"),
        translation.override("en"),
    ):
        verify(now=timezone.now())
    assert not KeyCheck.objects.exists()  # a wrong key is never recorded as the right one
    monkeypatch.undo()
    key_id = verify(now=timezone.now())
    assert list(KeyCheck.objects.values_list("key_id", flat=True)) == [key_id]
    assert verify(now=timezone.now()) == key_id  # and from then on it is simply checked
