"""``persondata retention plan|run|reapply|explain|holds|hold|end-hold`` and ``persondata jobs run``."""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import threading
import uuid
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from tqdm import tqdm

from persondata import runtime
from persondata.access import permissions
from persondata.access.actor import Actor
from persondata.access.models import AccessLog
from persondata.cli import CommandError, count, counts_in_words, gettext_lazy
from persondata.cli.login import duty_actor
from persondata.documents import labels
from persondata.jobs import runner as jobs
from persondata.jobs.clock import ClockError, legal_today
from persondata.retention import holds
from persondata.retention.explain import explain_customer
from persondata.retention.reapply import CHUNK_SIZE as REAPPLY_CHUNK
from persondata.retention.reapply import reapply
from persondata.retention.sweep import CHUNK_SIZE, SweepRefused, sweep
from persondata.retention.sweep_report import COUNT_KEYS, SweepReport

#: Holds and a customer's schedule are for the data controller: the rule of the access log (RULES R9).

_RULES = {
    "relevance": gettext_lazy("no longer relevant"),
    "bookkeeping": gettext_lazy("bookkeeping act"),
    "time-barred claim": gettext_lazy("time-barred claim"),
}
#: what the sweep and the ledger replay count, as a person reads it
LABELS = {
    "contact": gettext_lazy("contact data"),
    "customer_number": gettext_lazy("customer numbers"),
    "orders": gettext_lazy("orders"),
    "agreements": gettext_lazy("service agreements"),
    "invoices": gettext_lazy("invoices"),
    "payments": gettext_lazy("payments"),
    "keys_relevance": gettext_lazy("relevance keys destroyed"),
    "keys_accounting": gettext_lazy("financial-year keys destroyed"),
    "customers_removed": gettext_lazy("customers removed entirely"),
}


def register(sub: Any) -> None:
    r = sub.add_parser(
        "retention",
        help=gettext_lazy("delete on time: plan and run the retention sweep, legal holds, ledger"),
    )
    actions = r.add_subparsers(dest="action", required=True)
    p = actions.add_parser(
        "plan", help=gettext_lazy("what the sweep would delete on a day (default today), and why")
    )
    p.add_argument(
        "--date", type=date.fromisoformat, help=gettext_lazy("the day to plan for, YYYY-MM-DD (any day)")
    )
    p.add_argument("--chunk-size", type=int, default=CHUNK_SIZE, help=argparse.SUPPRESS)
    p.add_argument(
        "--json", action="store_true", help=gettext_lazy("print the counts and the forecast as JSON")
    )
    p.add_argument("--no-progress", action="store_true", help=gettext_lazy("no progress bar"))
    p.set_defaults(func=cmd_plan)
    p = actions.add_parser(
        "run", help=gettext_lazy("delete what is due today (chunked, resumable, audited, in the ledger)")
    )
    p.add_argument(
        "--date", type=date.fromisoformat, help=gettext_lazy("YYYY-MM-DD, not after today (default today)")
    )
    p.add_argument(
        "--chunk-size",
        type=int,
        default=CHUNK_SIZE,
        help=gettext_lazy("customers per transaction (default %(size)s)")
        % {"size": number_format(CHUNK_SIZE, force_grouping=True)},
    )
    p.add_argument("--no-progress", action="store_true", help=gettext_lazy("no progress bar"))
    p.set_defaults(func=cmd_run)
    p = actions.add_parser(
        "reapply", help=gettext_lazy("after restoring a backup: delete again what the ledger says is gone")
    )
    p.add_argument(
        "--ledger", type=Path, help=gettext_lazy("the ledger file (default: $PERSONDATA_DELETION_LEDGER)")
    )
    p.add_argument("--chunk-size", type=int, default=REAPPLY_CHUNK, help=argparse.SUPPRESS)
    p.add_argument("--no-progress", action="store_true", help=gettext_lazy("no progress bar"))
    p.set_defaults(func=cmd_reapply)
    p = actions.add_parser(
        "explain", help=gettext_lazy("one customer's records: when each is deleted, and why")
    )
    p.add_argument("customer", type=uuid.UUID, help=gettext_lazy("the customer's id"))
    p.add_argument(
        "--date", type=date.fromisoformat, help=gettext_lazy("evaluate on this day (default today)")
    )
    _user_argument(p)
    p.set_defaults(func=cmd_explain)
    p = actions.add_parser("holds", help=gettext_lazy("list the legal holds in force"))
    _user_argument(p)
    p.set_defaults(func=cmd_holds)
    p = actions.add_parser(
        "hold", help=gettext_lazy("put a legal hold on a customer or one record (GDPR Art. 17(3)(e))")
    )
    p.add_argument("customer", type=uuid.UUID, help=gettext_lazy("the customer's id"))
    p.add_argument("--reason", required=True, help=gettext_lazy("why (e.g. the case); never a CPR number"))
    p.add_argument(
        "--until", required=True, type=date.fromisoformat, help=gettext_lazy("last day held, YYYY-MM-DD")
    )
    p.add_argument(
        "--record", type=uuid.UUID, help=gettext_lazy("hold only this order, agreement, invoice or payment")
    )
    _user_argument(p)
    p.set_defaults(func=cmd_hold)
    p = actions.add_parser("end-hold", help=gettext_lazy("end a legal hold early"))
    p.add_argument("hold", type=uuid.UUID, help=gettext_lazy("the hold's id (from 'retention holds')"))
    _user_argument(p)
    p.set_defaults(func=cmd_end_hold)

    j = sub.add_parser("jobs", help=gettext_lazy("the scheduled jobs (the daily retention sweep)"))
    jactions = j.add_subparsers(dest="action", required=True)
    p = jactions.add_parser(
        "run", help=gettext_lazy("run the job runner: each due job once a day, until stopped")
    )
    p.add_argument(
        "--once",
        action="store_true",
        help=gettext_lazy("run the jobs that are due now, then exit (for cron)"),
    )
    p.add_argument(
        "--interval", type=float, default=jobs.DEFAULT_INTERVAL, help=gettext_lazy("seconds between checks")
    )
    p.set_defaults(func=cmd_jobs_run)


def _user_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--user",
        default=settings.PERSONDATA_USER,
        help=gettext_lazy("your staff login (or $PERSONDATA_USER): the data controller"),
    )


def _controller(args: argparse.Namespace) -> Actor:
    return duty_actor(args.user, permissions.MANAGE_RETENTION)


def _bar(enabled: bool, desc: str) -> tuple[Any, Any]:
    if not enabled:
        return None, None
    bar = tqdm(total=0, unit=" customers", unit_scale=True, desc=desc, file=sys.stderr, dynamic_ncols=True)

    def update(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()

    return bar, update


def _sweep(args: argparse.Namespace, dry_run: bool) -> SweepReport:
    now = timezone.now()
    bar, update = _bar(
        not args.no_progress and sys.stderr.isatty(), _("planning") if dry_run else _("deleting")
    )
    try:
        return sweep(
            now=now,
            today=args.date,
            dry_run=dry_run,
            actor="cli",
            chunk_size=max(args.chunk_size, 1),
            progress=update,
        )
    except SweepRefused as exc:
        raise CommandError(str(exc), 3) from exc
    except ClockError as exc:
        raise CommandError(str(exc), 3) from exc
    finally:
        if bar is not None:
            bar.close()


def print_report(report: SweepReport) -> None:
    policy = runtime.policy()
    planned = report.kind == "plan"
    facts = {
        "day": report.today.isoformat(),
        "version": policy.version,
        "customers": count(report.customers),
        "chunks": report.chunks,
        "seconds": f"{report.seconds:.1f}",
        "run": report.run_id,
    }
    print(
        _(
            "Retention plan for %(day)s (dates in Denmark), policy version %(version)s: %(customers)s customers in "
            "%(chunks)s chunks, %(seconds)s s"
        )
        % facts
        if planned
        else _(
            "Retention run for %(day)s (dates in Denmark), policy version %(version)s: %(customers)s customers in "
            "%(chunks)s chunks, %(seconds)s s; run %(run)s"
        )
        % facts
    )
    print(_("Would delete:") if planned else _("Deleted:"))
    if not report.deleted_records():
        print("  " + _("nothing is due"))
    for key in COUNT_KEYS:
        if report.counts[key]:
            print(f"  {LABELS[key]!s:<30} {count(report.counts[key]):>12}")
    _print_why(report, policy)


def _print_why(report: SweepReport, policy: Any) -> None:
    reasons = report.reasons(policy)
    if reasons:
        print(_("Why:"))
        for category, rule, n, reason in reasons:
            print(
                f"  {labels.category(category)} ({_RULES.get(rule, rule)}, "
                + _("%(count)s records") % {"count": count(n)}
                + f"): {reason}"
            )
    if report.held:
        held = counts_in_words(report.held, LABELS) if any(report.held.values()) else ""
        if held:
            print(_("Due but kept by a legal hold: %(held)s") % {"held": held})
    if report.ongoing:
        print(
            _(
                "Customer relationship ongoing (contact data and order history kept): %(open)s customers with an "
                "open service agreement, %(unpaid)s with an invoice not fully paid whose claim can still be "
                "enforced, %(restricted)s whose time-barred claim keeps their contact data restricted to the "
                "bookkeeping act"
            )
            % {
                "open": count(report.ongoing["open_agreement"]),
                "unpaid": count(report.ongoing["unpaid_invoice"]),
                "restricted": count(report.ongoing["claim_restricted"]),
            }
        )
    if report.clash is not None:
        c = report.clash
        message, fix = c.words(runtime.language())
        print(_("Policy clash: %(message)s") % {"message": message})
        print(
            "  "
            + _(
                "In the register: %(affected)s invoices and payments whose policy day comes before the law's; "
                "%(kept)s of them are already past the policy's latest day and kept because the law requires it."
            )
            % {"affected": count(c.affected), "kept": count(c.kept_past_policy)}
        )
        print("  " + _("Fix: %(fix)s") % {"fix": fix})
    if report.forecast:
        print(_("Next 90 days (records by week and category):"))
        for week in sorted(report.forecast):
            cells = ", ".join(
                f"{labels.category(k)} {count(v)}" for k, v in sorted(report.forecast[week].items())
            )
            print("  " + _("week of %(week)s: %(cells)s") % {"week": week, "cells": cells})


def cmd_plan(args: argparse.Namespace) -> int:
    report = _sweep(args, dry_run=True)
    if args.json:
        doc = {"today": report.today.isoformat(), **report.as_counts(), "forecast": report.forecast}
        print(json.dumps(doc, indent=2, sort_keys=True))
    else:
        print_report(report)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    # SIGTERM (a service stop) ends the run like Ctrl-C: the chunk in hand is rolled back, the run marked
    signal.signal(signal.SIGTERM, _interrupt)
    print_report(_sweep(args, dry_run=False))
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def cmd_reapply(args: argparse.Namespace) -> int:
    bar, update = _bar(not args.no_progress and sys.stderr.isatty(), _("reapplying"))
    try:
        report = reapply(
            now=timezone.now(), actor="cli", path=args.ledger, progress=update, chunk_size=args.chunk_size
        )
    finally:
        if bar is not None:
            bar.close()
    print(
        _(
            "reapply: %(imported)s ledger entries added from the file, %(entries)s in all; %(customers)s customers "
            "named, %(present)s of them present in the database"
        )
        % {
            "imported": count(report.imported),
            "entries": count(report.entries),
            "customers": count(report.customers),
            "present": count(report.present),
        }
    )
    again = {k: v for k, v in report.counts.items() if v}
    if again:
        print(_("deleted again: %(what)s") % {"what": counts_in_words(again, LABELS)})
    else:
        print(_("nothing to delete again: every deletion in the ledger holds"))
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    actor = _controller(args)
    now = timezone.now()
    today = args.date or legal_today(now)
    with transaction.atomic():
        explained = explain_customer(args.customer, today)
        if explained:
            # dates of the customer's orders and invoices are read: the access log says so (RULES R9)
            AccessLog.objects.create(
                at=now,
                staff_id=actor.user_id,
                customer_id=args.customer,
                categories="order_history,payment",
                purpose=actor.purpose,
                channel="cli",
            )
    if not explained:
        raise CommandError(_("no customer has this id (or all of the customer's data has been deleted)"), 1)
    for e in explained:
        d = e.decision
        when = (
            _("deleted on %(day)s") % {"day": d.delete_on.isoformat()}
            if d.delete_on
            else _("no deletion date yet")
        )
        due = " — " + _("DUE") if d.due(today) else ""
        print(f"{e.what}: {when}{due}\n    {d.reason}")
    return 0


def cmd_holds(args: argparse.Namespace) -> int:
    _controller(args)
    today = legal_today(timezone.now())
    in_force = holds.holds_in_force(today)
    for h in in_force:
        covers = f"{h.record_kind} {h.record_id}" if h.record_id else _("whole customer")
        customer = _("customer %(id)s") % {"id": h.customer_id}
        until = _("until %(day)s") % {"day": h.ends_on.isoformat()}
        print(f"{h.id}  {customer}  {covers:<48} {until}  {h.reason}")
    print(_("%(count)s holds in force") % {"count": len(in_force)}, file=sys.stderr)
    return 0


def cmd_hold(args: argparse.Namespace) -> int:
    actor = _controller(args)
    try:
        with transaction.atomic():
            hold = holds.create_hold(
                customer_id=args.customer,
                record_id=args.record,
                reason=args.reason,
                ends_on=args.until,
                created_by=actor.user_id,
                now=timezone.now(),
            )
    except holds.HoldRefused as exc:
        raise CommandError(str(exc), 1) from exc
    print(
        _("hold %(id)s: nothing it covers is deleted through %(day)s")
        % {"id": hold.id, "day": hold.ends_on.isoformat()}
    )
    return 0


def cmd_end_hold(args: argparse.Namespace) -> int:
    actor = _controller(args)
    try:
        with transaction.atomic():
            hold = holds.end_hold(args.hold, ended_by=actor.user_id, now=timezone.now())
    except holds.HoldRefused as exc:
        raise CommandError(str(exc), 1) from exc
    print(_("hold %(id)s ended; what it kept is deleted by the next sweep if it is due") % {"id": hold.id})
    return 0


def cmd_jobs_run(args: argparse.Namespace) -> int:
    if args.once:
        for outcome in jobs.run_due_jobs(timezone.now()):
            print(f"{outcome.job}: {outcome.status} {json.dumps(outcome.summary, sort_keys=True)}")
        return 0
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(
        _("job runner: checking every %(seconds)s s; jobs: %(jobs)s")
        % {"seconds": f"{args.interval:g}", "jobs": ", ".join(jobs.JOBS)},
        flush=True,
    )

    def show(outcomes: list[jobs.Outcome]) -> None:
        for o in outcomes:
            if o.status not in ("not_yet", "done_today"):
                stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
                print(f"{stamp} {o.job}: {o.status} {json.dumps(o.summary, sort_keys=True)}", flush=True)

    with contextlib.suppress(KeyboardInterrupt):
        jobs.loop(stop, args.interval, on_outcomes=show)
    return 0
