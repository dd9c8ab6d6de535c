"""Gunicorn's access log without the secret of a link given to a person.

The links e-mailed to a customer (``/privacy/confirm/<token>/`` to confirm a request, ``/privacy/answer/<token>/``
to download its answer) and the invitation given to a new staff member (``/staff/invitation/<token>/``) are the
URLs with a secret in their path. The access log of ``persondata serve`` records the path of every request, so this
logger class masks the token in every value it logs (path, request line, Referer, any header or environ atom),
whatever the log format: ``/privacy/confirm/***/`` and so on. Turned on with gunicorn's ``logger_class`` setting
(``persondata.gunicorn_conf``).
"""

from __future__ import annotations

import re
from typing import Any

from gunicorn.glogging import Logger

_TOKEN = re.compile(r"(/privacy/(?:confirm|answer)/|/staff/invitation/)(?!files/)[^/?#\s\"]+")
MASK = "***"


def mask(text: str) -> str:
    return _TOKEN.sub(r"\g<1>" + MASK, text)


class MaskingLogger(Logger):  # type: ignore[misc]  # gunicorn ships no type hints
    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        return {key: mask(value) if isinstance(value, str) else value for key, value in atoms.items()}
