"""The e-mails persondata sends to requesters, in Danish and English. They name the request by its reference
only: no personal data beyond the address they are sent to."""

from __future__ import annotations

from persondata import runtime
from persondata.rights.models import Request

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
