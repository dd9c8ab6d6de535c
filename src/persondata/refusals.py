"""The free-text checks' refusals (:mod:`persondata.core.sensitive`) in the reader's language.

The core stays free of Django, so its :class:`~persondata.core.sensitive.Refusal` carries a stable code and an
English predicate ("contains a full payment card number — …"); this module gives the predicate in the active
language, for a sentence that names the field first ("Feltet »bemærkning« indeholder …").
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from persondata.core.sensitive import Refusal

#: the core's English predicate → the same in the active language (keyed on the text: one code has two)
_WORDS: dict[str, Promise] = {
    "contains something shaped like a CPR number (DDMMYY-XXXX); the company may not store CPR numbers "
    "(databeskyttelsesloven § 11) — remove it": _(
        "contains something shaped like a CPR number (DDMMYY-XXXX); the company may not store CPR numbers "
        "(databeskyttelsesloven § 11) — remove it"
    ),
    "contains a full payment card number — remove it; store only a masked reference": _(
        "contains a full payment card number — remove it; store only a masked reference"
    ),
    "shows more than 4 digits; mask all but the last four, e.g. '**** 1234'": _(
        "shows more than 4 digits; mask all but the last four, e.g. '**** 1234'"
    ),
    "is not masked; write it as e.g. '**** 1234'": _("is not masked; write it as e.g. '**** 1234'"),
    "is not an e-mail address; write it as name@example.dk": _(
        "is not an e-mail address; write it as name@example.dk"
    ),
}


def refusal_text(refusal: Refusal) -> str:
    """``refusal``'s predicate in the active language (the core's English for one this module does not know)."""
    words = _WORDS.get(refusal.message)
    return refusal.message if words is None else str(words)
