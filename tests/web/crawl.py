"""What the crawl test looks for on a page: raw keys, English on a Danish page, ISO dates.

The page's *visible* text is read: text nodes (not inside ``<script>``/``<style>``/``<template>``) and the
attributes a person reads or hears (``placeholder``, ``title``, ``aria-label``, ``alt``). A visible text is then
checked against

- the raw keys of the installation: the policy file's purposes, categories, partners, roles and duties, and the
  states, kinds and events of customers' requests — a text node that *is* a key, or any key with an underscore
  wherever it stands (``order_history``, ``awaiting_identity``);
- fixed shapes of codes shown to people: ``staff:1``, ``(single)``, ``RULES R3``, ``docs/partners.md``,
  ``letter (html, da)``;
- on a Danish page, every English msgid of the app's catalogues whose Danish translation differs, found whole
  (word boundaries), and English function words (``the``, ``and``, ``of`` …): text that never went through gettext;
- ISO dates (``2026-11-25``): a page shows dates as words, the way its language writes them (core/formats.py).

What the company wrote in its policy file as a placeholder (``<<name of the supplier …>>``) is its own input, not
the app's text, and is left out.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from persondata import runtime
from persondata.core import requests as rq
from persondata.core.policy import DUTIES

SRC = Path(__file__).resolve().parents[2] / "src" / "persondata"

#: codes that must never reach a page in any language
CODE_SHAPES = [
    re.compile(r"\b(?:staff|system|api|cli):\d+\b"),
    re.compile(r"\((?:single|ambiguous|pending|none|public|staff|api)\)"),
    re.compile(r"\bRULES\s+R\d+"),
    re.compile(r"\bdocs/[\w-]+\.md\b"),
    re.compile(r"\((?:html|pdf|json|csv|md),\s*(?:da|en)\)"),
    re.compile(r"\b[a-z]+(?:_[a-z]+)+\b"),  # a snake_case key
]
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
ENGLISH_WORDS = re.compile(r"\b(?:the|and|of|with|is|are|this|that|not|from|your|has|which|will|been)\b")
#: English msgids that are Danish words too ("Register over brud", "vores administrative system", a title)
ALSO_DANISH = {"Register", "administrative system", "Direktør"}
PLACEHOLDER = re.compile(r"<<[^<>]*>>")


def raw_keys() -> set[str]:
    policy = runtime.policy()
    keys = {*policy.purposes, *policy.categories, *(p.key for p in policy.partners), *policy.roles, *DUTIES}
    keys |= {e.value for e in (*rq.State, *rq.Kind, *rq.Event)} | {"None", "True", "False"}
    return keys


def english_msgids() -> list[re.Pattern[str]]:
    """The app's English source strings whose Danish differs, as whole-word patterns (placeholders split off)."""
    found: set[str] = set()
    for po in SRC.glob("**/locale/da/LC_MESSAGES/django.po"):
        for msgid, msgstr in catalogue(po).items():
            if msgstr.strip() == msgid.strip():
                continue
            # a policy file's key path in a message ("partners.%(partner)s.purposes") is what the user types
            msgid = re.sub(r"(?:\w{2,}|%\(\w+\)s)(?:\.(?:\w{2,}|%\(\w+\)s))+", " ", msgid)  # not "e.g."
            for piece in re.split(r"%\(\w+\)[sd]|%[sd]|\{[^}]*\}|<[^>]*>|\n", msgid):
                piece = piece.strip(" .,:;()·—-")
                # one-word msgids of four letters or fewer ("Show", "From") are too likely to be names or data
                long_enough = len(piece) >= 5 and (" " in piece or len(piece) >= 8)
                if long_enough and re.search(r"[a-z]", piece) and piece not in ALSO_DANISH:
                    found.add(piece)
    # one pattern, longest first, so that a page's text is read once
    alternatives = "|".join(re.escape(p) for p in sorted(found, key=len, reverse=True))
    return [re.compile(r"(?<![\w-])(?:" + alternatives + r")(?![\w-])")]


def catalogue(po: Path) -> dict[str, str]:
    """msgid → msgstr of a .po file's singular entries (plural and obsolete ones left out)."""
    entries: dict[str, str] = {}
    for block in po.read_text(encoding="utf-8").split("\n\n"):
        fields: dict[str, str] = {}
        key = ""
        for line in block.splitlines():
            if m := re.match(r'(msgid|msgstr|msgid_plural|msgctxt|msgstr\[\d\])\s+"(.*)"$', line):
                key = m[1]
                fields[key] = m[2]
            elif line.startswith('"') and key:
                fields[key] += line[1:-1]
        if fields.get("msgid") and "msgstr" in fields:
            entries[_unescape(fields["msgid"])] = _unescape(fields["msgstr"])
    return entries


def _unescape(text: str) -> str:
    return text.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")


class _Visible(HTMLParser):
    HIDDEN = {"script", "style", "template", "title"}
    VOID = {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
    }
    READ_ATTRS = ("placeholder", "title", "aria-label", "alt")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[tuple[str, bool]] = []  # (text, written in English on purpose: inside lang="en")
        self._open: list[tuple[str, bool, bool]] = []  # (tag, hidden or code, English)

    def _state(self) -> tuple[bool, bool]:
        return any(o[1] for o in self._open), any(o[2] for o in self._open)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag not in self.VOID:
            self._open.append((tag, tag in self.HIDDEN or tag == "code", found.get("lang") == "en"))
        skipped, english = self._state()
        for name in self.READ_ATTRS:
            if found.get(name) and not skipped:
                self.texts.append((str(found[name]), english))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i][0] == tag:
                del self._open[i:]
                break

    def handle_data(self, data: str) -> None:
        skipped, english = self._state()
        if not skipped and data.strip():
            self.texts.append((" ".join(data.split()), english))


def visible_texts(html: str) -> list[tuple[str, bool]]:
    """The page's visible texts, each with whether it stands inside an element marked ``lang="en"`` (the English
    version of a text shown beside the Danish one, on purpose). What ``<code>`` shows — what to type into the
    policy file — is the file's syntax, not the app's words, and is left out."""
    parser = _Visible()
    parser.feed(html)
    return [(t, en) for t, en in ((PLACEHOLDER.sub("", t).strip(), en) for t, en in parser.texts) if t]


def problems(html: str, lang: str, keys: set[str], msgids: list[re.Pattern[str]]) -> list[str]:
    """Each problem as ``what: 'the text'``; empty when the page is clean."""
    found: list[str] = []
    for text, english in visible_texts(html):
        if text in keys:
            found.append(f"raw key: {text!r}")
        for shape in CODE_SHAPES:
            if m := shape.search(text):
                found.append(f"code {m[0]!r} in {text[:120]!r}")
        if m := ISO_DATE.search(text):
            found.append(f"ISO date {m[0]!r} in {text[:120]!r}")
        if lang == "da" and not english:
            if m := ENGLISH_WORDS.search(text):
                found.append(f"English word {m[0]!r} in {text[:120]!r}")
            for pattern in msgids:
                if m := pattern.search(text):
                    found.append(f"untranslated {m[0]!r} in {text[:120]!r}")
                    break
    return found
