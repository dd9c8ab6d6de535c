"""Benchmark of the public request form: many customers sending it at the same moment, over real HTTP.

:func:`bench_public_form` runs against a running ``persondata serve`` started with ``PERSONDATA_BEHIND_PROXY=1``:
each simulated customer has its own cookies and CSRF token and its own client address, given in
``X-Forwarded-For`` as the one trusted proxy would (the per-address limit would otherwise stop the sixth). The
submissions carry synthetic details only (``example.invalid`` addresses, which match no customer), unless
``emails`` names addresses of the demo register, which then exercise the match and the confirmation e-mail too.
All submissions are released together by a barrier once every client has its form.
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


def bench_public_form(
    base_url: str, submissions: int = 50, *, emails: Sequence[str] = (), timeout: float = 60
) -> tuple[int, int, float]:
    """Send ``submissions`` request forms at once; (accepted, failed, median milliseconds per submission).

    A submission is accepted when the POST is answered by the thank-you page with a reference number; the time
    is that of the POST and the redirect to the thank-you page, as the customer waits for them.
    """
    base = base_url.rstrip("/")
    if urllib.parse.urlsplit(base).scheme not in ("http", "https"):
        raise ValueError(f"base_url must be an http(s) address; got {base_url!r}")
    form_url = base + "/privacy/request/"
    barrier = threading.Barrier(submissions)
    results: list[tuple[bool, float]] = []
    lock = threading.Lock()

    def one(i: int) -> None:
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        headers = {"X-Forwarded-For": _address(i), "Referer": form_url}
        ok, elapsed = False, 0.0
        try:
            page_request = urllib.request.Request(form_url, headers=headers)
            with opener.open(page_request, timeout=timeout) as r:
                token = _CSRF.search(r.read().decode())
            kind = KINDS[i % len(KINDS)]
            data = {
                "csrfmiddlewaretoken": token.group(1) if token else "",
                "kind": kind,
                "name": f"Bench Kunde {i}",
                "email": emails[i] if i < len(emails) else f"bench-{i}@example.invalid",
                "phone": f"+45 70 00 {i // 100 % 100:02d} {i % 100:02d}",
                "message": "Synthetic benchmark request."
                if kind != "rectification"
                else "Wrong: A. Right: B.",
                "language": "da" if i % 2 else "en",
                "website": "",
            }
            body = urllib.parse.urlencode(data).encode()
            request = urllib.request.Request(form_url, data=body, headers=headers)
        except OSError:
            request = None
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout)
        if request is not None:
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
                ok = False
            elapsed = time.perf_counter() - start
        with lock:
            results.append((ok, elapsed))

    threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(submissions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout * 3)
    accepted = sum(1 for ok, _ in results if ok)
    times = [elapsed for ok, elapsed in results if ok] or [0.0]
    return accepted, submissions - accepted, statistics.median(times) * 1000
