"""The audit trail's chain rule: how one entry is encoded and digested, and how a whole log is verified.

Each entry's digest is HMAC-SHA256, under the audit key (derived from the master key, see
:meth:`persondata.core.vault.Vault.audit_key`), over the previous entry's digest and the entry's own fields:

    digest(n) = HMAC(audit_key, digest(n-1) || UTF-8("v1|<seq>|<len>:<at>|<len>:<actor>|…|<len>:<details>"))

with ``digest(0) = GENESIS`` (32 zero bytes). The previous digest is fixed-length; every text field is prefixed by
its length in code points, so two different entries can never encode to the same bytes (the length prefixes make
the string decodable, and UTF-8 is injective). Because the sequence number and the previous digest are inside
each digest, a changed, deleted, inserted or reordered entry breaks the chain at that entry.

Why a keyed HMAC and not a plain hash: someone with write access to the database but without the master key
cannot recompute the chain after a change. Someone *with* the master key can rewrite the whole log consistently;
that is caught only against a :class:`Head` kept outside the system (``persondata audit head``), because the
rewritten log no longer contains the exported head's sequence number with its digest.

Canonical forms, so the same entry gives the same bytes on SQLite and PostgreSQL: the time is UTC ISO-8601 with
microseconds (``2026-11-25T10:00:00.000000+00:00``); the details are JSON with sorted keys, no spaces, and
non-ASCII characters kept as they are.

Pure: no Django, no I/O.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

DIGEST_BYTES = 32
GENESIS = bytes(DIGEST_BYTES)
ENCODING_VERSION = "v1"

# One stored entry as the verifier reads it: seq, at (canonical), actor, action, target, details (canonical
# JSON), digest.
Row = tuple[int, str, str, str, str, str, bytes]

_HEX_DIGEST = re.compile(r"^[0-9a-f]{64}$")
_IPAD = bytes(x ^ 0x36 for x in range(256))
_OPAD = bytes(x ^ 0x5C for x in range(256))


@dataclass(frozen=True, slots=True)
class Head:
    """The log's last entry as seen at time ``at_iso``: its sequence number and digest.

    Exported and kept outside the system (printed, or sent to the accountant), a head lets anyone prove later
    that the log still contains that entry with that digest — so nothing up to it was changed or rewritten.
    """

    seq: int
    digest_hex: str
    at_iso: str

    def to_document(self, entries: int) -> dict[str, Any]:
        return {"seq": self.seq, "digest": self.digest_hex, "at": self.at_iso, "entries": entries}

    @classmethod
    def from_document(cls, doc: object) -> Head:
        """Read a head written by :meth:`to_document`; ValueError names what is wrong."""
        if not isinstance(doc, Mapping):
            raise ValueError("a head is a JSON object with keys seq, digest, at")
        seq, digest, at = doc.get("seq"), doc.get("digest"), doc.get("at")
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
            raise ValueError("head: 'seq' must be a whole number >= 0")
        if not isinstance(digest, str) or not _HEX_DIGEST.match(digest):
            raise ValueError("head: 'digest' must be 64 lower-case hex digits")
        if not isinstance(at, str) or not at:
            raise ValueError("head: 'at' must be the ISO time the head was taken")
        if seq == 0 and digest != GENESIS.hex():
            raise ValueError("head: an empty log (seq 0) has the all-zero digest")
        return cls(seq, digest, at)


def gettext_noop(text: str) -> str:
    """Marks a problem's English text for the translators (``makemessages`` finds the name); the edge translates."""
    return text


# What can be wrong with a log, in words; they name sequence numbers and times only. ``VerifyResult.words``
# gives one in the reader's language (the interfaces pass Django's gettext); ``problem`` is the English.
MISSING = gettext_noop(
    "entry %(seq)s is missing (the log goes from %(before)s to %(after)s): entries were deleted"
)
OUT_OF_ORDER = gettext_noop("entry %(seq)s comes after entry %(before)s: the log is out of order")
CHANGED = gettext_noop("entry %(seq)s does not match its digest: it was changed after it was written")
CHANGED_FIRST = gettext_noop(
    "entry %(seq)s does not match its digest: it was changed after it was written "
    "(or the master key is not the one the log was written with)"
)
REWRITTEN = gettext_noop(
    "entry %(seq)s differs from the exported head taken at %(at)s: the log was rewritten at or before entry %(seq)s"
)
SHORTER_THAN_HEAD = gettext_noop(
    "the log ends at entry %(seq)s but the exported head taken at %(at)s has entry %(head)s: "
    "entries %(first)s–%(head)s were deleted, or the log was rewritten"
)
EMPTY_HEAD = gettext_noop("the head says the log was empty but its digest is not the all-zero one")
NO_HEAD_RECORD = gettext_noop("the log has %(count)s entries but no head record: it was deleted")
SHORTER_THAN_RECORD = gettext_noop(
    "the log ends at entry %(seq)s but its head record says %(head)s: entries %(first)s–%(head)s were deleted"
)
HEAD_RECORD_CHANGED = gettext_noop("the head record does not match entry %(seq)s: it was changed")


@dataclass(frozen=True, slots=True)
class VerifyResult:
    ok: bool
    checked: int  # entries whose digest was recomputed and matched
    first_broken_seq: int | None
    problem: str | None  # what is wrong, in English words; names sequence numbers only
    last: Head | None  # the last entry that verified (its time as at_iso); None if none did
    why: tuple[str, Mapping[str, object]] | None = None  # the problem's text (one above) and its values

    def words(self, translate: Callable[[str], str]) -> str | None:
        """The problem in the language ``translate`` (a gettext) gives."""
        if self.why is None:
            return self.problem
        text, values = self.why
        return translate(text) % values


def broken(
    checked: int, seq: int, text: str, values: Mapping[str, object], last: Head | None
) -> VerifyResult:
    """A log that does not verify: ``text`` (one of the problems above) with its ``values``."""
    return VerifyResult(False, checked, seq, text % values, last, (text, values))


def canonical_time(at: datetime) -> str:
    """UTC, microseconds, explicit offset: the form hashed and the form read back from either database."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("audit times must be timezone-aware (a naive time is ambiguous)")
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def canonical_details(details: Mapping[str, Any]) -> str:
    """Sorted keys, no whitespace, non-ASCII kept: one spelling per value, so the bytes are reproducible."""
    return json.dumps(details, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def encode_entry(seq: int, at_iso: str, actor: str, action: str, target: str, details_json: str) -> bytes:
    """The entry's fields, length-prefixed (code points) and UTF-8 encoded; the previous digest is prepended."""
    return (
        f"{ENCODING_VERSION}|{seq}|{len(at_iso)}:{at_iso}|{len(actor)}:{actor}|{len(action)}:{action}"
        f"|{len(target)}:{target}|{len(details_json)}:{details_json}"
    ).encode()


def entry_digest(
    key: bytes,
    prev: bytes,
    seq: int,
    at_iso: str,
    actor: str,
    action: str,
    target: str,
    details_json: str,
) -> bytes:
    if len(prev) != DIGEST_BYTES:
        raise ValueError("the previous digest must be 32 bytes")
    if seq < 1:
        raise ValueError("sequence numbers start at 1")
    return hmac.digest(key, prev + encode_entry(seq, at_iso, actor, action, target, details_json), "sha256")


def verify_stream(key: bytes, rows: Iterable[Row], head: Head | None = None) -> VerifyResult:
    """Recompute the chain over ``rows`` (in ``seq`` order) and stop at the first entry that does not hold.

    Detects a changed entry (its digest does not match), a deleted entry (a gap: the first missing seq is
    named), an inserted or reordered entry (the digests from there on do not match, or seq goes backwards),
    and — against ``head``, a head exported earlier — a deleted tail or a consistently rewritten log.
    """
    head_seq, head_digest, head_at = -1, b"", ""
    if head is not None:
        head_seq, head_digest, head_at = head.seq, bytes.fromhex(head.digest_hex), head.at_iso
        if head_seq == 0 and head_digest != GENESIS:
            return broken(0, 0, EMPTY_HEAD, {}, None)

    # The loop is the hot path (millions of entries): locals only, one f-string, one encode, and HMAC written
    # out (RFC 2104) from pre-keyed SHA-256 states — 2.5x faster than hmac.digest, which re-keys every call.
    # tests/core/test_audit_chain.py checks it against entry_digest (hmac.digest) on every case.
    block_key = (hashlib.sha256(key).digest() if len(key) > 64 else key).ljust(64, b"\0")
    inner_copy = hashlib.sha256(block_key.translate(_IPAD)).copy
    outer_copy = hashlib.sha256(block_key.translate(_OPAD)).copy
    version = ENCODING_VERSION
    prev = GENESIS
    expected = 1
    last_at = ""
    for seq, at, actor, action, target, details, stored in rows:
        if seq != expected:
            last = _head(expected - 1, prev, last_at)
            if seq > expected:
                values: dict[str, object] = {"seq": expected, "before": expected - 1, "after": seq}
                return broken(expected - 1, expected, MISSING, values, last)
            return broken(expected - 1, seq, OUT_OF_ORDER, {"seq": seq, "before": expected - 1}, last)
        inner = inner_copy()
        inner.update(
            prev
            + (
                f"{version}|{seq}|{len(at)}:{at}|{len(actor)}:{actor}|{len(action)}:{action}"
                f"|{len(target)}:{target}|{len(details)}:{details}"
            ).encode()
        )
        outer = outer_copy()
        outer.update(inner.digest())
        computed = outer.digest()
        if computed != stored:
            text = CHANGED_FIRST if seq == 1 else CHANGED
            return broken(seq - 1, seq, text, {"seq": seq}, _head(seq - 1, prev, last_at))
        if seq == head_seq and computed != head_digest:
            values = {"seq": seq, "at": head_at}
            return broken(seq - 1, seq, REWRITTEN, values, _head(seq - 1, prev, last_at))
        prev = computed
        last_at = at
        expected = seq + 1

    checked = expected - 1
    last = _head(checked, prev, last_at)
    if head_seq > checked:
        values = {"seq": checked, "at": head_at, "head": head_seq, "first": checked + 1}
        return broken(checked, checked + 1, SHORTER_THAN_HEAD, values, last)
    return VerifyResult(True, checked, None, None, last)


def _head(seq: int, digest: bytes, at_iso: str) -> Head | None:
    return Head(seq, digest.hex(), at_iso) if seq else None
