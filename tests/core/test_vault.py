"""The vault: envelope encryption and blind indexes (pure, no database)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from persondata.core.vault import (
    Vault,
    VaultError,
    load_or_create_master_key,
    name_tokens,
    normalize_email,
    normalize_name,
    normalize_phone,
    seal,
    unseal,
)


@pytest.fixture
def vault() -> Vault:
    return Vault(os.urandom(32))


def test_master_key_created_owner_only_and_stable(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "master.key"
    key = load_or_create_master_key(path)
    assert len(key.master) == 32 and key.carried is None
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_master_key(path) == key


def test_master_key_readable_by_others_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "master.key"
    load_or_create_master_key(path)
    path.chmod(0o644)
    with pytest.raises(VaultError, match="chmod 600"):
        load_or_create_master_key(path)


def test_damaged_master_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "master.key"
    path.write_bytes(b"not a key")
    path.chmod(0o600)
    with pytest.raises(VaultError, match="not a persondata master key"):
        load_or_create_master_key(path)


def test_data_key_round_trip_and_binding(vault: Vault) -> None:
    fresh = vault.new_data_key("cust-1", "relevance")
    assert vault.unwrap(fresh.wrapped, "cust-1", "relevance") == fresh.key
    with pytest.raises(VaultError):
        vault.unwrap(fresh.wrapped, "cust-2", "relevance")  # copied to another customer
    with pytest.raises(VaultError):
        vault.unwrap(fresh.wrapped, "cust-1", "fy2020")  # or another retention class
    with pytest.raises(VaultError):
        Vault(os.urandom(32)).unwrap(fresh.wrapped, "cust-1", "relevance")  # or another installation


def test_seal_is_randomised_and_bound_to_context(vault: Vault) -> None:
    key = vault.new_data_key("c", "relevance").key
    record = {"name": "Ida Holm", "email": "ida@example.dk"}
    a, b = seal(key, record, "contact|c"), seal(key, record, "contact|c")
    assert a != b and b"Ida" not in a
    assert unseal(key, a, "contact|c") == record
    with pytest.raises(VaultError):
        unseal(key, a, "contact|other")
    tampered = a[:-1] + bytes([a[-1] ^ 1])
    with pytest.raises(VaultError):
        unseal(key, tampered, "contact|c")


@pytest.mark.parametrize(
    ("normalize", "a", "b"),
    [
        (normalize_email, " Ida.Holm@Example.DK ", "ida.holm@example.dk"),
        (normalize_phone, "+45 20 30 40 50", "20304050"),
        (normalize_phone, "0045 2030 4050", "+4520304050"),
        (normalize_name, "  Ida   HOLM ", "ida holm"),
        (normalize_name, "Søren Ærø", "søren ærø"),
    ],
)
def test_blind_index_normalises(vault: Vault, normalize: object, a: str, b: str) -> None:
    assert callable(normalize)
    assert vault.blind_index("k", normalize(a)) == vault.blind_index("k", normalize(b))


def test_blind_index_is_keyed_and_kind_separated(vault: Vault) -> None:
    token = vault.blind_index("email", "ida@example.dk")
    assert len(token) == 16
    assert token != Vault(os.urandom(32)).blind_index("email", "ida@example.dk")
    assert token != vault.blind_index("name", "ida@example.dk")


def test_blind_index_is_the_same_token_as_ever() -> None:
    # every stored blind index was computed this way: a faster computation must give the same 16 bytes, call
    # after call (the keyed HMAC is copied for each token, never fed twice)
    vault = Vault(bytes(range(32)))
    for _ in range(2):
        assert vault.blind_index("email", "ida@example.dk").hex() == "a83e1b7dac1dea2254483d443f8f2e8c"
        assert vault.blind_index("name", "ida hansen").hex() == "649420fe89d13f2626c0f21587c0a674"


def test_name_tokens() -> None:
    assert name_tokens("Ida  Marie Holm-Jensen") == {"ida", "marie", "holm", "jensen"}


def test_missing_master_key_is_not_silently_recreated(tmp_path: Path) -> None:
    with pytest.raises(VaultError, match="restore it from its backup"):
        load_or_create_master_key(tmp_path / "master.key", create=False)
    assert not (tmp_path / "master.key").exists()


def test_a_wrapped_key_names_its_master_key_and_a_rotation_rewraps_it(tmp_path: Path) -> None:
    from persondata.core.vault import MasterKey, UnknownMasterKey, write_key_file

    old = Vault(os.urandom(32))
    fresh = old.new_data_key("cust-1", "relevance")
    assert fresh.wrapped[1:9] == bytes.fromhex(old.key_id) and old.is_current(fresh.wrapped)
    untagged = fresh.wrapped[9:]  # as keys were wrapped before they named their master key
    assert old.unwrap(untagged, "cust-1", "relevance") == fresh.key

    successor = old.successor()
    new = Vault(successor, also=(old,))
    assert new.key_id != old.key_id and [k for k, _ in new.key_checks()] == [new.key_id, old.key_id]
    assert new.blind_index("email", "a@example.dk") == old.blind_index("email", "a@example.dk")
    assert new.audit_key() == old.audit_key()
    for wrapped in (fresh.wrapped, untagged):
        again = new.rewrap(wrapped, "cust-1", "relevance")
        assert new.is_current(again) and not new.is_current(wrapped)
        assert (
            Vault(successor).unwrap(again, "cust-1", "relevance") == fresh.key
        )  # the new key alone opens it
        with pytest.raises(UnknownMasterKey, match="does not hold"):
            old.unwrap(again, "cust-1", "relevance")  # the old key alone does not

    path = tmp_path / "master.key.new"
    write_key_file(path, successor)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and list(tmp_path.iterdir()) == [path]
    assert load_or_create_master_key(path) == successor
    with pytest.raises(FileExistsError):
        write_key_file(path, MasterKey(os.urandom(32)))
