"""Processor agreements (GDPR Art. 28; RULES R14): the clauses, and whether an agreement is complete and current.

An agreement is recorded per partner (``persondata.partners``); this module decides, without Django, what the
record proves: each clause of Art. 28(3)(a)–(h) present, a review not overdue, the signed document attached,
and for processing outside the EU/EEA (by the partner or a sub-processor) a transfer basis of Chapter V — an
adequacy decision the Commission has actually made, or standard contractual clauses with their date, or binding
corporate rules. A partner that receives customer data without such an agreement is an error of ``policy
check``; no disclosure path sends it data (its webhook notices are held), and the printed policy claims an
agreement only for the partners that have one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Final

from persondata.core.policy import Policy, Text
from persondata.core.policy_check import ADEQUATE, EU_EEA, Finding

#: GDPR Art. 28(3)(a)–(h): what the contract must stipulate, in short (the page shows it next to each box).
CLAUSES: Final[dict[str, Text]] = {
    "a": Text(
        "behandler kun personoplysninger efter dokumenteret instruks fra den dataansvarlige, også ved "
        "overførsel til tredjelande",
        "processes the personal data only on documented instructions from the controller, including "
        "transfers to third countries",
    ),
    "b": Text(
        "sikrer, at de personer, der behandler oplysningerne, har tavshedspligt",
        "ensures that persons authorised to process the data are bound by confidentiality",
    ),
    "c": Text(
        "træffer alle sikkerhedsforanstaltninger efter artikel 32",
        "takes all the security measures required by Article 32",
    ),
    "d": Text(
        "bruger kun underdatabehandlere med den dataansvarliges tilladelse og på samme vilkår (stk. 2 og 4)",
        "engages sub-processors only with the controller's authorisation and on the same terms "
        "(paragraphs 2 and 4)",
    ),
    "e": Text(
        "bistår den dataansvarlige med at besvare de registreredes anmodninger om deres rettigheder",
        "assists the controller in answering data subjects' requests to exercise their rights",
    ),
    "f": Text(
        "bistår den dataansvarlige med forpligtelserne i artikel 32–36 (sikkerhed, brud, konsekvensanalyse)",
        "assists the controller with the obligations of Articles 32–36 (security, breaches, impact "
        "assessments)",
    ),
    "g": Text(
        "sletter eller tilbageleverer alle personoplysninger, når tjenesten ophører",
        "deletes or returns all personal data when the services end",
    ),
    "h": Text(
        "stiller alle oplysninger til rådighed, der viser overholdelse, og giver mulighed for revision",
        "makes available all information needed to demonstrate compliance and allows for audits",
    ),
}
SAFEGUARDS: Final = ("adequacy", "scc", "bcr")


@dataclass(frozen=True, slots=True)
class SubProcessor:
    name: str
    country: str


@dataclass(frozen=True, slots=True)
class AgreementFacts:
    """What the record of one partner's processor agreement says (no personal data: a company's contract)."""

    partner_key: str
    signed_on: date
    version: str
    next_review: date
    country: str
    clauses: frozenset[str]
    sub_processors: tuple[SubProcessor, ...] = ()
    safeguard: str | None = None  # adequacy | scc | bcr: the Chapter V basis of a transfer outside the EU/EEA
    safeguard_date: date | None = None  # the date of the SCCs signed (or of the decision relied on)
    has_document: bool = False

    @property
    def third_countries(self) -> tuple[str, ...]:
        """Where the data goes outside the EU/EEA: the partner's country and its sub-processors'."""
        found = {self.country, *(s.country for s in self.sub_processors)} - EU_EEA
        return tuple(sorted(found))


@dataclass(frozen=True, slots=True)
class Problem:
    code: str  # missing | clauses | document | review | safeguard
    message: Text


def problems(facts: AgreementFacts | None, today: date) -> list[Problem]:
    """Why this agreement does not (yet) cover the partner's processing; [] when it is complete and current."""
    if facts is None:
        return [
            Problem(
                "missing",
                Text("ingen databehandleraftale er registreret", "no processor agreement is recorded"),
            )
        ]
    found: list[Problem] = []
    missing = sorted(set(CLAUSES) - facts.clauses)
    if missing:
        letters = ", ".join(missing)
        found.append(
            Problem(
                "clauses",
                Text(
                    f"aftalen mangler art. 28, stk. 3, litra {letters}",
                    f"the agreement lacks Art. 28(3)({')('.join(missing)})",
                ),
            )
        )
    if not facts.has_document:
        found.append(
            Problem(
                "document",
                Text("den underskrevne aftale er ikke vedhæftet", "the signed agreement is not attached"),
            )
        )
    if facts.next_review < today:
        when = facts.next_review.isoformat()
        found.append(
            Problem(
                "review",
                Text(
                    f"aftalen skulle have været gennemgået senest {when}",
                    f"the agreement was due for review on {when}",
                ),
            )
        )
    found.extend(_transfer_problems(facts))
    return found


def _transfer_problems(facts: AgreementFacts) -> Iterable[Problem]:
    third = facts.third_countries
    if not third:
        return
    where = ", ".join(third)
    if facts.safeguard is None:
        yield Problem(
            "safeguard",
            Text(
                f"oplysningerne behandles uden for EU/EØS ({where}) uden et overførselsgrundlag (kapitel V)",
                f"the data is processed outside the EU/EEA ({where}) without a transfer basis (Chapter V)",
            ),
        )
    elif facts.safeguard == "adequacy" and (lacking := sorted(set(third) - ADEQUATE)):
        yield Problem(
            "safeguard",
            Text(
                f"Kommissionen har ingen tilstrækkelighedsafgørelse for {', '.join(lacking)}",
                f"the Commission has made no adequacy decision for {', '.join(lacking)}",
            ),
        )
    elif facts.safeguard in ("scc", "bcr") and facts.safeguard_date is None:
        yield Problem(
            "safeguard",
            Text(
                "angiv datoen for standardkontraktbestemmelserne (eller de bindende virksomhedsregler)",
                "give the date of the standard contractual clauses (or the binding corporate rules)",
            ),
        )


def cleared(facts: AgreementFacts | None, today: date) -> bool:
    """True when the partner may receive data: a complete, current agreement."""
    return not problems(facts, today)


def agreement_findings(
    policy: Policy, agreements: Mapping[str, AgreementFacts], today: date
) -> list[Finding]:
    """``policy check``'s errors from the agreement records (RULES R14): every partner receiving data needs a
    complete, current agreement, and the policy file may not declare a place or a basis the records do not show."""
    findings: list[Finding] = []
    for partner in policy.partners:
        if not partner.receives:
            continue
        key = f"partners.{partner.key}"
        facts = agreements.get(partner.key)
        found = problems(facts, today)
        if found:
            findings.append(
                Finding(
                    "error",
                    "partner-agreement",
                    key,
                    Text(
                        f"Samarbejdspartneren »{partner.key}« modtager kundeoplysninger, men "
                        + "; ".join(p.message.da for p in found)
                        + " (databeskyttelsesforordningen artikel 28). Der sendes ikke oplysninger til den.",
                        f"The partner '{partner.key}' receives customer data, but "
                        + "; ".join(p.message.en for p in found)
                        + " (GDPR Article 28). No data is sent to it.",
                    ),
                    Text(
                        "Registrér en fuldstændig, gældende databehandleraftale under Samarbejdspartnere → "
                        f"Databehandleraftaler (eller: persondata partners agreement-set {partner.key}).",
                        "Record a complete, current processor agreement under Partners → Processor "
                        f"agreements (or: persondata partners agreement-set {partner.key}).",
                    ),
                )
            )
        if facts is not None:
            findings.extend(_unsupported(partner.key, partner.country, partner.safeguard, facts))
    return findings


def _unsupported(key: str, country: str, safeguard: str | None, facts: AgreementFacts) -> Iterable[Finding]:
    """The policy file says where and on which basis; the printed policy must not state what the record lacks."""
    if country != facts.country:
        yield Finding(
            "error",
            "partner-agreement-country",
            f"partners.{key}.country",
            Text(
                f"Politikfilen siger, at »{key}« behandler oplysningerne i {country}, men aftalen siger "
                f"{facts.country}.",
                f"The policy file says '{key}' processes the data in {country}, but the agreement says "
                f"{facts.country}.",
            ),
            Text(
                f"Ret partners.{key}.country i politikfilen eller aftalens land, så de stemmer.",
                f"Correct partners.{key}.country or the agreement's country so that they agree.",
            ),
        )
    if safeguard is not None and safeguard != facts.safeguard:
        yield Finding(
            "error",
            "partner-agreement-safeguard",
            f"partners.{key}.safeguard",
            Text(
                f"Politikfilen angiver overførselsgrundlaget »{safeguard}« for »{key}«, men aftalen "
                "dokumenterer det ikke.",
                f"The policy file states the transfer basis '{safeguard}' for '{key}', but the agreement "
                "does not record it.",
            ),
            Text(
                "Registrér grundlaget (og datoen) på aftalen, eller fjern det fra politikfilen.",
                "Record the basis (and its date) on the agreement, or remove it from the policy file.",
            ),
        )
