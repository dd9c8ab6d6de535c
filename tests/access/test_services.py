"""The staff services against the real database: logins, roles, texts, the gate, and the audit log."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction

from persondata import runtime
from persondata.access import gate
from persondata.access import staff as services
from persondata.access.errors import AccessDenied
from persondata.access.models import CONFIDENTIALITY, GUIDANCE, KINDS, Acknowledgement, PolicyText
from persondata.access.staff import Invalid, NotAllowed
from persondata.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

NEW_TEXT = {"title_da": "Ny titel", "title_en": "New title", "body_da": "Ny tekst.", "body_en": "New text."}


def can_log_in(username: str, password: str) -> bool:
    """What the login form checks (django-axes' backend wants a real request, so not ``authenticate``)."""
    user = get_user_model().objects.filter(username=username).first()
    return bool(user is not None and user.is_active and user.check_password(password))


def entries(prefix: str = "") -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action__startswith=prefix).order_by("seq"))


# -- creating logins -----------------------------------------------------------------------------------------
def test_create_staff_gives_a_working_login_with_policy_roles(controller: Any, now: datetime) -> None:
    with transaction.atomic():
        user, password = services.create_staff(controller, "kirsten", ["accounting", "customer_service"], now)
    assert user.is_active and user.check_password(password) and len(password) >= 16
    assert services.roles_of(user) == ["customer_service", "accounting"]  # the policy file's order
    assert can_log_in("kirsten", password)
    [entry] = entries("staff.")
    assert (entry.action, entry.actor, entry.target) == (
        "staff.create",
        f"staff:{controller.pk}",
        f"staff:{user.pk}",
    )
    assert entry.details == {"roles": ["customer_service", "accounting"]}
    assert password not in json.dumps(entry.details)


def test_each_password_is_new(controller: Any, now: datetime) -> None:
    with transaction.atomic():
        passwords = {services.create_staff(controller, f"user{i}", ["accounting"], now)[1] for i in range(5)}
    assert len(passwords) == 5


@pytest.mark.parametrize("roles", [["chef"], ["customer_service", "chef"], ["Controller"]])
def test_an_unknown_role_is_refused_naming_it_and_the_allowed_ones(
    controller: Any, now: datetime, roles: list[str]
) -> None:
    unknown = next(r for r in roles if r not in runtime.policy().roles)
    with pytest.raises(Invalid) as caught, transaction.atomic():
        services.create_staff(controller, "kirsten", roles, now)
    message = str(caught.value)
    assert f"'{unknown}'" in message
    assert all(role in message for role in runtime.policy().roles)
    assert caught.value.code == "unknown_role"
    assert not get_user_model().objects.filter(username="kirsten").exists()
    assert entries() == []


@pytest.mark.parametrize(
    ("username", "code"),
    [
        ("", "username_empty"),
        ("two words", "username_chars"),
        ("x" * 151, "username_long"),
        ("CONTROLLER", "username_taken"),
    ],
)
def test_a_bad_or_taken_login_name_is_refused(
    controller: Any, now: datetime, username: str, code: str
) -> None:
    with pytest.raises(Invalid) as caught, transaction.atomic():
        services.create_staff(controller, username, ["accounting"], now)
    assert caught.value.code == code


def test_a_login_needs_a_role(controller: Any, now: datetime) -> None:
    with pytest.raises(Invalid) as caught, transaction.atomic():
        services.create_staff(controller, "kirsten", [], now)
    assert caught.value.code == "no_role"


# -- only the controller manages -----------------------------------------------------------------------------
MANAGING: list[tuple[str, Callable[[Any, Any, datetime], Any]]] = [
    ("create", lambda actor, other, now: services.create_staff(actor, "new", ["accounting"], now)),
    ("roles", lambda actor, other, now: services.set_roles(actor, other, ["controller"], now)),
    ("deactivate", lambda actor, other, now: services.deactivate(actor, other, now)),
    ("password", lambda actor, other, now: services.reset_password(actor, other, now)),
    ("publish", lambda actor, other, now: services.publish_text(actor, GUIDANCE, **NEW_TEXT, now=now)),
]


@pytest.mark.parametrize(("name", "call"), MANAGING, ids=[m[0] for m in MANAGING])
@pytest.mark.parametrize("roles", [["customer_service"], ["accounting", "it_admin"], []])
def test_only_a_controller_may_manage(
    make_staff: Callable[..., Any], now: datetime, name: str, call: Callable[..., Any], roles: list[str]
) -> None:
    actor = make_staff("someone", roles)
    other = make_staff("other", ["accounting"])
    with pytest.raises(NotAllowed) as caught, transaction.atomic():
        call(actor, other, now)
    assert caught.value.code == "no_duty" and "manage_staff" in caught.value.reason
    other.refresh_from_db()
    assert other.is_active and services.roles_of(other) == ["accounting"]
    assert not get_user_model().objects.filter(username="new").exists()
    assert not PolicyText.objects.exists()
    assert entries() == []


def test_a_deactivated_controller_may_not_manage(
    controller: Any, make_staff: Callable[..., Any], now: datetime
) -> None:
    other = make_staff("other", ["controller"])
    with transaction.atomic():
        services.deactivate(other, controller, now)
    controller.refresh_from_db()
    with pytest.raises(NotAllowed), transaction.atomic():
        services.create_staff(controller, "new", ["accounting"], now)


# -- roles, deactivation, passwords --------------------------------------------------------------------------
def test_set_roles_records_old_and_new(
    controller: Any, make_staff: Callable[..., Any], now: datetime
) -> None:
    user = make_staff("kirsten", ["customer_service"])
    with transaction.atomic():
        assert services.set_roles(controller, user, ["accounting", "customer_service"], now) == [
            "customer_service",
            "accounting",
        ]
    user.refresh_from_db()
    assert user.staff.roles == ["customer_service", "accounting"]
    [entry] = entries("staff.roles.")
    assert entry.action == "staff.roles.change" and entry.target == f"staff:{user.pk}"
    assert entry.details == {"old": ["customer_service"], "new": ["customer_service", "accounting"]}

    with transaction.atomic():
        services.set_roles(controller, user, ["customer_service", "accounting"], now)  # no change, no entry
        services.set_roles(controller, user, [], now)  # every role withdrawn
    user.refresh_from_db()
    assert user.staff.roles == []
    assert [e.details["new"] for e in entries("staff.roles.")] == [["customer_service", "accounting"], []]


def test_set_roles_refuses_an_unknown_role(
    controller: Any, make_staff: Callable[..., Any], now: datetime
) -> None:
    user = make_staff("kirsten", ["customer_service"])
    with pytest.raises(Invalid, match="'boss'"), transaction.atomic():
        services.set_roles(controller, user, ["boss"], now)
    user.refresh_from_db()
    assert user.staff.roles == ["customer_service"]


def test_the_last_controller_cannot_be_removed(
    controller: Any, make_staff: Callable[..., Any], now: datetime
) -> None:
    with pytest.raises(NotAllowed) as caught, transaction.atomic():
        services.set_roles(controller, controller, ["accounting"], now)
    assert caught.value.code == "last_controller"
    second = make_staff("second", ["controller"])
    with transaction.atomic():
        services.set_roles(controller, controller, ["accounting"], now)  # another controller remains
    with pytest.raises(NotAllowed) as caught, transaction.atomic():
        services.deactivate(controller, second, now)  # controller is no longer one
    assert caught.value.code == "no_duty"


def test_deactivate_ends_the_login_but_not_your_own(
    controller: Any, make_staff: Callable[..., Any], now: datetime
) -> None:
    user = make_staff("kirsten", ["customer_service"])
    with transaction.atomic():
        services.deactivate(controller, user, now)
        services.deactivate(controller, user, now)  # twice is once
    user.refresh_from_db()
    assert not user.is_active
    assert not can_log_in("kirsten", "a-long-test-password")
    assert [(e.action, e.target) for e in entries("staff.")] == [("staff.deactivate", f"staff:{user.pk}")]
    assert services.active_staff("kirsten") is None
    with pytest.raises(NotAllowed) as caught, transaction.atomic():
        services.deactivate(controller, controller, now)
    assert caught.value.code == "own_login"
    with pytest.raises(Invalid), transaction.atomic():
        services.set_roles(controller, user, ["accounting"], now)


def test_reset_password_replaces_the_old_one(
    controller: Any, make_staff: Callable[..., Any], now: datetime
) -> None:
    user = make_staff("kirsten", ["customer_service"])
    with transaction.atomic():
        password = services.reset_password(controller, user, now)
    assert not can_log_in("kirsten", "a-long-test-password")
    assert can_log_in("kirsten", password)
    [entry] = entries("staff.password.")
    assert (entry.action, entry.target, entry.details) == ("staff.password.reset", f"staff:{user.pk}", {})


def test_change_own_password(make_staff: Callable[..., Any], now: datetime) -> None:
    user = make_staff("kirsten", ["customer_service"])
    with pytest.raises(Invalid) as caught, transaction.atomic():
        services.change_own_password(user, "wrong", "a-brand-new-passphrase", now)
    assert caught.value.code == "wrong_password"
    with pytest.raises(Invalid) as caught, transaction.atomic():
        services.change_own_password(user, "a-long-test-password", "short", now)
    assert caught.value.code == "weak_password"
    with transaction.atomic():
        services.change_own_password(user, "a-long-test-password", "a-brand-new-passphrase", now)
    assert can_log_in("kirsten", "a-brand-new-passphrase")
    [entry] = entries("staff.password.")
    assert (entry.action, entry.actor) == ("staff.password.change", f"staff:{user.pk}")


# -- the texts and the gate ----------------------------------------------------------------------------------
def test_default_texts_are_published_once_in_both_languages(db: None, now: datetime) -> None:
    with transaction.atomic():
        first = services.ensure_default_texts(now)
        again = services.ensure_default_texts(now + timedelta(days=1))
    assert [t.kind for t in first] == list(KINDS) and again == []
    for text in gate.current_texts():
        assert text.version == 1 and text.published_by is None
        assert all(len(getattr(text, f)) > 20 for f in ("body_da", "body_en"))
        assert text.title("da") != text.title("en")
    guidance = gate.current_texts()[1].body_en
    for topic in (
        "password",
        "lock the screen",
        "e-mail",
        "private devices",
        "CPR",
        "at once",
        "need to know",
    ):
        assert topic in guidance, topic
    assert [(e.action, e.actor, e.details) for e in entries()] == [
        ("declaration.publish", "system", {"kind": CONFIDENTIALITY, "version": 1}),
        ("declaration.publish", "system", {"kind": GUIDANCE, "version": 1}),
    ]


def test_the_gate_opens_when_both_texts_are_acknowledged(
    make_staff: Callable[..., Any], texts: list[PolicyText], now: datetime
) -> None:
    user = make_staff("kirsten", ["customer_service"])
    assert gate.missing_acknowledgements(user) == texts
    assert [t.kind for t in texts] == [CONFIDENTIALITY, GUIDANCE]
    with transaction.atomic():
        services.acknowledge(user, texts[1], now)
    assert gate.missing_acknowledgements(user) == [texts[0]]
    with transaction.atomic():
        services.acknowledge(user, texts[0], now)
        services.acknowledge(user, texts[0], now + timedelta(hours=1))  # twice is once
    assert gate.missing_acknowledgements(user) == []
    assert Acknowledgement.objects.filter(user=user).count() == 2
    assert [(e.action, e.actor, e.target, e.details) for e in entries("declaration.ack")] == [
        ("declaration.acknowledge", f"staff:{user.pk}", f"staff:{user.pk}", {"kind": GUIDANCE, "version": 1}),
        (
            "declaration.acknowledge",
            f"staff:{user.pk}",
            f"staff:{user.pk}",
            {"kind": CONFIDENTIALITY, "version": 1},
        ),
    ]


@pytest.fixture
def kirsten(
    make_staff: Callable[..., Any], texts: list[PolicyText], accept_all: Callable[[Any], None]
) -> Any:
    """A customer-service login that has acknowledged both texts: the gate is open to her."""
    user = make_staff("kirsten", ["customer_service"])
    accept_all(user)
    return user


def test_a_new_version_closes_the_gate_until_acknowledged(
    controller: Any, kirsten: Any, texts: list[PolicyText], accept_all: Callable[[Any], None], now: datetime
) -> None:
    accept_all(controller)
    assert gate.missing_acknowledgements(kirsten) == []
    with transaction.atomic():
        v2 = services.publish_text(controller, GUIDANCE, **NEW_TEXT, now=now + timedelta(days=30))
    assert (v2.kind, v2.version, v2.published_by) == (GUIDANCE, 2, controller)
    assert gate.current_texts() == [texts[0], v2]
    # everyone, the publisher included, must accept the new version; the other text stays accepted
    assert gate.missing_acknowledgements(kirsten) == [v2]
    assert gate.missing_acknowledgements(controller) == [v2]
    with pytest.raises(Invalid) as caught, transaction.atomic():
        services.acknowledge(kirsten, texts[1], now)  # the old version no longer counts
    assert caught.value.code == "replaced"
    assert gate.missing_acknowledgements(kirsten) == [v2]
    with transaction.atomic():
        services.acknowledge(kirsten, v2, now + timedelta(days=31))
    assert gate.missing_acknowledgements(kirsten) == []
    [publish] = entries("declaration.publish")[2:]
    assert (publish.actor, publish.details) == (f"staff:{controller.pk}", {"kind": GUIDANCE, "version": 2})


def test_the_gate_is_one_query(
    make_staff: Callable[..., Any], texts: list[PolicyText], django_assert_max_num_queries: Any
) -> None:
    user = make_staff("kirsten", ["customer_service"])
    with django_assert_max_num_queries(1):
        assert len(gate.missing_acknowledgements(user)) == 2


def test_in_one_request_an_open_gate_is_asked_once_and_a_closed_one_every_time(
    kirsten: Any, make_staff: Callable[..., Any], django_assert_num_queries: Any
) -> None:
    newcomer = make_staff("ny", ["customer_service"])
    with gate.request_scope():
        with django_assert_num_queries(1):
            for _ in range(3):
                gate.require_declarations(kirsten)
        for _ in range(2):  # a refusal is never remembered: accepting in the same request opens the gate
            with django_assert_num_queries(1), pytest.raises(AccessDenied):
                gate.require_declarations(newcomer)
    with django_assert_num_queries(2):  # outside a request (a command, a job) the gate is asked every time
        gate.require_declarations(kirsten)
        gate.require_declarations(kirsten)


def test_a_text_published_in_the_request_closes_a_gate_it_found_open(
    controller: Any, kirsten: Any, accept_all: Callable[[Any], None], now: datetime
) -> None:
    accept_all(controller)
    with gate.request_scope():
        gate.require_declarations(kirsten)
        with transaction.atomic():
            services.publish_text(controller, GUIDANCE, **NEW_TEXT, now=now + timedelta(days=30))
        with pytest.raises(AccessDenied) as caught:
            gate.require_declarations(kirsten)
    assert caught.value.code == "declarations_missing"


def test_an_anonymous_user_has_acknowledged_nothing(texts: list[PolicyText]) -> None:
    from django.contrib.auth.models import AnonymousUser

    assert gate.missing_acknowledgements(AnonymousUser()) == texts


def test_publish_refuses_empty_texts_and_unknown_kinds(controller: Any, now: datetime) -> None:
    with pytest.raises(Invalid) as caught, transaction.atomic():
        services.publish_text(controller, GUIDANCE, **{**NEW_TEXT, "body_en": "  "}, now=now)
    assert caught.value.code == "text_empty" and "body_en" in str(caught.value)
    with pytest.raises(Invalid) as caught, transaction.atomic():
        services.publish_text(controller, "recipe", **NEW_TEXT, now=now)
    assert caught.value.code == "kind"
    assert not PolicyText.objects.exists()


def test_compliance_overview_says_who_misses_what(
    controller: Any,
    make_staff: Callable[..., Any],
    texts: list[PolicyText],
    now: datetime,
    django_assert_max_num_queries: Any,
) -> None:
    done = make_staff("anna", ["customer_service"])
    half = make_staff("bo", ["accounting"])
    gone = make_staff("carl", ["accounting"])
    with transaction.atomic():
        for text in texts:
            services.acknowledge(done, text, now)
        services.acknowledge(half, texts[0], now)
        services.deactivate(controller, gone, now)
    with django_assert_max_num_queries(3):
        rows = services.compliance_overview()
    by_name = {r.username: r for r in rows}
    assert list(by_name) == ["anna", "bo", "controller"]  # active logins only, by name
    assert by_name["anna"].complete and by_name["anna"].roles == ("customer_service",)
    assert [t.acknowledged_at for t in by_name["anna"].texts] == [now, now]
    assert [t.kind for t in by_name["bo"].missing] == [GUIDANCE]
    assert [t.kind for t in by_name["controller"].missing] == [CONFIDENTIALITY, GUIDANCE]


# -- no personal data in the audit log -----------------------------------------------------------------------
def test_no_login_name_name_or_email_reaches_the_audit_log(
    controller: Any, make_staff: Callable[..., Any], texts: list[PolicyText], now: datetime
) -> None:
    controller.first_name, controller.last_name, controller.email = (
        "Dorthe",
        "Dataansvarlig",
        "dorthe@example.dk",
    )
    controller.save()
    with transaction.atomic():
        user, _ = services.create_staff(controller, "kirsten.kundeservice", ["customer_service"], now)
    user.first_name, user.last_name, user.email = "Kirsten", "Kundeservicesen", "kirsten@example.dk"
    user.save()
    with transaction.atomic():
        services.set_roles(controller, user, ["customer_service", "accounting"], now)
        services.reset_password(controller, user, now)
        for text in texts:
            services.acknowledge(user, text, now)
            services.acknowledge(controller, text, now)
        services.publish_text(controller, CONFIDENTIALITY, **NEW_TEXT, now=now)
        services.deactivate(controller, user, now)
    logged = entries()
    assert {e.action for e in logged} >= {
        "staff.create",
        "staff.roles.change",
        "staff.password.reset",
        "declaration.acknowledge",
        "declaration.publish",
        "staff.deactivate",
    }
    for entry in logged:
        text = json.dumps(entry.details) + entry.target + entry.actor
        for secret in ("kirsten", "Kirsten", "Kundeservicesen", "example.dk", "Dorthe", "controller"):
            assert secret not in text, (entry.action, secret)


def test_unlock_and_second_factor_reset_are_controller_only_and_audited(db: None) -> None:
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from persondata.access import staff as services
    from persondata.access.models import StaffProfile
    from persondata.audit.models import AuditEntry
    from tests.conftest import NOW

    User = get_user_model()
    boss = User.objects.create_user("boss-x", password="a-long-test-password")
    StaffProfile.objects.create(user=boss, roles=["controller"])
    clerk = User.objects.create_user("clerk-x", password="a-long-test-password")
    StaffProfile.objects.create(user=clerk, roles=["customer_service"])
    TOTPDevice.objects.create(user=clerk, name="phone", confirmed=True)
    with transaction.atomic():
        assert services.reset_second_factor(boss, clerk, NOW) == 1
        services.unlock(boss, clerk, NOW)
    assert not TOTPDevice.objects.filter(user=clerk).exists()
    with pytest.raises(services.NotAllowed), transaction.atomic():
        services.reset_second_factor(clerk, boss, NOW)
    actions = list(AuditEntry.objects.filter(target=f"staff:{clerk.pk}").values_list("action", flat=True))
    assert actions[-2:] == ["otp.reset", "staff.unlock"]
