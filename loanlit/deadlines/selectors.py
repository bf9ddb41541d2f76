"""Reads of deadlines, scoped like cases (DESIGN rule 2): out of scope looks exactly like missing.

Case deadlines are visible with their case (loanlit.cases.access); loan monitors (no case) by the loan's
unit subtree within the user's creditors, never to external lawyers.
"""

from __future__ import annotations

import calendar as pycalendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Final

from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from loanlit.accounts.selectors import scope_q
from loanlit.cases import access
from loanlit.cases.models import Case
from loanlit.deadlines.models import CollectionAction, Deadline
from loanlit.loans.models import LoanContract

WHEN_CHOICES: Final = ("today", "week", "overdue", "unconfirmed")
OPEN_STATUSES: Final = (Deadline.Status.OPEN, Deadline.Status.MISSED)
LIST_RELATED: Final = ("case", "responsible", "loan")


def _visible_q(user: Any) -> Q:
    if not getattr(user, "is_authenticated", False) or not user.is_active or not user.has_code("cases.view"):
        return Q(pk__in=[])
    on_cases = Q(case__in=access.cases_visible_to(user).values("pk"))
    if access.is_external_lawyer(user):
        return on_cases
    return on_cases | (Q(case__isnull=True) & scope_q(user))


def deadlines_visible_to(user: Any) -> QuerySet[Deadline]:
    return Deadline.objects.filter(_visible_q(user))


@dataclass(frozen=True)
class DeadlineFilters:
    """Filters of the cross-case list. Empty values filter nothing; ``status`` "" means open (incl. missed)."""

    when: str = ""
    responsible: int | None = None
    unit_path: str = ""
    kind: str = ""
    status: str = ""
    today: date | None = None

    def apply(self, qs: QuerySet[Deadline]) -> QuerySet[Deadline]:
        today = self.today or timezone.localdate()
        if self.status == "all":
            pass
        elif self.status in Deadline.Status.values:
            qs = qs.filter(status=self.status)
        else:
            qs = qs.filter(status__in=OPEN_STATUSES)
        if self.when == "today":
            qs = qs.filter(due_on=today)
        elif self.when == "week":
            qs = qs.filter(due_on__gte=today, due_on__lte=today + timedelta(days=6 - today.weekday()))
        elif self.when == "overdue":
            qs = qs.filter(due_on__lt=today, status__in=OPEN_STATUSES)
        elif self.when == "unconfirmed":
            qs = qs.filter(confirmed=False)
        if self.responsible:
            qs = qs.filter(responsible_id=self.responsible)
        if self.unit_path:
            qs = qs.filter(unit_path__startswith=self.unit_path)
        if self.kind in Deadline.Kind.values:
            qs = qs.filter(kind=self.kind)
        return qs


def deadline_list_for_user(*, user: Any, filters: DeadlineFilters | None = None) -> QuerySet[Deadline]:
    qs = (filters or DeadlineFilters()).apply(deadlines_visible_to(user))
    return qs.select_related(*LIST_RELATED).order_by("due_on", "pk")


def deadline_get_for_user(*, user: Any, pk: int) -> Deadline:
    return get_object_or_404(deadlines_visible_to(user).select_related(*LIST_RELATED), pk=pk)


def deadlines_for_case(*, user: Any, case: Case) -> QuerySet[Deadline]:
    """Every deadline of a case the user can see (the caller already holds the case from a scoped selector)."""
    return deadlines_visible_to(user).filter(case=case).select_related("responsible").order_by("due_on", "pk")


def loan_get_for_user(*, user: Any, pk: int) -> LoanContract:
    """A loan for its monitors page, scoped like ``loans.selectors.loan_get_for_user``; external lawyers
    (who work on placed cases, not on the bank's loan book) and users without ``cases.view`` get 404."""
    from loanlit.loans.selectors import loan_get_for_user as loans_loan_get_for_user

    if not getattr(user, "is_authenticated", False) or access.is_external_lawyer(user):
        raise Http404
    if not user.has_code("cases.view"):
        raise Http404
    return loans_loan_get_for_user(user=user, pk=pk)


def monitors_for_loan(*, user: Any, loan: LoanContract) -> QuerySet[Deadline]:
    """The loan's limitation and guarantee-period monitors (the caller holds the loan from a scoped selector)."""
    return (
        deadlines_visible_to(user)
        .filter(loan=loan, case__isnull=True)
        .select_related("responsible", "guarantee_contract")
        .order_by("due_on", "pk")
    )


def collection_actions_for_loan(*, loan: LoanContract) -> QuerySet[CollectionAction]:
    """The loan's collection log, newest first (the caller holds the loan from a scoped selector)."""
    return CollectionAction.objects.filter(loan=loan).select_related("recorded_by").order_by("-acted_on", "-pk")


def my_deadlines(user: Any, *, days: int = 14, limit: int = 10) -> list[Deadline]:
    """The home page list: my open deadlines overdue or due within ``days``, earliest first."""
    today = timezone.localdate()
    qs = deadlines_visible_to(user).filter(
        responsible_id=user.pk, status__in=OPEN_STATUSES, due_on__lte=today + timedelta(days=days)
    )
    return list(qs.select_related("case").order_by("due_on", "pk")[:limit])


@dataclass(frozen=True)
class CalendarDay:
    day: date
    in_month: bool
    is_today: bool
    deadlines: list[Deadline]


@dataclass(frozen=True)
class CalendarMonth:
    year: int
    month: int
    weeks: list[list[CalendarDay]]
    previous: date
    following: date


def calendar_month_for_user(
    *, user: Any, year: int, month: int, filters: DeadlineFilters | None = None
) -> CalendarMonth:
    """A Monday-first month grid with each day's deadlines (one query)."""
    weeks_dates = pycalendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    first, last = weeks_dates[0][0], weeks_dates[-1][-1]
    qs = deadline_list_for_user(user=user, filters=filters).filter(due_on__gte=first, due_on__lte=last)
    by_day: dict[date, list[Deadline]] = {}
    for row in qs:
        by_day.setdefault(row.due_on, []).append(row)
    today = timezone.localdate()
    weeks = [
        [CalendarDay(day=d, in_month=d.month == month, is_today=d == today, deadlines=by_day.get(d, [])) for d in week]
        for week in weeks_dates
    ]
    start = date(year, month, 1)
    previous = (start - timedelta(days=1)).replace(day=1)
    following = (start + timedelta(days=32)).replace(day=1)
    return CalendarMonth(year=year, month=month, weeks=weeks, previous=previous, following=following)
