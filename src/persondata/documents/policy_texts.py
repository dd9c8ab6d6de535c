"""The wording of the published privacy policy, in Danish and English.

The policy's *content* — purposes, categories, periods, partners, roles, measures, the controller — comes from
the policy file. What is here is the prose around it: the sentences that explain the law and what the product
does (e.g. the backups paragraph describes crypto-shredding and the deletion ledger, which the product
actually does, not the seed's "we may not be able to delete backups"). Sections are numbered as in the seed
policy, [1] … [14].

Placeholders in braces are filled by ``privacy_policy.policy_context`` with ``str.format``.
"""

from __future__ import annotations

from typing import Final

DATATILSYNET_COMPLAINT_URL: Final = "https://www.datatilsynet.dk/borger/klage-til-datatilsynet"

TEXTS: Final[dict[str, dict[str, str]]] = {
    "da": {
        "title": "Persondatapolitik for kunder",
        "company_line": "{company} · CVR-nr. {cvr}",
        "version": "Version {version}",
        "adopted": "Vedtaget {date}",
        "not_adopted": "Endnu ikke vedtaget",
        "toc": "Indhold",
        "footer": "{company} · {title} · version {version}",
        # [1]
        "s1": "Formål",
        "s1_p1": (
            "For at kunne levere vores ydelser til dig som kunde er vi nødt til at behandle "
            "personoplysninger om dig. Denne persondatapolitik fortæller, hvilke oplysninger vi indsamler, "
            "hvorfor vi indsamler dem, og hvad vi bruger dem til."
        ),
        "s1_p2": "Politikken gælder for {company}, CVR-nr. {cvr}, {address}.",
        # [2]
        "s2": "Grundlag for behandlingen",
        "s2_p1": (
            "Vi behandler dine personoplysninger, fordi vi har en aftale med dig og skal kunne levere de "
            "ydelser, vi har aftalt. Nogle oplysninger skal vi også opbevare, fordi loven kræver det. "
            "Grundlaget for hvert formål er:"
        ),
        # [3]
        "s3": "Hvilke oplysninger vi behandler, og hvorfor",
        "s3_p1": (
            "Vi behandler de personoplysninger, vi modtager fra dig, så vi kan levere vores ydelser på den "
            "rigtige adresse og til den eller de rigtige personer. Vi bruger dem til disse formål:"
        ),
        "s3_p2": "Personoplysningerne omfatter:",
        "s3_p3": (
            "Vi får oplysningerne fra dig. Vi beder ikke om dit CPR-nummer, og vi behandler ingen følsomme "
            "oplysninger om dig."
        ),
        "s3_p4": (
            "Du har ikke pligt til at give os dine personoplysninger. Men vi skal bruge dit navn, din "
            "adresse og dine kontaktoplysninger for at indgå og opfylde aftalen med dig, og bogføringsloven "
            "kræver dit navn og din adresse på fakturaen. Giver du os ikke oplysningerne, kan vi ikke "
            "levere eller fakturere vores ydelser til dig (databeskyttelsesforordningen artikel 13, stk. 2, "
            "litra e)."
        ),
        # [4]
        "s4": "Sletning og opbevaring",
        "s4_p1": (
            "Vi sletter personoplysninger, så snart de ikke længere er relevante for os. Hvor længe det "
            "er, afhænger af oplysningerne:"
        ),
        "s4_head_data": "Oplysninger",
        "s4_head_period": "Hvor længe vi gemmer dem",
        "s4_relevance": "{period} efter din seneste ordre, levering eller serviceaftale",
        "s4_accounting": (
            "{years} fra udgangen af det regnskabsår, de vedrører, og senest {max} efter fakturadatoen"
        ),
        "s4_accounting_law": "{years} fra udgangen af det regnskabsår, de vedrører; derefter sletter vi dem",
        "s4_accounting_p": (
            "Fakturaer — med dit navn og din adresse, som de stod på fakturaen — og betalinger er "
            "regnskabsmateriale. {law} Vores regnskabsår er {fy}. Derfor opbevarer vi regnskabsmaterialet "
            "altid i mindst {years}, og vi sletter det senest {max} efter fakturadatoen."
        ),
        "s4_accounting_law_p": (
            "Fakturaer — med dit navn og din adresse, som de stod på fakturaen — og betalinger er "
            "regnskabsmateriale. {law} Vores regnskabsår er {fy}. Derfor opbevarer vi regnskabsmaterialet "
            "i {years} fra udgangen af det regnskabsår, det vedrører, og sletter det dagen efter, at de "
            "{years} er gået: en faktura dateret {example} slettes den {delete}."
        ),
        "s4_claims": (
            "En ubetalt faktura: så længe vi kan kræve betalingen — {period} fra fakturaens forfaldsdag "
            "(forældelsesloven § 3) — gemmer vi dine kontaktoplysninger til det. Når kravet er forældet, "
            "sletter vi dem, når de ikke længere er relevante af andre grunde som beskrevet ovenfor. "
            "Selve fakturaen er regnskabsmateriale og opbevares som beskrevet nedenfor."
        ),
        "s4_claims_restrict": (
            "En ubetalt faktura: så længe vi kan kræve betalingen — {period} fra fakturaens forfaldsdag "
            "(forældelsesloven § 3) — gemmer vi dine kontaktoplysninger til det. Når kravet er forældet, bruger "
            "vi dem kun til bogføringen, og vi sletter dem sammen med fakturaen, som er regnskabsmateriale og "
            "opbevares som beskrevet nedenfor."
        ),
        "s4_erasure": (
            "Beder du os slette dine oplysninger, sletter vi med det samme alt det, der ikke er "
            "regnskabsmateriale. Regnskabsmaterialet skal vi opbevare, til bogføringslovens frist er "
            "udløbet; indtil da bruges det kun til bogføringen, og derefter sletter vi det automatisk."
        ),
        "s4_requests": (
            "Når vi har afsluttet en henvendelse fra dig om dine rettigheder, gemmer vi henvendelsen og "
            "vores svar i {period}, så vi kan dokumentere, at vi har svaret korrekt og til tiden."
        ),
        # [5]
        "s5": "Den dataansvarlige",
        "s5_p1": "Den dataansvarlige for behandlingen af dine personoplysninger er:",
        "label_company": "Virksomhed",
        "label_cvr": "CVR-nr.",
        "label_address": "Adresse",
        "label_name": "Kontaktperson",
        "label_phone": "Telefon",
        "label_email": "E-mail",
        "s5_p2": (
            "Har du spørgsmål om vores behandling af dine personoplysninger, er du velkommen til at "
            "kontakte {name}."
        ),
        # [6]
        "s6": "Dine rettigheder",
        "s6_p1": (
            "Efter databeskyttelsesforordningen har du disse rettigheder, når vi behandler dine "
            "personoplysninger:"
        ),
        "right_information": "Ret til information",
        "right_information_text": (
            "Du har ret til at få at vide, hvordan vi behandler dine oplysninger: til hvilke formål, "
            "hvilke kategorier af oplysninger, hvem der modtager dem, og hvor længe vi opbevarer dem. Det "
            "er det, denne politik fortæller (artikel 13)."
        ),
        "right_access": "Ret til indsigt",
        "right_access_text": (
            "Du kan få en kopi af de personoplysninger, vi har om dig, og få at vide, hvornår og til "
            "hvilket formål vores medarbejdere har brugt dem (artikel 15)."
        ),
        "right_rectification": "Ret til berigtigelse",
        "right_rectification_text": "Du kan få urigtige oplysninger om dig rettet (artikel 16).",
        "right_erasure": "Ret til sletning",
        "right_erasure_text": (
            "Du kan få dine oplysninger slettet. Regnskabsmateriale skal vi dog opbevare, til "
            "bogføringslovens frist er udløbet (artikel 17, se afsnit 4)."
        ),
        "right_restriction": "Ret til begrænsning af behandling",
        "right_restriction_text": (
            "Du kan få begrænset vores behandling af dine oplysninger, fx mens vi undersøger, om de er "
            "korrekte. Vi giver dig besked, før en begrænsning ophæves (artikel 18)."
        ),
        "right_portability": "Ret til dataportabilitet",
        "right_portability_text": (
            "Du kan få de oplysninger, du selv har givet os, udleveret i et struktureret, almindeligt "
            "anvendt og maskinlæsbart format (JSON eller CSV) og få dem overført til en anden (artikel 20)."
        ),
        "right_objection": "Ret til indsigelse",
        "right_objection_text": (
            "Retten til indsigelse gælder behandling, der bygger på en legitim interesse eller en opgave i "
            "samfundets interesse (artikel 21, jf. artikel 6, stk. 1, litra e og f). Vi behandler ikke dine "
            "oplysninger på det grundlag, kun for at opfylde aftalen med dig og vores pligter efter loven. "
            "Gør du alligevel indsigelse, vurderer vi den og giver dig et begrundet svar."
        ),
        "right_objection_text_ef": (
            "Du kan af grunde, der vedrører din særlige situation, gøre indsigelse mod den behandling, der "
            "bygger på en legitim interesse eller en opgave i samfundets interesse: {purposes} (artikel 21, "
            "jf. artikel 6, stk. 1, litra e og f). Så stopper vi behandlingen, medmindre vi kan påvise "
            "vægtige legitime grunde, der går forud for dine interesser, eller den er nødvendig for at "
            "fastlægge, gøre gældende eller forsvare et retskrav. Retten gælder ikke den behandling, der "
            "bygger på aftalen med dig eller vores pligter efter loven."
        ),
        "right_complaint": "Ret til at klage",
        "right_complaint_text": (
            "Du kan klage til Datatilsynet over vores behandling af dine oplysninger (artikel 77) og "
            "indbringe sagen for domstolene (artikel 79); se afsnit 10."
        ),
        "s6_p2": (
            "Når vi retter, sletter eller begrænser dine oplysninger, giver vi også de samarbejdspartnere, "
            "der har modtaget dem, besked (artikel 19). Vi træffer ingen afgørelser om dig, der alene "
            "bygger på automatisk behandling."
        ),
        # [7]
        "s7": "Ingen markedsføring og ingen profilering",
        "s7_p1": (
            "Vi bruger ikke dine personoplysninger til direkte markedsføring, og vi foretager ikke "
            "profilering. Vores system er indrettet, så oplysningerne ikke kan bruges til nogen af delene."
        ),
        # [8]
        "s8": "Sådan bruger du dine rettigheder",
        "s8_p1": (
            "Alle rettighederne ovenfor håndteres manuelt af vores dataansvarlige, {name}. Du kan skrive "
            "til {email} eller ringe på {phone}."
        ),
        "s8_p2": (
            "Vi svarer hurtigst muligt og senest en måned efter, at vi har modtaget din henvendelse. Er en "
            "sag særlig kompliceret, eller får vi mange henvendelser, kan fristen forlænges med op til to "
            "måneder mere; i så fald får du besked inden for den første måned med en begrundelse."
        ),
        "s8_p3": (
            "Det er gratis at bruge dine rettigheder. Er vi i rimelig tvivl om, hvem du er, kan vi bede "
            "dig om oplysninger, der bekræfter din identitet. Afviser vi en anmodning, får du en "
            "begrundelse og besked om, at du kan klage til Datatilsynet."
        ),
        # [9]
        "s9": "Sikkerhedskopier",
        "s9_p1": (
            "Vi tager sikkerhedskopier af vores systemer, så oplysninger ikke går tabt ved en fejl eller "
            "ved ondsindet ødelæggelse."
        ),
        "s9_p2": (
            "Dine personoplysninger er krypteret med nøgler, som hører til dig; regnskabsmateriale har sin "
            "egen nøgle for hvert regnskabsår. Når vi sletter oplysninger, destruerer vi den nøgle, de er "
            "krypteret med. Nøglerne sikkerhedskopieres for sig, adskilt fra oplysningerne, og de "
            "sikkerhedskopier slettes efter {days} dage. De kopier af slettede oplysninger, der stadig måtte "
            "ligge i vores sikkerhedskopier, kan derfor ikke længere læses af nogen senest {days} dage efter "
            "sletningen."
        ),
        "s9_p3": (
            "Vi fører desuden en liste over alle sletninger, som ikke selv indeholder personoplysninger. "
            "Skal vi en dag genindlæse en sikkerhedskopi, gennemfører vi alle sletningerne på listen igen, "
            "før systemet tages i brug, så intet slettet vender tilbage."
        ),
        # [10]
        "s10": "Klage til Datatilsynet",
        "s10_p1": (
            "Er du utilfreds med den måde, vi behandler dine personoplysninger på, kan du klage til "
            "Datatilsynet: {url}"
        ),
        "s10_p2": "Vi vil meget gerne høre fra dig først, så vi kan forsøge at løse sagen sammen med dig.",
        "s10_p3": (
            "Du kan også indbringe sagen for domstolene, hvis du mener, at vores behandling af dine "
            "personoplysninger krænker dine rettigheder (databeskyttelsesforordningen artikel 79). Det kan "
            "du gøre, uanset om du har klaget til Datatilsynet."
        ),
        # [11]
        "s11": "Videregivelse af oplysninger",
        "s11_p1": (
            "Vi videregiver personoplysninger til vores samarbejdspartnere, som driver vores systemer. De "
            "er databehandlere: de må kun behandle oplysningerne efter vores instruks."
        ),
        "s11_head_partner": "Samarbejdspartner",
        "s11_head_service": "Opgave",
        "s11_head_receives": "Modtager",
        "s11_head_country": "Land",
        "s11_eu": "Alle vores samarbejdspartnere behandler oplysningerne inden for EU/EØS.",
        "s11_eu_others": "Vores øvrige samarbejdspartnere behandler oplysningerne inden for EU/EØS.",
        "s11_third": (
            "{partner} behandler oplysningerne i {country}, uden for EU/EØS. Overførslen sker på grundlag af "
            "{safeguard}."
        ),
        "s11_copy": (
            "Du kan få en kopi af garantierne for overførslen eller få at vide, hvor de er gjort tilgængelige, "
            "ved at kontakte os (se afsnit 5)."
        ),
        "safeguard_adequacy": (
            "en afgørelse fra Europa-Kommissionen om, at {country} sikrer et tilstrækkeligt "
            "beskyttelsesniveau (databeskyttelsesforordningen artikel 45)"
        ),
        "safeguard_scc": (
            "Europa-Kommissionens standardkontraktbestemmelser (databeskyttelsesforordningen artikel 46, "
            "stk. 2, litra c)"
        ),
        "safeguard_bcr": (
            "bindende virksomhedsregler godkendt af en tilsynsmyndighed (databeskyttelsesforordningen "
            "artikel 47)"
        ),
        "safeguard_missing": "<<grundlaget for overførslen til {country} (partners.{key}.safeguard)>>",
        "s11_p2": (
            "Derudover videregiver vi ikke personoplysninger til virksomheder, organisationer eller "
            "personer uden for virksomheden, medmindre loven forpligter os til det."
        ),
        # [12]
        "s12": "IT-sikkerhed",
        "s12_p1": (
            "Vi beskytter dine personoplysninger mod uautoriseret adgang, ændring, videregivelse og "
            "ødelæggelse. Vi har indført disse organisatoriske og tekniske foranstaltninger:"
        ),
        "s12_p2": "Vores medarbejdere har kun adgang til de oplysninger, de har brug for i deres arbejde:",
        "s12_head_role": "Rolle",
        "s12_head_sees": "Kan se",
        "s12_no_data": "Ingen kundeoplysninger",
        "s12_p3": (
            "Dine personoplysninger er krypteret i vores database, og hver gang en medarbejder ser dem, "
            "bliver det registreret med tidspunkt og formål."
        ),
        # [13]
        "s13": "Evaluering og kontrol",
        "s13_p1": (
            "Den dataansvarlige sørger for, at vi {every} kontrollerer og vedligeholder vores behandling "
            "af personoplysninger, så vores forretningsgange, rutiner og politikker bliver fulgt. "
            "Kontrollen omfatter blandt andet sletning, adgangsrettigheder og tavshedserklæringer, aftaler "
            "med samarbejdspartnere, risikovurderinger, en prøve på genindlæsning af sikkerhedskopier og "
            "besvarelsen af kundernes henvendelser."
        ),
        "every_6": "hvert halve år",
        "every_12": "hvert år",
        "every_3": "hvert kvartal",
        "every_n": "hver {n}. måned",
        # [14]
        "s14": "Vedtagelse",
        "s14_adopted": "Denne persondatapolitik er udarbejdet og vedtaget den {date}.",
        "s14_unsigned": "Denne persondatapolitik er udarbejdet og vedtaget den:",
        "s14_date_label": "Dato",
        "s14_version": "Version {version}.",
    },
    "en": {
        "title": "Privacy policy for customers",
        "company_line": "{company} · CVR no. {cvr}",
        "version": "Version {version}",
        "adopted": "Adopted {date}",
        "not_adopted": "Not yet adopted",
        "toc": "Contents",
        "footer": "{company} · {title} · version {version}",
        # [1]
        "s1": "Purpose",
        "s1_p1": (
            "To deliver our services to you as a customer, we need to process personal data about you. "
            "This privacy policy explains which data we collect, why we collect it and what we use it for."
        ),
        "s1_p2": "The policy applies to {company}, CVR no. {cvr}, {address}.",
        # [2]
        "s2": "Legal basis for the processing",
        "s2_p1": (
            "We process your personal data because we have a contract with you and need it to deliver the "
            "services we have agreed. Some data we must also keep because the law requires it. The basis "
            "for each purpose is:"
        ),
        # [3]
        "s3": "What data we process and why",
        "s3_p1": (
            "We process the personal data we receive from you so that we can deliver our services to the "
            "right address and to the right person or people. We use it for these purposes:"
        ),
        "s3_p2": "The personal data comprises:",
        "s3_p3": (
            "We get the data from you. We do not ask for your CPR number, and we process no sensitive data "
            "about you."
        ),
        "s3_p4": (
            "You are not obliged to give us your personal data. But we need your name, your address and "
            "your contact details to enter into and perform our contract with you, and the Bookkeeping Act "
            "requires your name and address on the invoice. If you do not give us the data, we cannot "
            "deliver or invoice our services to you (GDPR Article 13(2)(e))."
        ),
        # [4]
        "s4": "Deletion and retention",
        "s4_p1": (
            "We delete personal data as soon as it is no longer relevant to us. How long that is depends "
            "on the data:"
        ),
        "s4_head_data": "Data",
        "s4_head_period": "How long we keep it",
        "s4_relevance": "{period} after your last order, delivery or service agreement",
        "s4_accounting": (
            "{years} from the end of the financial year it concerns, and at the latest {max} after the "
            "invoice date"
        ),
        "s4_accounting_law": "{years} from the end of the financial year it concerns; then we delete it",
        "s4_accounting_p": (
            "Invoices — with your name and address as they appeared on the invoice — and payments are "
            "accounting material. {law} Our financial year is {fy}. We therefore always keep accounting "
            "material for at least {years}, and we delete it at the latest {max} after the invoice date."
        ),
        "s4_accounting_law_p": (
            "Invoices — with your name and address as they appeared on the invoice — and payments are "
            "accounting material. {law} Our financial year is {fy}. We therefore keep accounting material "
            "for {years} from the end of the financial year it concerns, and delete it on the day after "
            "the {years} have passed: an invoice dated {example} is deleted on {delete}."
        ),
        "s4_claims": (
            "An unpaid invoice: for as long as we can demand payment — {period} from the invoice's due date "
            "(the Danish Limitation Act, forældelsesloven § 3) — we keep your contact details for it. Once the "
            "claim is time-barred, we delete them when they are no longer relevant for the other reasons "
            "described above. The invoice itself is accounting material and is kept as described below."
        ),
        "s4_claims_restrict": (
            "An unpaid invoice: for as long as we can demand payment — {period} from the invoice's due date "
            "(the Danish Limitation Act, forældelsesloven § 3) — we keep your contact details for it. Once the "
            "claim is time-barred, we use them for bookkeeping only, and we delete them together with the "
            "invoice, which is accounting material and is kept as described below."
        ),
        "s4_erasure": (
            "If you ask us to erase your data, we immediately delete everything that is not accounting "
            "material. The accounting material we must keep until the Bookkeeping Act's period has run "
            "out; until then it is used for bookkeeping only, and after that we delete it automatically."
        ),
        "s4_requests": (
            "When we have closed a request from you about your rights, we keep the request and our answer "
            "for {period}, so that we can show that we answered correctly and on time."
        ),
        # [5]
        "s5": "The data controller",
        "s5_p1": "The data controller responsible for processing your personal data is:",
        "label_company": "Company",
        "label_cvr": "CVR no.",
        "label_address": "Address",
        "label_name": "Contact person",
        "label_phone": "Telephone",
        "label_email": "E-mail",
        "s5_p2": (
            "If you have questions about how we process your personal data, you are welcome to contact "
            "{name}."
        ),
        # [6]
        "s6": "Your rights",
        "s6_p1": (
            "Under the General Data Protection Regulation (GDPR) you have these rights when we process "
            "your personal data:"
        ),
        "right_information": "Right to information",
        "right_information_text": (
            "You have the right to be told how we process your data: for which purposes, which categories "
            "of data, who receives it and how long we keep it. That is what this policy tells you (Article "
            "13)."
        ),
        "right_access": "Right of access",
        "right_access_text": (
            "You can get a copy of the personal data we hold about you, and be told when and for what "
            "purpose our staff have used it (Article 15)."
        ),
        "right_rectification": "Right to rectification",
        "right_rectification_text": "You can have incorrect data about you corrected (Article 16).",
        "right_erasure": "Right to erasure",
        "right_erasure_text": (
            "You can have your data erased. Accounting material, however, we must keep until the "
            "Bookkeeping Act's period has run out (Article 17; see section 4)."
        ),
        "right_restriction": "Right to restriction of processing",
        "right_restriction_text": (
            "You can have our processing of your data restricted, for example while we check whether it is "
            "correct. We tell you before a restriction is lifted (Article 18)."
        ),
        "right_portability": "Right to data portability",
        "right_portability_text": (
            "You can receive the data you have given us in a structured, commonly used and "
            "machine-readable format (JSON or CSV), and have it passed on to someone else (Article 20)."
        ),
        "right_objection": "Right to object",
        "right_objection_text": (
            "The right to object applies to processing based on a legitimate interest or a task carried "
            "out in the public interest (Article 21, with Article 6(1)(e) and (f)). We do not process your "
            "data on that basis, only to fulfil our contract with you and our legal obligations. If you "
            "object nonetheless, we will assess your objection and give you a reasoned answer."
        ),
        "right_objection_text_ef": (
            "You can object, on grounds relating to your particular situation, to the processing based on "
            "a legitimate interest or a task carried out in the public interest: {purposes} (Article 21, "
            "with Article 6(1)(e) and (f)). We then stop, unless we can demonstrate compelling legitimate "
            "grounds that override your interests, or the processing is needed to establish, exercise or "
            "defend legal claims. The right does not apply to processing based on our contract with you or "
            "our legal obligations."
        ),
        "right_complaint": "Right to complain",
        "right_complaint_text": (
            "You can complain to Datatilsynet, the Danish Data Protection Agency, about our processing of "
            "your data (Article 77) and take the matter to the courts (Article 79); see section 10."
        ),
        "s6_p2": (
            "When we correct, erase or restrict your data, we also tell the partners who have received it "
            "(Article 19). We make no decisions about you that are based solely on automated processing."
        ),
        # [7]
        "s7": "No marketing and no profiling",
        "s7_p1": (
            "We do not use your personal data for direct marketing, and we do no profiling. Our system is "
            "set up so that the data cannot be used for either."
        ),
        # [8]
        "s8": "How to exercise your rights",
        "s8_p1": (
            "All the rights above are handled manually by our data controller, {name}. You can write to "
            "{email} or call {phone}."
        ),
        "s8_p2": (
            "We answer as soon as possible and at the latest one month after we receive your request. If a "
            "case is particularly complex, or we receive many requests, the period can be extended by up "
            "to two further months; if so, we tell you within the first month and explain why."
        ),
        "s8_p3": (
            "Exercising your rights is free of charge. If we have reasonable doubts about who you are, we "
            "may ask you for information that confirms your identity. If we refuse a request, we give you "
            "the reasons and tell you that you can complain to Datatilsynet."
        ),
        # [9]
        "s9": "Backups",
        "s9_p1": "We back up our systems so that data is not lost through an error or malicious destruction.",
        "s9_p2": (
            "Your personal data is encrypted with keys that belong to you; accounting material has its own "
            "key for each financial year. When we delete data, we destroy the key it is encrypted with. "
            "The keys are backed up on their own, apart from the data, and those backups are deleted after "
            "{days} days. Any copies of deleted data still held in our backups can therefore no longer be "
            "read by anyone {days} days after the deletion at the latest."
        ),
        "s9_p3": (
            "We also keep a list of all deletions, which itself holds no personal data. Should we ever "
            "have to restore a backup, we carry out every deletion on that list again before the system is "
            "used, so nothing deleted comes back."
        ),
        # [10]
        "s10": "Complaints to Datatilsynet",
        "s10_p1": (
            "If you are not satisfied with the way we process your personal data, you can complain to "
            "Datatilsynet, the Danish Data Protection Agency: {url}"
        ),
        "s10_p2": (
            "We would very much like to hear from you first, so that we can try to resolve the matter with "
            "you."
        ),
        "s10_p3": (
            "You can also take the matter to the courts if you believe that our processing of your personal "
            "data infringes your rights (GDPR Article 79). You can do so whether or not you have complained "
            "to Datatilsynet."
        ),
        # [11]
        "s11": "Disclosure of data",
        "s11_p1": (
            "We disclose personal data to our partners who run our systems. They are data processors: they "
            "may process the data only on our instructions."
        ),
        "s11_head_partner": "Partner",
        "s11_head_service": "Task",
        "s11_head_receives": "Receives",
        "s11_head_country": "Country",
        "s11_eu": "All our partners process the data within the EU/EEA.",
        "s11_eu_others": "Our other partners process the data within the EU/EEA.",
        "s11_third": (
            "{partner} processes the data in {country}, outside the EU/EEA. The transfer is based on "
            "{safeguard}."
        ),
        "s11_copy": (
            "You can obtain a copy of the safeguards for the transfer, or be told where they have been made "
            "available, by contacting us (see section 5)."
        ),
        "safeguard_adequacy": (
            "a decision of the European Commission that {country} ensures an adequate level of protection "
            "(GDPR Article 45)"
        ),
        "safeguard_scc": "the European Commission's standard contractual clauses (GDPR Article 46(2)(c))",
        "safeguard_bcr": "binding corporate rules approved by a supervisory authority (GDPR Article 47)",
        "safeguard_missing": "<<the basis of the transfer to {country} (partners.{key}.safeguard)>>",
        "s11_p2": (
            "Beyond that we do not disclose personal data to companies, organisations or individuals "
            "outside the company, unless the law obliges us to."
        ),
        # [12]
        "s12": "IT security",
        "s12_p1": (
            "We protect your personal data against unauthorised access, alteration, disclosure and "
            "destruction. We have put these organisational and technical measures in place:"
        ),
        "s12_p2": "Our staff have access only to the data they need for their work:",
        "s12_head_role": "Role",
        "s12_head_sees": "Can see",
        "s12_no_data": "No customer data",
        "s12_p3": (
            "Your personal data is encrypted in our database, and every time a member of staff looks at "
            "it, this is logged with the time and the purpose."
        ),
        # [13]
        "s13": "Evaluation and control",
        "s13_p1": (
            "The data controller makes sure that {every} we check and maintain our processing of personal "
            "data, so that our procedures, routines and policies are followed. Among other things, the "
            "control covers deletion, access rights and confidentiality declarations, agreements with "
            "partners, risk assessments, a test restore of our backups and how customers' requests were "
            "answered."
        ),
        "every_6": "every six months",
        "every_12": "every year",
        "every_3": "every quarter",
        "every_n": "every {n} months",
        # [14]
        "s14": "Adoption",
        "s14_adopted": "This privacy policy was prepared and adopted on {date}.",
        "s14_unsigned": "This privacy policy was prepared and adopted on:",
        "s14_date_label": "Date",
        "s14_version": "Version {version}.",
    },
}

COUNTRIES: Final[dict[str, tuple[str, str]]] = {
    "DK": ("Danmark", "Denmark"),
    "SE": ("Sverige", "Sweden"),
    "NO": ("Norge", "Norway"),
    "FI": ("Finland", "Finland"),
    "IS": ("Island", "Iceland"),
    "DE": ("Tyskland", "Germany"),
    "NL": ("Holland", "the Netherlands"),
    "IE": ("Irland", "Ireland"),
    "FR": ("Frankrig", "France"),
    "PL": ("Polen", "Poland"),
    "GB": ("Storbritannien", "the United Kingdom"),
    "US": ("USA", "the United States"),
    "CH": ("Schweiz", "Switzerland"),
    "CA": ("Canada", "Canada"),
    "JP": ("Japan", "Japan"),
    "IN": ("Indien", "India"),
    "AU": ("Australien", "Australia"),
    "UA": ("Ukraine", "Ukraine"),
}
