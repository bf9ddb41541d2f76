"""Fixtures of the facts tests: the facts without the summaries (the summaries' functions replaced by recorders)."""

from __future__ import annotations

import datetime as dt

import pytest

from loanlit.reports.services import summaries


class SummaryCalls:
    def __init__(self) -> None:
        self.cells: list[tuple[int, str, dt.date]] = []
        self.units: list[tuple[int, str]] = []
        self.rebuilt = 0


@pytest.fixture
def no_summaries(monkeypatch) -> SummaryCalls:
    """The facts tested alone: the summary functions record what they were asked and do nothing."""
    calls = SummaryCalls()

    def cells_refresh(*, cells):
        calls.cells.extend(cells)
        return 0

    def cycles_refresh(*, units):
        calls.units.extend(units)
        return 0

    def rebuild():
        calls.rebuilt += 1
        return 0

    monkeypatch.setattr(summaries, "cells_refresh", cells_refresh)
    monkeypatch.setattr(summaries, "cycles_refresh", cycles_refresh)
    monkeypatch.setattr(summaries, "summaries_rebuild_all", rebuild)
    monkeypatch.setattr(summaries, "loan_defaults_rebuild", lambda: 0)
    return calls
