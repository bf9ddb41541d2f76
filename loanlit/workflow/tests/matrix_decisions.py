"""Authorization-matrix rows of this area's routes (collected by tests/test_authorization_matrix.py).

The world (built per test, memoised on it): a cost-payment policy approved by the legal manager, a pending
request by the case handler on the world's case (``request``). Empty POSTs are refused on the form (400),
nothing written; the case handler's withdrawal and an editor's direct file-suit really act (302).

Internal approvals are the bank's own decisions: ``lawyer_sees_the_case`` makes the external lawyer a member
of the firm the world's case is placed with, so the lawyer sees (and may edit) the case — and still gets 404
on every decision route, exactly like a missing id. Deactivating a policy needs the version it was seen at:
an empty POST is refused (400), nothing written.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.support.authz import Access, Route, code

MANAGE = "workflow.manage_policies"
# Bank staff who see the world's case; the external lawyer sees it too (``lawyer_sees_the_case``) but is left
# out of every decision row: 404.
CASE_VIEWERS = ("administrator", "legal_manager", "case_handler", "branch_manager", "auditor", "read_only")
CASE_EDITORS = ("administrator", "legal_manager", "case_handler")
VIEWERS_ONLY = ("branch_manager", "auditor", "read_only")


def _memo(world: Any, name: str, build: Any) -> Any:
    cache = world.__dict__.setdefault("_decisions", {})
    if name not in cache:
        cache[name] = build()
    return cache[name]


def lawyer_sees_the_case(world: Any) -> Any:
    """The external lawyer joins the firm the world's case is placed with (once per world)."""

    def build() -> Any:
        from loanlit.cases import access
        from loanlit.cases import services as cases
        from loanlit.cases.models import Placement

        placement = Placement.objects.get(case=world.cw.case, recalled_on__isnull=True)
        member = cases.law_firm_member_add(actor=None, law_firm=placement.law_firm, user=world.external_lawyer)
        assert access.can_view(world.external_lawyer, world.cw.case)  # so the 404 below is the approvals rule
        return member

    return _memo(world, "lawyer", build)


def _case_kwargs(world: Any, **extra: Any) -> dict[str, Any]:
    lawyer_sees_the_case(world)
    return {"case_pk": world.cw.case.pk, **extra}


def _request_kwargs(world: Any) -> dict[str, Any]:
    lawyer_sees_the_case(world)
    return {"pk": request(world).pk}


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
    # The inbox opens for anyone signed in but an external lawyer (404: approvals are the bank's own, issue 10).
    Route(
        "workflow:decision_inbox",
        get=Access(
            "users",
            users=(*CASE_VIEWERS, "security_admin", "outsider_branch", "outsider_creditor"),
            denied=404,
        ),
    ),
    Route(
        "workflow:decision_detail",
        get=Access("users", users=CASE_VIEWERS, denied=404),
        kwargs=_request_kwargs,
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
        kwargs=_request_kwargs,
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
        kwargs=_request_kwargs,
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
        post=code(MANAGE, ok=(400,)),
        kwargs=lambda w: {"pk": policy(w).pk},
    ),
    # The file-suit form has no required field: an editor's empty POST moves the case (no policy for it).
    Route(
        "workflow:decision_file_suit",
        get=_editors(ok=(200,)),
        post=_editors(ok=(302,)),
        kwargs=_case_kwargs,
    ),
    Route(
        "workflow:decision_cost",
        get=_editors(ok=(200,)),
        post=_editors(ok=(400,)),
        kwargs=_case_kwargs,
    ),
    Route(
        "workflow:decision_withdrawal",
        get=_editors(ok=(200,)),
        post=_editors(ok=(400,)),
        kwargs=lambda w: _case_kwargs(w, proceeding_pk=w.cw.proceeding.pk),
    ),
]
