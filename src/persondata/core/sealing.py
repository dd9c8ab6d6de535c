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
* a partner's processor agreement (the signed PDF), under its own key (by the agreement's id).
* a message waiting in the outbox, under its own key (by message id and kind).
* a public submission waiting in the intake spool, under its own key (by its id, the request's to be).

The data keys themselves are wrapped by the master key bound to their *owner* and retention class
(:func:`data_key`): a customer (by id), a request, a partner endpoint, an outbox message, a spooled submission
(:func:`key_owner`).
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
    """A part sealed under the request's key: a ``document``, a partner ``notice`` or ``notice_note``, a staff
    ``comment``."""
    if kind not in {"document", "notice", "notice_note", "comment"}:
        raise ValueError(f"unknown request part kind {kind!r}")
    return _context(f"{kind}:{_ident(part_id)}", request_id)


# -- a partner's webhook secret --------------------------------------------------------------------------------
def webhook_secret(partner_key: str) -> str:
    return _context("secret", partner_key)


# -- an outbox message -----------------------------------------------------------------------------------------
def outbox_message(row_id: uuid.UUID, kind: str) -> str:
    if not kind or "|" in kind:
        raise ValueError("an outbox message context needs a kind without '|'")
    return f"outbox|{row_id.hex}|{kind}"


# -- a public submission waiting in the intake spool (SQLite, beside a long writer) ------------------------------
def spooled_submission(submission_id: uuid.UUID | str) -> str:
    """What a visitor sent while a long writer held the database, under the submission's own key (by the id the
    request will have)."""
    return _context("spooled", submission_id)


# -- the data keys themselves ----------------------------------------------------------------------------------
KEY_OWNER_KINDS: Final = frozenset(
    {"request", "partner", "outbox", "processor_agreement", "control_attachment", "spooled"}
)


def key_owner(kind: str, ident: uuid.UUID | str) -> str:
    """The owner of a data key that is not a customer's: ``request:<id>``, ``partner:<key>``, ``outbox:<id>``."""
    if kind not in KEY_OWNER_KINDS:
        raise ValueError(f"unknown data key owner kind {kind!r}")
    value = _ident(ident)
    if not value or "|" in value:
        raise ValueError(f"a {kind} key owner needs a non-empty id without '|'")
    return f"{kind}:{value}"


def data_key(owner: uuid.UUID | str, klass: str) -> str:
    """What a wrapped data key is bound to: its owner (a customer id, or :func:`key_owner`) and its class."""
    ident = _ident(owner)
    if not ident or "|" in ident or not klass or "|" in klass:
        raise ValueError("a data key context needs an owner and a class without '|'")
    return f"{ident}|{klass}"


# -- a partner's processor agreement (the signed document) -------------------------------------------------------
def processor_agreement(agreement_id: uuid.UUID | str) -> str:
    """The signed agreement's PDF, under the agreement's own key (by the agreement's id)."""
    return _context("dpa", agreement_id)


# -- an attachment to an item of the half-yearly control (governance) ---------------------------------------------
def control_attachment(attachment_id: uuid.UUID | str) -> str:
    """The file attached to a manual item of a control, under the attachment's own key (by its id)."""
    return _context("control_attachment", attachment_id)
