"""The stage and action gates that hold the cases layer's file suit, cost payment and withdrawal back
for approval, and ``connect()``, which registers them, the executors and the case panel."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from loanlit.cases import gates as case_gates
from loanlit.cases.models import CaseStage
from loanlit.workflow.models.decisions import DecisionKind
from loanlit.workflow.services.decisions.actions import (
    check_cost,
    check_file_suit,
    check_withdrawal,
    execute_cost,
    execute_file_suit,
    execute_withdrawal,
    executing_kind,
    register_action,
)
from loanlit.workflow.services.decisions.policies import policy_for

# --- the gates -------------------------------------------------------------------------------------------


def _refusal(kind: str, case: Any, amount: Decimal | None) -> str | None:
    if executing_kind(case) == kind:
        return None
    if policy_for(kind=kind, creditor=case.creditor_id, amount=amount) is None:
        return None
    messages = {
        DecisionKind.FILE_SUIT: _(
            "Filing this suit needs internal approval. Ask for it with “File the suit” in the case's "
            "Internal approvals panel; the case moves once the approvers agree."
        ),
        DecisionKind.COST_PAYMENT: _(
            "Paying this cost needs internal approval. Ask for it with “Pay a cost” in the case's "
            "Internal approvals panel; the cost is recorded once the approvers agree."
        ),
        DecisionKind.WITHDRAWAL: _(
            "Withdrawing this suit needs internal approval. Ask for it with “Withdraw” in the case's "
            "Internal approvals panel; the result is recorded once the approvers agree."
        ),
    }
    return str(messages[DecisionKind(kind)])


def filing_gate(case: Any, target: str) -> str | None:
    """Stage gate: a move to "filed" waits for approval when a FILE_SUIT policy applies to the claim."""
    if target != CaseStage.FILED:
        return None
    return _refusal(DecisionKind.FILE_SUIT, case, case.claim_total)


def action_gate(action: str, case: Any, amount: Decimal | None) -> str | None:
    """Action gate: a cost payment or a withdrawal waits for approval when a policy applies."""
    if action == case_gates.ACTION_COST_PAYMENT:
        return _refusal(DecisionKind.COST_PAYMENT, case, amount)
    if action == case_gates.ACTION_WITHDRAWAL:
        return _refusal(DecisionKind.WITHDRAWAL, case, amount)
    return None


def connect() -> None:
    """Register this area's hooks on the cases layer (called once from apps.ready)."""
    from loanlit.cases.panels import Panel, register_case_panel

    case_gates.register_stage_gate(filing_gate)
    case_gates.register_action_gate(action_gate)
    register_action(DecisionKind.FILE_SUIT, execute=execute_file_suit, check=check_file_suit)
    register_action(DecisionKind.COST_PAYMENT, execute=execute_cost, check=check_cost)
    register_action(DecisionKind.WITHDRAWAL, execute=execute_withdrawal, check=check_withdrawal)

    from loanlit.workflow import panels_decisions

    register_case_panel(
        Panel("decisions", "workflow/decisions/partials/case_panel.html", panels_decisions.case_context, order=40)
    )
