"""``policy check``'s findings from the partners' records: the processor agreements (errors, see
:mod:`persondata.core.agreements`) and the gaps in the records of disclosures (warnings)."""

from __future__ import annotations

from datetime import date

from persondata.core.agreements import agreement_findings
from persondata.core.policy import Policy, Text
from persondata.core.policy_check import Finding
from persondata.partners import agreements
from persondata.partners.models import Disclosure


def disclosure_gaps(policy: Policy) -> list[Finding]:
    """Once disclosures are recorded, the answers and the Art. 19 notices name only the partners the records show:
    a partner that receives data by the policy file but has no standing disclosure would be left out of every
    customer's answer whose data was not recorded as sent to it."""
    if not Disclosure.objects.exists():
        return []
    standing = set(Disclosure.objects.filter(standing=True).values_list("partner_key", flat=True))
    return [
        Finding(
            "warning",
            "partner-disclosure-standing",
            f"partners.{p.key}",
            Text(
                f"Videregivelser registreres, og svarene til kunderne nævner kun de samarbejdspartnere, som "
                f"optegnelserne viser; »{p.key}« modtager oplysninger efter politikfilen, men har ingen løbende "
                "videregivelse registreret og udelades derfor af svaret til hver kunde, hvis oplysninger ikke er "
                "registreret som sendt dertil (art. 15, stk. 1, litra c, og art. 19).",
                "Disclosures are recorded, and the answers to customers name only the partners the records show; "
                f"'{p.key}' receives data by the policy file but has no standing disclosure recorded, so it is left "
                "out of the answer to every customer whose data is not recorded as sent to it (Art. 15(1)(c) and "
                "Art. 19).",
            ),
            Text(
                "Registrér en løbende videregivelse, hvis partneren driver et system med alle kunders oplysninger "
                f"(persondata partners disclose {p.key} --standing …).",
                "Record a standing disclosure if the partner runs a system holding every customer's data "
                f"(persondata partners disclose {p.key} --standing …).",
            ),
        )
        for p in policy.partners
        if p.receives and p.key not in standing
    ]


def findings(policy: Policy, today: date) -> list[Finding]:
    return [*agreement_findings(policy, agreements.facts(), today), *disclosure_gaps(policy)]
