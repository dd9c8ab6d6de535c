"""Template filters for documents: ``{{ text|html_text }}`` and ``{{ text|md_text }}`` (see ``markup``)."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from persondata.documents import markup

register = template.Library()


@register.filter
def html_text(value: object) -> SafeString:
    return markup.to_html(value)


@register.filter
def html_rows(rows: tuple[tuple[object, ...], ...]) -> SafeString:
    """A table's body rows, every cell as ``html_text``: one pass in Python instead of a template loop per cell
    (an access answer's letter has thousands of cells; the loop was a quarter of the answer's time)."""
    return mark_safe(  # noqa: S308 — every cell is escaped by markup.to_html
        "".join("<tr>" + "".join(f"<td>{markup.to_html(c)}</td>" for c in row) + "</tr>\n" for row in rows)
    )


@register.filter
def md_text(value: object) -> str:
    return markup.to_md(value)
