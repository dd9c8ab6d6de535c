"""``persondata partners list|endpoint-set|endpoint-remove|notices|tick|deliver``: telling the partners (R11);
the processor agreements' commands are in ``cli/agreements.py``.

Every command is the data controller's — whoever handles customers' requests — and names the staff login with
``--user LOGIN`` (or ``$PERSONDATA_USER``). See docs/partners.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from persondata.access import permissions
from persondata.access.actor import Actor
from persondata.access.errors import NotFound
from persondata.cli import CommandError, gettext_lazy
from persondata.cli.agreements import add_commands as agreement_commands
from persondata.cli.disclosures import add_commands as disclosure_commands
from persondata.cli.login import duty_actor
from persondata.partners import services, webhooks
from persondata.partners.errors import PartnerError

EXIT_INVALID = 2


def register(sub: Any) -> None:
    s = sub.add_parser(
        "partners",
        help=gettext_lazy("tell the partners of rectifications, erasures and restrictions (GDPR Art. 19)"),
        description=str(
            gettext_lazy(
                "Notices to the partners (processors) of the policy file, and their webhook endpoints. "
                "For the data controller."
            )
        ),
    )
    actions = s.add_subparsers(dest="action", required=True, metavar="ACTION")

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = actions.add_parser(name, help=help_text, description=str(help_text))
        p.add_argument(
            "--user",
            default=settings.PERSONDATA_USER,
            help=gettext_lazy("your staff login (or $PERSONDATA_USER): the data controller"),
        )
        return p

    p = add("list", gettext_lazy("the partners of the policy file, their webhooks and open notices"))
    p.set_defaults(func=cmd_list)
    p = add("endpoint-set", gettext_lazy("set a partner's webhook; prints a new signing secret once"))
    p.add_argument("partner", help=gettext_lazy("the partner's key in the policy file"))
    p.add_argument("--url", required=True, help=gettext_lazy("https://… (http:// only to this machine)"))
    p.add_argument(
        "--secret-stdin",
        action="store_true",
        help=gettext_lazy("read the signing secret from stdin instead of making one"),
    )
    p.add_argument(
        "--new-secret", action="store_true", help=gettext_lazy("replace the current secret with a new one")
    )
    p.add_argument(
        "--disable", action="store_true", help=gettext_lazy("keep the endpoint but send nothing to it")
    )
    p.set_defaults(func=cmd_endpoint_set)
    p = add(
        "endpoint-remove", gettext_lazy("remove a partner's webhook; its notices then wait to be ticked off")
    )
    p.add_argument("partner", help=gettext_lazy("the partner's key in the policy file"))
    p.set_defaults(func=cmd_endpoint_remove)
    p = add("notices", gettext_lazy("the open notices (waiting, being sent, failed)"))
    p.add_argument("--json", action="store_true", help=gettext_lazy("print them as JSON"))
    p.set_defaults(func=cmd_notices)
    p = add("tick", gettext_lazy("the partner has been told another way: tick the notice off"))
    p.add_argument("notice", type=uuid.UUID, help=gettext_lazy("the notice's id (from 'partners notices')"))
    p.add_argument(
        "--note", default="", help=gettext_lazy("how and when the partner was told (never a CPR number)")
    )
    p.set_defaults(func=cmd_tick)
    p = add("deliver", gettext_lazy("send the notices that are due to the partners' webhooks now"))
    p.add_argument(
        "--retry-failed",
        action="store_true",
        help=gettext_lazy("give failed notices a fresh set of tries first"),
    )
    p.set_defaults(func=cmd_deliver)
    agreement_commands(add)  # the processor agreements (Art. 28)
    disclosure_commands(add)  # who received what


def _controller(args: argparse.Namespace) -> Actor:
    return duty_actor(args.user, permissions.HANDLE_REQUESTS)


def _invalid(exc: PartnerError) -> CommandError:
    return CommandError(exc.message, EXIT_INVALID)


def cmd_list(args: argparse.Namespace) -> int:
    _controller(args)
    for row in services.partners_overview():
        endpoint = row.endpoint
        hook = _("no webhook (tick notices off by hand)")
        if endpoint is not None:
            hook = endpoint.url + ("" if endpoint.enabled else " " + _("(paused)"))
        print(f"{row.partner.key:<20} {row.partner.name}")
        print(
            "    "
            + _("receives %(what)s; %(hook)s; %(open)s open, %(failed)s failed")
            % {"what": ", ".join(row.receives), "hook": hook, "open": row.open, "failed": row.failed}
        )
    return 0


def cmd_endpoint_set(args: argparse.Namespace) -> int:
    actor = duty_actor(args.user, permissions.MANAGE_PARTNERS)
    secret = sys.stdin.readline().strip() if args.secret_stdin else None
    if args.secret_stdin and not secret:
        raise CommandError(_("secret: nothing on stdin"), EXIT_INVALID)
    try:
        with transaction.atomic():
            endpoint, made = services.set_endpoint(
                actor,
                args.partner,
                args.url,
                now=timezone.now(),
                secret=secret,
                new_secret_wanted=args.new_secret,
                enabled=not args.disable,
            )
    except PartnerError as exc:
        raise _invalid(exc) from exc
    state = _("enabled") if endpoint.enabled else _("paused")
    print(
        _("webhook for %(partner)s set (%(state)s)") % {"partner": endpoint.partner_key, "state": state},
        file=sys.stderr,
    )
    if made:
        print(_("signing secret (shown once; give it to the partner by a safe channel):"), file=sys.stderr)
        print(made)
    return 0


def cmd_endpoint_remove(args: argparse.Namespace) -> int:
    actor = duty_actor(args.user, permissions.MANAGE_PARTNERS)
    with transaction.atomic():
        removed = services.remove_endpoint(actor, args.partner, now=timezone.now())
    if not removed:
        raise CommandError(_("partner %(key)s has no webhook") % {"key": repr(args.partner)}, 1)
    print(
        _("webhook for %(partner)s removed; its open notices wait to be ticked off")
        % {"partner": args.partner}
    )
    return 0


def cmd_notices(args: argparse.Namespace) -> int:
    _controller(args)
    rows = [
        {
            "id": str(n.id),
            "reference": n.request.reference,
            "partner": n.partner_key,
            "action": n.action,
            "categories": n.categories,
            "state": n.state,
            "attempts": n.attempts,
            "last_error": n.last_error or None,
            "last_status": n.last_status,
            "next_attempt_at": n.next_attempt_at.isoformat() if n.next_attempt_at and n.attempts else None,
            "created_at": n.created_at.isoformat(),
        }
        for n in services.open_notices()
    ]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for r in rows:
        error = (
            (" " + _("last %(error)s") % {"error": f"{r['last_error']} {r['last_status'] or ''}"}).rstrip()
            if r["last_error"]
            else ""
        )
        tries = _("tries %(count)s") % {"count": f"{r['attempts']}/{webhooks.MAX_ATTEMPTS}"}
        print(
            f"{r['id']}  {r['reference']}  {r['partner']:<18} {r['action']:<18} {r['state']:<8} {tries}{error}"
        )
    print(_("%(count)s open notices") % {"count": len(rows)}, file=sys.stderr)
    return 0


def cmd_tick(args: argparse.Namespace) -> int:
    actor = _controller(args)
    try:
        with transaction.atomic():
            notice = services.tick(actor, args.notice, now=timezone.now(), note=args.note)
    except NotFound as exc:
        raise CommandError(_("no such notice"), 1) from exc
    except PartnerError as exc:
        raise _invalid(exc) from exc
    print(
        _("notice %(id)s (%(partner)s, %(reference)s) done")
        % {"id": notice.id, "partner": notice.partner_key, "reference": notice.request.reference}
    )
    return 0


def cmd_deliver(args: argparse.Namespace) -> int:
    actor = _controller(args)
    now = timezone.now()
    if args.retry_failed:
        with transaction.atomic():
            again = services.retry_failed(actor, now=now)
        print(_("%(count)s failed notices get a fresh set of tries") % {"count": again}, file=sys.stderr)
    report = webhooks.deliver_due(now)
    print(json.dumps(report.as_dict(), sort_keys=True))
    return 0
