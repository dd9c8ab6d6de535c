"""``persondata bench --phase requests``: the speed of answering customers' requests.

Runs inside a bench home (``persondata bench`` starts it as a subprocess, like the other phases, and reads the
``key=value`` lines it prints). It imports synthetic customers of the size the targets name — 50 orders, 30
invoices and 30 payments each — through the real import, registers requests as staff do, verifies identity, and
times the median of several runs of:

* ``access_json_ms`` — the access answer's copy alone: every record read (access-checked, logged), the access
  history, the sources, the information items, serialised as JSON (target ≤ 50 ms);
* ``access_full_ms`` — the complete access answer: the above, the letter (HTML and PDF), the CSV, every document
  sealed and stored, the request closed (target ≤ 1.5 s);
* ``erasure_ms`` — an erasure answer of a similar customer: partners told, everything but the accounting material
  deleted (keys destroyed, ledger written), the rest restricted, the letter written (HTML), the request closed
  (target ≤ 200 ms); ``erasure_full_ms`` adds printing that letter to PDF.

The access runs are rolled back (the request stays open for the next run); the erasures are committed, one
customer each. Synthetic data only: "Benchkunde" names, ``example.dk`` addresses.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from functools import partial
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


def _erase(answers: Any, actor: Any, request: Any, pdf: bool) -> object:
    from django.utils import timezone

    return answers.answer_erasure(actor, request, now=timezone.now(), pdf=pdf)


def _median_ms(times: list[float]) -> float:
    return statistics.median(times) * 1000


def phase_requests(runs: int = RUNS) -> None:
    from django.db import transaction
    from django.utils import timezone

    from persondata import runtime
    from persondata.access.actor import Actor
    from persondata.core.vault import normalize_customer_number
    from persondata.register.importer import import_files
    from persondata.register.models import Customer, new_id_hex
    from persondata.requests import intake, services
    from persondata.requests.answers import answering as answers

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

    access = registered("access", numbers[0])

    cpu: dict[str, list[float]] = {}

    def timed(work: Callable[[], object], *, keep: bool, name: str = "") -> float:
        with transaction.atomic():
            start, start_cpu = time.perf_counter(), time.process_time()
            work()
            seconds = time.perf_counter() - start
            cpu.setdefault(name, []).append(time.process_time() - start_cpu)
            if not keep:
                transaction.set_rollback(True)
        return seconds

    json_times = [
        timed(lambda: answers.access_copy(actor, access, now=timezone.now()).json, keep=False)
        for _ in range(runs)
    ]
    full_times: list[float] = []
    for _ in range(runs):
        access.refresh_from_db()
        full_times.append(
            timed(
                lambda: answers.answer_access(actor, access, now=timezone.now()),
                keep=False,
                name="access_full",
            )
        )
    erasure_times: list[float] = []
    erasure_full: list[float] = []
    for i, number in enumerate(numbers[1:]):
        request = registered("erasure", number)
        with_pdf = i % 2 == 1
        seconds = timed(partial(_erase, answers, actor, request, with_pdf), keep=True)
        (erasure_full if with_pdf else erasure_times).append(seconds)
    lines = {
        "access_json_ms": _median_ms(json_times),
        "access_full_ms": _median_ms(full_times),
        "erasure_ms": _median_ms(erasure_times),
        "erasure_full_ms": _median_ms(erasure_full),
        # the same on the CPU alone: what the machine's load does not inflate
        "access_full_cpu_ms": _median_ms(cpu["access_full"]),
    }
    sys.stdout.write("".join(f"{k}={v:.2f}\n" for k, v in lines.items()))
    sys.stdout.write(f"customers={Customer.objects.count()}\n")
