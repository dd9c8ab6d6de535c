"""Disclosures: every transfer of customer data to a partner — who received what, when, why, and whose data.

Recorded here:

* each **webhook notice** the partner's endpoint accepted, and each notice the controller **ticked off** (telling
  a partner of a rectification, erasure or restriction passes the customer number and the new values on: Art. 19);
* **exports** staff make for a partner, and transfers recorded **by hand** (a file handed over, a phone call);
* **standing** disclosures: the partner runs a system that holds every customer's data (the order processing
  system, say), from a date on.

The records answer, for one customer, which partners received their data (:func:`received_by`): the access
answer (Art. 15(1)(c)) and the Art. 19 notices name exactly those — through the requests' ``recipients`` hook,
which the partners app fills (``requests`` sits below ``partners``). While nothing has been recorded at all the
hook answers None and the requests fall back to the policy file's general list (the recipients to whom the data
"will be disclosed", Art. 15(1)(c)).

Records hold partner keys, category and purpose codes and pseudonymous customer ids only. They are not changed
once written; a record made by mistake by hand may be deleted (audited).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from persondata import runtime
from persondata.access import permissions
from persondata.access.actor import Actor
from persondata.access.errors import NotFound
from persondata.audit import services as audit
from persondata.core.calendar import legal_date
from persondata.partners import agreements
from persondata.partners.errors import PartnerError
from persondata.partners.models import DisclosedCustomer, Disclosure

ART19 = "art19"
MAX_CUSTOMERS = 100_000  # per record; a bigger export is recorded as several


def _check(partner_key: str, categories: Iterable[str], purpose: str) -> tuple[str, list[str]]:
    partner = agreements.partner_of(partner_key)
    policy = runtime.policy()
    chosen = sorted(set(categories))
    if not chosen:
        raise PartnerError("categories", _("Name at least one category of data that was passed on."))
    if unknown := sorted(set(chosen) - set(policy.categories)):
        raise PartnerError(
            "categories",
            _("These categories are not declared in the policy file: %(unknown)s.")
            % {"unknown": ", ".join(unknown)},
        )
    if not_received := sorted(set(chosen) - partner.receives):
        raise PartnerError(
            "categories",
            _(
                "The policy file does not let %(partner)s receive %(categories)s: add it to "
                "partners.%(partner)s.receives first, or correct the record."
            )
            % {"partner": partner.key, "categories": ", ".join(not_received)},
        )
    if purpose != ART19 and purpose not in policy.purposes:
        raise PartnerError(
            "purpose",
            _("The purpose must be a purpose of the policy file (%(purposes)s).")
            % {"purposes": ", ".join(policy.purposes)},
        )
    if purpose != ART19 and purpose not in partner.purposes:
        raise PartnerError(
            "purpose",
            _("%(partner)s does not work for %(purpose)s (partners.%(partner)s.purposes).")
            % {"partner": partner.key, "purpose": purpose},
        )
    return partner.name, chosen


def record(
    partner_key: str,
    *,
    categories: Iterable[str],
    channel: str,
    purpose: str,
    customer_ids: Iterable[uuid.UUID] = (),
    standing: bool = False,
    occurred_at: datetime,
    now: datetime,
    actor: Actor | str = "system",
) -> Disclosure:
    """Record one transfer (inside the caller's transaction). The entry points check the permission."""
    name, chosen = _check(partner_key, categories, purpose)
    ids = sorted(set(customer_ids))
    if standing == bool(ids):
        raise PartnerError(
            "customers", _("Name the customers whose data went, or mark it as standing (every customer).")
        )
    if len(ids) > MAX_CUSTOMERS:
        raise PartnerError(
            "customers",
            _("At most %(max)s customers a record: record a bigger export in parts.")
            % {"max": MAX_CUSTOMERS},
        )
    if occurred_at > now:
        raise PartnerError("occurred_at", _("The time of the transfer must not lie in the future."))
    disclosure = Disclosure.objects.create(
        partner_key=partner_key,
        partner_name=name,
        occurred_at=occurred_at,
        channel=channel,
        purpose=purpose,
        categories=chosen,
        standing=standing,
        customer_count=len(ids),
        recorded_at=now,
        recorded_by_id=actor.user_id if isinstance(actor, Actor) else None,
    )
    DisclosedCustomer.objects.bulk_create(
        [DisclosedCustomer(disclosure=disclosure, customer_id=c) for c in ids], batch_size=2000
    )
    audit.record(
        "partner.disclosure_create",
        actor=actor.code if isinstance(actor, Actor) else actor,
        target=str(disclosure.id),
        details={
            "partner": partner_key,
            "channel": channel,
            "purpose": purpose,
            "categories": chosen,
            "customers": "all" if standing else len(ids),
        },
        now=now,
    )
    return disclosure


def record_by_hand(
    actor: Actor,
    partner_key: str,
    *,
    categories: Iterable[str],
    purpose: str,
    customer_ids: Iterable[uuid.UUID] = (),
    standing: bool = False,
    export: bool = False,
    occurred_at: datetime,
    now: datetime,
) -> Disclosure:
    """Staff record a transfer they made (``export``: a file made for the partner). An export to a partner
    without a complete, current processor agreement is refused: no disclosure path sends it data."""
    permissions.require(actor, permissions.MANAGE_PARTNERS)
    if export and (reason := agreements.hold_reason(partner_key, legal_date(now))):
        raise PartnerError(
            "partner",
            _("%(partner)s has no complete, current processor agreement (%(reason)s): nothing may go to it.")
            % {"partner": partner_key, "reason": reason},
        )
    return record(
        partner_key,
        categories=categories,
        channel="export" if export else "manual",
        purpose=purpose,
        customer_ids=customer_ids,
        standing=standing,
        occurred_at=occurred_at,
        now=now,
        actor=actor,
    )


def delete(actor: Actor, disclosure_id: uuid.UUID, *, now: datetime) -> None:
    """Remove a record made by mistake by hand (those of webhooks and ticks stay: they are the evidence)."""
    permissions.require(actor, permissions.MANAGE_PARTNERS)
    disclosure = Disclosure.objects.filter(pk=disclosure_id).first()
    if disclosure is None:
        raise NotFound(_("No such disclosure."))
    if disclosure.channel == "webhook" or disclosure.purpose == ART19:
        raise PartnerError("disclosure", _("A notice's record is evidence of telling the partner and stays."))
    partner = disclosure.partner_key
    disclosure.delete()
    audit.record(
        "partner.disclosure_delete",
        actor=actor.code,
        target=str(disclosure_id),
        details={"partner": partner},
        now=now,
    )


def listing(actor: Actor, partner_key: str | None = None) -> QuerySet[Disclosure]:
    permissions.require(actor, permissions.MANAGE_PARTNERS)
    query = Disclosure.objects.order_by("-occurred_at")
    return query.filter(partner_key=partner_key) if partner_key else query


def received_by(customer_id: uuid.UUID) -> dict[str, frozenset[str]] | None:
    """The partners that received this customer's data and which categories, from the records (standing ones
    included); None while nothing has been recorded at all (see the module's docstring)."""
    if not Disclosure.objects.exists():
        return None
    found: dict[str, set[str]] = {}
    rows = Disclosure.objects.filter(standing=True).values_list("partner_key", "categories")
    named = Disclosure.objects.filter(customers__customer_id=customer_id).values_list(
        "partner_key", "categories"
    )
    for key, categories in [*rows, *named]:
        found.setdefault(key, set()).update(categories)
    return {k: frozenset(v) for k, v in found.items()}
