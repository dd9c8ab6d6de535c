"""Gunicorn settings of ``persondata serve`` (``--config python:persondata.gunicorn_conf``).

Every worker starts the in-product job runner (``persondata.jobs.runner``: the daily retention sweep) in a
background thread once it has loaded the app. However many workers and app instances run it, the job locks
(``persondata.jobs.locks``) and the record of finished runs make each job run once a day.
``PERSONDATA_JOBS=0`` leaves the runner off (for instance when ``persondata jobs run`` or cron runs the jobs).
"""

from __future__ import annotations

import json
from typing import Any

# No control socket: persondata does not use gunicornc, and gunicorn's default path ($XDG_RUNTIME_DIR/gunicorn.ctl or
# $HOME/.gunicorn/gunicorn.ctl) is one per user, not per server: it accepts shutdown and reload, and a second server
# of the same user takes it over, and deletes it when it stops.
control_socket_disable = True

# Threads: a request that waits — a public submission for the write lock (at most a few seconds), a PDF being
# printed — holds one thread, not a whole worker, so the reads beside it go on. SQLite connections are per
# thread (Django), each with its attached files. Reads alone cost the same CPU either way; more threads would let
# a burst of writes queue in SQLite's busy handler, capped at its timeout, not in the socket (docs/configuration.md).
worker_class = "gthread"
threads = 4

# A worker silent this long is killed. Longer than SQLite's busy timeout (settings.SQLITE_BUSY_SECONDS, 20 s): a
# request that waits for the database's write lock during a long import gives up first and is answered 503 with
# Retry-After; the worker lives on (at gunicorn's default of 30 s the two raced, and workers were killed).
timeout = 60

# The access log masks the secret of the links e-mailed to customers (/privacy/confirm/<token>/ and
# /privacy/answer/<token>/): it never reaches a log.
logger_class = "persondata.gunicorn_log.MaskingLogger"


def jobs_enabled() -> bool:
    """``PERSONDATA_JOBS`` (settings.py reads it); the app is loaded before a worker asks."""
    from django.conf import settings

    return bool(settings.PERSONDATA_JOBS)


def post_worker_init(worker: Any) -> None:
    if not jobs_enabled():
        return
    from persondata.jobs import runner as jobs

    said: dict[str, str] = {}

    def log_outcomes(outcomes: list[jobs.Outcome]) -> None:
        # each job's state once at start, then what happens (a run with a summary, a failure, a clock problem)
        # when it changes: a few lines a day, not one a minute. Summaries hold counts and ids, never personal data
        for o in outcomes:
            text = f"{o.status} {json.dumps(o.summary, sort_keys=True)}"
            quiet = o.status in ("not_yet", "done_today", "locked") or (o.status == "done" and not o.summary)
            if (o.job not in said or not quiet) and said.get(o.job) != text:
                worker.log.info("persondata jobs: %s %s", o.job, text)
            said[o.job] = text

    worker.log.info(
        "persondata jobs: runner started in worker %s (jobs: %s)", worker.pid, ", ".join(jobs.JOBS)
    )
    jobs.start_scheduler_thread(on_outcomes=log_outcomes)
