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
from django.db import connection

from persondata.access import permissions
from persondata.access.actor import Actor
from persondata.access.models import AccessLog
from persondata.rawsql import as_datetime, executemany, fetch, fetch_in

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


def latest_customer_access(actor: Actor, customer_id: uuid.UUID, limit: int) -> tuple[int, list[AccessEvent]]:
    """How many reads of one customer's data are recorded, and the latest ``limit`` of them, newest first, staff
    identities included (the customer page's panel, for the controller). Counted and cut in the database: every
    read of the customer adds an entry, and the page must not fetch them all (issue 17)."""
    _check(actor)
    cid = customer_id.hex
    ((total,),) = fetch("SELECT COUNT(*) FROM access_log WHERE customer_id = %s", [cid])
    rows = fetch(
        "SELECT at, staff_id, categories, purpose, channel FROM access_log WHERE customer_id = %s"
        " ORDER BY at DESC, id DESC LIMIT %s",
        [cid, limit],
    )
    names = dict(
        fetch_in("SELECT id, username FROM auth_user WHERE id IN ({})", sorted({r[1] for r in rows}))
    )
    events = [
        AccessEvent(
            as_datetime(at), purpose, tuple(c for c in categories.split(",") if c), channel, customer_id,
            names.get(staff_id),
        )
        for at, staff_id, categories, purpose, channel in rows
    ]  # fmt: skip
    return int(total), events


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


#: one access-log entry, inserted in raw SQL: every read of customer data writes one, and the ORM's insert cost as
#: much CPU as the read's queries (issue 17)
_INSERT = (
    "INSERT INTO access_log (at, staff_id, customer_id, categories, purpose, channel)"
    " VALUES (%s, %s, %s, %s, %s, %s)"
)


def log_reads(actor: Actor, reads: Iterable[tuple[uuid.UUID, Iterable[str]]], now: datetime) -> None:
    """One access-log entry per customer read, with the categories actually shown (RULES R9)."""
    at = connection.ops.adapt_datetimefield_value(now)
    executemany(
        _INSERT,
        [
            (at, actor.user_id, cid.hex, ",".join(sorted(categories)), actor.purpose, actor.channel)
            for cid, categories in reads
        ],
    )
