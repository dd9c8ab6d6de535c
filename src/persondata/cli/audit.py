"""``persondata audit verify|head|show``: check the hash-chained audit log, export its head, list entries."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from tqdm import tqdm

from persondata.audit import services
from persondata.cli import CommandError, gettext_lazy
from persondata.core.audit_chain import Head, VerifyResult


def register(sub: Any) -> None:
    a = sub.add_parser(
        "audit", help=gettext_lazy("verify the tamper-evident audit log, export its head, list entries")
    )
    actions = a.add_subparsers(dest="action", required=True)
    v = actions.add_parser(
        "verify",
        help=gettext_lazy(
            "recompute the whole hash chain; exits 1 and names the first broken entry if anything was changed"
        ),
    )
    v.add_argument(
        "--head",
        type=Path,
        help=gettext_lazy("a head exported earlier with 'audit head' (catches a rewrite of the whole log)"),
    )
    v.add_argument("--no-progress", action="store_true", help=gettext_lazy("no progress bar"))
    v.set_defaults(func=cmd_verify)
    h = actions.add_parser(
        "head", help=gettext_lazy("print the log's current head, to keep outside the system")
    )
    h.add_argument(
        "--out", type=Path, help=gettext_lazy("write the head to this JSON file (default: standard output)")
    )
    h.add_argument(
        "--no-verify",
        action="store_true",
        help=gettext_lazy("do not verify the log before exporting its head"),
    )
    h.set_defaults(func=cmd_head)
    s = actions.add_parser("show", help=gettext_lazy("list the latest entries (they hold no personal data)"))
    s.add_argument(
        "--last", type=int, default=20, metavar="N", help=gettext_lazy("how many entries (default: 20)")
    )
    s.add_argument(
        "--action", default="", metavar="PREFIX", help=gettext_lazy("only actions starting with PREFIX")
    )
    s.set_defaults(func=cmd_show)


def _read_head(path: Path) -> Head:
    try:
        return Head.from_document(json.loads(path.read_text(encoding="utf-8")))
    except OSError as exc:
        raise CommandError(_("cannot read the head file: %(error)s") % {"error": exc}) from exc
    except ValueError as exc:  # json.JSONDecodeError is a ValueError
        raise CommandError(
            _("%(file)s is not a head written by 'persondata audit head': %(error)s")
            % {"file": path, "error": exc}
        ) from exc


def _verify(head: Head | None, show_progress: bool) -> VerifyResult:
    bar = None
    if show_progress:
        bar = tqdm(
            total=0,
            unit=" entries",
            unit_scale=True,
            desc=_("verifying"),
            file=sys.stderr,
            dynamic_ncols=True,
        )

    def update(done: int, total: int) -> None:
        assert bar is not None
        bar.total = total
        bar.n = done
        bar.refresh()

    try:
        return services.verify(head, update if bar is not None else None)
    finally:
        if bar is not None:
            bar.close()


def _describe(head: Head | None) -> str:
    if head is None:
        return _("empty log")
    return _("head: entry %(seq)s, digest %(digest)s, at %(at)s") % {
        "seq": head.seq,
        "digest": head.digest_hex,
        "at": head.at_iso,
    }


def cmd_verify(args: argparse.Namespace) -> int:
    head = _read_head(args.head) if args.head else None
    result = _verify(head, not args.no_progress and sys.stderr.isatty())
    if not result.ok:
        print(
            _("BROKEN at entry %(seq)s: %(problem)s")
            % {"seq": result.first_broken_seq, "problem": result.words(_)}
        )
        print(
            "  "
            + _("%(count)s entries before it verified; last good %(head)s")
            % {"count": f"{result.checked:,}", "head": _describe(result.last)}
        )
        return 1
    against = (
        _("; contains the exported head of %(at)s (entry %(seq)s)") % {"at": head.at_iso, "seq": head.seq}
        if head
        else ""
    )
    print(
        _("OK: %(count)s entries, chain intact%(against)s")
        % {"count": f"{result.checked:,}", "against": against}
    )
    print(f"  {_describe(result.last)}")
    return 0


def cmd_head(args: argparse.Namespace) -> int:
    if not args.no_verify:
        result = _verify(None, sys.stderr.isatty())
        if not result.ok:
            raise CommandError(
                _(
                    "the log does not verify (entry %(seq)s: %(problem)s); a head of a broken log proves nothing "
                    "— investigate first"
                )
                % {"seq": result.first_broken_seq, "problem": result.words(_)},
                code=1,
            )
    head = services.export_head(timezone.now())
    document = json.dumps(head.to_document(services.entry_count()), indent=2) + "\n"
    where = args.out or _("the JSON above")
    instructions = _(
        "Print %(where)s or send it to someone outside the company's IT (e.g. the accountant), and keep it: "
        "'persondata audit verify --head FILE' then proves that entries 1–%(seq)s were neither changed, removed "
        "nor rewritten — even by someone holding the master key. Export a new head at least monthly."
    ) % {"where": where, "seq": head.seq}
    if args.out:
        args.out.write_text(document, encoding="utf-8")
        print(_("head written to %(file)s") % {"file": args.out})
        print(instructions)
    else:
        sys.stdout.write(document)
        print(instructions, file=sys.stderr)  # stdout stays pure JSON: 'persondata audit head > head.json'
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    entries = services.latest_entries(args.last, args.action)
    for e in entries:
        at = timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S %Z")
        print(f"{e.seq:>8}  {at}  {e.actor:<12}  {e.action:<28}  {e.target or '-'}")
    if not entries:
        print(_("no entries"), file=sys.stderr)
    return 0
