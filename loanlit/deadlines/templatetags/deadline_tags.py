"""Deadline snippets other pages include: ``{% case_deadlines case %}``, ``{% loan_monitors loan %}``,
``{% my_deadlines %}``, and the tabs of the deadline and reminder pages (``{% deadline_nav "list" %}``)."""

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


@register.inclusion_tag("deadlines/partials/loan_monitors.html", takes_context=True)
def loan_monitors(context: template.Context, loan: Any) -> dict[str, Any]:
    """The loan's monitors, scoped to the signed-in user (the loan page already checked the loan)."""
    user = context["request"].user
    return {
        "loan": loan,
        "deadlines": list(selectors.monitors_for_loan(user=user, loan=loan)),
        "today": timezone.localdate(),
    }


@register.inclusion_tag("deadlines/reminder_nav.html", takes_context=True)
def deadline_nav(context: template.Context, active: str = "") -> dict[str, Any]:
    """Tabs between the deadline list, calendar, feed and — for who may manage them — the reminder settings."""
    from loanlit.rules.selectors import may_manage_reference_data

    return {"active": active, "may_manage": may_manage_reference_data(context["request"].user)}


@register.filter
def explanation(deadline: Any) -> list[str]:
    return explanation_lines(deadline.explanation)
