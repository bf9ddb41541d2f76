"""The "generate documents" panel on the case page (registered in DocgenConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from loanlit.cases import access
from loanlit.cases.panels import Panel, register_case_panel


def case_context(request: HttpRequest, case: Any) -> dict[str, Any]:
    from loanlit.docgen import selectors

    return {
        "case": case,
        "can_generate": access.can_edit(request.user, case) and request.user.has_code("personal_data.unmask"),  # type: ignore[union-attr]
        "generated_count": selectors.generated_for_case(user=request.user, case=case).count(),
    }


def register() -> None:
    register_case_panel(Panel("docgen", "docgen/partials/case_panel.html", case_context, order=31))
