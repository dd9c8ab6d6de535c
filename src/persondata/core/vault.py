"""The vault: envelope encryption of personal fields and keyed blind indexes for lookups.

Design (DESIGN.md, "Protection of the data itself"):

* A 32-byte **master key** lives in a file outside the database (created 0600 on first run). From it four
  sub-keys are derived with HKDF: a *wrapping key*, a *blind-index key*, the audit chain's HMAC key and the
  import's *digest key* (:meth:`Vault.import_digest`).
  None of them is stored anywhere.
* Every customer has one random **data key per retention class** (``relevance`` for contact data and order
  history; ``fy2020``, ``fy2020/21`` … for each financial year's accounting material). Data keys are stored
  *wrapped* (AES-GCM under the wrapping key, bound to customer id and class as associated data), so a row
  copied to another customer or class fails authentication instead of decrypting.
* Each personal record is one AES-GCM ciphertext ``nonce || ciphertext+tag`` under its class's data key, with
  the record's id and kind as associated data. Destroying the wrapped data key (crypto-shredding, RULES R5)
  makes every copy of those ciphertexts unreadable — including copies inside backups.
* Lookups go through **blind indexes**: HMAC-SHA256 under the index key over a normalised value, truncated to
  16 bytes. Equal inputs give equal tokens; without the master key the tokens reveal nothing and cannot be
  brute-forced offline.

This module is pure: no Django, no I/O except :func:`load_or_create_master_key`.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import os
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from hashlib import blake2b
from pathlib import Path
from typing import Any

import orjson
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from persondata.core import sealing

MASTER_KEY_BYTES = 32
NONCE_BYTES = 12
BLIND_INDEX_BYTES = 16
DIGEST_BYTES = 16
_MASTER_KEY_HEADER = b"persondata-master-key-v1\n"
_ROTATED_KEY_HEADER = b"persondata-master-key-v2\n"  # a master key and the two keys it carries over
#: a wrapped data key names the master key it is wrapped under: this byte, then the key id's 8 bytes
_WRAP_TAG = b"\x01"
_KEY_ID_BYTES = 8
_UNTAGGED_BYTES = 12 + 32 + 16  # nonce, the data key, the tag


class VaultError(Exception):
    """A key or ciphertext could not be used. Messages never contain key material or plaintext. A master key
    file's problem also carries ``problem`` (``missing``, ``readable``, ``header``, ``damaged``) and its ``path``,
    so that a caller can say it in the reader's language."""

    def __init__(self, message: str, *, problem: str = "", path: Path | None = None, mode: int = 0) -> None:
        super().__init__(message)
        self.problem, self.path, self.mode = problem, path, mode


class UnknownMasterKey(VaultError):
    """A data key wrapped under a master key this vault does not hold (another process rotated the key)."""


def _derive(master: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"persondata/" + purpose).derive(master)


@dataclass(frozen=True, slots=True)
class MasterKey:
    """What a master key file holds: the master key, and — in a file written by a key rotation (format v2) — the
    blind-index and audit keys carried over from the key before it (their values must not change: every blind
    index and every audit digest was computed with them). A first key (format v1) derives both from itself."""

    master: bytes
    carried: tuple[bytes, bytes] | None = None  # (blind-index key, audit key)


def load_or_create_master_key(path: Path, *, create: bool = True) -> MasterKey:
    """Read the master key file, creating it (mode 0600, exclusive create) on first run if ``create``.

    Without ``create`` a missing file is an error: silently making a new key would leave every stored record
    unreadable and the audit chain "broken" — the key must be restored from its backup instead.
    """
    if not path.exists() and not create:
        raise VaultError(
            f"the master key file {path} is missing: restore it from its backup (a new key cannot read this "
            "database); only a new installation with an empty database gets a new key, from 'persondata init'",
            problem="missing",
            path=path,
        )
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with contextlib.suppress(FileExistsError):  # a concurrent first run won the race; read its key below
            write_key_file(path, MasterKey(os.urandom(MASTER_KEY_BYTES)))
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise VaultError(
            f"master key file {path} is readable by others (mode {mode:o}); run: chmod 600 {path}",
            problem="readable",
            path=path,
            mode=mode,
        )
    return _parse_key_file(path, path.read_bytes())


def _parse_key_file(path: Path, raw: bytes) -> MasterKey:
    header, _, body = raw.partition(b"\n")
    lines = body.decode(errors="replace").split()
    if header + b"\n" not in (_MASTER_KEY_HEADER, _ROTATED_KEY_HEADER):
        raise VaultError(
            f"master key file {path} is not a persondata master key (wrong header)",
            problem="header",
            path=path,
        )
    wanted = 1 if header + b"\n" == _MASTER_KEY_HEADER else 3
    try:
        keys = [bytes.fromhex(line) for line in lines]
    except ValueError as exc:
        raise VaultError(
            f"master key file {path} is damaged (not hex)", problem="damaged", path=path
        ) from exc
    if len(keys) != wanted or any(len(k) != MASTER_KEY_BYTES for k in keys):
        raise VaultError(f"master key file {path} is damaged (wrong length)", problem="damaged", path=path)
    return MasterKey(keys[0], None if wanted == 1 else (keys[1], keys[2]))


def write_key_file(path: Path, key: MasterKey) -> None:
    """Write a new key file, mode 0600 from its creation, whole or not at all: it is written under a name of its
    own and then linked into place, so a process killed half-way leaves no damaged key file. An existing file
    raises FileExistsError."""
    if key.carried is None:
        text = _MASTER_KEY_HEADER + key.master.hex().encode() + b"\n"
    else:
        text = _ROTATED_KEY_HEADER + b"".join(k.hex().encode() + b"\n" for k in (key.master, *key.carried))
    draft = path.with_name(f".{path.name}.{os.getpid()}.draft")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, text)
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(draft, path)
    finally:
        draft.unlink()


@dataclass(frozen=True, slots=True)
class NewDataKey:
    key: bytes
    wrapped: bytes


class Vault:
    """Wraps data keys, seals records, and computes blind indexes. Thread-safe (holds no mutable state).

    A wrapped data key starts with the id of the master key that wrapped it (:meth:`key_check`); a key wrapped
    before ids were written (60 bytes, no tag) is tried under every key the vault holds. ``also``: the other
    master keys still in use — during a rotation (``persondata keys rotate``) the vault wraps new keys under the
    new master key and unwraps under either, by key id.
    """

    __slots__ = (
        "_also",
        "_audit_key",
        "_digest_key",
        "_index_hmac",
        "_index_key",
        "_master_check",
        "_tag",
        "_wrap",
        "_wraps",
        "key_id",
    )

    def __init__(self, master_key: bytes | MasterKey, *, also: tuple[Vault, ...] = ()) -> None:
        key = master_key if isinstance(master_key, MasterKey) else MasterKey(master_key)
        if len(key.master) != MASTER_KEY_BYTES:
            raise VaultError("master key must be 32 bytes")
        self._wrap = AESGCM(_derive(key.master, b"wrap"))
        index_key, audit_key = key.carried or (
            _derive(key.master, b"blind-index"),
            _derive(key.master, b"audit"),
        )
        self._index_key, self._audit_key = index_key, audit_key
        # keyed once: each blind index copies it (an import computes millions; keying each costs a third more)
        self._index_hmac = hmac.new(index_key, digestmod="sha256")
        # the re-import's digests follow the master key: after a rotation each row is written once more
        self._digest_key = _derive(key.master, b"import-digest")
        self._master_check = _derive(key.master, b"key-check-root")
        self.key_id = _derive(self._master_check, b"key-id")[:_KEY_ID_BYTES].hex()
        self._tag = _WRAP_TAG + bytes.fromhex(self.key_id)
        self._also = also
        self._wraps = {self._tag: self._wrap} | {v._tag: v._wrap for v in also}

    # -- data keys (the key ring, ``persondata.keys``, is their one user) -------------------------------------
    def new_data_key(self, owner: str, klass: str) -> NewDataKey:
        key = os.urandom(32)
        return NewDataKey(key, self._wrap_key(key, owner, klass))

    def _wrap_key(self, key: bytes, owner: str, klass: str) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return self._tag + nonce + self._wrap.encrypt(nonce, key, sealing.data_key(owner, klass).encode())

    def unwrap(self, wrapped: bytes, owner: str, klass: str) -> bytes:
        tag = wrapped[: len(self._tag)]
        if tag[:1] == _WRAP_TAG and len(wrapped) == len(self._tag) + _UNTAGGED_BYTES:
            wrap = self._wraps.get(tag)
            if wrap is None:
                raise UnknownMasterKey(
                    f"data key for class {klass} of {owner} is wrapped under master key "
                    f"{tag[1:].hex()}, which this installation does not hold"
                )
            candidates, body = [wrap], wrapped[len(self._tag) :]
        else:
            candidates, body = list(self._wraps.values()), wrapped
        context = sealing.data_key(owner, klass).encode()
        for wrap in candidates:
            try:
                return wrap.decrypt(body[:NONCE_BYTES], body[NONCE_BYTES:], context)
            except Exception:  # noqa: S112 - InvalidTag, ValueError: the next key, then one error, never the bytes
                continue
        raise VaultError(f"data key for class {klass} of {owner} does not authenticate")

    def is_current(self, wrapped: bytes) -> bool:
        """Whether ``wrapped`` is wrapped under this vault's own master key (a rotation has re-wrapped it)."""
        return wrapped[: len(self._tag)] == self._tag

    def rewrap(self, wrapped: bytes, owner: str, klass: str) -> bytes:
        """The same data key, wrapped under this vault's own master key (a rotation's step)."""
        return self._wrap_key(self.unwrap(wrapped, owner, klass), owner, klass)

    def successor(self) -> MasterKey:
        """A new master key that carries this one's blind-index and audit keys (a rotation's new key file)."""
        return MasterKey(os.urandom(MASTER_KEY_BYTES), (self._index_key, self._audit_key))

    # -- blind indexes ---------------------------------------------------------------------------------------
    def blind_index(self, kind: str, normalized: str) -> bytes:
        mac = self._index_hmac.copy()
        mac.update(f"{kind}\x00{normalized}".encode())
        return mac.digest()[:BLIND_INDEX_BYTES]

    # -- the import's digests ------------------------------------------------------------------------------
    def import_digest(self, source: bytes) -> bytes:
        """A keyed digest (BLAKE2b-128 under its own key, derived from the master key) of a record as the source
        system gave it: a re-import recognises an unchanged record by it (``register.import_digest``). Without
        the master key it reveals nothing of the record and cannot be checked against guessed values."""
        return blake2b(source, key=self._digest_key, digest_size=DIGEST_BYTES).digest()

    def import_digester(self, context: bytes) -> Any:
        """The same keyed BLAKE2b-128, already fed ``context``: a re-import digests each raw record of a file
        with a copy of it (``register.import_raw``)."""
        return blake2b(context, key=self._digest_key, digest_size=DIGEST_BYTES)

    # -- the key check value ---------------------------------------------------------------------------------
    def key_check(self) -> tuple[str, str]:
        """``(key id, MAC)``: what the database records to recognise its master key (issue 12). Neither reveals
        the key: both are HMAC outputs under keys derived from it, for a fixed message."""
        key_id = self.key_id
        mac = hmac.digest(
            _derive(self._master_check, b"key-check"), b"persondata key check v1|" + key_id.encode(), "sha256"
        )
        return key_id, mac.hex()

    def key_checks(self) -> list[tuple[str, str]]:
        """The check values of every master key this vault holds: its own first, then those of ``also``."""
        return [self.key_check(), *(v.key_check() for v in self._also)]

    # -- audit trail -----------------------------------------------------------------------------------------
    def audit_key(self) -> bytes:
        """The HMAC key of the audit chain (``persondata.core.audit_chain``): without the master key, a changed
        entry cannot be given a matching digest."""
        return self._audit_key


def seal(key: bytes | AESGCM, record: dict[str, Any], context: str, nonce: bytes | None = None) -> bytes:
    """Encrypt a JSON-serialisable record; ``context`` (record id and kind) is authenticated, not stored.

    ``nonce``: a fresh random 12-byte nonce from :func:`nonces` (bulk writers draw them a batch at a time);
    by default one is drawn here. The JSON is compact UTF-8 (orjson: the import seals hundreds of thousands).
    """
    aead = key if isinstance(key, AESGCM) else AESGCM(key)
    if nonce is None:
        nonce = os.urandom(NONCE_BYTES)
    return nonce + aead.encrypt(nonce, orjson.dumps(record), context.encode())


def nonces(count: int) -> Iterator[bytes]:
    """``count`` random nonces from one system call (a call per record would cost more than the encryption)."""
    pool = os.urandom(NONCE_BYTES * count)
    return (pool[i : i + NONCE_BYTES] for i in range(0, len(pool), NONCE_BYTES))


def unseal(key: bytes | AESGCM, blob: bytes | memoryview, context: str) -> dict[str, Any]:
    aead = key if isinstance(key, AESGCM) else AESGCM(key)
    try:
        plaintext = aead.decrypt(bytes(blob[:NONCE_BYTES]), bytes(blob[NONCE_BYTES:]), context.encode())
    except Exception as exc:
        raise VaultError(f"record {context} does not authenticate under its data key") from exc
    value = json.loads(plaintext)
    if not isinstance(value, dict):
        raise VaultError(f"record {context} is not a record")
    return value


# -- normalisation for blind indexes -------------------------------------------------------------------------
_SPACES = re.compile(r"\s+")
_NON_DIGITS = re.compile(r"[^\d]")
_NAME_TOKEN = re.compile(r"[\w]+", re.UNICODE)


def normalize_email(value: str) -> str:
    return value.strip().lower()


def normalize_phone(value: str, default_country: str = "45") -> str:
    """Digits with country code: ``+45 12 34 56 78``, ``0045 12345678`` and ``12345678`` are equal."""
    raw = value.strip()
    digits = _NON_DIGITS.sub("", raw)
    if raw.startswith("+"):
        return digits
    if digits.startswith("00"):
        return digits[2:]
    if len(digits) == 8:  # a Danish subscriber number
        return default_country + digits
    return digits


def normalize_name(value: str) -> str:
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", value).casefold().strip())


def name_tokens(value: str) -> set[str]:
    return {t for t in _NAME_TOKEN.findall(normalize_name(value)) if len(t) > 1}


def normalize_customer_number(value: str) -> str:
    return value.strip().upper()
