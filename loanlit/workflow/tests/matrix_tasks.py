"""Authorization-matrix rows of this area's routes (collected by tests/test_authorization_matrix.py).

The world's task is on the world's case (Beijing), created by the legal manager and assigned to the case
handler, with one checklist item. It is visible with its case; its assignee, its creator and the case's
editors may change it (the other viewers get 403, everyone else 404).
"""

from __future__ import annotations

from typing import Any

from tests.support.authz import LOGIN, Access, Route, code, only

CASE_VIEWERS = ("administrator", "legal_manager", "case_handler", "branch_manager", "auditor", "read_only")
TASK_CHANGERS = ("administrator", "legal_manager", "case_handler")
VIEW_ONLY = ("branch_manager", "auditor", "read_only")
# Personal tasks: bank staff with a unit and a creditor (every persona but the panel firm's lawyer).
CREATORS = (
    "administrator",
    "legal_manager",
    "case_handler",
    "branch_manager",
    "auditor",
    "security_admin",
    "read_only",
    "outsider_branch",
    "outsider_creditor",
)


def _change(ok: tuple[int, ...]) -> Access:
    return Access("users", users=TASK_CHANGERS, ok=ok, denied=404, forbidden=VIEW_ONLY)


def matrix_task(world: Any) -> Any:
    task = getattr(world, "_matrix_task", None)
    if task is None:
        from loanlit.workflow.services import tasks as services

        task = services.task_create(
            actor=world.legal_manager,
            row=services.TaskInput(
                title="Matrix task", case=world.cw.case, assignee=world.case_handler, checklist=("Draft",)
            ),
        )
        world._matrix_task = task
    return task


def _task_kwargs(world: Any) -> dict[str, int]:
    return {"pk": matrix_task(world).pk}


ROUTES: list[Route] = [
    Route("workflow:my_work", get=LOGIN),
    Route(
        "workflow:task_new",
        get=Access("users", users=CREATORS, denied=403),
        post=Access("users", users=CREATORS, ok=(302,), denied=403),
        data=lambda w: {"title": "Matrix personal", "priority": "normal"},
    ),
    Route(
        "workflow:task_new_for_case",
        get=Access("users", users=TASK_CHANGERS, denied=404, forbidden=VIEW_ONLY),
        post=_change((302,)),
        kwargs=lambda w: {"case_pk": w.cw.case.pk},
        data=lambda w: {"title": "Matrix case task", "priority": "normal"},
    ),
    Route("workflow:task_detail", get=only(*CASE_VIEWERS), kwargs=_task_kwargs),
    Route(
        "workflow:task_edit",
        get=_change((200,)),
        post=_change((302,)),
        kwargs=_task_kwargs,
        data=lambda w: {"version": matrix_task(w).version, "title": "Renamed", "priority": "high"},
    ),
    Route(
        "workflow:task_complete",
        get=None,
        post=_change((302,)),
        kwargs=_task_kwargs,
        data=lambda w: {"version": matrix_task(w).version, "completion_note": "Done"},
    ),
    Route(
        "workflow:task_status",
        get=None,
        post=_change((302,)),
        kwargs=_task_kwargs,
        data=lambda w: {"version": matrix_task(w).version, "action": "start"},
    ),
    Route(
        "workflow:task_checklist",
        get=None,
        post=_change((302,)),
        kwargs=_task_kwargs,
        data=lambda w: {"version": matrix_task(w).version, "action": "toggle", "index": 0},
    ),
    Route(
        "workflow:tasks_reassign",
        get=None,
        post=_change((302,)),
        # The task must exist before the matrix counts rows: kwargs are built first.
        kwargs=lambda w: (matrix_task(w), {})[1],
        data=lambda w: {"task": [matrix_task(w).pk], "assignee": w.case_handler.pk},
    ),
    Route("workflow:team", get=code("tasks.view_team")),
    Route("workflow:team_member", get=code("tasks.view_team"), kwargs=lambda w: {"user_pk": w.case_handler.pk}),
    Route(
        "workflow:handover",
        get=code("workflow.handover"),
        post=code("workflow.handover"),
        data=lambda w: {
            "from_user": w.case_handler.pk,
            "to_user": w.legal_manager.pk,
            "include_cases": "on",
            "include_tasks": "on",
            "include_deadlines": "on",
            "confirm": "1",
        },
    ),
]
