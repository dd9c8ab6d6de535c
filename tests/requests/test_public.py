"""The public pages under /privacy/ through Django's test client: policy, form, limits, confirmation, schema.

The end-to-end path in a real browser is in test_public_browser.py; many workers at once against the real server
in test_public_serve.py.
"""

from __future__ import annotations

import json
import logging
import re
import socket
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from persondata.audit.models import AuditEntry
from persondata.core.requests import State
from persondata.jobs.outbox import wait_for_outbox
from persondata.public import ratelimit
from persondata.public import views as public_views
from persondata.requests import intake, services
from persondata.requests.models import Confirmation, RateBucket, Request

pytestmark = pytest.mark.django_db(transaction=True)

REFERENCE = re.compile(r"PD-[0-9A-Z]{4}-[0-9A-Z]{4}")
CPR = "010190-1234"  # synthetic, CPR-shaped
URLENCODED = "application/x-www-form-urlencoded"


def form(**fields: str) -> dict[str, str]:
    return {"kind": "access", "language": "da", "website": "", **fields}


def send(client: Client, **fields: str) -> Any:
    """Post the form as a browser does (URL-encoded: the form has no enctype); then wait for what follows the
    answer in the background (the match, the confirmation e-mail)."""
    response = client.post("/privacy/request/", urlencode(form(**fields)), content_type=URLENCODED)
    wait_for_outbox()
    return response


def thanks_page(client: Client, response: Any) -> str:
    assert response.status_code == 303, response.content.decode()[:2000]
    assert response["Location"] == "/privacy/request/thanks/"
    page = client.get(response["Location"])
    assert page.status_code == 200
    return str(page.content.decode())


def token_of(link: str) -> str:
    return link.rstrip("/").rsplit("/", 1)[1]


# -- the policy ------------------------------------------------------------------------------------------------
def test_the_policy_is_public_in_danish_with_english_on_request() -> None:
    client = Client()
    page = client.get("/privacy/", HTTP_ACCEPT_LANGUAGE="en")  # the browser's wish does not decide: Danish
    html = page.content.decode()
    assert page.status_code == 200
    assert '<html lang="da">' in html and "Persondatapolitik for kunder" in html
    assert "Dine rettigheder" in html and "Klage til Datatilsynet" in html
    assert 'href="/privacy/request/"' in html and "Send en henvendelse" in html
    assert "script" not in html and "style=" not in html  # the CSP forbids inline scripts and styles
    english = client.get("/privacy/", {"lang": "en"})
    assert '<html lang="en">' in english.content.decode()
    assert "Privacy policy for customers" in english.content.decode()
    # the choice is remembered: the form is in English too
    assert "Send a request about your personal data" in client.get("/privacy/request/").content.decode()
    # Django's set_language (the staff pages' switch) works the same way
    other = Client()
    other.post("/i18n/setlang/", {"language": "en", "next": "/privacy/"})
    assert "Privacy policy for customers" in other.get("/privacy/").content.decode()


def test_the_form_offers_every_kind_explained_in_both_languages() -> None:
    da = Client().get("/privacy/request/").content.decode()
    en = Client().get("/privacy/request/", {"lang": "en"}).content.decode()
    for kind in (
        "information",
        "access",
        "rectification",
        "erasure",
        "restriction",
        "portability",
        "objection",
        "other",
    ):
        assert f'name="kind" value="{kind}"' in da
        assert f'id="kind-{kind}-hint"' in da
    assert "Se de oplysninger, vi har om dig" in da and "Ret forkerte oplysninger" in da
    assert "See the data we hold about you" in en and "Correct wrong data" in en
    assert 'name="csrfmiddlewaretoken"' in da
    for name, most in intake.REQUESTER_FIELDS.items():
        assert f'name="{name}" id="id_{name}" maxlength="{most}"' in da
    assert 'name="website"' in da and 'tabindex="-1"' in da  # the honeypot, out of people's way


def test_the_form_is_csrf_protected() -> None:
    client = Client(enforce_csrf_checks=True)
    assert send(client, name="Test Testesen").status_code == 403
    page = client.get("/privacy/request/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token
    data = urlencode(form(name="Test Testesen", csrfmiddlewaretoken=token.group(1)))
    response = client.post("/privacy/request/", data, content_type=URLENCODED)
    assert response.status_code == 303
    wait_for_outbox()  # the match runs after the answer, in the outbox's thread: let it finish before reading
    assert Request.objects.count() == 1


# -- submitting ------------------------------------------------------------------------------------------------
def test_a_request_for_someone_elses_data_sends_the_link_to_the_address_on_file_only(
    demo_customers: list[dict[str, Any]], smtp: Any
) -> None:
    victim = demo_customers[3]
    typed = "attacker@example.net"
    client = Client()
    response = send(client, customer_number=victim["customer_number"], email=typed, name="Someone Else")
    assert REFERENCE.search(response["Location"]) is None  # the reference is not in the URL
    page = thanks_page(client, response)
    req = Request.objects.get()
    assert req.match == "single" and req.state == State.AWAITING_IDENTITY
    assert req.reference in page
    [msg] = smtp.messages
    assert str(msg["To"]).lower() == victim["email"].lower()
    assert smtp.to(typed) == []
    # nothing about the customer on any page the requester sees
    for secret in (victim["email"], victim["name"], victim["phone"], victim["address"]["street"]):
        assert secret not in page
    assert victim["email"] not in response.content.decode()
    # the mail names the request by its reference only
    body = msg.get_body(preferencelist=("plain",))
    assert body is not None and req.reference in body.get_content()


def _app_log(caplog: pytest.LogCaptureFixture) -> str:
    """What the application logged (not the test's own SMTP server, aiosmtpd's ``mail.log``)."""
    formatter = logging.Formatter()
    return "\n".join(
        r.getMessage() + (formatter.formatException(r.exc_info) if r.exc_info else "")
        for r in caplog.records
        if not r.name.startswith("mail.")
    )


def _without_reference(html: str) -> str:
    return REFERENCE.sub("PD-XXXX-XXXX", html)


def test_matched_and_unmatched_requests_get_the_same_page(
    demo_customers: list[dict[str, Any]], smtp: Any
) -> None:
    matched, unmatched = Client(), Client()
    a = send(matched, email=demo_customers[0]["email"], name=demo_customers[0]["name"])
    b = send(unmatched, email="nobody@example.invalid", name="Ingen Kunde")
    assert (a.status_code, a["Location"]) == (b.status_code, b["Location"])
    page_a, page_b = thanks_page(matched, a), thanks_page(unmatched, b)
    assert _without_reference(page_a) == _without_reference(page_b)
    assert REFERENCE.search(page_a) and REFERENCE.search(page_b)
    assert "vi har registreret på dig" in page_a  # "… the e-mail address we have on file"
    assert sorted(Request.objects.values_list("match", flat=True)) == ["none", "single"]
    wait_for_outbox()  # the e-mail leaves in the background
    assert len(smtp.messages) == 1  # only the customer on file was written to


def test_the_thank_you_page_needs_the_fresh_submission() -> None:
    client = Client()
    assert client.get("/privacy/request/thanks/")["Location"] == "/privacy/request/"
    thanks_page(client, send(client, name="Test Testesen"))
    client.cookies[public_views.THANKS_COOKIE] = "PD-AAAA-BBBB|2030-01-01"  # not signed by us: refused
    assert client.get("/privacy/request/thanks/").status_code == 302


def test_the_thank_you_page_shows_the_reference_the_due_date_and_what_happens_next() -> None:
    client = Client()
    page = thanks_page(client, send(client, name="Test Testesen", language="en"))
    req = Request.objects.get()
    assert req.reference in page and req.language == "en"
    assert f"{req.due_on.day}. " in page and str(req.due_on.year) in page  # Danish date: "28. december 2026"
    assert "Hvad sker der nu?" in page and "inden for en måned" in page


@pytest.mark.parametrize(
    ("fields", "field", "fix"),
    [
        ({"kind": "shoe_size", "name": "Test"}, "kind", "Vælg, hvad din henvendelse drejer sig om."),
        ({"name": "x" * 201}, "name", "skriv højst 200 tegn (du skrev 201)"),
        ({"name": "Test", "message": f"mit cpr er {CPR}"}, "message", "ligner et CPR-nummer"),
        ({"name": f"Test {CPR}"}, "name", "ligner et CPR-nummer"),
        ({"name": "Test", "phone": "4111 1111 1111 1111"}, "phone", "betalingskortnummer"),
        ({"email": "not-an-address"}, "email", "skriv den som navn@example.dk"),
        ({"message": "Hej"}, "name", "Skriv mindst dit navn"),
        ({"kind": "rectification", "name": "Test"}, "message", "hvad der er forkert, og hvad der er rigtigt"),
        ({"name": "Test", "language": "de"}, "language", "Vælg dansk eller engelsk."),
    ],
)
def test_malformed_input_gets_the_form_back_naming_the_field_and_the_fix(
    fields: dict[str, str], field: str, fix: str
) -> None:
    response = send(Client(), **fields)
    html = response.content.decode()
    assert response.status_code == 400
    assert fix in html
    anchor = {"kind": "kind-information", "language": "language-da"}.get(field, f"id_{field}")
    assert f'<a href="#{anchor}">' in html  # the summary links to the field
    assert CPR not in html and "4111 1111" not in html  # never shown back
    assert not Request.objects.exists() and not RateBucket.objects.exists()


def test_the_form_keeps_good_input_and_drops_only_what_may_not_be_shown() -> None:
    html = send(Client(), name="Test Testesen", message=f"nummer {CPR}", address="Testvej 1").content.decode()
    assert 'value="Test Testesen"' in html and ">Testvej 1</textarea>" in html
    assert 'aria-invalid="true"' in html and CPR not in html


def test_the_honeypot_stops_bots() -> None:
    response = send(Client(), name="Test Testesen", website="http://spam.example")
    assert response.status_code == 400 and "Lad være tomt" in response.content.decode()
    assert not Request.objects.exists()


def test_an_oversized_body_is_refused_unread_with_413() -> None:
    client = Client(enforce_csrf_checks=True)  # refused before the CSRF check would read the body
    response = send(client, name="Test", message="x" * (public_views.max_body() + 1))
    assert response.status_code == 413
    html = response.content.decode()
    assert "Henvendelsen var for stor" in html and "64 KB" in html and "4000 tegn" in html
    assert not Request.objects.exists()


def test_the_largest_valid_form_fits_under_the_body_limit() -> None:
    most = intake.REQUESTER_FIELDS
    full = {name: "€" * n for name, n in most.items() if name not in ("email", "customer_number")}
    full["message"] = "Forkert: " + "€" * (most["message"] - 20) + " Rigtigt."
    response = send(Client(), email="a@example.dk", customer_number="K" * most["customer_number"], **full)
    assert response.status_code == 303, response.content.decode()[:3000]


def test_a_body_limit_set_in_settings_applies(settings: Any) -> None:
    settings.PERSONDATA_PUBLIC_MAX_BODY = 2048
    assert send(Client(), name="Test", message="y" * 2100).status_code == 413
    assert send(Client(), name="Test", message="y" * 1900).status_code == 303


# -- rate limits -----------------------------------------------------------------------------------------------
def test_a_flood_from_one_address_gets_429_and_nothing_beyond_the_limit_is_stored() -> None:
    flood = Client(REMOTE_ADDR="203.0.113.7")
    statuses = [send(flood, name=f"Test {i}").status_code for i in range(8)]
    assert statuses == [303] * 5 + [429] * 3
    assert Request.objects.count() == 5
    refused = send(flood, name="Test 9")
    html = refused.content.decode()
    assert "For mange henvendelser lige nu" in html and "dansk tid" in html
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert re.search(r"efter kl\. \d\d:\d\d", html)
    # someone else is not affected, and the buckets hold no address
    assert send(Client(REMOTE_ADDR="203.0.113.8"), name="Other").status_code == 303
    assert all("203.0.113" not in b for b in RateBucket.objects.values_list("bucket", flat=True))


def test_a_limit_reached_between_check_and_commit_rolls_the_submission_back() -> None:
    """Two workers can pass the quick check at once; the count in the transaction still stops the sixth."""
    bucket, now = "client:test", timezone.now()
    for _ in range(5):
        with transaction.atomic():
            ratelimit.take(bucket, now)
    assert ratelimit.blocked_until(bucket, now) is not None
    with pytest.raises(ratelimit.RateLimited) as refused, transaction.atomic():
        intake.submit("access", {"name": "Test"}, channel="public", now=now)
        ratelimit.take(bucket, now)
    assert refused.value.until > now
    assert not Request.objects.exists()
    client_window = ratelimit.limits(bucket)[0].window(now)
    assert RateBucket.objects.get(bucket=bucket, window_start=client_window).count == 5


def test_the_global_ceiling_stops_a_flood_from_many_addresses(settings: Any) -> None:
    settings.PERSONDATA_PUBLIC_LIMIT_GLOBAL = 3
    statuses = [send(Client(REMOTE_ADDR=f"198.51.100.{i}"), name="Test").status_code for i in range(1, 6)]
    assert statuses == [303, 303, 303, 429, 429]
    assert Request.objects.count() == 3


def test_forwarded_for_is_trusted_only_behind_the_proxy(settings: Any) -> None:
    def flood() -> list[int]:
        return [
            send(Client(HTTP_X_FORWARDED_FOR=f"192.0.2.{i}"), name="Test").status_code for i in range(1, 8)
        ]

    settings.BEHIND_PROXY = False
    assert flood()[-2:] == [429, 429]  # all from 127.0.0.1, whatever the header says
    RateBucket.objects.all().delete()
    settings.BEHIND_PROXY = True
    assert flood() == [303] * 7  # seven clients behind the proxy


def test_ipv6_clients_count_per_64_network() -> None:
    def bucket(address: str) -> str:
        request = Client().get("/privacy/").wsgi_request
        request.META["REMOTE_ADDR"] = address
        return ratelimit.client_bucket(request)

    assert bucket("2001:db8:1:2::1") == bucket("2001:db8:1:2:ffff::9")
    assert bucket("2001:db8:1:2::1") != bucket("2001:db8:1:3::1")
    assert bucket("::ffff:192.0.2.1") == bucket("192.0.2.1") != bucket("192.0.2.2")


def test_old_buckets_are_removed() -> None:
    old = timezone.now() - timedelta(days=3)
    RateBucket.objects.create(bucket="client:old", window_start=old, count=2)
    send(Client(), name="Test")
    assert not RateBucket.objects.filter(bucket="client:old").exists()


# -- identity confirmation -------------------------------------------------------------------------------------
def _submitted(
    demo_customers: list[dict[str, Any]], smtp: Any, settings: Any, i: int = 0
) -> tuple[Request, str]:
    settings.PERSONDATA_PUBLIC_URL = "http://testserver"
    client = Client()
    thanks_page(client, send(client, email=demo_customers[i]["email"]))
    req = Request.objects.order_by("-received_at").first()
    assert req is not None
    return req, smtp.link_in(smtp.messages[-1])


def test_the_link_shows_a_button_and_only_the_button_confirms(
    demo_customers: list[dict[str, Any]], smtp: Any, settings: Any
) -> None:
    req, link = _submitted(demo_customers, smtp, settings)
    client = Client()
    page = client.get(link)
    html = page.content.decode()
    assert page.status_code == 200 and "Bekræft din henvendelse" in html
    assert page["Referrer-Policy"] == "strict-origin"  # the Referer holds no path, so no token
    assert 'action="/privacy/confirm/"' in html  # the token travels in the body, not in a URL
    req.refresh_from_db()
    assert req.state == State.AWAITING_IDENTITY  # looking at the link (a mail scanner) confirms nothing
    assert client.get(link).status_code == 200
    done = client.post("/privacy/confirm/", {"token": token_of(link)})
    assert done.status_code == 200 and "din henvendelse er bekræftet" in done.content.decode()
    req.refresh_from_db()
    assert req.state == State.IN_PROGRESS and req.identity_method == "email_link"


def _failed(response: Any, status: int, code: str, *secrets: str) -> str:
    html = str(response.content.decode())
    assert response.status_code == status, html[:2000]
    assert f'data-code="{code}"' in html
    for secret in secrets:
        assert secret not in html
    assert not REFERENCE.search(html)  # a failure page names no request
    return html


def test_a_replayed_link_is_refused(demo_customers: list[dict[str, Any]], smtp: Any, settings: Any) -> None:
    _req, link = _submitted(demo_customers, smtp, settings)
    client = Client()
    assert client.post("/privacy/confirm/", {"token": token_of(link)}).status_code == 200
    html = _failed(client.get(link), 410, "used", demo_customers[0]["email"])
    assert "Linket er allerede brugt" in html
    _failed(client.post("/privacy/confirm/", {"token": token_of(link)}), 410, "used")
    english = _failed(client.get(link, {"lang": "en"}), 410, "used")
    assert "This link has already been used" in english
    assert Confirmation.objects.filter(used_at__isnull=False).count() == 1


def test_a_forged_link_is_refused_and_discloses_nothing(
    demo_customers: list[dict[str, Any]], smtp: Any, settings: Any
) -> None:
    req, link = _submitted(demo_customers, smtp, settings)
    forged = token_of(link)[:-3] + "abc"
    client = Client()
    html = _failed(client.get(f"/privacy/confirm/{forged}/"), 400, "unknown")
    assert "Linket er ikke gyldigt" in html
    _failed(client.post("/privacy/confirm/", {"token": forged}), 400, "unknown")
    _failed(client.get(f"/privacy/confirm/{'a' * 200}/"), 400, "unknown")
    _failed(client.post("/privacy/confirm/", {}), 400, "unknown")
    req.refresh_from_db()
    assert req.state == State.AWAITING_IDENTITY


def test_an_expired_link_is_refused(demo_customers: list[dict[str, Any]], smtp: Any, settings: Any) -> None:
    req, link = _submitted(demo_customers, smtp, settings)
    Confirmation.objects.filter(request=req).update(expires_at=timezone.now() - timedelta(minutes=1))
    client = Client()
    html = _failed(client.get(link), 410, "expired")
    assert "Linket er udløbet" in html and "7 dage" in html
    _failed(client.post("/privacy/confirm/", {"token": token_of(link)}), 410, "expired")
    req.refresh_from_db()
    assert req.state == State.AWAITING_IDENTITY


def test_a_replaced_link_and_a_closed_request_are_refused(
    demo_customers: list[dict[str, Any]], smtp: Any, settings: Any
) -> None:
    req, first = _submitted(demo_customers, smtp, settings)
    with transaction.atomic():
        services.send_confirmation(req, now=timezone.now())  # staff send a new link: the first is revoked
    second = smtp.link_in(smtp.messages[-1])
    client = Client()
    assert "Linket er erstattet af et nyere" in _failed(client.get(first), 410, "revoked")
    with transaction.atomic():
        services.withdraw("customer", req, now=timezone.now())
    assert "Henvendelsen er afsluttet" in _failed(client.get(second), 410, "closed")
    _failed(client.post("/privacy/confirm/", {"token": token_of(second)}), 410, "closed")


def test_the_token_is_never_logged(
    demo_customers: list[dict[str, Any]], smtp: Any, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    _req, link = _submitted(demo_customers, smtp, settings)
    token = token_of(link)
    client = Client()
    with caplog.at_level(logging.DEBUG):
        client.get(link)
        client.post("/privacy/confirm/", {"token": token})
        client.get(link)  # 410: Django would log the path of a 4xx response
        client.get(link[:-5] + "xxxx/")  # 400
        Client(enforce_csrf_checks=True).post("/privacy/confirm/", {"token": token})  # 403: CSRF failure
        assert Client(enforce_csrf_checks=True).post(link).status_code == 405  # the button posts elsewhere
        assert client.head(link).status_code == 410
        send(client, kind="nonsense")  # a 400 whose path holds no secret is logged as usual
    logged = _app_log(caplog)
    assert "Bad Request: /privacy/request/" in logged  # the log is captured
    assert token not in logged and token[:-4] not in logged
    assert AuditEntry.objects.exists()
    for entry in AuditEntry.objects.all():
        assert token not in json.dumps(entry.details) and demo_customers[0]["email"] not in json.dumps(
            entry.details
        )


def test_a_failure_on_the_link_page_does_not_log_the_token(caplog: pytest.LogCaptureFixture) -> None:
    token = "Zx9-secret_token_value"
    with connection.cursor() as cursor:  # a real failure: the table is gone for a moment
        cursor.execute("ALTER TABLE rights_confirmation RENAME TO rights_confirmation_away")
    try:
        with caplog.at_level(logging.DEBUG):
            response = Client(raise_request_exception=False).get(f"/privacy/confirm/{token}/")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE rights_confirmation_away RENAME TO rights_confirmation")
    assert response.status_code == 500 and "Der gik noget galt hos os" in response.content.decode()
    logged = _app_log(caplog)
    assert "the page of a confirmation link failed" in logged
    assert token not in logged


def test_a_failing_mail_server_does_not_reveal_a_match(
    demo_customers: list[dict[str, Any]], settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    matched, unmatched = Client(), Client()
    with caplog.at_level(logging.ERROR):
        a = send(matched, email=demo_customers[0]["email"])
        wait_for_outbox()  # the e-mail leaves in the background, after the page has been answered
    b = send(unmatched, email="nobody@example.invalid")
    assert _without_reference(thanks_page(matched, a)) == _without_reference(thanks_page(unmatched, b))
    assert Request.objects.count() == 2
    logged = _app_log(caplog)
    assert "not sent: ConnectionRefusedError" in logged and demo_customers[0]["email"] not in logged
    # staff see it on the request and can send the confirmation again
    assert Request.objects.get(match="single").events.filter(event="mail_failed").exists()


def test_no_personal_data_in_logs_or_audit_entries(
    demo_customers: list[dict[str, Any]], smtp: Any, caplog: pytest.LogCaptureFixture
) -> None:
    record = demo_customers[1]
    with caplog.at_level(logging.DEBUG):
        send(Client(), email=record["email"], name=record["name"], phone=record["phone"], message="Hej")
        send(Client(), email="bad", name=record["name"])
    logged = _app_log(caplog)
    details = json.dumps([e.details for e in AuditEntry.objects.all()])
    for value in (record["email"], record["name"], record["phone"]):
        assert value not in logged and value not in details


# -- the portability schema ------------------------------------------------------------------------------------
def test_the_portability_schema_is_served() -> None:
    from persondata.requests.answers import exports

    response = Client().get("/privacy/schemas/portability-v1.schema.json")
    assert response.status_code == 200
    assert json.loads(response.content) == exports.schema()
    assert response["Content-Type"].startswith("application/schema+json")
    assert "$id" in json.loads(response.content)
