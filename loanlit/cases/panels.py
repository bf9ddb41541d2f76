"""Panels that higher apps add to the case page and the dashboard, without cases importing them.

The deadlines app (and enforcement, documents, workflow, collaboration) registers a panel in its
``AppConfig.ready``; the case page and the dashboard render every registered panel in order. Each
panel's context function does its own scoped reads for the signed-in user. Document pages (documents
app) have panels too, so an app above documents (collaboration's comments) adds to them the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest


@dataclass(frozen=True)
class Panel:
    key: str
    template: str
    context: Callable[..., dict[str, Any]]
    order: int = 100


_CASE_PANELS: dict[str, Panel] = {}
_DASHBOARD_PANELS: dict[str, Panel] = {}
_DOCUMENT_PANELS: dict[str, Panel] = {}


def register_case_panel(panel: Panel) -> None:
    """``panel.context(request, case)`` → template context."""
    _CASE_PANELS[panel.key] = panel


def register_dashboard_panel(panel: Panel) -> None:
    """``panel.context(request)`` → template context."""
    _DASHBOARD_PANELS[panel.key] = panel


def register_document_panel(panel: Panel) -> None:
    """``panel.context(request, document)`` → template context; shown on a case document's page."""
    _DOCUMENT_PANELS[panel.key] = panel


def document_panels() -> list[Panel]:
    return sorted(_DOCUMENT_PANELS.values(), key=lambda p: (p.order, p.key))


def case_panels() -> list[Panel]:
    return sorted(_CASE_PANELS.values(), key=lambda p: (p.order, p.key))


def dashboard_panels() -> list[Panel]:
    return sorted(_DASHBOARD_PANELS.values(), key=lambda p: (p.order, p.key))


def render_panels(panels: list[Panel], request: HttpRequest, *args: Any) -> str:
    from django.template.loader import render_to_string

    return "".join(render_to_string(p.template, p.context(request, *args), request=request) for p in panels)
