"""Summary tables from CaseFact: SummaryRow, CycleDays and LoanDefaultMonth.

Set-based: the database groups the facts (``GROUP BY`` creditor, leaf unit path, filing month and the
dimension's column) with the aggregates of ``selectors.measures`` — the very expressions the live path
uses — and writes the grouped rows straight into the summary table with one ``INSERT … SELECT`` per
dimension (PostgreSQL, SQLite and MariaDB all take it). No row passes through Python, so memory stays
bounded whatever the number of cases, and a full rebuild at a million cases is a few statements, not
millions of model instances. One transaction per call: a reader sees the old rows or the new ones,
never a half-written cell.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from functools import reduce
from operator import or_
from typing import Any, Final, TypeVar

from django.db import connection, transaction
from django.db.models import CharField, Count, F, Model, Q, QuerySet, Sum, Value
from django.db.models.functions import Cast, Coalesce, Substr, TruncMonth

from loanlit.core.fields import MoneyField
from loanlit.loans.models import LoanContract
from loanlit.reports.definitions import ALL, COUNT_MEASURES, DIMENSIONS, MONEY_MEASURES, STORED_DIMENSIONS
from loanlit.reports.models import CaseFact, CycleDays, LoanDefaultMonth, SummaryRow, UnitSummaryRow
from loanlit.reports.selectors.measures import AGG, MILESTONES, measure_aggregates, milestone_reached, milestone_span

Cell = tuple[int, str, date]  # (creditor_id, unit_path, cohort_month)
UnitKey = tuple[int, str]  # (creditor_id, unit_path)

CELL_CHUNK: Final = 200  # cells (or units) per statement: bounds the OR list of a refresh
SUMMARY_COLUMNS: Final = (
    "creditor_id",
    "unit_path",
    "cohort_month",
    "dimension",
    "key",
    "currency",
    *COUNT_MEASURES,
    *MONEY_MEASURES,
)
UNIT_SUMMARY_COLUMNS: Final = tuple(c for c in SUMMARY_COLUMNS if c != "cohort_month")
CYCLE_COLUMNS: Final = ("creditor_id", "unit_path", "milestone", "days", "cases")
DEFAULT_COLUMNS: Final = ("creditor_id", "unit_path", "province", "month", "loans")

T = TypeVar("T")


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _insert_select(model: type[Model], columns: Sequence[str], rows: QuerySet[Any]) -> int:
    """``INSERT INTO model (columns) SELECT …`` of a ``values()`` queryset whose selected expressions are in
    the order of ``columns``; returns the rows inserted."""
    sql, params = rows.query.sql_with_params()
    quote = connection.ops.quote_name
    column_of = {f.attname: f.column for f in model._meta.concrete_fields}
    names = ", ".join(quote(column_of[c]) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(model._meta.db_table)} ({names}) {sql}", params)
        return max(cursor.rowcount, 0)


def _dimension_key(dimension: str) -> Any:
    """The text key of a dimension's column ("" for none): foreign keys as their id in text."""
    column = DIMENSIONS[dimension].fact_field
    if column.endswith("_id"):
        return Coalesce(Cast(column, CharField()), Value(""))
    return F(column)


def _write_summaries(facts: QuerySet[CaseFact]) -> int:
    """SummaryRow rows for the cells of ``facts``: the "all" total plus one per stored dimension key, per
    claim currency."""
    written = 0
    aggregates = measure_aggregates(None)  # one row per currency: amounts are never added across currencies
    cell = ("creditor_id", "unit_path", "cohort_month")
    for dimension in (ALL, *STORED_DIMENSIONS):
        key = Value("") if dimension == ALL else _dimension_key(dimension)
        grouped = (
            facts.order_by()
            .values(*cell, "currency", dimension_key=key)
            .annotate(dimension_code=Value(dimension), **aggregates)
            .values(*cell, "dimension_code", "dimension_key", "currency", *aggregates.keys())
        )
        written += _insert_select(SummaryRow, SUMMARY_COLUMNS, grouped)
    return written


def _write_unit_summaries(rows: QuerySet[SummaryRow]) -> int:
    """UnitSummaryRow rows as the sums of the leaf units' monthly SummaryRow rows (a unit's few hundred
    monthly rows, not its thousands of facts: a write's refresh stays cheap in a large unit)."""
    sums: dict[str, Any] = {AGG + name: Sum(name) for name in COUNT_MEASURES}
    sums.update({AGG + name: Sum(name, output_field=MoneyField()) for name in MONEY_MEASURES})
    key = ("creditor_id", "unit_path", "dimension", "key", "currency")
    grouped = rows.order_by().values(*key).annotate(**sums).values(*key, *sums.keys())
    return _insert_select(UnitSummaryRow, UNIT_SUMMARY_COLUMNS, grouped)


def _write_cycles(facts: QuerySet[CaseFact]) -> int:
    """CycleDays counts of ``facts``: per (creditor, leaf unit, milestone) how many cases took N days."""
    written = 0
    for milestone in MILESTONES:
        grouped = (
            facts.filter(milestone_reached(milestone))
            .order_by()
            .values("creditor_id", "unit_path", span=milestone_span(milestone))
            .annotate(milestone_code=Value(milestone), n=Count("pk"))
            .values("creditor_id", "unit_path", "milestone_code", "span", "n")
        )
        written += _insert_select(CycleDays, CYCLE_COLUMNS, grouped)
    return written


@transaction.atomic
def cells_refresh(*, cells: Iterable[Cell]) -> int:
    """Replace the SummaryRow rows of these cells with sums over their CaseFact rows; returns rows written.

    A cell without facts any more (its last case moved or was deleted) simply loses its rows."""
    written = 0
    wanted = sorted(set(cells))
    for chunk in _chunks(wanted, CELL_CHUNK):
        where = reduce(or_, (Q(creditor_id=c, unit_path=p, cohort_month=m) for c, p, m in chunk))
        SummaryRow.objects.filter(where).delete()
        written += _write_summaries(CaseFact.objects.filter(where))
    # The leaf units' rows without the month: recomputed over the unit's facts of every month.
    units: list[UnitKey] = sorted({(c, p) for c, p, _m in wanted})
    for unit_chunk in _chunks(units, CELL_CHUNK):
        where = reduce(or_, (Q(creditor_id=c, unit_path=p) for c, p in unit_chunk))
        UnitSummaryRow.objects.filter(where).delete()
        written += _write_unit_summaries(SummaryRow.objects.filter(where))
    return written


@transaction.atomic
def cycles_refresh(*, units: Iterable[UnitKey]) -> int:
    """Replace the CycleDays counts of these (creditor, leaf unit) pairs; returns rows written."""
    written = 0
    for chunk in _chunks(sorted(set(units)), CELL_CHUNK):
        where = reduce(or_, (Q(creditor_id=c, unit_path=p) for c, p in chunk))
        CycleDays.objects.filter(where).delete()
        written += _write_cycles(CaseFact.objects.filter(where))
    return written


@transaction.atomic
def summaries_rebuild_all() -> int:
    """Every SummaryRow and CycleDays row from CaseFact (set-based, nothing held in memory); returns rows
    written."""
    SummaryRow.objects.all().delete()
    UnitSummaryRow.objects.all().delete()
    CycleDays.objects.all().delete()
    facts = CaseFact.objects.all()
    monthly = _write_summaries(facts)
    return monthly + _write_unit_summaries(SummaryRow.objects.all()) + _write_cycles(facts)


@transaction.atomic
def loan_defaults_rebuild() -> int:
    """LoanDefaultMonth from the loans' ``overdue_since``: per creditor, loan unit path, province (the loan
    unit's region code, first two digits) and month; returns rows written."""
    LoanDefaultMonth.objects.all().delete()
    grouped = (
        LoanContract.objects.filter(overdue_since__isnull=False)
        .order_by()
        .values(
            "creditor_id",
            "unit_path",
            province=Coalesce(Substr("unit__region_code", 1, 2), Value("")),
            month=TruncMonth("overdue_since"),
        )
        .annotate(n=Count("pk"))
        .values("creditor_id", "unit_path", "province", "month", "n")
    )
    return _insert_select(LoanDefaultMonth, DEFAULT_COLUMNS, grouped)
