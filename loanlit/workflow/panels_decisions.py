"""The internal approvals panel on the case page (registered by ``services.decisions.connect``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from loanlit.cases import access
from loanlit.cases.models import Proceeding


def case_context(request: HttpRequest, case: Any) -> dict[str, Any]:
    from loanlit.workflow import selectors_decisions as selectors

    if not selectors.may_see_decisions(request.user):  # external lawyers: the bank's internal decisions
        return {"hidden": True}
    can_edit = access.can_edit(request.user, case)
    proceedings = (
        list(Proceeding.objects.filter(case_id=case.pk).exclude(result=Proceeding.Result.WITHDRAWN).order_by("pk"))
        if can_edit
        else []
    )
    return {
        "case": case,
        "decisions": selectors.case_decision_requests(user=request.user, case=case),
        "can_edit": can_edit,
        "proceedings": proceedings,
    }
