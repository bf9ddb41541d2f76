"""What the defendant owes on a case, exact to the cent (read-only helpers shared by services and selectors).

Before judgment the claim stands (claim_total, which includes the claim's fees) plus the costs borne
by the defendant (net of refunds), less every recovery. Once a judgment exists the adjudicated amount
replaces the claim — the court already deducted what was paid before — and only recoveries received
after the judgment count against it. Lawyer's fees: an adjudicated ``lawyer_fee`` item is in the
adjudicated amount, so the cost ledger's lawyer's fee should not also be marked borne by the defendant.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F

from loanlit.cases.models import Case, CostEntry, Judgment, Recovery
from loanlit.core.fields import money_sum

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class CaseOutstanding:
    currency: str
    claimed: Decimal
    adjudicated: Decimal | None
    costs_borne_by_defendant: Decimal
    recovered: Decimal  # every recovery on the case
    recovered_counted: Decimal  # the recoveries counted against the claim or the judgment
    outstanding: Decimal
    overpaid: Decimal


def latest_judgment(case: Case) -> Judgment | None:
    return (
        Judgment.objects.filter(proceeding__case=case)
        .exclude(kind=Judgment.Kind.RULING)
        .order_by("-judged_on", "-pk")
        .first()
    )


def costs_borne(case: Case) -> Decimal:
    rows = CostEntry.objects.filter(case=case, borne_by_defendant=True)
    return money_sum(rows, F("amount") - F("refunded_amount"))


def allocated_so_far(case: Case, phase: str) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for allocation in Recovery.objects.filter(case=case, phase=phase).values_list("allocation", flat=True):
        for bucket, amount in allocation.get("applied", []):
            totals[bucket] += Decimal(amount)
    return totals


def case_outstanding(case: Case) -> CaseOutstanding:
    judgment = latest_judgment(case)
    costs = costs_borne(case)
    recoveries = Recovery.objects.filter(case=case)
    recovered = money_sum(recoveries, "amount")
    if judgment is not None:
        base = judgment.adjudicated_amount + costs
        counted = money_sum(recoveries.filter(phase=Recovery.Phase.ENFORCEMENT), "amount")
    else:
        base = case.claim_total + costs
        counted = recovered
    left = base - counted
    return CaseOutstanding(
        currency=case.claim_currency,
        claimed=case.claim_total,
        adjudicated=judgment.adjudicated_amount if judgment is not None else None,
        costs_borne_by_defendant=costs,
        recovered=recovered,
        recovered_counted=counted,
        outstanding=max(left, ZERO),
        overpaid=max(-left, ZERO),
    )
