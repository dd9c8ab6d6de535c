"""Master-key safety (issue 12): a missing, wrong or world-readable master key is refused, naming the fix.

The database records the key check value of its master key (:class:`KeyCheck`). Every command (and so
``persondata serve``) calls :func:`verify` before it touches data; ``persondata init`` creates a key only for a
database that holds no data (:func:`database_has_keys` is part of that test), and records its check value.

A database from before the check value existed gets it on its first verification, once a stored data key has
been unwrapped with the key: so a wrong key is never recorded as the right one.
"""

from __future__ import annotations

import hmac
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext

from persondata import runtime
from persondata.core.vault import Vault, VaultError
from persondata.keys import store
from persondata.keys.models import KeyCheck
from persondata.rawsql import fetch


class KeyCheckError(Exception):
    """The master key cannot be used with this database; the message names the fix (never key material)."""


def _probe(vault: Vault) -> bool | None:
    """Does the key unwrap a data key stored for this database? None if none is stored."""
    rows = fetch(f"SELECT customer_id, klass, wrapped FROM {store.DATA_KEY} LIMIT 1")  # noqa: S608 - constant
    if not rows:
        return None
    customer, klass, wrapped = rows[0]
    try:
        vault.unwrap(bytes(wrapped), customer if isinstance(customer, str) else customer.hex, klass)
    except VaultError:
        return False
    return True


def key_file_problem(exc: VaultError) -> str:
    """What is wrong with the master key file, and the fix, as a sentence in the active language."""
    words = {
        "missing": gettext(
            "The master key file %(file)s is missing: restore it from its backup (a new key cannot read this "
            "database). Only a new installation with an empty database gets a new key, from “persondata init”."
        ),
        "readable": gettext(
            "The master key file %(file)s is readable by others (mode %(mode)s): run “chmod 600 %(file)s”."
        ),
        "header": gettext(
            "The file %(file)s is not a persondata master key: restore the key file from its backup."
        ),
        "damaged": gettext("The master key file %(file)s is damaged: restore it from its backup."),
    }
    if exc.problem not in words:
        # the core's detail is English and says nothing the reader can act on beyond this
        return gettext("The master key cannot be used: restore the master key file from its backup.")
    return words[exc.problem] % {"file": exc.path, "mode": f"{exc.mode:o}"}


def database_has_keys() -> bool:
    """Whether this database was already written with some master key (a check value, or stored data keys)."""
    return KeyCheck.objects.exists() or any(store.counts().values())


def verify(*, now: datetime) -> str:
    """Refuse a master key that is missing, readable by others, or not this database's; returns its key id."""
    path = settings.PERSONDATA_MASTER_KEY_FILE
    try:
        vault = runtime.vault()
    except VaultError as exc:
        raise KeyCheckError(key_file_problem(exc)) from None
    key_id = vault.key_id
    recorded = KeyCheck.objects.order_by("-recorded_at", "-id").first()
    if recorded is not None:
        # during a rotation the vault holds the old key and the new one: the database knows one of them
        if not any(
            recorded.key_id == kid and hmac.compare_digest(recorded.mac, kmac)
            for kid, kmac in vault.key_checks()
        ):
            raise KeyCheckError(
                gettext(
                    "The master key file %(file)s (key id %(key)s) is not the key this database was written with "
                    "(key id %(recorded)s): restore that key file from its backup, or point PERSONDATA_MASTER_KEY "
                    "at it. Nothing was read or changed."
                )
                % {"file": path, "key": key_id, "recorded": recorded.key_id}
            )
        return key_id
    if _probe(vault) is False:
        raise KeyCheckError(
            gettext(
                "The master key file %(file)s (key id %(key)s) does not open the data keys of this database: "
                "restore the right key file from its backup, or point PERSONDATA_MASTER_KEY at it. Nothing was "
                "read or changed."
            )
            % {"file": path, "key": key_id}
        )
    record(vault, now=now)
    return key_id


def record(vault: Vault, *, now: datetime) -> None:
    """Record ``vault``'s own master key as the key of this database (first use; the end of a rotation)."""
    key_id, mac = vault.key_check()
    with transaction.atomic():
        KeyCheck.objects.create(key_id=key_id, mac=mac, recorded_at=now)
