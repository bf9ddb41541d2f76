"""Applying a payment to what is owed (清偿抵充顺序).

* Before judgment: realisation costs → interest → principal (Civil Code art. 561), unless the parties
  agreed otherwise. Art. 561 does not rank the kinds of interest; the default here pays contractual
  interest before penalty and compound interest, oldest first, and an agreed order replaces it.
* In enforcement: the money debt fixed by the judgment first, then the doubled part of debt interest
  for delayed performance, unless the parties agreed otherwise (法释〔2014〕8号 art. 4).
* A judgment that states its own order of payment wins: pass that order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from loanlit.law.explain import Msg, register
from loanlit.law.money import CENT, LawInputError, require_money

COSTS: Final = "costs"
CONTRACT_INTEREST: Final = "contract_interest"
PENALTY_INTEREST: Final = "penalty_interest"
COMPOUND_INTEREST: Final = "compound_interest"
PRINCIPAL: Final = "principal"
JUDGMENT_DEBT: Final = "judgment_debt"
DELAYED_PERFORMANCE_INTEREST: Final = "delayed_performance_interest"

PRE_JUDGMENT_ORDER: Final[tuple[str, ...]] = (COSTS, CONTRACT_INTEREST, PENALTY_INTEREST, COMPOUND_INTEREST, PRINCIPAL)
ENFORCEMENT_ORDER: Final[tuple[str, ...]] = (JUDGMENT_DEBT, DELAYED_PERFORMANCE_INTEREST)


@dataclass(frozen=True)
class Allocation:
    """How one payment was applied: ``applied`` as ``(bucket, amount)`` in order of application,
    ``remainder`` what was left over once every listed bucket was paid (an overpayment)."""

    amount: Decimal
    applied: tuple[tuple[str, Decimal], ...]
    remainder: Decimal
    order: tuple[str, ...]
    explanation: tuple[Msg, ...]

    def to(self, bucket: str) -> Decimal:
        """Total applied to ``bucket``."""
        return sum((amount for name, amount in self.applied if name == bucket), Decimal(0))


register(
    {
        "allocation.pre_judgment": (
            "还款 {amount} 元按以下顺序抵充：{order}"
            "（《民法典》第五百六十一条：实现债权的有关费用、利息、主债务，另有约定的除外）",
            "Payment of CNY {amount} applied in the order {order} (Civil Code art. 561: costs, interest, principal, "
            "unless agreed otherwise)",
        ),
        "allocation.enforcement": (
            "执行款 {amount} 元先清偿生效法律文书确定的金钱债务，"
            "再清偿加倍部分债务利息（法释〔2014〕8号第四条）：{order}",
            "Enforcement recovery of CNY {amount} pays the judgment debt first, then the doubled interest for delayed "
            "performance (法释〔2014〕8号 art. 4): {order}",
        ),
        "allocation.agreed": (
            "还款 {amount} 元按约定或判决确定的顺序抵充：{order}",
            "Payment of CNY {amount} applied in the agreed or adjudged order {order}",
        ),
        "allocation.applied": (
            "抵充{bucket} {applied} 元",
            "{applied} applied to {bucket}",
        ),
        "allocation.remainder": (
            "超出应还款项的余额 {remainder} 元",
            "CNY {remainder} left over after everything listed was paid",
        ),
        "allocation.duplicate_bucket": (
            "抵充顺序中重复出现：{bucket}",
            "The order lists {bucket} twice",
        ),
        "allocation.not_cents": (
            "还款金额须精确到分：{amount}",
            "A payment must be in whole cents: {amount}",
        ),
    }
)


def allocate(
    amount: Decimal,
    balances: Mapping[str, Decimal] | Sequence[tuple[str, Decimal]],
    order: Sequence[str] = PRE_JUDGMENT_ORDER,
    *,
    explanation_code: str = "allocation.pre_judgment",
) -> Allocation:
    """Apply ``amount`` to ``balances`` bucket by bucket in ``order``.

    ``balances`` maps bucket → amount owed; a sequence of ``(bucket, owed)`` pairs lets one bucket hold
    several items (e.g. instalments oldest first), which are paid in the sequence's order within the
    bucket. Buckets not in ``order`` receive nothing. The default order is PRE_JUDGMENT_ORDER
    (Civil Code art. 561); use ENFORCEMENT_ORDER in enforcement (法释〔2014〕8号 art. 4), or the order
    the judgment or the contract states.
    """
    payment = require_money(amount, name="amount")
    if payment != payment.quantize(CENT):
        raise LawInputError("allocation.not_cents", amount=payment)
    seen: set[str] = set()
    for bucket in order:
        if bucket in seen:
            raise LawInputError("allocation.duplicate_bucket", bucket=bucket)
        seen.add(bucket)
    items = list(balances.items()) if isinstance(balances, Mapping) else list(balances)
    left = payment
    applied: list[tuple[str, Decimal]] = []
    for bucket in order:
        for name, owed in items:
            if name != bucket or left <= 0:
                continue
            due = require_money(owed, name=name)
            part = min(left, due)
            if part > 0:
                applied.append((bucket, part))
                left -= part
    lines = [Msg(explanation_code, {"amount": payment, "order": " → ".join(order)})]
    lines.extend(Msg("allocation.applied", {"bucket": bucket, "applied": part}) for bucket, part in applied)
    if left > 0:
        lines.append(Msg("allocation.remainder", {"remainder": left}))
    return Allocation(
        amount=payment, applied=tuple(applied), remainder=left, order=tuple(order), explanation=tuple(lines)
    )


def allocate_pre_judgment(
    amount: Decimal,
    balances: Mapping[str, Decimal] | Sequence[tuple[str, Decimal]],
    agreed_order: Sequence[str] | None = None,
) -> Allocation:
    """Civil Code art. 561 order, or the parties' ``agreed_order`` when they agreed one."""
    if agreed_order is not None:
        return allocate(amount, balances, agreed_order, explanation_code="allocation.agreed")
    return allocate(amount, balances, PRE_JUDGMENT_ORDER)


def allocate_in_enforcement(
    amount: Decimal,
    balances: Mapping[str, Decimal] | Sequence[tuple[str, Decimal]],
    judgment_order: Sequence[str] | None = None,
) -> Allocation:
    """Judgment debt first, then delayed-performance interest (法释〔2014〕8号 art. 4); a judgment's or
    agreement's own order (``judgment_order``) wins."""
    if judgment_order is not None:
        return allocate(amount, balances, judgment_order, explanation_code="allocation.agreed")
    return allocate(amount, balances, ENFORCEMENT_ORDER, explanation_code="allocation.enforcement")
