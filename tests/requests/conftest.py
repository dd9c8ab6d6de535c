"""Fixtures of the request tests: a real SMTP server on loopback that catches what persondata sends."""

from __future__ import annotations

import email
import email.policy
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from persondata.jobs.outbox import wait_for_outbox


@dataclass
class _Handler:
    """aiosmtpd's handler (it inspects the handler's members, so it gets this plain object, not the mailbox)."""

    received: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        self.received.append(msg)
        return "250 OK"


@dataclass
class Mailbox:
    """What the SMTP server received."""

    handler: _Handler = field(default_factory=_Handler)

    @property
    def messages(self) -> list[EmailMessage]:
        """What arrived, once the mail threads persondata started have finished (mail leaves in the background)."""
        wait_for_outbox()
        return self.handler.received

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address.lower() in str(m["To"]).lower()]

    def link_in(self, msg: EmailMessage) -> str:
        body = msg.get_body(preferencelist=("plain",))
        assert body is not None
        match = re.search(r"https?://\S+/privacy/confirm/\S+/", body.get_content())
        assert match, "no confirmation link in the message"
        return match.group(0)


@pytest.fixture
def smtp(settings: Any) -> Iterator[Mailbox]:
    """A real SMTP server on 127.0.0.1 (aiosmtpd); Django's SMTP backend sends to it."""
    box = Mailbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = Controller(box.handler, hostname="127.0.0.1", port=port)
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield box
    finally:
        wait_for_outbox()  # what is on its way arrives before the server goes
        server.stop()
