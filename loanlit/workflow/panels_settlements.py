"""The settlements panel on the case page (registered from ``services.settlements.connect``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from loanlit.cases import access
from loanlit.cases.panels import Panel, register_case_panel


def case_context(request: HttpRequest, case: Any) -> dict[str, Any]:
    from loanlit.workflow import selectors_settlements as selectors

    return {
        "case": case,
        "rows": selectors.panel_rows(user=request.user, case=case),
        "can_edit": access.can_edit(request.user, case),
        "in_enforcement": selectors.enforcement_under_way(case),
        "today": timezone.localdate(),
    }


def register() -> None:
    register_case_panel(Panel("settlements", "workflow/settlements/partials/case_panel.html", case_context, order=45))
