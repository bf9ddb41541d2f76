"""Reads of internal approvals, scoped to the user (DESIGN rule 2): out of scope answers 404 like a missing id.

Internal approvals are the bank's internal decisions: external lawyers (``access.is_external_lawyer``) see
none of them — no request, no inbox entry, no case panel, no request form (``may_see_decisions``, the one
home of that rule). For everyone else a request is visible to its requester, to whoever sees its case, and —
for a request without a case (an export) — to users of its creditor whose unit subtree holds the requester's
unit.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from loanlit.accounts.selectors import creditor_ids_for
from loanlit.cases import access
from loanlit.cases.models import Case
from loanlit.workflow.models.decisions import ApprovalPolicy, DecisionRequest, DecisionStep
from loanlit.workflow.services import decisions as services

DECIDED_LIMIT = 50
PANEL_LIMIT = 10

State = DecisionRequest.State


def may_see_decisions(user: Any) -> bool:
    """Whether ``user`` may see internal approvals at all: signed-in, active bank staff (never an external
    lawyer, even on a case placed with their firm)."""
    return bool(getattr(user, "is_authenticated", False)) and user.is_active and not access.is_external_lawyer(user)


def _visible_q(user: Any) -> Q:
    if not may_see_decisions(user):
        return Q(pk__in=[])
    visible = Q(requested_by_id=user.pk) | Q(case__in=access.cases_visible_to(user))
    if user.unit is not None:
        visible |= Q(
            case__isnull=True,
            creditor_id__in=creditor_ids_for(user),
            unit_path__startswith=user.unit.path,
        )
    return visible


def _with_steps(qs: QuerySet[DecisionRequest]) -> QuerySet[DecisionRequest]:
    steps = DecisionStep.objects.select_related("approver").order_by("order")
    return qs.select_related("case", "requested_by", "policy").prefetch_related(Prefetch("steps", queryset=steps))


def decision_requests_visible_to(user: Any) -> QuerySet[DecisionRequest]:
    return _with_steps(DecisionRequest.objects.filter(_visible_q(user)))


def decision_request_get_for_user(*, user: Any, pk: int) -> DecisionRequest:
    request = decision_requests_visible_to(user).filter(pk=pk).first()
    if request is None:
        raise Http404
    return request


def waiting_step(request: DecisionRequest) -> DecisionStep | None:
    """The first waiting step of a pending request (from the prefetched steps)."""
    if request.state != State.PENDING:
        return None
    return next((step for step in request.steps.all() if step.decision == DecisionStep.Decision.NONE), None)


def step_for_user(*, request: DecisionRequest, user: Any) -> DecisionStep | None:
    """The step ``user`` may decide on this request now, or None."""
    step = waiting_step(request)
    if step is None or not services.may_decide(user, request, step):
        return None
    return step


def decision_requests_waiting_for(*, user: Any) -> list[DecisionRequest]:
    """Pending requests whose current step ``user`` may decide (never the user's own)."""
    role_code = getattr(getattr(user, "role", None), "code", None)
    if not getattr(user, "is_authenticated", False) or role_code is None:
        return []
    pending = (
        decision_requests_visible_to(user)
        .filter(state=State.PENDING, steps__decision=DecisionStep.Decision.NONE, steps__role__contains=role_code)
        .exclude(requested_by_id=user.pk)
        .distinct()
        .order_by("created_at", "pk")
    )
    return [request for request in pending if step_for_user(request=request, user=user) is not None]


def decision_requests_of(*, user: Any, pending: bool) -> QuerySet[DecisionRequest]:
    """The user's own requests: still waiting, or decided (newest first)."""
    qs = decision_requests_visible_to(user).filter(requested_by_id=user.pk)
    if pending:
        return qs.filter(state=State.PENDING).order_by("-created_at", "-pk")
    return qs.exclude(state=State.PENDING).order_by("-decided_at", "-pk")[:DECIDED_LIMIT]


def decision_requests_decided_by(*, user: Any) -> QuerySet[DecisionRequest]:
    """Requests on which the user recorded a decision (newest first)."""
    return (
        decision_requests_visible_to(user)
        .filter(steps__approver_id=user.pk)
        .distinct()
        .order_by("-updated_at", "-pk")[:DECIDED_LIMIT]
    )


def case_decision_requests(*, user: Any, case: Case) -> list[DecisionRequest]:
    """The case's requests, newest first (404 outside scope, and for whoever may not see approvals)."""
    if not may_see_decisions(user) or not access.can_view(user, case):
        raise Http404
    qs = _with_steps(DecisionRequest.objects.filter(case_id=case.pk)).order_by("-created_at", "-pk")
    return list(qs[:PANEL_LIMIT])


def policies_for_manager(*, user: Any) -> QuerySet[ApprovalPolicy]:
    if not services.may_manage_policies(user):
        return ApprovalPolicy.objects.none()
    return ApprovalPolicy.objects.select_related("creditor").order_by("kind", "creditor_id", "min_amount", "pk")


def policy_get_for_manager(*, user: Any, pk: int) -> ApprovalPolicy:
    policy = policies_for_manager(user=user).filter(pk=pk).first()
    if policy is None:
        raise Http404
    return policy


def policies_in_force(*, kind: str, creditor_id: int) -> list[ApprovalPolicy]:
    """The thresholds that apply to ``kind`` for the creditor (its own, else the global ones), lowest first:
    what a request form shows so the user knows from which amount approval is needed."""
    active = ApprovalPolicy.objects.filter(kind=kind, is_active=True)
    own = active.filter(creditor_id=creditor_id)
    chosen = own if own.exists() else active.filter(creditor__isnull=True)
    return list(chosen.order_by("min_amount", "pk"))


def role_labels(codes: list[str]) -> list[str]:
    """Role codes as people read them: a built-in role's translated name, else the role's stored name."""
    from loanlit.accounts.models import Role
    from loanlit.accounts.permissions import BUILTIN_ROLES

    names = dict(Role.objects.filter(code__in=codes).values_list("code", "name"))
    return [str(BUILTIN_ROLES[code][0]) if code in BUILTIN_ROLES else names.get(code, code) for code in codes]


def with_role_labels(policies: list[ApprovalPolicy]) -> list[ApprovalPolicy]:
    for policy in policies:
        policy.role_labels = role_labels(list(policy.approver_roles))  # type: ignore[attr-defined]
    return policies
