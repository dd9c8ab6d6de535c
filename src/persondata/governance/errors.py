"""The one error of governance's services: a field and what to do about it (shown on the form, the API's 422
and the CLI's message)."""

from __future__ import annotations


class GovernanceError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class Conflict(GovernanceError):
    """A valid request the record's state forbids now (a control open already, one signed off): the API's 409."""
