"""The e-mails persondata sends to requesters, in Danish and English. They name the request by its reference
only: no personal data beyond the address they are sent to."""

from __future__ import annotations

import logging
import threading
import uuid

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.utils import timezone

from persondata import runtime
from persondata.requests.models import Request

log = logging.getLogger(__name__)

_CONFIRM = {
    "da": (
        "Bekræft din henvendelse {ref}",
        "Vi har modtaget en henvendelse om dine personoplysninger hos {company} med referencen {ref}.\n\n"
        "For at sikre, at det er dig, beder vi dig bekræfte den ved at åbne dette link inden {days} dage:\n\n"
        "{link}\n\n"
        "Har du ikke selv sendt henvendelsen, skal du ikke gøre noget; så sker der intet, og vi udleverer "
        "ingen oplysninger. Du er velkommen til at kontakte os på {email}.\n",
    ),
    "en": (
        "Confirm your request {ref}",
        "We have received a request about your personal data at {company} with the reference {ref}.\n\n"
        "To make sure it is you, please confirm it by opening this link within {days} days:\n\n"
        "{link}\n\n"
        "If you did not send the request, do nothing: nothing will happen and no data will be disclosed. "
        "You are welcome to contact us at {email}.\n",
    ),
}


def confirmation(request: Request, link: str, days: int) -> tuple[str, str]:
    controller = runtime.policy().controller
    subject, body = _CONFIRM.get(request.language, _CONFIRM["da"])
    values = {
        "ref": request.reference,
        "company": controller.company,
        "email": controller.email,
        "link": link,
        "days": days,
    }
    return subject.format(**values), body.format(**values)


# -- sending ----------------------------------------------------------------------------------------------------
# Mail to a requester leaves in a background thread after the transaction commits: the public form answers as
# fast whether or not the details matched a customer (no SMTP round trip betrays that someone is a customer), and
# a slow or failing mail server never holds a staff page. The threads are not daemons, so a CLI command finishes
# sending before it exits. A failure is logged by type only (its text may hold the address) and recorded as a
# step of the request, so staff see it and can send again.
_sending: list[threading.Thread] = []
_lock = threading.Lock()


def send_after_commit(request: Request, subject: str, body: str, address: str) -> None:
    message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [address])

    def start() -> None:
        thread = threading.Thread(target=_send, args=(request.pk, message), name="persondata-mail")
        with _lock:
            _sending[:] = [t for t in _sending if t.is_alive()]
            _sending.append(thread)
        thread.start()

    transaction.on_commit(start)


def _send(request_id: uuid.UUID, message: EmailMessage) -> None:
    try:
        message.send(fail_silently=False)
    except Exception as exc:  # SMTP, DNS, TLS …: the request stays open; staff can send again
        log.error("e-mail for request %s not sent: %s", request_id, type(exc).__name__)
        try:
            from persondata.requests import services

            with transaction.atomic():
                request = Request.objects.get(pk=request_id)
                services.record_step(
                    request, "mail_failed", "system", timezone.now(), error=type(exc).__name__
                )
        finally:
            connection.close()


def wait_for_outbox(timeout: float = 30.0) -> None:
    """Wait until the mail threads started so far have finished (tests, and a CLI command before it exits)."""
    with _lock:
        threads = list(_sending)
    for thread in threads:
        thread.join(timeout)
