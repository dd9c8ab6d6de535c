"""Legal holds, retention runs, the deletion ledger, and the job runner's bookkeeping.

Nothing here holds personal data except a legal hold's reason, which staff write (and which is refused if it
looks like a CPR number). Customers are named by their pseudonymous id (a UUID), never by a foreign key: a
hold, a run and a ledger entry outlive the customer they concern (RULES R5: the ledger proves the deletion).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_noop

from persondata.register.models import new_id

RECORD_KINDS = (
    ("order", "order"),
    ("agreement", "agreement"),
    ("invoice", "invoice"),
    ("payment", "payment"),
)


class LegalHold(models.Model):
    """A legal hold (GDPR Art. 17(3)(e), RULES R4): nothing it covers is deleted through ``ends_on``.

    On the whole customer (``record_id`` empty) or on one record. Ending a hold early sets ``ended_at``.
    """

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    customer_id = models.UUIDField(db_index=True)  # pseudonymous id; the hold outlives the customer
    record_kind = models.CharField(max_length=10, choices=RECORD_KINDS, blank=True, default="")
    record_id = models.UUIDField(null=True)
    reason = models.TextField()  # free text for the controller; never copied into the audit log
    ends_on = models.DateField()  # inclusive: held through this day
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    ended_at = models.DateTimeField(null=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        db_table = "retention_legal_hold"


#: a run's kind and end in words (pages, the control's evidence); translated where shown
RUN_KINDS = {
    "plan": gettext_noop("Deletion plan"),
    "sweep": gettext_noop("Daily deletion"),
    "erasure": gettext_noop("Erasure of a customer"),
    "reapply": gettext_noop("Deletion again after a restore"),
}
RUN_STATUSES = {
    "running": gettext_noop("running"),
    "done": gettext_noop("done"),
    "failed": gettext_noop("failed"),
    "interrupted": gettext_noop("interrupted"),
}


class RetentionRun(models.Model):
    """One plan, sweep, erasure or reapply; its counts and the 90-day forecast it computed."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    kind = models.CharField(max_length=10)  # plan | sweep | erasure | reapply
    today = models.DateField()  # the legal date (Europe/Copenhagen) every rule was evaluated on
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True)
    status = models.CharField(max_length=12, default="running")  # running | done | interrupted | failed
    actor = models.CharField(max_length=64)
    chunks = models.IntegerField(default=0)
    customers_scanned = models.IntegerField(default=0)
    last_customer = models.UUIDField(null=True)  # progress: the last customer of the last committed chunk
    counts = models.JSONField(default=dict)
    forecast = models.JSONField(default=dict)

    class Meta:
        db_table = "retention_run"
        indexes = [models.Index(fields=["kind", "started_at"], name="retention_run_kind_started")]


class DeletionLedgerEntry(models.Model):
    """What was deleted, when and under which rule — no personal data (RULES R5).

    ``klass`` is a retention class: ``relevance`` (contact data, customer number and order history together),
    one of its categories alone (``contact``, ``customer_number``, ``order_history``), a financial year's
    accounting material (``fy2020``), or ``customer`` (the row itself, once nothing else was left). With
    ``record_id`` empty the entry covers every record of that class of the customer; otherwise one record.
    The same entries are appended to a file outside the database, so that ``persondata retention reapply``
    can delete again what a restored backup brought back.
    """

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    at = models.DateTimeField()
    customer_id = models.UUIDField()  # pseudonymous id; no foreign key: the entry outlives the customer
    klass = models.CharField(max_length=20)
    # relevance (relevance:activity, :since, :import — what the period was counted from) | bookkeeping | erasure
    rule = models.CharField(max_length=20)
    count = models.IntegerField()
    record_id = models.UUIDField(null=True)
    run = models.ForeignKey(
        RetentionRun, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )

    class Meta:
        db_table = "retention_ledger"
        indexes = [models.Index(fields=["customer_id"], name="retention_ledger_customer")]
