from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from loanlit.cases import panels

register = template.Library()


@register.simple_tag(takes_context=True)
def case_panels(context: template.Context, case: Any) -> SafeString:
    """Every panel other apps registered for the case page (templates escape their own content)."""
    return mark_safe(panels.render_panels(panels.case_panels(), context["request"], case))  # noqa: S308


@register.simple_tag(takes_context=True)
def dashboard_panels(context: template.Context) -> SafeString:
    return mark_safe(panels.render_panels(panels.dashboard_panels(), context["request"]))  # noqa: S308


@register.simple_tag(takes_context=True)
def document_panels(context: template.Context, document: Any) -> SafeString:
    """Every panel other apps registered for a case document's page."""
    return mark_safe(panels.render_panels(panels.document_panels(), context["request"], document))  # noqa: S308
