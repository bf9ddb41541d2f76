"""Task pages: my work, a task (checklist, edit, complete, reopen), new tasks, the team view and the
hand-over. Parse → scope (404 outside, like a missing id) → service → redirect or render."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from loanlit.cases import access
from loanlit.cases.views.common import (
    Stale,
    actor,
    call_service,
    case_for_write,
    deny,
    done,
    is_htmx,
    render_form,
    save_or_conflict,
)
from loanlit.core.errors import DomainError
from loanlit.core.ids import parse_id, parse_ids
from loanlit.deadlines.selectors import my_deadlines
from loanlit.workflow import selectors_tasks as selectors
from loanlit.workflow.forms_tasks import (
    ChecklistForm,
    HandoverForm,
    TaskCompleteForm,
    TaskCreateForm,
    TaskEditForm,
    TaskFilterForm,
    TaskStatusForm,
)
from loanlit.workflow.models import Task
from loanlit.workflow.services import tasks as services
from loanlit.workflow.services.handover import HANDOVER_CODE, handover_plan, may_hand_over, user_handover

GET_POST = ["GET", "POST"]
# My work also lists the user's open deadlines due within a week (the deadlines app owns them).
DEADLINE_DAYS = 7
DEADLINE_LIMIT = 10


def _next_url(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return target
    return fallback


def _task_url(task: Task) -> str:
    return reverse("workflow:task_detail", args=[task.pk])


def _task_for_change(request: HttpRequest, pk: int) -> Task:
    """The task for a write: 404 outside scope, 403 for someone who sees it but may not change it."""
    task = selectors.task_get_for_user(user=request.user, pk=pk)
    if not selectors.may_change_task(request.user, task):
        raise deny(request, "task.change", task)
    return task


def _filters(request: HttpRequest, cases: list[Any]) -> tuple[TaskFilterForm, selectors.TaskFilters]:
    form = TaskFilterForm(request.GET or None, cases=cases)
    if form.is_valid():
        data = form.cleaned_data
        return form, selectors.TaskFilters(
            status=data.get("status") or "", priority=data.get("priority") or "", case=data.get("case")
        )
    return form, selectors.TaskFilters()


# --- my work ------------------------------------------------------------------------------------------------


@require_GET
def my_work(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form, filters = _filters(request, selectors.my_task_cases(request.user))
    work = selectors.my_work(request.user, today, filters)
    view = "case" if request.GET.get("view") == "case" else "date"
    context = {
        "work": work,
        "filter_form": form,
        "view": view,
        "today": today,
        "may_create": selectors.may_create_task(request.user, None),
        "may_view_team": selectors.may_view_team(request.user),
        "may_hand_over": may_hand_over(request.user),
        "deadlines": my_deadlines(request.user, days=DEADLINE_DAYS, limit=DEADLINE_LIMIT),
        "deadline_days": DEADLINE_DAYS,
    }
    return render(request, "workflow/tasks/my_work.html", context)


# --- one task -----------------------------------------------------------------------------------------------


def _detail_context(request: HttpRequest, task: Task, **extra: Any) -> dict[str, Any]:
    may_change = selectors.may_change_task(request.user, task)
    return {
        "task": task,
        "may_change": may_change,
        "complete_form": extra.pop("complete_form", None) or TaskCompleteForm(initial={"version": task.version}),
        "today": timezone.localdate(),
        **extra,
    }


@require_GET
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = selectors.task_get_for_user(user=request.user, pk=pk)
    return render(request, "workflow/tasks/task_detail.html", _detail_context(request, task))


def _refused(request: HttpRequest, task: Task, message: str, status: int) -> HttpResponse:
    if is_htmx(request):
        return render(
            request,
            "workflow/tasks/partials/checklist.html",
            {**_detail_context(request, task), "error": message},
            status=status,
        )
    return render(
        request, "workflow/tasks/task_detail.html", _detail_context(request, task, error=message), status=status
    )


@require_POST
def task_complete(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_for_change(request, pk)
    form = TaskCompleteForm(request.POST)
    if not form.is_valid():
        return _refused(request, task, _("Reload the page and try again."), 400)
    try:
        call_service(
            form,
            services.task_complete,
            actor=actor(request),
            task=task,
            version=form.cleaned_data["version"],
            completion_note=form.cleaned_data["completion_note"],
        )
    except Stale as stale:
        return _refused(request, _fresh(request, pk), stale.error.message, 409)
    if form.errors:
        return _refused(request, task, _errors(form), 400)
    return done(request, _next_url(request, _task_url(task)), _("The task is done."))


def _errors(form: Any) -> str:
    return " ".join(str(error) for error in form.non_field_errors())


def _fresh(request: HttpRequest, pk: int) -> Task:
    return selectors.task_get_for_user(user=request.user, pk=pk)


@require_POST
def task_status(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_for_change(request, pk)
    form = TaskStatusForm(request.POST)
    if not form.is_valid():
        return _refused(request, task, _("Reload the page and try again."), 400)
    data = form.cleaned_data
    target = {
        "reopen": Task.Status.OPEN,
        "cancel": Task.Status.CANCELLED,
        "start": Task.Status.IN_PROGRESS,
        "stop": Task.Status.OPEN,
    }[data["action"]]
    try:
        call_service(
            form,
            services.task_set_status,
            actor=actor(request),
            task=task,
            version=data["version"],
            status=target,
            completion_note=data["note"],
        )
    except Stale as stale:
        return _refused(request, _fresh(request, pk), stale.error.message, 409)
    if form.errors:
        return _refused(request, task, _errors(form), 400)
    return done(request, _next_url(request, _task_url(task)), _("The task was saved."))


@require_POST
def task_checklist(request: HttpRequest, pk: int) -> HttpResponse:
    """Tick, add or remove a checklist item; htmx gets the checklist back, a plain form a redirect."""
    task = _task_for_change(request, pk)
    form = ChecklistForm(request.POST)
    if not form.is_valid():
        return _refused(request, task, _("Reload the page and try again."), 400)
    data = form.cleaned_data
    common = {"actor": actor(request), "task": task, "version": data["version"]}
    try:
        if data["action"] == "add":
            result = call_service(form, services.task_checklist_add, text=data.get("text") or "", **common)
        elif data["index"] is None:
            return _refused(request, task, _("Reload the page and try again."), 400)
        elif data["action"] == "toggle":
            result = call_service(form, services.task_checklist_toggle, index=data["index"], **common)
        else:
            result = call_service(form, services.task_checklist_remove, index=data["index"], **common)
    except Stale as stale:
        return _refused(request, _fresh(request, pk), stale.error.message, 409)
    if result is None:
        return _refused(request, task, _errors(form), 400)
    if is_htmx(request):
        return render(request, "workflow/tasks/partials/checklist.html", _detail_context(request, _fresh(request, pk)))
    return done(request, _task_url(task) + "#task-checklist")


@require_http_methods(GET_POST)
def task_edit(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_for_change(request, pk)
    assignees = _candidates(request, task.case)
    form = TaskEditForm(request.POST or None, initial=TaskEditForm.initial_for(task), assignees=assignees)
    url = reverse("workflow:task_edit", args=[pk])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        updated, conflict = save_or_conflict(
            request,
            form=form,
            service=services.task_update,
            current=lambda: TaskEditForm.current_for(_fresh(request, pk)),
            back_url=url,
            case=task.case,
            arguments={
                "actor": actor(request),
                "task": task,
                "version": data["version"],
                "title": data["title"],
                "description": data["description"],
                "due_on": data["due_on"],
                "priority": data["priority"],
                "assignee": form.chosen_assignee(),
            },
        )
        if conflict is not None:
            return conflict
        if updated is not None:
            return done(request, _task_url(task), _("The task was saved."))
    title = _("Edit task")
    return render_form(
        request,
        form=form,
        title=title,
        action=url,
        case=task.case,
        extra={"back_url": _task_url(task)},
    )


# --- new tasks -------------------------------------------------------------------------------------------------


def _candidates(request: HttpRequest, case: Any) -> list[Any]:
    if case is not None:
        return selectors.assignee_candidates(case)
    return selectors.personal_candidates(request.user)


def _create(request: HttpRequest, form: TaskCreateForm, case: Any) -> Task | None:
    data = form.cleaned_data
    return call_service(
        form,
        services.task_create_ad_hoc,
        actor=actor(request),
        title=data["title"],
        case=case,
        assignee=form.chosen_assignee(),
        due_on=data["due_on"],
        priority=data["priority"],
        description=data["description"],
        checklist=form.checklist_items(),
    )


@require_http_methods(GET_POST)
def task_new(request: HttpRequest) -> HttpResponse:
    """A personal task, or one on a case given by its internal number (the service checks the case editor)."""
    if not selectors.may_create_task(request.user, None):
        raise deny(request, "task.create")
    form = TaskCreateForm(
        request.POST or None,
        initial={"assignee": str(request.user.pk)},
        assignees=selectors.personal_candidates(request.user),
        with_case_field=True,
    )
    if request.method == "POST" and form.is_valid():
        case = None
        number = (form.cleaned_data.get("case_no") or "").strip()
        if number:
            case = access.cases_editable_by(request.user).filter(internal_no=number).first()
            if case is None:
                form.add_error("case_no", _("No case with this number that you may change."))
        if not form.errors:
            task = _create(request, form, case)
            if task is not None:
                return done(request, _task_url(task), _("The task was created."))
    return render_form(
        request,
        form=form,
        title=_("New task"),
        action=reverse("workflow:task_new"),
        submit=_("Create the task"),
        extra={"back_url": reverse("workflow:my_work")},
    )


@require_http_methods(GET_POST)
def task_new_for_case(request: HttpRequest, case_pk: int) -> HttpResponse:
    case = case_for_write(request, case_pk)
    initial = {"assignee": str(case.handler_id or "")}
    form = TaskCreateForm(request.POST or None, initial=initial, assignees=selectors.assignee_candidates(case))
    if request.method == "POST" and form.is_valid():
        task = _create(request, form, case)
        if task is not None:
            return done(request, _task_url(task), _("The task was created."))
    return render_form(
        request,
        form=form,
        title=_("New task"),
        action=reverse("workflow:task_new_for_case", args=[case.pk]),
        case=case,
        submit=_("Create the task"),
    )


# --- team ------------------------------------------------------------------------------------------------------


def _require_team(request: HttpRequest) -> None:
    if not selectors.may_view_team(request.user):
        raise deny(request, selectors.TEAM_CODE)


@require_GET
def team(request: HttpRequest) -> HttpResponse:
    _require_team(request)
    today = timezone.localdate()
    rows = selectors.team_work(request.user, today)
    return render(request, "workflow/tasks/team.html", {"rows": rows, "today": today})


@require_GET
def team_member(request: HttpRequest, user_pk: int) -> HttpResponse:
    _require_team(request)
    today = timezone.localdate()
    member_work = selectors.team_member_work(request.user, user_pk, today)
    may_reassign = request.user.has_code("cases.edit")  # type: ignore[union-attr]
    context = {
        "m": member_work,
        "work": member_work.work,
        "today": today,
        "view": "date",
        "select": may_reassign and member_work.work.total > 0,
        "colleagues": list(selectors.users_in_scope(request.user).filter(is_active=True)) if may_reassign else [],
    }
    return render(request, "workflow/tasks/team_member.html", context)


@require_POST
def tasks_reassign(request: HttpRequest) -> HttpResponse:
    """Give the ticked tasks to one colleague (all or nothing): 404 if one is out of scope, 403 if one is
    not the user's to change; the assignee is chosen among the active users in the user's scope."""
    from django.contrib import messages
    from django.shortcuts import redirect

    back = _next_url(request, reverse("workflow:my_work"))
    ids = sorted(parse_ids(request.POST.getlist("task")))
    if not ids:
        messages.error(request, _("Tick the tasks to reassign."))
        return redirect(back)
    visible = set(selectors.tasks_visible_to(request.user).filter(pk__in=ids).values_list("pk", flat=True))
    if visible != set(ids):
        raise Http404
    assignee_id = parse_id(request.POST.get("assignee", ""))
    assignee = (
        selectors.users_in_scope(request.user).filter(is_active=True, pk=assignee_id).first()
        if assignee_id is not None
        else None
    )
    if assignee is None:
        messages.error(request, _("Choose who gets the tasks."))
        return redirect(back)
    try:
        moved = call_service(None, services.tasks_reassign_batch, actor=actor(request), task_ids=ids, assignee=assignee)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(back)
    count = len(moved or [])
    messages.success(request, _("Tasks given to %(user)s: %(count)d.") % {"user": assignee, "count": count})
    return redirect(back)


# --- hand-over -------------------------------------------------------------------------------------------------


@require_http_methods(GET_POST)
def handover(request: HttpRequest) -> HttpResponse:
    """Choose who leaves and who takes over, preview what moves, confirm, see what moved."""
    if not may_hand_over(request.user):
        raise deny(request, HANDOVER_CODE)
    users = list(selectors.users_in_scope(request.user))
    data = request.POST if request.method == "POST" else (request.GET if "from_user" in request.GET else None)
    form = HandoverForm(data, users=users)
    context: dict[str, Any] = {"form": form}
    if data is not None and form.is_valid():
        from_user, to_user = form.users()
        flags = form.flags()
        if request.method == "POST" and request.POST.get("confirm"):
            try:
                result = call_service(
                    form, user_handover, actor=actor(request), from_user=from_user, to_user=to_user, **flags
                )
            except DomainError as error:  # pragma: no cover - call_service adds domain errors to the form
                form.add_error(None, error.message)
                result = None
            if result is not None:
                context.update(result=result, from_user=from_user, to_user=to_user)
                return render(request, "workflow/tasks/handover.html", context)
        plan = handover_plan(actor=actor(request), from_user=from_user, to_user=to_user, **flags)
        context.update(plan=plan, from_user=from_user, to_user=to_user)
    return render(request, "workflow/tasks/handover.html", context)
