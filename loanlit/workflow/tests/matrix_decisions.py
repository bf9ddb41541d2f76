"""Authorization-matrix rows of this area's routes (collected by tests/test_authorization_matrix.py).

The world (built per test, memoised on it): a cost-payment policy approved by the legal manager, a pending
request by the case handler on the world's case (``request``). Empty POSTs are refused on the form (400),
nothing written; the case handler's withdrawal and an editor's direct file-suit really act (302).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.support.authz import LOGIN, Access, Route, code

MANAGE = "workflow.manage_policies"
CASE_VIEWERS = ("administrator", "legal_manager", "case_handler", "branch_manager", "auditor", "read_only")
CASE_EDITORS = ("administrator", "legal_manager", "case_handler")
VIEWERS_ONLY = ("branch_manager", "auditor", "read_only")


def _memo(world: Any, name: str, build: Any) -> Any:
    cache = world.__dict__.setdefault("_decisions", {})
    if name not in cache:
        cache[name] = build()
    return cache[name]


def policy(world: Any) -> Any:
    from loanlit.workflow.services import decisions

    return _memo(
        world,
        "policy",
        lambda: decisions.approval_policy_create(
            actor=world.administrator,
            kind="cost_payment",
            approver_roles=["legal_manager"],
            min_amount=Decimal("100.00"),
        ),
    )


def request(world: Any) -> Any:
    import datetime as dt

    from loanlit.workflow.services import decisions

    def build() -> Any:
        policy(world)
        payload = decisions.cost_payload(
            kind="acceptance_fee",
            amount=Decimal("500.00"),
            paid_on=dt.date(2026, 1, 12),
            payer="creditor",
            borne_by_defendant=True,
        )
        made, _ = decisions.decision_run_or_request(
            actor=world.case_handler,
            kind="cost_payment",
            case=world.cw.case,
            amount=Decimal("500.00"),
            payload=payload,
            summary="Matrix cost",
        )
        return made

    return _memo(world, "request", build)


def _editors(*, ok: tuple[int, ...]) -> Access:
    return Access("users", users=CASE_EDITORS, ok=ok, denied=404, forbidden=VIEWERS_ONLY)


ROUTES: list[Route] = [
    Route("workflow:decision_inbox", get=LOGIN),
    Route(
        "workflow:decision_detail",
        get=Access("users", users=CASE_VIEWERS, denied=404),
        kwargs=lambda w: {"pk": request(w).pk},
    ),
    Route(
        "workflow:decision_decide",
        get=None,
        post=Access(
            "users",
            users=("legal_manager",),
            ok=(400,),
            denied=404,
            forbidden=tuple(p for p in CASE_VIEWERS if p != "legal_manager"),
        ),
        kwargs=lambda w: {"pk": request(w).pk},
    ),
    Route(
        "workflow:decision_withdraw",
        get=None,
        post=Access(
            "users",
            users=("case_handler",),
            ok=(302,),
            denied=404,
            forbidden=tuple(p for p in CASE_VIEWERS if p != "case_handler"),
        ),
        kwargs=lambda w: {"pk": request(w).pk},
    ),
    Route("workflow:decision_policy_list", get=code(MANAGE)),
    Route("workflow:decision_policy_create", get=code(MANAGE), post=code(MANAGE, ok=(400,))),
    Route(
        "workflow:decision_policy_edit",
        get=code(MANAGE),
        post=code(MANAGE, ok=(400,)),
        kwargs=lambda w: {"pk": policy(w).pk},
    ),
    Route(
        "workflow:decision_policy_deactivate",
        get=None,
        post=code(MANAGE, ok=(302,)),
        kwargs=lambda w: {"pk": policy(w).pk},
    ),
    # The file-suit form has no required field: an editor's empty POST moves the case (no policy for it).
    Route(
        "workflow:decision_file_suit",
        get=_editors(ok=(200,)),
        post=_editors(ok=(302,)),
        kwargs=lambda w: {"case_pk": w.cw.case.pk},
    ),
    Route(
        "workflow:decision_cost",
        get=_editors(ok=(200,)),
        post=_editors(ok=(400,)),
        kwargs=lambda w: {"case_pk": w.cw.case.pk},
    ),
    Route(
        "workflow:decision_withdrawal",
        get=_editors(ok=(200,)),
        post=_editors(ok=(400,)),
        kwargs=lambda w: {"case_pk": w.cw.case.pk, "proceeding_pk": w.cw.proceeding.pk},
    ),
]
