"""``persondata policy check`` and ``persondata policy render``; the versions and their adoption are in
:mod:`persondata.cli.policy_versions`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from persondata import runtime
from persondata.cli import CommandError, gettext_lazy, policy_versions
from persondata.core.agreements import agreement_findings
from persondata.core.policy import PolicyError, load_policy
from persondata.core.policy_check import SEVERITIES, check_policy, exit_status
from persondata.governance import review
from persondata.register.models import STORED_FIELDS
from persondata.schema import not_set_up


def register(sub: Any) -> None:
    pol = sub.add_parser(
        "policy", help=gettext_lazy("check the policy file, or print the privacy policy it describes")
    )
    actions = pol.add_subparsers(dest="action", required=True)
    c = actions.add_parser("check", help=gettext_lazy("lint the policy file against the law (RULES.md)"))
    c.add_argument("--file", type=Path, help=gettext_lazy("policy file (default: the installation's)"))
    c.add_argument(
        "--lang",
        choices=("da", "en"),
        help=gettext_lazy("the findings' language (default: the language of the messages)"),
    )
    c.set_defaults(func=cmd_check)
    r = actions.add_parser("render", help=gettext_lazy("print the privacy policy for customers"))
    r.add_argument("--file", type=Path, help=gettext_lazy("policy file (default: the installation's)"))
    r.add_argument("--lang", choices=("da", "en"), default="da")
    r.add_argument("--format", choices=("html", "pdf", "md"), default="md")
    r.add_argument("--out", type=Path, help=gettext_lazy("write to this file (default: standard output)"))
    r.set_defaults(func=cmd_render)
    policy_versions.register(actions)  # versions, show-version, in-force, adopt


def _load(path: Path | None, lang: str | None = None) -> Any:
    try:
        return load_policy(path or runtime.policy_path())
    except PolicyError as exc:
        raise CommandError(invalid_policy(exc, lang)) from exc
    except OSError as exc:
        raise CommandError(_("cannot read the policy file: %(error)s") % {"error": exc}) from exc


def invalid_policy(exc: PolicyError, lang: str | None = None) -> str:
    """What the command says about an invalid policy file: each problem in ``lang`` (default: the command's)."""
    lang = lang or runtime.language()
    lines = [
        p.key
        + (" " + _("(line %(line)s)") % {"line": p.line} if p.line else "")
        + f": {p.message.get(lang)} — {p.fix.get(lang)}"
        for p in exc.problems
    ]
    return _("the policy file is not valid:") + "\n  " + "\n  ".join(lines)


def cmd_check(args: argparse.Namespace) -> int:
    policy = _load(args.file, args.lang)
    today = timezone.localdate()
    if not_set_up() is not None:  # before `persondata init`: no agreement is on record yet
        findings = check_policy(policy, today, stored_fields=STORED_FIELDS)
        findings += agreement_findings(policy, {}, today)
        findings.sort(key=lambda f: SEVERITIES.index(f.severity))
    else:
        # the partners' records (processor agreements, disclosures) and, for the installation's own policy
        # (no --file), whether the version in force was adopted (policy [14])
        findings = review.findings(policy, today, in_force=args.file is None)
    lang = args.lang or runtime.language()
    severities = {"error": _("ERROR"), "warning": _("WARNING"), "info": _("INFO")}
    for f in findings:
        print(f"{severities.get(f.severity, f.severity.upper()):7} {f.code} [{f.key}] {f.message.get(lang)}")
        print("        " + _("fix: %(fix)s") % {"fix": f.fix.get(lang)})
    errors = sum(f.severity == "error" for f in findings)
    print(
        _("%(findings)s findings, %(errors)s errors") % {"findings": len(findings), "errors": errors},
        file=sys.stderr,
    )
    return exit_status(findings)


def cmd_render(args: argparse.Namespace) -> int:
    from persondata.documents.privacy_policy import render_policy

    # before `persondata init` there is no database: the partner section then claims no agreement (none is on record)
    agreements: dict[str, Any] | None = {} if not_set_up() is not None else None
    data = render_policy(_load(args.file), args.lang, args.format, agreements=agreements)
    if args.out:
        args.out.write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
    return 0
