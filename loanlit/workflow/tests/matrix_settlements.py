"""Authorization-matrix rows of this area's routes (collected by tests/test_authorization_matrix.py).

The world's case (``w.cw.case``, Beijing branch, handled by ``case_handler``) gets one plan in force, made
by the system when a route first needs it. Viewers who may not edit get 403; everyone else 404.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tests.support.authz import Access, Route, only

VIEWERS = ("administrator", "legal_manager", "case_handler", "branch_manager", "auditor", "read_only")
EDITORS = ("administrator", "legal_manager", "case_handler")
NOT_EDITORS = ("branch_manager", "auditor", "read_only")
# An empty POST re-renders the form with its errors (200) and writes nothing.
WRITE = Access("users", users=EDITORS, denied=404, forbidden=NOT_EDITORS)
MATCH = Access("users", users=EDITORS, ok=(302,), denied=404, forbidden=NOT_EDITORS)


def _plan(w):
    plan = getattr(w, "settlement_plan", None)
    if plan is None:
        from loanlit.workflow.services import settlements

        plan = settlements.settlement_create(
            actor=None,
            case=w.cw.case,
            phase="in_court",
            agreed_on=dt.date(2026, 1, 20),
            total=Decimal("3000.00"),
            count=3,
            first_due=dt.date(2026, 1, 31),
        )
        w.settlement_plan = plan
    return plan


ROUTES: list[Route] = [
    Route("workflow:settlement_add", get=WRITE, post=WRITE, kwargs=lambda w: {"case_pk": w.cw.case.pk}),
    Route("workflow:settlement_detail", get=only(*VIEWERS), kwargs=lambda w: {"pk": _plan(w).pk}),
    Route("workflow:settlement_cancel", get=WRITE, post=WRITE, kwargs=lambda w: {"pk": _plan(w).pk}),
    Route("workflow:settlement_match", get=None, post=MATCH, kwargs=lambda w: {"pk": _plan(w).pk}),
]
