"""The backup file: a manifest in the clear, then the database dump encrypted in chunks (AES-256-GCM).

Layout (``FORMAT`` 1)::

    MAGIC  u32 header length  header (JSON: the manifest)
    then chunks:  u32 length of the sealed chunk  12-byte nonce  sealed chunk

Each chunk is sealed with the backup's own data key, which lives in the key store (``backup:<id>``), never in
the file: once the key is destroyed (the backup's retention ran out, docs/backups.md), no copy of the file can
be read. The associated data of every chunk binds it to the header (its SHA-256), to its place (its number) and
to whether it is the last: a changed manifest, a chunk moved, dropped or altered, or a file cut short is
refused. The manifest carries the SHA-256 of the whole plain dump, checked once it is decrypted.

Writing and reading stream one chunk at a time (``CHUNK``): a backup of any size needs a few MiB of memory.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.utils.translation import gettext as _

MAGIC = b"PERSONDATA-BACKUP\n"
FORMAT = 1
CHUNK = 4 * 1024 * 1024
_LEN = struct.Struct(">I")
_MAX_HEADER = 1024 * 1024


class BackupFileError(Exception):
    """The file cannot be used as a backup; the message says why and what to do (never key material), in the
    active language."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _aad(header_digest: bytes, index: int, last: bool) -> bytes:
    return header_digest + struct.pack(">Q?", index, last)


def write(plain: Path, out: IO[bytes], manifest: dict[str, Any], key: AESGCM) -> None:
    """Encrypt the file ``plain`` into ``out`` behind ``manifest``, chunk by chunk."""
    header = json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode()
    out.write(MAGIC + _LEN.pack(len(header)) + header)
    digest = hashlib.sha256(header).digest()
    size = plain.stat().st_size
    with plain.open("rb") as f:
        index = 0
        done = 0
        while True:
            block = f.read(CHUNK)
            done += len(block)
            last = done >= size
            nonce = os.urandom(12)
            sealed = key.encrypt(nonce, block, _aad(digest, index, last))
            out.write(_LEN.pack(len(sealed)) + nonce + sealed)
            index += 1
            if last:
                break


def read_manifest(f: IO[bytes]) -> tuple[dict[str, Any], bytes]:
    """The manifest and the header's digest; ``f`` is left at the first chunk."""
    magic = f.read(len(MAGIC))
    if magic != MAGIC:
        raise BackupFileError(_("this is not a persondata backup (it does not start as one)"))
    raw = f.read(_LEN.size)
    if len(raw) < _LEN.size:
        raise BackupFileError(_("the backup is truncated: its manifest is cut short"))
    (length,) = _LEN.unpack(raw)
    header = f.read(length) if length <= _MAX_HEADER else b""
    if len(header) != length:
        raise BackupFileError(_("the backup is truncated or damaged: its manifest is cut short"))
    try:
        manifest = json.loads(header)
    except ValueError:
        raise BackupFileError(_("the backup is damaged: its manifest cannot be read")) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        found = manifest.get("format", "?") if isinstance(manifest, dict) else "?"
        raise BackupFileError(
            _("the backup has format %(found)s; this version of persondata reads format %(format)s")
            % {"found": found, "format": FORMAT}
        )
    return manifest, hashlib.sha256(header).digest()


def chunks(f: IO[bytes], header_digest: bytes, key: AESGCM) -> Iterator[bytes]:
    """The plain dump, chunk by chunk; refuses a damaged, reordered or truncated file."""
    index = 0
    while True:
        raw = f.read(_LEN.size)
        if len(raw) < _LEN.size:
            raise BackupFileError(
                _("the backup is truncated: it ends before its last part (an interrupted copy?)")
            )
        (length,) = _LEN.unpack(raw)
        nonce = f.read(12)
        sealed = f.read(length) if length <= CHUNK + 64 else b""
        if len(nonce) < 12 or len(sealed) != length:
            raise BackupFileError(_("the backup is truncated: a part is cut short (an interrupted copy?)"))
        for last in (False, True):
            try:
                block = key.decrypt(nonce, sealed, _aad(header_digest, index, last))
            except InvalidTag:
                continue
            yield block
            if last:
                if f.read(1):
                    raise BackupFileError(_("the backup is damaged: it has data after its last part"))
                return
            break
        else:
            if index == 0:
                raise BackupFileError(
                    _(
                        "the backup's key does not open it: the file is damaged, or the key store holds another "
                        "key under its id (a key store from another installation?)"
                    )
                )
            raise BackupFileError(
                _("the backup is damaged: part %(number)s does not check out") % {"number": index + 1}
            )
        index += 1


def decrypt_to(src: Path, dest: IO[bytes], key_for: Any) -> dict[str, Any]:
    """Decrypt the backup ``src`` into ``dest``; ``key_for(manifest)`` gives its key. Checks the checksum."""
    with src.open("rb") as f:
        manifest, digest = read_manifest(f)
        key = key_for(manifest)
        sha = hashlib.sha256()
        size = 0
        for block in chunks(f, digest, key):
            sha.update(block)
            size += len(block)
            dest.write(block)
    checksum = manifest.get("checksum") or {}
    if sha.hexdigest() != checksum.get("sha256") or size != checksum.get("bytes"):
        raise BackupFileError(_("the backup's checksum does not match its contents: the file is damaged"))
    return manifest
