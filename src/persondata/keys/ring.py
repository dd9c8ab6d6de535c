"""The key ring: the one place where data keys are made and unwrapped.

Every data key is wrapped by the master key (``runtime.vault()``), bound to its owner and class
(``core.sealing.data_key``). A customer's keys, a request's key and an outbox message's key live in the key store
(``keys.store``), apart from the database; a partner endpoint's key stays wrapped in its own row (its webhook
secret is no personal data).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from persondata import runtime
from persondata.core.vault import NewDataKey, Vault, unseal
from persondata.keys import store
from persondata.rawsql import Hex


def unwrap(wrapped: bytes | memoryview, owner: str, klass: str, vault: Vault | None = None) -> AESGCM:
    """A wrapped data key (a partner endpoint's, or one read from the key store), ready to use.

    ``vault``: the bulk paths take :func:`runtime.vault` once per batch (it looks at the key files each time it is
    called, to see a rotation); a batch is short, and the next one sees a rotation that began meanwhile."""
    return AESGCM((vault or runtime.vault()).unwrap(bytes(wrapped), owner, klass))


def new_wrapped(owner: str, klass: str) -> NewDataKey:
    """A new data key for a row that keeps its wrapped key itself (a partner endpoint)."""
    return runtime.vault().new_data_key(owner, klass)


# -- customers -------------------------------------------------------------------------------------------------
class CustomerKeys:
    """A customer's data keys, unwrapped on first use, one class at a time."""

    __slots__ = ("_open", "_wrapped", "owner")

    def __init__(self, customer_id: uuid.UUID | Hex) -> None:
        self.owner = customer_id.hex if isinstance(customer_id, uuid.UUID) else customer_id
        self._wrapped = {k: w for _c, k, w in store.customer_keys([self.owner])}
        self._open: dict[str, AESGCM] = {}

    def get(self, klass: str) -> AESGCM | None:
        """The class's key; None once it is destroyed (the data of this class is gone)."""
        if klass not in self._open:
            wrapped = self._wrapped.get(klass)
            if wrapped is None:
                return None
            self._open[klass] = unwrap(wrapped, self.owner, klass)
        return self._open[klass]

    def open(self, klass: str, blob: bytes | memoryview | None, context: str) -> dict[str, Any] | None:
        """The record sealed under the class's key; None if the record or the key is gone."""
        if blob is None:
            return None  # deleted (retention or erasure)
        key = self.get(klass)
        return None if key is None else unseal(key, bytes(blob), context)


def customer_keys(ids: Sequence[Hex], klass: str) -> dict[Hex, AESGCM]:
    """One class's keys of several customers (a search's hits, the import's known customers), unwrapped."""
    vault = runtime.vault()
    return {cid: unwrap(wrapped, cid, k, vault) for cid, k, wrapped in store.customer_keys(ids, klass)}


def new_customer_key(
    customer_id: Hex, klass: str, rows: list[tuple[Any, ...]], when: Any, vault: Vault | None = None
) -> AESGCM:
    """A new key for a customer's class; its wrapped form is appended to ``rows`` for
    :data:`store.INSERT_DATA_KEY` (the import writes the keys after their customers)."""
    fresh = (vault or runtime.vault()).new_data_key(customer_id, klass)
    rows.append((customer_id, klass, fresh.wrapped, when))
    return AESGCM(fresh.key)


# -- a key of its own, in the key store (a request's, an outbox message's) -----------------------------------------
def new_own_key(owner: str, klass: str, now: datetime) -> bytes:
    """Make and store a key for ``owner``; returns the key itself, to seal with."""
    fresh = runtime.vault().new_data_key(owner, klass)
    store.put_own_key(owner, klass, fresh.wrapped, now)
    return fresh.key


def own_key(owner: str, klass: str) -> AESGCM | None:
    """The owner's key; None once it is destroyed."""
    wrapped = store.own_key(owner, klass)
    return None if wrapped is None else unwrap(wrapped, owner, klass)


def destroy_own_key(owner: str, klass: str) -> None:
    store.destroy_own_key(owner, klass)
