"""Hand-over (工作交接): when someone leaves or changes job, their open work moves to a colleague together.

``user_handover`` moves a leaving user's open cases (as handler and co-handler, through ``case_update`` so
each case is audited and on its timeline), open tasks (``tasks.reassign_locked``) and open deadlines
(``deadlines_reassign`` of the deadlines app, each change on its case's timeline) in the actor's scope, in
one transaction: all of it, or nothing at all. ``handover_plan`` is the preview and names what would stop it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from django.db import transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from loanlit.accounts.models import User
from loanlit.accounts.selectors import creditor_ids_for
from loanlit.audit import services as audit
from loanlit.cases import access
from loanlit.cases.events import case_event_record
from loanlit.cases.models import Case, CaseEvent
from loanlit.core.errors import DomainError, PermissionDeniedError
from loanlit.deadlines.models import Deadline
from loanlit.deadlines.selectors import OPEN_STATUSES
from loanlit.deadlines.services import deadlines_reassign
from loanlit.notifications.services import notify
from loanlit.workflow.models import Task
from loanlit.workflow.selectors_tasks import may_be_assigned, signed_in, users_in_scope
from loanlit.workflow.services.tasks import listed, lock_tasks, reassign_locked, short_title

NOTIFY_HANDOVER: Final = "workflow.handover"
HANDOVER_CODE: Final = "workflow.handover"


def may_hand_over(actor: Any) -> bool:
    return signed_in(actor) and actor.has_code(HANDOVER_CODE)


@dataclass
class HandoverPlan:
    """What a hand-over would move (the preview), and what stops it (``refused``: case numbers)."""

    cases: list[Case] = field(default_factory=list)
    co_handled: list[Case] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    deadlines: list[Deadline] = field(default_factory=list)
    refused_see: list[str] = field(default_factory=list)
    refused_handle: list[str] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        return bool(self.refused_see or self.refused_handle)


@dataclass(frozen=True)
class HandoverResult:
    cases: int
    co_handled: int
    tasks: int
    deadlines: int


def _may_handle(user: User, case: Case) -> bool:
    """``access.case_handlers`` in memory: bank staff of the creditor who may edit, their unit above the case."""
    if not user.is_active or access.is_external_lawyer(user) or not user.has_code("cases.edit"):
        return False
    if case.creditor_id not in creditor_ids_for(user) or user.unit is None:
        return False
    return case.unit_path.startswith(user.unit.path)


def _may_join(user: User, case: Case) -> bool:
    return (
        user.is_active
        and not access.is_external_lawyer(user)
        and user.has_code("cases.edit")
        and case.creditor_id in creditor_ids_for(user)
    )


def handover_plan(
    *,
    actor: Any,
    from_user: User,
    to_user: User,
    include_cases: bool = True,
    include_tasks: bool = True,
    include_deadlines: bool = True,
) -> HandoverPlan:
    """The preview: from_user's open work within the actor's scope, and what to_user could not take."""
    plan = HandoverPlan()
    editable = access.cases_editable_by(actor) if actor is not None else Case.objects.all()
    open_cases = editable.filter(is_closed=False)
    seen_by_to: set[int] = set()
    see_ids: set[int] = set()
    if include_cases:
        plan.cases = list(open_cases.filter(handler=from_user).select_related("creditor").order_by("internal_no"))
        plan.co_handled = list(
            open_cases.filter(co_handlers=from_user).exclude(handler=from_user).order_by("internal_no")
        )
        for case in plan.cases:
            if not _may_handle(to_user, case):
                plan.refused_handle.append(case.internal_no)
        for case in plan.co_handled:
            if case.handler_id != to_user.pk and not _may_join(to_user, case):
                plan.refused_handle.append(case.internal_no)
        # Cases the hand-over itself makes visible to to_user (handler or team) need no visibility check.
        seen_by_to |= {case.pk for case in plan.cases} | {case.pk for case in plan.co_handled}
    if include_tasks:
        tasks = Task.objects.filter(assignee=from_user, status__in=Task.OPEN_STATUSES)
        if actor is not None:
            scope_free = Q(case__isnull=True, creditor_id__in=creditor_ids_for(actor))
            scope_free &= Q(unit_path__startswith=actor.unit.path) if actor.unit_id else Q(pk__in=[])
            tasks = tasks.filter(Q(case__in=open_cases.values("pk")) | scope_free)
        plan.tasks = list(tasks.select_related("case").order_by("due_on", "pk"))
        see_ids |= {task.case_id for task in plan.tasks if task.case_id is not None}
        refused_free = [
            task.title
            for task in plan.tasks
            if task.case_id is None and not may_be_assigned(to_user, case=None, creditor_id=task.creditor_id)
        ]
        plan.refused_see += refused_free
        # A case task goes only to someone who may work the case (seeing it is not enough).
        plan.refused_handle += [
            task.case.internal_no
            for task in plan.tasks
            if task.case is not None
            and task.case_id not in seen_by_to
            and access.can_view(to_user, task.case)
            and not may_be_assigned(to_user, case=task.case, creditor_id=task.creditor_id)
        ]
    if include_deadlines:
        deadlines = Deadline.objects.filter(responsible=from_user, status__in=OPEN_STATUSES, case__isnull=False)
        deadlines = deadlines.filter(case__in=open_cases.values("pk"))
        plan.deadlines = list(deadlines.select_related("case").order_by("due_on", "pk"))
        see_ids |= {row.case_id for row in plan.deadlines if row.case_id is not None}
    check = see_ids - seen_by_to
    if check:
        visible = set(access.cases_visible_to(to_user).filter(pk__in=check).values_list("pk", flat=True))
        numbers = dict(Case.objects.filter(pk__in=check - visible).values_list("pk", "internal_no"))
        plan.refused_see += sorted(numbers.values())
    plan.refused_see = sorted(dict.fromkeys(plan.refused_see))
    plan.refused_handle = sorted(dict.fromkeys(plan.refused_handle))
    return plan


@transaction.atomic
def user_handover(
    *,
    actor: Any,
    from_user: User,
    to_user: User,
    include_cases: bool = True,
    include_tasks: bool = True,
    include_deadlines: bool = True,
) -> HandoverResult:
    """Move ``from_user``'s open cases, open tasks and open deadlines in the actor's scope to ``to_user``.

    All or nothing: refused when ``to_user`` could not see or handle one of the cases (the error names
    them), or when the deadlines app refuses one of the deadlines (then the cases and tasks already moved
    are rolled back with it). Each case goes through ``case_update`` (audited, on its timeline) and gets a
    ``handler_changed`` event; each task is audited on its stream; each deadline gets a ``deadline_changed``
    event; one global audit entry sums the hand-over up.
    """
    from loanlit.cases.services import case_update

    if actor is not None:
        if not may_hand_over(actor):
            raise PermissionDeniedError(_("You may not hand over work."), code="permission_denied")
        in_scope = set(users_in_scope(actor).filter(pk__in=[from_user.pk, to_user.pk]).values_list("pk", flat=True))
        if {from_user.pk, to_user.pk} - in_scope:
            raise PermissionDeniedError(_("This user is outside your scope."), code="permission_denied")
    if from_user.pk == to_user.pk:
        raise DomainError(_("Choose two different users."), code="handover_same_user")
    if not to_user.is_active:
        raise DomainError(_("%(user)s cannot sign in any more.") % {"user": to_user}, code="handover_inactive")
    plan = handover_plan(
        actor=actor,
        from_user=from_user,
        to_user=to_user,
        include_cases=include_cases,
        include_tasks=include_tasks,
        include_deadlines=include_deadlines,
    )
    if plan.refused_handle:
        raise DomainError(
            _("%(user)s cannot handle these cases (creditor, unit or permission): %(cases)s")
            % {"user": to_user, "cases": listed(plan.refused_handle)},
            code="handover_refused",
            params={"cases": plan.refused_handle},
        )
    if plan.refused_see:
        raise DomainError(
            _("%(user)s cannot see these cases: %(cases)s") % {"user": to_user, "cases": listed(plan.refused_see)},
            code="handover_refused",
            params={"cases": plan.refused_see},
        )
    for case in plan.cases:
        team = [user for user in case.co_handlers.all() if user.pk not in (from_user.pk, to_user.pk)]
        case_update(actor=actor, case=case, version=case.version, handler=to_user, co_handlers=team)
        _handler_event(actor, case, from_user, to_user, role="handler")
    for case in plan.co_handled:
        current = Case.objects.get(pk=case.pk)
        members = [user for user in current.co_handlers.all() if user.pk != from_user.pk]
        if current.handler_id != to_user.pk and all(user.pk != to_user.pk for user in members):
            members.append(to_user)
        case_update(actor=actor, case=current, version=current.version, co_handlers=members)
        _handler_event(actor, current, from_user, to_user, role="co_handler")
    task_rows = [row for row in lock_tasks([task.pk for task in plan.tasks]) if row.is_open]
    moved_tasks = reassign_locked(actor, task_rows, to_user, reason="handover")
    # After the cases moved: the new handler sees them now. A refusal here undoes everything above.
    moved_deadlines = (
        deadlines_reassign(actor=actor, deadlines=plan.deadlines, responsible=to_user) if plan.deadlines else 0
    )
    result = HandoverResult(
        cases=len(plan.cases), co_handled=len(plan.co_handled), tasks=len(moved_tasks), deadlines=moved_deadlines
    )
    audit.record(
        actor=actor,
        action="workflow.handover",
        target=from_user,
        changes={
            "from": from_user.pk,
            "to": to_user.pk,
            "cases": [case.pk for case in plan.cases],
            "co_handled": [case.pk for case in plan.co_handled],
            "tasks": [task.pk for task in moved_tasks],
            "deadlines": result.deadlines,
        },
    )
    if result.cases or result.co_handled or result.tasks or result.deadlines:
        transaction.on_commit(lambda: _notify_handover(to_user, from_user, result))
    return result


def _handler_event(actor: Any, case: Case, from_user: User, to_user: User, *, role: str) -> None:
    case_event_record(
        actor=actor,
        case_id=case.pk,
        kind=CaseEvent.Kind.HANDLER_CHANGED,
        action="case.handed_over",
        target=case,
        params={
            "from": from_user.pk,
            "to": to_user.pk,
            "from_name": str(from_user),
            "to_name": str(to_user),
            "role": role,
            "reason": "handover",
        },
    )


def _notify_handover(to_user: User, from_user: User, result: HandoverResult) -> None:
    try:
        link = reverse("workflow:my_work")
    except NoReverseMatch:
        link = ""
    notify(
        recipients=[to_user],
        code=NOTIFY_HANDOVER,
        title=short_title(_("Work handed over to you from %(user)s") % {"user": from_user}),
        body=_("%(cases)d cases, %(tasks)d tasks, %(deadlines)d deadlines")
        % {"cases": result.cases + result.co_handled, "tasks": result.tasks, "deadlines": result.deadlines},
        link=link,
    )
