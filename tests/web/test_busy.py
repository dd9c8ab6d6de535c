"""A database too busy to write (another process holds SQLite's write lock) is answered 503 with Retry-After on the
API, the public form and the staff pages — never a 500 — and nothing of the refused request is stored. The
worker's timeout is longer than SQLite's busy timeout. Beside a long import, which locks the main database only,
reads are answered and logged, and the public form puts a submission in the intake spool at once (issue 18)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from persondata import gunicorn_conf
from persondata.access.models import AccessLog
from persondata.api.tokens import create_token
from persondata.public.views import PUBLIC_WRITE_WAIT
from persondata.rawsql import (
    CHUNKS,
    REFRESH_WAIT,
    RETRY_AFTER,
    WHOLE_RUN,
    long_writer,
    writing,
    writing_main,
)
from persondata.register.models import Customer
from persondata.requests import spool
from persondata.requests.models import Request

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3", reason="SQLite"
    ),
]


def importing() -> Any:
    """The transaction the all-or-nothing import begins: the main database, for its whole run."""
    return writing_main(whole_run=True)


@contextmanager
def writer_lock(
    begin: Callable[[], Any] = transaction.atomic, release_after: float | None = None
) -> Iterator[None]:
    """Another connection holds the write lock (a transaction ``begin`` opens, with a write in it) until the test
    ends, or for ``release_after`` seconds. The default, an IMMEDIATE transaction, locks every attached file too;
    ``writing_main``, as the import and the sweep's chunks begin, only the main database."""
    taken, done = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with begin(), connection.cursor() as cur:
                cur.execute("UPDATE job_lock SET holder = holder")
                taken.set()
                done.wait(60 if release_after is None else release_after)
        finally:
            connection.close()

    thread = threading.Thread(target=hold)
    thread.start()
    assert taken.wait(30)
    busy = settings.DATABASES["default"]["OPTIONS"]["timeout"]
    with connection.cursor() as cur:  # the test's own writes give up after a second, not the production 20 s
        cur.execute("PRAGMA busy_timeout = 1000")
    try:
        yield
    finally:
        with connection.cursor() as cur:
            cur.execute(f"PRAGMA busy_timeout = {int(busy * 1000)}")
        done.set()
        thread.join(30)


def test_the_timeouts_are_in_order_and_the_worker_outlives_them() -> None:
    """Each wait shorter than the next (docs/configuration.md): a waiting request is answered before anything that
    waits longer — at the end gunicorn, which kills a silent worker — gives up on it."""
    busy = settings.DATABASES["default"]["OPTIONS"]["timeout"]
    assert 0 < REFRESH_WAIT < PUBLIC_WRITE_WAIT < busy
    assert gunicorn_conf.timeout > busy * 2


def _visitor_and_staff(make_staff: Callable[..., Any]) -> tuple[Client, Client, str, Any]:
    """A visitor who has the form, a controller's staff session that has read a customer, a token, the customer."""
    controller = make_staff("boss", ["controller"])
    token = create_token(controller, "test", timezone.now())
    cid = Customer.objects.values_list("id", flat=True).first()
    client = Client(raise_request_exception=False)
    assert client.get("/privacy/request/").status_code == 200
    staff = Client(raise_request_exception=False)
    staff.force_login(controller)
    assert staff.get(f"/customers/{cid}/").status_code == 200
    return client, staff, token, cid


def _send_form(client: Client) -> Any:
    csrf = client.cookies["csrftoken"].value
    return client.post(
        "/privacy/request/",
        urlencode({"kind": "access", "language": "da", "website": "", "name": "Travl Dag",
                   "csrfmiddlewaretoken": csrf}),
        content_type="application/x-www-form-urlencoded",
    )  # fmt: skip


def test_a_busy_database_is_a_503_with_retry_after_everywhere(
    demo_customers: list[dict[str, Any]], make_staff: Callable[..., Any]
) -> None:
    client, staff, token, cid = _visitor_and_staff(make_staff)
    before_log, before_requests = AccessLog.objects.count(), Request.objects.count()
    with writer_lock():  # IMMEDIATE: the access log is locked too
        api = client.get(f"/api/customers/{cid}", headers={"Authorization": f"Bearer {token}"})
        assert api.status_code == 503 and api["Retry-After"] == str(RETRY_AFTER)
        assert api.json()["code"] == "busy" and "try again" in api.json()["detail"]
        posted = _send_form(client)
        assert posted.status_code == 503 and posted["Retry-After"] == str(RETRY_AFTER)
        page = posted.content.decode()
        assert "Intet af det, du sendte, er gemt" in page and "Nothing you sent has been saved" in page
        page = staff.get(f"/customers/{cid}/")  # the access log's entry cannot be written
        assert page.status_code == 503 and page["Retry-After"] == str(RETRY_AFTER)
        assert "Try again in a moment" in page.content.decode()
    assert AccessLog.objects.count() == before_log and Request.objects.count() == before_requests


def test_beside_an_import_reads_are_answered_and_logged_and_the_form_spools_at_once(
    demo_customers: list[dict[str, Any]], make_staff: Callable[..., Any]
) -> None:
    client, staff, token, cid = _visitor_and_staff(make_staff)
    before_log, before_requests = AccessLog.objects.count(), Request.objects.count()
    with writer_lock(importing):
        assert long_writer() == WHOLE_RUN
        api = client.get(f"/api/customers/{cid}", headers={"Authorization": f"Bearer {token}"})
        assert api.status_code == 200 and api.json()["id"] == str(cid)
        page = staff.get(f"/customers/{cid}/")  # its session's idle refresh waits for the next request
        assert page.status_code == 200
        started = time.monotonic()
        posted = _send_form(client)
        waited = time.monotonic() - started
        assert posted.status_code == 303 and spool.waiting()[0] == 1  # in the intake spool, moved in later
        # at once: not after the busy timeout of 20 s, nor after the wait beside a retention chunk (it would only
        # hold one of the server's few threads meanwhile: issue 18's reads queued behind such waits)
        assert waited < PUBLIC_WRITE_WAIT
    assert AccessLog.objects.count() == before_log + 2 and Request.objects.count() == before_requests
    assert spool.drain(timezone.now())["moved"] == 1 and Request.objects.count() == before_requests + 1
    assert staff.get(f"/customers/{cid}/").status_code == 200  # the session lived on


def test_beside_a_retention_chunk_a_submission_waits_for_it_and_is_stored(
    demo_customers: list[dict[str, Any]], make_staff: Callable[..., Any]
) -> None:
    """A retention run holds the lock a chunk (about a second) at a time: a submission waits it out, up to
    ``PUBLIC_WRITE_WAIT``, and is stored — where beside an import it goes to the intake spool at once."""
    client, _staff, _token, _cid = _visitor_and_staff(make_staff)
    assert long_writer() is None
    before = Request.objects.count()
    with writer_lock(writing_main, release_after=1.0):
        assert long_writer() == CHUNKS
        posted = _send_form(client)
    assert posted.status_code == 303, posted.status_code
    assert Request.objects.count() == before + 1


def test_a_chunk_held_past_the_wait_sends_the_submission_to_the_spool(
    demo_customers: list[dict[str, Any]], make_staff: Callable[..., Any]
) -> None:
    """When the lock does not come in ``PUBLIC_WRITE_WAIT`` beside a retention run, the submission is spooled, not
    refused: the visitor gets the thank-you page, and the drain moves it in once the lock is free."""
    client, _staff, _token, _cid = _visitor_and_staff(make_staff)
    before = Request.objects.count()
    with writer_lock(writing_main):
        assert long_writer() == CHUNKS
        posted = _send_form(client)
        assert posted.status_code == 303, posted.status_code
        assert spool.waiting()[0] == 1 and Request.objects.count() == before
    assert spool.drain(timezone.now()) == {"moved": 1, "waiting": 0}
    assert Request.objects.count() == before + 1


def test_a_write_that_locks_the_main_database_only_leaves_reads_their_log(
    demo_customers: list[dict[str, Any]], make_staff: Callable[..., Any]
) -> None:
    """``rawsql.writing`` — the public form's and the sessions' transactions — locks the main database, not the
    access log: a read beside it is answered and logged (an IMMEDIATE one locks the log too: the read is a 503,
    above). A burst of submissions no longer starves the reads."""
    _client, _staff, token, cid = _visitor_and_staff(make_staff)
    before = AccessLog.objects.count()
    with writer_lock(writing):
        assert long_writer() is None  # an ordinary write: a submission beside it queues as usual
        api = Client().get(f"/api/customers/{cid}", headers={"Authorization": f"Bearer {token}"})
        assert api.status_code == 200 and api.json()["id"] == str(cid)
    assert AccessLog.objects.count() == before + 1
