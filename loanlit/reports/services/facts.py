"""CaseFact rows (contract; implemented by H1).

``facts_refresh(case_ids=…)`` is batch-shaped: a fixed number of queries per chunk of cases, whatever the
chunk's size. After writing the facts it refreshes the summary cells the cases left and entered
(``summaries.cells_refresh``) and the cycle-time counts of their units (``summaries.cycles_refresh``),
and stamps ``SummaryState("cases").refreshed_at``.
"""

from __future__ import annotations

from collections.abc import Iterable


def facts_refresh(*, case_ids: Iterable[int]) -> int:
    """Recompute the facts of these cases (deleted cases lose their row); returns the rows written."""
    raise NotImplementedError


def facts_refresh_pending() -> int:
    """The incremental refresh: cases with a CaseEvent after the watermark (bulk writes fire no signals)."""
    raise NotImplementedError


def facts_rebuild_all(*, batch_size: int = 2000) -> int:
    """Every case's facts, then every summary table from scratch; returns the cases written."""
    raise NotImplementedError
