"""Every worker serves the policy file as it is now.

The setup pages write the policy file in one worker; the others notice it at their next request (one ``stat``)
and load it. A file that an editor left invalid is not taken: the worker keeps the policy it had, and the error is
logged (keys and lines only) — ``persondata policy check`` names every problem and its fix.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from persondata import runtime
from persondata.core.policy import PolicyError
from persondata.governance.policy_versions import record_current

logger = logging.getLogger(__name__)


class PolicyFileMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if runtime.policy_changed():
            try:
                runtime.reload_policy()
            except (PolicyError, OSError) as exc:
                problems = getattr(exc, "problems", [])
                logger.error(
                    "the policy file changed but cannot be used (%s); still serving the one loaded before — "
                    "run 'persondata policy check'",
                    ", ".join(p.key for p in problems) or type(exc).__name__,
                )
            else:
                record_current(
                    timezone.now()
                )  # the policy in force changed: a new version (docs/governance.md)
        return self.get_response(request)
