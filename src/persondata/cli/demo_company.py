"""The demo company after ``persondata init --demo N``: its first deletion run, said in words, and something on
every page — customers' requests, a legal hold, a partner notice, processor agreements, a breach, an IT system —
made through the real services by a demo staff actor built from the controller login. All of it synthetic."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from persondata import demo, runtime
from persondata.access.actor import Actor, roles_of
from persondata.core.agreements import CLAUSES
from persondata.core.calendar import legal_date
from persondata.governance import breaches
from persondata.partners import agreements
from persondata.register.models import Customer
from persondata.requests import intake, services
from persondata.requests.answers import answering, restriction
from persondata.requests.models import Request
from persondata.retention import holds
from persondata.retention.schedule import relevance_months
from persondata.retention.sweep import SweepRefused, sweep
from persondata.retention.sweep_report import SweepReport
from persondata.systems import services as systems

#: the purpose the demo staff actor answers requests for (a purpose of the default policy's controller role)
PURPOSE = "rights_requests"
#: the customers the sample requests concern, and a demo size that leaves that many after the first run
PEOPLE = 5
MINIMUM = 50
#: a stand-in for a signed agreement's PDF: the demo stores no real document
DEMO_PDF = b"%PDF-1.4\n% demo: a synthetic processor agreement, no real document\n%%EOF\n"


def first_sweep(now: datetime) -> list[str]:
    """The first retention run, as the daily job runs it (actor "system"), and what it deleted in plain lines."""
    try:
        return deletion_lines(sweep(now=now, dry_run=False, actor="system"))
    except SweepRefused as exc:
        return [
            _(
                "the first deletion run did not run (%(reason)s); the daily job runs it — see the Retention page"
            )
            % {"reason": exc}
        ]


def deletion_lines(report: SweepReport) -> list[str]:
    """What a run deleted and why, one line per reason: counts only, never whose data."""
    policy = runtime.policy()
    lines: list[str] = []
    if n := report.counts["contact"]:
        months = relevance_months(policy, "contact")
        whole = report.counts["customers_removed"]
        lines.append(
            _(
                "the first deletion run removed the contact data and order history of %(count)s demo customers "
                "whose data was past its retention (customer relationship ended more than %(months)s months ago); "
                "%(whole)s of them had nothing left to keep and were removed entirely — see the Retention page"
            )
            % {"count": n, "months": months, "whole": whole}
        )
    if report.claims_barred or report.restricted:
        lines.append(
            _(
                "it also removed the contact data of %(count)s customers whose unpaid invoices are time-barred "
                "(%(years)s years from the due date)"
            )
            % {"count": report.claims_barred or report.restricted, "years": policy.retention.claim_years}
        )
    if n := report.counts["invoices"] + report.counts["payments"]:
        lines.append(
            _(
                "and %(count)s invoices and payments past the bookkeeping act's %(years)s years from the end of "
                "their financial year"
            )
            % {"count": n, "years": policy.retention.bookkeeping_years}
        )
    return lines or [_("the first deletion run found nothing past its retention — see the Retention page")]


def demo_actor(username: str) -> Actor:
    """The controller login as a staff actor answering requests (the demo is set up before anyone logs in, so the
    declarations gate, which asks a person, is not asked here)."""
    user = get_user_model().objects.get(username=username)
    return Actor(int(user.pk), roles_of(user), PURPOSE, "cli")


def _live(records: Iterator[dict[str, Any]]) -> Iterator[tuple[dict[str, str], uuid.UUID]]:
    """The demo customers the first run left with contact data, with the details a requester would give."""
    for record in records:
        details = {"name": record["name"], "email": record["email"]}
        found = intake.match_candidates(details)
        if (
            found.status == "single"
            and Customer.objects.filter(
                pk=found.ids[0], contact_blob__isnull=False, number_blob__isnull=False
            ).exists()
        ):
            yield details, found.ids[0]


def _take(
    actor: Actor, kind: str, who: tuple[dict[str, str], uuid.UUID], now: datetime, **kw: Any
) -> Request:
    details, cid = who
    request = intake.submit(kind, details, channel="staff", now=now, by=actor, **kw)
    if request.customer_id != cid:
        services.assign_customer(actor, request, cid, now=now)
    return request


def _requests(actor: Actor, people: Iterator[tuple[dict[str, str], uuid.UUID]], now: datetime) -> uuid.UUID:
    """Five open or answered requests; the customer a legal hold goes on."""
    today = legal_date(now)
    overdue = _take(actor, "erasure", next(people), now, received_on=today - timedelta(days=40))
    services.verify_manually(actor, overdue, "phone_callback", now=now)
    waiting = _take(actor, "portability", next(people), now)
    # awaits identity: the link goes to the (reserved example.* domain) address on file, held in the outbox
    services.send_confirmation(waiting, now=now, actor=actor)
    access = _take(actor, "access", next(people), now)
    services.verify_manually(actor, access, "in_person", now=now)
    answering.answer_access(actor, access, now=now)  # the letter is printed after the commit
    rectify = _take(actor, "rectification", next(people), now)
    services.verify_manually(actor, rectify, "phone_callback", now=now)
    # the corrected phone number is passed on to the partners that received it: their notices wait for a tick
    restriction.answer_rectification(actor, rectify, {"phone": "+45 70 00 00 00"}, now=now)
    held = next(people)
    _take(actor, "objection", held, now)
    return held[1]


def _governance(actor: Actor, held_customer: uuid.UUID, now: datetime) -> None:
    today = legal_date(now)
    holds.create_hold(
        customer_id=held_customer,
        reason="Demo: verserende reklamationssag",
        ends_on=today + timedelta(days=180),
        created_by=actor.user_id,
        now=now,
    )
    partners = list(runtime.policy().partners)
    for n, partner in enumerate(partners[:2]):
        clauses = frozenset(CLAUSES) if n == 0 else frozenset(sorted(CLAUSES)[1:])  # the second misses one
        data = agreements.AgreementInput(
            signed_on=today - timedelta(days=200),
            version="1.0",
            next_review=today + timedelta(days=165),
            country=partner.country,
            clauses=clauses,
            document=DEMO_PDF,
        )
        agreements.save_agreement(actor, partner.key, data, now=now)
    breaches.record_breach(
        actor,
        {
            "discovered_at": now - timedelta(hours=20),
            "nature": "Demo: en bærbar computer med et kundeudtræk blev glemt i et tog.",
        },
        now=now,
    )
    system = systems.SystemInput(
        key="erp",
        name="Demo: ordre- og faktureringssystem",
        kind="admin",
        location="DK, eget serverrum",
        owner="Dataansvarlig",
        categories=frozenset({"contact", "customer_number", "order_history", "payment"}),
    )
    systems.save_system(actor, system, now=now)
    for event, level in (("access", 3), ("change", 2), ("disappearance", 2)):
        systems.assess(
            actor,
            "erp",
            event,
            severity=level,
            likelihood=2,
            residual_severity=max(1, level - 1),
            residual_likelihood=1,
            measures="Kryptering, adgangskontrol, daglig backup",
            now=now,
        )


def fill(username: str, n: int, seed: int, now: datetime) -> None:
    """Something on every page, through the real services, in one transaction."""
    actor = demo_actor(username)
    people = list(itertools.islice(_live(demo.customers(n, seed=seed, today=legal_date(now))), PEOPLE))
    if len(people) < PEOPLE:
        print(
            _(
                "the demo has too few customers left after the first deletion run for its sample requests, hold, "
                "notice, agreements, breach and system; give --demo %(minimum)s or more"
            )
            % {"minimum": MINIMUM}
        )
        return
    with transaction.atomic():
        held = _requests(actor, iter(people), now)
        _governance(actor, held, now)
    print(
        _(
            "the demo company has 5 customers' requests (one overdue, one awaiting identity, one answered with its "
            "letter), a legal hold, a partner notice to tick, two processor agreements (one missing a clause), a "
            "breach and an IT system with its risk assessment — see the pages Requests, Retention, Partners, "
            "Governance and IT systems"
        )
    )
