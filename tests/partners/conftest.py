"""Fixtures of the partner tests: a real HTTP server on 127.0.0.1 as the partner's webhook receiver, and requests.

The receiver answers each POST with the next of its scripted answers (an HTTP status, a redirect, or a delay
longer than the client waits), 200 once the script has run out, and keeps what it received.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.db import transaction

from persondata.access.actor import Actor
from persondata.partners import services, webhooks
from persondata.partners.models import ProcessorAgreement
from persondata.requests import intake
from persondata.requests.models import Request
from tests.conftest import NOW, record_complete_agreements


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict[str, Any]:
        value = json.loads(self.body)
        assert isinstance(value, dict)
        return value


@dataclass
class Receiver:
    """The partner's side. ``script`` items: an int status, ``("redirect", status)``, ``("sleep", seconds)``."""

    url: str = ""
    received: list[Received] = field(default_factory=list)
    script: list[Any] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, *items: Any) -> None:
        with self.lock:
            self.script.extend(items)

    def next(self) -> Any:
        with self.lock:
            return self.script.pop(0) if self.script else 200


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with receiver.lock:
                receiver.received.append(Received(self.path, dict(self.headers.items()), body))
            item = receiver.next()
            try:
                if isinstance(item, tuple) and item[0] == "sleep":
                    time.sleep(item[1])
                    item = 200
                if isinstance(item, tuple) and item[0] == "redirect":
                    self.send_response(item[1])
                    self.send_header("Location", receiver.url.rsplit("/", 1)[0] + "/elsewhere")
                else:
                    self.send_response(int(item))
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting, as it should

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    box = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(box))
    server.daemon_threads = True
    box.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/persondata"
    thread = threading.Thread(target=server.serve_forever, name="test-receiver", daemon=True)
    thread.start()
    try:
        yield box
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def closed_url() -> str:
    """A loopback address where nothing listens: the connection is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"


@pytest.fixture
def boss(controller: Any) -> Actor:
    return Actor.for_user(controller, "rights_requests", "cli")


@pytest.fixture
def endpoint(boss: Actor) -> Callable[..., str]:
    """Give a partner a webhook endpoint; returns the signing secret."""

    def make(partner: str, url: str, secret: str = "s3cret-for-the-test-receiver-0001") -> str:
        with transaction.atomic():
            services.set_endpoint(boss, partner, url, now=NOW, secret=secret)
        return secret

    return make


@pytest.fixture
def make_request(demo_customers: list[dict[str, Any]]) -> Callable[..., Request]:
    """A request from a demo customer (matched by customer number and e-mail address)."""

    def make(kind: str = "rectification", index: int = 0) -> Request:
        record = demo_customers[index]
        with transaction.atomic():
            req = intake.submit(
                kind,
                {"customer_number": record["customer_number"], "email": record["email"]},
                channel="staff",
                now=NOW,
            )
        assert req.match == "single"
        return req

    return make


def notify(req: Request, action: str, **kw: Any) -> list[tuple[str, str]]:
    with transaction.atomic():
        return services.notify_partners(req, action, now=kw.pop("now", NOW), **kw)


@pytest.fixture(autouse=True)
def _no_leftover_threads() -> Iterator[None]:
    yield
    assert webhooks.wait_for_deliveries(30), "a delivery thread outlived its test"


@pytest.fixture(autouse=True)
def _every_partner_has_an_agreement(request: pytest.FixtureRequest) -> None:
    """The partners may receive data (a complete processor agreement each, Art. 28) unless a test clears them
    with ``no_agreements``; tests without a database get none."""
    if request.node.get_closest_marker("django_db") or "db" in request.fixturenames:
        request.getfixturevalue(
            "db" if "transactional_db" not in request.fixturenames else "transactional_db"
        )
        record_complete_agreements()


@pytest.fixture
def no_agreements(_every_partner_has_an_agreement: None) -> None:
    ProcessorAgreement.objects.all().delete()
