"""The staff web app, through Django's test client against the real database."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from persondata import runtime
from persondata.access.models import AccessLog
from persondata.core.access import readable_categories, usable_purposes
from persondata.core.policy_check import check_policy
from persondata.core.vault import normalize_customer_number
from persondata.governance import policy_versions as versions
from persondata.partners import checks
from persondata.register.models import Customer, ImportRun, Invoice, Order, Payment

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"


# -- helpers -------------------------------------------------------------------------------------------------
def customer_id(number: str) -> uuid.UUID:
    """The pseudonymous id of a customer, found through the blind index (not through the code under test)."""
    bidx = runtime.vault().blind_index("customer_number", normalize_customer_number(number))
    return Customer.objects.values_list("id", flat=True).get(number_bidx=bidx)


def rich(records: list[dict[str, Any]]) -> dict[str, Any]:
    """A customer with orders, invoices and a payment with a masked card reference."""
    return next(
        r for r in records if r["orders"] and r["invoices"] and any(p["reference"] for p in r["payments"])
    )


def body(response: Any) -> str:
    return response.content.decode()


def has(html: str, text: str) -> bool:
    return escape(text) in html


def personal_values(record: dict[str, Any]) -> list[str]:
    """What may never leak: the customer's contact data, number and accounting references."""
    values = [
        record["name"],
        record["email"],
        record["phone"],
        record["customer_number"],
        record["address"]["street"],
    ]
    values += [p["reference"] for p in record["payments"] if p["reference"]]
    return values


def urls_in(html: str) -> list[str]:
    return [unquote(u) for u in re.findall(r'(?:href|action|src)="([^"]*)"', html)]


@pytest.fixture
def login(client: Client, make_staff: Callable[..., Any]) -> Callable[[list[str]], Client]:
    def as_role(roles: list[str]) -> Client:
        user = make_staff("-".join(roles) or "nobody", roles)
        client.force_login(user)
        return client

    return as_role


# -- login, logout, anonymous --------------------------------------------------------------------------------
def test_anonymous_is_sent_to_login_from_every_page(
    client: Client, demo_customers: list[dict[str, Any]]
) -> None:
    cid = customer_id(demo_customers[0]["customer_number"])
    for url in (reverse("dashboard"), reverse("customer_search"), reverse("customer", args=[cid])):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login") + "?next=")
    response = client.post(reverse("customer_search"), {"query": demo_customers[0]["email"]})
    assert response.status_code == 302
    assert demo_customers[0]["email"] not in unquote(response["Location"])
    assert AccessLog.objects.count() == 0


def test_login_then_logout(client: Client, controller: Any) -> None:
    page = client.get(reverse("login"))
    assert page.status_code == 200 and 'name="csrfmiddlewaretoken"' in body(page)
    response = client.post(reverse("login"), {"username": "controller", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")
    assert client.get(reverse("dashboard")).status_code == 200

    assert client.get(reverse("logout")).status_code == 405  # logging out is a POST, never a link
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert client.get(reverse("dashboard")).status_code == 302


def test_wrong_password_is_refused_calmly(client: Client, controller: Any) -> None:
    response = client.post(reverse("login"), {"username": "controller", "password": "not-the-password"})
    assert response.status_code == 200
    assert 'role="alert"' in body(response)
    assert client.get(reverse("dashboard")).status_code == 302


# -- dashboard -----------------------------------------------------------------------------------------------
def test_dashboard_shows_counts_and_imports_but_no_personal_data(
    login: Callable[[list[str]], Client], demo_customers: list[dict[str, Any]]
) -> None:
    client = login(["controller"])
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    html = body(response)
    counts = dict(response.context["counts"])
    assert list(counts.values()) == [
        Customer.objects.count(),
        Order.objects.count(),
        Invoice.objects.count(),
        Payment.objects.count(),
    ]
    assert counts and all(f'<span class="stat__value">{n}</span>' in html for n in counts.values())
    assert len(response.context["runs"]) == ImportRun.objects.count() == 1
    assert "demo-20-7.jsonl" in html
    # the policy file's findings, an error for each partner without a processor agreement (Art. 28), and the
    # version in force not adopted (policy [14]) — what `persondata policy check` prints
    findings = [
        *check_policy(runtime.policy(), timezone.localdate()),
        *checks.findings(runtime.policy(), timezone.localdate()),
    ]
    assert sum(f.code == "partner-agreement" for f in findings) == len(runtime.policy().partners)
    adoption = versions.adoption_finding()
    assert adoption is not None
    findings.append(adoption)
    assert len(response.context["findings"]) == len(findings)
    text = re.sub(r"</?code>", "", html)  # what to write in the policy file is shown as code
    assert all(has(text, f.message.da) and has(text, f.fix.da) for f in findings)
    for record in demo_customers:
        assert not any(has(html, v) for v in personal_values(record))
    assert AccessLog.objects.count() == 0


# -- search --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "query_of",
    [
        pytest.param(lambda r: r["email"], id="e-mail"),
        pytest.param(lambda r: r["email"].upper(), id="e-mail-in-capitals"),
        pytest.param(lambda r: r["phone"], id="phone"),
        pytest.param(lambda r: r["phone"].replace(" ", ""), id="phone-without-spaces"),
        pytest.param(lambda r: r["customer_number"], id="customer-number"),
        pytest.param(lambda r: r["name"], id="name"),
        pytest.param(lambda r: r["name"].split()[-1], id="part-of-name"),
    ],
)
def test_search_finds_the_customer(
    login: Callable[[list[str]], Client], demo_customers: list[dict[str, Any]], query_of: Callable[..., str]
) -> None:
    client = login(["controller"])
    record = demo_customers[4]
    query = query_of(record)
    response = client.post(
        reverse("customer_search"), {"query": query, "purpose": "customer_service"}, follow=True
    )
    assert response.status_code == 200
    # rendered from the POST itself: no redirect that could carry the query
    assert response.redirect_chain == []
    html = body(response)
    expected = reverse("customer", args=[customer_id(record["customer_number"])])
    assert f'href="{expected}?purpose=customer_service"' in html
    assert has(html, record["name"])
    for url in urls_in(html):
        assert query.lower() not in url.lower()
        assert record["email"] not in url and record["name"] not in url


def test_search_with_no_match_and_empty_query(
    login: Callable[[list[str]], Client], demo_customers: Any
) -> None:
    client = login(["controller"])
    response = client.post(
        reverse("customer_search"), {"query": "nobody.at.all@example.dk", "purpose": "delivery"}
    )
    assert response.status_code == 200 and response.context["hits"] == []
    response = client.post(reverse("customer_search"), {"query": "   ", "purpose": "delivery"})
    assert response.status_code == 200 and "hits" not in response.context
    assert response.context["form"].errors["query"]


def test_search_query_never_appears_in_any_url(
    login: Callable[[list[str]], Client], demo_customers: list[dict[str, Any]]
) -> None:
    client = login(["controller"])
    record = demo_customers[2]
    response = client.post(
        reverse("customer_search"), {"query": record["email"], "purpose": "delivery"}, follow=True
    )
    assert response.redirect_chain == []
    assert response.request["PATH_INFO"] == reverse("customer_search")
    assert response.request.get("QUERY_STRING", "") == ""
    assert all(record["email"] not in url for url in urls_in(body(response)))
    # and the search form is a POST form: the browser never puts the query into the address bar
    assert re.search(r'<form method="post" action="/customers/"[^>]*role="search"', body(response))


def test_search_writes_the_access_log(
    login: Callable[[list[str]], Client], demo_customers: list[dict[str, Any]]
) -> None:
    client = login(["customer_service"])
    record = demo_customers[3]
    client.post(reverse("customer_search"), {"query": record["customer_number"], "purpose": "delivery"})
    entry = AccessLog.objects.get()
    assert entry.customer_id == customer_id(record["customer_number"])
    assert (entry.categories, entry.purpose, entry.channel) == ("contact,customer_number", "delivery", "web")


# -- the customer page ---------------------------------------------------------------------------------------
def test_customer_page_shows_their_data_orders_invoices_payments(
    login: Callable[[list[str]], Client], demo_customers: list[dict[str, Any]]
) -> None:
    client = login(["controller"])
    record = rich(demo_customers)
    url = reverse("customer", args=[customer_id(record["customer_number"])])
    response = client.get(url, {"purpose": "rights_requests"})
    assert response.status_code == 200
    html = body(response)
    for value in (
        record["name"],
        record["email"],
        record["phone"],
        record["customer_number"],
        record["address"]["street"],
        record["address"]["city"],
    ):
        assert has(html, value), value
    for order in record["orders"]:
        assert order["order_number"] in html
        for line in order["lines"]:
            assert line["sku"] in html and has(html, line["description"])
    for invoice in record["invoices"]:
        assert invoice["invoice_number"] in html
    for payment in record["payments"]:
        assert payment["payment_ref"] in html
        if payment["reference"]:
            assert has(html, payment["reference"])
    # amounts in kroner, Danish style: "1.234,50 kr."
    total = record["orders"][0]["total"]
    kroner, ore = total.split(".")
    danish = f"{int(kroner):,}".replace(",", ".") + f",{ore}\u00a0kr."
    assert danish in html
    assert "Kundens rettigheder" in html  # the purpose, in the policy's Danish label
    assert response.context["hidden"] == []


def _markers(record: dict[str, Any]) -> dict[str, list[str]]:
    """Text that appears on the page only if the category is shown."""
    return {
        "contact": [record["email"], record["phone"]],
        "customer_number": [record["customer_number"]],
        "order_history": [line["sku"] for o in record["orders"] for line in o["lines"]]
        + ['id="orders-heading"'],
        "payment": [i["invoice_number"] for i in record["invoices"]]
        + [p["payment_ref"] for p in record["payments"]]
        + [p["reference"] for p in record["payments"] if p["reference"]]
        + ['class="billing"'],
    }


ROLE_CASES = [
    (role, purpose)
    for role in ("customer_service", "accounting")
    for purpose in ("delivery", "invoicing", "customer_service", "bookkeeping", "rights_requests")
]


@pytest.mark.parametrize(("role", "purpose"), ROLE_CASES)
def test_each_role_sees_exactly_the_categories_the_policy_grants(
    login: Callable[[list[str]], Client], demo_customers: list[dict[str, Any]], role: str, purpose: str
) -> None:
    policy = runtime.policy()
    client = login([role])
    record = rich(demo_customers)
    response = client.get(
        reverse("customer", args=[customer_id(record["customer_number"])]), {"purpose": purpose}
    )
    if purpose not in usable_purposes(policy, [role]):
        # the policy gives this role nothing for this purpose: refused, with the reason and without data
        assert response.status_code == 403
        assert not any(has(body(response), v) for v in personal_values(record))
        assert AccessLog.objects.count() == 0
        return
    assert response.status_code == 200
    html = body(response)
    granted = {k for k, d in readable_categories(policy, [role], purpose).items() if d.allowed}
    for category, markers in _markers(record).items():
        for marker in markers:
            shown = (marker if marker.startswith(("id=", "class=")) else escape(marker)) in html
            assert shown == (category in granted), (category, marker)
    hidden = {c["key"] for c in response.context["hidden"]}
    assert hidden == set(policy.categories) - granted
    for key in hidden:
        assert has(html, policy.categories[key].label.da)  # a calm note names what is not shown


def test_customer_service_never_sees_payment_reference_or_billing(
    login: Callable[[list[str]], Client], demo_customers: list[dict[str, Any]]
) -> None:
    client = login(["customer_service"])
    record = rich(demo_customers)
    url = reverse("customer", args=[customer_id(record["customer_number"])])
    for purpose in usable_purposes(runtime.policy(), ["customer_service"]):
        html = body(client.get(url, {"purpose": purpose}))
        assert "****" not in html
        assert 'class="billing"' not in html and 'id="invoices-heading"' not in html
        assert not any(i["invoice_number"] in html for i in record["invoices"])
        assert has(html, record["name"])  # the page itself works


def test_role_without_access_for_a_purpose_gets_403(
    login: Callable[[list[str]], Client], demo_customers: list[dict[str, Any]]
) -> None:
    client = login(["customer_service"])
    record = rich(demo_customers)
    response = client.get(
        reverse("customer", args=[customer_id(record["customer_number"])]), {"purpose": "bookkeeping"}
    )
    assert response.status_code == 403
    assert not any(has(body(response), v) for v in personal_values(record))
    assert AccessLog.objects.count() == 0


def test_it_admin_gets_403_without_personal_data(
    login: Callable[[list[str]], Client], demo_customers: list[dict[str, Any]]
) -> None:
    client = login(["it_admin"])
    record = rich(demo_customers)
    cid = customer_id(record["customer_number"])
    page = client.get(reverse("customer", args=[cid]))
    search = client.post(reverse("customer_search"), {"query": record["email"], "purpose": "delivery"})
    for response in (page, search):
        assert response.status_code == 403
        html = body(response)
        assert not any(has(html, v) for v in personal_values(record))
        assert str(cid) not in html
        assert "data controller" in html.lower() or "dataansvarlig" in html.lower()
    assert client.get(reverse("dashboard")).status_code == 200  # the overview holds no personal data
    assert AccessLog.objects.count() == 0


def test_unknown_purpose_is_refused_without_echo(
    login: Callable[[list[str]], Client], demo_customers: list[dict[str, Any]]
) -> None:
    client = login(["controller"])
    cid = customer_id(demo_customers[0]["customer_number"])
    response = client.get(reverse("customer", args=[cid]), {"purpose": "<b>typed-by-someone</b>"})
    assert response.status_code == 403
    assert "typed-by-someone" not in body(response)
    assert AccessLog.objects.count() == 0


def test_unknown_customer_is_404_without_echo(
    login: Callable[[list[str]], Client], demo_customers: Any
) -> None:
    client = login(["controller"])
    missing = uuid.uuid4()
    response = client.get(reverse("customer", args=[missing]))
    assert response.status_code == 404
    assert str(missing) not in body(response)
    assert client.get("/customers/not-a-uuid/").status_code == 404


def test_every_customer_page_read_is_logged_without_personal_data(
    login: Callable[[list[str]], Client], demo_customers: list[dict[str, Any]]
) -> None:
    client = login(["accounting"])
    record = rich(demo_customers)
    cid = customer_id(record["customer_number"])
    url = reverse("customer", args=[cid])
    client.get(url)  # the role's first usable purpose
    client.get(url, {"purpose": "bookkeeping"})
    client.get(url, {"purpose": "bookkeeping"})
    entries = list(AccessLog.objects.order_by("id"))
    assert len(entries) == 3
    policy = runtime.policy()
    first = usable_purposes(policy, ["accounting"])[0]
    for entry, purpose in zip(entries, [first, "bookkeeping", "bookkeeping"], strict=True):
        granted = sorted(
            k for k, d in readable_categories(policy, ["accounting"], purpose).items() if d.allowed
        )
        assert entry.customer_id == cid
        assert entry.purpose == purpose and entry.channel == "web"
        assert entry.categories == ",".join(granted)
        assert entry.staff.username == "accounting"
        stored = " ".join(str(getattr(entry, f.attname)) for f in AccessLog._meta.fields)
        assert not any(v in stored for v in personal_values(record))


def test_purpose_selector_lists_the_usable_purposes(
    login: Callable[[list[str]], Client], demo_customers: list[dict[str, Any]]
) -> None:
    client = login(["customer_service"])
    cid = customer_id(demo_customers[0]["customer_number"])
    response = client.get(reverse("customer", args=[cid]), {"purpose": "customer_service"})
    html = body(response)
    options = re.findall(r'<option value="([a-z_]+)"( selected)?>', html)
    assert [k for k, _ in options] == usable_purposes(runtime.policy(), ["customer_service"])
    assert [k for k, sel in options if sel] == ["customer_service"]
    assert "Du ser oplysningerne til formålet:" in html and "<strong>Kundeservice</strong>" in html


# -- security ------------------------------------------------------------------------------------------------
def test_security_headers_and_no_inline_code(
    login: Callable[[list[str]], Client], demo_customers: list[dict[str, Any]]
) -> None:
    anonymous = Client()
    client = login(["controller"])
    cid = customer_id(demo_customers[0]["customer_number"])
    responses = [
        anonymous.get(reverse("login")),
        client.get(reverse("dashboard")),
        client.get(reverse("customer_search")),
        client.post(reverse("customer_search"), {"query": demo_customers[0]["email"], "purpose": "delivery"}),
        client.get(reverse("customer", args=[cid])),
        client.get(reverse("customer", args=[uuid.uuid4()])),
    ]
    for response in responses:
        assert "script-src 'self'" in response["Content-Security-Policy"]
        assert "style-src 'self'" in response["Content-Security-Policy"]
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert "no-store" in response["Cache-Control"]
        html = body(response)
        # no inline script: the one script is the static type-ahead file, empty between its tags
        scripts = re.findall(r"<script[^>]*>.*?</script>", html, re.S)
        assert scripts in ([], ['<script src="/static/web/typeahead.js" defer></script>'])
        assert html.count("<script") == len(scripts)
        assert "<style" not in html and " style=" not in html
        assert not re.search(r"<[^>]*\son[a-z]+=", html)  # no onclick= and friends
        assert '<link rel="stylesheet" href="/static/web/app.css">' in html


def test_csrf_is_enforced_on_the_search_form(controller: Any, demo_customers: list[dict[str, Any]]) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(controller)
    query = {"query": demo_customers[0]["email"], "purpose": "delivery"}
    refused = client.post(reverse("customer_search"), query)
    assert refused.status_code == 403
    assert demo_customers[0]["email"] not in body(refused)
    assert AccessLog.objects.count() == 0

    client.get(reverse("customer_search"))
    token = client.cookies["csrftoken"].value
    accepted = client.post(reverse("customer_search"), {**query, "csrfmiddlewaretoken": token})
    assert accepted.status_code == 200 and len(accepted.context["hits"]) == 1


def test_logout_needs_csrf_too(controller: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(controller)
    assert client.post(reverse("logout")).status_code == 403
    assert client.get(reverse("dashboard")).status_code == 200


# -- languages -----------------------------------------------------------------------------------------------
def test_danish_by_default_and_english_after_switching(client: Client, controller: Any) -> None:
    page = body(client.get(reverse("login")))
    assert '<html lang="da">' in page and "Log ind" in page and "Adgangskode" in page

    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    assert response.status_code == 302 and response["Location"] == reverse("login")
    page = body(client.get(reverse("login")))
    assert '<html lang="en">' in page and "Log in" in page and "Password" in page

    client.force_login(controller)
    page = body(client.get(reverse("dashboard")))
    assert "Overview" in page and "Customers" in page

    client.post(reverse("set_language"), {"language": "da", "next": reverse("dashboard")})
    page = body(client.get(reverse("dashboard")))
    assert '<html lang="da">' in page and "Overblik" in page and "Kunder" in page


def test_english_customer_page_uses_english_labels_and_amounts(
    client: Client, controller: Any, demo_customers: list[dict[str, Any]]
) -> None:
    client.force_login(controller)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    record = rich(demo_customers)
    html = body(
        client.get(
            reverse("customer", args=[customer_id(record["customer_number"])]), {"purpose": "invoicing"}
        )
    )
    assert "You are viewing for the purpose:" in html and "<strong>Invoicing</strong>" in html
    kroner, ore = record["invoices"][0]["total"].split(".")
    assert f"DKK\u00a0{int(kroner):,}.{ore}" in html
    assert "Invoices" in html and "Payments" in html and "Card" in html
