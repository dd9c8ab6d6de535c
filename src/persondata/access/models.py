"""Staff declarations (policy [12]): the confidentiality declaration and the guidance on secure processing.

Each text is versioned. The *current* version of a kind is its highest version; publishing a new version means
everyone must acknowledge again, because an acknowledgement belongs to exactly one version. Old versions and
their acknowledgements are kept: they are the proof of who accepted which wording, and when.

The staff logins themselves are Django's users; their roles live in :class:`StaffProfile`; each read of customer
data is an :class:`AccessLog` entry.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

CONFIDENTIALITY = "confidentiality"
GUIDANCE = "guidance"
#: The kinds, in the order staff read them.
KINDS = (CONFIDENTIALITY, GUIDANCE)


class PolicyText(models.Model):
    kind = models.CharField(
        max_length=20, choices=[(CONFIDENTIALITY, "confidentiality declaration"), (GUIDANCE, "guidance")]
    )
    version = models.PositiveIntegerField()
    title_da = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200)
    body_da = models.TextField()
    body_en = models.TextField()
    published_at = models.DateTimeField()
    # None for the default texts the system publishes on `persondata init`
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        db_table = "staff_policy_text"
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="staff_policy_text_one_per_version"),
            models.CheckConstraint(condition=models.Q(kind__in=KINDS), name="staff_policy_text_kind_known"),
        ]

    def title(self, lang: str) -> str:
        return self.title_en if lang == "en" else self.title_da

    def body(self, lang: str) -> str:
        return self.body_en if lang == "en" else self.body_da


class Acknowledgement(models.Model):
    """One staff member's "I have read and accept" for one version of one text."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.ForeignKey(PolicyText, on_delete=models.PROTECT, related_name="acknowledgements")
    acknowledged_at = models.DateTimeField()

    class Meta:
        db_table = "staff_acknowledgement"
        constraints = [
            models.UniqueConstraint(fields=["user", "text"], name="staff_acknowledgement_once_per_text")
        ]


class StaffProfile(models.Model):
    """The roles (from the policy file) a staff login holds, and whether its password is still one it was given."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff")
    roles = models.JSONField(default=list)
    # a password made by persondata and shown to someone else (init, staff add, a reset) is changed at first login
    must_change_password = models.BooleanField(default=False)

    class Meta:
        db_table = "staff_profile"


class AccessLog(models.Model):
    """One read of a customer's personal data (RULES R9, CJEU C-579/21). Holds no personal data itself."""

    at = models.DateTimeField()
    # no constraint: the table lives apart from the users' (logins are deactivated, never deleted)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    customer_id = models.UUIDField()  # pseudonymous id; not a foreign key, the entry outlives an erasure
    categories = models.CharField(max_length=100)  # comma-separated category keys of the policy
    purpose = models.CharField(max_length=40)
    channel = models.CharField(max_length=10)  # web, api, cli, job

    class Meta:
        # SQLite: in a file of its own with its own write lock, attached to every connection (the name resolves
        # there: the main database has no such table); made by its store, not by migrations
        # (persondata.access.log_store). PostgreSQL: in the database, as before
        db_table = "access_log"
        managed = False


class Invitation(models.Model):
    """A link that lets a new staff login choose its own first password — so no password is ever shown to
    anybody else. Only a hash of the link's secret is stored; it works once, for a few days."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=40)  # an audit code: staff:12
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True)
    revoked_at = models.DateTimeField(null=True)

    class Meta:
        db_table = "staff_invitation"
