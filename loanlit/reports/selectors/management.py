"""The fixed management reports: monthly litigation report, recovery by branch and disposal method, law-firm
scorecard, deadlines missed or at risk, expiring seizures.

Every figure is within the user's scope (``cases.access.visible_q``): a case the user cannot see is never
counted. The monthly report reads the case, judgment, recovery and cost tables live (a month's flows are
not in the per-case facts); the recovery report and the scorecard sum ``CaseFact`` rows of the visible
cases; deadlines and seizures reuse the deadlines and enforcement apps' scoped selectors.
Amounts are in one currency (the filters' ``currency``, CNY by default): cases and entries in another
currency are counted, never added.
"""

from __future__ import annotations

import calendar
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from loanlit.cases.access import visible_q
from loanlit.cases.models import Case, CostEntry, Judgment, LawFirm, Recovery
from loanlit.core.fields import MoneyField
from loanlit.core.models import OrgUnit
from loanlit.deadlines.models import Deadline
from loanlit.deadlines.selectors import DeadlineFilters, deadline_list_for_user
from loanlit.enforcement.selectors import MeasureRow, expiring_measures_for_user
from loanlit.reports.definitions import DAY_PLACES, DISPOSAL_METHODS, ZERO, Measures
from loanlit.reports.filters import StatsFilters
from loanlit.reports.models import CaseFact, SummaryState
from loanlit.reports.selectors.measures import live_grouped, measures_of
from loanlit.reports.selectors.stats import firm_rank_key

# The trial-level proceedings (the design's "final trial outcome"): their judgments count in the monthly report.
TRIAL_KINDS: Final = (
    "pre_filing_mediation",
    "first_instance",
    "second_instance",
    "retrial",
    "payment_order",
    "arbitration",
)
DEADLINE_DAYS: Final = 7
SEIZURE_DAYS: Final = 30
ROW_LIMIT: Final = 2000  # rows of a row-level report (deadlines); the page and the file say when cut


# --- scope -----------------------------------------------------------------------------------------------


def cases_for_report(*, user: Any, filters: StatsFilters) -> QuerySet[Case]:
    """The visible cases within the creditor, unit and filing-month filters."""
    qs = Case.objects.filter(visible_q(user))
    if filters.creditor:
        qs = qs.filter(creditor_id=filters.creditor)
    if filters.unit:
        path = OrgUnit.objects.filter(pk=filters.unit).values_list("path", flat=True).first()
        qs = qs.filter(unit_path__startswith=path) if path else qs.none()
    if filters.period_from:
        qs = qs.filter(opened_on__gte=filters.period_from.replace(day=1))
    if filters.period_to:
        qs = qs.filter(opened_on__lte=month_end(filters.period_to))
    return qs


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def branch_root(*, user: Any, filters: StatsFilters) -> str:
    """The unit path whose next level are the report's branches: the unit filter's, else the user's."""
    if filters.unit:
        path = OrgUnit.objects.filter(pk=filters.unit).values_list("path", flat=True).first()
        if path:
            return str(path)
    unit = getattr(user, "unit", None)
    return unit.path if unit is not None else ""


def branch_of(unit_path: str, root: str) -> str:
    """The branch a case's unit path belongs to: the next unit level under ``root`` (``root`` itself for the
    root unit's own cases); a case seen from outside the root's subtree (case team, share) is its own unit."""
    if not unit_path.startswith(root):
        return unit_path
    rest = unit_path[len(root) :]
    if not rest:
        return root
    return root + rest.split(".", 1)[0] + "."


def branch_labels(paths: Iterable[str], root: str) -> dict[str, str]:
    names = dict(OrgUnit.objects.filter(path__in=set(paths)).values_list("path", "name"))
    labels = {}
    for path in paths:
        name = names.get(path) or _("Unknown unit")
        labels[path] = _("%(unit)s (its own cases)") % {"unit": name} if path == root and root else name
    return labels


def summaries_as_of() -> datetime | None:
    return SummaryState.objects.filter(name="cases").values_list("refreshed_at", flat=True).first()


# --- monthly litigation report ---------------------------------------------------------------------------


@dataclass
class MonthlyRow:
    key: str
    label: str
    new_cases: int = 0
    claims: Decimal = ZERO
    judgments: int = 0
    adjudicated: Decimal = ZERO
    recovered: Decimal = ZERO
    costs: Decimal = ZERO
    closed_cases: int = 0
    open_at_end: int = 0

    def add(self, other: MonthlyRow) -> None:
        for name in ("new_cases", "claims", "judgments", "adjudicated", "recovered", "costs"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.closed_cases += other.closed_cases
        self.open_at_end += other.open_at_end


@dataclass
class MonthlyReport:
    month: date
    rows: list[MonthlyRow]
    total: MonthlyRow


def _money_sum(expression: Any, **filter_kwargs: Any) -> Sum:
    return Sum(expression, filter=Q(**filter_kwargs) if filter_kwargs else None, output_field=MoneyField())


def monthly_report_for_user(*, user: Any, filters: StatsFilters, month: date) -> MonthlyReport:
    """One month's flows by branch: cases opened (and their claims), judgments and mediation statements
    given in trial proceedings (and the amounts adjudicated), recoveries received, costs paid less refunds,
    cases closed; and the cases open at the month's end. The filing-month filters do not apply here."""
    start, end = month.replace(day=1), month_end(month)
    scope = StatsFilters(creditor=filters.creditor, unit=filters.unit, currency=filters.currency)
    cases = cases_for_report(user=user, filters=scope)
    case_ids = cases.values("pk")
    root = branch_root(user=user, filters=filters)
    per_path: dict[str, MonthlyRow] = defaultdict(lambda: MonthlyRow("", ""))

    opened = (
        cases.filter(opened_on__gte=start, opened_on__lte=end)
        .values("unit_path")
        .annotate(n=Count("pk"), claims=_money_sum("claim_total", claim_currency=filters.currency))
    )
    for row in opened:
        per_path[row["unit_path"]].new_cases += row["n"]
        per_path[row["unit_path"]].claims += row["claims"] or ZERO
    judged = (
        Judgment.objects.filter(
            proceeding__case__in=case_ids,
            proceeding__kind__in=TRIAL_KINDS,
            kind__in=(Judgment.Kind.JUDGMENT, Judgment.Kind.MEDIATION),
            judged_on__gte=start,
            judged_on__lte=end,
        )
        .values(unit_path=F("proceeding__case__unit_path"))
        .annotate(n=Count("pk"), amount=_money_sum("adjudicated_amount", currency=filters.currency))
    )
    for row in judged:
        per_path[row["unit_path"]].judgments += row["n"]
        per_path[row["unit_path"]].adjudicated += row["amount"] or ZERO
    recovered = (
        Recovery.objects.filter(
            case__in=case_ids, received_on__gte=start, received_on__lte=end, currency=filters.currency
        )
        .values(unit_path=F("case__unit_path"))
        .annotate(amount=_money_sum("amount"))
    )
    for row in recovered:
        per_path[row["unit_path"]].recovered += row["amount"] or ZERO
    costs = (
        CostEntry.objects.filter(case__in=case_ids, paid_on__gte=start, paid_on__lte=end, currency=filters.currency)
        .values(unit_path=F("case__unit_path"))
        .annotate(amount=_money_sum(F("amount") - F("refunded_amount")))
    )
    for row in costs:
        per_path[row["unit_path"]].costs += row["amount"] or ZERO
    closed_in_month = cases.filter(is_closed=True, closed_on__gte=start, closed_on__lte=end)
    for row in closed_in_month.values("unit_path").annotate(n=Count("pk")):
        per_path[row["unit_path"]].closed_cases += row["n"]
    still_open = (
        cases.filter(opened_on__lte=end)
        .filter(Q(is_closed=False) | Q(closed_on__gt=end))
        .values("unit_path")
        .annotate(n=Count("pk"))
    )
    for row in still_open:
        per_path[row["unit_path"]].open_at_end += row["n"]

    by_branch: dict[str, MonthlyRow] = {}
    for path, flows in per_path.items():
        branch = branch_of(path, root)
        by_branch.setdefault(branch, MonthlyRow(branch, "")).add(flows)
    labels = branch_labels(by_branch, root)
    branches = [by_branch[key] for key in sorted(by_branch)]
    total = MonthlyRow("", _("Total"))
    for branch_row in branches:
        branch_row.label = labels[branch_row.key]
        total.add(branch_row)
    return MonthlyReport(month=start, rows=branches, total=total)


# --- recovery by branch and disposal method; the law-firm scorecard (from CaseFact) ----------------------


def facts_for_report(*, user: Any, filters: StatsFilters) -> QuerySet[CaseFact]:
    return CaseFact.objects.filter(case__in=cases_for_report(user=user, filters=filters).values("pk"))


@dataclass
class MeasuresRow:
    key: str
    label: str
    measures: Measures
    median_days_to_recovery: Decimal | None = None


@dataclass
class RecoveryReport:
    rows: list[MeasuresRow]
    total: Measures
    as_of: datetime | None


def recovery_report_for_user(*, user: Any, filters: StatsFilters) -> RecoveryReport:
    """Per branch (the next unit level): recovered by disposal method (``definitions.DISPOSAL_METHODS``),
    recovered in total and after write-off."""
    root = branch_root(user=user, filters=filters)
    grouped = live_grouped(facts_for_report(user=user, filters=filters), "unit_path", currency=filters.currency)
    by_branch: dict[str, Measures] = {}
    for row in grouped:
        branch = branch_of(row["unit_path"], root)
        by_branch[branch] = by_branch.get(branch, Measures()) + measures_of(row)
    labels = branch_labels(by_branch, root)
    rows = [MeasuresRow(key, labels[key], by_branch[key]) for key in sorted(by_branch)]
    total = sum((row.measures for row in rows), Measures())
    return RecoveryReport(rows=rows, total=total, as_of=summaries_as_of())


def _median(values: list[int]) -> Decimal | None:
    if not values:
        return None
    return Decimal(str(statistics.median(values))).quantize(DAY_PLACES, rounding=ROUND_HALF_UP)


def firm_scorecard_for_user(*, user: Any, filters: StatsFilters) -> RecoveryReport:
    """Per law firm the visible cases are currently placed with: cases, recovered, recovery rate, mean and
    median days to first recovery, cost ratio, won rate. Best recovery rate first (then faster, cheaper)."""
    facts = facts_for_report(user=user, filters=filters).filter(law_firm__isnull=False)
    grouped = list(live_grouped(facts, "law_firm_id", currency=filters.currency))
    days: dict[int, list[int]] = defaultdict(list)
    for firm_id, opened_on, first_on in facts.filter(first_recovery_on__isnull=False).values_list(
        "law_firm_id", "opened_on", "first_recovery_on"
    ):
        span = (first_on - opened_on).days if first_on and opened_on else -1
        if span >= 0:  # a recovery before the case was opened is not a cycle time
            days[firm_id].append(span)
    names = dict(LawFirm.objects.filter(pk__in=[r["law_firm_id"] for r in grouped]).values_list("pk", "name"))
    rows = []
    for row in grouped:
        firm_id = row["law_firm_id"]
        measures = measures_of(row)
        spans = days.get(firm_id, [])
        measures.recovery_days, measures.recovery_n = sum(spans), len(spans)
        rows.append(MeasuresRow(str(firm_id), names.get(firm_id, ""), measures, _median(spans)))

    rows.sort(key=lambda row: firm_rank_key(row.measures, row.label))
    total = sum((row.measures for row in rows), Measures())
    return RecoveryReport(rows=rows, total=total, as_of=summaries_as_of())


DISPOSAL_FIELDS: Final = tuple(field_name for _label, field_name in DISPOSAL_METHODS.values())


# --- deadlines missed or at risk -------------------------------------------------------------------------


@dataclass
class DeadlineReport:
    today: date
    days: int
    rows: list[Deadline] = field(default_factory=list)
    cut: bool = False


def deadline_report_for_user(*, user: Any, filters: StatsFilters, days: int, today: date) -> DeadlineReport:
    """Open deadlines due within ``days`` (overdue ones included) and missed ones, in the user's scope,
    earliest first (the deadlines app's scoped list)."""
    unit_path = ""
    if filters.unit:
        unit_path = OrgUnit.objects.filter(pk=filters.unit).values_list("path", flat=True).first() or "\x00"
    qs = deadline_list_for_user(user=user, filters=DeadlineFilters(unit_path=unit_path, today=today)).filter(
        due_on__lte=today + timedelta(days=days)
    )
    if filters.creditor:
        qs = qs.filter(creditor_id=filters.creditor)
    rows = list(qs[: ROW_LIMIT + 1])
    return DeadlineReport(today=today, days=days, rows=rows[:ROW_LIMIT], cut=len(rows) > ROW_LIMIT)


def deadline_state(deadline: Deadline, today: date) -> str:
    if deadline.status == Deadline.Status.MISSED:
        return _("Missed")
    if deadline.due_on < today:
        return _("Overdue")
    return _("At risk")


# --- expiring seizures -----------------------------------------------------------------------------------


@dataclass
class SeizureReport:
    today: date
    days: int
    rows: list[MeasureRow]
    cut: bool


def seizure_report_for_user(*, user: Any, filters: StatsFilters, days: int, today: date) -> SeizureReport:
    """Seizures, freezes and distraints in force whose latest safe renewal day falls within ``days`` or has
    passed (the enforcement app's expiring-measures list), within the creditor and unit filters."""
    from loanlit.enforcement.selectors import LIST_LIMIT

    rows = expiring_measures_for_user(user=user, today=today, within_days=days)
    cut = len(rows) >= LIST_LIMIT
    if filters.creditor:
        rows = [r for r in rows if r.measure.creditor_id == filters.creditor]
    if filters.unit:
        path = OrgUnit.objects.filter(pk=filters.unit).values_list("path", flat=True).first()
        rows = [r for r in rows if path and r.measure.unit_path.startswith(path)]
    return SeizureReport(today=today, days=days, rows=rows, cut=cut)
