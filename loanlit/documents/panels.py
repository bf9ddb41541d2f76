"""The documents panel on the case page (registered in DocumentsConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from loanlit.cases import access
from loanlit.cases.panels import Panel, register_case_panel


def case_context(request: HttpRequest, case: Any) -> dict[str, Any]:
    from loanlit.documents import forms, selectors
    from loanlit.documents.views.store import upload_context

    can_edit = access.can_edit(request.user, case)
    return {
        "case": case,
        "summary": selectors.panel_summary(user=request.user, case=case),
        "can_edit": can_edit,
        "form": forms.UploadForm(case=case, auto_id="panel_%s") if can_edit else None,
        **upload_context(case),
    }


def register() -> None:
    register_case_panel(Panel("documents", "documents/store/partials/case_panel.html", case_context, order=30))
