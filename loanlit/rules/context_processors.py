from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from loanlit.rules import selectors


def calendar_banner(request: HttpRequest) -> dict[str, object]:
    """``rules_calendar_banner`` for the base layout: the missing-holiday-data warning, or None.

    Lazy, so a page that never shows it costs no query.
    """
    return {"rules_calendar_banner": SimpleLazyObject(lambda: selectors.calendar_banner() or "")}
