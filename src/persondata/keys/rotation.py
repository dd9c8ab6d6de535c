"""Key rotation (``persondata keys rotate``): every wrapped data key re-wrapped under a new master key, resumably.

1. **Begin.** A new master key file is written next to the old one, ``<key file>.new`` (0600, whole or not at
   all). From then on every process's vault (``runtime.vault``) holds both keys: new data keys are wrapped under
   the new one, and a wrapped key is unwrapped under the key whose id it carries.
2. **Re-wrap, chunk by chunk.** The key store's tables are walked in primary-key order, a chunk at a time; each
   chunk's keys are unwrapped and wrapped again under the new key and committed. A wrapped key starts with the id
   of its master key, so the progress is in the keys themselves: a run that is killed is completed by running it
   again, which skips what is done. The main database's few rows that keep their own wrapped key (a partner
   endpoint's, a processor agreement's, a control attachment's: :class:`WrappedColumn`) are re-wrapped too.
   Each update names the wrapped value it replaces, so a key destroyed or replaced meanwhile is left alone.
3. **Finish**, once no wrapped key is under any other key: the database records the new key's check value, the
   old key file is kept as ``<key file>.retired-<old key id>`` (no longer read) and the new file takes its name.

What the new key carries over: the blind-index key and the audit chain's key (``core.vault.MasterKey``). Every
blind index and every audit digest was computed with them; changing them would mean re-computing every index
from the decrypted data and breaking the chain's verification. A rotation therefore protects the data keys — a
copy of the old master key file no longer opens the key store — and leaves the index and audit keys as they were
(docs/security.md says so).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.db import transaction

from persondata import runtime
from persondata.core.vault import Vault, load_or_create_master_key, write_key_file
from persondata.keys import check, store
from persondata.keys.models import KeyCheck
from persondata.rawsql import executemany, fetch

CHUNK = 5_000  # keys per committed chunk


@dataclass(frozen=True, slots=True)
class WrappedColumn:
    """A table of the main database whose rows keep their own wrapped data key (the apps above name them)."""

    table: str
    owner_column: str  # the column the key's owner is built from (also the row's identity)
    klass: str
    owner: Callable[[Any], str]  # the column's value -> the key's owner (``core.sealing.key_owner``)
    wrapped: str = "wrapped_key"


@dataclass(frozen=True, slots=True)
class Plan:
    """A rotation about to run: the key ids, how many wrapped keys there are and how many are still to do."""

    old_key_id: str
    new_key_id: str
    resumed: bool
    total: int
    remaining: int


#: the key store's tables: (table, the owner column)
_STORE = ((store.DATA_KEY, "customer_id"), (store.OWN_KEY, "owner"))


def _tag(vault: Vault) -> bytes:
    return b"\x01" + bytes.fromhex(vault.key_id)


def _count(table: str, column: str, vault: Vault) -> tuple[int, int]:
    """How many wrapped keys ``table`` holds, and how many are not under ``vault``'s own key."""
    total, other = fetch(
        f"SELECT COUNT(*), COUNT(CASE WHEN substr({column}, 1, 9) <> %s THEN 1 END) "  # noqa: S608 - constants
        f"FROM {table} WHERE {column} IS NOT NULL",
        [_tag(vault)],
    )[0]
    return int(total), int(other)


def counts(vault: Vault, columns: Sequence[WrappedColumn]) -> tuple[int, int]:
    pairs = [_count(t, "wrapped", vault) for t, _o in _STORE] + [
        _count(c.table, c.wrapped, vault) for c in columns
    ]
    return sum(p[0] for p in pairs), sum(p[1] for p in pairs)


def begin(columns: Sequence[WrappedColumn]) -> Plan:
    """Write the new key file next to the old one, unless a rotation is already under way (then resume it)."""
    pending = runtime.pending_key_file()
    resumed = pending.exists()
    if not resumed:
        write_key_file(pending, runtime.vault().successor())
    vault, old = runtime.vault(), vault_of_file(runtime.key_file())
    total, remaining = counts(vault, columns)
    return Plan(old.key_id, vault.key_id, resumed, total, remaining)


def vault_of_file(path: Path) -> Vault:
    return Vault(load_or_create_master_key(path, create=False))


def rewrap(columns: Sequence[WrappedColumn], *, chunk: int = CHUNK) -> Iterator[int]:
    """Re-wrap every key not yet under the new master key; yields how many keys each committed chunk covered."""
    vault = runtime.vault()
    for table, owner_column in _STORE:
        yield from _rewrap_table(vault, table, owner_column, chunk)
    for column in columns:
        yield _rewrap_column(vault, column)


def _rewrap_table(vault: Vault, table: str, owner_column: str, chunk: int) -> Iterator[int]:
    select = f"SELECT {owner_column}, klass, wrapped FROM {table}"  # noqa: S608 - constants
    order = f" ORDER BY {owner_column}, klass LIMIT %s"
    update = (
        f"UPDATE {table} SET wrapped = %s "  # noqa: S608 - constants
        f"WHERE {owner_column} = %s AND klass = %s AND wrapped = %s"
    )
    after: list[Any] = []
    while True:
        if after:
            rows = fetch(f"{select} WHERE ({owner_column}, klass) > (%s, %s){order}", [*after, chunk])
        else:
            rows = fetch(select + order, [chunk])
        if not rows:
            return
        after = [rows[-1][0], rows[-1][1]]
        updates = []
        for owner, klass, stored in rows:
            wrapped = bytes(stored)
            if not vault.is_current(wrapped):
                ident = owner if isinstance(owner, str) else owner.hex
                updates.append((vault.rewrap(wrapped, ident, klass), owner, klass, wrapped))
        with transaction.atomic():
            executemany(update, updates)
        yield len(rows)


def _rewrap_column(vault: Vault, column: WrappedColumn) -> int:
    rows = fetch(
        f"SELECT {column.owner_column}, {column.wrapped} FROM {column.table} "  # noqa: S608 - constants
        f"WHERE {column.wrapped} IS NOT NULL"
    )
    updates = [
        (vault.rewrap(bytes(w), column.owner(o), column.klass), o, bytes(w))
        for o, w in rows
        if not vault.is_current(bytes(w))
    ]
    with transaction.atomic():
        executemany(
            f"UPDATE {column.table} SET {column.wrapped} = %s "  # noqa: S608 - constants
            f"WHERE {column.owner_column} = %s AND {column.wrapped} = %s",
            updates,
        )
    return len(rows)


def finish(columns: Sequence[WrappedColumn], *, now: datetime) -> int:
    """Retire the old key once no wrapped key is under it; returns how many still are (then nothing changed)."""
    vault = runtime.vault()
    _total, remaining = counts(vault, columns)
    if remaining:
        return (
            remaining  # keys wrapped under the old key meanwhile (a process that loaded it before the start)
        )
    key_id, mac = vault.key_check()
    latest = KeyCheck.objects.order_by("-recorded_at", "-id").first()
    if latest is None or (latest.key_id, latest.mac) != (key_id, mac):
        check.record(vault, now=now)
    path, pending = runtime.key_file(), runtime.pending_key_file()
    if pending.exists():
        retired = path.with_name(f"{path.name}.retired-{vault_of_file(path).key_id}")
        if not retired.exists():
            os.link(path, retired)
        pending.replace(path)
        _sync_directory(path.parent)
    runtime.reset()
    return 0


def _sync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
