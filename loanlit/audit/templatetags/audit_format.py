"""Display of an audit entry's ``changes``, whatever shape its service recorded.

Services record changes as ``{"field": {"old": …, "new": …}}`` (``audit.diff``), as
``{"field": [old, new]}``, or as plain values (a creation or a batch item list). Each becomes one
row (name, old, new) where ``old`` is None when there was no previous value to show.
"""

from __future__ import annotations

import json
from typing import Any

from django import template

register = template.Library()

MAX_SHOWN = 300


def _show(value: Any) -> str:
    if value is None:
        return "—"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


@register.filter
def change_rows(changes: Any) -> list[tuple[str, str | None, str]]:
    if not isinstance(changes, dict):
        return [("", None, _show(changes))] if changes else []
    rows: list[tuple[str, str | None, str]] = []
    for name, change in changes.items():
        if isinstance(change, dict) and set(change) <= {"old", "new"} and change:
            rows.append((str(name), _show(change.get("old")), _show(change.get("new"))))
        elif isinstance(change, list | tuple) and len(change) == 2 and not any(isinstance(c, dict) for c in change):
            rows.append((str(name), _show(change[0]), _show(change[1])))
        else:
            rows.append((str(name), None, _show(change)))
    return rows
