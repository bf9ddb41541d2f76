"""Reads of settlement plans, scoped through their case (DESIGN rule 2): out of scope is a 404 like a missing id."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch
from django.http import Http404

from loanlit.cases import access
from loanlit.cases.models import Case, Proceeding
from loanlit.cases.positions import ENFORCEMENT_KINDS, current_proceeding
from loanlit.workflow.models import SettlementInstalment, SettlementPayment, SettlementPlan, Task

ZERO = Decimal("0.00")


def settlement_get_for_user(*, user: Any, pk: int) -> SettlementPlan:
    """One plan with its case; 404 unless the case is in ``user``'s scope."""
    plan = (
        SettlementPlan.objects.filter(pk=pk, case__in=access.cases_visible_to(user))
        .select_related("case", "created_by", "decision")
        .first()
    )
    if plan is None:
        raise Http404
    return plan


def settlements_for_case(*, user: Any, case: Case) -> list[SettlementPlan]:
    """The case's plans, newest first, each with its instalments; 404 outside scope."""
    if not access.can_view(user, case):
        raise Http404
    instalments = SettlementInstalment.objects.order_by("seq")
    return list(
        SettlementPlan.objects.filter(case_id=case.pk)
        .prefetch_related(Prefetch("instalments", queryset=instalments))
        .order_by("-agreed_on", "-pk")
    )


@dataclass(frozen=True)
class PlanView:
    plan: SettlementPlan
    instalments: list[SettlementInstalment]
    payments: list[SettlementPayment]
    tasks: list[Task]
    paid: Decimal
    outstanding: Decimal
    next_due: SettlementInstalment | None


def plan_view(plan: SettlementPlan) -> PlanView:
    """What the plan page shows (the caller already scoped ``plan``)."""
    instalments = list(plan.instalments.order_by("seq"))
    payments = list(
        SettlementPayment.objects.filter(plan_id=plan.pk)
        .select_related("instalment", "recovery")
        .order_by("received_on", "pk")
    )
    tasks = list(Task.objects.filter(source_key__startswith=f"settlement:{plan.pk}:").order_by("pk"))
    paid = sum((row.paid for row in instalments), ZERO)
    unpaid = [row for row in instalments if row.status != SettlementInstalment.Status.PAID]
    return PlanView(
        plan=plan,
        instalments=instalments,
        payments=payments,
        tasks=tasks,
        paid=paid,
        outstanding=plan.total - paid,
        next_due=unpaid[0] if unpaid else None,
    )


@dataclass(frozen=True)
class PanelRow:
    plan: SettlementPlan
    paid: Decimal
    next_due: SettlementInstalment | None


def panel_rows(*, user: Any, case: Case) -> list[PanelRow]:
    rows = []
    for plan in settlements_for_case(user=user, case=case):
        instalments = list(plan.instalments.all())
        unpaid = [row for row in instalments if row.status != SettlementInstalment.Status.PAID]
        rows.append(
            PanelRow(
                plan=plan, paid=sum((row.paid for row in instalments), ZERO), next_due=unpaid[0] if unpaid else None
            )
        )
    return rows


def default_phase(case: Case) -> str:
    """The phase a new plan most likely has, from the case's procedural position (a plan is never in
    enforcement: that settlement is recorded in the enforcement app)."""
    proceeding = current_proceeding(case)
    if proceeding is None or not proceeding.is_active:
        return SettlementPlan.Phase.BEFORE_SUIT
    if proceeding.kind in ENFORCEMENT_KINDS or proceeding.kind == Proceeding.Kind.PRESERVATION:
        return SettlementPlan.Phase.BEFORE_SUIT
    return SettlementPlan.Phase.IN_COURT


def enforcement_under_way(case: Case) -> bool:
    """Whether a settlement on ``case`` now belongs to the enforcement app (its enforcement is under way)."""
    from loanlit.workflow.services.settlements import active_enforcement_proceeding

    return active_enforcement_proceeding(case.pk) is not None
