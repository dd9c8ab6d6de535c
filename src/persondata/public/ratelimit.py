"""Rate limits of the public request form: per client address, and one ceiling for everybody.

Two fixed windows, counted in :class:`~persondata.requests.models.RateBucket` rows (docs/public-pages.md):

* per client: at most ``PERSONDATA_PUBLIC_LIMIT_PER_CLIENT`` (5) submissions per
  ``PERSONDATA_PUBLIC_LIMIT_CLIENT_SECONDS`` (3600) from one client address. The address is never stored: the bucket
  is a keyed pseudonym of it (:func:`persondata.access.auth_audit.pseudonym`); IPv6 addresses count per /64 network,
  the block one household or one server gets, so that stepping through addresses does not escape the limit.
* for everybody: at most ``PERSONDATA_PUBLIC_LIMIT_GLOBAL`` (60) submissions per
  ``PERSONDATA_PUBLIC_LIMIT_GLOBAL_SECONDS`` (60), a ceiling against a flood from many addresses.

Each value is a Django setting of the same name (settings.py reads the environment variable and checks it). The
client address is the connection's peer, or behind the one trusted proxy
(``PERSONDATA_BEHIND_PROXY=1``) the address the proxy put last in ``X-Forwarded-For``.

Counting is atomic: :func:`take` increments both windows with one ``INSERT … ON CONFLICT DO UPDATE … RETURNING``
each, inside the transaction that stores the request, and raises :class:`RateLimited` when a count passes its
limit, so that the transaction rolls back — the request and the increment with it. Concurrent submissions queue on
the bucket row (PostgreSQL's row lock; SQLite's write lock), so however many workers run, no more than the limit
are ever stored. :func:`blocked_until` is a cheap read before any work, to answer a flood quickly. A submission
spooled beside a long writer (``requests.spool``) is counted with the spool's own (:func:`take_spooled`), and added
to the stored counts when it is moved in.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.http import HttpRequest

from persondata.access.auth_audit import client_ip, pseudonym
from persondata.requests.models import RateBucket

GLOBAL_BUCKET = "global"
KEEP = timedelta(days=1)  # buckets older than this (or than two windows, if longer) are deleted


def setting(name: str) -> int:
    """A positive whole number from Django settings (a test may override one with a bad value: refused too)."""
    value: Any = getattr(settings, name, None)
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if number < 1:
        raise ImproperlyConfigured(f"{name} must be a whole number of at least 1; got {value!r}")
    return number


@dataclass(frozen=True, slots=True)
class Limit:
    bucket: str
    most: int
    seconds: int

    def window(self, now: datetime) -> datetime:
        epoch = int(now.timestamp())
        return datetime.fromtimestamp(epoch - epoch % self.seconds, tz=UTC)

    def ends(self, now: datetime) -> datetime:
        return self.window(now) + timedelta(seconds=self.seconds)


class RateLimited(Exception):
    """Too many submissions: ``until`` is when the full window ends and a new submission is counted again."""

    def __init__(self, until: datetime) -> None:
        super().__init__(until.isoformat())
        self.until = until


def client_bucket(request: HttpRequest) -> str:
    """The client's bucket: a keyed pseudonym of its address (of the /64 network for IPv6), never the address."""
    address = client_ip(request)
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        key = address or "unknown"
    else:
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        network = ipaddress.ip_network((ip, 64 if ip.version == 6 else 32), strict=False)
        key = str(network)
    return "client:" + pseudonym("public_form", key)


def limits(bucket: str) -> tuple[Limit, Limit]:
    return (
        Limit(
            bucket,
            setting("PERSONDATA_PUBLIC_LIMIT_PER_CLIENT"),
            setting("PERSONDATA_PUBLIC_LIMIT_CLIENT_SECONDS"),
        ),
        Limit(
            GLOBAL_BUCKET,
            setting("PERSONDATA_PUBLIC_LIMIT_GLOBAL"),
            setting("PERSONDATA_PUBLIC_LIMIT_GLOBAL_SECONDS"),
        ),
    )


def blocked_until(bucket: str, now: datetime) -> datetime | None:
    """When a submission will be counted again, if a limit is reached now; None if it may go ahead."""
    until = None
    for limit in limits(bucket):
        count = (
            RateBucket.objects.filter(bucket=limit.bucket, window_start=limit.window(now))
            .values_list("count", flat=True)
            .first()
        )
        if count is not None and count >= limit.most:
            until = max(until or now, limit.ends(now))
    return until


def take(bucket: str, now: datetime, spooled: Callable[[str, datetime], int] | None = None) -> None:
    """Count one submission in both windows; :class:`RateLimited` if that passes a limit.

    Call it inside the transaction that stores the submission, and let the exception roll that transaction back:
    then a refused submission is neither stored nor counted. ``spooled``: how many submissions waiting in the
    intake spool count in a window too (``requests.spool.counted``; until they are moved in and counted here).
    """
    if not connection.in_atomic_block:
        raise RuntimeError("ratelimit.take must run inside the transaction that stores the submission")
    client, everyone = limits(bucket)
    # always in this order, so that two transactions never wait for each other crosswise
    for limit in (client, everyone):
        counted = RateBucket.count_one(limit.bucket, limit.window(now))
        if counted + (spooled(limit.bucket, limit.window(now)) if spooled is not None else 0) > limit.most:
            raise RateLimited(limit.ends(now))
        if limit is everyone and counted == 1:
            # the first submission of a global window tidies up: old buckets hold pseudonyms nobody needs
            keep = max(KEEP, timedelta(seconds=2 * max(client.seconds, everyone.seconds)))
            RateBucket.objects.filter(window_start__lt=now - keep).delete()


def windows(bucket: str, now: datetime) -> list[tuple[str, datetime]]:
    """The windows a submission now counts in: the client's and everybody's (kept with a spooled submission)."""
    return [(limit.bucket, limit.window(now)) for limit in limits(bucket)]


def take_spooled(bucket: str, now: datetime, spooled: Callable[[str, datetime], int]) -> None:
    """:func:`take` for a submission put in the intake spool (``requests.spool``) beside a long writer, which holds
    the database's lock: the stored count, as last committed, and ``spooled`` (the spool's count, this
    submission's included) together; :class:`RateLimited` if that passes a limit. Call it inside the transaction
    that spools the submission, after the insert (which takes the spool's lock, so spooling submissions queue)."""
    for limit in limits(bucket):
        window = limit.window(now)
        stored = (
            RateBucket.objects.filter(bucket=limit.bucket, window_start=window)
            .values_list("count", flat=True)
            .first()
        )
        if (stored or 0) + spooled(limit.bucket, window) > limit.most:
            raise RateLimited(limit.ends(now))
