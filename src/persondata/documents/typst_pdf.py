"""PDF by Typst: a template reads its document's context as data and lays it out.

Why Typst (issue 17): WeasyPrint took 0.3–1 s for one letter (layout, font subsetting in fontTools, drawing);
Typst, a compiled typesetter behind the ``typst`` package, prints the same letter in a few tens of
milliseconds. The HTML of a document is still rendered by Django's templates from the same context.

How user data stays data: the context goes to the template as one JSON string in ``sys.inputs`` and the template
decodes it with ``json()``; every value is placed as a string, which Typst never parses as markup. A customer
named ``#eval("…")`` or ``*bold*`` is printed as exactly that (``tests/requests/test_letter_pdf.py``).

Fonts: none are bundled and none of the system's are read — Typst's own embedded fonts (Libertinus Serif, with
æ, ø and å) are used, so a PDF looks the same on every machine and no font directory is scanned at start.
One compiler is kept per template and process: it holds the parsed template, the loaded fonts and Typst's
memo of what it laid out before (the information sections every letter shares), so a letter pays for its own
data only. A compiler draws one document at a time (a second caller would fail with "Already borrowed"), so a
lock takes turns; Typst releases the GIL while it draws, so the process's other threads go on.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import typst

_compilers: dict[Path, tuple[typst.Compiler, threading.Lock]] = {}
_made = threading.Lock()


def _compiler(template: Path) -> tuple[typst.Compiler, threading.Lock]:
    with _made:
        if template not in _compilers:
            # root: the template's own folder, the only files a template may read
            compiler = typst.Compiler(template, root=template.parent, ignore_system_fonts=True)
            _compilers[template] = (compiler, threading.Lock())
        return _compilers[template]


def render(template: Path, data: dict[str, Any], *, now: datetime | None = None) -> bytes:
    """``data`` (JSON-able: strings, numbers, lists, dicts) laid out by the Typst ``template`` as a tagged PDF.

    ``now`` is the PDF's creation date (default: this moment)."""
    compiler, turn = _compiler(template)
    inputs = {"data": orjson.dumps(data).decode("utf-8")}
    with turn:
        pdf = compiler.compile(
            format="pdf", sys_inputs=inputs, timestamp=(now or datetime.now(tz=UTC)).replace(microsecond=0)
        )
    assert isinstance(pdf, bytes)  # one document, no output path: the bytes
    return pdf
