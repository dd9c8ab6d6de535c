"""The deletion functions: every path that deletes personal data goes through :class:`Deleter`.

The daily sweep, an erasure request (``erase_customer_now``) and ``reapply`` after a restore share this code
(Zulip's habit: user deletions and policy deletions share one code path), so a deletion is the same whoever
asks for it, and every one of them lands in the same ledger.

What deleting means here (RULES R5: soft delete is not deletion):

- **Contact data** (name, address, phone, e-mail): the ciphertext, the blind indexes and the name tokens are
  removed from the customer row.
- **Customer number**: its ciphertext and blind index are removed.
- **Order history**: the order and service-agreement rows are deleted.
- **Accounting material**: the invoice and payment rows are deleted.
- **Keys** (crypto-shredding): once nothing of a retention class is left, the customer's data key for that
  class is destroyed, so any copy of its ciphertext (a backup, a free page of the database file) can no longer
  be read. The ``relevance`` key seals contact data, customer number and order history; each financial year's
  accounting material has its own ``fy…`` key, so an invoice's billing snapshot stays readable under its key
  until its own deletion day, after the customer's contact data is gone.
- **The customer row** goes once nothing else is left.

A held record (legal hold) is never passed in by the callers; a deleter also refuses to delete the record ids
it was told are held, as a second line of defence. Callers own the transaction.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import models

from persondata.core import sealing
from persondata.core.vault import seal
from persondata.jobs import outbox
from persondata.keys import ring, store
from persondata.rawsql import Hex, batches, execute_in, executemany, fetch_in, hx
from persondata.register import tombstones
from persondata.register.models import RELEVANCE, Customer
from persondata.retention import ledger

#: Tables of the order history (retention class ``relevance``) and of accounting material (``fy…``).
HISTORY_TABLES = ("customer_order", "service_agreement")
ACCOUNTING_TABLES = (("invoice", "invoice_date"), ("payment", "paid_on"))
_COUNT_KEY = {
    "customer_order": "orders",
    "service_agreement": "agreements",
    "invoice": "invoices",
    "payment": "payments",
}


def is_accounting_class(klass: str) -> bool:
    return klass.startswith("fy")


def _reverse_relations(model: Any) -> list[Any]:
    return [
        f
        for f in model._meta.get_fields(include_hidden=True)
        if (f.one_to_many or f.one_to_one) and f.auto_created and not f.concrete
    ]


def _simple_relations() -> list[tuple[str, str, Any]] | None:
    """The tables that point at ``customer`` (this app's and any other's), if plain SQL can clear them: each
    relation cascades or sets null, and nothing points at those tables in turn. None: use Django's collector."""
    out = []
    for rel in _reverse_relations(Customer):
        related = rel.related_model
        if rel.on_delete not in (models.CASCADE, models.SET_NULL) or _reverse_relations(related):
            return None
        out.append((str(related._meta.db_table), str(rel.field.column), rel.on_delete))
    return out


def delete_customer_rows(ids: list[Hex]) -> None:
    """Remove customer rows with whatever still points at them (e.g. a restriction of processing).

    Django's collector does this generally but, fetching and cascading model by model, costs more than the
    rest of a sweep's chunk; where every relation is a plain cascade (as today) the same is done in SQL.
    """
    if not ids:
        return
    relations = _simple_relations()
    if relations is None:
        for part in batches(ids):
            Customer.objects.filter(id__in=part).only("id").delete()
        store.destroy_customers(ids)
        return
    for table, column, on_delete in relations:
        if on_delete is models.CASCADE:
            execute_in(f"DELETE FROM {table} WHERE {column} IN ({{}})", ids)  # noqa: S608 - from the models
        else:
            execute_in(f"UPDATE {table} SET {column} = NULL WHERE {column} IN ({{}})", ids)  # noqa: S608
    execute_in("DELETE FROM customer WHERE id IN ({})", ids)
    store.destroy_customers(ids)  # their keys, in the key store (no foreign key reaches it)


@dataclass
class _Deleted:
    """What one customer lost in this step, and under which rule."""

    contact: str | None = None  # the rule, if contact data was deleted
    number: str | None = None
    history: list[tuple[Hex, str]] = field(default_factory=list)  # (record id, rule)
    accounting: dict[str, list[tuple[Hex, str]]] = field(default_factory=dict)  # klass -> records

    def relevance_count(self) -> int:
        return (self.contact is not None) + (self.number is not None) + len(self.history)

    def relevance_rule(self) -> str:
        return self.contact or self.number or (self.history[0][1] if self.history else "")


class Deleter:
    """Deletes what it is told to and, in :meth:`finish`, destroys emptied keys, removes emptied customers
    and writes the ledger. One deleter per transaction (a sweep chunk, an erasure, a reapply chunk)."""

    def __init__(
        self,
        *,
        at: datetime,
        run_id: uuid.UUID | None,
        held_records: Collection[Hex] = (),
        write_ledger: bool = True,
        tombstones_on: date | None = None,
    ) -> None:
        self.at, self.run_id = at, (run_id.hex if run_id is not None else None)
        #: the sweep: a customer number or e-mail whose blind index goes is kept as a tombstone of this day
        self.tombstones_on = tombstones_on
        self.held = frozenset(held_records)
        self.write_ledger = write_ledger
        self.counts: Counter[str] = Counter()
        self.rows: list[ledger.LedgerRow] = []
        self.removed: set[Hex] = set()
        self._deleted: dict[Hex, _Deleted] = {}
        self._touched: set[Hex] = set()
        self._forget: set[Hex] = set()  # customers whose contact data went: their outbox messages go too

    def _of(self, customer_id: Hex) -> _Deleted:
        self._touched.add(customer_id)
        return self._deleted.setdefault(customer_id, _Deleted())

    # -- relevance: contact data, customer number, order history --------------------------------------------
    def relevance(self, categories: Mapping[Hex, Collection[str]], rule: str) -> None:
        """Delete the given relevance categories (``contact``, ``customer_number``, ``order_history``)."""
        parts: dict[tuple[bool, bool], list[Hex]] = {}
        for cid, cats in categories.items():
            which = ("contact" in cats, "customer_number" in cats)
            if any(which):
                parts.setdefault(which, []).append(cid)
        for (contact, number), ids in parts.items():
            for cid, had_contact, had_number in self._clear_profile(ids, contact, number):
                d = self._of(cid)
                if had_contact:
                    d.contact = rule
                if had_number:
                    d.number = rule
        history = [cid for cid, cats in categories.items() if "order_history" in cats]
        for cid, record_id, table in self._delete_history(history):
            self._of(cid).history.append((record_id, rule))
            self.counts[_COUNT_KEY[table]] += 1

    def _clear_profile(self, ids: list[Hex], contact: bool, number: bool) -> list[tuple[Hex, bool, bool]]:
        """Contact data and/or the customer number, in one pass over the customer rows.

        Contact data is present while any of its blind indexes is (an import always sets the name's); a blob
        without them is an empty marker (see _write_markers), not contact data.
        """
        has_contact = "(name_bidx IS NOT NULL OR email_bidx IS NOT NULL OR phone_bidx IS NOT NULL)"
        has_number = "number_bidx IS NOT NULL"
        wanted = " OR ".join(w for w, on in ((has_contact, contact), (has_number, number)) if on)
        found = fetch_in(
            f"SELECT id, {has_contact}, {has_number}, email_bidx, number_bidx FROM customer "  # noqa: S608 - constants
            f"WHERE ({wanted}) AND id IN ({{}})",
            ids,
        )
        rows = [(hx(r[0]), contact and bool(r[1]), number and bool(r[2])) for r in found]
        if self.tombstones_on is not None:
            tombstones.remember_tokens(
                [("email", bytes(r[3])) for r in found if contact and r[3] is not None]
                + [("customer_number", bytes(r[4])) for r in found if number and r[4] is not None],
                on=self.tombstones_on,
                reason=tombstones.END_OF_RETENTION,
            )
        sets = []
        if contact:
            sets.append("contact_blob = NULL, name_bidx = NULL, email_bidx = NULL, phone_bidx = NULL")
        if number:
            sets.append("number_blob = NULL, number_bidx = NULL")
        execute_in(f"UPDATE customer SET {', '.join(sets)} WHERE id IN ({{}})", [r[0] for r in rows])  # noqa: S608
        with_contact = [cid for cid, c, _n in rows if c]
        self._forget.update(with_contact)
        execute_in("DELETE FROM customer_name_token WHERE customer_id IN ({})", with_contact)
        self._touched.update(r[0] for r in rows)
        self.counts["contact"] += len(with_contact)
        self.counts["customer_number"] += sum(1 for r in rows if r[2])
        return rows

    def _delete_history(self, ids: list[Hex]) -> list[tuple[Hex, Hex, str]]:
        done: list[tuple[Hex, Hex, str]] = []
        for table in HISTORY_TABLES:
            rows = fetch_in(f"SELECT customer_id, id FROM {table} WHERE customer_id IN ({{}})", ids)  # noqa: S608 - constant
            doomed = [(hx(c), hx(i)) for c, i in rows]
            doomed = [(c, i) for c, i in doomed if i not in self.held]
            execute_in(f"DELETE FROM {table} WHERE id IN ({{}})", [i for _, i in doomed])  # noqa: S608 - constant
            done.extend((c, i, table) for c, i in doomed)
        self._touched.update(ids)
        return done

    # -- accounting material ---------------------------------------------------------------------------------
    def accounting_due(self, ids: list[Hex], cutoff: date, rule: str) -> None:
        """Delete the invoices and payments of these customers dated on or before ``cutoff`` (R1/R3)."""
        for table, column in ACCOUNTING_TABLES:
            rows = fetch_in(
                f"SELECT customer_id, id, key_class FROM {table} WHERE customer_id IN ({{}}) AND {column} <= %s",  # noqa: S608 - constants
                ids,
                after=[cutoff.isoformat()],
            )
            self._delete_accounting(table, rows, rule)

    def accounting_classes(self, pairs: Iterable[tuple[Hex, str]], rule: str) -> None:
        """Delete every invoice and payment of these (customer, ``fy…`` class) pairs (for ``reapply``)."""
        wanted: dict[str, list[Hex]] = {}
        for cid, klass in pairs:
            wanted.setdefault(klass, []).append(cid)
        for klass, ids in wanted.items():
            for table, _column in ACCOUNTING_TABLES:
                rows = fetch_in(
                    f"SELECT customer_id, id, key_class FROM {table} WHERE key_class = %s AND customer_id IN ({{}})",  # noqa: S608 - constant
                    ids,
                    before=[klass],
                )
                self._delete_accounting(table, rows, rule)

    def _delete_accounting(self, table: str, rows: list[tuple[object, ...]], rule: str) -> None:
        doomed = [(hx(c), hx(i), str(k)) for c, i, k in rows]
        doomed = [d for d in doomed if d[1] not in self.held]
        execute_in(f"DELETE FROM {table} WHERE id IN ({{}})", [i for _, i, _ in doomed])  # noqa: S608 - constant
        for cid, record_id, klass in doomed:
            self._of(cid).accounting.setdefault(klass, []).append((record_id, rule))
        self.counts[_COUNT_KEY[table]] += len(doomed)

    # -- single records and whole customers (reapply) ----------------------------------------------------------
    def records(self, items: Iterable[tuple[Hex, str, Hex]], rule: str) -> None:
        """Delete single records named by (customer, class, record id), wherever they are."""
        by_class: dict[bool, list[Hex]] = {True: [], False: []}
        for _cid, klass, record_id in items:
            by_class[is_accounting_class(klass)].append(record_id)
        for accounting, record_ids in by_class.items():
            tables = [t for t, _ in ACCOUNTING_TABLES] if accounting else list(HISTORY_TABLES)
            for table in tables:
                rows = fetch_in(
                    f"SELECT customer_id, id{', key_class' if accounting else ''} FROM {table} WHERE id IN ({{}})",  # noqa: S608 - constants
                    record_ids,
                )
                if accounting:
                    self._delete_accounting(table, rows, rule)
                else:
                    doomed = [(hx(c), hx(i)) for c, i in rows]
                    execute_in(f"DELETE FROM {table} WHERE id IN ({{}})", [i for _, i in doomed])  # noqa: S608 - constant
                    for cid, record_id in doomed:
                        self._of(cid).history.append((record_id, rule))
                    self.counts[_COUNT_KEY[table]] += len(doomed)

    def remove_customers(self, ids: Iterable[Hex]) -> None:
        """Remove customers outright, with everything they still have (for ``reapply``)."""
        removed = [hx(r[0]) for r in fetch_in("SELECT id FROM customer WHERE id IN ({})", list(ids))]
        delete_customer_rows(removed)
        self.removed.update(removed)
        self.counts["customers_removed"] += len(removed)

    # -- keys, empty customers, the ledger -----------------------------------------------------------------
    def finish(self, *, write_ahead: bool) -> None:
        """Destroy the keys of emptied classes, remove emptied customers, and write the ledger entries."""
        ids = sorted(self._touched - self.removed)
        relevance_left, history_left, accounting_left = self._left(ids)
        keys = [(cid, klass) for cid, klass, _wrapped in store.customer_keys(ids)]
        doomed_keys = [
            (cid, klass)
            for cid, klass in keys
            if (klass == RELEVANCE and cid not in relevance_left)
            or (is_accounting_class(klass) and (cid, klass) not in accounting_left)
        ]
        by_class: dict[str, list[Hex]] = {}
        for cid, klass in doomed_keys:
            by_class.setdefault(klass, []).append(cid)
        for klass, owners in by_class.items():
            store.destroy_customer_keys(klass, owners)  # crypto-shredding, in the key store
        for _cid, klass in doomed_keys:
            self.counts["keys_relevance" if klass == RELEVANCE else "keys_accounting"] += 1
        # empty markers sealed under a relevance key that is now gone are removed with it
        execute_in(
            "UPDATE customer SET contact_blob = NULL, number_blob = NULL "
            "WHERE (contact_blob IS NOT NULL OR number_blob IS NOT NULL) AND id IN ({})",
            [cid for cid, klass in doomed_keys if klass == RELEVANCE],
        )
        self._write_markers(ids)
        kept_keys = {cid for cid, _ in set(keys) - set(doomed_keys)}
        accounting_customers = {cid for cid, _ in accounting_left}
        empty = [
            cid
            for cid in ids
            if cid not in relevance_left and cid not in accounting_customers and cid not in kept_keys
        ]
        for cid in ids:
            self._ledger_for(cid, relevance_left, history_left, accounting_left)
        delete_customer_rows(empty)
        for cid in empty:
            d = self._deleted.get(cid)
            rule = (
                next(iter(d.accounting.values()))[0][1]
                if d and d.accounting
                else (d.relevance_rule() if d else "")
            )
            self._row(cid, "customer", rule or "erasure", 1)
        self.removed.update(empty)
        self.counts["customers_removed"] += len(empty)
        # mail on its way to a customer whose contact data is gone goes with it (it holds the address)
        outbox.forget(outbox.subject("customer", cid) for cid in self._forget | self.removed)
        self._forget.clear()
        if self.write_ledger:
            ledger.save(self.rows, write_ahead=write_ahead)
        self._deleted.clear()
        self._touched.clear()

    def _left(self, ids: list[Hex]) -> tuple[set[Hex], set[Hex], set[tuple[Hex, str]]]:
        profile = {
            hx(r[0])
            for r in fetch_in(
                "SELECT id FROM customer WHERE (name_bidx IS NOT NULL OR email_bidx IS NOT NULL "
                "OR phone_bidx IS NOT NULL OR number_bidx IS NOT NULL) AND id IN ({})",
                ids,
            )
        }
        history: set[Hex] = set()
        for table in HISTORY_TABLES:
            history |= {
                hx(r[0])
                for r in fetch_in(
                    f"SELECT DISTINCT customer_id FROM {table} WHERE customer_id IN ({{}})",  # noqa: S608 - constant
                    ids,
                )
            }
        accounting: set[tuple[Hex, str]] = set()
        for table, _column in ACCOUNTING_TABLES:
            accounting |= {
                (hx(c), str(k))
                for c, k in fetch_in(
                    f"SELECT DISTINCT customer_id, key_class FROM {table} WHERE customer_id IN ({{}})",  # noqa: S608 - constant
                    ids,
                )
            }
        return profile | history, history, accounting

    def _write_markers(self, ids: list[Hex]) -> None:
        write_markers(ids)

    def _ledger_for(
        self,
        cid: Hex,
        relevance_left: set[Hex],
        history_left: set[Hex],
        accounting_left: set[tuple[Hex, str]],
    ) -> None:
        d = self._deleted.get(cid)
        if d is None:
            return
        n = d.relevance_count()
        if n and cid not in relevance_left:
            # the whole relevance class of this customer is gone: one entry covers it
            self._row(cid, "relevance", d.relevance_rule(), n)
        elif n:
            if d.contact:
                self._row(cid, "contact", d.contact, 1)
            if d.number:
                self._row(cid, "customer_number", d.number, 1)
            if d.history and cid not in history_left:
                self._row(cid, "order_history", d.history[0][1], len(d.history))
            else:
                for record_id, rule in d.history:
                    self._row(cid, "order_history", rule, 1, record_id)
        for klass, records in d.accounting.items():
            if (cid, klass) not in accounting_left:
                self._row(cid, klass, records[0][1], len(records))
            else:
                for record_id, rule in records:
                    self._row(cid, klass, rule, 1, record_id)

    def _row(self, cid: Hex, klass: str, rule: str, count: int, record_id: Hex | None = None) -> None:
        self.rows.append(ledger.LedgerRow.new(self.at, cid, klass, rule, count, record_id, self.run_id))


def write_markers(ids: list[Hex]) -> None:
    """Where the relevance key must stay (a held order, a category with a longer period) but contact data
    or the customer number is gone, the blob holds an empty record sealed under that key, so that every
    reader finds "nothing" rather than a missing ciphertext."""
    rows = fetch_in(
        "SELECT c.id, c.contact_blob IS NULL, c.number_blob IS NULL FROM customer c "
        "WHERE (c.contact_blob IS NULL OR c.number_blob IS NULL) AND c.id IN ({})",
        ids,
    )
    keys = ring.customer_keys([hx(r[0]) for r in rows], RELEVANCE)
    contact, number = [], []
    for raw_id, no_contact, no_number in rows:
        cid = hx(raw_id)
        key = keys.get(cid)
        if key is None:
            continue  # no relevance key: nothing can be sealed, and nothing needs to be
        if no_contact:
            contact.append((seal(key, {}, sealing.contact(cid)), cid))
        if no_number:
            number.append((seal(key, {"customer_number": None}, sealing.customer_number(cid)), cid))
    executemany("UPDATE customer SET contact_blob = %s WHERE id = %s", contact)
    executemany("UPDATE customer SET number_blob = %s WHERE id = %s", number)
