"""Section [11] of the printed policy, the partners, from what the processor-agreement records prove.

The records live in ``persondata.partners``, a floor above: that app gives them to the documents through
:func:`register_agreements` in its ``AppConfig.ready()``. The section then says:

* that the company has a processor agreement with each partner — or names those it has one with — only for an
  agreement on record with every Art. 28(3) clause and the signed document attached (the printed policy never
  reads the clock, so a review falling due later does not change the text; ``policy check`` flags it);
* where each partner processes the data: the agreement's country, else the policy file's;
* for each transfer outside the EU/EEA (the partner's or a sub-processor's) the basis the agreement records, with
  its date — and, where none is recorded, a visible placeholder instead of a claim.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Final

from persondata.core.agreements import AgreementFacts, problems
from persondata.core.formats import format_date
from persondata.core.policy import Partner, Policy
from persondata.core.policy_check import EU_EEA
from persondata.documents.policy_texts import COUNTRIES, TEXTS

Agreements = Mapping[str, AgreementFacts]
_sources: list[Callable[[], Agreements]] = []

#: the new sentences of [11]; the rest of the section's words are in policy_texts.TEXTS
WORDS: Final[dict[str, dict[str, str]]] = {
    "da": {
        "dpa_all": "Vi har indgået en databehandleraftale med hver af dem.",
        "dpa_some": "Vi har indgået en databehandleraftale med {partners}.",
        "head_agreement": "Databehandleraftale",
        "agreement_cell": "Indgået {date} (version {version})",
        "agreement_none": "—",
        "sub_third": (
            "{partner} bruger underdatabehandleren {sub}, som behandler oplysningerne i {country}, uden for "
            "EU/EØS. Overførslen sker på grundlag af {safeguard}."
        ),
        "dated": "{safeguard}, aftalt {date}",
        "and": " og ",
    },
    "en": {
        "dpa_all": "We have a data processing agreement with each of them.",
        "dpa_some": "We have a data processing agreement with {partners}.",
        "head_agreement": "Processing agreement",
        "agreement_cell": "Signed {date} (version {version})",
        "agreement_none": "—",
        "sub_third": (
            "{partner} uses the sub-processor {sub}, which processes the data in {country}, outside the "
            "EU/EEA. The transfer is based on {safeguard}."
        ),
        "dated": "{safeguard}, agreed on {date}",
        "and": " and ",
    },
}


def register_agreements(source: Callable[[], Agreements]) -> None:
    """The partners app gives the recorded agreements (registering again replaces: ``ready()`` may run twice)."""
    _sources[:] = [source]


def recorded_agreements() -> Agreements:
    """The agreements on record; none without the partners app (then the policy claims none)."""
    return _sources[0]() if _sources else {}


def country_name(code: str, lang: str) -> str:
    names = COUNTRIES.get(code)
    return names[("da", "en").index(lang)] if names else code


def proven(facts: AgreementFacts | None) -> bool:
    """The agreement may be claimed: on record, every clause, the signed document (not the clock: see above)."""
    return facts is not None and not problems(facts, date.min)


def country_of(partner: Partner, agreements: Agreements) -> str:
    facts = agreements.get(partner.key)
    return facts.country if facts else partner.country


def _safeguard(partner: Partner, facts: AgreementFacts | None, country: str, lang: str) -> str:
    t = TEXTS[lang]
    basis = facts.safeguard if facts else None
    if basis is None:
        return t["safeguard_missing"].format(country=country, key=partner.key)
    text = t[f"safeguard_{basis}"].format(country=country_name(country, lang))
    if facts is not None and facts.safeguard_date is not None:
        text = WORDS[lang]["dated"].format(safeguard=text, date=format_date(facts.safeguard_date, lang))
    return text


def transfer_sentences(policy: Policy, lang: str, agreements: Agreements) -> list[str]:
    """Art. 13(1)(f), 15(2): each transfer outside the EU/EEA, its country and the basis the agreement records,
    and how to get a copy of the safeguards."""
    t, w = TEXTS[lang], WORDS[lang]
    out, copy = [], False
    for p in policy.partners:
        facts = agreements.get(p.key)
        country = country_of(p, agreements)
        if country not in EU_EEA:
            safeguard = _safeguard(p, facts, country, lang)
            out.append(
                t["s11_third"].format(
                    partner=p.name, country=country_name(country, lang), safeguard=safeguard
                )
            )
        for sub in facts.sub_processors if facts else ():
            if sub.country not in EU_EEA:
                safeguard = _safeguard(p, facts, sub.country, lang)
                out.append(
                    w["sub_third"].format(
                        partner=p.name,
                        sub=sub.name,
                        country=country_name(sub.country, lang),
                        safeguard=safeguard,
                    )
                )
        copy = copy or bool(facts and facts.third_countries and facts.safeguard in ("scc", "bcr"))
    if copy:
        out.append(t["s11_copy"])
    return out


def agreement_sentence(policy: Policy, lang: str, agreements: Agreements) -> str | None:
    """That (and with whom) the company has a processor agreement; None when no agreement can be claimed."""
    w = WORDS[lang]
    with_one = [p.name for p in policy.partners if proven(agreements.get(p.key))]
    if not with_one:
        return None
    if len(with_one) == len(policy.partners):
        return w["dpa_all"]
    names = with_one[0] if len(with_one) == 1 else ", ".join(with_one[:-1]) + w["and"] + with_one[-1]
    return w["dpa_some"].format(partners=names)


def agreement_cell(partner: Partner, lang: str, agreements: Agreements) -> str:
    facts = agreements.get(partner.key)
    if facts is None or not proven(facts):
        return WORDS[lang]["agreement_none"]
    return WORDS[lang]["agreement_cell"].format(
        date=format_date(facts.signed_on, lang), version=facts.version
    )
