"""Reads of document approval, scoped to the user (DESIGN rule 2), and the filing stage gate.

Importing this module registers the gate (``DocumentsConfig.ready`` imports it): with the policy
``DOCUMENTS_REQUIRE_APPROVED_COMPLAINT`` on, a case moves to "filed" only with an approved complaint.
"""

from __future__ import annotations

from typing import Any, Final

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from loanlit.accounts.models import Role, User
from loanlit.cases import access
from loanlit.cases.gates import register_stage_gate
from loanlit.cases.models import Case, CaseStage
from loanlit.documents.models import ApprovalRequest, ApprovalStep, Document
from loanlit.documents.services.approvals import APPROVE_CODE, may_approve

COMPLAINT_CATEGORY: Final = "complaint"

_STEP_RELATED = (
    "request",
    "request__version",
    "request__submitted_by",
    "request__document",
    "request__document__category",
    "request__document__case",
)


def approval_steps_waiting_for(*, user: Any) -> QuerySet[ApprovalStep]:
    """The steps waiting for ``user``'s decision now: pending requests on documents of cases in scope, and
    in sequence mode only the step whose turn it is."""
    if not getattr(user, "is_authenticated", False):
        return ApprovalStep.objects.none()
    earlier_waiting = ApprovalStep.objects.filter(
        request_id=OuterRef("request_id"), order__lt=OuterRef("order"), decision=ApprovalStep.Decision.WAITING
    )
    return (
        ApprovalStep.objects.filter(
            approver_id=user.pk,
            decision=ApprovalStep.Decision.WAITING,
            request__state=ApprovalRequest.State.PENDING,
            request__document__deleted_at__isnull=True,
            request__document__case__in=access.cases_visible_to(user),
        )
        # In sequence, a step whose earlier steps still wait is not this user's turn yet.
        .filter(~Q(request__mode=ApprovalRequest.Mode.SEQUENCE) | ~Exists(earlier_waiting))
        .select_related(*_STEP_RELATED)
        .order_by("request__submitted_at", "request_id")
    )


def approval_requests_submitted_by(*, user: Any, pending_only: bool = True) -> QuerySet[ApprovalRequest]:
    """The user's own submissions (still waiting, by default) on cases in scope."""
    if not getattr(user, "is_authenticated", False):
        return ApprovalRequest.objects.none()
    qs = ApprovalRequest.objects.filter(submitted_by_id=user.pk, document__case__in=access.cases_visible_to(user))
    if pending_only:
        qs = qs.filter(state=ApprovalRequest.State.PENDING)
    return qs.select_related("document", "document__category", "document__case", "version")


def approval_request_get_for_user(*, user: Any, pk: int) -> ApprovalRequest:
    """One request, 404 unless its document's case is in ``user``'s scope (exactly like a missing id)."""
    request = (
        ApprovalRequest.objects.filter(pk=pk, document__case__in=access.cases_visible_to(user))
        .select_related("document", "document__category", "document__case", "document__current_version", "version")
        .select_related("submitted_by")
        .first()
    )
    if request is None:
        raise Http404
    return request


def document_approval_history(*, user: Any, document: Document) -> QuerySet[ApprovalRequest]:
    """Every request on ``document``, newest first, with its steps in order; 404 outside scope."""
    if not access.can_view(user, document.case):
        raise Http404
    steps = ApprovalStep.objects.select_related("approver").order_by("order")
    return (
        ApprovalRequest.objects.filter(document_id=document.pk)
        .select_related("version", "submitted_by")
        .prefetch_related(Prefetch("steps", queryset=steps))
        .order_by("-submitted_at", "-pk")
    )


def approval_current_step(*, request: ApprovalRequest, user: Any) -> ApprovalStep | None:
    """The step ``user`` may decide on this request now, or None."""
    if request.state != ApprovalRequest.State.PENDING:
        return None
    waiting = list(request.steps.filter(decision=ApprovalStep.Decision.WAITING).order_by("order"))
    if request.mode == ApprovalRequest.Mode.SEQUENCE:
        waiting = waiting[:1]
    return next((step for step in waiting if step.approver_id == user.pk), None)


def approvers_for_case(*, case: Case, exclude: Any = None) -> list[User]:
    """Who may be asked to approve a document of ``case``: active users holding ``documents.approve`` who
    see the case (the submitter excluded)."""
    roles = [role.pk for role in Role.objects.only("pk", "permissions") if APPROVE_CODE in role.permissions]
    candidates = (
        User.objects.filter(is_active=True, creditors=case.creditor_id, role_id__in=roles)
        .select_related("role", "unit")
        .order_by("username")
    )
    if exclude is not None:
        candidates = candidates.exclude(pk=exclude.pk)
    return [user for user in candidates if may_approve(user, case)]


def case_has_approved_complaint(case: Case) -> bool:
    return Document.objects.filter(
        case_id=case.pk,
        category_id=COMPLAINT_CATEGORY,
        deleted_at__isnull=True,
        approval=Document.Approval.APPROVED,
        locked=True,
    ).exists()


def filing_needs_approved_complaint(case: Any, target: str) -> str | None:
    """The stage gate: refuses "filed" without an approved complaint, when the policy says so."""
    if target != CaseStage.FILED or not getattr(settings, "DOCUMENTS_REQUIRE_APPROVED_COMPLAINT", False):
        return None
    if case_has_approved_complaint(case):
        return None
    return _("The case can be filed only with an approved complaint. Submit the complaint for approval first.")


register_stage_gate(filing_needs_approved_complaint)
