"""Template helpers of the staff pages: ``{% load declarations %}``.

(Not named ``staff``: that library name belongs to ``persondata.web``.)
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _

from persondata import runtime
from persondata.access import gate
from persondata.access.models import CONFIDENTIALITY, GUIDANCE

register = template.Library()

_KINDS = {CONFIDENTIALITY: _("Confidentiality declaration"), GUIDANCE: _("Guidance on secure processing")}


@register.filter
def text_blocks(text: str) -> list[tuple[str, Any]]:
    """Plain text → ``[("p", "…"), ("ul", ["…", "…"])]``: blank lines part paragraphs, "- " starts a point.

    The template renders the blocks with autoescaping on, so a text can never carry HTML.
    """
    blocks: list[tuple[str, Any]] = []
    for line in str(text).replace("\r\n", "\n").split("\n"):
        line = line.strip()
        kind = blocks[-1][0] if blocks else ""
        if not line:
            blocks.append(("", None))  # a paragraph ends
        elif line.startswith(("- ", "* ")):
            if kind == "ul":
                blocks[-1][1].append(line[2:].strip())
            else:
                blocks.append(("ul", [line[2:].strip()]))
        elif kind == "p":
            blocks[-1] = ("p", f"{blocks[-1][1]} {line}")  # a paragraph runs on over several lines
        else:
            blocks.append(("p", line))
    return [b for b in blocks if b[0]]


@register.filter
def text_title(text: Any) -> str:
    return str(text.title(runtime.language()))


@register.filter
def text_body(text: Any) -> str:
    return str(text.body(runtime.language()))


@register.filter
def kind_label(kind: str) -> str:
    return str(_KINDS.get(kind, kind))


@register.filter
def role_label(key: str) -> str:
    """The policy file's label of a role in the page's language; the key if the policy has no such role."""
    role = runtime.policy().roles.get(key)
    return role.label.get(runtime.language()) if role is not None else key


@register.simple_tag(takes_context=True)
def missing_declarations(context: template.Context) -> list[Any]:
    """``{% missing_declarations as missing %}``: the current texts the logged-in user has not acknowledged."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    return gate.missing_acknowledgements(user)


@register.filter
def role_reads(key: str) -> list[str]:
    """The labels of the data categories a role may read, in the policy file's order."""
    policy = runtime.policy()
    role = policy.roles.get(key)
    if role is None:
        return []
    lang = runtime.language()
    return [cat.label.get(lang) for k, cat in policy.categories.items() if k in role.read]
