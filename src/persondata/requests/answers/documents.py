"""The documents an answer leaves behind — letters (HTML, PDF) and exports (JSON, CSV) — sealed, and read back.

A document is kept as proof of what was sent (Art. 5(2)) until the request is purged. Its bytes are sealed under
the request's own data key, bound to the document's id, so a blob copied to another document or request does not
open. What stays in clear text is what shows the answer without showing the customer: kind, format, language,
size and the SHA-256 of the plain bytes (the customer's copy can be checked against it).
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from datetime import datetime

from django.utils.translation import gettext

from persondata.access import permissions
from persondata.access.actor import Actor
from persondata.core import sealing
from persondata.register.models import new_id
from persondata.requests import services
from persondata.requests.models import Document, Request

CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
}


def store(
    actor: Actor | str,
    request: Request,
    kind: str,
    fmt: str,
    data: bytes,
    *,
    language: str,
    now: datetime,
    document_id: uuid.UUID | None = None,
) -> Document:
    """Seal ``data`` as a document of the request and record the step (kind, format, size: no content).

    ``document_id`` is given when the id was promised earlier (a letter's PDF, printed after the answer).
    """
    if fmt not in CONTENT_TYPES:
        raise ValueError(f"fmt must be one of {', '.join(CONTENT_TYPES)}")
    doc_id = document_id or new_id()
    digest = hashlib.sha256(data).hexdigest()
    blob = services.seal_for(
        request,
        {"kind": kind, "fmt": fmt, "data": base64.b64encode(data).decode("ascii")},
        sealing.request_part("document", doc_id, request.id),
    )
    document = Document.objects.create(
        id=doc_id,
        request=request,
        kind=kind,
        language=language,
        fmt=fmt,
        created_at=now,
        created_by_id=None if isinstance(actor, str) else actor.user_id,
        sha256=digest,
        size=len(data),
        blob=blob,
    )
    services.record_step(
        request, "document", actor, now, document=str(doc_id), kind=kind, fmt=fmt, size=len(data)
    )
    return document


def filename(document: Document) -> str:
    """``PD-7K3F-9QXW-access-letter.pdf``: the reference and the kind, never anything personal."""
    return f"{document.request.reference}-{document.kind.replace('_', '-')}.{document.fmt}"


def content(document: Document) -> bytes:
    """The document's plain bytes, for the system's own use (printing a letter); people use :func:`read_document`."""
    request = document.request
    assert document.blob is not None  # checked by the callers: a purged request has nothing to open
    record = services.unseal_for(
        request, document.blob, sealing.request_part("document", document.id, request.id)
    )
    data = base64.b64decode(record["data"])
    if hashlib.sha256(data).hexdigest() != document.sha256:  # pragma: no cover - AES-GCM authenticates first
        raise services.RequestError("document", gettext("The stored document does not match its checksum."))
    return data


def read_document(actor: Actor, document: Document, *, now: datetime | None = None) -> tuple[bytes, str, str]:
    """The document's bytes, content type and file name, for a download by whoever handles requests.

    With ``now`` (inside a transaction), the download is recorded as a step of the request.
    """
    permissions.require(actor, permissions.HANDLE_REQUESTS)
    request = document.request
    if document.blob is None or request.purged_at is not None:
        raise services.RequestError(
            "document", gettext("The document was removed after the retention period.")
        )
    data = content(document)
    if now is not None:
        services.record_step(request, "document_read", actor, now, document=str(document.id))
    return data, CONTENT_TYPES[document.fmt], filename(document)
