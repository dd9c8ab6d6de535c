"""The staff pages: the controller's management of logins, roles and texts, and every staff member's
declarations. Thin: each view checks the form, calls ``persondata.access.staff`` in one transaction and
renders. Who may do what is decided in the services; the views only say it in the reader's language.

A new or reset password is rendered in the answer to the POST, never redirected to, stored in the session or
put in a URL: it is shown exactly once (and ``Cache-Control: no-store`` keeps it out of the browser's cache).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from persondata import runtime
from persondata.access import gate, invitations
from persondata.access import staff as services
from persondata.access.forms import (
    AcknowledgeForm,
    CreateStaffForm,
    InvitationForm,
    OwnPasswordForm,
    PublishForm,
    RolesForm,
)
from persondata.access.models import KINDS, PolicyText
from persondata.access.refusal import denied
from persondata.access.staff import Invalid, NotAllowed

View = Callable[..., HttpResponse]

# The services' rules, said in the reader's language (the services speak English, for the command line).
_MESSAGES = {
    "no_duty": gettext_lazy("Only staff with the data controller role may manage staff and declarations."),
    "last_controller": gettext_lazy(
        "That would leave no active login with the data controller role. Give another login the role first."
    ),
    "own_login": gettext_lazy("You cannot deactivate your own login. Ask another data controller."),
    "inactive": gettext_lazy("Only an active login can do this."),
    "deactivated": gettext_lazy("The login is deactivated."),
    "no_role": gettext_lazy("Choose at least one role."),
    "unknown_role": gettext_lazy("Choose roles from the list: the policy file declares no other roles."),
    "username_empty": gettext_lazy("Type a login name."),
    "username_long": gettext_lazy("The login name is too long."),
    "username_chars": gettext_lazy("A login name may hold letters, digits and @ . + - _ only (no spaces)."),
    "username_taken": gettext_lazy(
        "That login name is taken (perhaps by a deactivated login). Choose another."
    ),
    "replaced": gettext_lazy(
        "This version has been replaced by a newer one. Read the current version below."
    ),
    "text_empty": gettext_lazy("Fill in the title and the text in both Danish and English."),
    "text_long": gettext_lazy("The text is too long."),
    "wrong_password": gettext_lazy("The current password is not right."),
}


def _say(exc: Invalid | NotAllowed) -> str:
    message = _MESSAGES.get(exc.code)
    return str(message) if message is not None else str(exc)


def _role_choices() -> list[tuple[str, str]]:
    lang = "en" if runtime.language() == "en" else "da"
    return [(key, role.label.get(lang)) for key, role in runtime.policy().roles.items()]


def controller_only(view: View) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        services.require_manager(
            request.user, "web"
        )  # a refusal is audited and shown by the RefusalMiddleware
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def _member(user_id: int) -> Any:
    user = services.staff_member(user_id)
    if user is None:
        raise Http404
    return user


# -- every staff member ----------------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def declarations(request: HttpRequest) -> HttpResponse:
    """The current texts; those not yet acknowledged first, each with its "I have read and accept" button."""
    problem = ""
    if request.method == "POST":
        form = AcknowledgeForm(request.POST)
        if not form.is_valid():
            raise Http404
        text = PolicyText.objects.filter(pk=form.cleaned_data["text"]).first()
        if text is None:
            raise Http404
        try:
            with transaction.atomic():
                services.acknowledge(request.user, text, timezone.now())
        except (Invalid, NotAllowed) as exc:
            problem = _say(exc)
        else:
            messages.success(request, _("Thank you. Your acceptance is recorded."))
            return redirect("staff:declarations")
    user: Any = request.user
    missing = gate.missing_acknowledgements(user)
    missing_ids = {t.pk for t in missing}
    accepted = [
        (
            t,
            t.acknowledgements.filter(user_id=user.pk).values_list("acknowledged_at", flat=True).first(),
        )
        for t in gate.current_texts()
        if t.pk not in missing_ids
    ]
    return render(
        request,
        "staff/declarations.html",
        {
            "missing": missing,
            "accepted": accepted,
            "problem": problem,
            "none_published": not (missing or accepted),
        },
        status=400 if problem else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def own_password(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = OwnPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                services.change_own_password(
                    user,
                    form.cleaned_data["old_password"],
                    form.cleaned_data["new_password"],
                    timezone.now(),
                )
        except Invalid as exc:
            field = "old_password" if exc.code == "wrong_password" else "new_password"
            form.add_error(field, _say(exc))
        except NotAllowed as exc:
            return denied(request, _say(exc))
        else:
            update_session_auth_hash(request, user)  # stay logged in here; other sessions end
            messages.success(request, _("Your password is changed."))
            return redirect("staff:declarations")
    return render(request, "staff/own_password.html", {"form": form})


# -- the controller --------------------------------------------------------------------------------------------
@controller_only
@require_http_methods(["GET"])
def staff_list(request: HttpRequest) -> HttpResponse:
    rows = services.compliance_overview()
    texts = gate.current_texts()
    published = {t.kind for t in texts}
    return render(
        request,
        "staff/list.html",
        {
            "rows": rows,
            "texts": texts,
            "unpublished": [k for k in KINDS if k not in published],
            "incomplete": sum(1 for r in rows if not r.complete),
            "deactivated": services.deactivated_staff(),
            "me_missing": gate.missing_acknowledgements(request.user),
        },
    )


@controller_only
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    form = CreateStaffForm(request.POST or None, roles=_role_choices())
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                user, password = services.create_staff(
                    request.user, form.cleaned_data["username"], form.cleaned_data["roles"], timezone.now()
                )
                invited = form.cleaned_data["invite"]
                link = invitations.invite(request.user, user, timezone.now()) if invited else ""
        except Invalid as exc:
            form.add_error("roles" if exc.code in {"no_role", "unknown_role"} else "username", _say(exc))
        except NotAllowed as exc:
            return denied(request, _say(exc))
        else:
            if link:
                return render(
                    request,
                    "staff/invitation_shown.html",
                    {"member": user, "link": request.build_absolute_uri(link), "days": invitations.DAYS},
                )
            return render(
                request, "staff/password_shown.html", {"member": user, "password": password, "created": True}
            )
    return render(request, "staff/create.html", {"form": form})


# -- an invitation: the new member's own first password (no login) ---------------------------------------------
_INVITATION_PROBLEMS = {
    "unknown": gettext_lazy("This invitation link is not valid. Ask the data controller for a new one."),
    "used": gettext_lazy("This invitation has been used already: log in with the password you chose."),
    "revoked": gettext_lazy("A newer invitation replaced this one. Use the newest link you were given."),
    "expired": gettext_lazy("This invitation has expired. Ask the data controller for a new one."),
}


def _invitation_failed(request: HttpRequest, code: str) -> HttpResponse:
    response = render(
        request, "staff/invitation.html", {"problem": _INVITATION_PROBLEMS.get(code, code)}, status=410
    )
    response._has_been_logged = True  # type: ignore[attr-defined]  # Django's 4xx log line would hold the path
    response["Referrer-Policy"] = "strict-origin"
    return response


@csrf_exempt  # changes nothing; the CSRF failure log would write the path, with the token
@never_cache
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The link the new member was given: a page to choose a password, which posts the token in the body."""
    if request.method not in ("GET", "HEAD"):
        refused = HttpResponseNotAllowed(["GET", "HEAD"])
        refused._has_been_logged = True  # type: ignore[attr-defined]
        return refused
    problem = invitations.problem(token, timezone.now())
    if problem is not None:
        return _invitation_failed(request, problem)
    response = render(request, "staff/invitation.html", {"form": InvitationForm(), "token": token})
    response["Referrer-Policy"] = "strict-origin"
    return response


@never_cache
@require_POST
def invitation_accept(request: HttpRequest) -> HttpResponse:
    token = request.POST.get("token", "")
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            with transaction.atomic():
                invitations.accept(token, form.cleaned_data["new_password"], timezone.now())
        except Invalid as exc:
            if exc.code in _INVITATION_PROBLEMS:
                return _invitation_failed(request, exc.code)
            form.add_error("new_password", _say(exc))
        else:
            messages.success(request, _("Your password is set. Log in with your login name and it."))
            return redirect("login")
    response = render(request, "staff/invitation.html", {"form": form, "token": token}, status=400)
    response["Referrer-Policy"] = "strict-origin"
    return response


@controller_only
@require_http_methods(["GET", "POST"])
def edit_roles(request: HttpRequest, user_id: int) -> HttpResponse:
    member = _member(user_id)
    if not member.is_active:
        raise Http404
    form = RolesForm(
        request.POST or None, roles=_role_choices(), initial={"roles": services.roles_of(member)}
    )
    problem = ""
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                services.set_roles(request.user, member, form.cleaned_data["roles"], timezone.now())
        except Invalid as exc:
            form.add_error("roles", _say(exc))
        except NotAllowed as exc:
            problem = _say(exc)
        else:
            messages.success(request, _("The roles are saved."))
            return redirect("staff:list")
    return render(
        request,
        "staff/roles.html",
        {"member": member, "form": form, "problem": problem},
        status=400 if problem else 200,
    )


def _confirm(
    request: HttpRequest, member: Any, action: str, problem: str = "", status: int = 200
) -> HttpResponse:
    return render(
        request, "staff/confirm.html", {"member": member, "action": action, "problem": problem}, status=status
    )


@controller_only
@require_http_methods(["GET", "POST"])
def deactivate(request: HttpRequest, user_id: int) -> HttpResponse:
    member = _member(user_id)
    if not member.is_active:
        raise Http404
    if request.method != "POST":
        return _confirm(request, member, "deactivate")
    try:
        with transaction.atomic():
            services.deactivate(request.user, member, timezone.now())
    except (Invalid, NotAllowed) as exc:
        return _confirm(request, member, "deactivate", _say(exc), status=400)
    messages.success(
        request, _("The login is deactivated. It can no longer log in, and its API tokens stop working.")
    )
    return redirect("staff:list")


@controller_only
@require_http_methods(["GET", "POST"])
def reset_password(request: HttpRequest, user_id: int) -> HttpResponse:
    member = _member(user_id)
    if not member.is_active:
        raise Http404
    if request.method != "POST":
        return _confirm(request, member, "password")
    try:
        with transaction.atomic():
            password = services.reset_password(request.user, member, timezone.now())
    except (Invalid, NotAllowed) as exc:
        return _confirm(request, member, "password", _say(exc), status=400)
    if member.pk == request.user.pk:
        update_session_auth_hash(request, member)
    return render(
        request, "staff/password_shown.html", {"member": member, "password": password, "created": False}
    )


@controller_only
@require_http_methods(["GET", "POST"])
def publish(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in KINDS:
        raise Http404
    current = next((t for t in gate.current_texts() if t.kind == kind), None)
    initial: dict[str, Any] = {"kind": kind}
    if current is not None:
        initial.update(
            title_da=current.title_da,
            title_en=current.title_en,
            body_da=current.body_da,
            body_en=current.body_en,
        )
    form = PublishForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["kind"] != kind:
            raise Http404
        try:
            with transaction.atomic():
                services.publish_text(
                    request.user,
                    kind,
                    title_da=data["title_da"],
                    title_en=data["title_en"],
                    body_da=data["body_da"],
                    body_en=data["body_en"],
                    now=timezone.now(),
                )
        except Invalid as exc:
            form.add_error(None, _say(exc))
        except NotAllowed as exc:
            return denied(request, _say(exc))
        else:
            messages.success(
                request, _("The new version is published. Every login must now read and accept it again.")
            )
            return redirect("staff:list")
    return render(request, "staff/publish.html", {"form": form, "kind": kind, "current": current})
