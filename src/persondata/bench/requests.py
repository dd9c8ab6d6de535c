"""``persondata bench --phase requests``: the speed of answering customers' requests.

Runs inside a bench home (``persondata bench`` starts it as a subprocess, like the other phases, and reads the
``key=value`` lines it prints). It imports synthetic customers of the size the targets name — 50 orders, 30
invoices and 30 payments each — through the real import, registers requests as staff do, verifies identity, and
times the median of several runs of:

* ``access_json_ms`` — the access answer's copy alone: every record read (access-checked, logged), the access
  history, the sources, the information items, serialised as JSON (target ≤ 50 ms);
* ``access_ms`` — the complete access answer as the server does it: the above, the CSV, every document sealed and
  stored, the letter's context queued, the request closed, committed (target ≤ 30 ms);
* ``access_pdf_ms`` — from the start of that answer until its letter (HTML and PDF) is stored and can be
  downloaded: it is drawn after the commit by the outbox's kick, in a thread of the same process (``printing``);
* ``pdf_typst_ms``, ``pdf_weasyprint_ms`` — the access letter's PDF alone, by Typst from its data (now) and by
  WeasyPrint from its HTML (before issue 17), alternating in one window (:func:`_engines`);
* ``erasure_ms``, ``erasure_pdf_ms`` — the same for an erasure answer of a similar customer: partners told,
  everything but the accounting material deleted (keys destroyed, ledger written), the rest restricted, the
  letter written, the request closed (target ≤ 30 ms); then its PDF.

Every answer is committed (the PDF is printed only after a commit): one access request per run for the same
customer, one customer per erasure. Synthetic data only: "Benchkunde" names, ``example.dk`` addresses.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

RUNS = 7
ORDERS, INVOICES, PAYMENTS = 50, 30, 30


def _customer(number: str, today: date) -> dict[str, Any]:
    """A synthetic customer with 50 orders (two lines each), 30 invoices and 30 payments."""
    digits = "".join(c for c in number if c.isdigit())[-6:].rjust(6, "0")
    address: dict[str, str] = {
        "street": "Prøvevej 12",
        "postcode": "8000",
        "city": "Aarhus C",
        "country": "DK",
    }
    orders: list[dict[str, Any]] = []
    invoices: list[dict[str, Any]] = []
    payments: list[dict[str, Any]] = []
    for i in range(ORDERS):
        day = today - timedelta(days=20 * (i + 1))
        orders.append(
            {
                "order_number": f"{number}-O{i:03d}",
                "ordered_on": day.isoformat(),
                "delivered_on": (day + timedelta(days=2)).isoformat(),
                "total": "350.00",
                "delivery": {"name": f"Benchkunde {number}", **address},
                "lines": [
                    {"sku": "V1000", "description": "Servicebesøg", "quantity": 1, "unit_price": "250.00"},
                    {"sku": "V2000", "description": "Kørsel", "quantity": 1, "unit_price": "100.00"},
                ],
            }
        )
        if i < INVOICES:
            invoices.append(
                {
                    "invoice_number": f"{number}-F{i:03d}",
                    "invoice_date": (day + timedelta(days=2)).isoformat(),
                    "due_date": (day + timedelta(days=16)).isoformat(),
                    "order_number": f"{number}-O{i:03d}",
                    "total": "350.00",
                    "billing": {"name": f"Benchkunde {number}", **address},
                }
            )
        if i < PAYMENTS:
            payments.append(
                {
                    "payment_ref": f"{number}-P{i:03d}",
                    "invoice_number": f"{number}-F{i:03d}",
                    "paid_on": (day + timedelta(days=10)).isoformat(),
                    "amount": "350.00",
                    "method": "card",
                    "reference": "**** 4242",
                }
            )
    return {
        "customer_number": number,
        "name": f"Benchkunde {number}",
        "address": address,
        "phone": f"+45 70 {digits[:2]} {digits[2:4]} {digits[4:]}",
        "email": f"bench.{number.lower()}@example.dk",
        "orders": orders,
        "invoices": invoices,
        "payments": payments,
        "agreements": [
            {
                "agreement_ref": f"{number}-A1",
                "kind": "written",
                "starts_on": "2024-01-01",
                "description": "Eftersyn",
            }
        ],
    }


def _handler() -> Any:
    """The bench's request handler: a controller login with the declarations accepted."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from persondata.access.gate import missing_acknowledgements
    from persondata.access.models import StaffProfile
    from persondata.access.staff import acknowledge

    user_model = get_user_model()
    with transaction.atomic():
        user = user_model.objects.filter(username="bench-requests").first()
        if user is None:
            user = user_model.objects.create_user("bench-requests", password=None)
            StaffProfile.objects.create(user=user, roles=["controller"])
        for text in missing_acknowledgements(user):
            acknowledge(user, text, timezone.now())
    return user


def _median_ms(times: list[float]) -> float:
    return statistics.median(times) * 1000


def phase_requests(runs: int = RUNS) -> None:
    from django.db import transaction
    from django.utils import timezone

    from persondata import runtime
    from persondata.access.actor import Actor
    from persondata.core.vault import normalize_customer_number
    from persondata.jobs import outbox
    from persondata.register.importer import import_files
    from persondata.register.models import Customer, new_id_hex
    from persondata.requests import intake, services
    from persondata.requests.answers import answering as answers
    from persondata.requests.models import Document

    actor = Actor.for_user(_handler(), "rights_requests", "cli")
    tag = new_id_hex()[-6:].upper()
    today = timezone.localdate()
    numbers = [f"BR{tag}A"] + [f"BR{tag}E{i}" for i in range(runs)]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench-requests.jsonl"
        path.write_text(
            "".join(json.dumps(_customer(n, today), ensure_ascii=False) + "\n" for n in numbers),
            encoding="utf-8",
        )
        report = import_files([path], now=timezone.now())
        assert report.status == "done", "the bench customers did not import"
    vault = runtime.vault()

    def customer_id(number: str) -> Any:
        return Customer.objects.get(
            number_bidx=vault.blind_index("customer_number", normalize_customer_number(number))
        ).id

    def registered(kind: str, number: str) -> Any:
        with transaction.atomic():
            now = timezone.now()
            request = intake.submit(kind, {"customer_number": number}, channel="staff", now=now, by=actor)
            assert request.customer_id == customer_id(number)
            services.verify_manually(actor, request, "in_person", now=now)
        request.refresh_from_db()
        return request

    cpu: list[float] = []

    def answered(kind: str, number: str) -> tuple[float, float]:
        """(server time, time until the PDF is stored) of one committed answer, in seconds from its start."""
        request = registered(kind, number)
        answer = answers.answer_access if kind == "access" else answers.answer_erasure
        start, start_cpu = time.perf_counter(), time.thread_time()
        with transaction.atomic():
            answer(actor, request, now=timezone.now())
        served = time.perf_counter() - start
        cpu.append(time.thread_time() - start_cpu)
        while not Document.objects.filter(request=request, fmt="pdf").exists():
            time.sleep(0.002)
        ready = time.perf_counter() - start
        outbox.wait_for_outbox()  # the printing thread's last steps: not into the next answer's time
        return served, ready

    access = registered("access", numbers[0])
    json_times = []
    for _ in range(runs):
        with transaction.atomic():
            t0 = time.perf_counter()
            answers.access_copy(actor, access, now=timezone.now())
            json_times.append(time.perf_counter() - t0)
            transaction.set_rollback(True)
    access_runs = [answered("access", numbers[0]) for _ in range(runs)]
    engines = _engines(actor, registered("access", numbers[0]), runs)
    access_cpu, cpu[:] = list(cpu), []
    erasure_runs = [answered("erasure", number) for number in numbers[1:]]
    lines = {
        "access_json_ms": _median_ms(json_times),
        "access_ms": _median_ms([served for served, _ in access_runs]),
        "access_pdf_ms": _median_ms([ready for _, ready in access_runs]),
        "erasure_ms": _median_ms([served for served, _ in erasure_runs]),
        "erasure_pdf_ms": _median_ms([ready for _, ready in erasure_runs]),
        # the answer on the CPU alone (its own thread): what the machine's load does not inflate
        "access_cpu_ms": _median_ms(access_cpu),
        "erasure_cpu_ms": _median_ms(cpu),
        **engines,
    }
    sys.stdout.write("".join(f"{k}={v:.2f}\n" for k, v in lines.items()))
    sys.stdout.write(f"customers={Customer.objects.count()}\n")


def _vary(value: Any, run: int) -> Any:
    """Every text of a letter's data changed a little: a new letter to Typst, which remembers what it drew."""
    if isinstance(value, str):
        return f"{value} {run}" if value else value
    if isinstance(value, list):
        return [_vary(v, run) for v in value]
    if isinstance(value, dict):
        return {k: v if k in ("kind", "key", "level", "lang") else _vary(v, run) for k, v in value.items()}
    return value


def _engines(actor: Any, request: Any, runs: int) -> dict[str, float]:
    """The access letter's PDF by Typst (from its data) and by WeasyPrint (from its HTML, as before issue 17),
    alternating, each run a letter changed a little: median ms and CPU ms of each."""
    from django.db import transaction
    from django.utils import timezone

    from persondata.documents.privacy_policy import html_to_pdf
    from persondata.jobs import outbox
    from persondata.jobs.models import Outbox
    from persondata.requests.answers import answering as answers
    from persondata.requests.answers import letters, printing

    with transaction.atomic():  # the answer's letter as the outbox would draw it; then all rolled back
        answers.answer_access(actor, request, now=timezone.now())
        row = Outbox.objects.filter(kind=printing.KIND, subject=outbox.subject("request", request.id)).get()
        data = outbox.read(row.id).payload["letter"]
        transaction.set_rollback(True)
    letters.render_pdf(data)  # the compiler's first use: its fonts loaded
    times: dict[str, list[float]] = {"typst": [], "weasyprint": [], "typst_cpu": [], "weasyprint_cpu": []}
    for run in range(runs):
        letter = _vary(data, run)
        for engine in ("weasyprint", "typst") if run % 2 else ("typst", "weasyprint"):
            start, start_cpu = time.perf_counter(), time.process_time()
            if engine == "typst":
                letters.render_pdf(letter)
            else:
                html_to_pdf(letters.render_html(letter).decode("utf-8"))
            times[engine].append(time.perf_counter() - start)
            times[f"{engine}_cpu"].append(time.process_time() - start_cpu)
    return {f"pdf_{k}_ms": _median_ms(v) for k, v in times.items()}
