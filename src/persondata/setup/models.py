"""What the setup remembers beyond the policy file: the steps a person confirmed (the financial year as it is,
the staff list complete, the customer files imported or skipped). Nothing here is personal data."""

from __future__ import annotations

from django.db import models


class ConfirmedStep(models.Model):
    key = models.CharField(max_length=20, unique=True)
    confirmed_at = models.DateTimeField()
    confirmed_by = models.CharField(max_length=40)  # an audit code: staff:<id>

    class Meta:
        db_table = "setup_confirmed_step"
