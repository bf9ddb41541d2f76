"""Tasks (任务分配): the one home for creating and changing tasks.

``tasks_create_batch`` is the batch-shaped entry every other area uses (templates on stage entry,
settlement breaches, decisions): idempotent by ``source_key``, audited on the case stream (or the global
stream for a task without a case) in the caller's transaction, the assignees notified after commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from loanlit.accounts.models import User
from loanlit.audit import services as audit
from loanlit.cases import access
from loanlit.cases.models import Case
from loanlit.core.errors import DomainError
from loanlit.notifications.services import notify
from loanlit.workflow.models import Task

NOTIFY_ASSIGNED: Final = "workflow.task_assigned"
TITLE_MAX: Final = 200

# Template roles a task may name; resolved against the case when the task is created.
ROLE_HANDLER: Final = "handler"
ROLE_LEGAL_MANAGER: Final = "legal_manager"
ROLE_LAW_FIRM: Final = "law_firm"


@dataclass(frozen=True)
class TaskInput:
    title: str
    case: Case | None = None
    assignee: User | None = None
    # Used when ``assignee`` is None: resolved with ``assignee_for_role``; kept on the task if unresolved.
    assignee_role: str = ""
    due_on: date | None = None
    priority: str = Task.Priority.NORMAL
    description: str = ""
    checklist: Sequence[str] = field(default_factory=tuple)
    source: str = Task.Source.AD_HOC
    source_key: str | None = None
    deadline_id: int | None = None


def task_stream(task: Task) -> str:
    return audit.stream_key("case", task.case_id) if task.case_id else audit.GLOBAL_STREAM


def assignee_for_role(case: Case | None, role: str) -> User | None:
    """The user a template role stands for on this case, or None (the task then waits, unassigned).

    ``handler`` → the case handler; ``law_firm`` → the placed firm's first active lawyer with access;
    any other role code → the first active user of that role whose unit holds the case (nearest unit first).
    """
    if case is None or not role:
        return None
    if role == ROLE_HANDLER:
        handler = case.handler if case.handler_id else None
        return handler if handler is not None and handler.is_active else None
    if role == ROLE_LAW_FIRM:
        if not case.law_firm_id:
            return None
        lawyers = User.objects.filter(is_active=True, law_firm_memberships__law_firm_id=case.law_firm_id)
        return lawyers.order_by("pk").first()
    candidates = list(
        User.objects.filter(is_active=True, role__code=role, creditors=case.creditor_id, unit__isnull=False)
        .filter(unit__path__in=access.ancestor_paths(case.unit_path))
        .select_related("unit")
    )
    candidates.sort(key=lambda user: (-len(user.unit.path if user.unit else ""), user.pk))
    return candidates[0] if candidates else None


def _task_link(task: Task) -> str:
    try:
        return reverse("workflow:task_detail", args=[task.pk])
    except NoReverseMatch:
        return ""


def _notify_assigned(tasks: Sequence[Task]) -> None:
    for task in tasks:
        if task.assignee is None:
            continue
        case_no = task.case.internal_no if task.case is not None else ""
        notify(
            recipients=[task.assignee],
            code=NOTIFY_ASSIGNED,
            title=_("New task: %(title)s") % {"title": task.title},
            body=case_no,
            link=_task_link(task),
            target=task,
        )


def _clean_title(title: str) -> str:
    title = " ".join(str(title).split())
    if not title:
        raise DomainError(_("A task needs a title."), code="task_title_required")
    if len(title) > TITLE_MAX:
        raise DomainError(
            _("A task title has at most %(max)d characters.") % {"max": TITLE_MAX}, code="task_title_too_long"
        )
    return title


@transaction.atomic
def tasks_create_batch(*, actor: Any, rows: Sequence[TaskInput]) -> list[Task]:
    """Create tasks; a row whose ``source_key`` already exists is skipped (returned as the existing task).

    ``actor=None`` is the system (stage automation, scheduler). Titles must not carry personal data: they
    go into notifications (DESIGN rule 11).
    """
    keys = [row.source_key for row in rows if row.source_key]
    existing = {task.source_key: task for task in Task.objects.filter(source_key__in=keys)} if keys else {}
    out: list[Task] = []
    created: list[Task] = []
    items: list[audit.AuditItem] = []
    for row in rows:
        if row.source_key and row.source_key in existing:
            out.append(existing[row.source_key])
            continue
        case = row.case
        if case is not None:
            creditor_id, unit_path = case.creditor_id, case.unit_path
        elif actor is not None and getattr(actor, "unit", None) is not None:
            first_creditor = actor.creditors.order_by("pk").first()
            if first_creditor is None:
                raise DomainError(_("A task without a case needs a creditor."), code="task_creditor_required")
            creditor_id, unit_path = first_creditor.pk, actor.unit.path
        else:
            raise DomainError(_("A task without a case needs a creditor."), code="task_creditor_required")
        assignee = row.assignee or assignee_for_role(case, row.assignee_role)
        task = Task.objects.create(
            case=case,
            creditor_id=creditor_id,
            unit_path=unit_path,
            title=_clean_title(row.title),
            description=row.description,
            assignee=assignee,
            assignee_role=row.assignee_role if assignee is None else "",
            due_on=row.due_on,
            priority=row.priority,
            checklist=[{"text": str(text), "done": False} for text in row.checklist if str(text).strip()],
            created_by=actor,
            source=row.source,
            source_key=row.source_key or None,
            deadline_id=row.deadline_id,
        )
        if row.source_key:
            existing[row.source_key] = task
        out.append(task)
        created.append(task)
        items.append(
            audit.AuditItem(
                action="task.created",
                target=task,
                stream=task_stream(task),
                changes={
                    "title": task.title,
                    "assignee": task.assignee_id,
                    "assignee_role": task.assignee_role,
                    "due_on": task.due_on.isoformat() if task.due_on else None,
                    "source": task.source,
                    "source_key": task.source_key,
                },
            )
        )
    if items:
        audit.record_many(actor=actor, items=items)
        transaction.on_commit(lambda: _notify_assigned(created))
    return out


def task_create(*, actor: Any, row: TaskInput) -> Task:
    return tasks_create_batch(actor=actor, rows=[row])[0]
