"""Telling the partners (GDPR Art. 19; RULES R11): one notice per partner and change, and the partners' webhooks.

A :class:`PartnerNotice` names the request it answers (by foreign key: requests are never deleted, only purged)
and the partner by its key in the policy file. It holds no personal data in the clear: what the partner is told —
the customer number and, for a rectification, the new values — is built when the notice is created (the customer
may be erased a moment later) and sealed under the request's own data key; it is dropped once the partner has it.

A :class:`PartnerEndpoint` is where a partner's system takes notices by webhook. Its signing secret is sealed
under a data key of its own (owner ``partner:<key>``, class ``partner_endpoint``), wrapped by the master key.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from persondata.register.models import new_id
from persondata.requests.models import Request

ACTIONS = (
    ("rectification", "rectification"),
    ("erasure", "erasure"),
    ("restriction", "restriction"),
    ("restriction_lifted", "restriction lifted"),
)
PENDING, SENDING, DONE, FAILED = "pending", "sending", "done", "failed"
STATES = ((PENDING, PENDING), (SENDING, SENDING), (DONE, DONE), (FAILED, FAILED))
OPEN_STATES = (PENDING, SENDING, FAILED)


class PartnerEndpoint(models.Model):
    partner_key = models.CharField(max_length=40, unique=True)  # a [partners.<key>] of the policy file
    url = models.CharField(max_length=500)  # https://…, or http:// to this machine only
    wrapped_key = models.BinaryField()  # the endpoint's data key, wrapped (owner "partner:<key>")
    secret_blob = models.BinaryField()  # {"secret": …} sealed under that key
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        db_table = "partner_endpoint"


class PartnerNotice(models.Model):
    """One partner to be told of one rectification, erasure, restriction or lift: codes and dates only."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    request = models.ForeignKey(Request, on_delete=models.PROTECT, related_name="partner_notices")
    partner_key = models.CharField(max_length=40)
    partner_name = models.CharField(max_length=200)  # as the policy file named the partner at the time
    action = models.CharField(max_length=20, choices=ACTIONS)
    categories = models.JSONField(default=list)  # the affected categories this partner received
    state = models.CharField(max_length=10, choices=STATES, default=PENDING)
    created_at = models.DateTimeField()
    attempts = models.SmallIntegerField(default=0)  # webhook deliveries started
    next_attempt_at = models.DateTimeField(null=True)  # when a webhook may try (again)
    claimed_until = models.DateTimeField(null=True)  # a deliverer's lease while the state is "sending"
    last_attempt_at = models.DateTimeField(null=True)
    last_error = models.CharField(max_length=20, blank=True, default="")  # a code: timeout, refused, http, …
    last_status = models.SmallIntegerField(null=True)  # the HTTP status of the last answer
    channel = models.CharField(max_length=8, blank=True, default="")  # webhook | manual, once done
    done_at = models.DateTimeField(null=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    # sealed under the request's key; NULL once delivered or ticked off (or when the request is purged)
    payload_blob = models.BinaryField(null=True)
    note_blob = models.BinaryField(null=True)  # the controller's note on ticking it off, sealed the same way

    class Meta:
        db_table = "partner_notice"
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="partner_notice_due")]


class ProcessorAgreement(models.Model):
    """A partner's processor agreement (GDPR Art. 28; RULES R14), one per partner: the current version.

    A company's contract, not customer data; the signed PDF is sealed anyway (it names the signatories) under
    a data key of its own (owner ``processor_agreement:<id>``, class ``processor_agreement``). ``clauses``
    lists the letters of Art. 28(3) the contract contains; ``sub_processors`` a list of ``{"name", "country"}``."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    partner_key = models.CharField(max_length=40, unique=True)  # a [partners.<key>] of the policy file
    signed_on = models.DateField()
    version = models.CharField(max_length=40)
    next_review = models.DateField()
    country = models.CharField(max_length=2)  # ISO 3166-1 alpha-2: where the partner processes the data
    safeguard = models.CharField(max_length=10, blank=True, default="")  # adequacy | scc | bcr | ""
    safeguard_date = models.DateField(null=True)
    clauses = models.JSONField(default=list)
    sub_processors = models.JSONField(default=list)
    wrapped_key = models.BinaryField(null=True)
    document_blob = models.BinaryField(null=True)  # {"pdf": base64} sealed under that key
    document_size = models.IntegerField(default=0)
    document_sha256 = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        db_table = "partner_agreement"


CHANNELS = (("webhook", "webhook"), ("export", "export"), ("manual", "manual"))


class Disclosure(models.Model):
    """One transfer of customer data to a partner (who received what, when, why, whose): codes and pseudonymous
    ids only. ``standing`` marks a continuous disclosure of every customer's data (the partner runs a system that
    holds it, from ``occurred_at`` on); otherwise the customers are listed in :class:`DisclosedCustomer`."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    partner_key = models.CharField(max_length=40)
    partner_name = models.CharField(max_length=200)  # as the policy file named the partner at the time
    occurred_at = models.DateTimeField()
    channel = models.CharField(max_length=8, choices=CHANNELS)
    purpose = models.CharField(
        max_length=40
    )  # a purpose of the policy file, or "art19" (telling of a change)
    categories = models.JSONField(default=list)
    standing = models.BooleanField(default=False)
    customer_count = models.IntegerField(default=0)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        db_table = "partner_disclosure"
        indexes = [models.Index(fields=["partner_key", "occurred_at"], name="partner_disclosure_when")]


class DisclosedCustomer(models.Model):
    """A customer (by pseudonymous id) whose data a disclosure carried."""

    disclosure = models.ForeignKey(Disclosure, on_delete=models.CASCADE, related_name="customers")
    customer_id = models.UUIDField(db_index=True)

    class Meta:
        db_table = "partner_disclosure_customer"
        constraints = [
            models.UniqueConstraint(
                fields=["disclosure", "customer_id"], name="partner_disclosure_customer_once"
            )
        ]
