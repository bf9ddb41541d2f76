"""Dashboard statistics for one user.

Scope split (the performance design of issue 11):

* The part of the user's scope that is a unit subtree within their creditors (``accounts.selectors.scope_q``
  with ``team_field=None``) is answered from ``SummaryRow`` / ``CycleDays`` rows whose ``unit_path``
  starts with the user's unit path (roll-up by unit path) — when ``filters.summary_capable``. A filter
  unit inside the user's subtree narrows the prefix; one above it changes nothing; one elsewhere leaves
  no unit part.
* Cases the user sees beyond that (case team, explicit shares, external lawyers' placements; see
  ``cases.access.visible_q``) are few: their figures come from live aggregates over ``CaseFact`` and are
  added to the summary figures. A user with no unit, or an external lawyer, is entirely live. The extra
  cases are found through an index-friendly ``UNION`` of the user's handled, co-handled, shared (or, for
  a lawyer, placed) case ids, still checked by ``visible_q``, and those already inside the unit part are
  excluded on the fact's own creditor and unit path, so no case is counted twice.
* With any filter beyond creditor / unit / filing months, every figure is live over ``CaseFact``
  (exact; ``Stats.live`` is True and the page says so).

Both paths return the same ``Measures`` for the same cases (tests assert it after writes).

Permissions: these selectors only scope (what the user may see through ``visible_q``); they do not check
``reports.view``. The views do (a user without it gets 404 before any selector runs), so the same
selectors can serve a scheduled report or a management command on behalf of a user.

Query counts: every function takes a fixed number of queries whatever the data size (the user's
creditors, role and unit are loaded once per user object and cached on it, as ``visible_q`` does).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from loanlit.accounts.models import User
from loanlit.accounts.selectors import creditor_ids_for
from loanlit.cases.access import is_external_lawyer, law_firm_ids_for, live_shares, visible_q
from loanlit.cases.models import Case, CaseStage, Court, LawFirm, Placement
from loanlit.cases.positions import POSITION_LABELS
from loanlit.core.fields import MoneyField
from loanlit.core.models import OrgUnit
from loanlit.law import causes
from loanlit.loans.models import LoanContract
from loanlit.reports.definitions import (
    AGING_BUCKETS,
    ALL,
    COUNT_MEASURES,
    DAY_PLACES,
    DEFAULT_CURRENCY,
    DIMENSIONS,
    MONEY_MEASURES,
    SIGNAL_TRAILING_MONTHS,
    STORED_DIMENSIONS,
    UNKNOWN_LABEL,
    Measures,
    aging_bucket,
    month_start,
    province_label,
)
from loanlit.reports.filters import StatsFilters, key_pk
from loanlit.reports.models import (
    CaseFact,
    CycleDays,
    LoanDefaultMonth,
    OutcomeClass,
    SummaryRow,
    SummaryState,
    UnitSummaryRow,
)
from loanlit.reports.selectors.measures import (
    AGG,
    MILESTONES,
    key_text,
    live_grouped,
    live_measures,
    measures_of,
    milestone_reached,
    milestone_span,
)
from loanlit.rules.texts import law_language

PLACES: Final = Decimal("0.01")
SUMMARY_STATE: Final = "cases"  # the SummaryState row the facts refresh stamps
SUMMARY_GROUP: Final = {"branch": "unit_path", "cohort": "cohort_month"}  # non-stored → SummaryRow column
FK_DIMENSIONS: Final = frozenset({"court", "handler", "law_firm"})


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
    median_days_to_recovery: Decimal | None = None  # not computed (CycleDays has no firm); reserved


@dataclass
class Stats:
    totals: Measures
    as_of: datetime | None  # SummaryState.refreshed_at (None when live only)
    live: bool  # True when any figure came from live queries only
    extra: dict[str, Any] = field(default_factory=dict)  # "live_cases": cases added live to the summary figures


# --- scope ---------------------------------------------------------------------------------------------


@dataclass
class _Scope:
    """Where one user's figures come from, for one set of filters."""

    summary: Q | None  # SummaryRow / CycleDays rows of the unit part (summary path only)
    summary_creditors: list[int]
    summary_prefix: str | None
    live: QuerySet[CaseFact]  # facts answered live: the extra cases (summary path) or everything (live path)
    everything: QuerySet[CaseFact]  # all the facts within scope and filters (live), for what summaries lack
    branch_prefix: str  # the unit the "branch" dimension splits under ("" = the top of the tree)
    is_live: bool
    period: bool  # a filing-month filter is set (CycleDays cannot answer it)
    currency: str = DEFAULT_CURRENCY  # the currency whose amounts are summed
    live_empty: bool = False  # summary path with no case seen beyond the subtree: no live query to make
    stored_rows: dict[str, list[dict[str, Any]]] | None = None  # every stored dimension's rows, one query


def _unit_path(user: Any, pk: int) -> str | None:
    """A filter unit's path (cached on the user object for the request, like its creditors)."""
    cache: dict[int, str | None] = getattr(user, "_stats_unit_paths", None) or {}
    if pk not in cache:
        cache[pk] = OrgUnit.objects.filter(pk=pk).values_list("path", flat=True).first()
        user._stats_unit_paths = cache
    return cache[pk]


def _fact_filters(filters: StatsFilters, unit_path: str | None) -> Q:
    """The filters as a Q on CaseFact (``unit_path``: the filter unit's path, if any)."""
    q = Q()
    if filters.creditor is not None:
        q &= Q(creditor_id=filters.creditor)
    if unit_path is not None:
        q &= Q(unit_path__startswith=unit_path)
    if filters.period_from is not None:
        q &= Q(cohort_month__gte=month_start(filters.period_from))
    if filters.period_to is not None:
        q &= Q(cohort_month__lte=month_start(filters.period_to))
    for name, column in (
        ("court", "court_id"),
        ("court_province", "court_province"),
        ("borrower_province", "borrower_province"),
        ("product", "product"),
        ("cause", "cause_of_action"),
        ("handler", "handler_id"),
        ("law_firm", "law_firm_id"),
        ("stage", "stage"),
        ("position", "position"),
        ("outcome", "outcome_class"),
    ):
        value = getattr(filters, name)
        if value not in (None, ""):
            q &= Q(**{column: value})
    if filters.open_only:
        q &= Q(is_open=True)
    return q


def _candidate_case_ids(user: Any) -> QuerySet[Any]:
    """A superset of the cases ``visible_q`` adds beyond the unit subtree, as one UNION of indexed lookups."""
    if is_external_lawyer(user):
        return (
            Placement.objects.filter(recalled_on__isnull=True, law_firm_id__in=law_firm_ids_for(user))
            .order_by()
            .values_list("case_id", flat=True)
        )
    groups = User.groups.through.objects.filter(user_id=user.pk).values("group_id")
    handled = Case.objects.filter(handler_id=user.pk).order_by().values_list("pk", flat=True)
    co_handled = Case.co_handlers.through.objects.filter(user_id=user.pk).order_by().values_list("case_id", flat=True)
    shared = (
        live_shares().filter(Q(user_id=user.pk) | Q(group_id__in=groups)).order_by().values_list("case_id", flat=True)
    )
    return handled.union(co_handled, shared)


def _team_case_ids(user: Any) -> list[int]:
    """The cases the user sees through team, share or placement (``visible_q`` decides), cached on the user
    object for the request. Two short queries: the candidate ids (index lookups), then ``visible_q`` over
    those ids only — handing the planner literal ids keeps it from testing ``visible_q`` on every case."""
    cached = getattr(user, "_stats_team_case_ids", None)
    if cached is None:
        candidates = list(
            _candidate_case_ids(user).values_list("case_id" if is_external_lawyer(user) else "pk", flat=True)
        )
        cached = (
            list(Case.objects.filter(pk__in=candidates).filter(visible_q(user)).values_list("pk", flat=True))
            if candidates
            else []
        )
        user._stats_team_case_ids = cached
    return cached


def _sees_cases(user: Any) -> bool:
    return (
        bool(getattr(user, "is_authenticated", False))
        and user.is_active
        and user.has_code("cases.view")
        and bool(creditor_ids_for(user))
    )


def _scope(user: Any, filters: StatsFilters) -> _Scope:
    """The user's scope for these filters, built once per request (cached on the user object, like the
    creditors and team cases it is made of): a dashboard asks for it once per widget."""
    cache: dict[StatsFilters, _Scope] | None = getattr(user, "_stats_scopes", None)
    if cache is None:
        cache = {}
        if getattr(user, "is_authenticated", False):
            user._stats_scopes = cache
    if filters not in cache:
        cache[filters] = _build_scope(user, filters)
    return cache[filters]


def _build_scope(user: Any, filters: StatsFilters) -> _Scope:
    filter_path = _unit_path(user, filters.unit) if filters.unit is not None else None
    period = filters.period_from is not None or filters.period_to is not None
    if not _sees_cases(user) or (filters.unit is not None and filter_path is None):
        nothing = CaseFact.objects.none()
        return _Scope(None, [], None, nothing, nothing, filter_path or "", True, period, filters.currency)
    creditors = creditor_ids_for(user)
    user_path = None if is_external_lawyer(user) or user.unit_id is None else user.unit.path
    wanted = _fact_filters(filters, filter_path)

    # The unit part: the user's subtree within their creditors (narrowed by the filter unit and creditor).
    unit_part = Q(pk__in=[])
    summary_creditors = [c for c in creditors if filters.creditor in (None, c)]
    summary_prefix: str | None = None
    if user_path is not None:
        unit_part = Q(creditor_id__in=creditors, unit_path__startswith=user_path)
        if filter_path is None or user_path.startswith(filter_path):
            summary_prefix = user_path
        elif filter_path.startswith(user_path):
            summary_prefix = filter_path
    visible_extra = _team_case_ids(user)
    extra = CaseFact.objects.filter(case_id__in=visible_extra)
    if user_path is not None:
        extra = extra.exclude(creditor_id__in=creditors, unit_path__startswith=user_path)
    everything = CaseFact.objects.filter(unit_part | Q(case_id__in=visible_extra)).filter(wanted)
    branch_prefix = filter_path if filter_path is not None else (user_path or "")

    if filters.summary_capable and user_path is not None:
        summary = None
        if summary_prefix is not None and summary_creditors:
            summary = Q(creditor_id__in=summary_creditors, unit_path__startswith=summary_prefix)
            if filters.period_from is not None:
                summary &= Q(cohort_month__gte=month_start(filters.period_from))
            if filters.period_to is not None:
                summary &= Q(cohort_month__lte=month_start(filters.period_to))
        return _Scope(
            summary,
            summary_creditors,
            summary_prefix,
            extra.filter(wanted),
            everything,
            branch_prefix,
            False,
            period,
            filters.currency,
            live_empty=not visible_extra,
        )
    return _Scope(None, [], None, everything, everything, branch_prefix, True, period, filters.currency)


# --- summary-row sums ----------------------------------------------------------------------------------


def _summary_sums(currency: str) -> dict[str, Sum]:
    """The SummaryRow column sums, named like the live aggregates (``AGG`` + field): ``measures_of`` reads both.
    Counts add the rows of every currency, amounts only those of ``currency``; ``foreign_cases`` is the
    cases of the other rows."""
    in_currency = Q(currency=currency)
    sums: dict[str, Sum] = {AGG + name: Sum(name) for name in COUNT_MEASURES}
    sums[AGG + "foreign_cases"] = Sum("cases", filter=~in_currency)
    sums.update({AGG + name: Sum(name, filter=in_currency, output_field=MoneyField()) for name in MONEY_MEASURES})
    return sums


def _summary_rows(scope: _Scope, *group_by: str) -> QuerySet[Any]:
    """The summary table that answers: the rows without the filing month (UnitSummaryRow, far fewer) unless a
    filing-month filter is set or the figures are grouped by month."""
    if scope.period or "cohort_month" in group_by:
        return SummaryRow.objects.all()
    return UnitSummaryRow.objects.all()


def _summary_grouped(scope: _Scope, dimension: str, *group_by: str) -> Iterable[dict[str, Any]]:
    if scope.summary is None:
        return []
    return (
        _summary_rows(scope, *group_by)
        .filter(scope.summary, dimension=dimension)
        .order_by()
        .values(*group_by)
        .annotate(**_summary_sums(scope.currency))
    )


# --- labels --------------------------------------------------------------------------------------------


def _segments(path: str) -> list[str]:
    return [p for p in path.split(".") if p]


def _branch_key(path: str, prefix: str) -> str:
    """The unit one level under ``prefix`` that ``path`` lies in (paths are dot-separated segments); a case
    outside ``prefix`` (seen through its team) keys by its own unit at that same depth."""
    depth = len(_segments(prefix)) + 1
    parts = _segments(path)
    return ".".join(parts[:depth]) + "." if parts else ""


def _cause_label(name: str) -> str:
    """The official (Chinese) cause name, or its English form when English is active (as the case pages)."""
    cause = causes.CAUSES_BY_NAME.get(name)
    if cause is None:
        return name
    if law_language() == "en":
        return cause.name_en[:1].upper() + cause.name_en[1:]
    return cause.name


def _labels(dimension: str, keys: Iterable[str]) -> dict[str, str]:
    """Labels for the keys of a dimension (one query at most); "" is "Not known"."""
    keys = {k for k in keys if k}
    labels: dict[str, str] = {"": str(UNKNOWN_LABEL)}
    if dimension in ("court_province", "borrower_province"):
        labels.update({k: province_label(k) for k in keys})
    elif dimension in FK_DIMENSIONS:
        ids = [pk for pk in map(key_pk, keys) if pk is not None]
        rows: Iterable[tuple[int, str]]
        if dimension == "court":
            rows = Court.objects.filter(pk__in=ids).values_list("pk", "name")
        elif dimension == "law_firm":
            rows = LawFirm.objects.filter(pk__in=ids).values_list("pk", "name")
        else:
            rows = [
                (pk, display or username)
                for pk, display, username in User.objects.filter(pk__in=ids).values_list(
                    "pk", "display_name", "username"
                )
            ]
        names = {str(pk): name for pk, name in rows} if ids else {}
        labels.update({k: names.get(k, k) for k in keys})
    elif dimension == "branch":
        names = dict(OrgUnit.objects.filter(path__in=keys).values_list("path", "name")) if keys else {}
        labels.update({k: names.get(k, k) for k in keys})
    elif dimension == "stage":
        stages = {s.code: s.label for s in CaseStage.objects.filter(code__in=keys)} if keys else {}
        labels.update({k: stages.get(k, k) for k in keys})
    elif dimension == "product":
        products = dict(LoanContract.Product.choices)
        labels.update({k: str(products.get(k, k)) for k in keys})
    elif dimension == "cause":
        labels.update({k: _cause_label(k) for k in keys})
    elif dimension == "position":
        labels.update({k: str(POSITION_LABELS.get(k, k)) for k in keys})
    elif dimension == "outcome":
        outcomes = dict(OutcomeClass.choices)
        labels.update({k: str(outcomes.get(k, k)) for k in keys})
    else:  # cohort: the month itself
        labels.update({k: k for k in keys})
    return labels


def _check_dimension(dimension: str) -> None:
    if dimension not in DIMENSIONS:
        raise ValueError(f"Unknown dimension {dimension!r}")


# --- public selectors ----------------------------------------------------------------------------------


def currencies_for_user(*, user: Any) -> list[str]:
    """The claim currencies of the cases the user sees, most cases first, the default currency first
    whenever it has cases; just the default when there are none (the unit part from the summary totals,
    the cases seen beyond it live)."""
    scope = _scope(user, StatsFilters())
    counts: dict[str, int] = defaultdict(int)
    if scope.summary is not None:
        for row in (
            UnitSummaryRow.objects.filter(scope.summary, dimension=ALL)
            .order_by()
            .values("currency")
            .annotate(n=Sum("cases"))
        ):
            counts[row["currency"]] += int(row["n"] or 0)
    if not scope.live_empty:
        for row in scope.live.order_by().values("currency").annotate(n=Count("pk")):
            counts[row["currency"]] += int(row["n"] or 0)
    found = [c for c, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])) if n]
    if DEFAULT_CURRENCY in found or not found:
        return [DEFAULT_CURRENCY, *[c for c in found if c != DEFAULT_CURRENCY]]
    return found


def stats_for_user(*, user: Any, filters: StatsFilters) -> Stats:
    """Totals within the user's scope and the filters (summary rows + live extra cases, or live only)."""
    scope = _scope(user, filters)
    live = Measures() if scope.live_empty else live_measures(scope.live, currency=scope.currency)
    if scope.is_live:
        return Stats(totals=live, as_of=None, live=True, extra={"live_cases": live.cases})
    totals = Measures()
    if scope.summary is not None:
        totals = measures_of(
            _summary_rows(scope).filter(scope.summary, dimension=ALL).aggregate(**_summary_sums(scope.currency))
        )
    as_of = SummaryState.objects.filter(name=SUMMARY_STATE).values_list("refreshed_at", flat=True).first()
    return Stats(totals=totals + live, as_of=as_of, live=False, extra={"live_cases": live.cases})


def _stored_rows(scope: _Scope) -> dict[str, list[dict[str, Any]]]:
    """The summary rows of every stored dimension, grouped by (dimension, key) in one query and kept on the
    scope: a dashboard's ten breakdowns then cost one query instead of ten."""
    if scope.stored_rows is None:
        scope.stored_rows = defaultdict(list)
        if scope.summary is not None:
            rows = (
                _summary_rows(scope)
                .filter(scope.summary, dimension__in=STORED_DIMENSIONS)
                .order_by()
                .values("dimension", "key")
                .annotate(**_summary_sums(scope.currency))
            )
            for row in rows:
                scope.stored_rows[row["dimension"]].append(row)
    return scope.stored_rows


def _live_grouped(scope: _Scope, *group_by: str, **expressions: Any) -> Iterable[dict[str, Any]]:
    """The live part grouped (nothing, without a query, when the summary path has no extra cases)."""
    if scope.live_empty:
        return []
    return live_grouped(scope.live, *group_by, currency=scope.currency, **expressions)


def _grouped(scope: _Scope, dimension: str) -> dict[str, Measures]:
    """Measures per key of one dimension, summary and live parts merged (keys as text)."""
    out: dict[str, Measures] = defaultdict(Measures)
    column = DIMENSIONS[dimension].fact_field
    group = SUMMARY_GROUP.get(dimension, "key")
    stored = dimension if dimension in STORED_DIMENSIONS else ALL
    rows = _stored_rows(scope).get(dimension, []) if stored != ALL else _summary_grouped(scope, stored, group)
    for row in rows:
        out[key_text(row[group])] += measures_of(row)
    for row in _live_grouped(scope, dimension_key=F(column)):
        out[key_text(row["dimension_key"])] += measures_of(row)
    if dimension == "branch":
        merged: dict[str, Measures] = defaultdict(Measures)
        for path, measures in out.items():
            merged[_branch_key(path, scope.branch_prefix)] += measures
        return merged
    return out


def breakdown_for_user(*, user: Any, filters: StatsFilters, dimension: str, limit: int | None = None) -> list[Bucket]:
    """Buckets of ``dimension`` (a ``definitions.DIMENSIONS`` code), largest case count first; "branch"
    groups by the next unit level under the filter's unit (or the user's unit); "cohort" is by filing
    month, oldest first. Labels are resolved (court, handler, firm and unit names; translated codes)."""
    _check_dimension(dimension)
    grouped = _grouped(_scope(user, filters), dimension)
    labels = _labels(dimension, grouped)
    buckets = [Bucket(key, labels.get(key, key), measures) for key, measures in grouped.items()]
    if dimension == "cohort":
        buckets.sort(key=lambda b: b.key)
    else:
        buckets.sort(key=lambda b: (-b.measures.cases, b.label, b.key))
    return buckets[:limit] if limit is not None else buckets


def aging_for_user(*, user: Any, filters: StatsFilters, today: date | None = None) -> list[Bucket]:
    """Open cases by ``definitions.AGING_BUCKETS`` (every bucket, zeros included, in order): whole months
    from the filing month to this month. A bucket's ``cases`` and ``open_cases`` are its open cases."""
    today = today or timezone.localdate()
    scope = _scope(user, filters)
    counts: dict[str, int] = defaultdict(int)
    for row in _summary_grouped(scope, ALL, "cohort_month"):
        counts[aging_bucket(row["cohort_month"], today).code] += int(row[AGG + "open_cases"] or 0)
    for row in _live_grouped(scope, "cohort_month"):
        counts[aging_bucket(row["cohort_month"], today).code] += int(row[AGG + "open_cases"] or 0)
    return [
        Bucket(b.code, str(b.label), Measures(cases=counts[b.code], open_cases=counts[b.code])) for b in AGING_BUCKETS
    ]


def _median(histogram: dict[int, int]) -> Decimal | None:
    """The exact median of values given as {value: count}; an even count takes the mean of the middle two."""
    n = sum(histogram.values())
    if not n:
        return None
    wanted = [(n + 1) // 2, n // 2 + 1]  # 1-based positions of the middle value(s)
    found: list[int] = []
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        while len(found) < 2 and seen >= wanted[len(found)]:
            found.append(value)
    return (Decimal(found[0] + found[1]) / 2).quantize(DAY_PLACES, rounding=ROUND_HALF_UP)


def _mean(histogram: dict[int, int]) -> Decimal | None:
    n = sum(histogram.values())
    if not n:
        return None
    total = sum(days * count for days, count in histogram.items())
    return (Decimal(total) / Decimal(n)).quantize(DAY_PLACES, rounding=ROUND_HALF_UP)


def cycle_times_for_user(*, user: Any, filters: StatsFilters) -> list[CycleTime]:
    """Mean and median days to judgment, to first recovery and to close (in that order).

    The unit part comes from CycleDays counts, which know no filing month: with a filing-month filter
    the histograms are built live (grouped by days in the database: exact, and still one row per day)."""
    scope = _scope(user, filters)
    histograms: dict[str, dict[int, int]] = {m: defaultdict(int) for m in MILESTONES}
    live: QuerySet[CaseFact] | None = None if scope.live_empty else scope.live
    if scope.summary is not None and scope.period:
        live = scope.everything
    elif scope.summary is not None and scope.summary_prefix is not None:
        rows = (
            CycleDays.objects.filter(
                creditor_id__in=scope.summary_creditors, unit_path__startswith=scope.summary_prefix
            )
            .order_by()
            .values("milestone", "days")
            .annotate(n=Sum("cases"))
        )
        for row in rows:
            histograms[row["milestone"]][row["days"]] += int(row["n"])
    for milestone in MILESTONES:
        if live is None:
            break
        grouped = (
            live.filter(milestone_reached(milestone))
            .order_by()
            .values(span=milestone_span(milestone))
            .annotate(n=Count("pk"))
        )
        for row in grouped:
            histograms[milestone][row["span"]] += int(row["n"])
    return [
        CycleTime(
            milestone=m,
            n=sum(histograms[m].values()),
            mean=_mean(histograms[m]),
            median=_median(histograms[m]),
        )
        for m in MILESTONES
    ]


def _add_months(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def regional_signal_for_user(*, user: Any, filters: StatsFilters, today: date | None = None) -> list[SignalRow]:
    """Per province: loans that fell overdue this month vs the trailing average (``LoanDefaultMonth``).

    Loans are scoped by unit subtree and creditor only (the creditor and unit filters narrow it; the
    others describe cases, not loans): a user without a unit, or an external lawyer, gets no rows.
    Ranked by this month's count, flagged regions first."""
    today = today or timezone.localdate()
    if not _sees_cases(user) or is_external_lawyer(user) or user.unit_id is None:
        return []
    prefix = user.unit.path
    if filters.unit is not None:
        filter_path = _unit_path(user, filters.unit)
        if filter_path is None or not (filter_path.startswith(prefix) or prefix.startswith(filter_path)):
            return []
        prefix = max(prefix, filter_path, key=len)
    creditors = [c for c in creditor_ids_for(user) if filters.creditor in (None, c)]
    this_month = month_start(today)
    first = _add_months(this_month, -SIGNAL_TRAILING_MONTHS)
    rows = (
        LoanDefaultMonth.objects.filter(
            creditor_id__in=creditors, unit_path__startswith=prefix, month__gte=first, month__lte=this_month
        )
        .order_by()
        .values("province", "month")
        .annotate(n=Sum("loans"))
    )
    current: dict[str, int] = defaultdict(int)
    trailing: dict[str, int] = defaultdict(int)
    for row in rows:
        if row["month"] == this_month:
            current[row["province"]] += int(row["n"])
        else:
            trailing[row["province"]] += int(row["n"])
    out = []
    for province in set(current) | set(trailing):
        average = (Decimal(trailing[province]) / SIGNAL_TRAILING_MONTHS).quantize(PLACES, rounding=ROUND_HALF_UP)
        count = current[province]
        out.append(SignalRow(province, province_label(province), count, average, Decimal(count) > average))
    return sorted(out, key=lambda r: (not r.flagged, -r.this_month, -r.trailing_average, r.province))


def firm_rank_key(m: Measures, name: str) -> tuple[Any, ...]:
    """The law-firm order: best recovery rate first, then faster to first recovery, then cheaper; a firm
    without a figure ranks after those with one."""
    return (
        m.recovery_rate is None,
        -(m.recovery_rate or 0),
        m.mean_days_to_recovery is None,
        m.mean_days_to_recovery or 0,
        m.cost_ratio is None,
        m.cost_ratio or 0,
        name,
    )


def firm_ranking_for_user(*, user: Any, filters: StatsFilters) -> list[FirmRank]:
    """Law firms by recovery rate (then speed: mean days to first recovery, then cost ratio); a figure
    without a denominator ranks after every firm that has one. Cases with no firm are left out."""
    buckets = breakdown_for_user(user=user, filters=filters, dimension="law_firm")
    ranks = [FirmRank(int(b.key), b.label, b.measures) for b in buckets if b.key]

    return sorted(ranks, key=lambda r: firm_rank_key(r.measures, r.name))
