"""The retention panel on the case page (issue 10): legal hold state and its forms, for retention managers."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from loanlit.cases.panels import Panel, register_case_panel


def case_context(request: HttpRequest, case: Any) -> dict[str, Any]:
    from loanlit.cases.services import retention

    return {
        "case": case,
        # The case page already scoped the case to the user: only the permission is left to check.
        "may_manage": bool(getattr(request.user, "is_authenticated", False))
        and request.user.has_code("retention.manage"),  # type: ignore[union-attr]
        "after_days": retention.anonymise_after_days(),
    }


def register() -> None:
    register_case_panel(Panel("retention", "cases/partials/retention_panel.html", case_context, order=95))
