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
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import DEFAULT_DB_ALIAS

from loanlit.api.webhooks.payloads import KIND_TO_EVENT
from loanlit.cases.events import register_event_listener
from loanlit.cases.models import CaseEvent
from loanlit.core.commit_batches import TransactionBatches

logger = logging.getLogger(__name__)


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


_BATCHES: TransactionBatches[_Batch] = TransactionBatches(lambda using, key: _Batch(using=using, key=key))


def _collect(using: str, events: Sequence[CaseEvent]) -> None:
    """Add ``events`` to the open batch of the current transaction on ``using`` (its flush registered when new)."""
    _BATCHES.current(using).events.extend(events)


def _events_written(events: Sequence[CaseEvent]) -> None:
    """Case-event listener (inside the writing transaction): keep the events webhooks carry for the flush."""
    carried = [event for event in events if event.kind in KIND_TO_EVENT]
    if carried:
        _collect(DEFAULT_DB_ALIAS, carried)


register_event_listener(_events_written)


def pending_events(using: str = DEFAULT_DB_ALIAS) -> list[CaseEvent]:
    """The events collected in the current transaction and not flushed yet (tests and diagnostics)."""
    batch = _BATCHES.pending(using)
    return list(batch.events) if batch is not None else []
