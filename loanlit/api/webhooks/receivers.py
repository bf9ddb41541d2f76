"""Case events → webhook deliveries, queued after commit.

The cases services call their event listeners with the rows they have just written, inside the writing
transaction (bulk services with the whole batch). The events webhooks carry are collected per transaction,
and the first of them registers ONE ``transaction.on_commit`` flush (as ``loanlit.reports.receivers`` does):
after the commit, ``services.webhook_deliveries_queue`` writes the deliveries in bulk and queues one send
job. A rolled-back transaction drops its flush with it, so nothing is sent for it. A failing flush is logged
and never reaches the request whose transaction has already committed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, transaction

from loanlit.api.webhooks.payloads import KIND_TO_EVENT
from loanlit.cases.events import register_event_listener
from loanlit.cases.models import CaseEvent

logger = logging.getLogger(__name__)

_local = threading.local()
_OUTERMOST = "outermost"


@dataclass(eq=False)
class _Batch:
    using: str
    key: str | None = None
    events: list[CaseEvent] = field(default_factory=list)
    flushed: bool = False

    def flush(self) -> None:
        if self.flushed:
            return
        self.flushed = True
        from loanlit.api.webhooks import services

        try:
            services.webhook_deliveries_queue(events=self.events)
        except Exception:
            logger.exception("Queuing webhook deliveries after a commit failed (%d events).", len(self.events))


def _transaction_key(connection: Any) -> str | None:
    """The outermost atomic block of the application's code (inside a test's own transaction: its savepoint)."""
    for index, block in enumerate(connection.atomic_blocks):
        if not getattr(block, "_from_testcase", False):
            return _OUTERMOST if index == 0 else connection.savepoint_ids[index - 1]
    return None


def _registered(batch: _Batch, connection: Any) -> bool:
    return (
        not batch.flushed
        and connection.in_atomic_block
        and any(callback == batch.flush for _sids, callback, _robust in connection.run_on_commit)
    )


def _collect(using: str, events: Sequence[CaseEvent]) -> None:
    """Add ``events`` to the open batch of the current transaction on ``using``, registering its flush when new."""
    batches: dict[str, _Batch] = getattr(_local, "batches", None) or {}
    _local.batches = batches
    batch = batches.get(using)
    connection = connections[using]
    key = _transaction_key(connection) if connection.in_atomic_block else None
    if batch is not None and key is not None and batch.key == key and _registered(batch, connection):
        batch.events.extend(events)
        return
    batch = _Batch(using=using, key=key, events=list(events))
    batches[using] = batch
    # Outside a transaction on_commit runs the flush at once (after the events' autocommit).
    transaction.on_commit(batch.flush, using=using)


def _events_written(events: Sequence[CaseEvent]) -> None:
    """Case-event listener (inside the writing transaction): keep the events webhooks carry for the flush."""
    carried = [event for event in events if event.kind in KIND_TO_EVENT]
    if carried:
        _collect(DEFAULT_DB_ALIAS, carried)


register_event_listener(_events_written)


def pending_events(using: str = DEFAULT_DB_ALIAS) -> list[CaseEvent]:
    """The events collected in the current transaction and not flushed yet (tests and diagnostics)."""
    batches: dict[str, _Batch] = getattr(_local, "batches", None) or {}
    batch = batches.get(using)
    if batch is None or not _registered(batch, connections[using]):
        return []
    return list(batch.events)
