"""The access log, read back: a customer's access history (RULES R9) and the controller's search.

Since CJEU C-579/21 the access answer tells the customer *when* and *for what purpose* their data was consulted.
Staff identities are included only when the controller chooses to (the judgment leaves that to the controller
unless the customer needs them to exercise their rights). Reading the access log takes the named permission
``read_access_log`` — in the default policy, the controller's. Every read of personal data is written here by
:func:`log_reads`.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime

from django.contrib.auth import get_user_model

from persondata.access import permissions
from persondata.access.actor import Actor
from persondata.access.models import AccessLog

READ_PURPOSE = "rights_requests"
SEARCH_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class AccessEvent:
    at: datetime
    purpose: str
    categories: tuple[str, ...]
    channel: str
    customer_id: uuid.UUID
    staff: str | None  # login name, only where the controller chose to include staff identities


def _check(actor: Actor) -> None:
    permissions.require(actor, permissions.READ_ACCESS_LOG)


def _events(rows: Iterable[AccessLog], include_staff: bool) -> list[AccessEvent]:
    rows = list(rows)
    names: dict[int, str] = {}
    if include_staff:
        ids = {r.staff_id for r in rows}
        names = dict(get_user_model().objects.filter(pk__in=ids).values_list("pk", "username"))
    return [
        AccessEvent(
            r.at, r.purpose, tuple(c for c in r.categories.split(",") if c), r.channel, r.customer_id,
            names.get(r.staff_id) if include_staff else None,
        )
        for r in rows
    ]  # fmt: skip


def customer_access_history(
    actor: Actor, customer_id: uuid.UUID, *, include_staff: bool = False
) -> list[AccessEvent]:
    """Every recorded read of one customer's data, oldest first (for the access answer)."""
    _check(actor)
    return _events(AccessLog.objects.filter(customer_id=customer_id).order_by("at", "id"), include_staff)


def search_access_log(
    actor: Actor,
    *,
    customer_id: uuid.UUID | None = None,
    staff_id: int | None = None,
    purpose: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = SEARCH_LIMIT,
) -> list[AccessEvent]:
    """The controller's search: newest first, staff identities included (the controller supervises staff)."""
    _check(actor)
    rows = AccessLog.objects.all()
    if customer_id is not None:
        rows = rows.filter(customer_id=customer_id)
    if staff_id is not None:
        rows = rows.filter(staff_id=staff_id)
    if purpose:
        rows = rows.filter(purpose=purpose)
    if since is not None:
        rows = rows.filter(at__gte=since)
    if until is not None:
        rows = rows.filter(at__lt=until)
    return _events(rows.order_by("-at", "-id")[:limit], include_staff=True)


EXPORT_COLUMNS = ("at", "purpose", "categories", "channel", "customer_id", "staff")


def export(events: list[AccessEvent], fmt: str) -> bytes:
    """CSV (UTF-8 with BOM, so spreadsheets open it right) or JSON; without the staff column if not included."""
    with_staff = any(e.staff is not None for e in events)
    columns = [c for c in EXPORT_COLUMNS if c != "staff" or with_staff]

    def row(e: AccessEvent) -> dict[str, object]:
        d = asdict(e)
        d.update(at=e.at.isoformat(), categories=",".join(e.categories), customer_id=str(e.customer_id))
        return {c: d[c] for c in columns}

    if fmt == "json":
        return json.dumps([row(e) for e in events], ensure_ascii=False, indent=2).encode()
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=columns)
        writer.writeheader()
        writer.writerows(row(e) for e in events)
        return b"\xef\xbb\xbf" + out.getvalue().encode()
    raise ValueError("format must be csv or json")


def log_reads(actor: Actor, reads: Iterable[tuple[uuid.UUID, Iterable[str]]], now: datetime) -> None:
    """One access-log entry per customer read, with the categories actually shown (RULES R9)."""
    AccessLog.objects.bulk_create(
        [
            AccessLog(
                at=now,
                staff_id=actor.user_id,
                customer_id=cid,
                categories=",".join(sorted(categories)),
                purpose=actor.purpose,
                channel=actor.channel,
            )
            for cid, categories in reads
        ]
    )
