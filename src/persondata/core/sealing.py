"""Every encryption context, built here and nowhere else.

A sealed record (:func:`persondata.core.vault.seal`) is bound to its *context*: the kind of record and the id of
what it belongs to, authenticated with the ciphertext. A blob moved to another row, or read as another kind, does
not open. The price is that a context spelt differently on reading than on writing makes the data unreadable for
good — so every context string is built by one of these functions, and a test fails if any other module builds one.

Record kinds and who owns them:

* a customer's records, under the customer's data keys: ``contact``, ``customer_number`` (by customer id),
  ``order``, ``invoice``, ``payment``, ``agreement`` (by the record's own number or reference);
* a customer's request, under the request's own key: ``requester``, ``work`` and the documents and partner
  notices that belong to it (by request id, or by document / notice id);
* a partner's webhook secret, under its own key (by partner key);
* a message waiting in the outbox, under its own key (by message id and kind of message).
"""

from __future__ import annotations

import uuid
from typing import Final

#: The customer's records (register) and the request's records (requests), by kind.
CUSTOMER_KINDS: Final = frozenset({"contact", "customer_number", "order", "invoice", "payment", "agreement"})
REQUEST_KINDS: Final = frozenset({"requester", "work"})


def _ident(owner: uuid.UUID | str) -> str:
    return owner.hex if isinstance(owner, uuid.UUID) else owner


def _context(kind: str, owner: uuid.UUID | str) -> str:
    ident = _ident(owner)
    if not ident or "|" in ident:
        raise ValueError(f"a {kind} context needs a non-empty id without '|'")
    return f"{kind}|{ident}"


# -- a customer's records --------------------------------------------------------------------------------------
def contact(customer_id: uuid.UUID | str) -> str:
    return _context("contact", customer_id)


def customer_number(customer_id: uuid.UUID | str) -> str:
    return _context("customer_number", customer_id)


def order(order_number: str) -> str:
    return _context("order", order_number)


def invoice(invoice_number: str) -> str:
    return _context("invoice", invoice_number)


def payment(payment_ref: str) -> str:
    return _context("payment", payment_ref)


def agreement(agreement_ref: str) -> str:
    return _context("agreement", agreement_ref)


# -- a customer's request --------------------------------------------------------------------------------------
def request_record(kind: str, request_id: uuid.UUID | str) -> str:
    """A record of the request itself: ``requester`` (what the requester told us) or ``work`` (staff notes)."""
    if kind not in REQUEST_KINDS:
        raise ValueError(f"unknown request record kind {kind!r}")
    return _context(kind, request_id)


def request_part(kind: str, part_id: uuid.UUID | str, request_id: uuid.UUID | str) -> str:
    """A part sealed under the request's key: a ``document``, a partner ``notice`` or ``notice_note``."""
    if kind not in {"document", "notice", "notice_note"}:
        raise ValueError(f"unknown request part kind {kind!r}")
    return _context(f"{kind}:{_ident(part_id)}", request_id)


# -- a partner's webhook secret --------------------------------------------------------------------------------
def webhook_secret(partner_key: str) -> str:
    return _context("secret", partner_key)


# -- a message in the outbox -----------------------------------------------------------------------------------
def outbox_message(message_id: uuid.UUID, kind: str) -> str:
    """A mail or webhook waiting in the outbox: bound to its row and to what kind of message it is."""
    if not kind or "|" in kind:
        raise ValueError("an outbox message context needs a kind without '|'")
    return f"{_context('outbox', message_id)}|{kind}"


def outbox_key_owner(message_id: uuid.UUID) -> str:
    """What a message's own data key is wrapped for (the vault binds a wrapped key to its owner)."""
    return f"outbox:{message_id.hex}"
