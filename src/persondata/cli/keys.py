"""``persondata keys status|rotate``: the master key and the key store (docs/security.md).

``rotate`` makes a new master key and re-wraps every data key under it, a chunk at a time, each chunk committed;
a run that is stopped (or killed) is completed by running it again. For whoever keeps the IT systems
(``manage_systems``: the data controller), with ``--user LOGIN``.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from tqdm import tqdm

from persondata import runtime
from persondata.access import permissions
from persondata.audit import services as audit
from persondata.cli import CommandError, gettext_lazy
from persondata.cli.login import duty_actor
from persondata.governance import attachments
from persondata.keys import grants, rotation, store
from persondata.partners import agreements, webhooks

#: every table of the main database whose rows keep their own wrapped data key
WRAPPED_COLUMNS = (webhooks.ROTATED, agreements.ROTATED, attachments.ROTATED)


def register(sub: Any) -> None:
    k = sub.add_parser("keys", help=gettext_lazy("the master key and the key store: status, rotation"))
    actions = k.add_subparsers(dest="action", required=True, metavar="ACTION")
    s = actions.add_parser(
        "status", help=gettext_lazy("the master key's id, the key store, a rotation under way")
    )
    s.set_defaults(func=cmd_status)
    r = actions.add_parser(
        "rotate",
        help=gettext_lazy(
            "a new master key: re-wrap every data key under it (resumable: run it again to complete a stopped run)"
        ),
    )
    r.add_argument(
        "--user",
        default=settings.PERSONDATA_USER,
        help=gettext_lazy("your staff login (or $PERSONDATA_USER)"),
    )
    r.add_argument(
        "--chunk",
        type=int,
        default=rotation.CHUNK,
        metavar="N",
        help=gettext_lazy("keys per committed chunk (default: 5000)"),
    )
    r.add_argument("--no-progress", action="store_true", help=gettext_lazy("no progress bar"))
    r.add_argument(
        "--chunk-pause", type=float, default=0.0, help=argparse.SUPPRESS
    )  # tests: kill it half-way
    r.set_defaults(func=cmd_rotate)
    g = actions.add_parser(
        "grant",
        help=gettext_lazy(
            "PostgreSQL: give the key schema to a role of its own, and the app's role only what it needs"
        ),
    )
    g.add_argument(
        "--user",
        default=settings.PERSONDATA_USER,
        help=gettext_lazy("your staff login (or $PERSONDATA_USER)"),
    )
    g.add_argument("--app-role", required=True, help=gettext_lazy("the PostgreSQL role the app connects as"))
    g.add_argument(
        "--owner-role",
        default=grants.OWNER,
        help=gettext_lazy("the role that owns the key schema (%(role)s)") % {"role": grants.OWNER},
    )
    g.add_argument(
        "--print", action="store_true", help=gettext_lazy("print the SQL for your DBA instead of running it")
    )
    g.set_defaults(func=cmd_grant)


def cmd_status(args: argparse.Namespace) -> int:
    vault = runtime.vault()
    pending = runtime.pending_key_file()
    print(
        _("master key: %(file)s (key id %(id)s)")
        % {"file": runtime.key_file(), "id": rotation.vault_of_file(runtime.key_file()).key_id}
    )
    print(_("key store: %(place)s") % {"place": store.location()})
    for table, count in store.counts().items():
        print(f"  {table}: " + _("%(count)s keys") % {"count": f"{count:,}"})
    if pending.exists():
        _total, remaining = rotation.counts(vault, WRAPPED_COLUMNS)
        print(
            _(
                "rotation under way to key id %(id)s: %(remaining)s wrapped keys still under the old key; complete "
                "it with 'persondata keys rotate'"
            )
            % {"id": vault.key_id, "remaining": f"{remaining:,}"}
        )
    return 0


def cmd_grant(args: argparse.Namespace) -> int:
    duty_actor(args.user, permissions.MANAGE_SYSTEMS, customer_data=False)
    try:
        sql = (
            grants.statements(args.app_role, args.owner_role)
            if args.print
            else grants.grant(args.app_role, args.owner_role)
        )
    except grants.GrantError as exc:
        raise CommandError(str(exc)) from None
    if args.print:
        print(";\n".join(sql) + ";")
    else:
        print(
            _(
                "the key schema %(schema)s is owned by %(owner)s; %(app)s may read and write its two tables and "
                "nothing more; every other role is refused"
            )
            % {"schema": store.SCHEMA, "owner": args.owner_role, "app": args.app_role}
        )
    return 0


def cmd_rotate(args: argparse.Namespace) -> int:
    actor = duty_actor(args.user, permissions.MANAGE_SYSTEMS, customer_data=False)
    if args.chunk < 1:
        raise CommandError(_("--chunk must be at least 1 (keys per committed chunk)"))
    if connection.in_atomic_block:
        raise CommandError(_("keys rotate commits chunk by chunk: it cannot run inside a transaction"))
    plan = rotation.begin(WRAPPED_COLUMNS)
    facts = {"old": plan.old_key_id, "new": plan.new_key_id, "file": runtime.pending_key_file()}
    print(
        _("resuming the rotation: master key %(old)s -> %(new)s (new key file %(file)s)") % facts
        if plan.resumed
        else _("rotating: master key %(old)s -> %(new)s (new key file %(file)s)") % facts
    )
    print(
        "  "
        + _("%(done)s of %(total)s wrapped keys already under the new key")
        % {"done": f"{plan.total - plan.remaining:,}", "total": f"{plan.total:,}"}
    )
    show = not args.no_progress and sys.stderr.isatty()
    bar = tqdm(
        total=plan.total,
        unit=" keys",
        unit_scale=True,
        desc=_("re-wrapping"),
        file=sys.stderr,
        disable=not show,
    )
    done = 0
    try:
        while True:
            for covered in rotation.rewrap(WRAPPED_COLUMNS, chunk=args.chunk):
                done += covered
                bar.update(covered)
                if not show:
                    print(
                        "  " + _("chunk committed: %(done)s keys covered") % {"done": f"{done:,}"}, flush=True
                    )
                if args.chunk_pause:
                    time.sleep(args.chunk_pause)
            now = timezone.now()
            if rotation.finish(WRAPPED_COLUMNS, now=now) == 0:
                break  # else: keys wrapped under the old key meanwhile; one more pass
    finally:
        bar.close()
    with transaction.atomic():
        audit.record(
            "keys.rotate",
            actor=actor.code,
            target=plan.new_key_id,
            details={"old_key_id": plan.old_key_id, "keys": plan.total},
            now=now,
        )
    print(
        _("done: every wrapped key is under master key %(id)s, now in %(file)s")
        % {"id": plan.new_key_id, "file": runtime.key_file()}
    )
    print(
        "  "
        + _(
            "the old key is retired as %(file)s: persondata no longer reads it; keep it offline only while you "
            "keep key-store backups from before today, then destroy it"
        )
        % {"file": f"{runtime.key_file()}.retired-{plan.old_key_id}"}
    )
    return 0
