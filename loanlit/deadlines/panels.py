"""The deadlines panels on the case page and the dashboard (registered in DeadlinesConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from loanlit.cases.panels import Panel, register_case_panel, register_dashboard_panel
from loanlit.deadlines import selectors

MY_DEADLINE_DAYS = 14


def case_context(request: HttpRequest, case: Any) -> dict[str, Any]:
    deadlines = list(selectors.deadlines_for_case(user=request.user, case=case))
    return {"case": case, "deadlines": deadlines, "today": timezone.localdate()}


def dashboard_context(request: HttpRequest) -> dict[str, Any]:
    deadlines = selectors.my_deadlines(request.user, days=MY_DEADLINE_DAYS)
    return {"deadlines": deadlines, "today": timezone.localdate(), "days": MY_DEADLINE_DAYS}


def register() -> None:
    register_case_panel(Panel("deadlines", "deadlines/partials/case_deadlines.html", case_context, order=10))
    register_dashboard_panel(Panel("deadlines", "deadlines/partials/my_deadlines.html", dashboard_context, order=10))
