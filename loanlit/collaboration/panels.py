"""The comments panels on the case page and on a case document's page (registered in CollaborationConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from loanlit.cases.panels import Panel, register_case_panel, register_document_panel


def case_context(request: HttpRequest, case: Any) -> dict[str, Any]:
    from loanlit.collaboration.views import thread_context

    return {**thread_context(request, case), "in_panel": True}


def document_context(request: HttpRequest, document: Any) -> dict[str, Any]:
    from loanlit.collaboration.views import thread_context

    return thread_context(request, document.case, document=document, limit=None)


def register() -> None:
    register_case_panel(Panel("comments", "collaboration/partials/panel.html", case_context, order=90))
    register_document_panel(Panel("comments", "collaboration/partials/panel.html", document_context, order=50))
