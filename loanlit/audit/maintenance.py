"""Suspending the append-only triggers — for `flush` and for tests that must tamper, nothing else.

The triggers (migration 0002) guard against the application, an ORM slip or an operator's stray
UPDATE; whoever owns the database can always drop them, which is why `verify_audit` exists. A
suspension is per connection and vendor-specific:

* SQLite: the triggers call ``loanlit_audit_guard()``, a function registered on each connection
  (``install_sqlite_guard``). A connection without it (the sqlite3 shell) gets "no such function",
  so the change is refused there too.
* PostgreSQL: the trigger function reads the ``loanlit.audit_bypass`` setting.
* MySQL/MariaDB: the triggers read the session variable ``@loanlit_audit_bypass``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Final

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

GUARD_FUNCTION: Final = "loanlit_audit_guard"
APPEND_ONLY_TABLES: Final = ("audit_auditentry", "audit_checkpoint", "audit_accesslog", "audit_accesslogseal")
_BYPASS_ATTRIBUTE: Final = "_loanlit_audit_bypass"


def install_sqlite_guard(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """`connection_created` receiver: register the guard function the SQLite triggers call."""
    if connection.vendor != "sqlite":
        return

    def guard() -> int:
        return 0 if getattr(connection, _BYPASS_ATTRIBUTE, False) else 1

    connection.connection.create_function(GUARD_FUNCTION, 0, guard)


@contextmanager
def append_only_suspended(using: str = "default") -> Iterator[None]:
    connection = connections[using]
    connection.ensure_connection()
    vendor = connection.vendor
    if vendor == "sqlite":
        setattr(connection, _BYPASS_ATTRIBUTE, True)
    else:
        with connection.cursor() as cursor:
            if vendor == "postgresql":
                cursor.execute("SELECT set_config('loanlit.audit_bypass', 'on', false)")
            elif vendor == "mysql":
                cursor.execute("SET @loanlit_audit_bypass = 1")
    try:
        yield
    finally:
        if vendor == "sqlite":
            setattr(connection, _BYPASS_ATTRIBUTE, False)
        elif connection.connection is not None and not connection.needs_rollback:
            with connection.cursor() as cursor:
                if vendor == "postgresql":
                    cursor.execute("SELECT set_config('loanlit.audit_bypass', '', false)")
                elif vendor == "mysql":
                    cursor.execute("SET @loanlit_audit_bypass = NULL")
