"""The partners page (``partners:notices``): the controller's open notices, ticking off, webhook settings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from persondata import runtime
from persondata.audit.models import AuditEntry
from persondata.core.access import decide
from persondata.partners import webhooks
from persondata.partners.models import DONE, FAILED, PartnerEndpoint, PartnerNotice
from persondata.requests.models import Request
from tests.partners.conftest import notify

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_controller(client: Client, controller: Any) -> Client:
    client.force_login(controller)
    return client


def test_the_controller_sees_the_open_notices_and_ticks_one_off(
    as_controller: Client, make_request: Callable[..., Request], demo_customers: list[dict[str, Any]]
) -> None:
    req = make_request()
    notify(req, "rectification", changes={"email": "ny.adresse@example.com"})
    PartnerNotice.objects.filter(partner_key="invoicing").update(
        state=FAILED, attempts=8, last_error="http", last_status=500
    )
    page = as_controller.get("/partners/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    body = page.content.decode()
    assert req.reference in body and "Rectification" in body and "failed" in body and "8 / 8" in body
    assert "http (500)" in body and "Name, address, telephone number and e-mail" in body
    assert "ny.adresse" not in body and demo_customers[0]["customer_number"] not in body  # no personal data
    assert page["Cache-Control"].startswith("max-age=0")
    notice = PartnerNotice.objects.get(partner_key="order_processing")
    response = as_controller.post(reverse("partners:tick", args=[notice.id]), {"note": "Ringet 25/11"})
    assert response.status_code == 302 and response["Location"].endswith("/partners/#notices")
    notice.refresh_from_db()
    assert notice.state == DONE and notice.channel == "manual"
    assert AuditEntry.objects.filter(action="request.partner_told").count() == 1
    refused = as_controller.post(
        reverse("partners:tick", args=[PartnerNotice.objects.get(partner_key="invoicing").id]),
        {"note": "cpr 010190-1234"},
    )
    assert refused.status_code == 400 and b"CPR" in refused.content and b"010190-1234" not in refused.content


def test_the_page_is_danish_by_default(as_controller: Client, make_request: Callable[..., Request]) -> None:
    notify(make_request(), "erasure")
    body = as_controller.get("/partners/", HTTP_ACCEPT_LANGUAGE="da").content.decode()
    assert "Underretning af samarbejdspartnere" in body and "Sletning" in body and "venter" in body


def test_an_endpoint_set_on_the_page_shows_its_secret_once(as_controller: Client) -> None:
    response = as_controller.post(
        reverse("partners:endpoint_set"),
        {"partner": "invoicing", "url": "https://invoicing.example/hooks", "enabled": "on"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    endpoint = PartnerEndpoint.objects.get()
    secret = webhooks.endpoint_secret(endpoint)
    assert secret.encode() in response.content and "no-store" in response["Cache-Control"]
    again = as_controller.get("/partners/")
    assert secret.encode() not in again.content and b"https://invoicing.example/hooks" in again.content
    # changing the address keeps the secret and shows none
    response = as_controller.post(
        reverse("partners:endpoint_set"),
        {"partner": "invoicing", "url": "https://invoicing.example/v2", "enabled": "on"},
    )
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.url.endswith("/v2") and webhooks.endpoint_secret(endpoint) == secret
    assert as_controller.post(reverse("partners:endpoint_remove", args=["invoicing"])).status_code == 302
    assert not PartnerEndpoint.objects.exists()


def test_a_plain_http_address_is_refused_on_the_url_field(as_controller: Client) -> None:
    response = as_controller.post(
        reverse("partners:endpoint_set"),
        {"partner": "invoicing", "url": "http://invoicing.example/hooks", "enabled": "on"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["url"]
    assert "https://" in response.context["form"].errors["url"][0]
    assert not PartnerEndpoint.objects.exists()


def _roles() -> list[str]:
    return list(runtime.policy().roles)


@pytest.mark.parametrize("role", [*_roles(), "anonymous"])
def test_only_the_controller(
    client: Client, make_staff: Callable[..., Any], make_request: Callable[..., Request], role: str
) -> None:
    notify(make_request(), "erasure")
    notice = PartnerNotice.objects.first()
    assert notice is not None
    allowed = False
    if role != "anonymous":
        client.force_login(make_staff(f"w-{role}", [role]))
        allowed = bool(decide(runtime.policy(), [role], "contact", "change", "rights_requests"))
    assert allowed is (role == "controller")
    expected = 302 if role == "anonymous" else 403
    if not allowed:
        assert client.get("/partners/").status_code == expected
        for url, data in [
            (reverse("partners:tick", args=[notice.id]), {}),
            (reverse("partners:endpoint_set"), {"partner": "invoicing", "url": "https://x.example/"}),
            (reverse("partners:endpoint_remove", args=["invoicing"]), {}),
        ]:
            assert client.post(url, data).status_code == expected, (role, url)
        assert not PartnerEndpoint.objects.exists() and not PartnerNotice.objects.filter(state=DONE).exists()
    else:
        assert client.get("/partners/").status_code == 200
        assert client.post(reverse("partners:tick", args=[notice.id]), {}).status_code == 302
