"""What the judgment debtor still owes in enforcement, to a day: the judgment debt and the doubled interest.

* The doubled part of debt interest for delayed performance (加倍部分债务利息) = the unpaid money debt fixed
  by the title *other than ordinary debt interest* × 0.0175 % per day × the days of delay (CPL art. 264;
  法释〔2014〕8号 art. 1). Ordinary interest, penalty and compound interest the judgment awarded carry none.
* The delay runs from the day after the performance period ends; a debtor who pays in parts stops it for
  each part on the day that part is paid (法释〔2014〕8号 art. 2), so the base falls with every payment.
* Money recovered pays the judgment debt first, then the doubled interest, unless the parties agreed
  another order (法释〔2014〕8号 art. 4); an order the judgment states wins.
* Within the judgment debt this module applies Civil Code art. 561 (costs, then interest, then principal)
  — the law does not say, and courts commonly do so [practice]; the order is a parameter.
* Rounding: the doubled interest is summed exactly over the periods and rounded half up once, at the end.

Earlier payments come in as recorded (what each paid to the judgment debt and to the doubled interest), so
replaying the ledger never re-decides a recorded allocation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Final

from loanlit.law.allocation import (
    DELAYED_PERFORMANCE_INTEREST,
    JUDGMENT_DEBT,
    Allocation,
    allocate,
    allocate_in_enforcement,
)
from loanlit.law.explain import Msg, register
from loanlit.law.interest import delayed_performance_exact, show_exact
from loanlit.law.money import LawInputError, require_money, round_half_up

__all__ = [
    "COSTS",
    "ORDINARY_INTEREST",
    "PRINCIPAL",
    "WITHIN_ORDER",
    "DebtPosition",
    "JudgmentDebt",
    "PaymentAllocation",
    "PriorPayment",
    "allocate_payment",
    "debt_position",
]

COSTS: Final = "costs"
ORDINARY_INTEREST: Final = "ordinary_interest"
PRINCIPAL: Final = "principal"
WITHIN_ORDER: Final[tuple[str, ...]] = (COSTS, ORDINARY_INTEREST, PRINCIPAL)
ZERO: Final = Decimal("0.00")


@dataclass(frozen=True)
class JudgmentDebt:
    """The money the title orders paid, in three parts.

    ``principal``: principal and other money debt (liquidated damages, lawyer's fees) — bears the doubled
    interest; ``ordinary_interest``: interest, penalty and compound interest as adjudged — bears none;
    ``costs``: court costs the debtor bears — bears it. ``performance_ends``: the last day of the
    performance period (None while the judgment is not yet effective: no delay yet).
    """

    principal: Decimal
    ordinary_interest: Decimal
    costs: Decimal
    performance_ends: date | None

    @property
    def total(self) -> Decimal:
        return self.principal + self.ordinary_interest + self.costs


@dataclass(frozen=True)
class PriorPayment:
    paid_on: date
    to_judgment_debt: Decimal
    to_delayed_interest: Decimal


@dataclass(frozen=True)
class DebtPosition:
    as_of: date
    costs: Decimal
    ordinary_interest: Decimal
    principal: Decimal
    delayed_accrued: Decimal
    delayed_paid: Decimal
    delay_days: int
    explanation: tuple[Msg, ...]

    @property
    def judgment_debt(self) -> Decimal:
        return self.costs + self.ordinary_interest + self.principal

    @property
    def delayed_outstanding(self) -> Decimal:
        return max(self.delayed_accrued - self.delayed_paid, ZERO)

    @property
    def total(self) -> Decimal:
        return self.judgment_debt + self.delayed_outstanding

    def balances(self) -> list[tuple[str, Decimal]]:
        """The buckets law.allocation pays in enforcement."""
        return [(JUDGMENT_DEBT, self.judgment_debt), (DELAYED_PERFORMANCE_INTEREST, self.delayed_outstanding)]


@dataclass(frozen=True)
class PaymentAllocation:
    before: DebtPosition
    allocation: Allocation


def _check_order(order: Sequence[str]) -> tuple[str, ...]:
    if sorted(order) != sorted(WITHIN_ORDER):
        raise LawInputError("enforcement_debt.bad_order", order=", ".join(order))
    return tuple(order)


def debt_position(
    debt: JudgmentDebt,
    payments: Sequence[PriorPayment],
    *,
    as_of: date,
    within_order: Sequence[str] = WITHIN_ORDER,
) -> DebtPosition:
    """Replay ``payments`` (those on or before ``as_of``) against ``debt`` and accrue the doubled interest."""
    order = _check_order(within_order)
    left = {
        COSTS: require_money(debt.costs, name="costs"),
        ORDINARY_INTEREST: require_money(debt.ordinary_interest, name="ordinary_interest"),
        PRINCIPAL: require_money(debt.principal, name="principal"),
    }
    ends = debt.performance_ends
    cursor = ends
    exact = Decimal(0)
    delayed_paid = ZERO
    lines: list[Msg] = [Msg("enforcement_debt.title", {"total": debt.total, "as_of": as_of.isoformat()})]

    def accrue(until: date) -> None:
        nonlocal cursor, exact
        if cursor is None or until <= cursor:
            return
        base = left[COSTS] + left[PRINCIPAL]
        days = (until - cursor).days
        if base > 0:
            part = delayed_performance_exact(base, days)
            exact += part
            lines.append(
                Msg(
                    "enforcement_debt.segment",
                    {
                        "start": cursor.isoformat(),
                        "end": until.isoformat(),
                        "base": base,
                        "days": days,
                        "exact": show_exact(part),
                    },
                )
            )
        cursor = until

    for payment in sorted(payments, key=lambda p: p.paid_on):
        if payment.paid_on > as_of:
            continue
        accrue(payment.paid_on)
        within = allocate(require_money(payment.to_judgment_debt, name="to_judgment_debt"), left, order)
        for bucket, part in within.applied:
            left[bucket] -= part
        to_debt = within.remainder
        if to_debt > 0:
            # The debt was lowered after this payment (a cost refunded): the excess is shown, not re-applied.
            lines.append(Msg("enforcement_debt.overpaid", {"paid_on": payment.paid_on.isoformat(), "excess": to_debt}))
        delayed_paid += require_money(payment.to_delayed_interest, name="to_delayed_interest")
        lines.append(
            Msg(
                "enforcement_debt.payment",
                {
                    "paid_on": payment.paid_on.isoformat(),
                    "debt": payment.to_judgment_debt,
                    "delayed": payment.to_delayed_interest,
                },
            )
        )
    accrue(as_of)
    accrued = round_half_up(exact)
    if ends is None:
        lines.append(Msg("enforcement_debt.not_effective"))
    delay_days = max((as_of - ends).days, 0) if ends is not None else 0
    lines.append(
        Msg(
            "enforcement_debt.summary",
            {
                "debt": left[COSTS] + left[ORDINARY_INTEREST] + left[PRINCIPAL],
                "accrued": accrued,
                "paid": delayed_paid,
                "as_of": as_of.isoformat(),
            },
        )
    )
    return DebtPosition(
        as_of=as_of,
        costs=left[COSTS],
        ordinary_interest=left[ORDINARY_INTEREST],
        principal=left[PRINCIPAL],
        delayed_accrued=accrued,
        delayed_paid=delayed_paid,
        delay_days=delay_days,
        explanation=tuple(lines),
    )


def allocate_payment(
    debt: JudgmentDebt,
    payments: Sequence[PriorPayment],
    *,
    amount: Decimal,
    paid_on: date,
    order: Sequence[str] | None = None,
    within_order: Sequence[str] = WITHIN_ORDER,
) -> PaymentAllocation:
    """Apply a new recovery on ``paid_on``: judgment debt first, then the doubled interest accrued to that day
    (法释〔2014〕8号 art. 4), or ``order`` where the judgment or the parties set another."""
    before = debt_position(debt, payments, as_of=paid_on, within_order=within_order)
    allocation = allocate_in_enforcement(amount, before.balances(), judgment_order=order)
    return PaymentAllocation(before=before, allocation=allocation)


register(
    {
        "enforcement_debt.title": (
            "生效法律文书确定的金钱债务 {total} 元，计算至 {as_of}",
            "Money debt fixed by the title CNY {total}, computed to {as_of}",
        ),
        "enforcement_debt.segment": (
            "{start} 至 {end}：未清偿的除一般债务利息之外的金钱债务 {base} 元 × 日万分之一点七五"
            " × {days} 日 = {exact} 元（《民事诉讼法》第264条；法释〔2014〕8号第1条）",
            "{start} to {end}: unpaid money debt other than ordinary interest CNY {base} × 0.0175% a day × {days} "
            "days = {exact} (CPL art. 264; SPC Interpretation 2014 No. 8 art. 1)",
        ),
        "enforcement_debt.payment": (
            "{paid_on} 收到执行款：抵充金钱债务 {debt} 元，抵充加倍部分债务利息 {delayed} 元",
            "{paid_on} recovery: {debt} to the judgment debt, {delayed} to the doubled interest",
        ),
        "enforcement_debt.not_effective": (
            "判决尚未确定生效及履行期限，暂不计算迟延履行期间的加倍部分债务利息",
            "The judgment's effective date and performance period are not known yet: no doubled interest yet",
        ),
        "enforcement_debt.summary": (
            "截至 {as_of}：尚欠金钱债务 {debt} 元；加倍部分债务利息累计 {accrued} 元，已付 {paid} 元",
            "As of {as_of}: judgment debt outstanding CNY {debt}; doubled interest accrued {accrued}, paid {paid}",
        ),
        "enforcement_debt.overpaid": (
            "{paid_on} 的执行款抵充金钱债务超出应还金额 {excess} 元",
            "The recovery of {paid_on} paid {excess} more to the judgment debt than was owed",
        ),
        "enforcement_debt.bad_order": (
            "金钱债务内部的抵充顺序须包含费用、利息、本金各一次：{order}",
            "The order within the judgment debt must list costs, interest and principal once each: {order}",
        ),
    }
)
