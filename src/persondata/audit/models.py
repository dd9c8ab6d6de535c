"""The audit log: one append-only, hash-chained table, and a one-row table holding its head.

Entries hold no personal data — only pseudonymous ids (customers' UUIDs, staff user ids), codes and counts — so
erasing a customer never has to touch the log, and the chain stays verifiable forever (DESIGN.md).
The chain rule lives in ``persondata.core.audit_chain``; appends go through ``persondata.audit.services.record``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, NoReturn

from django.db import models

from persondata.core.audit_chain import canonical_details

if TYPE_CHECKING:  # for django-stubs: the attribute holds a dict, the column holds text
    _DictTextField = models.TextField[dict[str, Any] | None, dict[str, Any]]
else:
    _DictTextField = models.TextField


class AppendOnlyError(TypeError):
    """The audit log is never changed or deleted through the application."""


class CanonicalJSONField(_DictTextField):
    """A JSON object stored as the exact canonical text its entry's digest was computed over.

    Not a ``JSONField``: PostgreSQL's ``jsonb`` re-spells what it stores (key order, spaces), so the hashed bytes
    could not be read back; and reading the text as it is keeps ``verify`` free of JSON parsing.
    """

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        return None if value is None else json.loads(value)

    def to_python(self, value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) else value

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, dict):
            raise TypeError("audit details must be a dict")
        return canonical_details(value)


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("the audit log is append-only: entries are never updated")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("the audit log is append-only: entries are never deleted")


class AuditEntry(models.Model):
    seq = models.BigIntegerField(primary_key=True)
    at = models.DateTimeField()
    actor = models.CharField(max_length=64)  # "staff:12", "cli:12", "system"
    action = models.CharField(max_length=64)  # a dotted code: "customer.import", "staff.roles.change"
    target = models.CharField(max_length=64, blank=True, default="")  # a pseudonymous id, or ""
    details = CanonicalJSONField(default=dict)  # codes and counts; never personal data
    digest = models.BinaryField(max_length=32)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        db_table = "audit_entry"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("the audit log is append-only: entries are never updated")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("the audit log is append-only: entries are never deleted")


class AuditHead(models.Model):
    """The single row (id 1) naming the last entry. Appends lock it, so they queue and never fork the chain."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    digest = models.BinaryField(max_length=32)

    class Meta:
        db_table = "audit_head"
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="audit_head_singleton")]
