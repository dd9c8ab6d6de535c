"""Attachments to the manual items of the half-yearly control (policy [13]; RULES R17): the evidence the controller
adds by hand — a PDF, a PNG or a JPEG of at most ``MAX_SIZE`` — one per item.

The file is sealed under a data key of its own, made by the key ring and kept wrapped in its row (as a processor
agreement's PDF): only who holds ``run_control`` reads it back. The type is read from the file's first bytes,
never taken from the browser. The report lists each attachment by name and size, never its content; the audit
entries name the item, the type and the size, never the file's name (it is the controller's text, checked for
CPR- and card-shaped numbers like the notes). A signed-off control is closed: its attachments stay as they were.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from django.utils.translation import gettext

from persondata.access.actor import Actor
from persondata.access.errors import NotFound
from persondata.audit import services as audit
from persondata.core import sealing
from persondata.core.sensitive import check_free_text
from persondata.core.vault import seal, unseal
from persondata.governance import control as controls
from persondata.governance.errors import Conflict, GovernanceError
from persondata.governance.models import Control, ControlAttachment
from persondata.keys import ring, rotation
from persondata.refusals import refusal_text

KEY_CLASS: Final = "control_attachment"
#: the attachment's row keeps its wrapped key: ``persondata keys rotate`` re-wraps it
ROTATED = rotation.WrappedColumn(
    "governance_control_attachment",
    "id",
    KEY_CLASS,
    lambda ident: sealing.key_owner("control_attachment", ident),
)
MAX_SIZE: Final = 10 * 1024 * 1024  # bytes
MAX_NAME: Final = 120
#: what the file starts with, and what it then is
TYPES: Final = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)
_NAME = re.compile(r"[\w .,()+-]+")


@dataclass(frozen=True)
class File:
    name: str
    content_type: str
    size: int
    content: bytes


def _owner(attachment: ControlAttachment) -> str:
    return sealing.key_owner("control_attachment", attachment.id)


def content_type_of(content: bytes) -> str | None:
    return next((kind for magic, kind in TYPES if content.startswith(magic)), None)


def check_name(name: str) -> str:
    """The file's own name without its folders; refused if it could carry a CPR number or breaks a header."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not name or len(name) > MAX_NAME or not _NAME.fullmatch(name) or name.startswith("."):
        raise GovernanceError(
            "attachment",
            gettext(
                "The file's name must be 1–%(n)s letters, digits, spaces or . , ( ) + - _: rename the file."
            )
            % {"n": MAX_NAME},
        )
    if (refusal := check_free_text(name)) is not None:
        raise GovernanceError(
            "attachment", gettext("The file's name %(problem)s.") % {"problem": refusal_text(refusal)}
        )
    return name


def check_size(size: int) -> None:
    if size > MAX_SIZE:
        raise GovernanceError(
            "attachment",
            gettext("The file is %(size)s bytes: attach at most %(mb)s MB (scan it smaller).")
            % {"size": f"{size:,}", "mb": MAX_SIZE // 2**20},
        )


def check_file(name: str, content: bytes) -> File:
    if not content:
        raise GovernanceError(
            "attachment", gettext("The file is empty: choose the PDF, PNG or JPEG to attach.")
        )
    check_size(len(content))
    kind = content_type_of(content)
    if kind is None:
        raise GovernanceError(
            "attachment",
            gettext("The file must be a PDF, PNG or JPEG file: save or scan it as one of those."),
        )
    return File(check_name(name), kind, len(content), content)


def attach(
    actor: Actor, control_id: uuid.UUID, item: str, name: str, content: bytes, *, now: datetime
) -> ControlAttachment:
    """Attach ``content`` to the manual ``item`` (replacing the one before) of an open control."""
    controls.require_controller(actor)
    control = Control.objects.select_for_update().filter(pk=control_id).first()
    if control is None:
        raise NotFound("no such control")
    if control.signed_at is not None:
        raise Conflict("control", gettext("The control is signed off: its attachments can no longer change."))
    if item not in controls.measures():
        raise GovernanceError(
            "item", gettext("“%(item)s” is not a security measure of the policy file.") % {"item": item}
        )
    file = check_file(name, content)
    attachment = ControlAttachment.objects.filter(control=control, item=item).first()
    created = attachment is None
    if attachment is None:
        attachment = ControlAttachment(control=control, item=item)
    data_key = ring.new_wrapped(_owner(attachment), KEY_CLASS)
    attachment.wrapped_key = data_key.wrapped
    attachment.blob = seal(
        data_key.key, {"file": file.content.hex()}, sealing.control_attachment(attachment.id)
    )
    attachment.filename, attachment.content_type, attachment.size = file.name, file.content_type, file.size
    attachment.sha256 = hashlib.sha256(file.content).hexdigest()
    attachment.created_at, attachment.created_by_id = now, actor.user_id
    attachment.save()
    audit.record(
        "control_attachment.create" if created else "control_attachment.update",
        actor=actor.code,
        target=str(attachment.id),
        details={
            "control": str(control.id),
            "item": item,
            "type": file.content_type,
            "size": file.size,
        },
        now=now,
    )
    return attachment


def get_attachment(actor: Actor, control_id: uuid.UUID, item: str) -> ControlAttachment:
    controls.require_controller(actor)
    attachment = ControlAttachment.objects.filter(control_id=control_id, item=item).first()
    if attachment is None:
        raise NotFound("no file is attached to this item")
    return attachment


def read(actor: Actor, control_id: uuid.UUID, item: str) -> tuple[ControlAttachment, bytes]:
    """The attachment and its content, unsealed (for who runs the control)."""
    attachment = get_attachment(actor, control_id, item)
    key = ring.unwrap(attachment.wrapped_key, _owner(attachment), KEY_CLASS)
    sealed = unseal(key, bytes(attachment.blob), sealing.control_attachment(attachment.id))
    return attachment, bytes.fromhex(str(sealed["file"]))


def listing(control: Control) -> dict[str, ControlAttachment]:
    """The control's attachments by item (the rows only: name, type, size; the content stays sealed)."""
    return {a.item: a for a in control.attachments.defer("blob", "wrapped_key")}
