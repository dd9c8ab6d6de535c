"""``persondata bench``: the shipped benchmark (see persondata.bench).

The benchmark (and the demo's faker it uses) is imported by the command only: building the parser of every
command must not load it (about 0.1 s of CPU at every command's start)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from django.conf import settings

from persondata.cli import gettext_lazy

#: the benchmark's phases, each run in a process of its own (``persondata.bench.PHASES``, which the tests compare)
PHASES = ("audit", "inbox", "lookups", "password", "replay", "requests")
#: ``--only``: parts of the table measured alone (``persondata.bench.run``'s ``only``)
SECTIONS = ("backups",)


def register(sub: Any) -> None:
    p = sub.add_parser(
        "bench", help=gettext_lazy("measure import, lookup and page speed on synthetic data; prints a table")
    )
    p.add_argument("--customers", type=int, default=1_000_000)
    p.add_argument("--dir", type=Path, help=gettext_lazy("working folder (default: <home>/bench)"))
    p.add_argument(
        "--audit-entries",
        type=int,
        default=1_000_000,
        help=gettext_lazy("audit entries to verify (default 1,000,000)"),
    )
    p.add_argument(
        "--only",
        choices=SECTIONS,
        help=gettext_lazy(
            "measure only these rows: backups = the imports, key rotation, backup, retention and restore"
        ),
    )
    p.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)
    p.add_argument("--entries", type=int, help=argparse.SUPPRESS)
    p.add_argument("--emails", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--password", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_bench)


def cmd_bench(args: argparse.Namespace) -> int:
    from persondata import bench

    if args.phase == "lookups":
        bench.phase_lookups(args.emails)
        return 0
    if args.phase == "password":
        bench.set_password(args.password)
        return 0
    if args.phase == "audit":
        bench.phase_audit(args.entries)
        return 0
    if args.phase == "requests":
        bench.phase_requests()
        return 0
    if args.phase == "inbox":
        bench.PHASES["inbox"]()
        return 0
    if args.phase == "replay":  # the ledger replay's row alone (persondata.bench.backups)
        from persondata.bench.backups import bench_replay

        rows = bench_replay(args.dir or Path(settings.HOME) / "bench", args.customers)
        bench.print_table(rows)
        return 0 if all(r.ok is not False for r in rows) else 1
    rows = bench.run(args.customers, args.dir or Path(settings.HOME) / "bench", args.audit_entries, args.only)
    bench.print_table(rows)
    return 0 if all(r.ok is not False for r in rows) else 1
