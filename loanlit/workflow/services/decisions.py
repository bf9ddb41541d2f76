"""Internal approvals (maker-checker) — CONTRACT, to be implemented.

Public API other areas code against (settlements, file-suit gate, cost payment, withdrawal, PD export):

    register_action(kind, *, execute, on_reject=None)
        execute(*, actor, request, case, payload) -> dict   # runs the action; raises DomainError to refuse
        on_reject(*, actor, request, case, payload) -> None # optional: undo the "awaiting" state
    policy_for(*, kind, creditor, amount) -> ApprovalPolicy | None
    decision_run_or_request(*, actor, kind, case, amount, currency="CNY", payload, summary, reason="")
        -> tuple[DecisionRequest | None, dict | None]
        # no policy applies → the action runs now: (None, result); else a pending request: (request, None)
    decision_approve(*, actor, request, comment="") -> DecisionRequest
    decision_reject(*, actor, request, comment) -> DecisionRequest
    decision_withdraw(*, actor, request) -> DecisionRequest
"""

from __future__ import annotations


def connect() -> None:
    """Register this area's hooks on the cases layer (called once from apps.ready)."""
