"""Stage gates: how higher layers (documents, workflow) veto a stage move without cases importing them.

A stage gate is ``gate(case, target_stage_code) -> str | None``: a translated refusal, or None to let the move
through. ``case_change_stage`` (and ``case_close``) ask every registered gate inside the service's
transaction, after the transition itself was found legal and before anything is written; the first
refusal becomes a ``DomainError`` (code ``stage_gate``) and nothing changes.

An action gate is ``gate(action, case, amount) -> str | None`` for decisions other than a stage move that a
higher layer may hold back (the workflow app's maker-checker approvals): ``cost_payment`` (``cost_record``)
and ``withdrawal`` (``proceeding_record_result`` with the result "withdrawn"). The refusal becomes a
``DomainError`` with code ``action_gate``.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, Final

from loanlit.core.errors import DomainError

StageGate = Callable[[Any, str], "str | None"]
ActionGate = Callable[[str, Any, "Decimal | None"], "str | None"]

ACTION_COST_PAYMENT: Final = "cost_payment"
ACTION_WITHDRAWAL: Final = "withdrawal"

_gates: list[StageGate] = []
_action_gates: list[ActionGate] = []


def register_stage_gate(gate: StageGate) -> StageGate:
    """Ask ``gate`` before every stage move; registering twice is a no-op (usable as decorator)."""
    if gate not in _gates:
        _gates.append(gate)
    return gate


def unregister_stage_gate(gate: StageGate) -> None:
    if gate in _gates:
        _gates.remove(gate)


def stage_refusal(case: Any, target: str) -> str | None:
    """The first gate's refusal of moving ``case`` to ``target``, or None."""
    for gate in list(_gates):
        refusal = gate(case, target)
        if refusal:
            return str(refusal)
    return None


def require_stage_allowed(case: Any, target: str) -> None:
    refusal = stage_refusal(case, target)
    if refusal:
        raise DomainError(refusal, code="stage_gate", params={"to": target})


def register_action_gate(gate: ActionGate) -> ActionGate:
    """Ask ``gate`` before every gated action; registering twice is a no-op (usable as decorator)."""
    if gate not in _action_gates:
        _action_gates.append(gate)
    return gate


def unregister_action_gate(gate: ActionGate) -> None:
    if gate in _action_gates:
        _action_gates.remove(gate)


def require_action_allowed(action: str, case: Any, amount: Decimal | None = None) -> None:
    for gate in list(_action_gates):
        refusal = gate(action, case, amount)
        if refusal:
            raise DomainError(str(refusal), code="action_gate", params={"action": action})
