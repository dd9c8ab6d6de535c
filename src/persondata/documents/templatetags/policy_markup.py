"""Template filters for documents: ``{{ text|html_text }}`` and ``{{ text|md_text }}`` (see ``markup``)."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from persondata.documents import markup

register = template.Library()


@register.filter
def html_text(value: object) -> SafeString:
    return markup.to_html(value)


@register.filter
def md_text(value: object) -> str:
    return markup.to_md(value)
