"""The PDF letter printed by Typst: user data stays data, the page is A4, tables keep to it and break cleanly.

Through the real path: customers imported with the real import, answered with the real access answer, the PDF
printed by the outbox's handler (Typst) and read back with pypdf.
"""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.db import transaction
from pypdf import PdfReader

from persondata.access.actor import Actor
from persondata.requests.answers import answering as answers
from persondata.requests.answers.letters import texts
from tests.conftest import NOW
from tests.requests.answering import letter_texts, print_letters, raw, register, squash
from tests.retention.conftest import (  # noqa: F401 - fixtures
    agreement,
    customer,
    invoice,
    ledger_file,
    load,
    order,
    payment,
)

pytestmark = pytest.mark.django_db

IMPORTED = datetime(2026, 2, 1, 9, 0, tzinfo=UTC)
A4 = (595, 842)  # points, rounded
MARGIN_X = 18 / 25.4 * 72  # the letter's left and right margins, 18 mm

# Typst markup, code, maths, escapes, HTML — and what each would do if it were evaluated, not printed
HOSTILE = {
    "name": 'Testkunde #set page(paper: "a5") *fed* _kursiv_ $x^2$',
    "street": 'Prøvevej 1 #read("letter.typ") ] ) } \\ \\\\ @ref <label>',
    "city": "Aarhus C <script>alert(1)</script> #pagebreak() `kode` // ikke en kommentar",
    "description": "#let x = 1 #x [#](https://example.dk) = Overskrift \\u{41} " + "Æ" * 300,
    "long": "K" + "ø" * 180,  # a very long unbroken word
}


def hostile_customer() -> dict[str, Any]:
    c = customer(
        "H1",
        orders=[order("OH1", date(2026, 3, 2), date(2026, 3, 5))],
        agreements=[{**agreement("AH1", date(2025, 1, 1)), "description": HOSTILE["description"]}],
    )
    c["name"] = HOSTILE["name"]
    c["address"] = {"street": HOSTILE["street"], "postcode": "8000", "city": HOSTILE["city"]}
    c["orders"][0]["delivery"]["name"] = HOSTILE["long"]
    return c


def pages(data: bytes) -> list[Any]:
    return list(PdfReader(io.BytesIO(data)).pages)


def page_texts(data: bytes) -> list[str]:
    return [" ".join((page.extract_text() or "").split()) for page in pages(data)]


@pytest.fixture
def boss(controller: Any) -> Actor:
    return Actor.for_user(controller, "rights_requests", "web")


def test_hostile_values_print_verbatim_and_nothing_in_them_runs(
    load: Callable[..., dict[str, uuid.UUID]],  # noqa: F811
    boss: Actor,
) -> None:
    load([hostile_customer()], now=IMPORTED)
    request = register(boss, "access", {"customer_number": "H1", "name": HOSTILE["name"]})
    with transaction.atomic():
        answer = answers.answer_access(boss, request, now=NOW)
    html, pdf = letter_texts(boss, answer)
    data = raw(boss, answer.document("letter", "pdf"))
    for key, value in HOSTILE.items():
        assert squash(value) in squash(pdf), key  # every character printed, in order, none taken as markup
        assert squash(value) in squash(html), key
    # nothing evaluated: no A5 page, no file read into the letter, no page break, no heading from "= …"
    assert all((round(float(p.mediabox.width)), round(float(p.mediabox.height))) == A4 for p in pages(data))
    assert "sys.inputs" not in pdf and "json(" not in pdf  # the template's own source (#read) stayed unread
    assert "Overskrift \\u{41}" in pdf  # the escape printed as written, not turned into "A"
    # addresses are links (and only addresses): the customer's e-mail and the web address in the description
    uris = {
        str(a.get_object()["/A"]["/URI"])
        for page in pages(data)
        for a in page.get("/Annots") or []
        if "/A" in a.get_object()
    }
    assert {"mailto:kunde.h1@example.dk", "https://example.dk"} <= uris
    # the long word wraps inside its column; the rest of its row keeps to the page
    lines = [line for page in pages(data) for line in (page.extract_text() or "").splitlines()]
    assert max(len(line) for line in lines) < 140
    assert squash(HOSTILE["long"]) in squash(pdf)


def test_a_long_access_letter_is_a4_its_tables_repeat_their_header_and_numbers_stay_whole(
    load: Callable[..., dict[str, uuid.UUID]],  # noqa: F811
    boss: Actor,
) -> None:
    numbers = [f"ORD-2026-{i:06d}" for i in range(60)]
    invoices = [f"FAK-2026-{i:06d}" for i in range(30)]
    load(
        [
            customer(
                "L1",
                orders=[order(n, date(2026, 3, 2), date(2026, 3, 5)) for n in numbers],
                invoices=[invoice(n, date(2026, 3, 5), "1249.50") for n in invoices],
                payments=[
                    payment(f"BET-{i:06d}", n, date(2026, 3, 9), "1249.50") for i, n in enumerate(invoices)
                ],
            )
        ],
        now=IMPORTED,
    )
    for lang in ("da", "en"):
        request = register(boss, "access", {"customer_number": "L1"}, language=lang)
        with transaction.atomic():
            answer = answers.answer_access(boss, request, now=NOW)
        assert print_letters() == 1
        data = raw(boss, answer.document("letter", "pdf"))
        t = texts(lang)
        per_page = page_texts(data)
        assert len(per_page) >= 4
        assert all(
            (round(float(p.mediabox.width)), round(float(p.mediabox.height))) == A4 for p in pages(data)
        )
        whole = " ".join(per_page)
        for n in [*numbers, *invoices]:
            assert re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", whole), n  # never broken mid-string
        # every page that carries order rows starts them under the table's header
        order_head = " ".join((t["col_order"], t["col_ordered"], t["col_delivered"]))
        with_orders = [text for text in per_page if "ORD-2026-" in text]
        assert len(with_orders) >= 2, "60 orders take more than one page"
        assert all(order_head in text for text in with_orders)
        assert all(text.index(order_head) < text.index("ORD-2026-") for text in with_orders)
        # every line of text starts inside the page's margins
        for page in pages(data):
            xs: list[float] = []
            page.extract_text(
                visitor_text=lambda text, cm, tm, font, size, xs=xs: (
                    xs.append(tm[4] * cm[0] + cm[4]) if text.strip() else None
                )
            )
            assert xs and min(xs) >= MARGIN_X - 1 and max(xs) < A4[0] - MARGIN_X
