"""The cases behind a dashboard figure (issue 11): visible to the user, within the filters, in one bucket of
one dimension, narrowed to the cases the figure counts. Built on the scope of ``selectors.stats``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Final

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from loanlit.cases.access import visible_q
from loanlit.cases.models import Case
from loanlit.reports.definitions import AGING_BUCKETS, DIMENSIONS, MONEY_MEASURES, month_start
from loanlit.reports.filters import StatsFilters, key_pk
from loanlit.reports.models import OutcomeClass
from loanlit.reports.selectors.measures import COUNT_CONDITIONS, milestone_reached
from loanlit.reports.selectors.stats import FK_DIMENSIONS, _add_months, _Scope, _scope, _segments

# measure (or rate) → the facts behind the figure (a rate: its denominator's cases)
DRILL_MEASURES: Final[dict[str, Q]] = {
    **COUNT_CONDITIONS,
    "foreign_cases": Q(),  # narrowed by the currency shown in drilldown_for_user
    "claim": Q(),
    "claim_principal": Q(),
    "adjudicated": Q(adjudicated__gt=0),
    "recovered": Q(recovered__gt=0),
    "recovered_adjudicated": Q(adjudicated__gt=0, recovered__gt=0),
    "recovered_after_write_off": Q(recovered_after_write_off__gt=0),
    "recovered_cash": Q(recovered_cash__gt=0),
    "recovered_in_kind": Q(recovered_in_kind__gt=0),
    "recovered_transfer": Q(recovered_transfer__gt=0),
    "recovered_restructuring": Q(recovered_restructuring__gt=0),
    "written_off_amount": Q(written_off=True),
    "costs": Q(costs__gt=0),
    "decided": Q(outcome_class__in=[OutcomeClass.WON, OutcomeClass.PARTLY_WON, OutcomeClass.LOST]),
    "won_rate": Q(outcome_class__in=[OutcomeClass.WON, OutcomeClass.PARTLY_WON, OutcomeClass.LOST]),
    "partly_won_rate": Q(outcome_class__in=[OutcomeClass.WON, OutcomeClass.PARTLY_WON, OutcomeClass.LOST]),
    "lost_rate": Q(outcome_class__in=[OutcomeClass.WON, OutcomeClass.PARTLY_WON, OutcomeClass.LOST]),
    "recovery_rate": Q(adjudicated__gt=0),
    "recovery_rate_claim": Q(),
    "terminated_rate": Q(entered_enforcement=True),
    "cost_ratio": Q(recovered__gt=0),
    "mean_days_to_judgment": milestone_reached("judgment"),
    "mean_days_to_recovery": milestone_reached("recovery"),
    "mean_days_to_close": milestone_reached("close"),
    "judgment_n": milestone_reached("judgment"),
    "recovery_n": milestone_reached("recovery"),
    "close_n": milestone_reached("close"),
}


# Figures made of amounts: their cases are those of the currency shown.
CURRENCY_MEASURES: Final = frozenset({*MONEY_MEASURES, "recovery_rate", "recovery_rate_claim", "cost_ratio"})


def _bucket_q(dimension: str, key: str, scope: _Scope, today: date) -> Q | None:
    """The facts in bucket ``key`` of ``dimension`` (None: the key cannot name a bucket)."""
    if dimension == "aging":
        bucket = next((b for b in AGING_BUCKETS if b.code == key), None)
        if bucket is None:
            return None
        this_month = month_start(today)
        q = Q(is_open=True, cohort_month__lte=_add_months(this_month, -bucket.min_months))
        if bucket.max_months is not None:
            q &= Q(cohort_month__gte=_add_months(this_month, -bucket.max_months))
        return q
    if dimension not in DIMENSIONS:
        return None
    column = DIMENSIONS[dimension].fact_field
    if dimension == "branch":
        if not key:
            return None
        if len(_segments(key)) < len(_segments(scope.branch_prefix)) + 1:
            return Q(unit_path=key)  # the scope unit's own cases (or a team case's shallower unit)
        return Q(unit_path__startswith=key)
    if dimension == "cohort":
        try:
            month = datetime.strptime(key, "%Y-%m").date()
        except ValueError:
            return None
        return Q(cohort_month=month)
    if dimension in FK_DIMENSIONS:
        if not key:
            return Q(**{f"{column}__isnull": True})
        pk = key_pk(key)
        return None if pk is None else Q(**{column: pk})
    return Q(**{column: key})


def drilldown_for_user(
    *,
    user: Any,
    filters: StatsFilters,
    dimension: str = "",
    key: str = "",
    measure: str = "",
    today: date | None = None,
) -> QuerySet[Case]:
    """The cases behind a figure: visible to the user, within the filters, in bucket ``key`` of ``dimension``
    (a ``DIMENSIONS`` code, or "aging" with an ``AGING_BUCKETS`` code) and, for a measure, only the cases
    it counts (``DRILL_MEASURES``: e.g. "won", "terminated_cases", "open_cases"; a rate gives the cases of
    its denominator). An unknown dimension, key or measure gives no cases. Ordered for
    ``cases.selectors.keyset_page`` (-opened_on, -pk)."""
    scope = _scope(user, filters)
    conditions = Q()
    if dimension:
        bucket = _bucket_q(dimension, key, scope, today or timezone.localdate())
        if bucket is None:
            return Case.objects.none()
        conditions &= bucket
    if measure:
        if measure not in DRILL_MEASURES:
            return Case.objects.none()
        conditions &= DRILL_MEASURES[measure]
        if measure == "foreign_cases":
            conditions &= ~Q(currency=scope.currency)
        elif measure in CURRENCY_MEASURES:
            conditions &= Q(currency=scope.currency)  # an amount or a rate of amounts: its currency's cases
    facts = scope.everything.filter(conditions, case_id=OuterRef("pk"))
    return Case.objects.filter(visible_q(user)).filter(Exists(facts)).order_by("-opened_on", "-pk")
