"""Deadline snippets other pages include: ``{% case_deadlines case %}`` and ``{% my_deadlines %}``."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from loanlit.deadlines import selectors
from loanlit.deadlines.explain import explanation_lines

register = template.Library()


@register.inclusion_tag("deadlines/partials/case_deadlines.html", takes_context=True)
def case_deadlines(context: template.Context, case: Any) -> dict[str, Any]:
    """The case's deadlines, scoped to the signed-in user (the case page already checked the case)."""
    user = context["request"].user
    return {
        "case": case,
        "deadlines": list(selectors.deadlines_for_case(user=user, case=case)),
        "today": timezone.localdate(),
    }


@register.inclusion_tag("deadlines/partials/my_deadlines.html", takes_context=True)
def my_deadlines(context: template.Context, days: int = 14) -> dict[str, Any]:
    user = context["request"].user
    return {"deadlines": selectors.my_deadlines(user, days=days), "today": timezone.localdate(), "days": days}


@register.filter
def explanation(deadline: Any) -> list[str]:
    return explanation_lines(deadline.explanation)
