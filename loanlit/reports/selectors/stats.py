"""Dashboard statistics for one user (contract; implemented by H2).

Scope split (the performance design of issue 11):

* The part of the user's scope that is a unit subtree within their creditors (``accounts.selectors.scope_q``
  with ``team_field=None``) is answered from ``SummaryRow`` / ``CycleDays`` rows whose ``unit_path``
  starts with the user's unit path (roll-up by unit path) — when ``filters.summary_capable``.
* Cases the user sees beyond that (case team, explicit shares, external lawyers' placements; see
  ``cases.access.visible_q``) are few: their figures come from live aggregates over ``CaseFact`` and are
  added to the summary figures. A user with no unit, or an external lawyer, is entirely live.
* With any filter beyond creditor / unit / filing months, every figure is live over ``CaseFact``
  (exact; ``Stats.live`` is True and the page says so).

Both paths return the same ``Measures`` for the same cases (tests assert it after writes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from loanlit.cases.models import Case
from loanlit.reports.definitions import Measures
from loanlit.reports.filters import StatsFilters


@dataclass
class Bucket:
    """One group of a breakdown: its key (as text; "" = not known), its label, its measures."""

    key: str
    label: str
    measures: Measures


@dataclass
class CycleTime:
    milestone: str  # CycleDays.Milestone value
    n: int
    mean: Decimal | None  # days, one place
    median: Decimal | None  # days, one place (the mean of the two middle values for an even n)


@dataclass
class SignalRow:
    province: str
    label: str
    this_month: int
    trailing_average: Decimal  # two places
    flagged: bool


@dataclass
class FirmRank:
    law_firm_id: int
    name: str
    measures: Measures
    median_days_to_recovery: Decimal | None = None


@dataclass
class Stats:
    totals: Measures
    as_of: datetime | None  # SummaryState.refreshed_at (None when live only)
    live: bool  # True when any figure came from live queries only
    extra: dict[str, Any] = field(default_factory=dict)


def stats_for_user(*, user: Any, filters: StatsFilters) -> Stats:
    raise NotImplementedError


def breakdown_for_user(*, user: Any, filters: StatsFilters, dimension: str, limit: int | None = None) -> list[Bucket]:
    """Buckets of ``dimension`` (a ``definitions.DIMENSIONS`` code), largest case count first; "branch"
    groups by the next unit level under the filter's unit (or the user's unit); "cohort" is by filing
    month, oldest first. Labels are resolved (court, handler, firm and unit names; translated codes)."""
    raise NotImplementedError


def aging_for_user(*, user: Any, filters: StatsFilters, today: date | None = None) -> list[Bucket]:
    """Open cases by ``definitions.AGING_BUCKETS`` (every bucket, zeros included, in order)."""
    raise NotImplementedError


def cycle_times_for_user(*, user: Any, filters: StatsFilters) -> list[CycleTime]:
    """Mean and median days to judgment, to first recovery and to close (in that order)."""
    raise NotImplementedError


def regional_signal_for_user(*, user: Any, filters: StatsFilters, today: date | None = None) -> list[SignalRow]:
    """Per province: loans that fell overdue this month vs the trailing average (``LoanDefaultMonth``)."""
    raise NotImplementedError


def firm_ranking_for_user(*, user: Any, filters: StatsFilters) -> list[FirmRank]:
    """Law firms by recovery rate (then speed, then cost ratio)."""
    raise NotImplementedError


def drilldown_for_user(
    *, user: Any, filters: StatsFilters, dimension: str = "", key: str = "", measure: str = ""
) -> QuerySet[Case]:
    """The cases behind a figure: visible to the user, within the filters, in bucket ``key`` of ``dimension``
    (and, for some measures, only the cases the measure counts: e.g. "won", "terminated_cases",
    "open_cases"). Ordered for ``cases.selectors.keyset_page`` (-opened_on, -pk)."""
    raise NotImplementedError


@dataclass
class CrossRow:
    key1: str
    label1: str
    key2: str  # "" when one dimension only
    label2: str
    measures: Measures


def crosstab_for_user(*, user: Any, filters: StatsFilters, dimensions: list[str]) -> list[CrossRow]:
    """One or two dimensions at once (the report builder). One dimension = ``breakdown_for_user``; two
    come from live aggregates over CaseFact unless the pair is a stored dimension with "cohort" or
    "branch" (answerable from SummaryRow)."""
    raise NotImplementedError
