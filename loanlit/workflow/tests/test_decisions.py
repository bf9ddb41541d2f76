"""Internal approvals (maker-checker): policy selection, the gates, steps, separation of duties, execution."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from loanlit.audit.models import AuditEntry
from loanlit.cases import services as cases
from loanlit.cases.models import CaseEvent, CostEntry, Proceeding
from loanlit.cases.tests.views_support import build_case_world
from loanlit.core.errors import DomainError, PermissionDeniedError
from loanlit.notifications.models import Notification
from loanlit.workflow.models import ApprovalPolicy, DecisionRequest, DecisionStep
from loanlit.workflow.models.decisions import DecisionKind
from loanlit.workflow.services import decisions

pytestmark = pytest.mark.django_db

PAID_ON = dt.date(2026, 1, 12)


def _policy(personas, kind, *, roles=("legal_manager",), min_amount="0.00", mode="sequence", creditor=None):
    return decisions.approval_policy_create(
        actor=personas.administrator,
        kind=kind,
        approver_roles=list(roles),
        min_amount=Decimal(min_amount),
        mode=mode,
        creditor=creditor,
    )


def _cost_request(personas, world, amount="1500.00"):
    payload = decisions.cost_payload(
        kind=CostEntry.Kind.ACCEPTANCE_FEE,
        amount=Decimal(amount),
        paid_on=PAID_ON,
        payer=CostEntry.Payer.CREDITOR,
        borne_by_defendant=True,
        proceeding=world.proceeding,
    )
    return decisions.decision_run_or_request(
        actor=personas.case_handler,
        kind=DecisionKind.COST_PAYMENT,
        case=world.case,
        amount=Decimal(amount),
        payload=payload,
        summary="Acceptance fee",
        reason="court fee notice",
    )


@pytest.fixture
def world(personas):
    return build_case_world(personas)


# --- policy selection -----------------------------------------------------------------------------------


def test_policy_applies_from_its_threshold_to_the_cent(personas):
    low = _policy(personas, DecisionKind.FILE_SUIT, min_amount="0.00", roles=("branch_manager",))
    high = _policy(personas, DecisionKind.FILE_SUIT, min_amount="50000.00")
    pick = decisions.policy_for
    assert pick(kind=DecisionKind.FILE_SUIT, creditor=personas.creditor, amount=Decimal("49999.99")) == low
    assert pick(kind=DecisionKind.FILE_SUIT, creditor=personas.creditor, amount=Decimal("50000.00")) == high
    assert pick(kind=DecisionKind.COST_PAYMENT, creditor=personas.creditor, amount=Decimal("50000.00")) is None


def test_a_creditors_own_policies_replace_the_global_ones(personas):
    _policy(personas, DecisionKind.COST_PAYMENT, min_amount="100.00")
    own = _policy(personas, DecisionKind.COST_PAYMENT, min_amount="50000.00", creditor=personas.creditor)
    pick = decisions.policy_for
    assert pick(kind=DecisionKind.COST_PAYMENT, creditor=personas.creditor, amount=Decimal("49999.99")) is None
    assert pick(kind=DecisionKind.COST_PAYMENT, creditor=personas.creditor, amount=Decimal("50000.00")) == own
    other = pick(kind=DecisionKind.COST_PAYMENT, creditor=personas.other_creditor, amount=Decimal("100.00"))
    assert other is not None and other.creditor_id is None
    decisions.approval_policy_deactivate(actor=personas.administrator, policy=own, version=own.version)
    fallback = pick(kind=DecisionKind.COST_PAYMENT, creditor=personas.creditor, amount=Decimal("49999.99"))
    assert fallback is not None and fallback.min_amount == Decimal("100.00")


def test_policies_are_audited_and_need_the_permission(personas):
    before = AuditEntry.objects.count()
    with pytest.raises(PermissionDeniedError):
        decisions.approval_policy_create(
            actor=personas.case_handler, kind=DecisionKind.FILE_SUIT, approver_roles=["legal_manager"]
        )
    assert ApprovalPolicy.objects.count() == 0
    assert AuditEntry.objects.count() == before
    policy = _policy(personas, DecisionKind.FILE_SUIT)
    updated = decisions.approval_policy_update(
        actor=personas.legal_manager,
        policy=policy,
        version=policy.version,
        approver_roles=["legal_manager", "administrator"],
        min_amount=Decimal("20000.00"),
        mode="any",
    )
    assert (updated.min_amount, updated.approver_roles, updated.mode, updated.version) == (
        Decimal("20000.00"),
        ["legal_manager", "administrator"],
        "any",
        2,
    )
    actions = list(AuditEntry.objects.filter(stream="global").order_by("pk").values_list("action", flat=True))
    assert actions[-2:] == ["approval_policy.created", "approval_policy.updated"]
    with pytest.raises(DomainError):
        decisions.approval_policy_update(
            actor=personas.legal_manager,
            policy=policy,
            version=1,
            approver_roles=["legal_manager"],
            min_amount=Decimal("1.00"),
            mode="sequence",
        )


# --- gates ----------------------------------------------------------------------------------------------


def test_without_any_policy_the_gated_actions_run_as_before(personas, world):
    cost = cases.cost_record(
        actor=personas.case_handler,
        case=world.case,
        kind=CostEntry.Kind.ACCEPTANCE_FEE,
        amount=Decimal("99999.99"),
        paid_on=PAID_ON,
        payer=CostEntry.Payer.CREDITOR,
        borne_by_defendant=True,
    )
    assert cost.amount == Decimal("99999.99")
    world.case.refresh_from_db()
    moved = cases.case_change_stage(
        actor=personas.case_handler, case=world.case, to_stage="filed", version=world.case.version
    )
    assert moved.stage_id == "filed"
    request, result = _cost_request(personas, world, "10.00")
    assert request is None and CostEntry.objects.filter(pk=result["cost_id"], amount=Decimal("10.00")).exists()
    assert DecisionRequest.objects.count() == 0


def test_a_cost_payment_waits_for_approval_and_is_written_once(personas, world):
    _policy(personas, DecisionKind.COST_PAYMENT, min_amount="1000.00")
    with translation.override("en"), pytest.raises(DomainError) as refused:
        cases.cost_record(
            actor=personas.case_handler,
            case=world.case,
            kind=CostEntry.Kind.ACCEPTANCE_FEE,
            amount=Decimal("1000.00"),
            paid_on=PAID_ON,
            payer=CostEntry.Payer.CREDITOR,
            borne_by_defendant=True,
        )
    assert refused.value.code == "action_gate"
    assert refused.value.message.startswith("Paying this cost needs internal approval. Ask for it with")
    # Below the threshold: no approval.
    cases.cost_record(
        actor=personas.case_handler,
        case=world.case,
        kind=CostEntry.Kind.ACCEPTANCE_FEE,
        amount=Decimal("999.99"),
        paid_on=PAID_ON,
        payer=CostEntry.Payer.CREDITOR,
        borne_by_defendant=True,
    )
    assert CostEntry.objects.filter(case=world.case).count() == 1

    request, result = _cost_request(personas, world, "1500.00")
    assert result is None and request.state == "pending" and request.amount == Decimal("1500.00")
    assert CostEntry.objects.filter(case=world.case).count() == 1
    requested = CaseEvent.objects.get(case=world.case, kind="decision_requested")
    assert requested.params == {"request": request.pk, "kind": "cost_payment", "kind_label": "Payment of a cost"}

    decided = decisions.decision_approve(actor=personas.legal_manager, request=request, comment="ok")
    assert decided.state == "approved"
    costs = CostEntry.objects.filter(case=world.case, amount=Decimal("1500.00"))
    assert costs.count() == 1
    cost = costs.get()
    assert (cost.kind, cost.paid_on, cost.proceeding_id, cost.borne_by_defendant) == (
        "acceptance_fee",
        PAID_ON,
        world.proceeding.pk,
        True,
    )
    assert decided.result == {"cost_id": cost.pk}
    assert CaseEvent.objects.filter(case=world.case, kind="decision_approved").count() == 1
    cost_event = CaseEvent.objects.get(case=world.case, kind="cost_paid", params__amount="1500.00")
    assert cost_event.actor_id == personas.case_handler.pk  # the requester carried it out
    with pytest.raises(DomainError):
        decisions.decision_approve(actor=personas.legal_manager, request=request)
    assert CostEntry.objects.filter(case=world.case, amount=Decimal("1500.00")).count() == 1


def test_filing_waits_for_approval_and_the_approved_move_uses_a_fresh_version(personas, world):
    _policy(personas, DecisionKind.FILE_SUIT, min_amount="12345.67")
    case = world.case
    with pytest.raises(DomainError) as refused:
        cases.case_change_stage(actor=personas.case_handler, case=case, to_stage="filed", version=case.version)
    assert refused.value.code == "stage_gate"
    request, _ = decisions.decision_run_or_request(
        actor=personas.case_handler,
        kind=DecisionKind.FILE_SUIT,
        case=case,
        amount=case.claim_total,
        payload={"note": "go"},
        summary="File",
    )
    case.refresh_from_db()
    assert case.stage_id == "pre_litigation"
    # The case changes meanwhile: the approved move reads the version at execution.
    cases.case_update(actor=personas.case_handler, case=case, version=case.version, tags=["urgent"])
    decided = decisions.decision_approve(actor=personas.legal_manager, request=request)
    case.refresh_from_db()
    assert decided.state == "approved" and case.stage_id == "filed"
    assert CaseEvent.objects.filter(case=case, kind="stage_changed", params__to="filed").count() == 1


def test_withdrawal_waits_for_approval(personas, world):
    _policy(personas, DecisionKind.WITHDRAWAL)
    proceeding = world.proceeding
    with pytest.raises(DomainError):
        cases.proceeding_record_result(
            actor=personas.case_handler,
            proceeding=proceeding,
            result=Proceeding.Result.WITHDRAWN,
            result_on=PAID_ON,
            version=proceeding.version,
        )
    request, _ = decisions.decision_run_or_request(
        actor=personas.case_handler,
        kind=DecisionKind.WITHDRAWAL,
        case=world.case,
        amount=world.case.claim_total,
        payload={"proceeding": proceeding.pk, "result_on": PAID_ON.isoformat(), "close": True},
        summary="Withdraw",
    )
    proceeding.refresh_from_db()
    assert proceeding.result == ""
    decisions.decision_approve(actor=personas.legal_manager, request=request)
    proceeding.refresh_from_db()
    assert (proceeding.result, proceeding.result_on, proceeding.is_active) == ("withdrawn", PAID_ON, False)


# --- steps and who decides ------------------------------------------------------------------------------


def test_a_sequence_of_two_approvers_decides_in_order(personas, world):
    _policy(personas, DecisionKind.COST_PAYMENT, roles=("branch_manager", "legal_manager"))
    request, _ = _cost_request(personas, world)
    assert list(request.steps.order_by("order").values_list("role", flat=True)) == ["branch_manager", "legal_manager"]
    # The second approver's turn has not come yet.
    with pytest.raises(PermissionDeniedError):
        decisions.decision_approve(actor=personas.legal_manager, request=request)
    step1 = decisions.decision_approve(actor=personas.branch_manager, request=request, comment="first")
    assert step1.state == "pending"
    assert CostEntry.objects.filter(case=world.case).count() == 0
    # The next approver was told.
    assert (
        Notification.objects.filter(recipient=personas.legal_manager, code="workflow.decision_requested").count() == 1
    )
    done = decisions.decision_approve(actor=personas.legal_manager, request=request, comment="second")
    assert done.state == "approved"
    steps = list(DecisionStep.objects.filter(request=request).order_by("order"))
    assert [(s.approver_id, s.decision, s.comment) for s in steps] == [
        (personas.branch_manager.pk, "approved", "first"),
        (personas.legal_manager.pk, "approved", "second"),
    ]
    assert CostEntry.objects.filter(case=world.case).count() == 1


def test_in_any_mode_one_of_the_roles_decides(personas, world):
    _policy(personas, DecisionKind.COST_PAYMENT, roles=("legal_manager", "administrator"), mode="any")
    request, _ = _cost_request(personas, world)
    assert list(request.steps.values_list("role", flat=True)) == ["legal_manager,administrator"]
    with pytest.raises(PermissionDeniedError):
        decisions.decision_approve(actor=personas.branch_manager, request=request)
    done = decisions.decision_approve(actor=personas.administrator, request=request)
    assert done.state == "approved" and CostEntry.objects.filter(case=world.case).count() == 1


def test_nobody_approves_their_own_request(personas, world):
    _policy(personas, DecisionKind.COST_PAYMENT, roles=("case_handler", "legal_manager"), mode="any")
    request, _ = _cost_request(personas, world)
    before = AuditEntry.objects.count()
    with pytest.raises(PermissionDeniedError) as refused:
        decisions.decision_approve(actor=personas.case_handler, request=request)
    assert refused.value.code == "self_approval"
    request.refresh_from_db()
    assert request.state == "pending" and AuditEntry.objects.count() == before
    assert not DecisionStep.objects.filter(request=request).exclude(decision="").exists()
    assert CostEntry.objects.count() == 0


def test_an_approver_who_cannot_see_the_case_is_refused(personas, world):
    # The outsider holds the role (case_handler) but works in another branch.
    _policy(personas, DecisionKind.COST_PAYMENT, roles=("case_handler",))
    colleague = _colleague(personas)
    request, _ = _cost_request(personas, world)
    before = AuditEntry.objects.count()
    with pytest.raises(PermissionDeniedError):
        decisions.decision_approve(actor=personas.outsider_branch, request=request)
    assert AuditEntry.objects.count() == before and CostEntry.objects.count() == 0
    # A colleague in scope with the role may; one whose role changed since may not.
    assert Notification.objects.filter(code="workflow.decision_requested").count() == 1
    assert not Notification.objects.filter(recipient=personas.outsider_branch).exists()
    from loanlit.accounts.models import Role

    colleague.role = Role.objects.get(code="read_only")
    colleague.save()
    with pytest.raises(PermissionDeniedError):
        decisions.decision_approve(actor=colleague, request=request)
    assert CostEntry.objects.count() == 0


def _colleague(personas):
    from loanlit.accounts import services as accounts

    return accounts.user_create(
        actor=None,
        username="colleague",
        password=None,
        role_code="case_handler",
        unit=personas.beijing,
        creditors=[personas.creditor],
    )


def test_a_request_nobody_could_approve_is_refused(personas, world):
    _policy(personas, DecisionKind.COST_PAYMENT, roles=("case_handler",))  # only the requester holds it in scope
    with pytest.raises(DomainError) as refused:
        _cost_request(personas, world)
    assert refused.value.code == "no_approver"
    assert DecisionRequest.objects.count() == 0 and CaseEvent.objects.filter(kind="decision_requested").count() == 0


def test_a_rejection_needs_a_comment_and_carries_nothing_out(personas, world):
    _policy(personas, DecisionKind.COST_PAYMENT)
    request, _ = _cost_request(personas, world)
    with pytest.raises(DomainError) as refused:
        decisions.decision_reject(actor=personas.legal_manager, request=request, comment="  ")
    assert refused.value.code == "comment_required"
    request.refresh_from_db()
    assert request.state == "pending"
    rejected = decisions.decision_reject(actor=personas.legal_manager, request=request, comment="too expensive")
    assert rejected.state == "rejected"
    step = DecisionStep.objects.get(request=request)
    assert (step.decision, step.comment, step.approver_id) == ("rejected", "too expensive", personas.legal_manager.pk)
    assert CostEntry.objects.count() == 0
    assert CaseEvent.objects.filter(case=world.case, kind="decision_rejected").count() == 1
    notice = Notification.objects.get(recipient=personas.case_handler, code="workflow.decision_decided")
    assert world.case.internal_no in notice.title


def test_a_failing_action_leaves_the_approval_recorded_and_writes_nothing_of_itself(personas, world):
    _policy(personas, DecisionKind.COST_PAYMENT)
    request, _ = _cost_request(personas, world)
    # The requester loses the right to edit cases before the approval: the executor (as requester) refuses.
    from loanlit.accounts.models import Role

    handler = personas.case_handler
    handler.role = Role.objects.get(code="read_only")
    handler.save()
    events_before = CaseEvent.objects.filter(case=world.case, kind="cost_paid").count()
    done = decisions.decision_approve(actor=personas.legal_manager, request=request, comment="fine")
    done.refresh_from_db()
    assert done.state == "failed"
    assert done.result["code"] == "permission_denied" and done.result["error"]
    assert DecisionStep.objects.get(request=request).decision == "approved"
    assert CostEntry.objects.count() == 0
    assert CaseEvent.objects.filter(case=world.case, kind="cost_paid").count() == events_before
    assert AuditEntry.objects.filter(action="decision.failed", stream=f"case:{world.case.pk}").count() == 1
    assert AuditEntry.objects.filter(action="cost.recorded").count() == 0


def test_the_requester_withdraws_a_pending_request(personas, world):
    _policy(personas, DecisionKind.COST_PAYMENT)
    request, _ = _cost_request(personas, world)
    with pytest.raises(PermissionDeniedError):
        decisions.decision_withdraw(actor=personas.legal_manager, request=request)
    withdrawn = decisions.decision_withdraw(actor=personas.case_handler, request=request)
    assert withdrawn.state == "withdrawn"
    with pytest.raises(DomainError):
        decisions.decision_approve(actor=personas.legal_manager, request=request)
    assert CostEntry.objects.count() == 0
    assert AuditEntry.objects.filter(action="decision.withdrawn", stream=f"case:{world.case.pk}").count() == 1


def test_a_viewer_cannot_ask_and_nothing_is_written(personas, world):
    _policy(personas, DecisionKind.COST_PAYMENT)
    before = (AuditEntry.objects.count(), DecisionRequest.objects.count(), CaseEvent.objects.count())
    for user in (personas.branch_manager, personas.outsider_branch):
        with pytest.raises(PermissionDeniedError):
            decisions.decision_run_or_request(
                actor=user,
                kind=DecisionKind.COST_PAYMENT,
                case=world.case,
                amount=Decimal("10.00"),
                payload={},
                summary="x",
            )
    assert (AuditEntry.objects.count(), DecisionRequest.objects.count(), CaseEvent.objects.count()) == before


def test_notifications_carry_the_case_number_and_kind_but_no_name_or_amount(personas, world):
    _policy(personas, DecisionKind.COST_PAYMENT)
    request, _ = _cost_request(personas, world, "1234.56")
    decisions.decision_approve(actor=personas.legal_manager, request=request)
    notices = list(Notification.objects.filter(code__startswith="workflow.decision_"))
    assert {n.recipient_id for n in notices} == {personas.legal_manager.pk, personas.case_handler.pk}
    for notice in notices:
        text = f"{notice.title} {notice.body} {notice.link}"
        assert world.case.internal_no in notice.title
        assert world.borrower.name not in text
        assert "1234.56" not in text and "1,234.56" not in text
        assert notice.link == f"/workflow/decisions/{request.pk}/"


def test_a_duplicate_pending_request_is_refused(personas, world):
    _policy(personas, DecisionKind.COST_PAYMENT)
    _cost_request(personas, world)
    with pytest.raises(DomainError) as refused:
        _cost_request(personas, world)
    assert refused.value.code == "already_pending"
    assert DecisionRequest.objects.count() == 1
