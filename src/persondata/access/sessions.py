"""Staff sessions (``SESSION_ENGINE``): Django's database sessions, except that a refresh never waits.

``SESSION_SAVE_EVERY_REQUEST`` moves a session's expiry ahead on every request (the 30-minute idle limit), a write
to the main database on every page. While a long all-or-nothing import holds SQLite's write lock that write
would wait for it, and the page with it (issue 18). A save that only refreshes the expiry therefore takes the
lock if it is free at once and is otherwise left for the next request — not even tried while a long writer holds
the lock (``rawsql.long_writer``): a try waits 50 ms in SQLite's busy handler, holding one of the server's few
threads. A session whose content changed (a login, a logout, the login time) is saved as always.
"""

from __future__ import annotations

from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.backends.db import SessionStore as DatabaseStore
from django.db import OperationalError

from persondata.rawsql import REFRESH_WAIT, is_busy, long_writer, waiting_at_most, writing


class SessionStore(DatabaseStore):
    def save(self, must_create: bool = False) -> None:
        if must_create or self.modified or self.session_key is None:
            with writing():  # the main database's lock only, not the access log's (rawsql.writing)
                super().save(must_create)
            return
        if long_writer() is not None:
            return  # the idle refresh waits for the next request after the long writer
        try:
            with waiting_at_most(REFRESH_WAIT), writing():
                super().save()
        except UpdateError:  # Django's word for any database error of the update
            if not self.exists(self.session_key):
                raise  # the session is gone (a logout elsewhere): the request is told, as Django does
        except OperationalError as exc:  # the lock, not free in time (the transaction's first write takes it)
            if not is_busy(exc):
                raise
