"""The record of processing activities (GDPR Art. 30(1); RULES R13), generated from what persondata knows.

Every element (a)–(g) comes from a source that is kept true: the policy file (controller, purposes, categories,
retention, security measures), the processor-agreement records (recipients, where they process, the basis of each
transfer outside the EU/EEA), the disclosures (which recipients actually received data) and the IT systems
inventory (the systems and the evidence of their measures). It is versioned with the policy file: the record
names the policy's version. One context, four renderings: JSON, CSV (one row per item), HTML and the PDF printed
from that HTML, in Danish and English.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import Any, Final

from django.template.loader import render_to_string

from persondata import runtime
from persondata.core.formats import format_date, months_in_words
from persondata.core.policy_check import EU_EEA
from persondata.documents import partner_section
from persondata.documents.policy_texts import TEXTS as POLICY_TEXTS
from persondata.documents.privacy_policy import accounting_period, html_to_pdf
from persondata.partners import agreements
from persondata.partners.models import Disclosure
from persondata.systems import words
from persondata.systems.models import System

FORMATS: Final = ("json", "csv", "html", "pdf")
HEADINGS: Final[dict[str, dict[str, str]]] = {
    "da": {
        "title": "Fortegnelse over behandlingsaktiviteter (databeskyttelsesforordningen artikel 30, stk. 1)",
        "a": "a) Den dataansvarlige og kontaktperson",
        "b": "b) Formålene med behandlingen",
        "c": "c) Kategorier af registrerede og af personoplysninger",
        "d": "d) Kategorier af modtagere",
        "e": "e) Overførsler til tredjelande",
        "f": "f) Tidsfrister for sletning",
        "g": "g) Generel beskrivelse af de tekniske og organisatoriske sikkerhedsforanstaltninger",
        "subjects": "Kunder (fysiske personer), som virksomheden sælger til",
        "no_transfers": "Ingen: alle modtagere behandler oplysningerne inden for EU/EØS.",
        "received": "har modtaget oplysninger ifølge optegnelserne",
        "version": "Udarbejdet efter persondatapolitikken version {version}, {date}.",
        "systems": "IT-systemer",
    },
    "en": {
        "title": "Record of processing activities (GDPR Article 30(1))",
        "a": "(a) The controller and contact person",
        "b": "(b) The purposes of the processing",
        "c": "(c) Categories of data subjects and of personal data",
        "d": "(d) Categories of recipients",
        "e": "(e) Transfers to third countries",
        "f": "(f) Time limits for erasure",
        "g": "(g) General description of the technical and organisational security measures",
        "subjects": "Customers (natural persons) the company sells to",
        "no_transfers": "None: every recipient processes the data within the EU/EEA.",
        "received": "has received data according to the records",
        "version": "Drawn up from the privacy policy version {version}, {date}.",
        "systems": "IT systems",
    },
}


def record_context(lang: str, now: datetime) -> dict[str, Any]:
    """Every element of Art. 30(1), in ``lang``; the JSON is this context."""
    policy = runtime.policy()
    h = HEADINGS[lang]
    c = policy.controller
    facts = agreements.facts()
    received = set(Disclosure.objects.values_list("partner_key", flat=True).distinct())
    cats = policy.categories

    def retention(key: str) -> str:
        months = policy.relevance_months_for(key)
        if months is None:
            return accounting_period(policy, lang)
        return POLICY_TEXTS[lang]["s4_relevance"].format(period=months_in_words(months, lang))

    recipients = []
    for p in policy.partners:
        country = partner_section.country_of(p, facts)
        recipients.append(
            {
                "key": p.key,
                "name": p.name,
                "service": p.service.get(lang),
                "categories": [cats[k].label.get(lang) for k in cats if k in p.receives],
                "country": country,
                "agreement": partner_section.agreement_cell(p, lang, facts),
                "received": h["received"] if p.key in received else "",
            }
        )
    transfers = partner_section.transfer_sentences(policy, lang, facts) or [h["no_transfers"]]
    systems = [
        {
            "name": s.name,
            "location": s.location,
            "measures": [f"{m['name']}: {m['evidence']} ({m['checked_on']})"
                         for m in words.measures(s.measures, lang) if m["in_place"]],
        }
        for s in System.objects.order_by("kind", "key")
    ]  # fmt: skip
    return {
        "lang": lang,
        "title": h["title"],
        "policy_version": policy.version,
        "generated_on": now.date().isoformat(),
        "version_line": h["version"].format(version=policy.version, date=format_date(now.date(), lang)),
        "headings": {k: h[k] for k in "abcdefg"},
        "a_controller": {"company": c.company, "cvr": c.cvr, "address": c.address, "contact": c.name,
                         "email": c.email, "phone": c.phone},
        "b_purposes": [{"purpose": v.label.get(lang), "legal_basis": v.legal_basis.get(lang)}
                       for v in policy.purposes.values()],
        "c_categories": {"data_subjects": [h["subjects"]],
                         "personal_data": [{"category": v.label.get(lang), "description": v.description.get(lang)}
                                           for v in cats.values()]},
        "d_recipients": recipients,
        "e_transfers": transfers,
        "f_erasure": [{"category": cats[k].label.get(lang), "period": retention(k)} for k in cats],
        "g_security": {"measures": [m.text.get(lang) for m in policy.security_measures], "systems": systems,
                       "systems_heading": h["systems"]},
    }  # fmt: skip


def _csv(context: dict[str, Any]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["element", "item", "value"])
    h = context["headings"]
    for key, value in context["a_controller"].items():
        writer.writerow([h["a"], key, value])
    for x in context["b_purposes"]:
        writer.writerow([h["b"], x["purpose"], x["legal_basis"]])
    for s in context["c_categories"]["data_subjects"]:
        writer.writerow([h["c"], "data_subjects", s])
    for x in context["c_categories"]["personal_data"]:
        writer.writerow([h["c"], x["category"], x["description"]])
    for r in context["d_recipients"]:
        writer.writerow([h["d"], r["name"], f"{r['service']} {', '.join(r['categories'])} ({r['country']})"])
    for t in context["e_transfers"]:
        writer.writerow([h["e"], "", t])
    for x in context["f_erasure"]:
        writer.writerow([h["f"], x["category"], x["period"]])
    for m in context["g_security"]["measures"]:
        writer.writerow([h["g"], "", m])
    for s in context["g_security"]["systems"]:
        writer.writerow([h["g"], s["name"], "; ".join(s["measures"])])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def render_record(fmt: str, lang: str, now: datetime) -> bytes:
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    if lang not in HEADINGS:
        raise ValueError("lang must be da or en")
    context = record_context(lang, now)
    if fmt == "json":
        return json.dumps(context, ensure_ascii=False, indent=2).encode("utf-8")
    if fmt == "csv":
        return _csv(context)
    html = render_to_string("systems/record.html", {"r": context, "third": EU_EEA})
    return html.encode("utf-8") if fmt == "html" else html_to_pdf(html)
