"""The ``persondata`` command. Each sub-command module registers its parser; commands are thin and call services.

Everything the command prints for a person (errors, confirmations, reports, progress, the headings of its tables)
goes through Django's gettext, in Danish or in English (:func:`choose_language`); what it prints for machines
(``--json``, CSV) is the same in both.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Mapping, Sequence
from typing import cast

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _gettext_lazy

from persondata.core.policy import PolicyError


def gettext_lazy(message: str) -> str:
    """Django's ``gettext_lazy``, for the help of the commands and their options: looked up in the command's language
    when argparse formats the help. Typed as the ``str`` argparse's stubs ask for (a lazy string behaves as one);
    `make messages` extracts the calls by this name."""
    return cast(str, _gettext_lazy(message))


def gettext_noop(text: str) -> str:
    """Marks a text for `make messages`, as Django's function of that name does (which needs the settings, not yet
    loaded when this module is)."""
    return text


#: argparse's own words — the usage line, an error's prefix, a missing or mistyped argument, the help's headings —
#: which it asks of Python's gettext, where no catalogue has them: :func:`_argparse_speaks` sends them through
#: Django's, and the project's catalogue holds their Danish (listed here so that `make messages` extracts them).
ARGPARSE_TEXTS = (
    gettext_noop("usage: "),
    gettext_noop("%(prog)s: error: %(message)s\n"),
    gettext_noop("argument %(argument_name)s: %(message)s"),
    gettext_noop("the following arguments are required: %s"),
    gettext_noop("one of the arguments %s is required"),
    gettext_noop("unrecognized arguments: %s"),
    gettext_noop("not allowed with argument %s"),
    gettext_noop("expected one argument"),
    gettext_noop("expected at most one argument"),
    gettext_noop("expected at least one argument"),
    gettext_noop("ambiguous option: %(option)s could match %(matches)s"),
    gettext_noop("invalid %(type)s value: %(value)r"),
    gettext_noop("invalid choice: %(value)r (choose from %(choices)s)"),
    gettext_noop("positional arguments"),
    gettext_noop("options"),
    gettext_noop("show this help message and exit"),
)


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "persondata.settings")
    import django

    django.setup()


LANGUAGES = ("da", "en")
#: the environment's variables that name the language of messages, in the order gettext reads them
LANGUAGE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def choose_language(explicit: str | None, environ: Mapping[str, str]) -> str:
    """The language the command speaks: ``--lang`` if given; else the environment's, as gettext reads it
    (``LANGUAGE``, a list such as ``da:en``; then the first of ``LC_ALL``, ``LC_MESSAGES``, ``LANG`` that is set,
    such as ``da_DK.UTF-8``), when it names Danish or English; else the installation's language (Danish: the
    ``C`` locale of a server names none)."""
    if explicit in LANGUAGES:
        return explicit
    for name in LANGUAGE_VARIABLES:
        value = environ.get(name, "")
        if not value:
            continue
        for part in value.split(":") if name == "LANGUAGE" else [value]:
            code = part.split(".")[0].split("@")[0].split("_")[0].split("-")[0].lower()
            if code in LANGUAGES:
                return code
        if name != "LANGUAGE":
            break  # the locale in force names another language (or none: C, POSIX)
    from django.conf import settings

    default = settings.LANGUAGE_CODE.split("-")[0]
    return default if default in LANGUAGES else "da"


def _before_command(argv: Sequence[str]) -> tuple[str | None, str | None]:
    """What comes before the command's own arguments: ``--lang da|en`` (or ``--lang=…``), and the command, if no
    other option precedes it."""
    language, command_next, i = None, True, 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--lang" and i + 1 < len(argv):
            language, i = argv[i + 1], i + 2
        elif arg.startswith("--lang="):
            language, i = arg.split("=", 1)[1], i + 1
        elif arg.startswith("-"):
            command_next, i = False, i + 1
        else:
            return language, arg if command_next else None  # the command: what follows is its own
    return language, None


#: each module of ``persondata.cli`` and the commands it registers, in the order ``--help`` lists them
MODULES = {
    "server": ("init", "serve"),
    "register": ("import", "customers", "demo"),
    "access_log": ("access-log",),
    "policy": ("policy",),
    "audit": ("audit",),
    "bench": ("bench",),
    "staff": ("staff",),
    "token": ("token",),
    "retention": ("retention", "jobs"),
    "requests": ("requests",),
    "partners": ("partners",),
    "outbox": ("outbox",),
    "governance": ("breaches",),
    "control": ("control",),
    "systems": ("systems",),
    "backup": ("backup", "restore"),
    "keys": ("keys",),
}
_MODULE_OF = {command: module for module, commands in MODULES.items() for command in commands}


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser of every command; given the arguments of a known command, of that command alone (a command's
    start imports its own module only: importing all of them costs ~0.15 s)."""
    module = _MODULE_OF.get(_before_command(argv)[1] or "") if argv is not None else None
    parser = argparse.ArgumentParser(
        prog="persondata",
        description=_("Runs the company's customer privacy policy: register, access, retention, requests."),
    )
    parser.add_argument(
        "--lang",
        dest="ui_language",
        choices=LANGUAGES,
        help=_(
            "the language of the messages: da or en (default: the environment's LANGUAGE, LC_ALL, LC_MESSAGES or "
            "LANG, else the installation's language, Danish)"
        ),
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in [module] if module else MODULES:
        importlib.import_module(f"persondata.cli.{name}").register(sub)
    return parser


#: The commands that open no stored data, so run before ``persondata init`` and need no master key: ``init`` makes
#: the database and checks the key itself (it may make the first one), ``bench`` works in a home of its own,
#: ``policy`` reads the policy file (and ``demo`` when it only writes files, with ``--out``).
BEFORE_INIT = frozenset({"init", "bench", "policy"})
#: ``restore`` checks for itself: it may run onto an empty database (a new machine), and ``--resume`` is what a
#: database waiting for its ledger replay needs (``persondata.backups.gate``).
CHECKS_ITSELF = frozenset({"restore"})


def _opens_stored_data(args: argparse.Namespace) -> bool:
    return not (
        args.command in BEFORE_INIT | CHECKS_ITSELF or (args.command == "demo" and getattr(args, "out", None))
    )


def _require_set_up() -> None:
    from persondata.schema import not_set_up

    problem = not_set_up()
    if problem is not None:
        raise CommandError(problem, 2)


def _argparse_speaks() -> None:
    """argparse looks its words up through the module's ``_`` and ``ngettext`` when it uses them: Django's, in the
    language the command speaks (:data:`ARGPARSE_TEXTS`)."""
    from django.utils.translation import ngettext

    argparse._ = _  # type: ignore[attr-defined]
    argparse.ngettext = ngettext  # type: ignore[attr-defined]


def main(argv: Sequence[str] | None = None) -> int:
    _setup_django()
    _argparse_speaks()
    from django.utils import translation

    argv = list(sys.argv[1:] if argv is None else argv)
    with translation.override(choose_language(_before_command(argv)[0], os.environ)):
        return _main(argv)


def _main(argv: list[str]) -> int:
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    try:
        if _opens_stored_data(args):
            _require_set_up()  # a database to open: one line saying `persondata init` when there is none
            _check_gate()  # a missing, wrong or world-readable key, or a ledger replay pending, stops here
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here, not as a traceback at exit
        return code
    except KeyboardInterrupt:
        print(_("interrupted"), file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (`persondata customers find x | head`): stop quietly, as cat does
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except CommandError as exc:
        print(f"persondata {args.command}: {exc}", file=sys.stderr)
        return exc.code
    except PolicyError as exc:  # any command that needs the installation's policy file, `serve` too
        from persondata.cli.policy import invalid_policy

        print(f"persondata {args.command}: {invalid_policy(exc)}", file=sys.stderr)
        return 2


def _check_gate() -> None:
    """A missing, wrong or world-readable master key, or a restored database whose deletion ledger has not been
    replayed, stops every command (``serve`` too) before it starts — the web app asks the same
    (``persondata.backups.gate``)."""
    from django.utils import timezone

    from persondata.backups.gate import refusal

    problem = refusal(now=timezone.now())
    if problem is not None:
        raise CommandError(problem)


def count(value: int) -> str:
    """A count as the commands print it: ``12,345``."""
    return f"{value:,}"


def counts_in_words(counts: Mapping[str, int], labels: Mapping[str, object], *, every: bool = False) -> str:
    """``counts`` in one line a person reads, each by its label (a label is looked up in the active language): the
    zeros left out unless ``every``, and "nothing" when none is left."""
    said = [f"{labels.get(k, k)} {count(v)}" for k, v in sorted(counts.items()) if v or every]
    return ", ".join(said) or _("nothing")


class CommandError(Exception):
    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


if __name__ == "__main__":
    sys.exit(main())
