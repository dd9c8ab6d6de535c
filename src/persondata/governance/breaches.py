"""The breach register (GDPR Art. 33–34; RULES R16): record a breach, keep it up to date, read its clock.

The clock: Datatilsynet must be notified without undue delay and where feasible within 72 hours of the company
becoming aware (Art. 33(1)); the hours run straight through nights, weekends, holidays and the change of clocks
(:func:`persondata.core.calendar.breach_notification_deadline`, 1182/71 Art. 3(3)). A notification after the
deadline needs the reasons for the delay; a breach not notified needs the reasons why it is unlikely to result in a
risk. Customers are told directly when the risk to them is high (Art. 34), in their language.

Every breach is kept, notified or not (Art. 33(5)); there is no delete. Each change is audited by the names of the
fields changed. Registering a breach e-mails the data controller through the outbox with the deadline.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from persondata import runtime
from persondata.access import permissions
from persondata.access.actor import Actor
from persondata.access.errors import NotFound
from persondata.audit import services as audit
from persondata.core.calendar import COPENHAGEN, breach_notification_deadline, breach_notified_in_time
from persondata.core.formats import format_date, format_time
from persondata.core.sensitive import check_free_text
from persondata.governance.errors import GovernanceError
from persondata.governance.models import KINDS, RISK_HIGH, RISK_UNLIKELY, RISKS, Breach
from persondata.refusals import refusal_text
from persondata.requests import mail

TEXTS = (
    "nature",
    "consequences",
    "measures_taken",
    "measures_planned",
    "delay_reason",
    "not_notified_reason",
    "customers_not_told_reason",
    "letter_da",
    "letter_en",
)
TIMES = ("discovered_at", "occurred_at", "notified_at", "customers_told_at")
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)  # no time of a breach lies before it
FIELDS = (*TIMES, *TEXTS, "kinds", "categories", "customers_affected", "records_affected", "risk",
          "authority_reference")  # fmt: skip
MAX_TEXT = 10_000

#: each field in words, at the start of a refusal's sentence (the error keeps the key for the form and the API)
_FIELD_WORDS: dict[str, Promise] = {
    "discovered_at": _("The time of discovery"),
    "occurred_at": _("The time the breach occurred"),
    "notified_at": _("The time of the notification to Datatilsynet"),
    "customers_told_at": _("The time the customers were told"),
    "nature": _("The description of the breach"),
    "consequences": _("The likely consequences"),
    "measures_taken": _("The measures taken"),
    "measures_planned": _("The measures planned"),
    "delay_reason": _("The reasons for the delay"),
    "not_notified_reason": _("The reasons for not notifying"),
    "customers_not_told_reason": _("The reasons for not telling the customers"),
    "letter_da": _("The letter in Danish"),
    "letter_en": _("The letter in English"),
    "kinds": _("The kind of breach"),
    "categories": _("The categories of data"),
    "customers_affected": _("The number of customers affected"),
    "records_affected": _("The number of records affected"),
    "risk": _("The risk"),
    "authority_reference": _("Datatilsynet's case number"),
}


def _field(name: str) -> str:
    """``name`` in words, to begin a sentence."""
    words = _FIELD_WORDS.get(name)
    return name if words is None else str(words)


@dataclass(frozen=True)
class Clock:
    """Where a breach stands against its 72 hours. ``state``: open, overdue, notified, notified_late,
    not_notified (documented only, Art. 33(5))."""

    deadline: datetime  # in Danish time
    hours_left: float  # real hours until the deadline from ``now``; negative once it has passed
    state: str

    @property
    def urgent(self) -> bool:
        return self.state in ("open", "overdue")


def notification_deadline(discovered_at: datetime) -> datetime:
    """The 72-hour deadline, in Danish time (R16)."""
    return breach_notification_deadline(discovered_at.astimezone(COPENHAGEN))


def clock(breach: Breach, now: datetime) -> Clock:
    deadline = notification_deadline(breach.discovered_at)
    # in UTC: two datetimes of the same zone subtract as wall clocks in Python, an hour off across DST
    left = (deadline.astimezone(UTC) - now.astimezone(UTC)).total_seconds() / 3600
    if breach.notified_at is not None:
        late = not breach_notified_in_time(breach.discovered_at, breach.notified_at)
        return Clock(deadline, left, "notified_late" if late else "notified")
    if breach.risk == RISK_UNLIKELY and breach.not_notified_reason:
        return Clock(deadline, left, "not_notified")
    return Clock(deadline, left, "overdue" if left < 0 else "open")


def deadline_words(deadline: datetime, lang: str) -> str:
    """``tirsdag den 28. oktober 2025 kl. 13.00`` / ``Tuesday 28 October 2025, 13:00`` (Danish time)."""
    day, at = format_date(deadline, lang, weekday=True), format_time(deadline, lang)
    return f"{day} kl. {at}" if lang == "da" else f"{day}, {at}"


def require_manager(actor: Actor) -> None:
    permissions.require(actor, permissions.MANAGE_BREACHES)


# -- validation ----------------------------------------------------------------------------------------------
def _time(name: str, value: Any, now: datetime) -> datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise GovernanceError(
            name,
            gettext("%(field)s needs a date and a time with its time zone, e.g. 2025-10-25T14:00+02:00.")
            % {"field": _field(name)},
        )
    if value > now:
        raise GovernanceError(
            name,
            gettext("%(field)s lies in the future: give the time it happened.") % {"field": _field(name)},
        )
    if value < EARLIEST:  # a typing error: and before 1894, Danish time was not a whole hour ahead of UTC
        raise GovernanceError(
            name,
            gettext("%(field)s lies before 1900: give the time it happened, e.g. 2025-10-25T14:00+02:00.")
            % {"field": _field(name)},
        )
    return value


def _count(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise GovernanceError(
            name,
            gettext("%(field)s must be a whole number, 0 or more (an estimate is fine).")
            % {"field": _field(name)},
        )
    return int(value)


def _clean(values: Mapping[str, Any], breach: Breach, now: datetime) -> list[str]:
    """Apply ``values`` to ``breach`` after checking each; return the names of the fields that changed."""
    if unknown := sorted(set(values) - set(FIELDS)):
        raise GovernanceError(
            unknown[0],
            gettext("“%(name)s” is not a field of a breach; the fields are %(fields)s.")
            % {"name": unknown[0], "fields": ", ".join(FIELDS)},
        )
    clean: dict[str, Any] = {}
    for name, value in values.items():
        if name in TIMES:
            clean[name] = _time(name, value, now)
        elif name in TEXTS:
            text = str(value or "").strip()
            if len(text) > MAX_TEXT:
                raise GovernanceError(
                    name,
                    gettext("%(field)s is %(n)s characters: keep it under %(max)s.")
                    % {"field": _field(name), "n": len(text), "max": MAX_TEXT},
                )
            if (refusal := check_free_text(text)) is not None:
                raise GovernanceError(
                    name,
                    gettext("%(field)s %(problem)s.")
                    % {"field": _field(name), "problem": refusal_text(refusal)},
                )
            clean[name] = text
        elif name in ("customers_affected", "records_affected"):
            clean[name] = _count(name, value)
        elif name == "kinds":
            if bad := sorted(set(value) - set(KINDS)):
                raise GovernanceError(
                    name,
                    gettext("“%(kind)s” is not a kind of breach; choose from %(kinds)s.")
                    % {"kind": bad[0], "kinds": ", ".join(KINDS)},
                )
            clean[name] = [k for k in KINDS if k in set(value)]
        elif name == "categories":
            declared = runtime.policy().categories
            if bad := sorted(set(value) - set(declared)):
                raise GovernanceError(
                    name,
                    gettext("“%(category)s” is not a category of the policy file.") % {"category": bad[0]},
                )
            clean[name] = [k for k in declared if k in set(value)]
        elif name == "risk":
            if value not in dict(RISKS):
                raise GovernanceError(
                    name, gettext("Choose the risk from %(risks)s.") % {"risks": ", ".join(dict(RISKS))}
                )
            clean[name] = value
        else:  # authority_reference
            clean[name] = str(value or "").strip()[:60]
    changed = [n for n in FIELDS if n in clean and getattr(breach, n) != clean[n]]
    for name in changed:
        setattr(breach, name, clean[name])
    _check_whole(breach)
    return changed


def _check_whole(breach: Breach) -> None:
    """The rules between fields (Art. 33(1), 33(5), 34)."""
    if breach.discovered_at is None:
        raise GovernanceError("discovered_at", gettext("Say when the company became aware of the breach."))
    if not breach.nature:
        raise GovernanceError("nature", gettext("Describe what happened (Art. 33(3)(a))."))
    if breach.occurred_at and breach.occurred_at > breach.discovered_at:
        raise GovernanceError(
            "occurred_at", gettext("The breach cannot have occurred after it was discovered.")
        )
    for name in ("notified_at", "customers_told_at"):
        at = getattr(breach, name)
        if at is not None and at < breach.discovered_at:
            raise GovernanceError(
                name, gettext("%(field)s is before the breach was discovered.") % {"field": _field(name)}
            )
    notified = breach.notified_at
    if notified and not breach_notified_in_time(breach.discovered_at, notified) and not breach.delay_reason:
        raise GovernanceError(
            "delay_reason",
            gettext("The notification came after 72 hours: give the reasons for the delay (Art. 33(1))."),
        )
    if breach.customers_told_at and not (breach.letter_da or breach.letter_en):
        raise GovernanceError("letter_da", gettext("Keep the letter the customers were sent (Art. 34(2))."))


# -- changes -------------------------------------------------------------------------------------------------
def _next_reference(now: datetime) -> str:
    year = now.astimezone(COPENHAGEN).year
    prefix = f"BR-{year}-"
    taken = Breach.objects.filter(reference__startswith=prefix).count()
    return f"{prefix}{taken + 1:03d}"


def record_breach(actor: Actor, values: Mapping[str, Any], *, now: datetime) -> Breach:
    """Register a breach; e-mails the controller the deadline. Call inside the entry point's transaction."""
    require_manager(actor)
    breach = Breach(created_at=now, updated_at=now, created_by_id=actor.user_id)
    changed = _clean(values, breach, now)
    breach.reference = _next_reference(now)
    breach.save()
    audit.record(
        "breach.create",
        actor=actor.code,
        target=str(breach.id),
        details={"reference": breach.reference, "fields": changed},
        now=now,
    )
    _mail_controller(breach)
    return breach


def update_breach(actor: Actor, breach_id: uuid.UUID, values: Mapping[str, Any], *, now: datetime) -> Breach:
    require_manager(actor)
    breach = Breach.objects.select_for_update().filter(pk=breach_id).first()
    if breach is None:
        raise NotFound("no such breach")
    changed = _clean(values, breach, now)
    if changed:
        breach.updated_at = now
        breach.save()
        audit.record(
            "breach.update",
            actor=actor.code,
            target=str(breach.id),
            details={"reference": breach.reference, "fields": changed},
            now=now,
        )
    return breach


def get_breach(actor: Actor, breach_id: uuid.UUID) -> Breach:
    require_manager(actor)
    breach = Breach.objects.filter(pk=breach_id).first()
    if breach is None:
        raise NotFound("no such breach")
    return breach


def list_breaches(actor: Actor) -> list[Breach]:
    require_manager(actor)
    return list(Breach.objects.all())


def open_breaches(now: datetime) -> list[tuple[Breach, Clock]]:
    """Breaches still waiting for a notification or a decision not to notify, most urgent first (the dashboard)."""
    rows = [(b, clock(b, now)) for b in Breach.objects.filter(notified_at__isnull=True)]
    return sorted((r for r in rows if r[1].urgent), key=lambda r: r[1].deadline)


def needs_letter(breach: Breach) -> bool:
    """Art. 34: a high risk to the customers, and they have not been told nor a reason given why not."""
    return (
        breach.risk == RISK_HIGH and breach.customers_told_at is None and not breach.customers_not_told_reason
    )


# -- the mail to the controller ------------------------------------------------------------------------------
_MAIL = (
    "persondata: brud på persondatasikkerheden {ref} – anmeld senest {due_da} / breach {ref}: notify by {due_en}",
    "Et brud på persondatasikkerheden er registreret: {ref}.\n"
    "Datatilsynet skal have anmeldelsen uden unødig forsinkelse og om muligt senest {due_da} "
    "(72 timer efter, at bruddet blev opdaget), medmindre det er usandsynligt, at bruddet indebærer en risiko "
    "for kunderne (GDPR art. 33).\n\n"
    "A personal data breach has been registered: {ref}.\n"
    "Datatilsynet must be notified without undue delay and where feasible by {due_en} (72 hours after it was "
    "discovered), unless the breach is unlikely to result in a risk to the customers (GDPR Art. 33).\n\n"
    "Åbn / Open: {url}/governance/breaches/{id}/\n",
)


def _mail_controller(breach: Breach) -> None:
    address = runtime.policy().controller.email
    if not address or "<<" in address or "@" not in address:
        return  # the policy check reports the missing address; the dashboard still shows the clock
    deadline = notification_deadline(breach.discovered_at)
    values = {
        "ref": breach.reference,
        "id": breach.id,
        "due_da": deadline_words(deadline, "da"),
        "due_en": deadline_words(deadline, "en"),
        "url": settings.PERSONDATA_PUBLIC_URL,
    }
    mail.queue("controller", _MAIL[0].format(**values), _MAIL[1].format(**values), address)
