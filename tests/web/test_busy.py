"""A database too busy to write (another process holds SQLite's write lock, as a long all-or-nothing import does)
is answered 503 with Retry-After on the API, the public form and the staff pages — never a 500 — and nothing of
the refused request is stored. The worker's timeout is longer than SQLite's busy timeout."""

from __future__ import annotations

import threading
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
from persondata.rawsql import RETRY_AFTER
from persondata.register.models import Customer
from persondata.requests.models import Request

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3", reason="SQLite"
    ),
]


@contextmanager
def writer_lock() -> Iterator[None]:
    """Another connection holds the write lock (an IMMEDIATE transaction with a write in it) until the test ends."""
    taken, done = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute("UPDATE job_lock SET holder = holder")
                taken.set()
                done.wait(60)
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


def test_the_worker_outlives_the_busy_timeout() -> None:
    assert gunicorn_conf.timeout > settings.DATABASES["default"]["OPTIONS"]["timeout"] * 2


def test_a_busy_database_is_a_503_with_retry_after_everywhere(
    demo_customers: list[dict[str, Any]], make_staff: Callable[..., Any]
) -> None:
    controller = make_staff("boss", ["controller"])
    token = create_token(controller, "test", timezone.now())
    cid = Customer.objects.values_list("id", flat=True).first()
    before_log, before_requests = AccessLog.objects.count(), Request.objects.count()
    client = Client(raise_request_exception=False)
    form = client.get("/privacy/request/")
    assert form.status_code == 200
    staff = Client(raise_request_exception=False)
    staff.force_login(controller)
    assert staff.get(f"/customers/{cid}/").status_code == 200
    before_log = AccessLog.objects.count()
    with writer_lock():
        _refused_while_busy(client, cid, token)
        page = staff.get(f"/customers/{cid}/")  # the access log's entry cannot be written
        assert page.status_code == 503 and page["Retry-After"] == str(RETRY_AFTER)
        assert "Try again in a moment" in page.content.decode()
    assert AccessLog.objects.count() == before_log and Request.objects.count() == before_requests


def _refused_while_busy(client: Client, cid: Any, token: str) -> None:
    api = client.get(f"/api/customers/{cid}", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 503 and api["Retry-After"] == str(RETRY_AFTER)
    assert api.json()["code"] == "busy" and "try again" in api.json()["detail"]

    csrf = client.cookies["csrftoken"].value
    posted = client.post(
        "/privacy/request/",
        urlencode({"kind": "access", "language": "da", "website": "", "name": "Travl Dag",
                   "csrfmiddlewaretoken": csrf}),
        content_type="application/x-www-form-urlencoded",
    )  # fmt: skip
    assert posted.status_code == 503 and posted["Retry-After"] == str(RETRY_AFTER)
    page = posted.content.decode()
    assert "Intet af det, du sendte, er gemt" in page and "Nothing you sent has been saved" in page
