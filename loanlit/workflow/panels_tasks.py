"""The open-tasks panel on the case page (``connect()`` is called from ``loanlit.workflow.listeners``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from loanlit.cases.panels import Panel, register_case_panel


def case_context(request: HttpRequest, case: Any) -> dict[str, Any]:
    from loanlit.workflow import selectors_tasks as selectors

    return {
        "case": case,
        "tasks": selectors.tasks_for_case(user=request.user, case=case),
        "may_create": selectors.may_create_task(request.user, case),
        "today": timezone.localdate(),
    }


def connect() -> None:
    register_case_panel(Panel("workflow_tasks", "workflow/tasks/partials/case_panel.html", case_context, order=15))
