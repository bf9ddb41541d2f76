"""Stage gates: how higher layers (documents, workflow) veto a stage move without cases importing them.

A gate is ``gate(case, target_stage_code) -> str | None``: a translated refusal, or None to let the move
through. ``case_change_stage`` (and ``case_close``) ask every registered gate inside the service's
transaction, after the transition itself was found legal and before anything is written; the first
refusal becomes a ``DomainError`` (code ``stage_gate``) and nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from loanlit.core.errors import DomainError

StageGate = Callable[[Any, str], "str | None"]

_gates: list[StageGate] = []


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
