"""Explanation lines of a deadline: law/ messages (stored with both texts) plus this app's own translated lines."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

# Codes this app adds to a law/ explanation; texts live in the gettext catalogue, not in law/.
LOCAL_TEXTS: Final[Mapping[str, Promise]] = {
    "deadlines.limitation_restarted": _(
        "Limitation restarted on %(date)s by a collection action that interrupts it (Civil Code art. 195)."
    ),
    "deadlines.guarantee_agreed_end": _("The guarantee contract agrees that the guarantee period ends on %(end)s."),
    "deadlines.guarantee_agreed_ignored": _(
        "The agreed end %(end)s is not after the main debt's due date, so the statutory six months apply "
        "(Civil Code art. 692 para 2)."
    ),
    "deadlines.effective_on": _(
        "The decision is expected to take effect on %(date)s, the day after the last party's appeal period ends."
    ),
    "deadlines.effective_on_service": _("The decision is binding on service to the last party, on %(date)s."),
    "deadlines.after_publication": _(
        "Service by publication is deemed effective on %(date)s; the period runs from that day."
    ),
    "deadlines.renewal_due": _("Apply to renew the measure by this date."),
    "deadlines.performance_ends": _("The performance period ends on %(date)s; the period runs from the next day."),
}


def local(code: str, **params: Any) -> dict[str, Any]:
    return {"code": code, "params": {k: str(v) for k, v in params.items()}}


def explanation_lines(items: list[dict[str, Any]]) -> list[str]:
    """Render stored explanation items in the active language."""
    language = (get_language() or "zh-hans").lower()
    key = "zh-hans" if language.startswith("zh") else "en"
    lines: list[str] = []
    for item in items or []:
        code = item.get("code", "")
        if code in LOCAL_TEXTS:
            try:
                lines.append(str(LOCAL_TEXTS[code]) % item.get("params", {}))
            except (KeyError, TypeError, ValueError):
                lines.append(str(LOCAL_TEXTS[code]))
        else:
            lines.append(str(item.get(key) or item.get("en") or code))
    return lines
