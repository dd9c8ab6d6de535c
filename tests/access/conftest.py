"""Fixtures of the staff tests: the default texts published, and a way to accept them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from django.db import transaction

from persondata.access import gate
from persondata.access import staff as services
from persondata.access.models import PolicyText


@pytest.fixture
def texts(db: None, now: datetime) -> list[PolicyText]:
    """Version 1 of both texts, as `persondata init` publishes them."""
    with transaction.atomic():
        services.ensure_default_texts(now)
    return gate.current_texts()


@pytest.fixture
def accept_all(now: datetime) -> Callable[[Any], None]:
    def accept(user: Any) -> None:
        with transaction.atomic():
            for text in gate.missing_acknowledgements(user):
                services.acknowledge(user, text, now)

    return accept
