"""Version 1 of the two staff texts of policy [12], in Danish and English.

Plain text: paragraphs are separated by a blank line, and a line starting with "- " is a point of a list (see
``persondata.access.templatetags.declarations``). The data controller publishes a new version from the web app
when the company's wording differs; this is a sensible start, not legal advice.
"""

from __future__ import annotations

from typing import Final

from persondata.access.models import CONFIDENTIALITY, GUIDANCE

DEFAULT_TEXTS: Final[dict[str, dict[str, str]]] = {
    CONFIDENTIALITY: {
        "title_da": "Fortrolighedserklæring",
        "title_en": "Confidentiality declaration",
        "body_da": """\
Som medarbejder med adgang til virksomhedens systemer kan du få adgang til personoplysninger om vores kunder: \
navn, adresse, telefon, e-mail, kundenummer, ordrer, fakturaer og betalinger.

Ved at acceptere denne erklæring bekræfter du, at:
- du behandler alle personoplysninger om kunder fortroligt, både under og efter din ansættelse
- du kun slår oplysninger op, når dit arbejde kræver det, og kun til det formål, du vælger i systemet (need to know)
- du ikke videregiver oplysninger til andre — heller ikke til kolleger, der ikke har brug for dem i deres arbejde, \
eller til familie og venner
- du ikke kopierer, udskriver, fotograferer eller gemmer kundeoplysninger uden for virksomhedens systemer, \
medmindre dit arbejde kræver det
- du følger virksomhedens vejledning om sikker behandling af personoplysninger
- du straks melder det til den dataansvarlige, hvis du opdager eller har mistanke om, at personoplysninger er \
kommet til uvedkommendes kendskab, er gået tabt eller er blevet ændret

Tavshedspligten gælder også, når du er fratrådt. Brud på erklæringen kan få ansættelsesretlige følger.

Hvert opslag på en kunde skrives i adgangsloggen med dit brugernavn, tidspunkt og formål.""",
        "body_en": """\
As a member of staff with access to the company's systems, you may see personal data about our customers: \
name, address, phone, e-mail, customer number, orders, invoices and payments.

By accepting this declaration you confirm that:
- you treat all personal data about customers as confidential, during and after your employment
- you look up data only when your work requires it, and only for the purpose you choose in the system \
(need to know)
- you do not pass data on to anyone — not to colleagues who do not need it for their work, nor to family or \
friends
- you do not copy, print, photograph or store customer data outside the company's systems unless your work \
requires it
- you follow the company's guidance on secure processing of personal data
- you report to the data controller at once if you discover or suspect that personal data has come to the \
knowledge of unauthorised persons, has been lost or has been altered

The duty of confidentiality continues after you leave the company. A breach of this declaration may have \
consequences under your employment.

Every look at a customer is written to the access log with your login, the time and the purpose.""",
    },
    GUIDANCE: {
        "title_da": "Vejledning om sikker behandling af personoplysninger",
        "title_en": "Guidance on secure processing of personal data",
        "body_da": """\
Denne vejledning gælder for alle medarbejdere med adgang til systemer, der behandler personoplysninger.

Adgang og adgangskoder:
- brug en lang, personlig adgangskode, som du ikke bruger andre steder, og skift den udleverede adgangskode \
første gang du logger ind
- del aldrig dit login eller din adgangskode med andre, heller ikke med kolleger
- lås skærmen (Windows+L / Ctrl+Cmd+Q), når du forlader computeren, og log ud, når du er færdig
- slå kun kunder op, når dit arbejde kræver det (need to know)

E-mail og kopier:
- send ikke personoplysninger i almindelig e-mail til tredjemand; brug de aftalte, sikre kanaler
- gem ikke kopier af kundeoplysninger på private enheder, USB-nøgler eller private cloud-tjenester
- udskrifter med kundeoplysninger opbevares låst og makuleres, når de ikke længere skal bruges

Oplysninger, vi ikke må have:
- skriv aldrig CPR-numre i systemet, i e-mails eller i noter; virksomheden behandler ikke CPR-numre
- skriv aldrig fulde kortnumre; kun de sidste cifre må fremgå
- noter ikke følsomme oplysninger, fx om helbred, i kundeoplysningerne

Brud på sikkerheden:
- meld straks til den dataansvarlige, hvis en computer eller telefon bliver væk, hvis en e-mail med \
personoplysninger er sendt til den forkerte, eller hvis du har mistanke om, at nogen har fået uberettiget \
adgang; virksomheden skal anmelde brud til Datatilsynet inden 72 timer
- vær på vagt over for phishing: klik ikke på links og åbn ikke vedhæftede filer fra ukendte afsendere

Kundens rettigheder:
- henvend dig til den dataansvarlige, når en kunde beder om indsigt, berigtigelse eller sletning; fristen \
er en måned""",
        "body_en": """\
This guidance applies to every member of staff with access to systems that process personal data.

Access and passwords:
- use a long, personal password that you use nowhere else, and change the password you were given the first \
time you log in
- never share your login or your password with anyone, colleagues included
- lock the screen (Windows+L / Ctrl+Cmd+Q) when you leave the computer, and log out when you are done
- look up customers only when your work requires it (need to know)

E-mail and copies:
- do not send personal data in ordinary e-mail to third parties; use the agreed secure channels
- do not keep copies of customer data on private devices, USB sticks or private cloud services
- keep printouts with customer data locked away and shred them when they are no longer needed

Data we must not hold:
- never write CPR numbers into the system, e-mails or notes; the company does not process CPR numbers
- never write full card numbers; only the last digits may appear
- do not note sensitive data, such as health, in customer records

Security breaches:
- report to the data controller at once if a computer or phone is lost, if an e-mail with personal data went \
to the wrong recipient, or if you suspect that someone has gained unauthorised access; the company must \
notify the Danish Data Protection Agency within 72 hours
- beware of phishing: do not click links or open attachments from unknown senders

Customers' rights:
- pass a customer's request for access, rectification or erasure to the data controller at once; the deadline \
is one month""",
    },
}
