"""Governance's records: the breach register (GDPR Art. 33–34; RULES R16), the policy's versions and adoptions.

Every breach of personal data security is documented here, whether or not it is notified (Art. 33(5)): its
facts, effects and remedial action, the 72-hour clock (computed from ``discovered_at`` by the legal calendar,
never stored), the notification to Datatilsynet and the communication to the customers affected.

The texts are the controller's description of an incident, not customer data: they are refused when they hold
something shaped like a CPR or card number (RULES R18), and the audit log names the fields changed, never their
contents.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from persondata.register.models import new_id

#: the kinds of breach Datatilsynet's form asks for (the three properties of Art. 32(1)(b))
KINDS = ("confidentiality", "integrity", "availability")
#: the controller's assessment of the risk to the customers (Art. 33(1), Art. 34(1))
RISK_UNLIKELY, RISK, RISK_HIGH = "unlikely", "risk", "high"
RISKS = ((RISK_UNLIKELY, RISK_UNLIKELY), (RISK, RISK), (RISK_HIGH, RISK_HIGH))


class Breach(models.Model):
    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    reference = models.CharField(max_length=20, unique=True)  # BR-2025-001
    discovered_at = models.DateTimeField()  # when the company became aware: the 72 hours start here
    occurred_at = models.DateTimeField(null=True, blank=True)  # when it happened, if known
    nature = models.TextField()  # what happened (Art. 33(3)(a))
    kinds = models.JSONField(default=list)  # a subset of KINDS
    categories = models.JSONField(default=list)  # the policy's data categories affected
    customers_affected = models.PositiveIntegerField(default=0)  # approximate (Art. 33(3)(a))
    records_affected = models.PositiveIntegerField(default=0)  # approximate
    consequences = models.TextField(blank=True, default="")  # Art. 33(3)(c)
    measures_taken = models.TextField(blank=True, default="")  # Art. 33(3)(d)
    measures_planned = models.TextField(blank=True, default="")
    risk = models.CharField(max_length=10, choices=RISKS, default=RISK)
    notified_at = models.DateTimeField(null=True, blank=True)  # to Datatilsynet
    authority_reference = models.CharField(
        max_length=60, blank=True, default=""
    )  # Datatilsynet's case number
    delay_reason = models.TextField(blank=True, default="")  # Art. 33(1): notified after 72 hours
    not_notified_reason = models.TextField(blank=True, default="")  # why the risk is unlikely
    customers_told_at = models.DateTimeField(null=True, blank=True)  # Art. 34
    customers_not_told_reason = models.TextField(blank=True, default="")  # Art. 34(3)
    letter_da = models.TextField(blank=True, default="")  # the letter to the customers, Danish
    letter_en = models.TextField(blank=True, default="")  # and English
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        db_table = "governance_breach"
        ordering = ("-discovered_at",)


class PolicyVersion(models.Model):
    """One version of the policy file, recorded when the installation first runs with it (``init``, ``serve``).

    In force from ``recorded_at`` until the next version's ``recorded_at``. The content is the company's own
    policy text, no customer data; the diff is against the version before it."""

    number = models.PositiveIntegerField(unique=True)  # 1, 2, 3 … in the order they came into force
    sha256 = models.CharField(max_length=64)
    label = models.CharField(max_length=100)  # the file's own ``version = "…"``
    content = models.TextField()
    diff = models.TextField(blank=True, default="")  # unified diff from the version before; "" for the first
    recorded_at = models.DateTimeField()  # in force from

    class Meta:
        db_table = "governance_policy_version"
        ordering = ("-number",)


class PolicyAdoption(models.Model):
    """The adoption of a policy version (policy [14]: "udarbejdet og vedtaget den"): when, by whom, in what role."""

    version = models.OneToOneField(PolicyVersion, on_delete=models.PROTECT, related_name="adoption")
    adopted_on = models.DateField()
    adopted_by = models.CharField(max_length=120)  # the person who signed, e.g. the director
    role = models.CharField(max_length=80)  # e.g. "Direktør"
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        db_table = "governance_policy_adoption"


class Control(models.Model):
    """One half-yearly control (policy [13]; RULES R17): the evidence the system collected for the period, the
    controller's yes/no answers on the manual items (the policy's security measures), and the sign-off."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    period_start = models.DateField()
    period_end = models.DateField()
    due_on = models.DateField()  # the day the control was due (R17)
    evidence = models.JSONField(default=list)  # the items collected; references, counts, staff logins only
    collected_at = models.DateTimeField()
    answers = models.JSONField(default=dict)  # {measure key: {"ok": bool, "note": str}}
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(null=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    signer_name = models.CharField(max_length=120, blank=True, default="")
    next_due = models.DateField(null=True)  # scheduled at the sign-off

    class Meta:
        db_table = "governance_control"
        ordering = ("-period_end", "-created_at")


class ControlAttachment(models.Model):
    """The file attached to a manual item of a control (a PDF, PNG or JPEG: a photo of the server room's lock, an
    antivirus console's screen), sealed under a data key of its own (owner ``control_attachment:<id>``), which
    stays wrapped in the row. One per item; a new upload replaces it until the control is signed off."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    control = models.ForeignKey(Control, on_delete=models.PROTECT, related_name="attachments")
    item = models.CharField(max_length=60)  # the security measure's key
    filename = models.CharField(max_length=120)  # as uploaded, checked for CPR- and card-shaped text
    content_type = models.CharField(max_length=40)  # from the file's first bytes, not from the browser
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    wrapped_key = models.BinaryField()
    blob = models.BinaryField()  # {"file": hex} sealed under that key
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        db_table = "governance_control_attachment"
        constraints = [
            models.UniqueConstraint(fields=("control", "item"), name="governance_attachment_one_per_item")
        ]


class FollowUp(models.Model):
    """A finding of a control, to be acted on: who, by when, and when it was done."""

    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    control = models.ForeignKey(Control, on_delete=models.PROTECT, related_name="follow_ups")
    item = models.CharField(max_length=60)  # the evidence item or measure key it came from
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    created_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True)

    class Meta:
        db_table = "governance_follow_up"
        ordering = ("done_at", "due_on")
