"""The Content-Security-Policy of a document the staff app shows as it was produced: a letter, a notification, a
report, the record of processing.

Such a document carries its styles in its own ``<style>`` element, so that the copy a customer receives (or the
controller files) looks the same when opened on its own, offline, and so that the PDF is printed from the same
HTML. The staff app's policy (``style-src 'self'``) would block that element; allowing inline styles in general
('unsafe-inline') would let any injected style in. Instead the document's answer allows exactly its own style
elements, by their SHA-256 hashes, and nothing else: no script, no frame, no form, no connection.
"""

from __future__ import annotations

import base64
import hashlib
import re

from django.http import HttpResponse

_STYLE = re.compile(rb"<style(?:\s[^>]*)?>(.*?)</style>", re.S | re.I)


def style_hashes(html: bytes) -> list[str]:
    """The CSP source of each ``<style>`` element's content: ``'sha256-…'``."""
    return [
        f"'sha256-{base64.b64encode(hashlib.sha256(css).digest()).decode()}'" for css in _STYLE.findall(html)
    ]


def document_csp(html: bytes) -> str:
    styles = " ".join(style_hashes(html)) or "'none'"
    return (
        f"default-src 'none'; style-src {styles}; img-src data:; form-action 'none'; frame-ancestors 'none'; "
        "base-uri 'none'"
    )


def with_document_csp(response: HttpResponse, html: bytes) -> HttpResponse:
    """``response`` (an HTML document) with the policy that lets exactly its own styles apply."""
    response["Content-Security-Policy"] = document_csp(html)
    return response
