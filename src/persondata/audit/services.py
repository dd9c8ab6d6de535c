"""Appending to the audit log, verifying it, and exporting its head.

Every service that changes personal data, roles, declarations, policy or settings calls :func:`record` inside the
transaction that makes the change, so the change and its entry commit — or roll back — together. Services never
open that transaction; the entry point does (docs/development.md).

Appends are serialised on the single ``audit_head`` row: ``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite every
write transaction is ``IMMEDIATE`` (settings.py), so it holds the database's write lock from its first statement.
Two appends therefore never read the same previous digest, and the chain never forks.

No personal data enters the log (DESIGN.md): entries name customers by their pseudonymous UUID and staff by
their user id, and :func:`record` refuses details that look like an e-mail address, a phone number, a CPR
number (RULES R18) or a card number. Its error names the key, never the value.
"""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from persondata import runtime
from persondata.audit.models import AuditEntry, AuditHead
from persondata.core import sensitive
from persondata.core.audit_chain import (
    GENESIS,
    HEAD_RECORD_CHANGED,
    NO_HEAD_RECORD,
    SHORTER_THAN_RECORD,
    Head,
    Row,
    VerifyResult,
    broken,
    canonical_details,
    canonical_time,
    entry_digest,
    verify_stream,
)

Progress = Callable[[int, int], None]

MAX_DETAILS_CHARS = 4000  # codes and counts; anything longer is not what the log is for
_ACTOR = re.compile(r"^[a-z][a-z0-9_-]*(?::[A-Za-z0-9_.-]+)?$")  # "staff:12", "cli:12", "system"
_ACTION = re.compile(r"^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+$")  # "customer.import", "login.failed"
_TARGET = re.compile(r"^[A-Za-z0-9_.:/-]*$")  # a pseudonymous id (UUID), a code, or ""
# Strings that are pseudonymous ids by their shape: a UUID (with or without dashes) or a hex digest. Random hex
# can contain digit runs shaped like a CPR or phone number, so these are not searched.
_PSEUDONYMOUS = re.compile(
    r"^(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9a-fA-F]{32,128})$"
)
# A phone number: 8–15 digits, optionally grouped by spaces, optionally with a +country prefix.
_PHONE = re.compile(r"(?<![\w+-])(?:\+\d{1,3}[ -]?)?(?:\d ?){7,14}\d(?![\w-])")
_PUNCTUATION = "<>()[]{},;:\"'"


class TransactionRequired(RuntimeError):
    """``record`` was called outside a transaction: the entry could commit without the change, or vice versa."""


def record(
    action: str,
    *,
    actor: str,
    target: str | uuid.UUID = "",
    details: Mapping[str, Any] | None = None,
    now: datetime,
) -> AuditEntry:
    """Append one entry to the audit log, chained to the one before it. Call inside the change's transaction."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise TransactionRequired(
            "audit.record must run inside the transaction that makes the change "
            "(wrap the entry point in django.db.transaction.atomic())"
        )
    _check_code("action", action, _ACTION, "a dotted code such as 'customer.import'")
    _check_code("actor", actor, _ACTOR, "such as 'staff:12', 'cli:12' or 'system'")
    target = str(target) if isinstance(target, uuid.UUID) else target
    _refuse_personal_data("target", target)
    _check_code("target", target, _TARGET, "a pseudonymous id (a customer's UUID) or ''")
    details = dict(details or {})
    _refuse_personal_data("details", details)
    details_json = canonical_details(details)  # ValueError/TypeError for what JSON cannot hold
    if len(details_json) > MAX_DETAILS_CHARS:
        raise ValueError(f"audit details are {len(details_json)} characters; the log holds codes and counts")
    at_iso = canonical_time(now)

    head = _locked_head()
    seq = head.seq + 1
    digest = entry_digest(
        runtime.vault().audit_key(), bytes(head.digest), seq, at_iso, actor, action, target, details_json
    )
    entry = AuditEntry.objects.create(
        seq=seq, at=now, actor=actor, action=action, target=target, details=details, digest=digest
    )
    head.seq, head.digest = seq, digest
    head.save(update_fields=["seq", "digest"])
    return entry


def _locked_head() -> AuditHead:
    # SQLite ignores FOR UPDATE: its IMMEDIATE transaction holds the write lock already.
    heads = AuditHead.objects.select_for_update()
    head = heads.filter(pk=1).first()
    if head is None:
        # First entry ever. ON CONFLICT DO NOTHING: a concurrent first append waits for ours, then finds the row.
        AuditHead.objects.bulk_create([AuditHead(id=1, seq=0, digest=GENESIS)], ignore_conflicts=True)
        head = heads.get(pk=1)
        # Checked under the row lock, so a concurrent first append that committed meanwhile is not mistaken for
        # a missing head; a head deleted under existing entries is (and the row made here is rolled back).
        if head.seq == 0 and AuditEntry.objects.exists():
            raise RuntimeError(
                "the audit log has entries but its head record is missing; run 'persondata audit verify'"
            )
    return head


def _check_code(name: str, value: str, pattern: re.Pattern[str], example: str) -> None:
    if not isinstance(value, str) or len(value) > 64 or not pattern.match(value):
        raise ValueError(f"audit {name} must be {example}, at most 64 characters")


def looks_personal(text: str) -> str | None:
    """What personal data ``text`` looks like ("an e-mail address", …), or None. Never echoes the text."""
    if _PSEUDONYMOUS.match(text):
        return None
    if any(
        "@" in token and sensitive.check_email(token.strip(_PUNCTUATION)) is None for token in text.split()
    ):
        return "an e-mail address"
    if sensitive.looks_like_cpr(text):
        return "a CPR number"
    if sensitive.contains_card_number(text):
        return "a payment card number"
    if _PHONE.search(text):
        return "a phone number"
    return None


def _refuse_personal_data(path: str, value: object) -> None:
    if isinstance(value, str):
        kind = looks_personal(value)
        if kind is not None:
            raise ValueError(
                f"audit {path} looks like {kind}; the audit log holds no personal data — "
                "use the customer's pseudonymous id, a code or a count instead"
            )
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(key, str) and looks_personal(key):
                raise ValueError(f"a key of audit {path} looks like personal data; keys are fixed codes")
            _refuse_personal_data(f"{path}[{key!r}]", item)
    elif isinstance(value, list | tuple | set | frozenset):
        for i, item in enumerate(value):
            _refuse_personal_data(f"{path}[{i}]", item)


# -- verifying ---------------------------------------------------------------------------------------------------
# The rows are read with one SQL statement per database that already spells ``at`` canonically, so the verifier
# does no per-row parsing: Django stores SQLite datetimes as 'YYYY-MM-DD HH:MM:SS[.ffffff]' in UTC.
_SELECT = {
    "sqlite": (
        "SELECT seq, replace(at, ' ', 'T') || CASE WHEN length(at) = 19 THEN '.000000+00:00' ELSE '+00:00' END,"
        " actor, action, target, details, digest FROM audit_entry ORDER BY seq"
    ),
    "postgresql": (
        """SELECT seq, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') || '+00:00',"""
        " actor, action, target, details, digest FROM audit_entry ORDER BY seq"
    ),
}


def verify(
    head: Head | None = None, progress: Progress | None = None, *, chunk_size: int = 20_000
) -> VerifyResult:
    """Recompute the whole chain from the database, streaming it in chunks (memory stays flat).

    ``head``: a head exported earlier (``persondata audit head``); without one, a consistent rewrite of the log by
    someone holding the master key cannot be detected. The database's own head record is checked too, which
    catches a deleted tail unless whoever deleted it also rewrote that record.
    """
    connection = connections["default"]
    stored = AuditHead.objects.filter(pk=1).values_list("seq", "digest").first()  # read first: see below
    stored_seq = stored[0] if stored else 0
    key = runtime.vault().audit_key()
    with connection.chunked_cursor() as cursor:  # a server-side cursor on PostgreSQL
        cursor.execute(_select_sql(connection))
        result = verify_stream(key, _chunks(cursor, chunk_size, progress, stored_seq), head)
    if not result.ok:
        return result
    checked = result.checked
    # The head record was read first, so every entry up to it was committed before the entries were read;
    # entries appended since may follow it.
    if stored is None:
        if checked:
            return broken(checked, checked, NO_HEAD_RECORD, {"count": checked}, result.last)
        return result
    if stored_seq > checked:
        values = {"seq": checked, "head": stored_seq, "first": checked + 1}
        return broken(checked, checked + 1, SHORTER_THAN_RECORD, values, result.last)
    if stored_seq:
        at_stored = AuditEntry.objects.filter(seq=stored_seq).values_list("digest", flat=True).first()
        if at_stored is None or bytes(at_stored) != bytes(stored[1]):
            return broken(checked, stored_seq, HEAD_RECORD_CHANGED, {"seq": stored_seq}, result.last)
    return result


def _select_sql(connection: BaseDatabaseWrapper) -> str:
    try:
        return _SELECT[connection.vendor]
    except KeyError:
        raise RuntimeError(f"the audit log supports SQLite and PostgreSQL, not {connection.vendor}") from None


def _chunks(cursor: Any, chunk_size: int, progress: Progress | None, total: int) -> Iterator[Row]:
    def fetch() -> Iterator[Sequence[Row]]:
        fetchmany = cursor.fetchmany
        done = 0
        while chunk := fetchmany(chunk_size):
            yield chunk
            done += len(chunk)
            if progress is not None:
                progress(done, max(total, done))

    return itertools.chain.from_iterable(fetch())


# -- the head and listing ----------------------------------------------------------------------------------------
def export_head(now: datetime) -> Head:
    """The log's current head, stamped with the time it was taken; keep it outside the system."""
    stored = AuditHead.objects.filter(pk=1).values_list("seq", "digest").first()
    seq, digest = (stored[0], bytes(stored[1])) if stored else (0, GENESIS)
    return Head(seq, digest.hex(), canonical_time(now))


def entry_count() -> int:
    return AuditEntry.objects.count()


def latest_entries(last: int = 20, action_prefix: str = "") -> list[AuditEntry]:
    """The last ``last`` entries (oldest first), optionally only actions starting with ``action_prefix``."""
    entries = AuditEntry.objects.order_by("-seq")
    if action_prefix:
        entries = entries.filter(action__startswith=action_prefix)
    return list(reversed(entries[: max(last, 0)]))
