"""The partners' input errors (shared by the webhooks and the agreements)."""

from __future__ import annotations


class PartnerError(ValueError):
    """Bad input: ``field`` names what is wrong, the message says how to fix it (never repeating the value)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message
