"""A consistent, read-only view of the whole database while users keep working.

* PostgreSQL: a second connection in one ``REPEATABLE READ READ ONLY`` transaction (every table seen
  at the same instant; writers are never blocked).
* SQLite: the online backup API copies the database page by page into a temporary file (writers
  wait only for the few milliseconds of each step), and the export reads that copy through a
  connection of its own.
* MySQL/MariaDB: ``START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY`` on a second connection.
* Inside a caller's transaction: that transaction's own view, through its connection.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from django.db import connections


class Snapshot(Protocol):
    vendor: str

    def count(self, table: str) -> int: ...

    def page(self, table: str, columns: Sequence[str], pk: str, after: Any, limit: int) -> list[tuple[Any, ...]]: ...


class _SqliteSnapshot:
    vendor = "sqlite"

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)

    def count(self, table: str) -> int:
        return int(self._db.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0])  # noqa: S608

    def page(self, table: str, columns: Sequence[str], pk: str, after: Any, limit: int) -> list[tuple[Any, ...]]:
        cols = ", ".join(f'"{c}"' for c in columns)
        params: tuple[Any, ...]
        if after is None:
            sql, params = f'SELECT {cols} FROM "{table}" ORDER BY "{pk}" LIMIT ?', (limit,)  # noqa: S608
        else:
            sql, params = f'SELECT {cols} FROM "{table}" WHERE "{pk}" > ? ORDER BY "{pk}" LIMIT ?', (after, limit)  # noqa: S608
        return self._db.execute(sql, params).fetchall()

    def close(self) -> None:
        self._db.close()


class _DjangoSnapshot:
    def __init__(self, wrapper: Any) -> None:
        self._wrapper = wrapper
        self.vendor = wrapper.vendor
        self._cursor = wrapper.cursor()
        self._q = wrapper.ops.quote_name

    def count(self, table: str) -> int:
        self._cursor.execute(f"SELECT COUNT(*) FROM {self._q(table)}")  # noqa: S608
        return int(self._cursor.fetchone()[0])

    def page(self, table: str, columns: Sequence[str], pk: str, after: Any, limit: int) -> list[tuple[Any, ...]]:
        q = self._q
        cols = ", ".join(q(c) for c in columns)
        if after is None:
            self._cursor.execute(f"SELECT {cols} FROM {q(table)} ORDER BY {q(pk)} LIMIT %s", [limit])  # noqa: S608
        else:
            self._cursor.execute(
                f"SELECT {cols} FROM {q(table)} WHERE {q(pk)} > %s ORDER BY {q(pk)} LIMIT %s",  # noqa: S608
                [after, limit],
            )
        return list(self._cursor.fetchall())


@contextmanager
def database_snapshot(*, using: str = "default", workdir: Path | None = None) -> Iterator[Snapshot]:
    connection = connections[using]
    if connection.in_atomic_block:
        # Called inside a transaction (a test, a caller's atomic block): that transaction already gives
        # one consistent view (on SQLite it even holds the write lock, so the backup API would wait for
        # ever), and a second connection would not see its uncommitted rows.
        yield _DjangoSnapshot(connection)
        return
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        with tempfile.TemporaryDirectory(prefix="loanlit-snapshot-", dir=workdir) as tmp:
            path = Path(tmp) / "snapshot.sqlite3"
            target = sqlite3.connect(path)
            try:
                # pages=256 per step: writers get the database back between steps.
                connection.connection.backup(target, pages=256)
            finally:
                target.close()
            snapshot = _SqliteSnapshot(path)
            try:
                yield snapshot
            finally:
                snapshot.close()
        return
    wrapper = connections.create_connection(using)
    try:
        wrapper.ensure_connection()
        with wrapper.cursor() as cursor:
            if wrapper.vendor == "postgresql":
                cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            elif wrapper.vendor == "mysql":
                cursor.execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                cursor.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
            else:
                raise RuntimeError(f"No consistent snapshot for database vendor {wrapper.vendor!r}.")
        snap = _DjangoSnapshot(wrapper)
        try:
            yield snap
        finally:
            with wrapper.cursor() as cursor:
                cursor.execute("ROLLBACK")
    finally:
        wrapper.close()
