"""``persondata init`` and ``persondata serve``."""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from persondata import gunicorn_conf, runtime, schema
from persondata.access.models import StaffProfile
from persondata.access.staff import ensure_default_texts
from persondata.audit.policy import record_policy_version
from persondata.cli import CommandError, gettext_lazy
from persondata.governance.policy_versions import record_current
from persondata.home import make_private
from persondata.keys import store as key_store
from persondata.keys.check import KeyCheckError, database_has_keys
from persondata.keys.check import verify as verify_key
from persondata.register.models import Customer


def register(sub: Any) -> None:
    p = sub.add_parser(
        "init", help=gettext_lazy("create the database, the master key and a controller login")
    )
    p.add_argument(
        "--demo",
        type=int,
        metavar="N",
        default=0,
        help=gettext_lazy("load N synthetic demo customers if the register is empty (default: none)"),
    )
    p.add_argument(
        "--username",
        default="controller",
        help=gettext_lazy("the controller's login name (default: controller)"),
    )
    p.set_defaults(func=cmd_init)

    p = sub.add_parser(
        "serve",
        help=gettext_lazy(
            "serve the staff web app with gunicorn, and run the daily jobs (off: PERSONDATA_JOBS=0)"
        ),
    )
    p.add_argument(
        "--bind",
        default=settings.PERSONDATA_BIND,
        help=gettext_lazy(
            "address:port to listen on (default: $PERSONDATA_BIND or 127.0.0.1:8000; now %(bind)s)"
        )
        % {"bind": settings.PERSONDATA_BIND},
    )
    p.add_argument(
        "--workers",
        type=int,
        default=settings.PERSONDATA_WORKERS,
        help=gettext_lazy("gunicorn worker processes (default: $PERSONDATA_WORKERS or 2; now %(workers)s)")
        % {"workers": settings.PERSONDATA_WORKERS},
    )
    p.set_defaults(func=cmd_serve)


def cmd_init(args: argparse.Namespace) -> int:
    make_private(Path(settings.HOME))  # a home from an older version may hold a database readable by others
    schema.migrate()
    key_file = Path(settings.PERSONDATA_MASTER_KEY_FILE)
    if not key_file.exists() and (database_has_keys() or Customer.objects.exists()):
        raise CommandError(
            _(
                "the master key file %(file)s is missing, and this database already holds data written with a "
                "master key: restore the key file from its backup (or point PERSONDATA_MASTER_KEY at it). "
                "A new key would make the stored data unreadable, so none was created"
            )
            % {"file": key_file}
        )
    runtime.create_vault()  # creates the master key file (0600) on first run
    try:
        key_id = verify_key(now=timezone.now())  # records the key's check value in a new database
    except KeyCheckError as exc:
        raise CommandError(str(exc)) from None
    with transaction.atomic():
        ensure_default_texts(timezone.now())  # version 1 of the confidentiality declaration and the guidance
    record_policy_version(timezone.now())
    with transaction.atomic():
        record_current(timezone.now())  # the policy file in force becomes a version (docs/governance.md)
    home = Path(settings.HOME)
    print(_("database: %(name)s") % {"name": settings.DATABASES["default"]["NAME"]})
    print(
        _("master key: %(file)s (key id %(id)s; back it up separately from the database)")
        % {"file": key_file, "id": key_id}
    )
    print(
        _("key store: %(place)s (back it up on its own short rotation, never with the database)")
        % {"place": key_store.location()}
    )
    User = get_user_model()
    if not User.objects.filter(username=args.username).exists():
        password = secrets.token_urlsafe(12)
        with transaction.atomic():
            user = User.objects.create_user(args.username, password=password)
            StaffProfile.objects.create(user=user, roles=["controller"], must_change_password=True)
        print()
        print("  " + _("A controller login was created:"))
        print("    " + _("username: %(login)s") % {"login": args.username})
        print("    " + _("password: %(password)s") % {"password": password})
        print("  " + _("You choose your own password at the first login; this one is not shown again."))
        print()
    else:
        print(_("login '%(login)s' exists already") % {"login": args.username})
    if args.demo and not Customer.objects.exists():
        from persondata.cli.register import load_demo

        load_demo(args.demo, home)
        from persondata.cli import demo_company

        for line in demo_company.first_sweep(timezone.now()):
            print(line)
        demo_company.fill(args.username, args.demo, 1, timezone.now())
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    make_private(Path(settings.HOME))
    call_command("collectstatic", interactive=False, verbosity=0)
    record_policy_version(timezone.now())
    with transaction.atomic():
        record_current(timezone.now())  # the policy file in force becomes a version (docs/governance.md)
    gunicorn = Path(sys.executable).with_name("gunicorn")
    argv = [
        str(gunicorn),
        "persondata.wsgi:application",
        "--config",
        "python:persondata.gunicorn_conf",  # each worker starts the daily job runner (PERSONDATA_JOBS=0: not)
        "--bind",
        args.bind,
        "--workers",
        str(args.workers),
        "--access-logfile",
        "-",
        "--access-logformat",
        '%(t)s "%(m)s %(U)s" %(s)s %(M)sms',
        "--forwarded-allow-ips",
        "127.0.0.1",
        "--env",  # the workers' settings see the address served (the public URL's default: confirmation links)
        f"PERSONDATA_BIND={args.bind}",
    ]
    jobs = _("on") if gunicorn_conf.jobs_enabled() else _("off (PERSONDATA_JOBS=0)")
    print(
        "persondata: "
        + _("serving on %(url)s (%(time)s UTC); daily jobs %(jobs)s")
        % {"url": f"http://{args.bind}/", "time": f"{timezone.now():%Y-%m-%d %H:%M}", "jobs": jobs},
        flush=True,
    )
    os.execv(argv[0], argv)  # noqa: S606 - replaces this process with the WSGI server
    return 0
