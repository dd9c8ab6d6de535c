"""Creating, checking and revoking API tokens.

A token is ``pd_`` followed by 43 URL-safe characters (256 random bits). The database keeps only its
SHA-256 hash (a fast hash is enough: the secret is random, not a password) and the first 8 characters for
display, so a copy of the database — or of a backup — lets nobody call the API.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import OperationalError
from django.db.models import Q, QuerySet

from persondata.api.models import ApiToken
from persondata.rawsql import REFRESH_WAIT, is_busy, long_writer, waiting_at_most

TOKEN_PREFIX = "pd_"  # noqa: S105 - marks a string as a persondata token (secret scanners look for it); not a secret
PREFIX_LENGTH = 8
LABEL_MAX = 100


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(user: Any, label: str, now: datetime, *, days: int | None = None) -> str:
    """Create a token for ``user`` and return its secret — the only time the secret is ever shown."""
    label = label.strip()
    if not label:
        raise ValueError("a token needs a label that says where it is used")
    if len(label) > LABEL_MAX:
        raise ValueError(f"the label is longer than {LABEL_MAX} characters")
    if days is not None and days < 1:
        raise ValueError("a token must be valid for at least one day")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user,
        label=label,
        key_prefix=secret[:PREFIX_LENGTH],
        key_hash=hash_secret(secret),
        created_at=now,
        expires_at=now + timedelta(days=days) if days is not None else None,
    )
    return secret


def user_for_token(secret: str, now: datetime) -> Any | None:
    """The active user a valid, unexpired token belongs to, or None. Records the time of use."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    # one query on the unique hash, with the login's staff profile (its roles, asked next by every call); the
    # expiry is compared here rather than in SQL, which saves building the query's OR on every call
    found = list(ApiToken.objects.select_related("user__staff").filter(key_hash=hash_secret(secret))[:1])
    token = found[0] if found else None
    if (
        token is None
        or (token.expires_at is not None and token.expires_at <= now)
        or not token.user.is_active
    ):
        return None
    if token.last_used_at is None or now - token.last_used_at >= USE_RECORDED_EVERY:
        _record_use(token.pk, now)
    return token.user


#: how precisely a token's last use is kept (shown to the minute by ``persondata token list``)
USE_RECORDED_EVERY = timedelta(minutes=1)


def _record_use(pk: int, now: datetime) -> None:
    """The time of use, if the database takes it at once. It is shown to help spot an unused token, not a record
    the law asks for: a call never waits for a long import's write lock just to note it (issue 18) — the next
    call after the import notes it. While a long writer holds the lock it is not even tried (a try waits 50 ms in
    SQLite's busy handler, and every call would try again, holding one of the server's few threads)."""
    if long_writer() is not None:
        return
    try:
        with waiting_at_most(REFRESH_WAIT):
            ApiToken.objects.filter(pk=pk).update(last_used_at=now)
    except OperationalError as exc:
        if not is_busy(exc):
            raise


def tokens_of(user: Any) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def revoke_token(user: Any, key_prefix: str, now: datetime) -> int:
    """End the user's still-valid tokens that start with ``key_prefix``; returns how many were revoked."""
    return (
        ApiToken.objects.filter(user=user, key_prefix=key_prefix[:PREFIX_LENGTH])
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .update(expires_at=now)
    )


def active_user(username: str) -> Any | None:
    return get_user_model().objects.filter(username=username, is_active=True).first()


def old_tokens_evidence(start: date, end: date, now: datetime) -> dict[str, Any]:
    """For the half-yearly control: tokens still valid that were made more than a year ago (login and prefix)."""
    valid = Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    old = ApiToken.objects.filter(valid, created_at__lt=now - timedelta(days=365)).select_related("user")
    refs = sorted(f"{t.user.get_username()} ({t.key_prefix}…)" for t in old)
    return {"key": "api_tokens", "status": "finding" if refs else "ok", "count": len(refs), "refs": refs}
