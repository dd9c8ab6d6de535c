"""``persondata import``, ``persondata customers find|show`` and ``persondata demo``."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
import uuid
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from tqdm import tqdm

from persondata.access.actor import Actor
from persondata.access.errors import NotFound
from persondata.cli import CommandError, gettext_lazy
from persondata.cli.login import refusals, staff_actor
from persondata.register.importer import MODES, ImportReport, import_files
from persondata.register.models import Customer
from persondata.register.services import find_customers, show_customer


def _counts() -> dict[str, str]:
    return {
        "customers_created": _("customers created"),
        "customers_updated": _("customers updated"),
        "customers_unchanged": _("customers unchanged"),
        "orders_created": _("orders created"),
        "orders_updated": _("orders updated"),
        "orders_unchanged": _("orders unchanged"),
        "invoices_created": _("invoices created"),
        "invoices_updated": _("invoices updated"),
        "invoices_unchanged": _("invoices unchanged"),
        "payments_created": _("payments created"),
        "payments_updated": _("payments updated"),
        "payments_unchanged": _("payments unchanged"),
        "agreements_created": _("agreements created"),
        "agreements_updated": _("agreements updated"),
        "agreements_unchanged": _("agreements unchanged"),
        "returning_customers": _("returning customers"),
    }


def register(sub: Any) -> None:
    p = sub.add_parser(
        "import",
        help=gettext_lazy("import customers, orders, invoices, payments from CSV or JSON"),
        description=str(
            gettext_lazy("Formats: docs/import-formats.md. Re-importing updates records by their numbers.")
        ),
    )
    p.add_argument("files", nargs="+", type=Path, help=gettext_lazy(".csv, .json or .jsonl files"))
    p.add_argument(
        "--mode",
        choices=MODES,
        default="all-or-nothing",
        help=gettext_lazy(
            "all-or-nothing (default): any bad row and nothing is imported; "
            "good-rows: import the good rows and list the bad ones in --errors-file"
        ),
    )
    p.add_argument(
        "--errors-file",
        type=Path,
        help=gettext_lazy("write every bad row (file, line, field, reason) to this CSV"),
    )
    p.add_argument(
        "--allow-returning",
        action="store_true",
        help=gettext_lazy("create again a customer who was erased at their request and has really come back"),
    )
    p.add_argument("--no-progress", action="store_true", help=gettext_lazy("no progress bar"))
    p.set_defaults(func=cmd_import)

    c = sub.add_parser("customers", help=gettext_lazy("find and show customers")).add_subparsers(
        dest="action", required=True
    )
    for name, helptext in (
        ("find", gettext_lazy("search by e-mail, phone, customer number or name")),
        ("show", gettext_lazy("show one customer (id or customer number)")),
    ):
        q = c.add_parser(name, help=helptext)
        q.add_argument("query")
        q.add_argument(
            "--user",
            default=settings.PERSONDATA_USER,
            help=gettext_lazy("your staff login (or $PERSONDATA_USER); every read is logged under it"),
        )
        q.add_argument("--purpose", help=gettext_lazy("why you read the data (a purpose of the policy file)"))
        q.add_argument("--json", action="store_true", help=gettext_lazy("print JSON"))
        q.set_defaults(func=cmd_find if name == "find" else cmd_show)

    p = sub.add_parser("demo", help=gettext_lazy("generate synthetic Danish customers (Faker da_DK)"))
    p.add_argument("--customers", type=int, default=200)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--format", choices=("csv", "jsonl"), default="jsonl")
    p.add_argument("--out", type=Path, help=gettext_lazy("write the files here instead of importing them"))
    p.set_defaults(func=cmd_demo)


def _progress_bar(enabled: bool) -> tuple[Any, Any]:
    if not enabled:
        return None, None
    bar = tqdm(total=0, unit="B", unit_scale=True, desc=_("importing"), file=sys.stderr, dynamic_ncols=True)

    def update(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()

    return bar, update


def print_report(report: ImportReport) -> None:
    print(
        _(
            "import run %(run)s (%(mode)s): %(status)s, %(rows)s records read in %(seconds)s s "
            "(database %(db)s s)"
        )
        % {
            "run": report.run_id,
            "mode": report.mode,
            "status": {"done": pgettext("import", "done"), "rejected": pgettext("import", "rejected")}.get(
                report.status, report.status
            ),
            "rows": report.rows_read,
            "seconds": f"{report.seconds:.1f}",
            "db": f"{report.db_seconds:.1f}",
        }
    )
    words = _counts()
    for key in sorted(report.counts):
        if report.counts[key]:
            print(f"  {words.get(key, key.replace('_', ' '))}: {report.counts[key]}")
    if report.error_count:
        print("  " + _("bad rows: %(count)s") % {"count": report.error_count}, file=sys.stderr)
        for err in report.errors[:20]:
            print(f"    {err}", file=sys.stderr)
        if report.error_count > 20:
            print("    " + _("… and %(count)s more") % {"count": report.error_count - 20}, file=sys.stderr)
        if report.errors_file:
            print(
                "  " + _("every bad row is listed in %(file)s") % {"file": report.errors_file},
                file=sys.stderr,
            )
    if report.erased:
        print(
            "  "
            + _("rows of deleted customers, not imported again: %(count)s") % {"count": len(report.erased)}
        )
        for row in report.erased[:20]:
            print(f"    {row}")
    if report.status == "rejected":
        print(
            "  " + _("nothing was imported (all-or-nothing); fix the rows above, or use --mode good-rows"),
            file=sys.stderr,
        )


def cmd_import(args: argparse.Namespace) -> int:
    bar, update = _progress_bar(not args.no_progress and sys.stderr.isatty())
    try:
        report = import_files(
            args.files,
            mode=args.mode,
            now=timezone.now(),
            errors_file=args.errors_file,
            progress=update,
            allow_returning=args.allow_returning,
        )
    except (FileNotFoundError, ValueError) as exc:
        raise CommandError(str(exc)) from exc
    finally:
        if bar is not None:
            bar.close()
    print_report(report)
    return 1 if report.error_count else 0


def _actor(args: argparse.Namespace) -> Actor:
    return staff_actor(args.user, args.purpose)


def _json_default(value: object) -> str:
    if isinstance(value, date | uuid.UUID):
        return str(value)
    raise TypeError(type(value).__name__)


def cmd_find(args: argparse.Namespace) -> int:
    actor = _actor(args)
    with refusals(actor.user_id), transaction.atomic():
        hits = find_customers(actor, args.query, now=timezone.now())
    if args.json:
        print(
            json.dumps(
                [dataclasses.asdict(h) for h in hits], default=_json_default, ensure_ascii=False, indent=2
            )
        )
    else:
        for h in hits:
            print(f"{h.id}  {h.customer_number or '-':<12} {h.name or '-':<32} {h.email or '-'}")
        print(_("%(count)s found") % {"count": len(hits)}, file=sys.stderr)
    return 0 if hits else 1


def cmd_show(args: argparse.Namespace) -> int:
    actor = _actor(args)
    try:
        with refusals(actor.user_id), transaction.atomic():
            try:
                customer_id = uuid.UUID(args.query)
            except ValueError:
                hits = find_customers(actor, args.query, now=timezone.now())
                if len(hits) != 1:
                    raise CommandError(
                        _("%(count)s customers match; give the id from 'customers find'")
                        % {"count": len(hits)},
                        1,
                    ) from None
                customer_id = hits[0].id
            view = show_customer(actor, customer_id, now=timezone.now())
    except NotFound as exc:
        raise CommandError(str(exc), 1) from exc
    print(json.dumps(view.as_dict(), default=_json_default, ensure_ascii=False, indent=2))
    return 0


def load_demo(n: int, home: Path, seed: int = 1) -> None:
    from persondata import demo  # faker: only the commands that make the demo company load it

    with tempfile.TemporaryDirectory(dir=home) as tmp:
        path = demo.write_jsonl(
            demo.customers(n, seed=seed, today=timezone.localdate()), Path(tmp) / "demo.jsonl"
        )
        report = import_files([path], mode="all-or-nothing", now=timezone.now())
    print(
        _("demo company loaded: %(customers)s synthetic customers, %(records)s records")
        % {"customers": report.counts["customers_created"], "records": report.rows_read}
    )


def cmd_demo(args: argparse.Namespace) -> int:
    from persondata import demo

    records = demo.customers(args.customers, seed=args.seed, today=timezone.localdate())
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        paths = (
            demo.write_csv(records, args.out)
            if args.format == "csv"
            else [demo.write_jsonl(records, args.out / "customers.jsonl")]
        )
        for p in paths:
            print(p)
        return 0

    if Customer.objects.exists():
        print(_("note: the register is not empty; demo customers are added to it"), file=sys.stderr)
    load_demo(args.customers, Path(settings.HOME), args.seed)
    return 0
