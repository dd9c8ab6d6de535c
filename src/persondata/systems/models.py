"""The IT systems that process the customers' personal data, and each system's risk assessment (policy [12]).

A :class:`System` is persondata itself (filled in automatically), the administrative system, or a partner's
system. Its ``measures`` record, for each security measure of the policy file, whether it is in place, the
evidence and the date it was checked: ``{key: {"in_place": bool, "evidence": str, "checked_on": "YYYY-MM-DD"}}``.
``changed_at`` moves when the system changes in a way that calls for a new risk assessment.

A :class:`RiskAssessment` rates one feared event of one system (CNIL PIA: illegitimate access, unwanted change,
disappearance) by severity and likelihood, before and after its measures. No personal data: systems, codes, text
about measures.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from persondata.register.models import new_id

KINDS = (
    ("own", "persondata"),
    ("admin", "administrative system"),
    ("partner", "partner's system"),
    ("other", "other"),
)


class System(models.Model):
    key = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=8, choices=KINDS)
    partner_key = models.CharField(max_length=40, blank=True, default="")  # kind "partner": [partners.<key>]
    version = models.CharField(max_length=80, blank=True, default="")
    location = models.CharField(max_length=200)  # where it runs: country, data centre, host
    owner = models.CharField(max_length=200)  # who answers for it: a role or a company
    categories = models.JSONField(default=list)
    measures = models.JSONField(default=dict)
    changed_at = models.DateTimeField()
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        db_table = "it_system"


EVENT_CHOICES = (
    ("access", "illegitimate access"),
    ("change", "unwanted change"),
    ("disappearance", "disappearance"),
)


class RiskAssessment(models.Model):
    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    system = models.ForeignKey(System, on_delete=models.CASCADE, related_name="assessments")
    event = models.CharField(max_length=14, choices=EVENT_CHOICES)
    severity = models.SmallIntegerField()
    likelihood = models.SmallIntegerField()
    measures = models.TextField(blank=True, default="")  # the measures that reduce it
    residual_severity = models.SmallIntegerField()
    residual_likelihood = models.SmallIntegerField()
    assessed_at = models.DateTimeField()
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        db_table = "it_risk_assessment"
        constraints = [models.UniqueConstraint(fields=["system", "event"], name="it_risk_assessment_once")]
