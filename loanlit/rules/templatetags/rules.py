from __future__ import annotations

from django import template

from loanlit.rules import selectors

register = template.Library()


@register.inclusion_tag("rules/partials/calendar_banner.html")
def rules_calendar_banner() -> dict[str, object]:
    """The missing-holiday-data warning for the base layout: ``{% load rules %}{% rules_calendar_banner %}``."""
    return {"banner": selectors.calendar_banner()}
