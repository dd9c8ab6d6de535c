"""Tombstones: an erased customer does not come back with the next import of the administrative system's export.

When a customer is erased at their request, their customer number and e-mail address are remembered as keyed
blind indexes (HMAC under the master key's blind-index key: never the values, and they cannot be reversed or
guessed without the key). An import that meets one of them does not create the customer again; it reports the
row as "erased on <date> at the customer's request". ``persondata import --allow-returning`` is for a customer
who really has come back: the customer is created and the tombstone goes.

The retention sweep's deletions at the end of a retention period leave a tombstone too (reason
``end_of_retention``), when the sweep clears the customer number's or the e-mail's blind index: what the import
does with such a row is the policy's ``retention.returning_customers`` (docs/retention.md). A customer whose
relevance ended and who comes back with a new order is a returning customer: by default (``when_active``) the row
is imported again only if it shows activity after the deletion day, and reported as "deleted on <date> at the end
of its retention" otherwise.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext

from persondata import runtime
from persondata.core.formats import format_date
from persondata.rawsql import executemany, fetch_in
from persondata.register.models import Customer, Tombstone

KINDS = ("customer_number", "email")
ERASURE = "erasure_request"
END_OF_RETENTION = "end_of_retention"


def remember(customer_id: uuid.UUID, *, erased_on: date, reason: str) -> int:
    """Before an erasure: keep the customer's number and e-mail as tombstones. Returns how many were kept."""
    row = Customer.objects.filter(pk=customer_id).values("number_bidx", "email_bidx").first()
    if row is None:
        return 0
    kept = 0
    for kind, token in (("customer_number", row["number_bidx"]), ("email", row["email_bidx"])):
        if token is not None:
            _obj, created = Tombstone.objects.get_or_create(
                kind=kind, token=bytes(token), defaults={"erased_on": erased_on, "reason": reason}
            )
            kept += int(created)
    return kept


def remember_tokens(tokens: Iterable[tuple[str, bytes]], *, on: date, reason: str) -> None:
    """Keep these ``(kind, blind index)`` pairs as tombstones (the sweep, inside its chunk's transaction); a
    token already kept keeps its first day and reason."""
    day = on.isoformat()
    rows = [(kind, token, day, reason) for kind, token in dict.fromkeys(tokens)]
    executemany(
        "INSERT INTO deletion_tombstone (kind, token, erased_on, reason) VALUES (%s, %s, %s, %s) "
        "ON CONFLICT (kind, token) DO NOTHING",
        rows,
    )


def exist() -> bool:
    return Tombstone.objects.exists()


def find(tokens: Iterable[bytes]) -> dict[bytes, tuple[date, str]]:
    """The deletion day and reason of each token that is a tombstone (of either kind: the tokens are
    kind-specific)."""
    wanted = list(dict.fromkeys(tokens))
    if not wanted:
        return {}
    rows = fetch_in("SELECT token, erased_on, reason FROM deletion_tombstone WHERE token IN ({})", wanted)
    return {bytes(t): (d if isinstance(d, date) else date.fromisoformat(str(d)), str(r)) for t, d, r in rows}


def forget(tokens: Iterable[bytes]) -> None:
    """A customer who has come back (``--allow-returning``): their tombstones go."""
    wanted = list(dict.fromkeys(tokens))
    if wanted:
        Tombstone.objects.filter(token__in=wanted).delete()


@dataclass(frozen=True, slots=True)
class ErasedRow:
    """A row of a customer erased at their request, or deleted at the end of retention: reported, not written
    (the tombstones above)."""

    file: str
    line: int
    erased_on: date
    reason: str = ERASURE

    def __str__(self) -> str:
        """In the active language."""
        said = {
            "file": self.file,
            "line": self.line,
            "day": format_date(self.erased_on, runtime.language()),
        }
        if self.reason == END_OF_RETENTION:
            return (
                gettext(
                    "%(file)s, line %(line)s: deleted on %(day)s at the end of its retention, and the row shows "
                    "no activity since; not imported again (use --allow-returning if the customer has come back)"
                )
                % said
            )
        return (
            gettext(
                "%(file)s, line %(line)s: erased on %(day)s at the customer's request; not imported again "
                "(use --allow-returning if the customer has come back)"
            )
            % said
        )
