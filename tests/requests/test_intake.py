"""A public submission is stored first and matched after the answer, through the outbox: the POST does the same
work whether or not the details are a customer's; the match and the confirmation e-mail follow, exactly once."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from persondata.jobs import outbox
from persondata.jobs.models import Outbox
from persondata.requests import intake
from persondata.requests.models import Confirmation, Request
from tests.conftest import NOW

pytestmark = pytest.mark.django_db(transaction=True)
# what differs between two runs of the same statement: savepoint names, blobs, strings, numbers
LITERAL = re.compile(r'"s\d+_x\d+"|X\'[0-9A-F]*\'|\'[^\']*\'|\b\d+(\.\d+)?\b')


def _post(client: Client, **fields: str) -> Any:
    data = {"kind": "access", "language": "da", "website": "", **fields}
    return client.post("/privacy/request/", urlencode(data), content_type="application/x-www-form-urlencoded")


def test_a_public_submission_is_stored_pending_with_its_match_in_the_outbox(
    demo_customers: list[dict[str, Any]], smtp: Any
) -> None:
    record = demo_customers[2]
    with transaction.atomic():
        req = intake.submit("access", {"email": record["email"]}, channel="public", now=NOW)
        # in the submission's own transaction: the request, pending, and the work that follows it
        assert req.match == intake.PENDING and req.customer_id is None
        [row] = Outbox.objects.all()
        assert (row.kind, row.subject) == (intake.MATCH_JOB, outbox.subject("request", req.id))
        assert record["email"].encode() not in bytes(row.payload)
        assert not Confirmation.objects.exists()
    [mail] = smtp.messages  # after the commit: matched, and the link sent to the address on file
    req.refresh_from_db()
    assert req.match == "single" and req.customer_id is not None
    assert str(mail["To"]).lower() == record["email"].lower()
    assert list(req.events.values_list("event", flat=True).order_by("at", "id")) == [
        "received",
        "matched",
        "ask_identity",
    ]
    assert not Outbox.objects.exists()


def test_a_second_delivery_of_the_match_changes_nothing(
    demo_customers: list[dict[str, Any]], smtp: Any
) -> None:
    with transaction.atomic():
        req = intake.submit("access", {"email": demo_customers[3]["email"]}, channel="public", now=NOW)
        message_id = Outbox.objects.get().id
        message = outbox.read(message_id)
    assert len(smtp.messages) == 1
    events = req.events.count()
    intake.match_pending(
        message
    )  # at least once: the same message again, after a kill between send and delete
    assert req.events.count() == events and Confirmation.objects.count() == 1
    assert len(smtp.messages) == 1


def test_an_unmatched_submission_is_matched_to_none_and_nobody_is_written_to(smtp: Any) -> None:
    response = _post(Client(), email="nobody-here@example.invalid", name="Ingen Kunde")
    assert response.status_code == 303
    assert smtp.messages == []
    req = Request.objects.get()
    assert req.match == "none" and req.events.filter(event="matched").exists()


def test_matched_and_unmatched_submissions_do_the_same_database_work_in_the_post(
    demo_customers: list[dict[str, Any]], smtp: Any
) -> None:
    record = demo_customers[4]

    def statements(**fields: str) -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            assert _post(Client(), **fields).status_code == 303
        outbox.wait_for_outbox()
        # the same statements, whatever the values in them (ids, references, sealed bytes differ)
        # (the first submission of a minute also tidies the rate limiter's old buckets, whoever sends it)
        sql = [LITERAL.sub("?", q["sql"]) for q in queries.captured_queries]
        return [q for q in sql if not q.startswith('DELETE FROM "rights_rate_bucket"')]

    matched = statements(email=record["email"], name=record["name"])
    unmatched = statements(email="nobody-at-all@example.invalid", name="Ingen Kunde")
    assert matched == unmatched
    assert sorted(Request.objects.values_list("match", flat=True)) == ["none", "single"]
    assert len(smtp.messages) == 1
