"""The sharing panel on the case page (issue 10), shown to those who may share the case."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from loanlit.cases.panels import Panel, register_case_panel


def case_context(request: HttpRequest, case: Any) -> dict[str, Any]:
    from loanlit.cases.access import live_shares
    from loanlit.cases.services import sharing

    if not sharing.may_share(request.user, case):
        return {"case": case, "may_share": False}
    shares = list(case.shares.select_related("user", "group", "granted_by").order_by("granted_at", "pk"))
    live = set(live_shares().filter(case=case).values_list("pk", flat=True))
    for share in shares:
        share.is_live = share.pk in live
    return {"case": case, "may_share": True, "shares": shares}


def register() -> None:
    register_case_panel(Panel("sharing", "cases/sharing/case_panel.html", case_context, order=95))
