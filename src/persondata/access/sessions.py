"""Staff sessions (``SESSION_ENGINE``): Django's database sessions, except that a refresh never waits.

``SESSION_SAVE_EVERY_REQUEST`` moves a session's expiry ahead on every request (the 30-minute idle limit), a write
to the main database on every page. While a long all-or-nothing import holds SQLite's write lock that write
would wait for it, and the page with it (issue 18). A save that only refreshes the expiry therefore takes the
lock if it is free at once and is otherwise left for the next request — not even tried while a long writer holds
the lock (``rawsql.long_writer``): a try waits 50 ms in SQLite's busy handler, holding one of the server's few
threads. A session whose content changed (a login, a logout, the login time) is saved as always.

The refresh is written at most once a minute (:data:`REFRESH_EVERY`): a staff member reading page after page
wrote the session on every one (nine statements and a commit, about a tenth of a customer page's CPU, issue 17).
An idle session so ends 29 to 30 minutes after its last request — never later than the 30 minutes.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.backends.db import SessionStore as DatabaseStore
from django.db import OperationalError, connection
from django.utils import timezone

from persondata.rawsql import REFRESH_WAIT, as_datetime, fetch, is_busy, long_writer, waiting_at_most, writing

#: how long a session's stored expiry may lag behind the idle limit before a request moves it ahead
REFRESH_EVERY = timedelta(minutes=1)


class SessionStore(DatabaseStore):
    _stored_expiry: datetime | None = None  # the expiry as read from the database with the session

    def _get_session_from_db(self) -> Any:
        """Django's read of the session, in raw SQL (every staff page reads it; the ORM's query cost more than the
        read), noting the stored expiry."""
        self._stored_expiry = None
        if self.session_key is None:
            return None
        found = fetch(
            "SELECT session_data, expire_date FROM django_session WHERE session_key = %s AND expire_date > %s",
            [self.session_key, connection.ops.adapt_datetimefield_value(timezone.now())],
        )
        if not found:
            self._session_key = None
            return None
        data, expiry = found[0]
        self._stored_expiry = as_datetime(expiry)
        return self.model(session_key=self.session_key, session_data=data, expire_date=self._stored_expiry)

    def save(self, must_create: bool = False) -> None:
        if must_create or self.modified or self.session_key is None:
            with writing():  # the main database's lock only, not the access log's (rawsql.writing)
                super().save(must_create)
            self._stored_expiry = self.get_expiry_date()
            return
        if self._stored_expiry is not None and self.get_expiry_date() - self._stored_expiry < REFRESH_EVERY:
            return  # moved ahead less than a minute ago
        if long_writer() is not None:
            return  # the idle refresh waits for the next request after the long writer
        try:
            with waiting_at_most(REFRESH_WAIT), writing():
                super().save()
            self._stored_expiry = self.get_expiry_date()
        except UpdateError:  # Django's word for any database error of the update
            if not self.exists(self.session_key):
                raise  # the session is gone (a logout elsewhere): the request is told, as Django does
        except OperationalError as exc:  # the lock, not free in time (the transaction's first write takes it)
            if not is_busy(exc):
                raise
