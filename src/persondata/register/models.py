"""The customer register: customers, their orders, invoices, payments and service agreements.

Every personal field lives inside an AES-GCM ciphertext (``*_blob``) under the customer's data key for the
field's retention class (see ``persondata.core.vault``). What stays in clear text is what is not personal on
its own and what the retention rules need: dates, amounts, order and invoice numbers, and keyed blind indexes
for lookups. Primary keys are random, time-ordered UUIDs: they are the *pseudonymous ids* used in URLs, logs
and the audit trail, and say nothing about the person.
"""

from __future__ import annotations

import os
import time
import uuid

from django.db import models

# The personal fields this register stores, in the policy file's words (`categories.*.fields`). `policy check`
# compares them with the policy: a stored field no category declares is an error (DESIGN.md).
STORED_FIELDS = frozenset(
    {
        "name", "address", "phone", "email",  # Customer.contact_blob
        "customer_number",  # Customer.number_blob
        "order", "order_line", "delivery_address",  # Order.detail_blob
        "service_agreement",  # ServiceAgreement.detail_blob
        "invoice", "billing_snapshot",  # Invoice, Invoice.snapshot_blob
        "payment",  # Payment, Payment.reference_blob
    }
)  # fmt: skip

# The retention class of contact data and order history (RULES R2: not accounting material).
RELEVANCE = "relevance"


def new_id_hex() -> str:
    """A UUIDv7-shaped id as 32 hex digits: 48-bit millisecond time, version 7, variant, 74 random bits.

    Time-ordered, so bulk inserts append to the primary-key index instead of splitting random pages.
    """
    rnd = int.from_bytes(os.urandom(10), "big")
    rand_a = (rnd >> 68) & 0xFFF
    rand_b = rnd & ((1 << 62) - 1)
    return f"{time.time_ns() // 1_000_000:012x}7{rand_a:03x}{(0b10 << 62) | rand_b:016x}"


def new_ids_hex(n: int) -> list[str]:
    """``n`` ids like :func:`new_id_hex`, drawing the randomness in one system call (the import's hot path)."""
    prefix = f"{time.time_ns() // 1_000_000:012x}7"
    rnd = os.urandom(10 * n).hex()
    out = []
    for i in range(0, 20 * n, 20):
        r = rnd[i : i + 20]
        out.append(f"{prefix}{r[:3]}{'89ab'[int(r[3], 16) & 3]}{r[4:19]}")
    return out


def new_id() -> uuid.UUID:
    return uuid.UUID(new_id_hex())


class ImportRun(models.Model):
    """One run of ``persondata import``: the source of the records it wrote (RULES R9: "the source")."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True)
    mode = models.CharField(max_length=20)  # all-or-nothing | good-rows
    status = models.CharField(
        max_length=12, default="running"
    )  # running | done | rejected | failed | interrupted
    files = models.JSONField(default=list)  # base names and detected kinds only
    # host:pid:thread of the process running it: a run left "running" by a process that is gone was killed
    holder = models.CharField(max_length=200, default="", blank=True)
    counts = models.JSONField(default=dict)
    error_count = models.IntegerField(default=0)

    class Meta:
        db_table = "import_run"


class Customer(models.Model):
    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    # The blind indexes and blobs are NULL once retention has deleted their category (persondata.retention):
    # number_bidx/number_blob with "customer_number", the other indexes and contact_blob with "contact".
    number_bidx = models.BinaryField(max_length=16, unique=True, null=True)
    email_bidx = models.BinaryField(max_length=16, null=True, db_index=True)
    phone_bidx = models.BinaryField(max_length=16, null=True, db_index=True)
    name_bidx = models.BinaryField(max_length=16, db_index=True, null=True)
    # category "contact": name, address, phone, e-mail — under the customer's RELEVANCE key
    contact_blob = models.BinaryField(null=True)
    # category "customer_number" — its own ciphertext so that a role may see one category without the other
    number_blob = models.BinaryField(null=True)
    # The day the customer relationship ended, kept by retention once the records it was computed from (orders,
    # agreements) are deleted while another category still runs its relevance period (RULES R2).
    relationship_ended_on = models.DateField(null=True)
    # The source system's own dates, when its export gives them (docs/import-formats.md): retention counts the
    # relevance period from them rather than from the day of the import (RULES R2; issue 16).
    customer_since = models.DateField(null=True)
    last_activity = models.DateField(null=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    import_run = models.ForeignKey(
        ImportRun, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    # the import's keyed digest of the record as the source gave it, and the nonces it was sealed with
    # (register.import_raw; a JSON record: register.import_digest)
    import_digest = models.BinaryField(max_length=40, null=True)

    class Meta:
        db_table = "customer"


class CustomerNameToken(models.Model):
    """One blind index per word of the name, so staff can find 'Jensen' without typing the full name."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    token_bidx = models.BinaryField(max_length=16)

    class Meta:
        db_table = "customer_name_token"
        indexes = [models.Index(fields=["token_bidx"], name="name_token_bidx")]


class Order(models.Model):
    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, db_index=False, related_name="orders")
    order_number = models.CharField(max_length=40)
    ordered_on = models.DateField()
    delivered_on = models.DateField(null=True)
    total_ore = models.BigIntegerField()
    currency = models.CharField(max_length=3, default="DKK")
    # category "order_history": delivery address and lines — under the customer's RELEVANCE key
    detail_blob = models.BinaryField()
    import_run = models.ForeignKey(
        ImportRun, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    # the import's keyed digest of the record as the source gave it, and the nonces it was sealed with
    # (register.import_raw; a JSON record: register.import_digest)
    import_digest = models.BinaryField(max_length=40, null=True)

    class Meta:
        db_table = "customer_order"
        constraints = [models.UniqueConstraint(fields=["order_number"], name="order_number_unique")]
        indexes = [models.Index(fields=["customer", "ordered_on"], name="order_customer_date")]


class Invoice(models.Model):
    """Accounting material (RULES R2). The billing name and address are a snapshot taken at invoicing."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, db_index=False, related_name="invoices")
    invoice_number = models.CharField(max_length=40)
    invoice_date = models.DateField()
    due_date = models.DateField(null=True)
    total_ore = models.BigIntegerField()
    currency = models.CharField(max_length=3, default="DKK")
    order_number = models.CharField(max_length=40, blank=True, default="")
    key_class = models.CharField(max_length=20)  # the financial year whose key seals the snapshot
    snapshot_blob = models.BinaryField()
    import_run = models.ForeignKey(
        ImportRun, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    # the import's keyed digest of the record as the source gave it, and the nonces it was sealed with
    # (register.import_raw; a JSON record: register.import_digest)
    import_digest = models.BinaryField(max_length=40, null=True)

    class Meta:
        db_table = "invoice"
        constraints = [models.UniqueConstraint(fields=["invoice_number"], name="invoice_number_unique")]
        indexes = [models.Index(fields=["customer", "invoice_date"], name="invoice_customer_date")]


class Payment(models.Model):
    """Accounting material (RULES R2): method, amount, date and a masked reference — never a full card number."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, db_index=False, related_name="payments")
    payment_ref = models.CharField(max_length=40)  # the administrative system's id of the payment
    invoice_number = models.CharField(max_length=40, blank=True, default="")
    paid_on = models.DateField()
    amount_ore = models.BigIntegerField()
    currency = models.CharField(max_length=3, default="DKK")
    method = models.CharField(max_length=20)
    key_class = models.CharField(max_length=20)
    reference_blob = models.BinaryField()
    import_run = models.ForeignKey(
        ImportRun, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    # the import's keyed digest of the record as the source gave it, and the nonces it was sealed with
    # (register.import_raw; a JSON record: register.import_digest)
    import_digest = models.BinaryField(max_length=40, null=True)

    class Meta:
        db_table = "payment"
        constraints = [models.UniqueConstraint(fields=["payment_ref"], name="payment_ref_unique")]
        indexes = [models.Index(fields=["customer", "paid_on"], name="payment_customer_date")]


class ServiceAgreement(models.Model):
    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="agreements")
    agreement_ref = models.CharField(max_length=40)
    kind = models.CharField(max_length=10, choices=[("oral", "oral"), ("written", "written")])
    starts_on = models.DateField()
    ends_on = models.DateField(null=True)
    detail_blob = models.BinaryField()  # description, under the RELEVANCE key
    import_run = models.ForeignKey(
        ImportRun, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    # the import's keyed digest of the record as the source gave it, and the nonces it was sealed with
    # (register.import_raw; a JSON record: register.import_digest)
    import_digest = models.BinaryField(max_length=40, null=True)

    class Meta:
        db_table = "service_agreement"
        constraints = [models.UniqueConstraint(fields=["agreement_ref"], name="agreement_ref_unique")]


class Restriction(models.Model):
    """A restriction of processing (GDPR Art. 18; RULES R4: after an erasure request the accounting material is
    kept but restricted to the bookkeeping purpose). While active, only the listed purposes may read the listed
    categories of this customer, whatever the roles would otherwise allow."""

    REASONS = (
        ("erasure_request", "erasure requested; accounting material kept for the bookkeeping act"),
        ("accuracy_disputed", "accuracy disputed, being checked"),
        ("unlawful", "processing unlawful, customer asked for restriction instead of erasure"),
        ("legal_claims", "needed by the customer for legal claims"),
        ("objection", "objection pending"),
        ("claim_time_barred", "unpaid invoice time-barred; contact data kept for the bookkeeping act only"),
    )
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="restrictions")
    purposes = models.JSONField(default=list)  # purposes that may still read
    categories = models.JSONField(default=list)  # categories that may still be read under them
    reason = models.CharField(max_length=20, choices=REASONS)
    created_at = models.DateTimeField()
    lifted_at = models.DateTimeField(null=True)

    class Meta:
        db_table = "restriction"


class Tombstone(models.Model):
    """A customer erased at their request, remembered by keyed blind indexes only (the deletion ledger's part
    that the import reads): an import that meets one does not create the customer again (issue 12)."""

    kind = models.CharField(max_length=20)  # customer_number | email
    token = models.BinaryField(max_length=16)  # the same keyed blind index the register's lookups use
    erased_on = models.DateField()
    reason = models.CharField(max_length=40)  # erasure_request

    class Meta:
        db_table = "deletion_tombstone"
        constraints = [models.UniqueConstraint(fields=["kind", "token"], name="tombstone_one_per_token")]
