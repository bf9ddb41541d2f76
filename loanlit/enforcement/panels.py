"""The enforcement panels on the case page and the dashboard (registered in EnforcementConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from loanlit.cases import access
from loanlit.cases.panels import Panel, register_case_panel, register_dashboard_panel
from loanlit.enforcement import selectors


def case_context(request: HttpRequest, case: Any) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "case": case,
        "summary": selectors.panel_summary(user=request.user, case=case, today=today),
        "today": today,
        "can_edit": access.can_edit(request.user, case),
    }


def dashboard_context(request: HttpRequest) -> dict[str, Any]:
    """No query here: the counts load with htmx (``enforcement:dashboard_panel``), so the dashboard's own
    query budget stays what the cases app measures."""
    return {}


def register() -> None:
    register_case_panel(Panel("enforcement", "enforcement/partials/case_panel.html", case_context, order=20))
    register_dashboard_panel(
        Panel("enforcement", "enforcement/partials/dashboard_panel.html", dashboard_context, order=20)
    )
