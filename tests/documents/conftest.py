"""The documents' tests render without a database: no processor agreement is on record (the partners app's
hook answers "none"), unless a test gives the agreements itself."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from persondata.documents import partner_section


@pytest.fixture(autouse=True)
def _no_agreements_on_record(request: pytest.FixtureRequest) -> Iterator[None]:
    if request.node.get_closest_marker("django_db") or "db" in request.fixturenames:
        yield  # the real records
        return
    saved = list(partner_section._sources)
    partner_section.register_agreements(dict)
    yield
    partner_section._sources[:] = saved
