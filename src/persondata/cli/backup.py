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
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from persondata.access import permissions
from persondata.backups import drill, service
from persondata.backups.dumps import DumpError
from persondata.backups.restore import RestoreError, RestoreReport, finish, restore, when_taken
from persondata.cli import CommandError, count, counts_in_words, gettext_lazy
from persondata.cli.login import duty_actor
from persondata.cli.retention import LABELS
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


#: the tables a restore reports, and the counts of ``prune`` and of a drill's checks, as a person reads them
_TABLES = {
    "customer": pgettext_lazy("count", "customers"),
    "customer_order": gettext_lazy("orders"),
    "invoice": gettext_lazy("invoices"),
    "payment": gettext_lazy("payments"),
    "retention_ledger": gettext_lazy("deletion ledger"),
    "audit_entry": gettext_lazy("audit trail"),
}
_PRUNED = {
    "database_backups": gettext_lazy("database backups"),
    "backup_keys": gettext_lazy("backup keys destroyed"),
    "key_store_backups": gettext_lazy("key store backups"),
    "temporary_files": gettext_lazy("temporary files"),
}
_CHECKS = {
    "counts_match": gettext_lazy("counts as in the backup"),
    "ledger_entries": gettext_lazy("deletion ledger entries"),
    "ledger_imported": gettext_lazy("ledger entries from the file"),
    "erased_present": gettext_lazy("erased customers present"),
    "audit_ok": gettext_lazy("audit trail verified"),
    "audit_checked": gettext_lazy("audit entries checked"),
    "customers": pgettext_lazy("count", "customers"),
    "access_log_entries": gettext_lazy("access log entries"),
}


def cmd_backup(args: argparse.Namespace) -> int:
    actor = _actor(args)
    now = timezone.now()
    try:
        result = service.take(now=now, actor=actor, to=args.to, keys_to=args.keys_to)
    except DumpError as exc:
        raise CommandError(_("%(problem)s; no backup was written") % {"problem": exc}) from None
    m = result.manifest
    print(
        _("database backup: %(file)s (%(bytes)s bytes, %(seconds)s s)")
        % {
            "file": result.path,
            "bytes": count(result.path.stat().st_size),
            "seconds": f"{result.seconds:.1f}",
        }
    )
    print(
        "  "
        + _(
            "customers %(customers)s; audit trail up to entry %(seq)s; deletion ledger entries %(entries)s; "
            "the backup's key is in the key store"
        )
        % {
            "customers": count(m["counts"].get("customer", 0)),
            "seq": m["audit_head"]["seq"],
            "entries": count(m["ledger"]["entries"]),
        }
    )
    print(
        _("key store backup: %(file)s (keep it apart from the database's backups)")
        % {"file": result.key_store_path}
    )
    if not args.no_prune:
        pruned = service.prune(now=now, actor=actor, to=args.to, keys_to=args.keys_to)
        print(_("pruned: %(what)s") % {"what": counts_in_words(pruned, _PRUNED, every=True)})
    return 0


def cmd_drill(args: argparse.Namespace) -> int:
    actor = _actor(args)
    result = drill.drill(now=timezone.now(), actor=actor, folder=args.folder)
    facts = {"seconds": f"{result.seconds:.1f}"}
    print(
        _("restore drill passed in %(seconds)s s") % facts
        if result.ok
        else _("restore drill FAILED in %(seconds)s s") % facts
    )
    for key, value in result.checks.items():
        print(f"  {_CHECKS.get(key, key)}: {_value(value)}")
    if result.problem:
        print("  " + _("problem: %(problem)s") % {"problem": result.problem})
    return 0 if result.ok else 1


def _value(value: object) -> str:
    """A drill's check as a person reads it: yes or no, a count, or a dash for none."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int):
        return count(value)
    return "—" if value is None else str(value)


def cmd_restore(args: argparse.Namespace) -> int:
    if args.resume == (args.file is not None):
        raise CommandError(_("give the backup FILE to restore, or --resume to finish an interrupted restore"))
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
    taken = when_taken(report.backup_created_at)
    print(_("restored the backup %(id)s of %(taken)s") % {"id": report.backup_id, "taken": taken})
    if pending:
        print(
            _(
                "the deletion ledger is NOT replayed yet: nothing is served until 'persondata restore --resume'"
            )
        )
        return
    width = max(18, *(len(str(_TABLES.get(t, t))) + 2 for t in report.after))
    header = (_("table"), _("before"), _("in backup"), _("after"))
    print(f"{header[0]:<{width}}{header[1]:>12}{header[2]:>12}{header[3]:>12}")
    for table in report.after:
        print(
            f"{_TABLES.get(table, table)!s:<{width}}{count(report.before.get(table, 0)):>12}"
            f"{count(report.restored.get(table, 0)):>12}{count(report.after[table]):>12}"
        )
    print(
        _(
            "deletion ledger: %(entries)s entries, %(imported)s from the file outside the database; deleted "
            "again: %(again)s"
        )
        % {
            "entries": count(report.ledger_entries),
            "imported": count(report.ledger_imported),
            "again": counts_in_words(report.reapplied, LABELS),
        }
    )
    print(_("past their deletion day, swept: %(what)s") % {"what": counts_in_words(report.swept, LABELS)})
    if report.access_log_entries is not None:
        facts = {"entries": count(report.access_log_entries)}
        print(
            _("access log: %(entries)s entries from the backup (ok)") % facts
            if report.access_log_match
            else _("access log: %(entries)s entries from the backup (DIFFERS)") % facts
        )
    if report.audit_ok:
        print(_("audit chain: ok (%(checked)s entries)") % {"checked": count(report.audit_checked)})
    else:
        print(
            _("audit chain: BROKEN: %(problem)s (%(checked)s entries)")
            % {"problem": report.audit_problem, "checked": count(report.audit_checked)}
        )
    print(_("done in %(seconds)s s; the database may be served again") % {"seconds": f"{report.seconds:.1f}"})
