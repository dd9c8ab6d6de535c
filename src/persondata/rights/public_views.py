"""Public pages (no login): see public_urls.py."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from persondata.rights import services


def confirm(request: HttpRequest, token: str) -> HttpResponse:
    try:
        with transaction.atomic():
            req = services.confirm(token, now=timezone.now())
    except services.ConfirmationError as exc:
        return render(request, "rights/public/confirm_failed.html", {"code": exc.code}, status=400)
    return render(request, "rights/public/confirmed.html", {"reference": req.reference})
