"""The e-mails persondata sends to requesters, in Danish and English. They name the request by its reference
only: no personal data beyond the address they are sent to."""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from persondata import runtime
from persondata.core.policy import is_placeholder
from persondata.jobs import outbox
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


_ANSWER = {
    "da": (
        "Svar på din henvendelse {ref}",
        "Vi har besvaret din henvendelse om dine personoplysninger hos {company} (reference {ref}).\n\n"
        "{note}"
        "Du kan hente svaret — brevet og eventuelle filer — via dette link inden for {days} dage:\n\n"
        "{link}\n\n"
        "For at sikre, at svaret kun når dig, beder vi dig skrive den e-mailadresse, denne mail er sendt til. "
        "Linket kan kun åbnes én gang. Har du spørgsmål, er du velkommen til at skrive til {email}.\n",
    ),
    "en": (
        "The answer to your request {ref}",
        "We have answered your request about your personal data at {company} (reference {ref}).\n\n"
        "{note}"
        "You can download the answer — the letter and any files — from this link within {days} days:\n\n"
        "{link}\n\n"
        "To make sure the answer reaches only you, you will be asked for the e-mail address this mail was sent "
        "to. The link opens once. If you have questions, you are welcome to write to {email}.\n",
    ),
}


def answer_link(request: Request, link: str, days: int, note: str) -> tuple[str, str]:
    """The mail with an answer's download link, and the controller's note (if any) above it."""
    controller = runtime.policy().controller
    subject, body = _ANSWER.get(request.language, _ANSWER["da"])
    values = {
        "ref": request.reference,
        "company": controller.company,
        "email": controller.email,
        "link": link,
        "days": days,
        "note": f"{note}\n\n" if note else "",
    }
    return subject.format(**values), body.format(**values)


# -- sending ----------------------------------------------------------------------------------------------------
# Mail leaves through the outbox (persondata.jobs.outbox): queued, sealed, in the transaction that causes it, and
# delivered after the commit in the background, so the public form answers as fast whether or not the details
# matched a customer (no SMTP round trip betrays that someone is a customer), and a slow or failing mail server
# never holds a staff page. A failure is logged by type only (its text may hold the address), retried with
# backoff, and — on the first failure of a request's mail — recorded as a step of the request, so staff see it
# and can send again. Without SMTP the mail is held in the outbox (``persondata outbox list``).
def queue(about: str, subject: str, body: str, address: str, *, request: Request | None = None) -> None:
    """Queue an e-mail to ``address`` about ``about`` (``customer:<hex>``, ``controller``)."""
    payload = {
        "to": address,
        "subject": subject,
        "body": body,
        "request": str(request.pk) if request else None,
    }
    outbox.put("mail", about, payload)


def send_after_commit(request: Request, subject: str, body: str, address: str) -> None:
    """A requester's mail: about the customer on file (dropped with the customer's data if they are erased)."""
    queue(outbox.subject("customer", str(request.customer_id)), subject, body, address, request=request)


def sender() -> str:
    """The mail's sender: ``$PERSONDATA_MAIL_FROM`` if set, else the data controller's e-mail in the policy (the
    address customers are told to write to), else ``persondata@localhost`` until the setup has given one."""
    if settings.DEFAULT_FROM_EMAIL:
        return str(settings.DEFAULT_FROM_EMAIL)
    email = runtime.policy().controller.email
    return "persondata@localhost" if is_placeholder(email) else email


def deliver(message: outbox.Message) -> None:
    """The outbox's ``mail`` handler: send one e-mail with the configured backend (raises to retry)."""
    data = message.payload
    email = EmailMessage(data["subject"], data["body"], sender(), [data["to"]])
    try:
        email.send(fail_silently=False)
    except outbox.Held:
        raise
    except Exception as exc:  # SMTP, DNS, TLS …: the outbox tries again; staff see it on the request
        log.error("e-mail for request %s not sent: %s", data.get("request") or "-", type(exc).__name__)
        if data.get("request") and message.attempts == 1:
            _record_failure(uuid.UUID(data["request"]), type(exc).__name__)
        raise


def _record_failure(request_id: uuid.UUID, error: str) -> None:
    from persondata.requests import services

    with transaction.atomic():
        request = Request.objects.filter(pk=request_id).first()
        if request is not None:
            services.record_step(request, "mail_failed", "system", timezone.now(), error=error)
