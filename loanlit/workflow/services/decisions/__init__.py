"""Internal approvals (maker-checker): policies, requests, decisions and the actions they hold back.

Public API other areas code against (settlements, file-suit gate, cost payment, withdrawal, PD export):

    register_action(kind, *, execute, on_reject=None, check=None)
        execute(*, actor, request, case, payload) -> dict   # runs the action; raises DomainError to refuse
        on_reject(*, actor, request, case, payload) -> None # optional: undo the "awaiting" state (also on withdraw)
        check(*, actor, case, payload) -> None              # optional: refuse a request the action could not run
    policy_for(*, kind, creditor, amount) -> ApprovalPolicy | None
    decision_run_or_request(*, actor, kind, case, amount, currency="CNY", payload, summary, reason="",
                            creditor=None, threshold=None)
        -> tuple[DecisionRequest | None, dict | None]
        # no policy applies → the action runs now: (None, result); else a pending request: (request, None)
    decision_approve(*, actor, request, comment="") -> DecisionRequest
    decision_reject(*, actor, request, comment) -> DecisionRequest
    decision_withdraw(*, actor, request) -> DecisionRequest

Rules:

* Policy selection: the creditor's own active policies of the kind when it has any, else the global ones
  (``creditor`` empty); among them the one with the highest ``min_amount`` that the amount reaches.
* Steps come from the policy's roles: ``sequence`` — one step per role, in order; ``any`` — one step that
  any of the roles decides. An approver is an active user whose role is the step's (or one of them), who
  can see the case (for a request without a case: within its creditor and unit), and never the requester
  (separation of duties) — checked again at each decision, since roles and scope change.
* The last approval runs the executor in the same transaction, with the requester as actor, inside a
  savepoint: a ``DomainError`` leaves the approval recorded and the request FAILED with the translated
  reason in ``result``; nothing of the action is written.
* While an executor runs, the gates of this module let its own action through (a context variable).
* Audited on the case stream (the global stream for a request without a case); the request and its outcome
  are on the case timeline; approvers and the requester are notified in the application with the internal
  case number, the kind and a link only (DESIGN rule 11: never a name or an amount).
"""

from loanlit.workflow.services.decisions.actions import cost_payload, executing_kind, register_action
from loanlit.workflow.services.decisions.gates import connect
from loanlit.workflow.services.decisions.policies import (
    MANAGE_CODE,
    MAX_ROLES,
    approval_policy_create,
    approval_policy_deactivate,
    approval_policy_update,
    may_manage_policies,
    policy_for,
)
from loanlit.workflow.services.decisions.requests import (
    COMMENT_MAX_LENGTH,
    approver_candidates,
    current_step,
    decision_approve,
    decision_reject,
    decision_run_or_request,
    decision_withdraw,
    may_decide,
    step_roles,
)

__all__ = [
    "COMMENT_MAX_LENGTH",
    "MANAGE_CODE",
    "MAX_ROLES",
    "approval_policy_create",
    "approval_policy_deactivate",
    "approval_policy_update",
    "approver_candidates",
    "connect",
    "cost_payload",
    "current_step",
    "decision_approve",
    "decision_reject",
    "decision_run_or_request",
    "decision_withdraw",
    "executing_kind",
    "may_decide",
    "may_manage_policies",
    "policy_for",
    "register_action",
    "step_roles",
]
