"""Reads of tasks, scoped like cases (DESIGN rule 2): out of scope looks exactly like missing.

A task on a case is visible with its case (``loanlit.cases.access``); a task without a case only to its
assignee and its creator. "My work" groups the user's open tasks by due date (overdue, today, the rest of
this week up to Sunday, later, no date) and by case; the team view counts the open work of everyone in
the viewer's scope with a fixed number of queries.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Final

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from loanlit.accounts.models import User
from loanlit.accounts.selectors import creditor_ids_for
from loanlit.cases import access
from loanlit.cases.models import Case
from loanlit.workflow.models import Task

TEAM_CODE: Final = "tasks.view_team"
LIST_RELATED: Final = ("case", "assignee")
LIST_LIMIT: Final = 500
DRILL_LIMIT: Final = 100
STATUS_OPEN: Final = "open_all"  # the default filter: open and in progress
STATUS_ALL: Final = "all"


def signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and bool(getattr(user, "is_active", False))


def tasks_visible_q(user: Any) -> Q:
    if not signed_in(user):
        return Q(pk__in=[])
    own = Q(case__isnull=True) & (Q(assignee_id=user.pk) | Q(created_by_id=user.pk))
    if not user.has_code("cases.view"):
        return own
    return Q(case__in=access.cases_visible_to(user).values("pk")) | own


def tasks_visible_to(user: Any) -> QuerySet[Task]:
    return Task.objects.filter(tasks_visible_q(user))


def end_of_week(today: date) -> date:
    """Sunday of ``today``'s week (weeks run Monday to Sunday, as in the deadlines list)."""
    return today + timedelta(days=6 - today.weekday())


@dataclass(frozen=True)
class TaskFilters:
    """Empty values filter nothing; ``status`` "" means open (open or in progress), "all" every status."""

    status: str = ""
    priority: str = ""
    case: int | None = None
    assignee: int | None = None

    def apply(self, qs: QuerySet[Task]) -> QuerySet[Task]:
        if self.status == STATUS_ALL:
            pass
        elif self.status in Task.Status.values:
            qs = qs.filter(status=self.status)
        else:
            qs = qs.filter(status__in=Task.OPEN_STATUSES)
        if self.priority in Task.Priority.values:
            qs = qs.filter(priority=self.priority)
        if self.case:
            qs = qs.filter(case_id=self.case)
        if self.assignee:
            qs = qs.filter(assignee_id=self.assignee)
        return qs


def tasks_for_user(user: Any, filters: TaskFilters | None = None) -> QuerySet[Task]:
    """The tasks ``user`` may see (tasks of the cases they see, their own tasks without a case), filtered."""
    qs = (filters or TaskFilters()).apply(tasks_visible_to(user))
    return qs.select_related(*LIST_RELATED).order_by("due_on", "pk")


def task_get_for_user(*, user: Any, pk: int) -> Task:
    return get_object_or_404(tasks_visible_to(user).select_related("case", "assignee", "created_by"), pk=pk)


def tasks_for_case(*, user: Any, case: Case, open_only: bool = True) -> list[Task]:
    """The case's tasks for its page (the caller holds the case from a scoped selector)."""
    qs = tasks_visible_to(user).filter(case=case)
    if open_only:
        qs = qs.filter(status__in=Task.OPEN_STATUSES)
    return list(qs.select_related("assignee").order_by("due_on", "pk"))


# --- my work --------------------------------------------------------------------------------------------------

GROUPS: Final = (
    ("overdue", _("Overdue")),
    ("today", _("Today")),
    ("week", _("This week")),
    ("later", _("Later")),
    ("no_date", _("No date")),
)


def group_of(task: Task, today: date) -> str:
    if task.due_on is None:
        return "no_date"
    if task.due_on < today:
        return "overdue" if task.is_open else "later"
    if task.due_on == today:
        return "today"
    if task.due_on <= end_of_week(today):
        return "week"
    return "later"


@dataclass
class TaskGroup:
    key: str
    label: str
    tasks: list[Task] = field(default_factory=list)


@dataclass
class CaseGroup:
    case: Case | None
    tasks: list[Task] = field(default_factory=list)


@dataclass
class Work:
    today: date
    groups: list[TaskGroup]
    by_case: list[CaseGroup]
    total: int
    truncated: bool = False

    def group(self, key: str) -> TaskGroup:
        return next(group for group in self.groups if group.key == key)


def group_tasks(tasks: list[Task], today: date) -> tuple[list[TaskGroup], list[CaseGroup]]:
    groups = {key: TaskGroup(key, str(label)) for key, label in GROUPS}
    by_case: OrderedDict[int | None, CaseGroup] = OrderedDict()
    for task in tasks:
        groups[group_of(task, today)].tasks.append(task)
        by_case.setdefault(task.case_id, CaseGroup(task.case)).tasks.append(task)
    # Cases in the order of their most urgent task (tasks come sorted by due date); personal tasks last.
    ordered = [group for key, group in by_case.items() if key is not None]
    if None in by_case:
        ordered.append(by_case[None])
    return list(groups.values()), ordered


def my_work(user: Any, today: date, filters: TaskFilters | None = None) -> Work:
    """The user's tasks (open by default) grouped as overdue / today / this week / later / no date, and by case."""
    base = filters or TaskFilters()
    chosen = TaskFilters(status=base.status, priority=base.priority, case=base.case, assignee=user.pk)
    return _work(tasks_for_user(user, chosen), today)


def _work(qs: QuerySet[Task], today: date) -> Work:
    rows = list(qs[: LIST_LIMIT + 1])
    truncated = len(rows) > LIST_LIMIT
    rows = rows[:LIST_LIMIT]
    groups, by_case = group_tasks(rows, today)
    return Work(today=today, groups=groups, by_case=by_case, total=len(rows), truncated=truncated)


def my_task_cases(user: Any) -> list[Case]:
    """The cases of the user's open tasks (for the case filter)."""
    ids = tasks_visible_to(user).filter(assignee_id=user.pk, status__in=Task.OPEN_STATUSES, case__isnull=False)
    return list(Case.objects.filter(pk__in=ids.values("case_id")).order_by("internal_no"))


# --- who may do what with a task -------------------------------------------------------------------------


def may_change_task(user: Any, task: Task) -> bool:
    """Its assignee, its creator or an editor of its case (who still sees the case); without a case, the
    assignee and the creator only. An external (law firm) user changes only the tasks assigned to them,
    never the bank handler's, even on a case placed with their firm."""
    if not signed_in(user):
        return False
    if access.is_external_lawyer(user):
        return task.assignee_id == user.pk and (task.case is None or access.can_view(user, task.case))
    mine = user.pk in (task.assignee_id, task.created_by_id)
    if task.case_id is None:
        return mine
    case = task.case
    assert case is not None
    if mine:
        return access.can_view(user, case)
    return access.can_edit(user, case)


def may_create_task(user: Any, case: Case | None) -> bool:
    """On a case: its editors. Without a case (a personal task): staff with a unit and a creditor."""
    if not signed_in(user):
        return False
    if case is not None:
        return access.can_edit(user, case)
    return user.unit_id is not None and bool(creditor_ids_for(user)) and not access.is_external_lawyer(user)


def may_be_assigned(user: Any, *, case: Case | None, creditor_id: int) -> bool:
    """An assignee must be able to work the task's case (``access.can_edit``: seeing it is not enough — a
    read-only user or an auditor sees cases but does not work them); a task without a case stays within its
    creditor. Every assignment goes through here: task create/update, batch reassign, the hand-over, and
    ``assignee_candidates`` offers the same people."""
    if user is None:
        return True
    if not getattr(user, "is_active", False):
        return False
    if case is not None:
        return access.can_edit(user, case)
    return creditor_id in creditor_ids_for(user)


# --- team -----------------------------------------------------------------------------------------------------


def users_in_scope(user: Any) -> QuerySet[User]:
    """Users whose unit is in ``user``'s subtree and who share one of ``user``'s creditors."""
    if not signed_in(user) or user.unit_id is None:
        return User.objects.none()
    within = User.objects.filter(unit__path__startswith=user.unit.path, creditors__in=creditor_ids_for(user))
    return User.objects.filter(pk__in=within.values("pk")).select_related("unit", "role").order_by("username")


def may_view_team(user: Any) -> bool:
    return signed_in(user) and user.has_code(TEAM_CODE)


@dataclass
class TeamRow:
    user: User
    open: int = 0
    overdue: int = 0
    week: int = 0
    cases: int = 0
    deadlines: int = 0

    @property
    def total(self) -> int:
        return self.open + self.cases + self.deadlines


def team_work(user: Any, today: date) -> list[TeamRow]:
    """Open work per person in the viewer's scope: tasks (open, overdue, due by Sunday), open cases as handler
    and open deadlines — counted over what the viewer may see. Five queries whatever the team's size."""
    from loanlit.deadlines.selectors import OPEN_STATUSES, deadlines_visible_to

    if not may_view_team(user):
        return []
    week_end = end_of_week(today)
    task_counts = (
        tasks_visible_to(user)
        .filter(status__in=Task.OPEN_STATUSES, assignee__isnull=False)
        .values("assignee_id")
        .annotate(
            open=Count("pk"),
            overdue=Count("pk", filter=Q(due_on__lt=today)),
            week=Count("pk", filter=Q(due_on__gte=today, due_on__lte=week_end)),
        )
        .order_by()
    )
    case_counts = (
        access.cases_visible_to(user)
        .filter(is_closed=False, handler__isnull=False)
        .values("handler_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    deadline_counts = (
        deadlines_visible_to(user)
        .filter(status__in=OPEN_STATUSES, responsible__isnull=False)
        .values("responsible_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    rows: dict[int, dict[str, int]] = {}
    for entry in task_counts:
        rows.setdefault(entry["assignee_id"], {}).update(
            open=entry["open"], overdue=entry["overdue"], week=entry["week"]
        )
    for entry in case_counts:
        rows.setdefault(entry["handler_id"], {})["cases"] = entry["n"]
    for entry in deadline_counts:
        rows.setdefault(entry["responsible_id"], {})["deadlines"] = entry["n"]
    people = User.objects.filter(
        Q(pk__in=users_in_scope(user).filter(is_active=True).values("pk")) | Q(pk__in=list(rows))
    ).order_by("username")
    result = [TeamRow(user=person, **rows.get(person.pk, {})) for person in people]
    result.sort(key=lambda row: (-row.overdue, -row.open, -row.total, row.user.username))
    return result


@dataclass
class MemberWork:
    member: User
    work: Work
    cases: list[Case]
    deadlines: list[Any]


def team_member_work(viewer: Any, member_pk: int, today: date) -> MemberWork:
    """One person's open work as the viewer may see it; 404 for someone not on the viewer's team view."""
    from loanlit.deadlines.selectors import OPEN_STATUSES, deadlines_visible_to

    if not may_view_team(viewer):
        raise Http404
    member = User.objects.filter(pk=member_pk).first()
    if member is None:
        raise Http404
    visible_tasks = tasks_visible_to(viewer).filter(assignee_id=member.pk, status__in=Task.OPEN_STATUSES)
    visible_cases = access.cases_visible_to(viewer).filter(handler_id=member.pk, is_closed=False)
    visible_deadlines = deadlines_visible_to(viewer).filter(responsible_id=member.pk, status__in=OPEN_STATUSES)
    in_scope = users_in_scope(viewer).filter(pk=member.pk, is_active=True).exists()
    if not in_scope and not (visible_tasks.exists() or visible_cases.exists() or visible_deadlines.exists()):
        raise Http404
    work = _work(visible_tasks.select_related(*LIST_RELATED).order_by("due_on", "pk"), today)
    cases = list(visible_cases.order_by("internal_no")[:DRILL_LIMIT])
    deadlines = list(visible_deadlines.select_related("case").order_by("due_on", "pk")[:DRILL_LIMIT])
    return MemberWork(member=member, work=work, cases=cases, deadlines=deadlines)


# --- who can be given a task ------------------------------------------------------------------------------


def assignee_candidates(case: Case) -> list[User]:
    """Active users who may work ``case`` (``may_be_assigned``: the rule of ``access.visible_q`` read from the
    users' side, in two queries, plus ``cases.edit``): bank staff whose unit holds the case or who are on its
    team, lawyers of the firm it is placed with. The service checks the chosen one again with
    ``may_be_assigned`` (``access.can_edit``)."""
    from loanlit.cases.models import Placement

    firms = list(Placement.objects.filter(case=case, recalled_on__isnull=True).values_list("law_firm_id", flat=True))
    team = list(case.co_handlers.values_list("pk", flat=True))
    if case.handler_id:
        team.append(case.handler_id)
    shared = access.shared_with_q(case, for_write=True)
    staff = Q(unit__path__in=access.ancestor_paths(case.unit_path)) | Q(pk__in=team) | shared
    lawyers = access.EXTERNAL_USERS & Q(law_firm_memberships__law_firm_id__in=firms)
    rows = (
        User.objects.filter(is_active=True, creditors=case.creditor_id)
        .filter((staff & access.INTERNAL_USERS) | lawyers)
        .select_related("role")
        .order_by("username")
    )
    seen: dict[int, User] = {}
    for user in rows:
        if user.has_code("cases.view") and user.has_code("cases.edit"):
            seen.setdefault(user.pk, user)
    return list(seen.values())


def personal_candidates(user: Any) -> list[User]:
    """Who may be given a personal task: the user and active colleagues in their scope."""
    people = {person.pk: person for person in users_in_scope(user).filter(is_active=True)}
    people.setdefault(user.pk, user)
    return sorted(people.values(), key=lambda person: person.username)
