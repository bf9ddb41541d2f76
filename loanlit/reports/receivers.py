"""Writes that change a case's statistics mark the case; the marked cases are refreshed after commit.

Each ``post_save`` / ``post_delete`` of a watched model adds its case id to the batch of the current
database transaction (no query: the case id is on the row, or resolved at flush time from the parent id);
the first mark of a transaction registers ONE ``transaction.on_commit`` flush that calls
``facts.facts_refresh`` for the whole batch. A rolled-back transaction drops its flush with it. A failed
refresh is logged and never reaches the request: the scheduler's incremental refresh catches up.

The case events the services write (``cases.events`` listeners, called with the rows just written, bulk
services included) mark their cases the same way, so a case opened by ``cases_open_batch`` (a bulk insert)
is counted after its commit too. A batch of more than ``MAX_ON_COMMIT`` cases (a large import) is left to
the scheduler, so a write never pays for a large refresh. Writes that bypass both signals and events (raw
``QuerySet.update``) are caught by the scheduler's incremental refresh (``facts.facts_refresh_pending``:
case-event watermark and ``Case.updated_at``) and the nightly rebuild. Off with
``settings.STATS_REFRESH_ON_WRITE = False``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, models, transaction
from django.db.models.signals import post_delete, post_save

from loanlit.cases.events import register_event_listener
from loanlit.cases.models import (
    Case,
    CaseEvent,
    CaseLoan,
    CostEntry,
    Judgment,
    JudgmentItem,
    Placement,
    Proceeding,
    Recovery,
)
from loanlit.core.commit_batches import TransactionBatches
from loanlit.enforcement.models import DebtTransferItem, Termination, WriteOff
from loanlit.reports.definitions import month_start
from loanlit.workflow.models import SettlementPayment, SettlementPlan

logger = logging.getLogger(__name__)

# Above this many cases in one transaction the refresh is left to the scheduler (minutes later).
MAX_ON_COMMIT = 2000

# Models whose rows carry ``case_id`` themselves.
DIRECT_MODELS: tuple[type[models.Model], ...] = (
    Proceeding,
    Recovery,
    CostEntry,
    Placement,
    CaseLoan,
    WriteOff,
    Termination,
    DebtTransferItem,
)


@dataclass
class _Batch:
    """The cases one transaction touched; flushed once, after commit."""

    using: str
    key: str | None = None
    case_ids: set[int] = field(default_factory=set)
    # Rows whose case is one parent away, by parent model: resolved with one query per model at flush.
    proceeding_ids: set[int] = field(default_factory=set)
    judgment_ids: set[int] = field(default_factory=set)
    plan_ids: set[int] = field(default_factory=set)
    # Cells a deleted case was counted in (its fact row is deleted with it).
    left_cells: set[tuple[int, str, Any]] = field(default_factory=set)
    flushed: bool = False

    def resolve(self) -> set[int]:
        ids = set(self.case_ids)
        if self.proceeding_ids:
            ids.update(Proceeding.objects.filter(pk__in=self.proceeding_ids).values_list("case_id", flat=True))
        if self.judgment_ids:
            ids.update(Judgment.objects.filter(pk__in=self.judgment_ids).values_list("proceeding__case_id", flat=True))
        if self.plan_ids:
            ids.update(SettlementPlan.objects.filter(pk__in=self.plan_ids).values_list("case_id", flat=True))
        return ids

    def flush(self) -> None:
        if self.flushed:
            return
        self.flushed = True
        from loanlit.reports.services import facts

        try:
            case_ids = self.resolve()
            if len(case_ids) > MAX_ON_COMMIT:
                logger.info("%d cases changed at once: the scheduler refreshes their statistics.", len(case_ids))
                return
            with transaction.atomic(using=self.using):
                facts.facts_refresh(case_ids=case_ids, left_cells=self.left_cells)
        except Exception:
            logger.exception("Refreshing the statistics after a write failed; the scheduler will catch up.")


_BATCHES: TransactionBatches[_Batch] = TransactionBatches(lambda using, key: _Batch(using=using, key=key))


def _batch(using: str) -> _Batch:
    """The open batch of the current transaction on ``using`` (its flush registered when new)."""
    return _BATCHES.current(using)


def _enabled(raw: bool) -> bool:
    # Fixture loading (raw saves) is not a write of the domain; the nightly rebuild covers it.
    return not raw and bool(getattr(settings, "STATS_REFRESH_ON_WRITE", True))


def _cached(instance: models.Model, name: str) -> Any:
    """A related object already loaded on ``instance`` (no query), else None."""
    descriptor = instance._meta.get_field(name)
    return descriptor.get_cached_value(instance) if descriptor.is_cached(instance) else None  # type: ignore[union-attr]


def _mark(instance: models.Model, using: str | None, *, deleted: bool = False) -> None:
    using = using or DEFAULT_DB_ALIAS
    if isinstance(instance, Case):
        batch = _batch(using)
        batch.case_ids.add(instance.pk)
        if deleted and instance.opened_on is not None:
            batch.left_cells.add((instance.creditor_id, instance.unit_path, month_start(instance.opened_on)))
        return
    if isinstance(instance, DIRECT_MODELS):
        _batch(using).case_ids.add(instance.case_id)  # type: ignore[attr-defined]
        return
    if isinstance(instance, Judgment):
        proceeding = _cached(instance, "proceeding")
        if proceeding is not None:
            _batch(using).case_ids.add(proceeding.case_id)
        else:
            _batch(using).proceeding_ids.add(instance.proceeding_id)
        return
    if isinstance(instance, JudgmentItem):
        judgment = _cached(instance, "judgment")
        proceeding = _cached(judgment, "proceeding") if judgment is not None else None
        if proceeding is not None:
            _batch(using).case_ids.add(proceeding.case_id)
        elif judgment is not None:
            _batch(using).proceeding_ids.add(judgment.proceeding_id)
        else:
            _batch(using).judgment_ids.add(instance.judgment_id)
        return
    if isinstance(instance, SettlementPayment):
        recovery = _cached(instance, "recovery")
        plan = _cached(instance, "plan")
        if recovery is not None:
            _batch(using).case_ids.add(recovery.case_id)
        elif plan is not None:
            _batch(using).case_ids.add(plan.case_id)
        else:
            _batch(using).plan_ids.add(instance.plan_id)


WATCHED: tuple[type[models.Model], ...] = (Case, *DIRECT_MODELS, Judgment, JudgmentItem, SettlementPayment)


def _saved(
    sender: type[models.Model], instance: models.Model, raw: bool = False, using: str | None = None, **kwargs: Any
) -> None:
    if _enabled(raw):
        _mark(instance, using)


def _deleted(sender: type[models.Model], instance: models.Model, using: str | None = None, **kwargs: Any) -> None:
    if _enabled(False):
        _mark(instance, using, deleted=True)


def _events_written(events: Sequence[CaseEvent]) -> None:
    """Case-event listener (inside the writing transaction): the events' cases are refreshed after commit."""
    if not _enabled(False) or not events:
        return
    _batch(DEFAULT_DB_ALIAS).case_ids.update(event.case_id for event in events)


register_event_listener(_events_written)

for _model in WATCHED:
    post_save.connect(_saved, sender=_model, dispatch_uid=f"reports.facts.saved.{_model._meta.label_lower}")
    post_delete.connect(_deleted, sender=_model, dispatch_uid=f"reports.facts.deleted.{_model._meta.label_lower}")


def pending_case_ids(using: str = DEFAULT_DB_ALIAS) -> set[int]:
    """The case ids marked in the current transaction and not flushed yet (for tests and diagnostics)."""
    batch = _BATCHES.pending(using)
    return set(batch.case_ids) if batch is not None else set()


__all__ = ["WATCHED", "pending_case_ids"]
