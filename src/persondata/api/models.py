"""API tokens. Only a SHA-256 hash of the secret is stored; the secret itself is shown once, at creation."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    label = models.CharField(max_length=100)
    key_prefix = models.CharField(max_length=8)  # the secret's first characters, to recognise it in a list
    key_hash = models.CharField(max_length=64, unique=True)  # hex SHA-256 of the whole secret
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True)
    expires_at = models.DateTimeField(null=True)  # revoking sets it to the moment of revocation

    class Meta:
        db_table = "api_token"

    def __str__(self) -> str:
        return f"{self.key_prefix}… ({self.label})"
