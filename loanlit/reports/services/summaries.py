"""Summary tables from CaseFact (contract; implemented by H2)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

Cell = tuple[int, str, date]  # (creditor_id, unit_path, cohort_month)
UnitKey = tuple[int, str]  # (creditor_id, unit_path)


def cells_refresh(*, cells: Iterable[Cell]) -> int:
    """Replace the SummaryRow rows of these cells with sums over their CaseFact rows; returns rows written."""
    raise NotImplementedError


def cycles_refresh(*, units: Iterable[UnitKey]) -> int:
    """Replace the CycleDays counts of these (creditor, leaf unit) pairs; returns rows written."""
    raise NotImplementedError


def summaries_rebuild_all() -> int:
    """Every SummaryRow and CycleDays row from CaseFact (set-based, in bounded memory)."""
    raise NotImplementedError


def loan_defaults_rebuild() -> int:
    """LoanDefaultMonth from the loans' ``overdue_since`` (province of the loan's unit region code)."""
    raise NotImplementedError
