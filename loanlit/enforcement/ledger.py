"""Read-only helpers shared by the enforcement services and selectors: the judgment debt as law sees it,
the enforcement recoveries replayed, the position to a day, and how recoveries split after a write-off or
a debt transfer. Nothing here writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Final

from loanlit.cases import ledger as case_ledger
from loanlit.cases.models import Case, JudgmentItem, Recovery
from loanlit.core.fields import money_sum
from loanlit.enforcement.models import DebtTransferItem, EnforcementRecord, WriteOff
from loanlit.law import allocation as alloc
from loanlit.law.enforcement_debt import DebtPosition, JudgmentDebt, PriorPayment, debt_position

ZERO: Final = Decimal("0.00")
INTEREST_ITEMS: Final = frozenset({JudgmentItem.Kind.INTEREST, JudgmentItem.Kind.PENALTY, JudgmentItem.Kind.COMPOUND})
PRINCIPAL_ITEMS: Final = frozenset({JudgmentItem.Kind.PRINCIPAL, JudgmentItem.Kind.LAWYER_FEE})
DELAYED_FIRST: Final = (alloc.DELAYED_PERFORMANCE_INTEREST, alloc.JUDGMENT_DEBT)


def judgment_debt(case: Case) -> JudgmentDebt | None:
    """The latest judgment's money debt in law.enforcement_debt's three parts (None before judgment)."""
    judgment = case_ledger.latest_judgment(case)
    if judgment is None:
        return None
    items = JudgmentItem.objects.filter(judgment=judgment, amount__isnull=False)
    return JudgmentDebt(
        principal=money_sum(items.filter(kind__in=PRINCIPAL_ITEMS), "amount"),
        ordinary_interest=money_sum(items.filter(kind__in=INTEREST_ITEMS), "amount"),
        costs=case_ledger.costs_borne(case),
        performance_ends=judgment.performance_ends,
    )


def prior_payments(case: Case) -> list[PriorPayment]:
    """Every enforcement-phase recovery as its recorded allocation applied it."""
    rows = Recovery.objects.filter(case=case, phase=Recovery.Phase.ENFORCEMENT).order_by("received_on", "pk")
    payments = []
    for received_on, allocation in rows.values_list("received_on", "allocation"):
        parts = {alloc.JUDGMENT_DEBT: ZERO, alloc.DELAYED_PERFORMANCE_INTEREST: ZERO}
        for bucket, amount in (allocation or {}).get("applied", []):
            if bucket in parts:
                parts[bucket] += Decimal(amount)
        payments.append(
            PriorPayment(received_on, parts[alloc.JUDGMENT_DEBT], parts[alloc.DELAYED_PERFORMANCE_INTEREST])
        )
    return payments


def allocation_order(case: Case) -> tuple[str, ...] | None:
    """The order of payment the latest enforcement record states; None is the statutory order."""
    record = EnforcementRecord.objects.filter(case=case).order_by("-applied_on", "-pk").first()
    if record is not None and record.allocation_order == EnforcementRecord.AllocationOrder.DELAYED_INTEREST_FIRST:
        return DELAYED_FIRST
    return None


def position(case: Case, as_of: date) -> DebtPosition | None:
    debt = judgment_debt(case)
    if debt is None:
        return None
    return debt_position(debt, prior_payments(case), as_of=as_of)


@dataclass(frozen=True)
class RecoverySplit:
    """Recoveries of a case divided by the write-off date and by a debt transfer's base date."""

    currency: str
    total: Decimal
    before_write_off: Decimal
    after_write_off: Decimal
    write_off_on: date | None
    for_the_bank: Decimal
    for_the_buyer: Decimal
    transfer_base_date: date | None


def first_write_off_on(case: Case) -> date | None:
    """The first write-off of a loan in the case: recoveries from that day on count as after write-off."""
    return (
        WriteOff.objects.filter(case=case).order_by("written_off_on").values_list("written_off_on", flat=True).first()
    )


def transfer_base_date(case: Case) -> date | None:
    item = DebtTransferItem.objects.filter(case=case).select_related("transfer").first()
    return item.transfer.base_date if item is not None else None


def recovery_split(case: Case) -> RecoverySplit:
    recoveries = Recovery.objects.filter(case=case)
    total = money_sum(recoveries, "amount")
    written_off = first_write_off_on(case)
    after_wo = money_sum(recoveries.filter(received_on__gte=written_off), "amount") if written_off else ZERO
    base = transfer_base_date(case)
    buyer = money_sum(recoveries.filter(received_on__gt=base), "amount") if base else ZERO
    return RecoverySplit(
        currency=case.claim_currency,
        total=total,
        before_write_off=total - after_wo,
        after_write_off=after_wo,
        write_off_on=written_off,
        for_the_bank=total - buyer,
        for_the_buyer=buyer,
        transfer_base_date=base,
    )
