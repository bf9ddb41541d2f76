"""The actions decisions hold back: the registry (``register_action``), the context variable that lets a
running executor through its own gate, and the executors of the cases layer's actions (file suit, cost
payment, withdrawal)."""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from loanlit.cases.models import Case, CaseStage, CostEntry, Proceeding
from loanlit.core import money as m
from loanlit.core.errors import DomainError
from loanlit.workflow.models.decisions import DecisionKind, DecisionRequest

# --- the registry ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    execute: Callable[..., dict[str, Any]]
    on_reject: Callable[..., None] | None = None
    check: Callable[..., None] | None = None


registry: dict[str, Action] = {}
# The kind (and case) whose action runs right now through this module: its own gate lets it through.
_executing: contextvars.ContextVar[tuple[str, int | None] | None] = contextvars.ContextVar(
    "loanlit_decision_executing", default=None
)


def register_action(
    kind: str,
    *,
    execute: Callable[..., dict[str, Any]],
    on_reject: Callable[..., None] | None = None,
    check: Callable[..., None] | None = None,
) -> None:
    """Say how the decision ``kind`` is carried out (registering again replaces the earlier executor)."""
    if kind not in DecisionKind.values:
        raise ValueError(f"unknown decision kind {kind!r}")
    registry[kind] = Action(execute=execute, on_reject=on_reject, check=check)


def action_for(kind: str) -> Action:
    action = registry.get(kind)
    if action is None:
        raise DomainError(_("This decision cannot be carried out here."), code="no_executor")
    return action


def executing_kind(case: Any = None) -> str | None:
    """The decision kind whose action runs now for ``case`` (or without a case), or None."""
    running = _executing.get()
    if running is None:
        return None
    kind, case_id = running
    if case is not None and case_id is not None and getattr(case, "pk", None) != case_id:
        return None
    return kind


@contextmanager
def _running(kind: str, case: Any) -> Iterator[None]:
    token = _executing.set((kind, getattr(case, "pk", None)))
    try:
        yield
    finally:
        _executing.reset(token)


def run_action(
    *, actor: Any, kind: str, request: DecisionRequest | None, case: Any, payload: Mapping[str, Any]
) -> dict:
    action = action_for(kind)
    with _running(kind, case):
        result = action.execute(actor=actor, request=request, case=case, payload=dict(payload))
    return dict(result or {})


# --- the cases layer's actions ---------------------------------------------------------------------------


def _fresh_case(case: Any) -> Case:
    if case is None:
        raise DomainError(_("This decision needs a case."), code="no_case")
    return Case.objects.get(pk=case.pk)


def check_file_suit(*, actor: Any, case: Any, payload: Mapping[str, Any]) -> None:
    from loanlit.cases.models import CaseStageTransition
    from loanlit.cases.services.cases import stage_label

    case = _fresh_case(case)
    if not CaseStageTransition.objects.filter(from_stage_id=case.stage_id, to_stage_id=CaseStage.FILED).exists():
        raise DomainError(
            _("A case cannot move from “%(from)s” to “%(to)s”.")
            % {"from": stage_label(case.stage_id), "to": stage_label(CaseStage.FILED)},
            code="illegal_stage_move",
        )


def execute_file_suit(*, actor: Any, request: Any, case: Any, payload: Mapping[str, Any]) -> dict[str, Any]:
    from loanlit.cases.services import case_change_stage

    case = _fresh_case(case)
    # The version is read now: the case may have changed (harmlessly) while the approvers decided.
    case_change_stage(
        actor=actor, case=case, to_stage=CaseStage.FILED, version=case.version, note=str(payload.get("note", ""))
    )
    return {"stage": CaseStage.FILED}


def cost_payload(
    *,
    kind: str,
    amount: Decimal,
    paid_on: date,
    payer: str,
    borne_by_defendant: bool,
    proceeding: Proceeding | None = None,
    currency: str | None = None,
    note: str = "",
) -> dict[str, Any]:
    """``cost_record``'s arguments as a request's JSON payload (the proceeding by id)."""
    return {
        "kind": kind,
        "amount": f"{m.to_money(amount):.2f}",
        "paid_on": paid_on.isoformat(),
        "payer": payer,
        "borne_by_defendant": bool(borne_by_defendant),
        "proceeding": proceeding.pk if proceeding is not None else None,
        "currency": currency or "",
        "note": note or "",
    }


def _cost_arguments(case: Case, payload: Mapping[str, Any]) -> dict[str, Any]:
    proceeding = None
    if payload.get("proceeding"):
        proceeding = Proceeding.objects.filter(pk=payload["proceeding"], case_id=case.pk).first()
        if proceeding is None:
            raise DomainError(_("The proceeding belongs to another case."), code="proceeding_other_case")
    try:
        paid_on = date.fromisoformat(str(payload["paid_on"]))
        amount = m.to_money(str(payload["amount"]))
    except (KeyError, ValueError, m.MoneyError):
        raise DomainError(_("The request's parameters are not valid."), code="invalid_payload") from None
    return {
        "kind": str(payload.get("kind", "")),
        "amount": amount,
        "paid_on": paid_on,
        "payer": str(payload.get("payer", "")),
        "borne_by_defendant": bool(payload.get("borne_by_defendant")),
        "proceeding": proceeding,
        "currency": payload.get("currency") or None,
        "note": str(payload.get("note", "")),
    }


def check_cost(*, actor: Any, case: Any, payload: Mapping[str, Any]) -> None:
    arguments = _cost_arguments(_fresh_case(case), payload)
    if arguments["kind"] not in CostEntry.Kind.values:
        raise DomainError(_("Unknown kind of cost."), code="invalid_kind")
    if arguments["payer"] not in CostEntry.Payer.values:
        raise DomainError(_("Unknown payer."), code="invalid_payer")
    if arguments["amount"] <= 0:
        raise DomainError(_("Enter an amount greater than zero."), code="invalid_amount")


def execute_cost(*, actor: Any, request: Any, case: Any, payload: Mapping[str, Any]) -> dict[str, Any]:
    from loanlit.cases.services import cost_record

    case = _fresh_case(case)
    cost = cost_record(actor=actor, case=case, **_cost_arguments(case, payload))
    return {"cost_id": cost.pk}


def _withdrawal_proceeding(case: Case, payload: Mapping[str, Any]) -> Proceeding:
    proceeding = Proceeding.objects.filter(pk=payload.get("proceeding") or 0, case_id=case.pk).first()
    if proceeding is None:
        raise DomainError(_("The proceeding belongs to another case."), code="proceeding_other_case")
    return proceeding


def check_withdrawal(*, actor: Any, case: Any, payload: Mapping[str, Any]) -> None:
    proceeding = _withdrawal_proceeding(_fresh_case(case), payload)
    if proceeding.result == Proceeding.Result.WITHDRAWN:
        raise DomainError(_("This proceeding is already withdrawn."), code="already_withdrawn")
    try:
        date.fromisoformat(str(payload.get("result_on")))
    except ValueError:
        raise DomainError(_("The request's parameters are not valid."), code="invalid_payload") from None


def execute_withdrawal(*, actor: Any, request: Any, case: Any, payload: Mapping[str, Any]) -> dict[str, Any]:
    from loanlit.cases.services import proceeding_record_result

    proceeding = _withdrawal_proceeding(_fresh_case(case), payload)
    proceeding_record_result(
        actor=actor,
        proceeding=proceeding,
        result=Proceeding.Result.WITHDRAWN,
        result_on=date.fromisoformat(str(payload["result_on"])),
        version=proceeding.version,
        close=bool(payload.get("close", True)),
    )
    return {"proceeding_id": proceeding.pk}
