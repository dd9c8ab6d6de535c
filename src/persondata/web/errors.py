"""The answer to an uncaught error (``handler500`` in ``persondata.urls``), on the staff pages, the public pages and
the API alike.

A write that could not get the database's lock in time (:func:`persondata.rawsql.is_busy`: SQLite's busy timeout
ran out during a long import) is not a fault: it is answered 503 with ``Retry-After``, and the page says that
nothing was saved and when to try again, in Danish and English (the public form's visitor may be either). Under
``/api/`` the API's middleware turns it into ``{"detail", "code": "busy"}``. Anything else is Django's 500 page.
"""

from __future__ import annotations

import sys

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.defaults import server_error as django_server_error

from persondata.rawsql import RETRY_AFTER, is_busy


def server_error(request: HttpRequest) -> HttpResponse:
    exc = sys.exc_info()[1]  # Django calls the handler inside its ``except``
    if exc is None or not is_busy(exc):
        return django_server_error(request)
    response = render(request, "web/busy.html", {"seconds": RETRY_AFTER}, status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    return response
