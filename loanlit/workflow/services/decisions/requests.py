"""Decision requests: who may decide a step, asking (or running at once), approving, rejecting and
withdrawing, with their notices, timeline events and audit."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any, Final

from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from loanlit.accounts.models import User
from loanlit.accounts.selectors import creditor_ids_for
from loanlit.audit import services as audit
from loanlit.cases import access
from loanlit.cases.events import case_event_record
from loanlit.cases.models import Case, CaseEvent
from loanlit.core import money as m
from loanlit.core.errors import DomainError, PermissionDeniedError
from loanlit.core.models import Creditor
from loanlit.workflow.models.decisions import ApprovalPolicy, DecisionKind, DecisionRequest, DecisionStep
from loanlit.workflow.services.decisions.actions import action_for, registry, run_action
from loanlit.workflow.services.decisions.policies import policy_for

COMMENT_MAX_LENGTH: Final = 2000

NOTIFY_REQUESTED: Final = "workflow.decision_requested"
NOTIFY_DECIDED: Final = "workflow.decision_decided"

ACTION_REQUESTED: Final = "decision.requested"
ACTION_STEP_APPROVED: Final = "decision.step_approved"
ACTION_APPROVED: Final = "decision.approved"
ACTION_REJECTED: Final = "decision.rejected"
ACTION_WITHDRAWN: Final = "decision.withdrawn"
ACTION_FAILED: Final = "decision.failed"

State = DecisionRequest.State
Mode = ApprovalPolicy.Mode
Decision = DecisionStep.Decision


# --- who may decide --------------------------------------------------------------------------------------


def step_roles(step: DecisionStep) -> list[str]:
    return [code for code in step.role.split(",") if code]


def _sees_request(user: Any, request: DecisionRequest) -> bool:
    if request.case is not None:
        return access.can_view(user, request.case)
    # Without a case (an export): within the request's creditor and the user's unit subtree.
    return (
        request.creditor_id in creditor_ids_for(user)
        and user.unit is not None
        and request.unit_path.startswith(user.unit.path)
    )


def may_decide(user: Any, request: DecisionRequest, step: DecisionStep) -> bool:
    """Whether ``user`` may decide ``step`` now: active, holding one of the step's roles, seeing the case,
    and not the requester."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.pk == request.requested_by_id:
        return False
    role_code = getattr(user.role, "code", None)
    if role_code is None or role_code not in step_roles(step):
        return False
    return _sees_request(user, request)


def approver_candidates(request: DecisionRequest, step: DecisionStep) -> list[User]:
    """Everyone who may decide ``step`` now (for notices and for the page)."""
    users = (
        User.objects.filter(is_active=True, role__code__in=step_roles(step), creditors=request.creditor_id)
        .exclude(pk=request.requested_by_id)
        .select_related("role", "unit")
        .order_by("username")
    )
    return [user for user in users if may_decide(user, request, step)]


def current_step(request: DecisionRequest) -> DecisionStep | None:
    """The first step still waiting, or None once the request is no longer pending."""
    if request.state != State.PENDING:
        return None
    return request.steps.filter(decision=Decision.NONE).order_by("order").first()


# --- notices, events and audit ---------------------------------------------------------------------------


def _link(request: DecisionRequest) -> str:
    return reverse("workflow:decision_detail", args=[request.pk])


def _subject(request: DecisionRequest) -> dict[str, str]:
    # The internal case number and the kind only: never a name or an amount (DESIGN rule 11).
    case_no = request.case.internal_no if request.case is not None else ""
    return {"case": case_no, "kind": str(request.get_kind_display())}


def _notify_approvers(request: DecisionRequest, step: DecisionStep) -> None:
    from loanlit.notifications.services import notify

    subject = _subject(request)
    if subject["case"]:
        title = _("Approval requested: %(case)s · %(kind)s") % subject
        body = _("A decision on case %(case)s waits for your approval.") % subject
    else:
        title = _("Approval requested: %(kind)s") % subject
        body = _("A decision waits for your approval.")
    notify(
        recipients=approver_candidates(request, step),
        code=NOTIFY_REQUESTED,
        title=title,
        body=body,
        link=_link(request),
        target=request,
    )


def _notify_requester(request: DecisionRequest) -> None:
    from loanlit.notifications.services import notify

    subject = _subject(request)
    prefix = f"{subject['case']} · " if subject["case"] else ""
    titles: dict[str, str] = {
        State.APPROVED: _("Approved: %(subject)s"),
        State.FAILED: _("Approved, but the action failed: %(subject)s"),
        State.REJECTED: _("Rejected: %(subject)s"),
    }
    title = titles.get(request.state, _("Decided: %(subject)s")) % {"subject": prefix + subject["kind"]}
    notify(recipients=[request.requested_by], code=NOTIFY_DECIDED, title=title, link=_link(request), target=request)


def _stream(request: DecisionRequest) -> str:
    return audit.stream_key("case", request.case_id) if request.case_id is not None else audit.GLOBAL_STREAM


def _request_params(request: DecisionRequest) -> dict[str, Any]:
    # kind_label: the English msgid, translated when the timeline is shown (cases cannot import workflow).
    with translation.override(None):
        kind_label = str(DecisionKind(request.kind).label)
    return {"request": request.pk, "kind": request.kind, "kind_label": kind_label}


def _record(
    *,
    actor: Any,
    request: DecisionRequest,
    action: str,
    changes: Mapping[str, Any],
    event: str | None = None,
) -> None:
    """Audit on the case stream (global without a case); a timeline event too when ``event`` is given."""
    if event is not None and request.case_id is not None:
        case_event_record(
            actor=actor,
            case_id=request.case_id,
            kind=event,
            action=action,
            target=request,
            params=_request_params(request),
            changes=dict(changes),
        )
        return
    audit.record(actor=actor, action=action, target=request, stream=_stream(request), changes=dict(changes))


def _clean_text(text: str) -> str:
    value = (text or "").strip()
    if len(value) > COMMENT_MAX_LENGTH:
        raise DomainError(
            _("Enter at most %(max)d characters (you entered %(count)d).")
            % {"max": COMMENT_MAX_LENGTH, "count": len(value)},
            code="too_long",
        )
    return value


def _require_signed_in(actor: Any) -> None:
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDeniedError(_("Sign in to ask for or decide on approvals."), code="permission_denied")


# --- requests --------------------------------------------------------------------------------------------


def _steps_for(policy: ApprovalPolicy) -> list[str]:
    roles = [code for code in policy.approver_roles if code]
    if not roles:
        raise DomainError(_("The approval policy names no approver role."), code="no_roles")
    return roles if policy.mode == Mode.SEQUENCE else [",".join(roles)]


@transaction.atomic
def decision_run_or_request(
    *,
    actor: Any,
    kind: str,
    case: Case | None,
    amount: Decimal | None,
    currency: str = "CNY",
    payload: Mapping[str, Any],
    summary: str,
    reason: str = "",
    creditor: Creditor | None = None,
    threshold: Decimal | None = None,
) -> tuple[DecisionRequest | None, dict[str, Any] | None]:
    """Run the action now when no policy applies — ``(None, result)`` — else ask the approvers:
    ``(request, None)``. A request without a case (an export) names its ``creditor``; ``threshold``, when
    given, is compared with the policies' ``min_amount`` instead of ``amount`` (an export: its row count)."""
    _require_signed_in(actor)
    if kind not in DecisionKind.values:
        raise DomainError(_("Choose the decision."), code="invalid_kind")
    if case is not None:
        access.require_edit(actor, case)
        creditor_id = case.creditor_id
        unit_path = case.unit_path
    else:
        if creditor is None or creditor.pk not in creditor_ids_for(actor) or actor.unit is None:
            raise PermissionDeniedError(_("You may not ask for this decision."), code="permission_denied")
        creditor_id = creditor.pk
        unit_path = actor.unit.path
    action = action_for(kind)
    if action.check is not None:
        action.check(actor=actor, case=case, payload=dict(payload))
    policy = policy_for(kind=kind, creditor=creditor_id, amount=amount if threshold is None else threshold)
    if policy is None:
        return None, run_action(actor=actor, kind=kind, request=None, case=case, payload=payload)

    text = _clean_text(reason)
    plain_payload = dict(payload)
    if DecisionRequest.objects.filter(
        kind=kind, case=case, requested_by=actor, state=State.PENDING, payload=plain_payload
    ).exists():
        raise DomainError(_("The same request is already waiting for approval."), code="already_pending")
    roles = _steps_for(policy)
    request = DecisionRequest.objects.create(
        kind=kind,
        case=case,
        creditor_id=creditor_id,
        unit_path=unit_path,
        policy=policy,
        currency=currency or "CNY",
        amount=None if amount is None else m.to_money(amount),
        payload=plain_payload,
        summary=(summary or str(DecisionKind(kind).label))[:300],
        reason=text,
        requested_by=actor,
    )
    steps = DecisionStep.objects.bulk_create(
        [DecisionStep(request=request, order=n, role=role) for n, role in enumerate(roles, start=1)]
    )
    if not approver_candidates(request, steps[0]):
        # Nobody could ever decide: refuse now rather than leave a request waiting for no one.
        raise DomainError(
            _("Nobody may approve this decision for this case. Ask an administrator to check the approval policy."),
            code="no_approver",
        )
    _record(
        actor=actor,
        request=request,
        action=ACTION_REQUESTED,
        event=CaseEvent.Kind.DECISION_REQUESTED,
        changes={
            **_request_params(request),
            "policy": policy.pk,
            "amount": None if request.amount is None else f"{request.amount:.2f}",
            "threshold": None if threshold is None else str(threshold),
            "steps": roles,
            "mode": policy.mode,
            "payload": plain_payload,
            "reason": text,
        },
    )
    _notify_approvers(request, steps[0])
    return request, None


def _lock(request: DecisionRequest) -> DecisionRequest:
    # Without joins: PostgreSQL refuses FOR UPDATE on the nullable side of an outer join.
    return DecisionRequest.objects.select_for_update().get(pk=request.pk)


def _decidable_step(actor: Any, request: DecisionRequest) -> DecisionStep:
    if request.state != State.PENDING:
        raise DomainError(_("This request was already decided or withdrawn."), code="not_pending")
    if request.requested_by_id == actor.pk:
        raise PermissionDeniedError(_("You cannot decide on your own request."), code="self_approval")
    step = DecisionStep.objects.select_for_update().filter(request=request, decision=Decision.NONE).order_by("order")
    current = step.first()
    if current is None or not may_decide(actor, request, current):
        raise PermissionDeniedError(_("You may not decide on this request now."), code="not_an_approver")
    return current


def _payload_case(request: DecisionRequest) -> Case | None:
    return Case.objects.get(pk=request.case_id) if request.case_id is not None else None


@transaction.atomic
def decision_approve(*, actor: Any, request: DecisionRequest, comment: str = "") -> DecisionRequest:
    """Approve the current step; the last approval carries the action out (same transaction)."""
    _require_signed_in(actor)
    request = _lock(request)
    step = _decidable_step(actor, request)
    text = _clean_text(comment)
    now = timezone.now()
    step.decision, step.approver, step.comment, step.decided_at = Decision.APPROVED, actor, text, now
    step.save(update_fields=["decision", "approver", "comment", "decided_at"])
    following = request.steps.filter(decision=Decision.NONE).order_by("order").first()
    changes = {**_request_params(request), "step": step.order, "role": step.role, "comment": text}
    if following is not None:
        _record(actor=actor, request=request, action=ACTION_STEP_APPROVED, changes=changes)
        _notify_approvers(request, following)
        return request

    request.decided_at = now
    request.state = State.APPROVED
    request.save(update_fields=["state", "decided_at", "updated_at"])
    _record(
        actor=actor, request=request, action=ACTION_APPROVED, event=CaseEvent.Kind.DECISION_APPROVED, changes=changes
    )
    requester = User.objects.get(pk=request.requested_by_id)
    case = _payload_case(request)
    try:
        with transaction.atomic():  # a savepoint: a refused action leaves nothing of itself behind
            result = run_action(actor=requester, kind=request.kind, request=request, case=case, payload=request.payload)
    except DomainError as error:
        request.state = State.FAILED
        request.result = {"error": str(error.message), "code": error.code}
        request.save(update_fields=["state", "result", "updated_at"])
        audit.record(
            actor=actor,
            action=ACTION_FAILED,
            target=request,
            stream=_stream(request),
            changes={**_request_params(request), "error": str(error.message), "code": error.code},
        )
    else:
        request.result = _json_safe(result)
        request.save(update_fields=["result", "updated_at"])
    _notify_requester(request)
    return request


def _json_safe(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


def _undo(request: DecisionRequest, actor: Any) -> None:
    action = registry.get(request.kind)
    if action is not None and action.on_reject is not None:
        action.on_reject(actor=actor, request=request, case=_payload_case(request), payload=dict(request.payload))


@transaction.atomic
def decision_reject(*, actor: Any, request: DecisionRequest, comment: str) -> DecisionRequest:
    """Reject the request at the current step; a rejection says why."""
    _require_signed_in(actor)
    text = _clean_text(comment)
    if not text:
        raise DomainError(_("Say why you reject the request."), code="comment_required")
    request = _lock(request)
    step = _decidable_step(actor, request)
    now = timezone.now()
    step.decision, step.approver, step.comment, step.decided_at = Decision.REJECTED, actor, text, now
    step.save(update_fields=["decision", "approver", "comment", "decided_at"])
    request.state, request.decided_at = State.REJECTED, now
    request.save(update_fields=["state", "decided_at", "updated_at"])
    _record(
        actor=actor,
        request=request,
        action=ACTION_REJECTED,
        event=CaseEvent.Kind.DECISION_REJECTED,
        changes={**_request_params(request), "step": step.order, "role": step.role, "comment": text},
    )
    _undo(request, actor)
    _notify_requester(request)
    return request


@transaction.atomic
def decision_withdraw(*, actor: Any, request: DecisionRequest) -> DecisionRequest:
    """The requester takes back a pending request; nothing is carried out."""
    _require_signed_in(actor)
    request = _lock(request)
    if request.requested_by_id != actor.pk:
        raise PermissionDeniedError(_("Only the person who asked may withdraw the request."), code="not_requester")
    if request.state != State.PENDING:
        raise DomainError(_("This request was already decided or withdrawn."), code="not_pending")
    request.state, request.decided_at = State.WITHDRAWN, timezone.now()
    request.save(update_fields=["state", "decided_at", "updated_at"])
    _record(actor=actor, request=request, action=ACTION_WITHDRAWN, changes=_request_params(request))
    _undo(request, actor)
    return request
