"""Plain policy text → HTML or Markdown, the only formatting a document's text needs.

The policy file and the document texts are plain text. Three things in them are special: web addresses and
e-mail addresses become links, and a ``<<placeholder>>`` the data controller has not filled in yet is shown
as such (highlighted in HTML, as code in Markdown) so it cannot be missed in a proof. Everything else is
escaped for the target format.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html import escape

from django.utils.safestring import SafeString, mark_safe

_TOKEN = re.compile(
    r"(?P<placeholder><<[^<>]*>>)"
    r"|(?P<url>https?://[^\s<>]*[^\s<>.,;:!?)»\"'])"
    r"|(?P<email>[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})"
)
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")
_MD_LINE_START = re.compile(r"^(\s*)([#+\-]|\d+\.)", re.MULTILINE)


def _convert(
    text: str,
    plain: Callable[[str], str],
    placeholder: Callable[[str], str],
    url: Callable[[str], str],
    email: Callable[[str], str],
) -> str:
    out: list[str] = []
    pos = 0
    for m in _TOKEN.finditer(text):
        out.append(plain(text[pos : m.start()]))
        if m["placeholder"]:
            out.append(placeholder(m["placeholder"]))
        elif m["url"]:
            out.append(url(m["url"]))
        else:
            out.append(email(m["email"]))
        pos = m.end()
    out.append(plain(text[pos:]))
    return "".join(out)


_SPECIAL = re.compile(r"<<|https?://|@")


def to_html(text: object) -> SafeString:
    """Escaped HTML with links and highlighted placeholders."""
    text = str(text)
    if not _SPECIAL.search(text):  # most text: nothing to link or highlight, only to escape
        return mark_safe(escape(text, quote=False))  # noqa: S308 — escaped
    return mark_safe(  # noqa: S308 — every piece is escaped here
        _convert(
            text,
            plain=lambda s: escape(s, quote=False),
            placeholder=lambda s: f'<mark class="placeholder">{escape(s)}</mark>',
            url=lambda s: f'<a href="{escape(s)}">{escape(s)}</a>',
            email=lambda s: f'<a href="mailto:{escape(s)}">{escape(s)}</a>',
        )
    )


def md_escape(text: str) -> str:
    escaped = _MD_SPECIAL.sub(r"\\\1", text)
    return _MD_LINE_START.sub(
        lambda m: m[1] + "\\" + m[2] if m[2][0] in "#+-" else m[1] + m[2][:-1] + "\\.", escaped
    )


def to_md(text: object) -> str:
    """Markdown-escaped text with autolinks; a placeholder stays visible as code."""
    return _convert(
        str(text),
        plain=md_escape,
        placeholder=lambda s: f"`{s}`",
        url=lambda s: f"<{s}>",
        email=lambda s: f"<{s}>",
    )
