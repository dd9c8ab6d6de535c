"""Template filters over :mod:`persondata.documents.labels`: ``{% load labels %}``, then ``{{ key|purpose }}``,
``{{ keys|categories }}``, ``{{ key|partner }}``, ``{{ key|role }}``, ``{{ state|request_state }}``,
``{{ kind|request_kind }}``, ``{{ event|request_event }}``, ``{{ code|actor }}``, ``{{ channel|channel }}``,
``{{ match|match }}``, ``{{ n|days_left }}``, ``{{ key|safeguard }}``, ``{% document_label d %}`` and
``{{ finding|policy_file_words }}`` — the words for a key, in the page's language."""

from __future__ import annotations

import re
from functools import partial
from typing import Any

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from persondata.documents import labels

register = template.Library()

register.filter("purpose", labels.purpose)
register.filter("category", labels.category)
register.filter("categories", labels.categories)
register.filter("partner", labels.partner)
register.filter("role", labels.role)
register.filter("actor", labels.actor)
register.filter("days_left", labels.days_left)


for _name, _table in (
    ("request_state", labels.STATES),
    ("request_kind", labels.KINDS),
    ("request_event", labels.EVENTS),
    ("channel", labels.CHANNELS),
    ("match", labels.MATCHES),
    ("safeguard", labels.SAFEGUARDS),
):
    register.filter(_name, partial(labels.of, _table))


@register.simple_tag
def document_label(document: Any) -> str:
    return labels.document(document.kind, document.fmt, document.language)


#: what a person types into the policy file: ``key = value``, a ``[section]``, a dotted or snake_case key
_FILE_SYNTAX = re.compile(
    r"\[[a-z_.]+\]"
    r"|\b[a-z_]+(?:\.[a-z_]+)*\s*=\s*(?:\"[^\"]*\"|\[[^\]]*\]|[\w.:-]+)"
    r"|\b(?:[a-z]+_[a-z_]+|(?:retention|partners|roles|categories|purposes|controller|review)\.[a-z_.]+)\b"
)


@register.filter
def policy_file_words(text: str) -> SafeString:
    """A finding of the policy check for the page: what to write in the policy file is shown as code
    (``<code>retention.policy_max_months = 72</code>``), the rest as text."""
    text, out, at = str(text), [], 0
    for m in _FILE_SYNTAX.finditer(text):
        out += [escape(text[at : m.start()]), format_html("<code>{}</code>", m[0])]
        at = m.end()
    return mark_safe("".join([*out, escape(text[at:])]))  # noqa: S308 - every piece is escaped above
