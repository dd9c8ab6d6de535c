"""The audit chain rule (pure): encoding, digests, and every kind of tampering ``verify_stream`` must catch."""

from __future__ import annotations

import hmac
import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest

from persondata.core.audit_chain import (
    GENESIS,
    Head,
    Row,
    canonical_details,
    canonical_time,
    encode_entry,
    entry_digest,
    verify_stream,
)
from persondata.core.vault import Vault

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)

Fields = tuple[str, str, str, str, str]  # at, actor, action, target, details


def _fields(i: int) -> Fields:
    return (
        canonical_time(T0 + timedelta(seconds=i, microseconds=i * 7 % 2)),
        f"staff:{i % 3}",
        ("customer.import", "staff.roles.change", "login.failed")[i % 3],
        f"0192f3a4-5b6c-7d8e-9f01-{i:012d}" if i % 2 else "",
        canonical_details({"count": i, "reason": "R1", "note": "æøå ✓"}),
    )


def chain(fields: list[Fields], key: bytes = KEY, start: int = 1, prev: bytes = GENESIS) -> list[Row]:
    rows: list[Row] = []
    for seq, f in enumerate(fields, start):
        prev = entry_digest(key, prev, seq, *f)
        rows.append((seq, *f, prev))
    return rows


LOG = chain([_fields(i) for i in range(1, 7)])  # entries 1..6


def head_of(rows: list[Row], seq: int) -> Head:
    return Head(seq, rows[seq - 1][6].hex(), "2026-11-25T12:00:00.000000+00:00")


# -- encoding -----------------------------------------------------------------------------------------------------
def test_digest_is_hmac_sha256_over_previous_digest_and_encoding() -> None:
    f = _fields(1)
    expected = hmac.new(KEY, GENESIS + encode_entry(1, *f), "sha256").digest()
    assert entry_digest(KEY, GENESIS, 1, *f) == expected
    assert len(expected) == 32
    assert GENESIS == b"\x00" * 32


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # naive concatenation would make each pair equal; length prefixes keep them apart
        (("t", "ab", "c.d", "", "{}"), ("t", "a", "bc.d", "", "{}")),
        (("t", "a|1:b", "x.y", "", "{}"), ("t", "a", "1:b|x.y", "", "{}")),
        (("t", "a", "x.y", "1:z", "{}"), ("t", "a", "x.y|1:z", "", "{}")),
        (("t", "æ", "x.y", "", "{}"), ("t", "ae", "x.y", "", "{}")),
        (("t", "", "", "", ""), ("t", "", "", "", " ")),
    ],
)
def test_different_fields_never_encode_alike(a: Fields, b: Fields) -> None:
    assert encode_entry(1, *a) != encode_entry(1, *b)
    assert entry_digest(KEY, GENESIS, 1, *a) != entry_digest(KEY, GENESIS, 1, *b)


def test_seq_and_previous_digest_are_bound_into_the_digest() -> None:
    f = _fields(1)
    assert entry_digest(KEY, GENESIS, 1, *f) != entry_digest(KEY, GENESIS, 2, *f)
    assert entry_digest(KEY, GENESIS, 1, *f) != entry_digest(KEY, b"\x01" * 32, 1, *f)
    assert entry_digest(KEY, GENESIS, 1, *f) != entry_digest(OTHER_KEY, GENESIS, 1, *f)


@pytest.mark.parametrize(("prev", "seq"), [(b"short", 1), (GENESIS, 0)])
def test_entry_digest_refuses_bad_input(prev: bytes, seq: int) -> None:
    with pytest.raises(ValueError, match=r"digest|start at 1"):
        entry_digest(KEY, prev, seq, *_fields(1))


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), "2026-01-02T03:04:05.000000+00:00"),
        (datetime(2026, 1, 2, 3, 4, 5, 60, tzinfo=UTC), "2026-01-02T03:04:05.000060+00:00"),
        (datetime(2026, 7, 1, 2, 0, tzinfo=timezone(timedelta(hours=2))), "2026-07-01T00:00:00.000000+00:00"),
    ],
)
def test_canonical_time_is_utc_with_microseconds(at: datetime, expected: str) -> None:
    assert canonical_time(at) == expected


def test_canonical_time_refuses_naive() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        canonical_time(datetime(2026, 1, 1))  # noqa: DTZ001


def test_canonical_details_is_one_spelling() -> None:
    assert canonical_details({"b": 1, "a": [1, "ø"]}) == '{"a":[1,"ø"],"b":1}'
    assert canonical_details({"a": [1, "ø"], "b": 1}) == canonical_details({"b": 1, "a": [1, "ø"]})
    with pytest.raises(ValueError):
        canonical_details({"x": float("nan")})


def test_vault_derives_a_separate_audit_key() -> None:
    master = os.urandom(32)
    key = Vault(master).audit_key()
    assert len(key) == 32 and key == Vault(master).audit_key() and key != master
    assert key != Vault(os.urandom(32)).audit_key()


# -- verifying ----------------------------------------------------------------------------------------------------
def test_intact_log_verifies() -> None:
    result = verify_stream(KEY, LOG, head_of(LOG, 6))
    assert (result.ok, result.checked, result.first_broken_seq, result.problem) == (True, 6, None, None)
    assert result.last == Head(6, LOG[5][6].hex(), LOG[5][1])


def test_empty_log() -> None:
    result = verify_stream(KEY, [])
    assert (result.ok, result.checked, result.last) == (True, 0, None)
    assert verify_stream(KEY, [], Head(0, GENESIS.hex(), "t")).ok
    assert verify_stream(KEY, LOG, Head(0, GENESIS.hex(), "t")).ok


def _replace(rows: list[Row], seq: int, column: int, value: object) -> list[Row]:
    out = list(rows)
    row = list(out[seq - 1])
    row[column] = value
    out[seq - 1] = tuple(row)
    return out


def _rewrite_from(rows: list[Row], seq: int, extra: int = 0) -> list[Row]:
    """What someone holding the key can do: change entry ``seq`` and recompute every digest after it."""
    changed = [r[1:6] for r in rows[seq - 1 :]]
    changed[0] = (changed[0][0], "system", "policy.change", "", "{}")
    changed += [_fields(100 + i) for i in range(extra)]
    return rows[: seq - 1] + chain(changed, start=seq, prev=rows[seq - 2][6] if seq > 1 else GENESIS)


Case = tuple[str, Callable[[], list[Row]], Head | None, int, int, str]
CASES: list[Case] = [
    # name, rows, head, first broken seq, entries checked before it, words in the problem
    ("changed time", lambda: _replace(LOG, 3, 1, "2026-11-25T10:00:04.000000+00:00"), None, 3, 2, "changed"),
    ("changed actor", lambda: _replace(LOG, 3, 2, "staff:9"), None, 3, 2, "changed"),
    ("changed action, one byte", lambda: _replace(LOG, 4, 3, "login.failez"), None, 4, 3, "changed"),
    ("changed target", lambda: _replace(LOG, 1, 4, "x"), None, 1, 0, "changed"),
    ("changed details", lambda: _replace(LOG, 6, 5, LOG[5][5].replace("6", "7")), None, 6, 5, "changed"),
    ("changed digest", lambda: _replace(LOG, 2, 6, b"\x00" * 32), None, 2, 1, "changed"),
    ("deleted entry", lambda: LOG[:2] + LOG[3:], None, 3, 2, "entry 3 is missing"),
    ("deleted first entry", lambda: LOG[1:], None, 1, 0, "entry 1 is missing"),
    ("deleted several", lambda: LOG[:1] + LOG[4:], None, 2, 1, "entry 2 is missing"),
    ("duplicated entry", lambda: [*LOG[:3], LOG[2], *LOG[3:]], None, 3, 3, "out of order"),
    (
        "contents swapped",
        lambda: _replace(_replace(LOG, 3, 5, LOG[3][5]), 4, 5, LOG[2][5]),
        None,
        3,
        2,
        "changed",
    ),
    (
        "entry inserted and renumbered without the key",
        lambda: LOG[:2] + [(3, *_fields(50), b"\x01" * 32)] + [(r[0] + 1, *r[1:]) for r in LOG[2:]],
        None,
        3,
        2,
        "changed",
    ),
    ("whole log under another key", lambda: chain([r[1:6] for r in LOG], OTHER_KEY), None, 1, 0, "changed"),
    ("tail deleted, head kept outside", lambda: LOG[:4], head_of(LOG, 6), 5, 4, "ends at entry 4"),
    ("all deleted, head kept outside", lambda: [], head_of(LOG, 6), 1, 0, "ends at entry 0"),
    ("rewritten with the key from 5", lambda: _rewrite_from(LOG, 5), head_of(LOG, 6), 6, 5, "rewritten"),
    (
        "rewritten with the key, longer",
        lambda: _rewrite_from(LOG, 2, extra=3),
        head_of(LOG, 4),
        4,
        3,
        "rewritten",
    ),
    ("rewritten with the key, shorter", lambda: _rewrite_from(LOG[:3], 2), head_of(LOG, 6), 4, 3, "ends at"),
]


@pytest.mark.parametrize(
    ("name", "rows", "head", "broken", "checked", "words"), CASES, ids=[c[0] for c in CASES]
)
def test_tampering_is_detected_and_named(
    name: str, rows: Callable[[], list[Row]], head: Head | None, broken: int, checked: int, words: str
) -> None:
    result = verify_stream(KEY, rows(), head)
    assert not result.ok
    assert result.first_broken_seq == broken
    assert result.checked == checked
    assert result.problem is not None and words in result.problem and str(broken) in result.problem
    if checked:
        assert result.last is not None and result.last.seq == checked
    else:
        assert result.last is None


def test_rewrite_with_the_key_passes_without_an_exported_head() -> None:
    """The reason to export heads: a consistent rewrite by someone holding the master key verifies on its own."""
    assert verify_stream(KEY, _rewrite_from(LOG, 2)).ok
    assert not verify_stream(KEY, _rewrite_from(LOG, 2), head_of(LOG, 6)).ok


def test_head_older_than_the_log_still_matches() -> None:
    assert verify_stream(KEY, LOG, head_of(LOG, 2)).ok


def test_a_forged_empty_head_is_refused() -> None:
    result = verify_stream(KEY, LOG, Head(0, "11" * 32, "t"))
    assert not result.ok and result.first_broken_seq == 0


def test_streams_any_iterable_once() -> None:
    assert verify_stream(KEY, iter(LOG)).checked == 6


# -- the exported head document -----------------------------------------------------------------------------------
def test_head_document_round_trip() -> None:
    head = head_of(LOG, 6)
    doc = head.to_document(entries=6)
    assert doc == {"seq": 6, "digest": LOG[5][6].hex(), "at": head.at_iso, "entries": 6}
    assert Head.from_document(doc) == head


@pytest.mark.parametrize(
    ("doc", "words"),
    [
        ([], "JSON object"),
        ({"seq": "6", "digest": "00" * 32, "at": "t"}, "seq"),
        ({"seq": True, "digest": "00" * 32, "at": "t"}, "seq"),
        ({"seq": -1, "digest": "00" * 32, "at": "t"}, "seq"),
        ({"seq": 6, "digest": "AB" * 32, "at": "t"}, "digest"),
        ({"seq": 6, "digest": "00" * 31, "at": "t"}, "digest"),
        ({"seq": 6, "digest": "00" * 32}, "at"),
        ({"seq": 0, "digest": "11" * 32, "at": "t"}, "all-zero"),
    ],
)
def test_head_document_errors_name_the_field(doc: object, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        Head.from_document(doc)
