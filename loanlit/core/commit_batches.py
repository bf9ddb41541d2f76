"""Per-transaction batches flushed once after commit (DESIGN rule 7), for receivers of many small writes.

A receiver (statistics refresh, webhook deliveries) is told about rows as they are written, inside the writing
transaction, often hundreds of times in one bulk service. :class:`TransactionBatches` keeps ONE open batch per
database for the current transaction of the current thread; the first write of a transaction creates it and
registers its ``flush`` with ``transaction.on_commit``. A rolled-back transaction drops the flush (and so the
batch) with it; outside a transaction ``on_commit`` runs the flush at once, after the write's autocommit.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar

from django.db import connections, transaction

OUTERMOST = "outermost"


class Batch(Protocol):
    key: str | None
    flushed: bool

    def flush(self) -> None: ...


B = TypeVar("B", bound=Batch)


def transaction_key(connection: Any) -> str | None:
    """Which transaction a write belongs to: the outermost atomic block of the application's code.

    In production that is the real transaction (one at a time per connection). Inside Django's test
    transaction (``TestCase`` / pytest-django's ``db``), whose own blocks are flagged ``_from_testcase``, it
    is the first block the code under test opened: its savepoint id (unique per connection) tells two
    "transactions" of one test apart, as their commits would in production. None: no transaction of the
    application's own (an autocommit write, or a block without a savepoint) — never shared.
    """
    for index, block in enumerate(connection.atomic_blocks):
        if not getattr(block, "_from_testcase", False):
            return OUTERMOST if index == 0 else connection.savepoint_ids[index - 1]
    return None


def registered(batch: Batch, connection: Any) -> bool:
    """The batch's flush is still waiting for the commit (a rollback discards it)."""
    return (
        not batch.flushed
        and connection.in_atomic_block
        and any(callback == batch.flush for _sids, callback, _robust in connection.run_on_commit)
    )


class TransactionBatches(Generic[B]):
    """The open batch of each database's current transaction, per thread; ``make(using, key)`` builds a new one."""

    def __init__(self, make: Callable[[str, str | None], B]) -> None:
        self._make = make
        self._local = threading.local()

    def _batches(self) -> dict[str, B]:
        batches: dict[str, B] | None = getattr(self._local, "batches", None)
        if batches is None:
            batches = {}
            self._local.batches = batches
        return batches

    def current(self, using: str) -> B:
        """The open batch of the current transaction on ``using``, registering its flush when new."""
        batches = self._batches()
        batch = batches.get(using)
        connection = connections[using]
        key = transaction_key(connection) if connection.in_atomic_block else None
        if batch is not None and key is not None and batch.key == key and registered(batch, connection):
            return batch
        batch = self._make(using, key)
        batches[using] = batch
        transaction.on_commit(batch.flush, using=using)
        return batch

    def pending(self, using: str) -> B | None:
        """The batch still waiting for the current transaction's commit, if any (tests and diagnostics)."""
        batch = self._batches().get(using)
        if batch is None or not registered(batch, connections[using]):
            return None
        return batch

    def last(self, using: str) -> B | None:
        """The batch most recently opened on ``using`` in this thread, flushed or not (tests)."""
        return self._batches().get(using)
