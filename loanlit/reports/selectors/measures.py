"""The aggregate expressions that turn CaseFact rows into ``definitions.Measures`` (one home).

Both the summary tables (``services.summaries`` writes SummaryRow sums with these) and the live path of
``selectors.stats`` (the same expressions over a scoped CaseFact queryset) use them, so a figure is the
same number whichever path answers it.

* Counts count cases whatever their currency; money sums add the facts of one currency only (the
  filters' ``currency``, CNY by default; ``foreign_cases`` counts the others). Summary rows are written
  per currency (``currency=None``: no currency condition, grouped by currency instead).
  ``recovered_adjudicated`` is the recovered amount of the facts with an adjudicated amount.
* Cycle days: from ``opened_on`` to the milestone date, only when the milestone is known and not before
  the opening day (a negative span is a data error, not a fast case); whole days as integers
  (``DaysBetween``) on every backend.
* Sums are never NULL (``Coalesce``), so the same expressions feed ``INSERT … SELECT`` into SummaryRow.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, Final

from django.db.models import Count, F, Func, IntegerField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from loanlit.core.fields import MoneyField, money_value
from loanlit.reports.definitions import COUNT_MEASURES, MONEY_MEASURES, Measures
from loanlit.reports.models import CaseFact, OutcomeClass

AGG: Final = "agg_"  # prefix of the aggregate annotations

# milestone (CycleDays.Milestone value) → (CaseFact date column, Measures sum field, Measures count field)
MILESTONES: Final = {
    "judgment": ("judged_on", "judgment_days", "judgment_n"),
    "recovery": ("first_recovery_on", "recovery_days", "recovery_n"),
    "close": ("closed_on", "close_days", "close_n"),
}


def count_conditions(currency: str | None) -> dict[str, Q]:
    """Which facts each count measure counts (also the drill-down's narrowing to the cases behind a figure).
    ``currency=None`` (summary rows, one currency per row): ``foreign_cases`` counts nothing there; the
    selectors derive it from the rows of the other currencies."""
    return {**COUNT_CONDITIONS, "foreign_cases": ~Q(currency=currency) if currency else Q(pk__in=[])}


COUNT_CONDITIONS: Final[dict[str, Q]] = {
    "cases": Q(),
    "open_cases": Q(is_open=True),
    "closed_cases": Q(is_open=False),
    "foreign_cases": Q(pk__in=[]),  # see count_conditions
    "adjudicated_cases": Q(adjudicated__gt=0),
    "recovered_cases": Q(recovered__gt=0),
    "enforcement_cases": Q(entered_enforcement=True),
    "terminated_cases": Q(terminated_for_now=True),
    "written_off_cases": Q(written_off=True),
    **{outcome.value: Q(outcome_class=outcome.value) for outcome in OutcomeClass},
}

# money measure → (CaseFact column, extra condition besides the currency)
MONEY_SOURCES: Final[dict[str, tuple[str, Q]]] = {
    **{name: (name, Q()) for name in MONEY_MEASURES if name != "recovered_adjudicated"},
    "recovered_adjudicated": ("recovered", Q(adjudicated__gt=0)),
}


def milestone_reached(milestone: str) -> Q:
    """The facts that reached ``milestone`` on or after their opening day."""
    column = MILESTONES[milestone][0]
    return Q(**{f"{column}__isnull": False, f"{column}__gte": F("opened_on")})


class DaysBetween(Func):
    """Whole days from the second date to the first, as an integer on every backend (Django's ``date -
    date`` is a duration, which an integer column or a GROUP BY on days cannot take portably)."""

    output_field = IntegerField()
    template = "(%(expressions)s)"  # PostgreSQL: date - date is an integer
    arg_joiner = " - "

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra,
        )

    def as_mysql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="DATEDIFF(%(expressions)s)", arg_joiner=", ", **extra)


def milestone_span(milestone: str) -> DaysBetween:
    """Days from opening to ``milestone`` (an integer expression)."""
    return DaysBetween(F(MILESTONES[milestone][0]), F("opened_on"))


def measure_aggregates(currency: str | None) -> dict[str, Any]:
    """``{AGG + Measures field: aggregate}`` over CaseFact rows, never NULL (prefixed: an annotation may not
    shadow the column it sums), in the order of the SummaryRow columns ``COUNT_MEASURES + MONEY_MEASURES``.
    Money of ``currency`` only; ``None``: no currency condition (the caller groups by currency)."""
    out: dict[str, Any] = {}
    in_currency = Q(currency=currency) if currency else Q()
    for name, condition in count_conditions(currency).items():
        if name == "foreign_cases" and not currency:
            out[AGG + name] = Value(0, output_field=IntegerField())
            continue
        out[AGG + name] = Count("pk", filter=condition) if condition else Count("pk")
    for milestone, (_column, days_field, n_field) in MILESTONES.items():
        reached = milestone_reached(milestone)
        out[AGG + days_field] = Coalesce(Sum(milestone_span(milestone), filter=reached), Value(0))
        out[AGG + n_field] = Count("pk", filter=reached)
    for name, (column, extra) in MONEY_SOURCES.items():
        out[AGG + name] = Coalesce(
            Sum(column, filter=in_currency & extra, output_field=MoneyField())
            if in_currency & extra
            else Sum(column, output_field=MoneyField()),
            money_value(0),
            output_field=MoneyField(),
        )
    return {AGG + name: out[AGG + name] for name in (*COUNT_MEASURES, *MONEY_MEASURES)}


def row_values(row: dict[str, Any]) -> dict[str, Any]:
    """A ``values()`` row of :func:`measure_aggregates` (or of the SummaryRow sums) as ``{Measures field: value}``."""
    return {name: row.get(AGG + name) for name in (*COUNT_MEASURES, *MONEY_MEASURES)}


def measures_of(row: dict[str, Any]) -> Measures:
    return Measures.from_mapping(row_values(row))


def live_measures(facts: QuerySet[CaseFact], *, currency: str) -> Measures:
    """The measures of a CaseFact queryset (one query), amounts in ``currency``."""
    return measures_of(facts.order_by().aggregate(**measure_aggregates(currency)))


def live_grouped(
    facts: QuerySet[CaseFact], *group_by: str, currency: str, **expressions: Any
) -> Iterable[dict[str, Any]]:
    """``values(*group_by).annotate(measures)`` rows (one query); ``expressions`` name computed groups."""
    return facts.order_by().values(*group_by, **expressions).annotate(**measure_aggregates(currency))


def key_text(value: Any) -> str:
    """A dimension value as the text key of a bucket ("" for unknown; a month as ``YYYY-MM``)."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.strftime("%Y-%m")
    return str(value)
