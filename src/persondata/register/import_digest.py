"""How a re-import recognises an unchanged record without sealing or writing it (issue 17).

Every row the import writes keeps ``import_digest``: a keyed digest (``Vault.import_digest``, under a key derived
from the installation's master key) over the record's fields *as the source system gave them* and the nonces of
the ciphertexts the import sealed them into. The next import computes the same digest over what it reads and the
row's current nonces; when both agree, the row already holds exactly that record, sealed by an import, and it is
skipped: no data key is unwrapped, nothing is sealed or written.

Binding the nonces makes every other writer invalidate the digest without knowing of it: a staff rectification
re-seals the contact record (a new nonce), the retention sweep empties a blob (no nonce). Such a row is then
compared the old way once — re-sealed and written from the source, as before digests existed — and gets a new
digest. So does a row written before digests existed (``import_digest`` is NULL).

The digest is no clear value: it is a MAC under a per-installation key, so two installations with the same
customer store different digests, and without the master key a digest cannot be tested against guessed values.
"""

from __future__ import annotations

from typing import Any

import orjson

from persondata.register.import_formats import AgreementIn, CustomerIn, InvoiceIn, OrderIn, PaymentIn

NONCE = 12  # the bytes of a sealed blob's nonce (``vault.seal``: nonce || ciphertext)
_SORTED = orjson.OPT_SORT_KEYS
_dumps = orjson.dumps


def customer(cid: str, c: CustomerIn) -> bytes:
    return _dumps(
        ("customer", cid, c.customer_number, c.contact, c.customer_since, c.last_activity), option=_SORTED
    )


def order(cid: str, o: OrderIn) -> bytes:
    return _dumps(
        ("order", cid, o.order_number, o.ordered_on, o.delivered_on, o.total_ore, o.currency, o.detail),
        option=_SORTED,
    )


def invoice(cid: str, i: InvoiceIn, klass: str) -> bytes:
    return _dumps(
        ("invoice", cid, i.invoice_number, i.invoice_date, i.due_date, i.total_ore, i.currency, i.order_number,
         klass, i.snapshot),
        option=_SORTED,
    )  # fmt: skip


def payment(cid: str, p: PaymentIn, klass: str) -> bytes:
    return _dumps(
        ("payment", cid, p.payment_ref, p.invoice_number, p.paid_on, p.amount_ore, p.currency, p.method, klass,
         p.reference),
    )  # fmt: skip


def agreement(cid: str, a: AgreementIn) -> bytes:
    return _dumps(("agreement", cid, a.agreement_ref, a.kind, a.starts_on, a.ends_on, a.description))


def nonce_of(blob: Any) -> bytes | None:
    """The nonce of a stored blob as read (``substr(blob, 1, 12)``; PostgreSQL gives a memoryview)."""
    return None if blob is None else bytes(blob)


class SkippedKeys:
    """The keys of the rows an import skipped as unchanged, so that a key met again is still "twice in this
    import" (a written row says so by its ``import_run_id``; a skipped one keeps its old run).

    64-bit keyed hashes (Python's ``hash`` of a str or bytes is SipHash under a per-process random key) in one
    open-addressing table: 8 bytes a slot, at most ¾ full, instead of the ≈ 60 bytes of a ``set`` entry; a
    re-import of 5.4 million unchanged records holds about 64 MB here. Two different keys share a hash with a
    probability of about 10⁻⁶ per million-customer import; the import then reports a duplicate that is none and,
    all-or-nothing, keeps nothing — the next run draws other hashes.
    """

    __slots__ = ("_mask", "_table", "count")

    def __init__(self) -> None:
        self._mask = 1023
        self._table = memoryview(bytearray(8 * 1024)).cast("Q")
        self.count = 0

    @staticmethod
    def _hash(key: str | bytes) -> int:
        return (hash(key) & 0xFFFF_FFFF_FFFF_FFFF) or 1  # 0 marks an empty slot

    def _slot(self, h: int) -> int:
        """Where ``h`` is, or the empty slot where it would go (linear probing)."""
        table, mask = self._table, self._mask
        i = h & mask
        while (v := table[i]) and v != h:
            i = (i + 1) & mask
        return i

    def __contains__(self, key: str | bytes) -> bool:
        h = self._hash(key)
        return bool(self._table[self._slot(h)] == h)

    def add(self, key: str | bytes) -> None:
        h = self._hash(key)
        i = self._slot(h)
        if self._table[i] == h:
            return
        self._table[i] = h
        self.count += 1
        if self.count * 4 > self._mask * 3:
            self._grow()

    def _grow(self) -> None:
        old = self._table
        self._mask = mask = self._mask * 2 + 1
        self._table = table = memoryview(bytearray(8 * (mask + 1))).cast("Q")
        for h in old:
            if h:
                i = h & mask
                while table[i]:
                    i = (i + 1) & mask
                table[i] = h
