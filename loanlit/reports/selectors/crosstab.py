"""One or two dimensions at once, for the report builder (issue 11), on the scope of ``selectors.stats``."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import F

from loanlit.reports.definitions import ALL, DIMENSIONS, STORED_DIMENSIONS, Measures
from loanlit.reports.filters import StatsFilters
from loanlit.reports.selectors.measures import key_text, live_grouped, measures_of
from loanlit.reports.selectors.stats import (
    SUMMARY_GROUP,
    _branch_key,
    _check_dimension,
    _labels,
    _scope,
    _summary_grouped,
    breakdown_for_user,
)


@dataclass
class CrossRow:
    key1: str
    label1: str
    key2: str  # "" when one dimension only
    label2: str
    measures: Measures


def _summary_pair(first: str, second: str) -> str | None:
    """The SummaryRow dimension that answers the pair, or None (then live)."""
    unstored = {d for d in (first, second) if d not in STORED_DIMENSIONS}
    stored = [d for d in (first, second) if d in STORED_DIMENSIONS]
    if first == second or not unstored or len(stored) > 1:
        return None
    return stored[0] if stored else ALL


def crosstab_for_user(*, user: Any, filters: StatsFilters, dimensions: list[str]) -> list[CrossRow]:
    """One or two dimensions at once (the report builder). One dimension = ``breakdown_for_user``; two
    come from live aggregates over CaseFact unless the pair is a stored dimension with "cohort" or
    "branch" (or those two together), which SummaryRow answers. Largest case count first (by the first
    dimension's month when it is "cohort")."""
    if not 1 <= len(dimensions) <= 2:
        raise ValueError("One or two dimensions")
    for dimension in dimensions:
        _check_dimension(dimension)
    if len(dimensions) == 1:
        return [
            CrossRow(b.key, b.label, "", "", b.measures)
            for b in breakdown_for_user(user=user, filters=filters, dimension=dimensions[0])
        ]
    first, second = dimensions
    scope = _scope(user, filters)
    cells: dict[tuple[str, str], Measures] = defaultdict(Measures)
    stored = _summary_pair(first, second)
    live = scope.live
    if scope.summary is not None and stored is None:
        live = scope.everything  # the pair needs live rows for the unit part too
    elif scope.summary is not None and stored is not None:
        group = [SUMMARY_GROUP.get(d, "key") for d in (first, second)]
        for row in _summary_grouped(scope, stored, *group):
            cells[(key_text(row[group[0]]), key_text(row[group[1]]))] += measures_of(row)
    columns = {"k1": F(DIMENSIONS[first].fact_field), "k2": F(DIMENSIONS[second].fact_field)}
    for row in live_grouped(live, currency=scope.currency, **columns):
        cells[(key_text(row["k1"]), key_text(row["k2"]))] += measures_of(row)
    if "branch" in dimensions:
        merged: dict[tuple[str, str], Measures] = defaultdict(Measures)
        for (k1, k2), measures in cells.items():
            k1 = _branch_key(k1, scope.branch_prefix) if first == "branch" else k1
            k2 = _branch_key(k2, scope.branch_prefix) if second == "branch" else k2
            merged[(k1, k2)] += measures
        cells = merged
    labels1 = _labels(first, {k1 for k1, _k2 in cells})
    labels2 = _labels(second, {k2 for _k1, k2 in cells})
    rows = [CrossRow(k1, labels1.get(k1, k1), k2, labels2.get(k2, k2), m) for (k1, k2), m in cells.items()]
    if first == "cohort":
        return sorted(rows, key=lambda r: (r.key1, -r.measures.cases, r.label2))
    return sorted(rows, key=lambda r: (-r.measures.cases, r.label1, r.label2))
