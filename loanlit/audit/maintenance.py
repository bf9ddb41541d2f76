"""Suspending the append-only triggers — for `flush` and for tests that must tamper, nothing else —
and the narrower prune marker that lets ``loanlit.audit.retention`` DELETE archived rows.

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
APPEND_ONLY_TABLES: Final = (
    "audit_auditentry",
    "audit_checkpoint",
    "audit_accesslog",
    "audit_accesslogseal",
    "audit_auditarchive",
    "audit_streamanchor",
)
# Tables whose rows a prune may DELETE (migration 0005); never UPDATE, never the archive records.
PRUNABLE_TABLES: Final = APPEND_ONLY_TABLES[:4]
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


class PruneMarkerError(RuntimeError):
    """The prune marker was asked for outside a transaction: it must end with the prune's transaction."""


@contextmanager
def prune_marker(using: str = "default") -> Iterator[None]:
    """Let DELETEs on ``PRUNABLE_TABLES`` through the triggers for the rest of this transaction (migration 0005).

    Only ``loanlit.audit.retention.archive_prune`` uses it, after the archive is written and verified.
    UPDATE stays refused. PostgreSQL: ``SET LOCAL`` ends with the transaction. SQLite: a token row
    inserted here and deleted again on the way out (a rollback removes it too). MySQL/MariaDB: a
    session variable, cleared on the way out.
    """
    from django.utils import timezone

    from loanlit.audit.models import AuditPruneToken
    from loanlit.audit.services import _in_callers_transaction

    connection = connections[using]
    if not _in_callers_transaction(using):  # (a test case's own wrapping transaction does not count)
        raise PruneMarkerError("The prune marker must be set inside transaction.atomic().")
    vendor = connection.vendor
    token = None
    if vendor == "sqlite":
        token = AuditPruneToken.objects.using(using).create(created_at=timezone.now())  # write-ok: prune marker
    else:
        with connection.cursor() as cursor:
            if vendor == "postgresql":
                cursor.execute("SET LOCAL loanlit.audit_prune = 'on'")
            elif vendor == "mysql":
                cursor.execute("SET @loanlit_audit_prune = 1")
    try:
        yield
    finally:
        if vendor == "mysql" and connection.connection is not None:
            # A session variable outlives the transaction: clear it whatever happened.
            with connection.cursor() as cursor:
                cursor.execute("SET @loanlit_audit_prune = NULL")
        elif connection.connection is not None and not connection.needs_rollback:
            # (After an error the rollback removes the token and ends SET LOCAL anyway.)
            if token is not None:
                AuditPruneToken.objects.using(using).filter(pk=token.pk).delete()  # write-ok: prune marker
            elif vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL loanlit.audit_prune = ''")
