"""Tasks (任务分配): the one home for creating and changing tasks.

``tasks_create_batch`` is the batch-shaped entry every other area uses (templates on stage entry,
settlement breaches, decisions): idempotent by ``source_key``, audited on the case stream (or the global
stream for a task without a case) in the caller's transaction, the assignees notified after commit.

Who may change a task: its assignee, its creator, and the editors of its case (all of them must still see
the case); a task without a case only its assignee and creator. An assignee must be able to see the
task's case. Edits carry the version the form was loaded with (optimistic versioning, DESIGN rule 8).

Handing over a leaving user's work (cases, tasks and deadlines together) is ``services.handover``; it moves
the tasks with ``lock_tasks`` and ``reassign_locked``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from loanlit.accounts.models import User
from loanlit.audit import services as audit
from loanlit.cases import access
from loanlit.cases.models import Case
from loanlit.core.errors import DomainError, PermissionDeniedError, StaleVersionError
from loanlit.notifications.services import TITLE_MAX_LENGTH, notify
from loanlit.workflow.models import Task
from loanlit.workflow.selectors_tasks import may_be_assigned, may_change_task, may_create_task

NOTIFY_ASSIGNED: Final = "workflow.task_assigned"
NOTIFY_COMPLETED: Final = "workflow.task_completed"
TITLE_MAX: Final = 200
DESCRIPTION_MAX: Final = 5000
NOTE_MAX: Final = 2000
CHECKLIST_MAX_ITEMS: Final = 50
CHECKLIST_TEXT_MAX: Final = 200
# How many refused case numbers an error names before "and N more".
REFUSED_SHOWN: Final = 10

# Template roles a task may name; resolved against the case when the task is created.
ROLE_HANDLER: Final = "handler"
ROLE_LEGAL_MANAGER: Final = "legal_manager"
ROLE_LAW_FIRM: Final = "law_firm"

_UNSET: Any = object()
_PRIORITIES: Final = frozenset(Task.Priority.values)
S = Task.Status
# Allowed status moves (reopening a closed task goes back to open).
_TRANSITIONS: Final[dict[str, frozenset[str]]] = {
    S.OPEN: frozenset({S.IN_PROGRESS, S.DONE, S.CANCELLED}),
    S.IN_PROGRESS: frozenset({S.OPEN, S.DONE, S.CANCELLED}),
    S.DONE: frozenset({S.OPEN}),
    S.CANCELLED: frozenset({S.OPEN}),
}


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


# --- who may do what (the rules are in selectors_tasks) ------------------------------------------------------


def _require_change(actor: Any, task: Task) -> None:
    if actor is not None and not may_change_task(actor, task):
        raise PermissionDeniedError(_("You may not change this task."), code="permission_denied")


def _require_assignable(user: Any, *, case: Case | None, creditor_id: int) -> None:
    if not may_be_assigned(user, case=case, creditor_id=creditor_id):
        if case is not None:
            message = _("%(user)s may not work on case %(case)s, so cannot be given its task.") % {
                "user": user,
                "case": case.internal_no,
            }
        else:
            message = _("%(user)s does not work for this task's creditor.") % {"user": user}
        raise DomainError(message, code="invalid_assignee")


# --- notifications (after commit) ---------------------------------------------------------------------------


def _task_link(task: Task) -> str:
    try:
        return reverse("workflow:task_detail", args=[task.pk])
    except NoReverseMatch:
        return ""


def short_title(text: str) -> str:
    # Notification titles have a length limit; a long task title is cut, never refused after commit.
    return text if len(text) <= TITLE_MAX_LENGTH else text[: TITLE_MAX_LENGTH - 1] + "…"


def _notify_assigned(tasks: Sequence[Task]) -> None:
    for task in tasks:
        if task.assignee is None:
            continue
        case_no = task.case.internal_no if task.case is not None else ""
        notify(
            recipients=[task.assignee],
            code=NOTIFY_ASSIGNED,
            title=short_title(_("New task: %(title)s") % {"title": task.title}),
            body=case_no,
            link=_task_link(task),
            target=task,
        )


def _notify_completed(task: Task, actor: Any) -> None:
    creator = task.created_by
    if creator is None or actor is None or creator.pk == actor.pk or not creator.is_active:
        return
    notify(
        recipients=[creator],
        code=NOTIFY_COMPLETED,
        title=short_title(_("Task done: %(title)s") % {"title": task.title}),
        body=task.case.internal_no if task.case is not None else "",
        link=_task_link(task),
        target=task,
    )


# --- creating -------------------------------------------------------------------------------------------------


def _clean_title(title: str) -> str:
    title = " ".join(str(title).split())
    if not title:
        raise DomainError(_("A task needs a title."), code="task_title_required")
    if len(title) > TITLE_MAX:
        raise DomainError(
            _("A task title has at most %(max)d characters.") % {"max": TITLE_MAX}, code="task_title_too_long"
        )
    return title


def _clean_text(value: str, *, limit: int) -> str:
    text = str(value or "").strip()
    if len(text) > limit:
        raise DomainError(_("This text has at most %(max)d characters.") % {"max": limit}, code="text_too_long")
    return text


def _clean_priority(priority: str) -> str:
    if priority not in _PRIORITIES:
        raise DomainError(_("Unknown priority: %(value)s") % {"value": priority}, code="invalid_priority")
    return priority


def _clean_item(text: str) -> str:
    item = " ".join(str(text).split())
    if not item:
        raise DomainError(_("A checklist item needs a text."), code="checklist_text_required")
    if len(item) > CHECKLIST_TEXT_MAX:
        raise DomainError(
            _("A checklist item has at most %(max)d characters.") % {"max": CHECKLIST_TEXT_MAX},
            code="checklist_text_too_long",
        )
    return item


def _date_str(value: date | None) -> str | None:
    return value.isoformat() if value else None


@transaction.atomic
def tasks_create_batch(*, actor: Any, rows: Sequence[TaskInput]) -> list[Task]:
    """Create tasks; a row whose ``source_key`` already exists is skipped (returned as the existing task).

    ``actor=None`` is the system (stage automation, scheduler). Titles must not carry personal data: they
    go into notifications (DESIGN rule 11). Callers check who may create (``task_create_ad_hoc`` does).
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
        if assignee is not None and not may_be_assigned(assignee, case=case, creditor_id=creditor_id):
            # The system path (templates, settlements) never fails on a person who may not work the case:
            # the task waits, unassigned, with the role it asked for.
            assignee = None
        task = Task.objects.create(
            case=case,
            creditor_id=creditor_id,
            unit_path=unit_path,
            title=_clean_title(row.title),
            description=row.description,
            assignee=assignee,
            assignee_role=row.assignee_role if assignee is None else "",
            due_on=row.due_on,
            priority=_clean_priority(row.priority),
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
                    "due_on": _date_str(task.due_on),
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


@transaction.atomic
def task_create_ad_hoc(
    *,
    actor: Any,
    title: str,
    case: Case | None = None,
    assignee: User | None = None,
    due_on: date | None = None,
    priority: str = Task.Priority.NORMAL,
    description: str = "",
    checklist: Sequence[str] = (),
) -> Task:
    """A task created by hand, on a case (its editors) or personal; the assignee must see the case."""
    if actor is not None and not may_create_task(actor, case):
        raise PermissionDeniedError(_("You may not create a task here."), code="permission_denied")
    if case is not None:
        _require_assignable(assignee, case=case, creditor_id=case.creditor_id)
    elif assignee is not None and actor is not None:
        first = actor.creditors.order_by("pk").values_list("pk", flat=True).first()
        _require_assignable(assignee, case=None, creditor_id=first or 0)
    items = [_clean_item(text) for text in checklist if str(text).strip()]
    if len(items) > CHECKLIST_MAX_ITEMS:
        raise DomainError(
            _("A checklist has at most %(max)d items.") % {"max": CHECKLIST_MAX_ITEMS}, code="checklist_too_long"
        )
    row = TaskInput(
        title=title,
        case=case,
        assignee=assignee if assignee is not None else (actor if case is None else None),
        due_on=due_on,
        priority=priority,
        description=_clean_text(description, limit=DESCRIPTION_MAX),
        checklist=tuple(items),
    )
    return task_create(actor=actor, row=row)


# --- changing one task ----------------------------------------------------------------------------------------


def _lock(actor: Any, task: Task, version: int | None, *, open_only: bool = True) -> Task:
    """The task under ``SELECT … FOR UPDATE`` once the actor may change it, at the version the form had
    (and still open, unless ``open_only`` is False)."""
    _require_change(actor, task)
    row = Task.objects.select_for_update().get(pk=task.pk)
    if version is not None and row.version != version:
        raise StaleVersionError(
            _("This task was changed by someone else since you opened it. Reload and try again."),
            code="stale_version",
        )
    # The related rows the checks and notifications read (not locked: the task row is).
    row.case = task.case if task.case_id == row.case_id else row.case
    if open_only and not row.is_open:
        raise DomainError(_("This task is closed: reopen it first."), code="task_closed")
    return row


def _save(task: Task, *fields: str) -> None:
    task.version += 1
    task.save(update_fields=[*fields, "version", "updated_at"])


def _record(actor: Any, task: Task, action: str, changes: dict[str, Any]) -> None:
    audit.record(actor=actor, action=action, target=task, stream=task_stream(task), changes=changes)


@transaction.atomic
def task_update(
    *,
    actor: Any,
    task: Task,
    version: int,
    title: str = _UNSET,
    description: str = _UNSET,
    due_on: date | None = _UNSET,
    priority: str = _UNSET,
    assignee: User | None = _UNSET,
) -> Task:
    """Change an open task's details; only the arguments passed are changed, nothing changed writes nothing."""
    row = _lock(actor, task, version)
    wanted: dict[str, Any] = {}
    if title is not _UNSET:
        wanted["title"] = _clean_title(title)
    if description is not _UNSET:
        wanted["description"] = _clean_text(description, limit=DESCRIPTION_MAX)
    if due_on is not _UNSET:
        wanted["due_on"] = due_on
    if priority is not _UNSET:
        wanted["priority"] = _clean_priority(priority)
    if assignee is not _UNSET:
        if assignee is not None and assignee.pk != row.assignee_id:
            _require_assignable(assignee, case=row.case, creditor_id=row.creditor_id)
        wanted["assignee_id"] = assignee.pk if assignee is not None else None
    changes: dict[str, list[Any]] = {}
    for name, value in wanted.items():
        before = getattr(row, name)
        if before != value:
            key = "assignee" if name == "assignee_id" else name
            changes[key] = [_plain(before), _plain(value)]
            setattr(row, name, value)
    if not changes:
        return row
    fields = list(changes)
    if "assignee" in changes:
        row.assignee_role = ""
        fields.append("assignee_role")
    _save(row, *fields)
    _record(actor, row, "task.updated", changes)
    if "assignee" in changes and row.assignee_id is not None and (actor is None or row.assignee_id != actor.pk):
        fresh = Task.objects.select_related("case", "assignee").get(pk=row.pk)
        transaction.on_commit(lambda: _notify_assigned([fresh]))
    return row


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


@transaction.atomic
def task_set_status(*, actor: Any, task: Task, version: int, status: str, completion_note: str = "") -> Task:
    """Move a task along open ↔ in progress → done / cancelled, or reopen a closed one."""
    row = _lock(actor, task, version, open_only=False)
    if status not in S.values:
        raise DomainError(_("Unknown task status: %(value)s") % {"value": status}, code="invalid_status")
    before = row.status
    if status == before:
        return row
    if status not in _TRANSITIONS[before]:
        raise DomainError(
            _("A task cannot go from “%(from)s” to “%(to)s”.")
            % {"from": row.get_status_display(), "to": S(status).label},
            code="illegal_task_status",
        )
    note = _clean_text(completion_note, limit=NOTE_MAX)
    row.status = status
    fields = ["status"]
    changes: dict[str, Any] = {"status": [before, status]}
    if status == S.DONE:
        row.completed_at, row.completed_by, row.completion_note = timezone.now(), actor, note
        fields += ["completed_at", "completed_by", "completion_note"]
        changes["completion_note"] = note
    elif before in (S.DONE, S.CANCELLED):
        row.completed_at, row.completed_by = None, None
        fields += ["completed_at", "completed_by"]
    if status == S.CANCELLED and note:
        row.completion_note = note
        fields.append("completion_note")
        changes["note"] = note
    _save(row, *fields)
    actions: dict[str, str] = {S.DONE: "task.completed", S.CANCELLED: "task.cancelled"}
    action = actions.get(status, "task.status_changed")
    if before in (S.DONE, S.CANCELLED) and status == S.OPEN:
        action = "task.reopened"
    _record(actor, row, action, changes)
    if status == S.DONE:
        fresh = Task.objects.select_related("case", "created_by").get(pk=row.pk)
        transaction.on_commit(lambda: _notify_completed(fresh, actor))
    return row


def task_complete(*, actor: Any, task: Task, version: int, completion_note: str = "") -> Task:
    return task_set_status(actor=actor, task=task, version=version, status=S.DONE, completion_note=completion_note)


def task_reopen(*, actor: Any, task: Task, version: int) -> Task:
    return task_set_status(actor=actor, task=task, version=version, status=S.OPEN)


def task_cancel(*, actor: Any, task: Task, version: int, note: str = "") -> Task:
    return task_set_status(actor=actor, task=task, version=version, status=S.CANCELLED, completion_note=note)


def _item_at(row: Task, index: int) -> dict[str, Any]:
    if not isinstance(index, int) or index < 0 or index >= len(row.checklist):
        raise DomainError(_("This checklist item no longer exists. Reload the page."), code="checklist_no_item")
    item: dict[str, Any] = row.checklist[index]
    return item


@transaction.atomic
def task_checklist_toggle(*, actor: Any, task: Task, version: int, index: int, done: bool | None = None) -> Task:
    """Tick or untick checklist item ``index`` (``done=None`` flips it)."""
    row = _lock(actor, task, version)
    item = _item_at(row, index)
    before = bool(item.get("done"))
    after = (not before) if done is None else bool(done)
    if after == before:
        return row
    checklist = [dict(entry) for entry in row.checklist]
    checklist[index]["done"] = after
    row.checklist = checklist
    _save(row, "checklist")
    changes = {"index": index, "text": item.get("text", ""), "done": [before, after]}
    _record(actor, row, "task.checklist_toggled", changes)
    return row


@transaction.atomic
def task_checklist_add(*, actor: Any, task: Task, version: int, text: str) -> Task:
    row = _lock(actor, task, version)
    item = _clean_item(text)
    if len(row.checklist) >= CHECKLIST_MAX_ITEMS:
        raise DomainError(
            _("A checklist has at most %(max)d items.") % {"max": CHECKLIST_MAX_ITEMS}, code="checklist_too_long"
        )
    row.checklist = [*row.checklist, {"text": item, "done": False}]
    _save(row, "checklist")
    _record(actor, row, "task.checklist_added", {"index": len(row.checklist) - 1, "text": item})
    return row


@transaction.atomic
def task_checklist_remove(*, actor: Any, task: Task, version: int, index: int) -> Task:
    row = _lock(actor, task, version)
    item = _item_at(row, index)
    row.checklist = [entry for position, entry in enumerate(row.checklist) if position != index]
    _save(row, "checklist")
    _record(actor, row, "task.checklist_removed", {"index": index, "text": item.get("text", "")})
    return row


# --- reassigning many ---------------------------------------------------------------------------------------


def reassign_locked(actor: Any, rows: Sequence[Task], assignee: User, *, reason: str) -> list[Task]:
    """Give locked, checked, open ``rows`` to ``assignee``: bulk save, audit per task, one notice per task
    (none when ``reason`` is "handover": the hand-over sends one summary)."""
    moved: list[Task] = []
    items: list[audit.AuditItem] = []
    now = timezone.now()
    for row in rows:
        if row.assignee_id == assignee.pk:
            continue
        before = row.assignee_id
        row.assignee_id, row.assignee_role = assignee.pk, ""
        row.version += 1
        row.updated_at = now
        moved.append(row)
        items.append(
            audit.AuditItem(
                action="task.reassigned",
                target=row,
                stream=task_stream(row),
                changes={"assignee": [before, assignee.pk], "reason": reason},
            )
        )
    if moved:
        Task.objects.bulk_update(moved, ["assignee", "assignee_role", "version", "updated_at"])
        audit.record_many(actor=actor, items=items)
        fresh = list(Task.objects.filter(pk__in=[row.pk for row in moved]).select_related("case", "assignee"))
        if reason != "handover":
            transaction.on_commit(lambda: _notify_assigned(fresh))
    return moved


def listed(numbers: Sequence[str]) -> str:
    shown = ", ".join(numbers[:REFUSED_SHOWN])
    if len(numbers) > REFUSED_SHOWN:
        shown += " " + _("and %(count)d more") % {"count": len(numbers) - REFUSED_SHOWN}
    return shown


def lock_tasks(ids: Sequence[int]) -> list[Task]:
    """Tasks under ``SELECT … FOR UPDATE`` with their cases attached (no join: the case side is nullable,
    and PostgreSQL refuses to lock the nullable side of an outer join)."""
    rows = list(Task.objects.select_for_update().filter(pk__in=list(ids)).order_by("pk"))
    cases = Case.objects.in_bulk({row.case_id for row in rows if row.case_id is not None})
    for row in rows:
        row.case = cases.get(row.case_id) if row.case_id is not None else None  # type: ignore[arg-type]
    return rows


@transaction.atomic
def tasks_reassign_batch(*, actor: Any, task_ids: Sequence[int], assignee: User) -> list[Task]:
    """Give many open tasks to ``assignee``; all or nothing. Closed tasks are left alone (not returned).

    Every task must be one the actor may change (else nothing is written), and the assignee must see each
    task's case.
    """
    ids = sorted({int(pk) for pk in task_ids})
    if not ids:
        return []
    rows = lock_tasks(ids)
    if len(rows) != len(ids):
        raise PermissionDeniedError(_("You may not change this task."), code="permission_denied")
    for row in rows:
        _require_change(actor, row)
    open_rows = [row for row in rows if row.is_open]
    refused = [row for row in open_rows if not may_be_assigned(assignee, case=row.case, creditor_id=row.creditor_id)]
    if refused:
        numbers = [row.case.internal_no if row.case is not None else row.title for row in refused]
        raise DomainError(
            _("%(user)s may not work on the cases of these tasks: %(cases)s")
            % {"user": assignee, "cases": listed(numbers)},
            code="invalid_assignee",
        )
    return reassign_locked(actor, open_rows, assignee, reason="reassigned")
