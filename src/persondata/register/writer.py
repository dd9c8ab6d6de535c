"""Writing validated import units into the register, a batch at a time.

Each batch is checked completely before anything is written (references, duplicates), so a bad unit is left
out whole and never half-written. Writes are plain ``executemany`` statements — the same SQL on SQLite and
PostgreSQL — because the ORM's per-object overhead would cost most of the import budget (issue 2: ≥ 50,000
rows/s with encryption). The caller owns the transaction.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from time import perf_counter
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.db import connection
from django.utils.translation import gettext_noop

from persondata import runtime
from persondata.core import sealing
from persondata.core.calendar import legal_date
from persondata.core.policy import Policy
from persondata.core.vault import (
    Vault,
    name_tokens,
    nonces,
    normalize_customer_number,
    normalize_email,
    normalize_name,
    normalize_phone,
    seal,
)
from persondata.keys import ring, store
from persondata.rawsql import fetch_in, hx
from persondata.register import import_digest, tombstones
from persondata.register.import_formats import (
    TWICE,
    TWICE_ANY,
    AgreementIn,
    CustomerIn,
    InvoiceIn,
    OrderIn,
    PaymentIn,
    RowError,
    Unit,
)
from persondata.register.import_raw import Raw, RawImport
from persondata.register.models import RELEVANCE, new_ids_hex
from persondata.register.writer_tables import BLOB as _BLOB
from persondata.register.writer_tables import KINDS as _KINDS


def key_class_for(policy: Policy, day: date) -> str:
    """The retention class of accounting material dated ``day``: its financial year (RULES R1)."""
    return "fy" + policy.financial_year.label(day)


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


@dataclass(frozen=True, slots=True)
class _Tombstone:
    """What the tombstones say about one customer number of the batch: the day, the reason, the tokens met."""

    day: date
    reason: str
    tokens: list[bytes]


def _activity(unit: Unit) -> date | None:
    """The latest day the row shows activity on: the customer's last activity, or an order."""
    days = [o.ordered_on for o in unit.orders]
    if unit.customer is not None and unit.customer.last_activity is not None:
        days.append(unit.customer.last_activity)
    return max(days, default=None)


@dataclass(slots=True)
class _Existing:
    id: str
    customer_id: str | None
    run: int | None
    digest: bytes | None = None  # import_digest as stored
    nonces: bytes | None = None  # the nonces of its blobs as stored; None if one is empty


def _bytes(value: Any) -> bytes | None:
    """A binary column as read: bytes from SQLite, a memoryview from PostgreSQL, or NULL."""
    return value if value is None or type(value) is bytes else bytes(value)


@dataclass(slots=True)
class _Work:
    """What of an accepted unit is new or changed, each record with its source for the digest
    (``register.import_digest``); what is unchanged is left out."""

    cid: str
    customer: tuple[CustomerIn, bytes] | None
    orders: list[tuple[OrderIn, bytes]]
    invoices: list[tuple[InvoiceIn, str, bytes]]
    payments: list[tuple[PaymentIn, str, bytes]]
    agreements: list[tuple[AgreementIn, bytes]]


class RegisterWriter:
    def __init__(
        self, vault: Vault, policy: Policy, now: datetime, run_id: int, *, allow_returning: bool = False
    ) -> None:
        self.vault, self.policy, self.now, self.run = vault, policy, now, run_id
        self.allow_returning = allow_returning
        self.tombstones = tombstones.exist()  # none: the import never looks (the usual case)
        self.erased: list[
            tombstones.ErasedRow
        ] = []  # rows of customers erased at their request, not written again
        self.when = connection.ops.adapt_datetimefield_value(now)
        self.today = legal_date(now)
        self.fy_class: dict[date, str] = {}
        self.db_seconds = 0.0  # time spent in the database (lookups and writes), for the import's report
        # the keys of the rows skipped as unchanged, by kind: met again, they are "twice in this import"
        self.skipped = {kind: import_digest.SkippedKeys() for kind in ("customers", *(k[0] for k in _KINDS))}
        # the raw digests the register holds, and the records skipped unread (``register.import_raw``)
        self.raw = RawImport(
            vault, f"fy {policy.financial_year.start_month}-{policy.financial_year.start_day}"
        )

    @contextmanager
    def _in_database(self) -> Iterator[None]:
        started = perf_counter()
        try:
            yield
        finally:
            self.db_seconds += perf_counter() - started

    # -- the batch ----------------------------------------------------------------------------------------------
    # long on purpose: the import's per-row check, one pass with its lookups bound locally (a million rows)
    def write(self, units: Sequence[Unit]) -> tuple[list[RowError], Counter[str]]:
        errors: list[RowError] = []
        counts: Counter[str] = Counter()
        blind = self.vault.blind_index
        number_bidx = {
            n: blind("customer_number", normalize_customer_number(n))
            for n in dict.fromkeys(u.customer_number for u in units)
        }
        with self._in_database():
            found = fetch_in(
                "SELECT number_bidx, id, import_run_id, import_digest, substr(contact_blob, 1, 12), "
                "substr(number_blob, 1, 12) FROM customer WHERE number_bidx IN ({})",
                list(number_bidx.values()),
            )
        customers = {
            bytes(b): _Existing(
                hx(i), None, r, _bytes(d), None if cn is None or nn is None else bytes(cn) + bytes(nn)
            )
            for b, i, r, d, cn, nn in found
        }
        erased = self._erased(units, customers, number_bidx) if self.tombstones else {}
        # the kinds of record in this batch (a CSV batch holds one kind; a JSON batch any)
        kinds = [k for k in _KINDS if any(getattr(u, k[0]) for u in units)]
        existing = {
            kind: self._existing(
                table, label, [getattr(rec, label) for u in units for rec in getattr(u, kind)]
            )
            for kind, table, label, _cols in kinds
        }
        seen: dict[str, set[str]] = {kind: set() for kind, *_ in kinds}
        new_customers: set[bytes] = set()
        accepted: list[tuple[Unit, str]] = []
        fresh_ids = iter(new_ids_hex(len(units)))
        run = self.run
        skipped = self.skipped
        raw_skipped = self.raw.was_skipped

        def again(kind: str, key: str | bytes, prior: _Existing) -> bool:
            """Whether the row was written, or skipped as unchanged, earlier in this import."""
            return prior.run == run or (
                prior.digest is not None and (key in skipped[kind] or raw_skipped(kind, prior.digest))
            )

        for unit in units:
            if erased and (dead := erased.get(number_bidx[unit.customer_number])) is not None:
                if not self._returns(unit, dead):
                    self.erased.append(tombstones.ErasedRow(unit.file, unit.line, dead.day, dead.reason))
                    continue
                counts["returning_customers"] += unit.customer is not None
            unit_errors: list[RowError] = []
            added = False
            if unit.customer is not None:
                unit_errors += self._future_dates(unit)
                b = number_bidx[unit.customer.customer_number]
                known = customers.get(b)
                if b in new_customers or (known is not None and again("customers", b, known)):
                    unit_errors.append(
                        RowError(
                            unit.file,
                            unit.line,
                            "customer_number",
                            TWICE["customers"],
                        )
                    )
                elif known is None:
                    customers[b] = _Existing(next(fresh_ids), None, run)
                    new_customers.add(b)
                    added = True
                cid = customers[b].id
            else:
                b = number_bidx[unit.customer_number]
                if b not in customers:
                    errors.append(
                        RowError(
                            unit.file,
                            unit.line,
                            "customer_number",
                            gettext_noop(
                                "no customer has this number; import the file of customers first "
                                "or correct the number"
                            ),
                        )
                    )
                    continue
                cid = customers[b].id
            for kind, _table, label, _cols in kinds:
                prior_of = existing[kind].get
                seen_keys = seen[kind]
                for rec in getattr(unit, kind):
                    key = getattr(rec, label)
                    prior = prior_of(key)
                    if key in seen_keys or (prior is not None and again(kind, key, prior)):
                        unit_errors.append(
                            RowError(
                                unit.file,
                                unit.line,
                                label,
                                TWICE_ANY,
                            )
                        )
                    seen_keys.add(key)
            if unit_errors:
                if added:
                    new_customers.discard(b)
                    del customers[b]
                errors.extend(unit_errors)
                continue
            if unit.customer is not None and not added:
                customers[b].run = run  # the same customer again in this batch is twice in this import
            accepted.append((unit, cid))
        if accepted:
            self._store(accepted, new_customers, number_bidx, customers, existing, counts)
        return errors, counts

    def _future_dates(self, unit: Unit) -> list[RowError]:
        """The source system's dates cannot lie after the day of the import (a typo, or day and month swapped)."""
        c = unit.customer
        assert c is not None
        return [
            RowError(
                unit.file, unit.line, name, gettext_noop("is after the day of the import; check the date")
            )
            for name, day in (("customer_since", c.customer_since), ("last_activity", c.last_activity))
            if day is not None and day > self.today
        ]

    def _erased(
        self, units: Sequence[Unit], customers: dict[bytes, _Existing], number_bidx: dict[str, bytes]
    ) -> dict[bytes, _Tombstone]:
        """Number token → its tombstone, for the batch's unknown customers whose number or e-mail is one. An
        erasure at the customer's request outweighs a deletion at the end of retention. With
        ``allow_returning`` the tombstones go and nothing is skipped."""
        blind = self.vault.blind_index
        candidates: dict[bytes, list[bytes]] = {}
        for u in units:
            b = number_bidx[u.customer_number]
            if b in customers:
                continue
            tokens = candidates.setdefault(b, [b])
            if u.customer is not None and u.customer.contact.get("email"):
                tokens.append(blind("email", normalize_email(u.customer.contact["email"])))
        with self._in_database():
            found = tombstones.find(t for tokens in candidates.values() for t in tokens)
        if not found:
            return {}
        if self.allow_returning:
            tombstones.forget(found)
            return {}
        out = {}
        for b, ts in candidates.items():
            hits = [found[t] for t in ts if t in found]
            if hits:
                erasure = any(r == tombstones.ERASURE for _d, r in hits)
                reason = tombstones.ERASURE if erasure else tombstones.END_OF_RETENTION
                day = min(d for d, r in hits if r == reason)
                out[b] = _Tombstone(day, reason, [t for t in ts if t in found])
        return out

    def _returns(self, unit: Unit, dead: _Tombstone) -> bool:
        """Whether a row of a customer deleted at the end of retention is imported again
        (``retention.returning_customers``); if so, its tombstones go. Never for an erasure."""
        if dead.reason != tombstones.END_OF_RETENTION:
            return False
        mode = self.policy.retention.returning
        active = _activity(unit)
        if mode == "import" or (mode == "when_active" and active is not None and active > dead.day):
            with self._in_database():
                tombstones.forget(dead.tokens)
            return True
        return False

    def _existing(self, table: str, column: str, keys: list[str]) -> dict[str, _Existing]:
        if not keys:
            return {}
        with self._in_database():
            rows = fetch_in(
                f"SELECT {column}, id, customer_id, import_run_id, import_digest, substr({_BLOB[table]}, 1, 12) "  # noqa: S608 - constants
                f"FROM {table} WHERE {column} IN ({{}})",
                keys,
            )
        return {k: _Existing(hx(i), hx(c), r, _bytes(d), _bytes(n)) for k, i, c, r, d, n in rows}

    # -- keys -----------------------------------------------------------------------------------------------------
    def _keys(
        self, needed: set[tuple[str, str]], new_ids: set[str], inserts: list[tuple[Any, ...]]
    ) -> dict[tuple[str, str], AESGCM]:
        """The data keys ``needed``: existing ones unwrapped, new ones made and added to ``inserts``."""
        old_ids = sorted({cid for cid, _ in needed if cid not in new_ids})
        keys: dict[tuple[str, str], AESGCM] = {}
        vault = runtime.vault()  # once per batch (ring.unwrap)
        if old_ids:
            with self._in_database():
                stored = store.customer_keys(old_ids)
            for cid, klass, wrapped in stored:
                if (cid, klass) in needed:
                    keys[(cid, klass)] = ring.unwrap(wrapped, cid, klass, vault)
        for cid, klass in needed - keys.keys():
            keys[(cid, klass)] = ring.new_customer_key(cid, klass, inserts, self.when, vault)
        return keys

    # -- writes ---------------------------------------------------------------------------------------------------
    def _klass(self, day: date) -> str:
        klass = self.fy_class.get(day)
        if klass is None:
            klass = self.fy_class[day] = key_class_for(self.policy, day)
        return klass

    def _changed(
        self,
        accepted: list[tuple[Unit, str]],
        customers: dict[bytes, _Existing],
        number_bidx: dict[str, bytes],
        existing: dict[str, dict[str, _Existing]],
        counts: Counter[str],
    ) -> list[_Work]:
        """The accepted units without their unchanged rows: a row whose stored digest equals the digest of what
        the source gives now, over the nonces it is sealed with, is left out (``register.import_digest``)."""
        digest, klass_of, skipped = self.vault.import_digest, self._klass, self.skipped
        rewritten = self.raw.rewritten

        def same(found: dict[Any, _Existing], kind: str, key: str | bytes, source: bytes, cid: str) -> bool:
            prior = found.get(key)
            if prior is None or prior.digest is None or prior.nonces is None:
                return False  # new, or written before digests, or changed since by another writer
            if (
                type(source) is Raw
            ):  # a CSV record's raw digest, kept before the nonces; and the same customer
                unchanged = source + prior.nonces == prior.digest and prior.customer_id in (None, cid)
            else:
                unchanged = digest(source + prior.nonces) == prior.digest
            if not unchanged:
                rewritten(kind, prior.digest)  # a later copy of its old line is parsed, and refused as twice
                return False
            skipped[kind].add(key)
            counts[f"{kind}_unchanged"] += 1
            return True

        work = []
        for unit, cid in accepted:
            item = _Work(cid, None, [], [], [], [])
            raw = Raw(unit.digest) if unit.digest is not None else None  # a CSV unit holds one record
            if (c := unit.customer) is not None:
                source = raw or import_digest.customer(cid, c)
                if not same(customers, "customers", number_bidx[c.customer_number], source, cid):
                    item.customer = (c, source)
            for o in unit.orders:
                source = raw or import_digest.order(cid, o)
                if not same(existing["orders"], "orders", o.order_number, source, cid):
                    item.orders.append((o, source))
            for i in unit.invoices:
                klass = klass_of(i.invoice_date)
                source = raw or import_digest.invoice(cid, i, klass)
                if not same(existing["invoices"], "invoices", i.invoice_number, source, cid):
                    item.invoices.append((i, klass, source))
            for p in unit.payments:
                klass = klass_of(p.paid_on)
                source = raw or import_digest.payment(cid, p, klass)
                if not same(existing["payments"], "payments", p.payment_ref, source, cid):
                    item.payments.append((p, klass, source))
            for a in unit.agreements:
                source = raw or import_digest.agreement(cid, a)
                if not same(existing["agreements"], "agreements", a.agreement_ref, source, cid):
                    item.agreements.append((a, source))
            if item.customer or item.orders or item.invoices or item.payments or item.agreements:
                work.append(item)
        return work

    # long on purpose: the import's hot loop — seal every changed record and write the batch in one pass
    def _store(
        self,
        accepted: list[tuple[Unit, str]],
        new_customers: set[bytes],
        number_bidx: dict[str, bytes],
        customers_found: dict[bytes, _Existing],
        existing: dict[str, dict[str, _Existing]],
        counts: Counter[str],
    ) -> None:
        new_ids = {
            cid
            for u, cid in accepted
            if u.customer and number_bidx[u.customer.customer_number] in new_customers
        }
        work = self._changed(accepted, customers_found, number_bidx, existing, counts)
        needed: set[tuple[str, str]] = set()
        records = customers = 0  # records get an id and one seal each; a customer two seals (contact, number)
        for w in work:
            if w.customer or w.orders or w.agreements:
                needed.add((w.cid, RELEVANCE))
            needed.update((w.cid, k) for _i, k, _s in w.invoices)
            needed.update((w.cid, k) for _p, k, _s in w.payments)
            customers += w.customer is not None
            records += len(w.orders) + len(w.invoices) + len(w.payments) + len(w.agreements)
        key_rows: list[tuple[Any, ...]] = []
        keys = self._keys(needed, new_ids, key_rows)
        when, run = self.when, self.run
        blind, digest = self.vault.blind_index, self.vault.import_digest
        ids = iter(new_ids_hex(records))
        fresh = nonces(records + 2 * customers)
        cust_new: list[tuple[Any, ...]] = []
        cust_upd: list[tuple[Any, ...]] = []
        tokens: list[tuple[str, bytes]] = []
        token_reset: list[tuple[str]] = []
        rows: dict[str, tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]] = {
            kind: ([], []) for kind in existing
        }

        def sealed(source: bytes, nonces: bytes) -> bytes:
            """What ``import_digest`` keeps: a raw digest and the nonces after it, or the digest of both."""
            return source + nonces if type(source) is Raw else digest(source + nonces)

        def put(kind: str, key: str, values: tuple[Any, ...]) -> None:
            prior = existing[kind].get(key)
            if prior is None:
                rows[kind][0].append((next(ids), key, *values))
            else:
                rows[kind][1].append((*values, prior.id))

        for w in work:
            cid = w.cid
            if w.customer is not None:
                c, source = w.customer
                key = keys[(cid, RELEVANCE)]
                contact = c.contact
                email_b = blind("email", normalize_email(contact["email"])) if contact["email"] else None
                phone_b = blind("phone", normalize_phone(contact["phone"])) if contact["phone"] else None
                name_b = blind("name", normalize_name(contact["name"]))
                n1, n2 = next(fresh), next(fresh)
                contact_blob = seal(key, contact, sealing.contact(cid), n1)
                number_blob = seal(
                    key, {"customer_number": c.customer_number}, sealing.customer_number(cid), n2
                )
                d = sealed(source, n1 + n2)
                b = number_bidx[c.customer_number]
                since, last = _iso(c.customer_since), _iso(c.last_activity)
                if cid in new_ids:
                    cust_new.append(
                        (
                            cid,
                            b,
                            email_b,
                            phone_b,
                            name_b,
                            contact_blob,
                            number_blob,
                            since,
                            last,
                            when,
                            when,
                            run,
                            d,
                        )
                    )
                else:
                    cust_upd.append(
                        (email_b, phone_b, name_b, contact_blob, number_blob, since, last, when, run, d, cid)
                    )
                    token_reset.append((cid,))
                tokens.extend((cid, blind("name_token", t)) for t in name_tokens(contact["name"]))
            for o, source in w.orders:
                n = next(fresh)
                blob = seal(keys[(cid, RELEVANCE)], o.detail, sealing.order(o.order_number), n)
                put(
                    "orders",
                    o.order_number,
                    (cid, _iso(o.ordered_on), _iso(o.delivered_on), o.total_ore, o.currency, blob, run,
                     sealed(source, n)),
                )  # fmt: skip
            for i, klass, source in w.invoices:
                n = next(fresh)
                blob = seal(keys[(cid, klass)], i.snapshot, sealing.invoice(i.invoice_number), n)
                put(
                    "invoices",
                    i.invoice_number,
                    (cid, i.invoice_date.isoformat(), _iso(i.due_date), i.total_ore, i.currency,
                     i.order_number, klass, blob, run, sealed(source, n)),
                )  # fmt: skip
            for p, klass, source in w.payments:
                n = next(fresh)
                blob = seal(keys[(cid, klass)], {"reference": p.reference}, sealing.payment(p.payment_ref), n)
                put(
                    "payments",
                    p.payment_ref,
                    (cid, p.invoice_number, p.paid_on.isoformat(), p.amount_ore, p.currency, p.method, klass,
                     blob, run, sealed(source, n)),
                )  # fmt: skip
            for a, source in w.agreements:
                n = next(fresh)
                blob = seal(
                    keys[(cid, RELEVANCE)],
                    {"description": a.description},
                    sealing.agreement(a.agreement_ref),
                    n,
                )
                put(
                    "agreements",
                    a.agreement_ref,
                    (cid, a.kind, _iso(a.starts_on), _iso(a.ends_on), blob, run, sealed(source, n)),
                )

        with self._in_database(), connection.cursor() as cur:
            if cust_new:
                cur.executemany(
                    "INSERT INTO customer (id, number_bidx, email_bidx, phone_bidx, name_bidx, contact_blob, "
                    "number_blob, customer_since, last_activity, created_at, updated_at, import_run_id, import_digest) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    cust_new,
                )
            if cust_upd:
                cur.executemany(
                    "UPDATE customer SET email_bidx = %s, phone_bidx = %s, name_bidx = %s, contact_blob = %s, "
                    # a re-import without the source system's dates keeps those already known
                    "number_blob = %s, customer_since = COALESCE(%s, customer_since), "
                    "last_activity = COALESCE(%s, last_activity), updated_at = %s, import_run_id = %s, "
                    "import_digest = %s WHERE id = %s",
                    cust_upd,
                )
                cur.executemany("DELETE FROM customer_name_token WHERE customer_id = %s", token_reset)
            # after the customers: a child row written before its parent leaves a deferred foreign-key violation
            # pending, and while one is pending SQLite searches every child table on each parent insert
            if key_rows:
                cur.executemany(store.INSERT_DATA_KEY, key_rows)  # into the key store, apart from the data
            if tokens:
                cur.executemany(
                    "INSERT INTO customer_name_token (customer_id, token_bidx) VALUES (%s, %s)", tokens
                )
            for kind, table, key_col, cols in _KINDS:
                if kind not in rows:
                    continue
                new, upd = rows[kind]
                if new:
                    names = ", ".join(("id", key_col, *cols))
                    marks = ", ".join(["%s"] * (len(cols) + 2))
                    cur.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", new)  # noqa: S608 - constants
                if upd:
                    sets = ", ".join(f"{c} = %s" for c in cols)
                    cur.executemany(f"UPDATE {table} SET {sets} WHERE id = %s", upd)  # noqa: S608 - constants
        counts["customers_created"] += len(cust_new)
        counts["customers_updated"] += len(cust_upd)
        for kind, (new, upd) in rows.items():
            counts[f"{kind}_created"] += len(new)
            counts[f"{kind}_updated"] += len(upd)
