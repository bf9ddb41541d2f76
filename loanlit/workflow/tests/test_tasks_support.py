"""Shared pieces of the task tests: a Beijing case (world's), a Guangdong case, counters of what was written."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from loanlit.audit.models import AuditEntry
from loanlit.cases import services as cases
from loanlit.cases.models import Case, CaseEvent
from loanlit.cases.tests import factories
from loanlit.cases.tests.views_support import build_case_world
from loanlit.notifications.models import Notification
from loanlit.workflow.models import Task
from loanlit.workflow.services import tasks as services

# A Wednesday: the week runs to Sunday 2026-03-08.
TODAY = dt.date(2026, 3, 4)
NOW = dt.datetime(2026, 3, 4, 2, 0, tzinfo=dt.UTC)  # 10:00 in Beijing


@dataclass
class TaskWorld:
    p: Any
    case: Case  # Beijing branch, handled by case_handler
    gd_case: Case  # Guangdong branch, handled by outsider_branch


def build_task_world(personas: Any) -> TaskWorld:
    cw = build_case_world(personas)
    _borrower, loan = factories.borrower_loan(personas.creditor, personas.guangdong, name="Li Si", seq=2)
    gd_case = cases.case_open(
        actor=None,
        creditor=personas.creditor,
        handling_unit=personas.guangdong,
        cause_of_action=cw.case.cause_of_action,
        loans=[loan],
        handler=personas.outsider_branch,
        opened_on=dt.date(2026, 1, 6),
    )
    return TaskWorld(p=personas, case=cw.case, gd_case=gd_case)


def make_task(
    *, actor: Any, title: str = "Call the court", case: Case | None = None, assignee: Any = None, **kwargs: Any
) -> Task:
    return services.task_create(
        actor=actor, row=services.TaskInput(title=title, case=case, assignee=assignee, **kwargs)
    )


def written() -> tuple[int, int, int, int]:
    """Counts of everything a task change may write: tasks, audit entries, timeline events, notifications."""
    return (Task.objects.count(), AuditEntry.objects.count(), CaseEvent.objects.count(), Notification.objects.count())


def task_state(task: Task) -> tuple[Any, ...]:
    task = Task.objects.get(pk=task.pk)
    return (task.version, task.title, task.status, task.assignee_id, task.due_on, task.checklist)
