"""Customers' requests (GDPR Art. 12–21; RULES R6–R12) and what answering them leaves behind.

A request names its customer by pseudonymous id, never by a foreign key: the request outlives an erasure it
answered. What the requester told us (name, e-mail, phone, address, message, the correction asked for) and every
answer sent (letters, exports) is sealed under the request's own data key; after the request has been closed for
``retention.request_record_months`` that key is destroyed and the blobs dropped (``purge``), leaving reference,
dates, kind and outcome — enough to show that the request was answered correctly and on time (Art. 5(2)).
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import connection, models

from persondata.core.requests import Kind, State
from persondata.register.models import new_id

KINDS = [(k.value, k.value) for k in Kind]
STATES = [(s.value, s.value) for s in State]
CHANNELS = [("staff", "staff"), ("api", "api"), ("public", "public")]
IDENTITY_METHODS = (
    ("email_link", "confirmation link e-mailed to the address on file"),
    ("phone_callback", "called back on the phone number on file"),
    ("in_person", "identity document shown in person"),
    ("letter", "letter to the postal address on file, answered"),
    ("known_contact", "request came from the e-mail address or phone number on file"),
)
REFUSAL_GROUNDS = (
    ("unfounded", "manifestly unfounded"),
    ("excessive", "manifestly excessive, in particular because repetitive"),
    ("identity", "identity could not be verified"),
    ("no_data", "no data about the requester is held"),
)
#: The grounds a handler may refuse on. ``no_data`` stays a stored choice only for requests refused so before
#: holding no data became a confirmation (Art. 15(1): ``answers.answer_no_data``, event ``confirm_no_data``).
OFFERED_GROUNDS = tuple(g for g in REFUSAL_GROUNDS if g[0] != "no_data")


class Request(models.Model):
    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    reference = models.CharField(max_length=12, unique=True)  # PD-XXXX-XXXX, quoted by the customer
    kind = models.CharField(max_length=16, choices=KINDS)
    state = models.CharField(max_length=20, choices=STATES, default=State.RECEIVED.value)
    channel = models.CharField(max_length=8, choices=CHANNELS)
    language = models.CharField(max_length=2, default="da")  # of the customer's letters
    received_at = models.DateTimeField()
    received_on = models.DateField()  # the legal date (Europe/Copenhagen) the deadline counts from
    due_on = models.DateField()
    extension_months = models.SmallIntegerField(default=0)
    extended_at = models.DateTimeField(null=True)
    customer_id = models.UUIDField(null=True, db_index=True)  # pseudonymous; set once matched
    match = models.CharField(max_length=10, default="none")  # none | single | ambiguous | manual
    identity_method = models.CharField(max_length=16, choices=IDENTITY_METHODS, blank=True, default="")
    identity_verified_at = models.DateTimeField(null=True)
    identity_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    refusal_ground = models.CharField(max_length=10, choices=REFUSAL_GROUNDS, blank=True, default="")
    outcome = models.JSONField(default=dict)  # counts and codes only, never personal data
    closed_at = models.DateTimeField(null=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    # the staff member handling it (a holder of handle_requests), for the inbox's "assigned to" filter
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    # sealed under the request's data key, which lives in the key store (persondata.keys: owner "request:<id>",
    # class "request") and is destroyed when the request is purged
    requester_blob = models.BinaryField(null=True)  # name, email, phone, address, customer_number, message
    work_blob = models.BinaryField(null=True)  # staff notes, extension reasons, refusal reasons, corrections
    purged_at = models.DateTimeField(null=True)

    class Meta:
        db_table = "rights_request"
        indexes = [
            models.Index(fields=["state", "due_on"], name="rights_request_state_due"),
            models.Index(fields=["closed_at"], name="rights_request_closed"),
            # the inbox's sort orders (requests.inbox.SORTS), so that a page deep in the list is an index walk
            models.Index(fields=["due_on", "received_at", "id"], name="rights_request_due_order"),
            models.Index(fields=["received_at", "id"], name="rights_request_received_order"),
        ]


class RequestEvent(models.Model):
    """One step of a request (the state machine's transitions and the work done): no personal data."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    event = models.CharField(max_length=30)  # an Event, or a work step such as letter_sent, partner_told
    from_state = models.CharField(max_length=20)
    to_state = models.CharField(max_length=20)
    actor = models.CharField(max_length=40)  # staff:12 | customer | job | api:staff:12
    details = models.JSONField(default=dict)

    class Meta:
        db_table = "rights_request_event"
        ordering = ["at", "id"]


class Comment(models.Model):
    """Staff's internal comment on a request. Free text about a customer's request may hold personal data, so it
    is sealed under the request's key like the other details, and dropped with them at purge."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="comments")
    at = models.DateTimeField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    blob = models.BinaryField(null=True)  # {"text": …} sealed under the request's key; NULL after purge

    class Meta:
        db_table = "rights_request_comment"
        ordering = ["at", "id"]


class Confirmation(models.Model):
    """An identity confirmation sent to the contact details on file: only a hash of its secret is stored."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="confirmations")
    channel = models.CharField(max_length=8, default="email")
    token_hash = models.CharField(max_length=64, unique=True)
    sent_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True)
    revoked_at = models.DateTimeField(null=True)

    class Meta:
        db_table = "rights_confirmation"


class Document(models.Model):
    """A letter or file produced for a request, kept sealed as proof of what was sent (until purge)."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=20)  # letter | access_json | access_csv | portability_json | …
    language = models.CharField(max_length=2)
    fmt = models.CharField(max_length=5)  # html | pdf | json | csv
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    sha256 = models.CharField(max_length=64)
    size = models.IntegerField()
    blob = models.BinaryField(null=True)  # sealed under the request's key; NULL after purge

    class Meta:
        db_table = "rights_document"


class RateBucket(models.Model):
    """Submissions to the public form per client (HMAC of the address, never the address) and window."""

    bucket = models.CharField(max_length=64)
    window_start = models.DateTimeField()
    count = models.IntegerField(default=0)

    class Meta:
        db_table = "rights_rate_bucket"
        constraints = [models.UniqueConstraint(fields=["bucket", "window_start"], name="rate_bucket_unique")]

    @classmethod
    def count_one(cls, bucket: str, window_start: datetime) -> int:
        """Count one submission in the window, atomically (one ``INSERT … ON CONFLICT DO UPDATE … RETURNING``:
        concurrent submissions queue on the row); the window's count with it."""
        table = connection.ops.quote_name(cls._meta.db_table)
        count = connection.ops.quote_name("count")
        sql = (
            f"INSERT INTO {table} (bucket, window_start, {count}) VALUES (%s, %s, 1) "  # noqa: S608 - names are constants
            f"ON CONFLICT (bucket, window_start) DO UPDATE SET {count} = {table}.{count} + 1 RETURNING {count}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [bucket, connection.ops.adapt_datetimefield_value(window_start)])
            row = cursor.fetchone()
        return int(row[0])


class AnswerLink(models.Model):
    """A link to download a request's answer, e-mailed to the address on file: only a hash of its secret is
    stored; it opens once (after the recipient confirms the address it was sent to) and expires."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="answer_links")
    token_hash = models.CharField(max_length=64, unique=True)
    sent_at = models.DateTimeField()
    sent_by = models.CharField(max_length=40)  # an audit code: staff:12
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True)
    revoked_at = models.DateTimeField(null=True)
    failed_attempts = models.IntegerField(default=0)

    class Meta:
        db_table = "rights_answer_link"
