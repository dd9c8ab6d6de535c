"""The ``persondata`` command. Each sub-command module registers its parser; commands are thin and call services."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "persondata.settings")
    import django

    django.setup()


def build_parser() -> argparse.ArgumentParser:
    from persondata.cli import (
        access_log,
        audit,
        bench,
        outbox,
        partners,
        policy,
        register,
        requests,
        retention,
        server,
        staff,
        systems,
        token,
    )

    parser = argparse.ArgumentParser(
        prog="persondata",
        description="Runs the company's customer privacy policy: register, access, retention, requests.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (server, register, access_log, policy, audit, bench, staff, token, retention, requests):
        module.register(sub)
    partners.register(sub)
    outbox.register(sub)
    systems.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    _setup_django()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except CommandError as exc:
        print(f"persondata {args.command}: {exc}", file=sys.stderr)
        return exc.code


class CommandError(Exception):
    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


if __name__ == "__main__":
    sys.exit(main())
