"""The import writer's tables: each kind of record below a customer, where it is written, and its sealed column."""

from __future__ import annotations

# kind (the Unit attribute), table, the record's key column, the other columns in the order ``_store`` gives them
KINDS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    (
        "orders",
        "customer_order",
        "order_number",
        (
            "customer_id",
            "ordered_on",
            "delivered_on",
            "total_ore",
            "currency",
            "detail_blob",
            "import_run_id",
            "import_digest",
        ),
    ),
    (
        "invoices",
        "invoice",
        "invoice_number",
        (
            "customer_id",
            "invoice_date",
            "due_date",
            "total_ore",
            "currency",
            "order_number",
            "key_class",
            "snapshot_blob",
            "import_run_id",
            "import_digest",
        ),
    ),
    (
        "payments",
        "payment",
        "payment_ref",
        (
            "customer_id",
            "invoice_number",
            "paid_on",
            "amount_ore",
            "currency",
            "method",
            "key_class",
            "reference_blob",
            "import_run_id",
            "import_digest",
        ),
    ),
    (
        "agreements",
        "service_agreement",
        "agreement_ref",
        ("customer_id", "kind", "starts_on", "ends_on", "detail_blob", "import_run_id", "import_digest"),
    ),
)
# the table → its sealed column, whose nonce the digest is bound to
BLOB = {table: cols[-3] for _kind, table, _key, cols in KINDS}
