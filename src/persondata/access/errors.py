"""The access floor's refusals: raised by any service, turned into a 403 once per interface (:mod:`.refusal`)."""

from __future__ import annotations


class AccessDenied(Exception):
    """A refusal. ``code`` and ``purpose`` are safe to log; ``reason`` is for the person refused."""

    def __init__(self, reason: str, code: str = "not_granted", purpose: str | None = None) -> None:
        super().__init__(reason)
        self.reason, self.code, self.purpose = reason, code, purpose


class NotFound(Exception):
    pass
