"""Benchmark of the public request form: many customers sending it at the same moment, over real HTTP.

:func:`bench_public_form` runs against a running ``persondata serve`` started with ``PERSONDATA_BEHIND_PROXY=1``:
each simulated customer has its own cookies and CSRF token and its own client address, given in
``X-Forwarded-For`` as the one trusted proxy would (the per-address limit would otherwise stop the sixth). The
submissions carry synthetic details only (``example.invalid`` addresses, which match no customer), unless
``emails`` names addresses of the demo register, which then exercise the match and the confirmation e-mail too.
All submissions are released together by a barrier once every client has its form.

:func:`bench_match_timing` sends the form one submission at a time, matched and unmatched alternately, and compares
their medians: the form must not tell by its timing whether someone is a customer.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import re
import statistics
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence

_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_REFERENCE = re.compile(r"PD-[0-9A-Z]{4}-[0-9A-Z]{4}")
KINDS = ("access", "erasure", "rectification", "information", "portability")


def _address(i: int) -> str:
    return f"198.18.{i // 250}.{i % 250 + 1}"  # RFC 2544's range for benchmarks: never a real client


def _form_request(
    opener: urllib.request.OpenerDirector, form_url: str, i: int, email: str, timeout: float
) -> urllib.request.Request | None:
    """Fetch the form (cookies, CSRF token) as visitor ``i`` and build its submission; None if the page failed."""
    headers = {"X-Forwarded-For": _address(i), "Referer": form_url}
    try:
        with opener.open(urllib.request.Request(form_url, headers=headers), timeout=timeout) as r:
            token = _CSRF.search(r.read().decode())
    except OSError:
        return None
    kind = KINDS[i % len(KINDS)]
    data = {
        "csrfmiddlewaretoken": token.group(1) if token else "",
        "kind": kind,
        "name": f"Bench Kunde {i}",
        "email": email,
        "phone": f"+45 70 00 {i // 100 % 100:02d} {i % 100:02d}",
        "message": "Synthetic benchmark request." if kind != "rectification" else "Wrong: A. Right: B.",
        "language": "da" if i % 2 else "en",
        "website": "",
    }
    return urllib.request.Request(form_url, data=urllib.parse.urlencode(data).encode(), headers=headers)


def _submit(
    opener: urllib.request.OpenerDirector, request: urllib.request.Request, timeout: float
) -> float | None:
    """Seconds for the POST and the redirect to the thank-you page with a reference; None if not accepted."""
    start = time.perf_counter()
    try:
        with opener.open(request, timeout=timeout) as r:
            page = r.read().decode()
            ok = (
                r.status == 200
                and r.url.endswith("/privacy/request/thanks/")
                and bool(_REFERENCE.search(page))
            )
    except (OSError, urllib.error.HTTPError):
        return None
    return time.perf_counter() - start if ok else None


def _opener() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))


def _form_url(base_url: str) -> str:
    base = base_url.rstrip("/")
    if urllib.parse.urlsplit(base).scheme not in ("http", "https"):
        raise ValueError(f"base_url must be an http(s) address; got {base_url!r}")
    return base + "/privacy/request/"


def bench_public_form(
    base_url: str, submissions: int = 50, *, emails: Sequence[str] = (), timeout: float = 60
) -> tuple[int, int, float]:
    """Send ``submissions`` request forms at once; (accepted, failed, median milliseconds per submission).

    A submission is accepted when the POST is answered by the thank-you page with a reference number; the time
    is that of the POST and the redirect to the thank-you page, as the customer waits for them.
    """
    form_url = _form_url(base_url)
    barrier = threading.Barrier(submissions)
    results: list[float | None] = []
    lock = threading.Lock()

    def one(i: int) -> None:
        opener = _opener()
        email = emails[i] if i < len(emails) else f"bench-{i}@example.invalid"
        request = _form_request(opener, form_url, i, email, timeout)
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout)
        elapsed = _submit(opener, request, timeout) if request is not None else None
        with lock:
            results.append(elapsed)

    threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(submissions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout * 3)
    times = [elapsed for elapsed in results if elapsed is not None]
    accepted = len(times)
    return accepted, submissions - accepted, statistics.median(times or [0.0]) * 1000


def bench_match_timing(
    base_url: str, emails: Sequence[str], *, first_visitor: int = 1000, timeout: float = 60
) -> tuple[float, float, int]:
    """The public form, one submission at a time, alternately with the e-mail of a customer (``emails``) and with
    an address that matches nobody: (median ms matched, median ms unmatched, submissions not accepted).

    The two must cost the same: the form stores a submission and answers; matching it and sending the confirmation
    e-mail happen afterwards (``persondata.requests.intake``). Each submission comes from a visitor address of its
    own (from ``first_visitor`` on), so the per-address limit never applies; the server's global limit must allow
    ``2 × len(emails)`` submissions a minute.
    """
    form_url = _form_url(base_url)
    matched: list[float] = []
    unmatched: list[float] = []
    failed = 0
    for n, email in enumerate(emails):
        for i, address, into in (
            (first_visitor + 2 * n, email, matched),
            (first_visitor + 2 * n + 1, f"bench-nobody-{n}@example.invalid", unmatched),
        ):
            opener = _opener()
            request = _form_request(opener, form_url, i, address, timeout)
            elapsed = _submit(opener, request, timeout) if request is not None else None
            if elapsed is None:
                failed += 1
            else:
                into.append(elapsed)
    return statistics.median(matched or [0.0]) * 1000, statistics.median(unmatched or [0.0]) * 1000, failed
