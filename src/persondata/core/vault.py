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


class VaultError(Exception):
    """A key or ciphertext could not be used. Messages never contain key material or plaintext."""


def _derive(master: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"persondata/" + purpose).derive(master)


def load_or_create_master_key(path: Path, *, create: bool = True) -> bytes:
    """Read the master key file, creating it (mode 0600, exclusive create) on first run if ``create``.

    Without ``create`` a missing file is an error: silently making a new key would leave every stored record
    unreadable and the audit chain "broken" — the key must be restored from its backup instead.
    """
    if not path.exists() and not create:
        raise VaultError(
            f"the master key file {path} is missing: restore it from its backup (a new key cannot read this "
            "database); only a new installation with an empty database gets a new key, from 'persondata init'"
        )
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # a concurrent first run won the race; read its key below
        else:
            try:
                os.write(fd, _MASTER_KEY_HEADER + os.urandom(MASTER_KEY_BYTES).hex().encode() + b"\n")
                os.fsync(fd)
            finally:
                os.close(fd)
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise VaultError(
            f"master key file {path} is readable by others (mode {mode:o}); run: chmod 600 {path}"
        )
    raw = path.read_bytes()
    if not raw.startswith(_MASTER_KEY_HEADER):
        raise VaultError(f"master key file {path} is not a persondata master key (wrong header)")
    try:
        key = bytes.fromhex(raw[len(_MASTER_KEY_HEADER) :].decode().strip())
    except ValueError as exc:
        raise VaultError(f"master key file {path} is damaged (not hex)") from exc
    if len(key) != MASTER_KEY_BYTES:
        raise VaultError(f"master key file {path} is damaged (wrong length)")
    return key


@dataclass(frozen=True, slots=True)
class NewDataKey:
    key: bytes
    wrapped: bytes


class Vault:
    """Wraps data keys, seals records, and computes blind indexes. Thread-safe (holds no mutable state)."""

    __slots__ = ("_audit_key", "_digest_key", "_index_key", "_master_check", "_wrap")

    def __init__(self, master_key: bytes) -> None:
        if len(master_key) != MASTER_KEY_BYTES:
            raise VaultError("master key must be 32 bytes")
        self._wrap = AESGCM(_derive(master_key, b"wrap"))
        self._index_key = _derive(master_key, b"blind-index")
        self._audit_key = _derive(master_key, b"audit")
        self._digest_key = _derive(master_key, b"import-digest")
        self._master_check = _derive(master_key, b"key-check-root")

    # -- data keys (the key ring, ``persondata.keys``, is their one user) -------------------------------------
    def new_data_key(self, owner: str, klass: str) -> NewDataKey:
        key = os.urandom(32)
        nonce = os.urandom(NONCE_BYTES)
        return NewDataKey(
            key, nonce + self._wrap.encrypt(nonce, key, sealing.data_key(owner, klass).encode())
        )

    def unwrap(self, wrapped: bytes, owner: str, klass: str) -> bytes:
        try:
            return self._wrap.decrypt(
                wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], sealing.data_key(owner, klass).encode()
            )
        except Exception as exc:  # InvalidTag, ValueError: never echo the bytes
            raise VaultError(f"data key for class {klass} of {owner} does not authenticate") from exc

    # -- blind indexes ---------------------------------------------------------------------------------------
    def blind_index(self, kind: str, normalized: str) -> bytes:
        return hmac.digest(self._index_key, f"{kind}\x00{normalized}".encode(), "sha256")[:BLIND_INDEX_BYTES]

    # -- the import's digests ------------------------------------------------------------------------------
    def import_digest(self, source: bytes) -> bytes:
        """A keyed digest (BLAKE2b-128 under its own key, derived from the master key) of a record as the source
        system gave it: a re-import recognises an unchanged record by it (``register.import_digest``). Without
        the master key it reveals nothing of the record and cannot be checked against guessed values."""
        return blake2b(source, key=self._digest_key, digest_size=DIGEST_BYTES).digest()

    # -- the key check value ---------------------------------------------------------------------------------
    def key_check(self) -> tuple[str, str]:
        """``(key id, MAC)``: what the database records to recognise its master key (issue 12). Neither reveals
        the key: both are HMAC outputs under keys derived from it, for a fixed message."""
        key_id = _derive(self._master_check, b"key-id")[:8].hex()
        mac = hmac.digest(
            _derive(self._master_check, b"key-check"), b"persondata key check v1|" + key_id.encode(), "sha256"
        )
        return key_id, mac.hex()

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
