"""The nightly re-import's short cut (issue 17): an unchanged CSV record is recognised by a keyed digest of its raw
bytes and skipped before it is decoded, parsed, validated, sealed or written.

**The digest.** Every CSV record the import writes keeps, in ``import_digest``, the keyed digest (BLAKE2b-128
under the installation's digest key, ``Vault.import_digester``) of the record's raw bytes — its line, or an
order's consecutive lines, without the line ends — bound to the file's kind and header, the financial year
(which decides an invoice's key class) and this reading's version, and after it the nonces of the blobs the
import sealed the record into: ``digest || nonce`` (28 bytes), ``digest || contact nonce || number nonce`` for a
customer (40). The digest is no clear value: without the master key it cannot be tested against guessed values.

**What is known.** When the import meets the first file of a kind, one query per table reads the digests of the
rows that still hold what an import sealed into them: the stored nonces equal the blobs' (a staff rectification
re-seals with a new nonce, the retention sweep empties a blob), and the row's customer still has its number (a
customer emptied at the end of retention, or deleted, takes its records out). The digests are kept in memory, 16
bytes each, in buckets by their first bits (:class:`Known`) — a million customers' 5.4 million records take
≈ 90 MB — with a state each: known, skipped in this import, or rewritten in it.

**The pass.** :class:`RawLines` reads a file in large blocks and digests each record; a record whose digest is
known (and whose neighbours are plain, below) is counted as unchanged and nothing more is done with it. Any
other line is decoded and handed to the parser with its digest, which the writer stores with the new nonces.
A line that holds a quote, has the wrong number of separators or (orders) a doubtful order number is never
skipped and taints the orders next to it, because the parser may read it together with them; so is every line
the parser reads while it is inside a record (a quoted field across lines). Such records are parsed and keep
the digest of their parsed fields (``register.import_digest``), as JSON records do.

**Twice in one import.** A record skipped a second time is refused as it would be when parsed; a parsed record
whose stored row was skipped earlier in the import is refused by the writer (:meth:`Known.was_skipped`); and a
row the writer rewrites is no longer known, so a later copy of its old line is parsed and refused as well.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from time import perf_counter
from typing import IO

from django.db import connection

from persondata.core.vault import DIGEST_BYTES, Vault
from persondata.register.import_formats import NOT_UTF8, TWICE, TWICE_ANY, BadRow, RowError
from persondata.register.writer_tables import BLOB, KINDS

VERSION = b"persondata import raw v1"
NONCE = 12
BLOCK = 1 << 20  # bytes read at a time
TABLES = {"customers": "customer", **{kind: table for kind, table, _key, _cols in KINDS}}
KEYS = {"customers": "customer_number", **{kind: key for kind, _table, key, _cols in KINDS}}
# states of a known digest
_KNOWN, _SKIPPED, _REWRITTEN = 0, 1, 2


class Raw(bytes):
    """The raw digest of a record (a parsed record's ``source`` for the writer is then this, not its fields)."""

    __slots__ = ()


def _known_sql(kind: str) -> str:
    table = TABLES[kind]
    if kind == "customers":
        return (
            "SELECT substr(import_digest, 1, 16) AS d FROM customer WHERE length(import_digest) = 40 "
            "AND substr(import_digest, 17, 12) = substr(contact_blob, 1, 12) "
            "AND substr(import_digest, 29, 12) = substr(number_blob, 1, 12)"
        )
    return (
        f"SELECT substr(import_digest, 1, 16) AS d FROM {table} WHERE length(import_digest) = 28 "  # noqa: S608 - constants
        f"AND substr(import_digest, 17, 12) = substr({BLOB[table]}, 1, 12) "
        "AND customer_id NOT IN (SELECT id FROM customer WHERE number_bidx IS NULL)"
    )


class Known:
    """The raw digests a table holds, in 2**bits buckets by their leading bits, each a bytes of 16-byte digests,
    with one state byte per digest."""

    __slots__ = ("count", "data", "shift", "state")

    def __init__(self, digests: bytes) -> None:
        n = len(digests) // DIGEST_BYTES
        self.count = n
        bits = max(1, min(20, (n // 48).bit_length()))  # about 24 to 48 digests a bucket
        self.shift = 32 - bits
        shift = self.shift
        buckets = [bytearray() for _ in range(1 << bits)]
        for i in range(0, len(digests), DIGEST_BYTES):
            d = digests[i : i + DIGEST_BYTES]
            buckets[int.from_bytes(d[:4]) >> shift] += d
        self.data = [bytes(b) for b in buckets]
        self.state = [bytearray(len(b) // DIGEST_BYTES) for b in buckets]

    def _find(self, digest: bytes) -> tuple[int, int] | None:
        b = int.from_bytes(digest[:4]) >> self.shift
        data = self.data[b]
        i = data.find(digest)
        while i > 0 and i % DIGEST_BYTES:
            i = data.find(digest, i + 1)
        return None if i < 0 else (b, i // DIGEST_BYTES)

    def take(self, digest: bytes) -> int:
        """The digest's state before this call (-1: not known); a known digest becomes skipped."""
        found = self._find(digest)
        if found is None:
            return -1
        b, i = found
        state = self.state[b][i]
        if state == _KNOWN:
            self.state[b][i] = _SKIPPED
        return state

    def was_skipped(self, stored: bytes | None) -> bool:
        """Whether the row that stores ``stored`` was skipped as unchanged in this import."""
        if (
            stored is None
            or len(stored) <= DIGEST_BYTES
            or (found := self._find(stored[:DIGEST_BYTES])) is None
        ):
            return False
        return self.state[found[0]][found[1]] == _SKIPPED

    def rewritten(self, stored: bytes | None) -> None:
        """The row that stores ``stored`` is written anew in this import: a later copy of its line is parsed."""
        if stored is not None and len(stored) > DIGEST_BYTES and (found := self._find(stored[:DIGEST_BYTES])):
            self.state[found[0]][found[1]] = _REWRITTEN


class RawImport:
    """One import's raw digests: the known ones by kind (read once, when the first file of the kind starts), and
    the records skipped so far."""

    def __init__(self, vault: Vault, financial_year: str) -> None:
        self.vault, self.financial_year = vault, financial_year.encode()
        self.known: dict[str, Known] = {}
        self.skipped: Counter[str] = Counter()
        self.db_seconds = 0.0

    def known_of(self, kind: str) -> Known:
        known = self.known.get(kind)
        if known is None:
            started = perf_counter()
            digests = _read_digests(_known_sql(kind))
            self.db_seconds += perf_counter() - started
            known = self.known[kind] = Known(digests)
        return known

    def was_skipped(self, kind: str, stored: bytes | None) -> bool:
        known = self.known.get(kind)
        return known is not None and known.was_skipped(stored)

    def rewritten(self, kind: str, stored: bytes | None) -> None:
        if (known := self.known.get(kind)) is not None:
            known.rewritten(stored)

    def lines(
        self, stream: IO[bytes], name: str, kind: str, header: list[str], delimiter: str, number: int
    ) -> RawLines:
        context = raw_context(kind, delimiter, header, self.financial_year)
        return RawLines(self, stream, name, kind, len(header), delimiter, number, context, header)


def raw_context(kind: str, delimiter: str, header: list[str], financial_year: bytes) -> bytes:
    """What a file's raw digests are bound to besides the record: this reading, the kind, the header, the year."""
    return b"\x00".join(
        (VERSION, kind.encode(), delimiter.encode(), "\x01".join(header).encode(), financial_year, b"")
    )


def _read_digests(sql: str) -> bytes:
    """The digests the query gives, one after the other, in one value from the database."""
    if connection.vendor == "postgresql":
        sql = f"SELECT string_agg(d, ''::bytea) FROM ({sql}) AS known"  # noqa: S608 - constants
    else:
        sql = f"SELECT group_concat(hex(d), '') FROM ({sql}) AS known"  # noqa: S608 - constants
    with connection.cursor() as cur:
        cur.execute(sql)
        (value,) = cur.fetchone()
    if value is None:
        return b""
    return bytes.fromhex(value) if isinstance(value, str) else bytes(value)


class RawLines:
    """The data lines of one CSV file, past its header: the known records skipped, the others decoded for the
    parser (``None`` marks where skipped records were: an order pending in the parser ends there).

    ``number`` is the line number of the line last handed out, ``digests`` the raw digest of each record handed
    out whole and plain, by its first line; ``errors`` the records skipped a second time; ``hold`` is set by the
    parser while it reads one record across lines, which are then handed out as they come.
    """

    def __init__(
        self,
        raw: RawImport,
        stream: IO[bytes],
        name: str,
        kind: str,
        width: int,
        delimiter: str,
        number: int,
        context: bytes,
        header: list[str],
    ) -> None:
        self.raw, self.stream, self.name, self.kind = raw, stream, name, kind
        self.separators = width - 1
        self.delimiter = delimiter.encode()
        self.number = number
        self.digests: dict[int, bytes] = {}
        self.errors: list[RowError] = []
        self.hold = False
        self.marked = True  # orders: no record handed out since the last mark
        self.last = b""  # orders: the digest of the last order ``_skipped`` looked at
        self.hasher = raw.vault.import_digester(context)
        self.known = raw.known_of(kind)
        self.key_at = header.index("order_number") if kind == "orders" else -1

    def _physical(self) -> Iterator[bytes]:
        """The file's remaining lines, each without its ``\\n``."""
        rest = b""
        read = self.stream.read
        while block := read(BLOCK):
            parts = (rest + block).split(b"\n") if rest else block.split(b"\n")
            rest = parts.pop()
            yield from parts
        if rest:
            yield rest

    def _text(self, line: bytes, number: int) -> str:
        self.number = number
        try:
            return line.decode("utf-8") + "\n"
        except UnicodeDecodeError:
            raise BadRow(
                [
                    RowError(
                        self.name,
                        number,
                        "",
                        NOT_UTF8,
                    )
                ]
            ) from None

    def _digest(self, lines: list[bytes]) -> bytes:
        h = self.hasher.copy()
        h.update(b"\n".join(lines) if len(lines) > 1 else lines[0])
        return bytes(h.digest())

    def _twice(self, line: int) -> None:
        self.errors.append(RowError(self.name, line, KEYS[self.kind], TWICE.get(self.kind, TWICE_ANY)))

    # long on purpose: the hot loop of a re-import, every lookup bound locally (5 million records)
    def lines(self) -> Iterator[str | None]:
        """A record's digest is over its bytes as they are (a carriage return included, the line feed not). A
        line with a quote is never known (the import never stores a digest for it) nor handed out with one."""
        if self.key_at >= 0:
            yield from self._orders()
            return
        number = self.number
        known = self.known
        data, state, shift = known.data, known.state, known.shift
        copy = self.hasher.copy
        from_bytes = int.from_bytes
        skipped = 0
        for line in self._physical():
            number += 1
            if not self.hold:
                h = copy()
                h.update(line)
                digest = h.digest()
                b = from_bytes(digest[:4]) >> shift
                i = data[b].find(digest)
                while i > 0 and i % DIGEST_BYTES:
                    i = data[b].find(digest, i + 1)
                if i >= 0:
                    i //= DIGEST_BYTES
                    seen = state[b][i]
                    if seen == _KNOWN:
                        state[b][i] = _SKIPPED
                        skipped += 1
                        continue
                    if seen == _SKIPPED:
                        self._twice(number)
                        continue
                if b'"' not in line:
                    self.digests[number] = digest
            yield self._text(line, number)
        self.raw.skipped[self.kind] += skipped

    def _skip(self, digest: bytes, line: int) -> bool:
        """Whether the record is skipped: known (counted), or known and skipped before (refused)."""
        state = self.known.take(digest)
        if state == _KNOWN:
            self.raw.skipped[self.kind] += 1
            return True
        if state == _SKIPPED:
            self._twice(line)
            return True
        return False

    # long on purpose: one pass over an orders file, grouping its lines into orders with a line of look-ahead
    def _orders(self) -> Iterator[str | None]:
        """An order is its consecutive lines with the same order number. A line that is not plain — a quote, not
        the header's width, an untrimmed or empty order number — is handed out alone, and the orders next to it
        are handed out too (the parser may read it with them)."""
        number = self.number
        group: list[bytes] = []
        group_key: bytes | None = None
        start = 0
        plain_before = True  # the line before the group was plain
        last_plain = True
        sep, separators, at = self.delimiter, self.separators, self.key_at
        for line in self._physical():
            number += 1
            if self.hold:  # the parser is inside a record: it reads on, line by line
                last_plain = self.marked = False
                yield self._text(line, number)
                continue
            key: bytes | None = None
            if b'"' not in line and line.count(sep) == separators:
                key = line.split(sep, at + 1)[at]
                if not key or key != key.strip():
                    key = None
            if key is not None and key == group_key:
                group.append(line)
                continue
            if group:
                alone = plain_before and key is not None
                if alone and self._skipped(group, start):
                    if not self.marked:  # the parser's pending order ends before the skipped ones
                        self.marked = True
                        yield None
                else:
                    yield from self._order(group, start, alone)
            if key is None:
                group, group_key = [], None
                last_plain = self.marked = False
                yield self._text(line, number)
            else:
                group, group_key, start, plain_before = [line], key, number, last_plain
                last_plain = True
        if group and not (plain_before and self._skipped(group, start)):
            yield from self._order(group, start, plain_before)  # the parser ends its pending order at the end

    def _skipped(self, group: list[bytes], start: int) -> bool:
        """Whether a plain order, alone, is known (or known and skipped before: refused); kept for ``_order``."""
        self.last = digest = self._digest(group)
        return self._skip(digest, start)

    def _order(self, group: list[bytes], start: int, alone: bool) -> Iterator[str | None]:
        """One order's lines, handed out; with its digest if it is alone (``_skipped`` took it)."""
        if alone:
            self.digests[start] = self.last
        self.marked = False
        for i, line in enumerate(group):
            yield self._text(line, start + i)
