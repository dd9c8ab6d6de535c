"""``persondata backup [drill]`` and ``persondata restore FILE | --resume`` (docs/backups.md).

For whoever holds ``manage_backups`` (the data controller by default), with ``--user LOGIN``: a backup shows no
customer's data, so the duty needs no purpose. ``restore`` onto a database that is not set up (a new machine
after a disaster) has nobody to ask, and runs for the operator.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from persondata.access import permissions
from persondata.backups import drill, service
from persondata.backups.dumps import DumpError
from persondata.backups.restore import RestoreError, RestoreReport, finish, restore
from persondata.cli import CommandError, gettext_lazy
from persondata.cli.login import duty_actor
from persondata.schema import not_set_up


def register(sub: Any) -> None:
    b = sub.add_parser(
        "backup",
        help=gettext_lazy(
            "back up the database (encrypted) and, apart from it, the key store; prune old backups"
        ),
    )
    b.add_argument(
        "--to", type=Path, help=gettext_lazy("the folder for the database backup (default: <home>/backups)")
    )
    b.add_argument(
        "--keys-to",
        type=Path,
        help=gettext_lazy("the folder for the key store's backup (default: <home>/key-backups)"),
    )
    b.add_argument(
        "--no-prune",
        action="store_true",
        help=gettext_lazy("keep the backups past their retention this time"),
    )
    _user(b)
    b.set_defaults(func=cmd_backup)
    actions = b.add_subparsers(dest="action", required=False, metavar="ACTION")
    d = actions.add_parser(
        "drill", help=gettext_lazy("restore the newest backup into a scratch database, check it, record it")
    )
    d.add_argument(
        "--from",
        dest="folder",
        type=Path,
        help=gettext_lazy("the folder of the backups (default: <home>/backups)"),
    )
    _user(d)
    d.set_defaults(func=cmd_drill)

    r = sub.add_parser(
        "restore",
        help=gettext_lazy(
            "restore a backup in place of the database, then replay the deletion ledger before serving"
        ),
    )
    r.add_argument("file", nargs="?", type=Path, help=gettext_lazy("the backup file (.pdbak)"))
    r.add_argument(
        "--resume", action="store_true", help=gettext_lazy("finish an interrupted restore: replay the ledger")
    )
    r.add_argument("--stop-before-replay", action="store_true", help=argparse.SUPPRESS)  # the tests' pause
    r.add_argument("--json", action="store_true", help=gettext_lazy("print the report as JSON"))
    _user(r)
    r.set_defaults(func=cmd_restore)


def _user(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--user",
        default=settings.PERSONDATA_USER,
        help=gettext_lazy("your staff login (or $PERSONDATA_USER)"),
    )


def _actor(args: argparse.Namespace) -> str:
    return duty_actor(args.user, permissions.MANAGE_BACKUPS, customer_data=False).code


def cmd_backup(args: argparse.Namespace) -> int:
    actor = _actor(args)
    now = timezone.now()
    try:
        result = service.take(now=now, actor=actor, to=args.to, keys_to=args.keys_to)
    except DumpError as exc:
        raise CommandError(f"{exc}; no backup was written") from None
    m = result.manifest
    print(f"database backup: {result.path} ({result.path.stat().st_size:,} bytes, {result.seconds:.1f} s)")
    print(
        f"  customers {m['counts'].get('customer', 0):,}; audit head {m['audit_head']['seq']}; "
        f"ledger entries {m['ledger']['entries']:,}; key backup:{m['backup_id']} in the key store"
    )
    print(f"key store backup: {result.key_store_path} (keep it apart from the database's backups)")
    if not args.no_prune:
        pruned = service.prune(now=now, actor=actor, to=args.to, keys_to=args.keys_to)
        print("pruned: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in pruned.items()))
    return 0


def cmd_drill(args: argparse.Namespace) -> int:
    actor = _actor(args)
    result = drill.drill(now=timezone.now(), actor=actor, folder=args.folder)
    print(f"restore drill {'passed' if result.ok else 'FAILED'} in {result.seconds:.1f} s")
    for key, value in result.checks.items():
        print(f"  {key.replace('_', ' ')}: {value}")
    if result.problem:
        print(f"  problem: {result.problem}")
    return 0 if result.ok else 1


def cmd_restore(args: argparse.Namespace) -> int:
    if args.resume == (args.file is not None):
        raise CommandError("give the backup FILE to restore, or --resume to finish an interrupted restore")
    # a database to protect: only whoever holds manage_backups; none yet (a new machine): the operator
    actor = "operator" if not_set_up() else _actor(args)
    now = timezone.now()
    try:
        if args.resume:
            report = finish(now=now, actor=actor)
        else:
            report = restore(args.file, now=now, actor=actor, replay=not args.stop_before_replay)
    except RestoreError as exc:
        raise CommandError(str(exc)) from None
    if args.json:
        print(json.dumps(asdict(report), sort_keys=True))
    else:
        _print_report(report, pending=args.stop_before_replay)
    return 0 if (report.audit_ok or args.stop_before_replay) else 1


def _print_report(report: RestoreReport, *, pending: bool) -> None:
    print(f"restored the backup {report.backup_id} of {report.backup_created_at}")
    if pending:
        print(
            "the deletion ledger is NOT replayed yet: nothing is served until `persondata restore --resume`"
        )
        return
    print(f"{'table':<18}{'before':>12}{'in backup':>12}{'after':>12}")
    for table in report.after:
        print(
            f"{table:<18}{report.before.get(table, 0):>12,}{report.restored.get(table, 0):>12,}"
            f"{report.after[table]:>12,}"
        )
    print(
        f"deletion ledger: {report.ledger_entries:,} entries, {report.ledger_imported:,} from the file "
        "outside the database; deleted again: " + _counts(report.reapplied)
    )
    print("past their deletion day, swept: " + _counts(report.swept))
    if report.access_log_entries is not None:
        ok = "ok" if report.access_log_match else "DIFFERS"
        print(f"access log: {report.access_log_entries:,} entries from the backup ({ok})")
    audit = "ok" if report.audit_ok else f"BROKEN: {report.audit_problem}"
    print(f"audit chain: {audit} ({report.audit_checked:,} entries)")
    print(f"done in {report.seconds:.1f} s; the database may be served again")


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items())) or "nothing"
