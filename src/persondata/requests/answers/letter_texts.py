# long on purpose: the prose of every letter, both languages side by side in one table
"""The wording of the letters that answer customers' requests, in Danish and English.

The *content* — the controller, purposes, categories, partners, periods, the customer's own data — comes from
the policy file and the register; what is here is the prose around it, written to be read by a customer, not a
lawyer, with the article of the GDPR in brackets where it helps. The rights themselves are worded once, in
``persondata.documents.policy_texts`` (the published policy), and reused here so the two can never disagree.

Placeholders in braces are filled by ``persondata.requests.answers.letters`` with ``str.format``.
"""

from __future__ import annotations

from typing import Final

from persondata.documents.policy_texts import DATATILSYNET_COMPLAINT_URL

# The supervisory authority (RULES R20), as published on www.datatilsynet.dk.
DATATILSYNET: Final = {
    "name": "Datatilsynet",
    "address": "Carl Jacobsens Vej 35, 2500 Valby",
    "phone": "+45 33 19 32 00",
    "email": "dt@datatilsynet.dk",
    "website": "https://www.datatilsynet.dk",
    "complaint_url": DATATILSYNET_COMPLAINT_URL,
}

TEXTS: Final[dict[str, dict[str, str]]] = {
    "da": {
        # -- the frame of every letter
        "label_reference": "Reference",
        "label_received": "Modtaget",
        "label_answered": "Besvaret",
        "label_date": "Dato",
        "label_to": "Til",
        "greeting_name": "Kære {name}",
        "greeting": "Kære kunde",
        "closing": "Med venlig hilsen",
        "contact_us": (
            "Har du spørgsmål til svaret, er du velkommen til at kontakte {name} på {email} eller "
            "telefon {phone}. Oplys venligst referencen {ref}."
        ),
        "controller_line": "{company} · CVR-nr. {cvr} · {address}",
        "footer": "{company} · {title} · {ref}",
        "none": "Ingen.",
        "empty_category": "Vi har ingen oplysninger om dig i denne kategori.",
        # -- titles
        "title_information": "Sådan behandler vi dine personoplysninger",
        "title_access": "Svar på din anmodning om indsigt",
        "title_portability": "Svar på din anmodning om dataportabilitet",
        "title_rectification": "Svar på din anmodning om berigtigelse",
        "title_erasure": "Svar på din anmodning om sletning",
        "title_restriction": "Svar på din anmodning om begrænsning af behandling",
        "title_objection": "Svar på din indsigelse",
        "title_other": "Svar på din henvendelse",
        "title_extension": "Vi har brug for mere tid til at svare dig",
        "title_refusal": "Afslag på din anmodning",
        "title_no_data": "Svar på din anmodning: vi har ingen oplysninger om dig",
        "no_data_p": (
            "Vi modtog din anmodning {received}. Vi har søgt i alle vores systemer ud fra de oplysninger, du "
            "gav os, og kan bekræfte, at vi ikke behandler personoplysninger om dig (databeskyttelsesforordningen "
            "artikel 15, stk. 1). Der er derfor ingen kopi at udlevere og intet at rette, slette eller begrænse."
        ),
        "no_data_p2": (
            "Mener du, at vi alligevel har oplysninger om dig, fx under en anden adresse, et andet navn eller et "
            "andet kundenummer, er du velkommen til at skrive til os igen med de oplysninger."
        ),
        "h_deletion_dates": "Hvornår vi sletter dine oplysninger",
        "deletion_dates_p": "Sådan gælder reglerne om opbevaring for netop dine oplysninger, opgjort {today}:",
        "head_deleted_on": "Slettes",
        "deletion_fy": "{label}, regnskabsåret {fy}",
        "deletion_ongoing": "{period} efter, at kundeforholdet er afsluttet; det er stadig i gang",
        "transfers_none": (
            "Vi overfører ikke dine oplysninger til lande uden for EU/EØS, så der er ingen garantier for en "
            "sådan overførsel at oplyse (databeskyttelsesforordningen artikel 15, stk. 2)."
        ),
        "transfers_p": (
            "Overførsel til lande uden for EU/EØS og garantierne for den (databeskyttelsesforordningen artikel "
            "15, stk. 2):"
        ),
        "title_lift_notice": "Varsel: begrænsningen af behandlingen ophæves",
        # -- opening sentences
        "intro": "Vi modtog din henvendelse {received} og har nu behandlet den.",
        "intro_information": (
            "Du har spurgt, hvordan vi behandler personoplysninger om vores kunder. Her er svaret: hvad vi "
            "behandler og hvorfor, hvem der modtager oplysningerne, hvor længe vi gemmer dem, og hvilke "
            "rettigheder du har (databeskyttelsesforordningens artikel 13)."
        ),
        "intro_access": (
            "Du har bedt om indsigt i de personoplysninger, vi har om dig (databeskyttelsesforordningens "
            "artikel 15). Nedenfor får du en kopi af alle oplysningerne, ordnet efter kategori, og de "
            "oplysninger om vores behandling, du har krav på. Du får også oplysningerne som filer: JSON "
            "(maskinlæsbar) og CSV, som kan åbnes i et regneark. Det er gratis."
        ),
        # -- the information items (Art. 13 and 15(1))
        "h_purposes": "Hvorfor vi behandler oplysningerne, og på hvilket grundlag",
        "purposes_p": "Vi behandler personoplysninger til disse formål; grundlaget står efter hvert formål:",
        "basis": "Grundlag: {basis}",
        "h_categories": "Hvilke oplysninger vi behandler",
        "h_recipients": "Hvem der modtager oplysningerne",
        "recipients_p": (
            "Vores samarbejdspartnere driver de systemer, oplysningerne ligger i. De er databehandlere: de "
            "må kun behandle oplysningerne efter vores instruks. Vi videregiver ikke oplysningerne til andre."
        ),
        "head_partner": "Samarbejdspartner",
        "head_service": "Opgave",
        "head_receives": "Modtager",
        "head_country": "Land",
        "h_retention": "Hvor længe vi gemmer oplysningerne",
        "head_data": "Oplysninger",
        "head_period": "Hvor længe",
        "h_rights": "Dine rettigheder",
        # the published policy's wording of the rights, where it points to the policy's own sections
        "right_information_text": (
            "Du har ret til at få at vide, hvordan vi behandler dine oplysninger: til hvilke formål, hvilke "
            "kategorier af oplysninger, hvem der modtager dem, og hvor længe vi opbevarer dem (artikel 13). "
            "Det står i dette brev og i vores persondatapolitik."
        ),
        "right_erasure_text": (
            "Du kan få dine oplysninger slettet. Regnskabsmateriale skal vi dog opbevare, til "
            "bogføringslovens frist er udløbet (artikel 17); se ovenfor, hvor længe vi gemmer oplysningerne."
        ),
        "right_complaint_text": (
            "Du kan klage til Datatilsynet over vores behandling af dine oplysninger (artikel 77); se nedenfor."
        ),
        "h_complaint": "Klage til Datatilsynet",
        "complaint_p": (
            "Er du utilfreds med vores behandling af dine personoplysninger, kan du klage til Datatilsynet "
            "(artikel 77): {name}, {address}, telefon {phone}, e-mail {email}. Læs mere om, hvordan du "
            "klager, på {complaint_url}"
        ),
        "h_automated": "Ingen automatiske afgørelser og ingen profilering",
        "automated_p": (
            "Vi træffer ingen afgørelser om dig, der alene bygger på automatisk behandling, og vi foretager "
            "ingen profilering (artikel 22). Vi bruger ikke dine oplysninger til markedsføring."
        ),
        "h_source": "Hvor oplysningerne kommer fra",
        "source_general": (
            "Vi får oplysningerne fra dig, når du bestiller en vare eller ydelse, indgår en serviceaftale "
            "eller kontakter os. Fakturaer og betalinger registrerer vi selv."
        ),
        "source_runs": (
            "Oplysningerne har du selv givet os, da du handlede med os eller indgik en aftale; fakturaer og "
            "betalinger har vi selv registreret. De er overført til dette system fra vores administrative "
            "system (ordre-, fakturerings- og kundesystem) ved indlæsningen {dates}."
        ),
        "source_unknown": (
            "Oplysningerne har du selv givet os, da du handlede med os eller indgik en aftale; fakturaer og "
            "betalinger har vi selv registreret. De er overført til dette system fra vores administrative "
            "system."
        ),
        # -- access: the copy of the data
        "h_data": "De oplysninger, vi har om dig",
        "h_contact": "Kontaktoplysninger",
        "h_customer_number": "Kundenummer",
        "h_orders": "Ordrer",
        "h_order_lines": "Ordrelinjer",
        "h_agreements": "Serviceaftaler",
        "h_invoices": "Fakturaer",
        "h_payments": "Betalinger",
        "restricted_p": (
            "Behandlingen af dine oplysninger er begrænset (artikel 18); det ændrer ikke, hvad du får at se "
            "her."
        ),
        "col_name": "Navn",
        "col_address": "Adresse",
        "col_phone": "Telefon",
        "col_email": "E-mail",
        "col_order": "Ordre",
        "col_ordered": "Bestilt",
        "col_delivered": "Leveret",
        "col_amount": "Beløb",
        "col_delivery": "Leveringsadresse",
        "col_description": "Beskrivelse",
        "col_agreement": "Aftale",
        "col_kind": "Art",
        "col_starts": "Fra",
        "col_ends": "Til",
        "col_invoice": "Faktura",
        "col_invoice_date": "Fakturadato",
        "col_due": "Forfald",
        "col_billing": "Navn og adresse på fakturaen",
        "col_payment": "Betaling",
        "col_paid": "Betalt",
        "col_method": "Betalingsmåde",
        "col_reference": "Reference (maskeret)",
        "agreement_oral": "mundtlig",
        "agreement_written": "skriftlig",
        "method_card": "kort",
        "method_transfer": "bankoverførsel",
        "method_mobilepay": "MobilePay",
        "method_cash": "kontant",
        "method_invoice": "faktura",
        "method_other": "andet",
        # -- access: who consulted the data (CJEU C-579/21)
        "h_history": "Hvornår og hvorfor dine oplysninger er blevet brugt",
        "history_p": (
            "Hver gang en medarbejder ser dine oplysninger, registrerer systemet tidspunkt, formål og hvilke "
            "oplysninger det drejede sig om. Her er alle registreringerne (EU-Domstolens dom i sag C-579/21). "
            "Vi oplyser medarbejderens rolle, ikke navnet."
        ),
        "history_none": "Ingen medarbejder har set dine oplysninger.",
        "head_when": "Tidspunkt",
        "head_purpose": "Formål",
        "head_categories": "Oplysninger",
        "head_role": "Rolle",
        "role_staff": "Medarbejder",
        # -- portability
        "intro_portability": (
            "Du har bedt om at få de oplysninger, du selv har givet os, i et struktureret, almindeligt "
            "anvendt og maskinlæsbart format (databeskyttelsesforordningens artikel 20). Du får dem som to "
            "filer med samme indhold: JSON, der følger vores offentliggjorte skema ({schema}, version "
            "{version}), og CSV (semikolonsepareret, UTF-8), som kan åbnes i Excel. Du kan selv give filerne "
            "videre til en anden virksomhed."
        ),
        "portability_included": (
            "Filerne indeholder dine kontaktoplysninger og dit kundenummer, dine ordrer med ordrelinjer og "
            "leveringsadresser ({orders}) og dine serviceaftaler ({agreements})."
        ),
        "portability_excluded": (
            "Fakturaer og betalinger er ikke med. Dem har vi udarbejdet, ikke du, og vi opbevarer dem, fordi "
            "bogføringsloven kræver det; retten til dataportabilitet omfatter kun oplysninger, du selv har "
            "givet os, og som vi behandler på grundlag af en aftale med dig (artikel 20, stk. 1). Du kan få en "
            "kopi af fakturaer og betalinger ved at bede om indsigt (artikel 15)."
        ),
        # -- rectification
        "rect_done": "Vi har rettet de oplysninger, du bad om at få rettet: {fields}.",
        "rect_none": (
            "Vi har undersøgt de oplysninger, du mener er forkerte. Oplysningerne, vi har, er korrekte, så vi "
            "har ikke ændret noget."
        ),
        "rect_now": "Sådan står oplysningerne nu:",
        "rect_invoices": (
            "Fakturaer, der allerede er udstedt, ændrer vi ikke: de er regnskabsmateriale og skal vise navn og "
            "adresse, som de var, da fakturaen blev udstedt. Leveringsadresser på tidligere ordrer ændres "
            "heller ikke."
        ),
        "rect_lift": (
            "Mens vi undersøgte oplysningerne, var behandlingen af dem begrænset. Nu hvor sagen er afgjort, "
            "ophæver vi begrænsningen; dette brev er vores besked til dig om det (artikel 18, stk. 3)."
        ),
        "field_name": "navn",
        "field_street": "vej og husnummer",
        "field_postcode": "postnummer",
        "field_city": "by",
        "field_country": "land",
        "field_phone": "telefonnummer",
        "field_email": "e-mailadresse",
        # -- telling the partners (Art. 19)
        "h_partners": "Vores samarbejdspartnere har fået besked",
        "partners_p": (
            "Vi har givet disse samarbejdspartnere, som har modtaget dine oplysninger, besked om {action} "
            "(artikel 19):"
        ),
        "partners_none": (
            "Ingen af vores samarbejdspartnere har modtaget de berørte oplysninger, så ingen skulle have besked."
        ),
        "action_rectification": "rettelsen",
        "action_erasure": "sletningen",
        "action_restriction": "begrænsningen",
        # -- erasure
        "erasure_done": (
            "Vi har slettet dine kontaktoplysninger, dit kundenummer, din ordrehistorik og dine serviceaftaler "
            "(slettede ordrer: {orders}; serviceaftaler: {agreements}). Nøglen, oplysningerne var krypteret "
            "med, er destrueret. Kopier i vores sikkerhedskopier kan ikke længere læses senest {backups_date}, "
            "når den sidste sikkerhedskopi af vores nøgler fra før sletningen er slettet."
        ),
        "erasure_all_gone": "Vi havde ingen fakturaer eller betalinger om dig, så der er intet tilbage om dig.",
        "erasure_kept": (
            "Fakturaer — med navn og adresse, som de stod på fakturaen — og betalinger er regnskabsmateriale. "
            "Bogføringsloven kræver, at vi opbevarer dem i {years} fra udgangen af det regnskabsår, de "
            "vedrører, og derfor kan vi ikke slette dem endnu (databeskyttelsesforordningens artikel 17, "
            "stk. 3, litra b). Indtil da bruges de kun til bogføringen og til at besvare dine henvendelser, og "
            "vi sletter dem automatisk på disse datoer:"
        ),
        "h_kept": "Det, vi skal opbevare",
        "h_lift": "Begrænsningen ophæves",
        "head_fy": "Regnskabsår",
        "head_invoices": "Fakturaer",
        "head_payments": "Betalinger",
        "head_keep_until": "Opbevares til og med",
        "head_delete_on": "Slettes den",
        "erasure_hold": (
            "Vi kan ikke slette dine oplysninger endnu, fordi de er nødvendige for, at et retskrav kan "
            "fastlægges, gøres gældende eller forsvares (databeskyttelsesforordningens artikel 17, stk. 3, "
            "litra e). De bevares til og med {date}. Indtil da er behandlingen begrænset: oplysningerne bruges "
            "kun til det formål, til bogføringen og til at besvare dine henvendelser. Du er velkommen til at "
            "gentage din anmodning, når datoen er passeret."
        ),
        "erasure_held_records": (
            "{n} af dine registreringer er omfattet af en tilbageholdelse, fordi de er nødvendige for et "
            "retskrav (artikel 17, stk. 3, litra e); de bevares, så længe tilbageholdelsen varer."
        ),
        "erasure_no_data": "Vi har ingen oplysninger om dig; der er derfor intet at slette.",
        # -- restriction
        "restriction_done": (
            "Vi har begrænset behandlingen af dine personoplysninger (artikel 18). Begrundelse: {reason}. "
            "Oplysningerne bliver opbevaret, men de bruges ikke til levering, fakturering eller kundeservice; "
            "kun til at opfylde vores pligt efter bogføringsloven og til at besvare dine henvendelser. Vi "
            "giver dig besked, før begrænsningen ophæves (artikel 18, stk. 3)."
        ),
        "reason_accuracy_disputed": "du har bestridt, at oplysningerne er korrekte, og vi undersøger det",
        "reason_unlawful": "du har bedt om begrænsning i stedet for sletning",
        "reason_legal_claims": "du har brug for oplysningerne til et retskrav",
        "reason_objection": "du har gjort indsigelse, og vi vurderer den",
        "h_note": "Vores bemærkninger",
        # -- lifting a restriction (Art. 18(3))
        "lift_p": (
            "Vi har begrænset behandlingen af dine personoplysninger, fordi {reason}. Vi ophæver "
            "begrænsningen {date}. Derefter behandler vi igen oplysningerne til de formål, der står i vores "
            "persondatapolitik. Vi giver dig besked nu, før begrænsningen ophæves (artikel 18, stk. 3)."
        ),
        "h_why": "Begrundelse",
        # -- objection and other
        "intro_objection": (
            "Du har gjort indsigelse mod vores behandling af dine personoplysninger (artikel 21). Vi har "
            "vurderet den; vores svar står nedenfor. Til orientering er her de formål, vi behandler "
            "oplysningerne til, og grundlaget for hvert af dem."
        ),
        "intro_other": "Du har skrevet til os om dine personoplysninger. Vores svar står nedenfor.",
        "h_answer": "Vores svar",
        # -- extension (Art. 12(3))
        "extension_p": (
            "Vi modtog din anmodning {received}. Normalt svarer vi inden for en måned, men her har vi brug for "
            "mere tid. Vi forlænger derfor fristen med {months}, så du får svar senest {due} "
            "(databeskyttelsesforordningens artikel 12, stk. 3)."
        ),
        "months_1": "en måned",
        "months_2": "to måneder",
        # -- refusal (Art. 12(4), 12(5))
        "refusal_p": "Vi modtog din anmodning {received}. Vi kan ikke imødekomme den, fordi {ground}.",
        "ground_unfounded": "den er åbenbart grundløs (artikel 12, stk. 5)",
        "ground_excessive": (
            "den er åbenbart overdreven, navnlig fordi den gentager tidligere anmodninger (artikel 12, stk. 5)"
        ),
        "ground_identity": (
            "vi ikke har kunnet fastslå, at anmodningen kommer fra dig, og vi må ikke udlevere eller ændre "
            "oplysninger, før vi ved det (artikel 12, stk. 6)"
        ),
        "ground_no_data": "vi ikke har nogen personoplysninger om dig",
        "refusal_complaint": (
            "Du kan klage over afslaget til Datatilsynet (artikel 77): {name}, {address}, telefon {phone}, "
            "e-mail {email}, {complaint_url}"
        ),
        "refusal_court": (
            "Du kan også indbringe sagen for domstolene (artikel 79). Du er altid velkommen til at sende en ny "
            "anmodning."
        ),
    },
    "en": {
        "label_reference": "Reference",
        "label_received": "Received",
        "label_answered": "Answered",
        "label_date": "Date",
        "label_to": "To",
        "greeting_name": "Dear {name}",
        "greeting": "Dear customer",
        "closing": "Kind regards",
        "contact_us": (
            "If you have questions about this answer, please contact {name} at {email} or on {phone}, quoting "
            "the reference {ref}."
        ),
        "controller_line": "{company} · CVR no. {cvr} · {address}",
        "footer": "{company} · {title} · {ref}",
        "none": "None.",
        "empty_category": "We hold no data about you in this category.",
        "title_information": "How we process your personal data",
        "title_access": "Answer to your request for access",
        "title_portability": "Answer to your request for data portability",
        "title_rectification": "Answer to your request for rectification",
        "title_erasure": "Answer to your request for erasure",
        "title_restriction": "Answer to your request for restriction of processing",
        "title_objection": "Answer to your objection",
        "title_other": "Answer to your enquiry",
        "title_extension": "We need more time to answer you",
        "title_refusal": "Your request is refused",
        "title_no_data": "Answer to your request: we hold no data about you",
        "no_data_p": (
            "We received your request on {received}. We have searched all our systems using the details you "
            "gave us, and we can confirm that we do not process any personal data about you (GDPR Article "
            "15(1)). There is therefore no copy to give you and nothing to correct, erase or restrict."
        ),
        "no_data_p2": (
            "If you believe that we do hold data about you, for example under another address, name or "
            "customer number, you are welcome to write to us again with those details."
        ),
        "h_deletion_dates": "When we delete your data",
        "deletion_dates_p": "This is how the retention rules apply to your data, as of {today}:",
        "head_deleted_on": "Deleted on",
        "deletion_fy": "{label}, financial year {fy}",
        "deletion_ongoing": "{period} after our customer relationship has ended; it is still ongoing",
        "transfers_none": (
            "We do not transfer your data to countries outside the EU/EEA, so there are no safeguards for "
            "such a transfer to tell you of (GDPR Article 15(2))."
        ),
        "transfers_p": "Transfers to countries outside the EU/EEA and their safeguards (GDPR Article 15(2)):",
        "title_lift_notice": "Notice: the restriction of processing will be lifted",
        "intro": "We received your request on {received} and have now dealt with it.",
        "intro_information": (
            "You asked how we process personal data about our customers. Here is the answer: what we process "
            "and why, who receives the data, how long we keep it, and which rights you have (GDPR Article 13)."
        ),
        "intro_access": (
            "You asked for access to the personal data we hold about you (GDPR Article 15). Below is a copy of "
            "all of it, by category, and the information about our processing that you are entitled to. You "
            "also receive the data as files: JSON (machine-readable) and CSV, which opens in a spreadsheet. "
            "This is free of charge."
        ),
        "h_purposes": "Why we process the data, and on what legal basis",
        "purposes_p": "We process personal data for these purposes; the legal basis follows each purpose:",
        "basis": "Legal basis: {basis}",
        "h_categories": "Which data we process",
        "h_recipients": "Who receives the data",
        "recipients_p": (
            "Our partners run the systems that hold the data. They are processors: they may process the data "
            "only on our instructions. We do not disclose the data to anyone else."
        ),
        "head_partner": "Partner",
        "head_service": "Service",
        "head_receives": "Receives",
        "head_country": "Country",
        "h_retention": "How long we keep the data",
        "head_data": "Data",
        "head_period": "How long",
        "h_rights": "Your rights",
        "right_information_text": (
            "You have the right to be told how we process your data: for which purposes, which categories of "
            "data, who receives it and how long we keep it (Article 13). This letter and our privacy policy "
            "tell you."
        ),
        "right_erasure_text": (
            "You can have your data erased. Accounting material, however, we must keep until the Bookkeeping "
            "Act's period has run out (Article 17); see above how long we keep the data."
        ),
        "right_complaint_text": (
            "You can complain to Datatilsynet, the Danish Data Protection Agency, about our processing of your "
            "data (Article 77); see below."
        ),
        "h_complaint": "Complaints to Datatilsynet",
        "complaint_p": (
            "If you are not satisfied with how we process your personal data, you may complain to the Danish "
            "Data Protection Agency (Article 77): {name}, {address}, Denmark, telephone {phone}, e-mail "
            "{email}. How to complain: {complaint_url}"
        ),
        "h_automated": "No automated decisions and no profiling",
        "automated_p": (
            "We make no decisions about you based solely on automated processing, and we do no profiling "
            "(Article 22). We do not use your data for marketing."
        ),
        "h_source": "Where the data comes from",
        "source_general": (
            "We receive the data from you when you order goods or services, enter into a service agreement "
            "or contact us. Invoices and payments are recorded by us."
        ),
        "source_runs": (
            "You gave us the data yourself when you traded with us or entered into an agreement; invoices and "
            "payments were recorded by us. The data was transferred to this system from our administrative "
            "system (order, invoicing and customer system) in the import of {dates}."
        ),
        "source_unknown": (
            "You gave us the data yourself when you traded with us or entered into an agreement; invoices and "
            "payments were recorded by us. The data was transferred to this system from our administrative "
            "system."
        ),
        "h_data": "The data we hold about you",
        "h_contact": "Contact details",
        "h_customer_number": "Customer number",
        "h_orders": "Orders",
        "h_order_lines": "Order lines",
        "h_agreements": "Service agreements",
        "h_invoices": "Invoices",
        "h_payments": "Payments",
        "restricted_p": (
            "The processing of your data is restricted (Article 18); that does not change what you see here."
        ),
        "col_name": "Name",
        "col_address": "Address",
        "col_phone": "Telephone",
        "col_email": "E-mail",
        "col_order": "Order",
        "col_ordered": "Ordered",
        "col_delivered": "Delivered",
        "col_amount": "Amount",
        "col_delivery": "Delivery address",
        "col_description": "Description",
        "col_agreement": "Agreement",
        "col_kind": "Kind",
        "col_starts": "From",
        "col_ends": "To",
        "col_invoice": "Invoice",
        "col_invoice_date": "Invoice date",
        "col_due": "Due",
        "col_billing": "Name and address on the invoice",
        "col_payment": "Payment",
        "col_paid": "Paid",
        "col_method": "Method",
        "col_reference": "Reference (masked)",
        "agreement_oral": "oral",
        "agreement_written": "written",
        "method_card": "card",
        "method_transfer": "bank transfer",
        "method_mobilepay": "MobilePay",
        "method_cash": "cash",
        "method_invoice": "invoice",
        "method_other": "other",
        "h_history": "When and why your data was consulted",
        "history_p": (
            "Every time a member of staff views your data, the system records the time, the purpose and which "
            "data it concerned. Here are all the records (judgment of the Court of Justice of the EU in case "
            "C-579/21). We give the staff member's role, not their name."
        ),
        "history_none": "No member of staff has viewed your data.",
        "head_when": "Time",
        "head_purpose": "Purpose",
        "head_categories": "Data",
        "head_role": "Role",
        "role_staff": "Staff member",
        "intro_portability": (
            "You asked to receive the data you provided to us in a structured, commonly used and "
            "machine-readable format (GDPR Article 20). You receive it as two files with the same content: "
            "JSON following our published schema ({schema}, version {version}), and CSV (semicolon-separated, "
            "UTF-8), which opens in Excel. You may pass the files on to another company yourself."
        ),
        "portability_included": (
            "The files contain your contact details and customer number, your orders with their lines and "
            "delivery addresses ({orders}) and your service agreements ({agreements})."
        ),
        "portability_excluded": (
            "Invoices and payments are not included. We drew them up, not you, and we keep them because the "
            "Bookkeeping Act requires it; the right to data portability covers only data you provided to us "
            "and that we process on the basis of a contract with you (Article 20(1)). You can receive a copy "
            "of your invoices and payments by asking for access (Article 15)."
        ),
        "rect_done": "We have corrected the data you asked us to correct: {fields}.",
        "rect_none": (
            "We have checked the data you consider to be wrong. The data we hold is correct, so we have not "
            "changed anything."
        ),
        "rect_now": "This is the data as it now stands:",
        "rect_invoices": (
            "Invoices already issued are not changed: they are accounting material and must show the name and "
            "address as they were when the invoice was issued. Delivery addresses of past orders are not "
            "changed either."
        ),
        "rect_lift": (
            "While we checked the data, its processing was restricted. Now that the matter is settled, we lift "
            "the restriction; this letter is our notice to you of that (Article 18(3))."
        ),
        "field_name": "name",
        "field_street": "street and number",
        "field_postcode": "postcode",
        "field_city": "town",
        "field_country": "country",
        "field_phone": "telephone number",
        "field_email": "e-mail address",
        "h_partners": "Our partners have been told",
        "partners_p": "We have told these partners, who received your data, about the {action} (Article 19):",
        "partners_none": "None of our partners received the data concerned, so none needed to be told.",
        "action_rectification": "correction",
        "action_erasure": "erasure",
        "action_restriction": "restriction",
        "erasure_done": (
            "We have erased your contact details, your customer number, your order history and your service "
            "agreements (orders erased: {orders}; service agreements: {agreements}). The key they were "
            "encrypted with has been destroyed. Copies in our backups become unreadable by {backups_date} at "
            "the latest, when the last backup of our keys from before the erasure has been deleted."
        ),
        "erasure_all_gone": "We held no invoices or payments about you, so nothing about you remains.",
        "erasure_kept": (
            "Invoices — with the name and address as they appeared on the invoice — and payments are "
            "accounting material. The Danish Bookkeeping Act requires us to keep them for {years} from the end "
            "of the financial year they concern, so we cannot erase them yet (GDPR Article 17(3)(b)). Until "
            "then they are used only for the bookkeeping and to answer your requests, and we delete them "
            "automatically on these dates:"
        ),
        "h_kept": "What we must keep",
        "h_lift": "The restriction is lifted",
        "head_fy": "Financial year",
        "head_invoices": "Invoices",
        "head_payments": "Payments",
        "head_keep_until": "Kept until",
        "head_delete_on": "Deleted on",
        "erasure_hold": (
            "We cannot erase your data yet, because it is needed for the establishment, exercise or defence "
            "of legal claims (GDPR Article 17(3)(e)). It is kept until {date}. Until then its processing is "
            "restricted: the data is used only for that purpose, for the bookkeeping and to answer your "
            "requests. You are welcome to repeat your request once that date has passed."
        ),
        "erasure_held_records": (
            "{n} of your records are covered by a legal hold because they are needed for a legal claim "
            "(Article 17(3)(e)); they are kept for as long as the hold lasts."
        ),
        "erasure_no_data": "We hold no data about you, so there is nothing to erase.",
        "restriction_done": (
            "We have restricted the processing of your personal data (Article 18). Reason: {reason}. The data "
            "is stored, but it is not used for delivery, invoicing or customer service; only to meet our "
            "duties under the Bookkeeping Act and to answer your requests. We will tell you before the "
            "restriction is lifted (Article 18(3))."
        ),
        "reason_accuracy_disputed": "you contest the accuracy of the data, and we are checking it",
        "reason_unlawful": "you asked for restriction instead of erasure",
        "reason_legal_claims": "you need the data for a legal claim",
        "reason_objection": "you have objected, and we are considering your objection",
        "h_note": "Our remarks",
        "lift_p": (
            "We restricted the processing of your personal data because {reason}. We will lift the restriction "
            "on {date}. After that we will again process the data for the purposes set out in our privacy "
            "policy. We are telling you now, before the restriction is lifted (Article 18(3))."
        ),
        "h_why": "Reasons",
        "intro_objection": (
            "You objected to our processing of your personal data (Article 21). We have considered your "
            "objection; our answer follows below. For your information, these are the purposes we process "
            "the data for, and the legal basis of each."
        ),
        "intro_other": "You wrote to us about your personal data. Our answer follows below.",
        "h_answer": "Our answer",
        "extension_p": (
            "We received your request on {received}. We normally answer within one month, but here we need "
            "more time. We therefore extend the time limit by {months}; you will have our answer by {due} at "
            "the latest (GDPR Article 12(3))."
        ),
        "months_1": "one month",
        "months_2": "two months",
        "refusal_p": "We received your request on {received}. We cannot grant it, because {ground}.",
        "ground_unfounded": "it is manifestly unfounded (Article 12(5))",
        "ground_excessive": "it is manifestly excessive, in particular because it is repetitive (Article 12(5))",
        "ground_identity": (
            "we have not been able to establish that the request comes from you, and we may not disclose or "
            "change data until we know (Article 12(6))"
        ),
        "ground_no_data": "we hold no personal data about you",
        "refusal_complaint": (
            "You may complain about the refusal to the Danish Data Protection Agency (Article 77): {name}, "
            "{address}, Denmark, telephone {phone}, e-mail {email}, {complaint_url}"
        ),
        "refusal_court": (
            "You may also bring the matter before the courts (Article 79). You are always welcome to send a new "
            "request."
        ),
    },
}
