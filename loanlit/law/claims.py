"""Claim statements (诉讼请求金额): principal and each kind of interest to a cut-off date, line by line.

Loan claim (``loan_claim``), the rules applied:

* Contract interest (Civil Code arts. 674, 676) accrues at the contract rate (rate segments over time)
  on principal that is not yet overdue, from the value date. It falls due on the interest due dates
  (default: the instalment due dates), on the last instalment's due date and on an acceleration date;
  the amount falling due is rounded to the cent on that day, as the bank bills it.
* Penalty interest (罚息; 银发〔2003〕251号 item 3) accrues on overdue principal only: each instalment's
  principal from its own due date, or all outstanding principal from the acceleration date
  (宣布提前到期), at the penalty rate (contract rate × (1 + markup), or an agreed penalty-rate schedule).
  Overdue principal bears penalty interest instead of contract interest.
* Compound interest (复利; same item) accrues only on contractual interest that fell due unpaid, from
  its due date, at the penalty rate unless the contract sets another rate; never on penalty interest or
  on compound interest.
* Days: (start, end] counting, basis from the contract (see interest.py). Exact amounts accumulate
  unrounded; each line is rounded half-up to the cent at the end, and the total is the sum of the
  rounded lines, as a judgment shows them. On a repayment day the running penalty and compound interest
  are rounded to the cent before the payment is applied (a payment settles whole cents).
* Repayments are applied per Civil Code art. 561 (allocation.PRE_JUDGMENT_ORDER) unless an agreed order
  is given; within a bucket the oldest item first; principal not yet due last.

Also: guarantor recourse (``recourse_claim``: 代偿款 + 资金占用费, Civil Code art. 700) and the
enforcement statement (``enforcement_claim``: judgment debt + delayed-performance interest, CPL art. 264).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Final

from loanlit.law import allocation as alloc
from loanlit.law.explain import Msg, register
from loanlit.law.interest import (
    DayCountBasis,
    RateSegment,
    check_basis,
    check_segments,
    day_count,
    delayed_performance_exact,
    exact_interest,
    rate_on,
    require_rate,
    show_exact,
)
from loanlit.law.lpr import LprTable, lpr_on
from loanlit.law.money import LawInputError, require_money, round_half_up

RECOURSE_PRINCIPAL: Final = "recourse_principal"
FUND_OCCUPATION_FEE: Final = "fund_occupation_fee"
ZERO: Final = Decimal(0)


@dataclass(frozen=True)
class Instalment:
    """Principal falling due on ``due`` under the repayment schedule (a bullet loan has one)."""

    due: date
    principal: Decimal


@dataclass(frozen=True)
class Payment:
    """Money paid (a repayment, a guarantor's payment, an enforcement recovery) on ``paid_on``."""

    paid_on: date
    amount: Decimal


@dataclass(frozen=True)
class Cost:
    """A cost of realising the claim (实现债权的有关费用, Civil Code art. 561), owed from ``incurred_on``."""

    incurred_on: date
    amount: Decimal
    label: str = ""


@dataclass(frozen=True)
class LoanTerms:
    """The contract terms a loan claim is computed from.

    ``contract_rates``: rate segments (%/year) from the value date on. ``penalty_rates`` (optional):
    an agreed penalty-rate schedule, otherwise contract rate × (1 + ``penalty_markup_pct`` %).
    ``compound_rates`` (optional): an agreed compound rate, otherwise the penalty rate; ``compound=False``
    when the contract provides none. ``interest_due_dates``: when contract interest falls due
    (empty: the instalment due dates). ``acceleration_date``: the day all principal was declared due.
    """

    principal: Decimal
    value_date: date
    contract_rates: tuple[RateSegment, ...]
    instalments: tuple[Instalment, ...]
    basis: DayCountBasis = "actual/360"
    penalty_markup_pct: Decimal = Decimal("50")
    penalty_rates: tuple[RateSegment, ...] = ()
    compound_rates: tuple[RateSegment, ...] = ()
    compound: bool = True
    interest_due_dates: tuple[date, ...] = ()
    acceleration_date: date | None = None


@dataclass(frozen=True)
class AccrualDetail:
    """One accrual step: ``base`` × ``rate_pct`` over the counted days ``from_day``..``to_day``."""

    kind: str
    from_day: date
    to_day: date
    base: Decimal
    rate_pct: Decimal
    days: int
    exact: Decimal


@dataclass(frozen=True)
class ClaimLine:
    """One line of the statement: ``amount`` owed at the cut-off (rounded), from ``exact``;
    ``accrued`` and ``paid`` are the exact amounts that arose and were paid in the period."""

    kind: str
    amount: Decimal
    exact: Decimal
    accrued: Decimal
    paid: Decimal
    details: tuple[AccrualDetail, ...]
    explanation: tuple[Msg, ...]


@dataclass(frozen=True)
class ClaimStatement:
    """A claim to ``cutoff`` (暂计至): ``lines`` in display order, ``total`` = sum of the rounded lines."""

    cutoff: date
    lines: tuple[ClaimLine, ...]
    total: Decimal
    allocations: tuple[alloc.Allocation, ...]
    explanation: tuple[Msg, ...]

    def amount(self, kind: str) -> Decimal:
        """The rounded amount of line ``kind`` (0 when the statement has no such line)."""
        return next((line.amount for line in self.lines if line.kind == kind), ZERO)

    @property
    def totals(self) -> dict[str, Decimal]:
        """``{kind: amount}`` for every line plus ``"total"``."""
        return {**{line.kind: line.amount for line in self.lines}, "total": self.total}

    @property
    def interest_total(self) -> Decimal:
        kinds = (alloc.CONTRACT_INTEREST, alloc.PENALTY_INTEREST, alloc.COMPOUND_INTEREST)
        return sum((line.amount for line in self.lines if line.kind in kinds), ZERO)


register(
    {
        "claim.line.principal": (
            "借款本金 {amount} 元（《民法典》第六百七十五条）",
            "Principal CNY {amount} (Civil Code art. 675)",
        ),
        "claim.line.contract_interest": (
            "利息 {amount} 元：按合同利率计算（《民法典》第六百七十四条）",
            "Contract interest CNY {amount} at the contract rate (Civil Code art. 674)",
        ),
        "claim.line.penalty_interest": (
            "罚息 {amount} 元：逾期本金按罚息利率计收，分期本金自各自到期日、宣布提前到期的自提前到期日起算"
            "（银发〔2003〕251号第三条；《民法典》第六百七十六条）",
            "Penalty interest CNY {amount} on overdue principal only, each instalment from its own due date, or all "
            "principal from the acceleration date (银发〔2003〕251号 item 3; Civil Code art. 676)",
        ),
        "claim.line.compound_interest": (
            "复利 {amount} 元：仅对到期未付的合同利息自其到期日起计收，"
            "不对罚息和复利计收复利（银发〔2003〕251号第三条）",
            "Compound interest CNY {amount}, only on contract interest due and unpaid, from its due date; none on "
            "penalty or compound interest (银发〔2003〕251号 item 3)",
        ),
        "claim.line.costs": (
            "实现债权的有关费用 {amount} 元（《民法典》第五百六十一条）",
            "Costs of realising the claim CNY {amount} (Civil Code art. 561)",
        ),
        "claim.line.recourse_principal": (
            "代偿款 {amount} 元：保证人承担保证责任后有权向债务人追偿（《民法典》第七百条）",
            "Amount paid on the debtor's behalf CNY {amount}: a guarantor who performed may claim it back "
            "(Civil Code art. 700)",
        ),
        "claim.line.fund_occupation_fee": (
            "资金占用费 {amount} 元：自各笔代偿款支付日起算（约定利率，未约定的按支付日一年期 LPR）",
            "Fund-occupation fee CNY {amount} from each payment date (agreed rate, otherwise the one-year LPR of "
            "the payment date)",
        ),
        "claim.line.judgment_debt": (
            "生效法律文书确定的金钱债务未付 {amount} 元",
            "Unpaid money debt fixed by the judgment CNY {amount}",
        ),
        "claim.line.delayed_performance_interest": (
            "加倍部分债务利息 {amount} 元：未付金钱债务（不含一般债务利息）× 日万分之一点七五 × 迟延天数"
            "（《民事诉讼法》第二百六十四条；法释〔2014〕8号第一条至第四条）",
            "Doubled interest for delayed performance CNY {amount}: unpaid money debt (excluding ordinary interest) × "
            "0.0175 %/day × days of delay (CPL art. 264; 法释〔2014〕8号 arts. 1–4)",
        ),
        "claim.accrual": (
            "{kind}：{from_day} 至 {to_day}，基数 {base} 元 × {rate}% × {days} 天 = {exact} 元",
            "{kind}: {from_day} to {to_day}, base CNY {base} × {rate} % × {days} days = {exact}",
        ),
        "claim.total": (
            "以上合计 {total} 元，暂计至 {cutoff}",
            "Total CNY {total}, computed to {cutoff}",
        ),
        "claim.bad_schedule": (
            "还款计划的本金合计 {scheduled} 元与借款本金 {principal} 元不符，或到期日未按顺序排列、早于放款日",
            "The schedule's principal CNY {scheduled} does not equal the loan principal CNY {principal}, or its due "
            "dates are out of order or before the value date",
        ),
        "claim.date_out_of_range": (
            "{what} {day} 不在 {start} 至截止日 {cutoff} 之间",
            "{what} {day} is not between {start} and the cut-off {cutoff}",
        ),
    }
)


def _in_range(what: str, day: date, start: date, cutoff: date, *, allow_start: bool = False) -> None:
    if day > cutoff or day < start or (day == start and not allow_start):
        raise LawInputError("claim.date_out_of_range", what=what, day=day, start=start, cutoff=cutoff)


@dataclass
class _Item:
    """A working balance: principal of one instalment, an interest bill, a cost or a judgment item."""

    due: date
    owed: Decimal
    kind: str = ""
    bears: bool = True


class _Accrual:
    """Exact running totals of one kind of line, with the steps that built them."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.outstanding = ZERO
        self.accrued = ZERO
        self.paid = ZERO
        self.details: list[AccrualDetail] = []

    def add(self, a: date, b: date, base: Decimal, rate: Decimal, days: int, basis: DayCountBasis) -> None:
        if base <= 0 or days <= 0:
            return
        exact = exact_interest(base, rate, days, basis)
        self.outstanding += exact
        self.accrued += exact
        self.details.append(AccrualDetail(self.kind, a + timedelta(days=1), b, base, rate, days, exact))

    def settle(self) -> None:
        """Round the running amount to the cent (a bill or a payment settles whole cents)."""
        rounded = round_half_up(self.outstanding)
        self.accrued += rounded - self.outstanding
        self.outstanding = rounded

    def line(self, *, include_empty: bool = True) -> ClaimLine | None:
        if not include_empty and self.accrued == 0 and self.outstanding == 0:
            return None
        amount = round_half_up(self.outstanding)
        lines = [Msg(f"claim.line.{self.kind}", {"amount": amount})]
        lines.extend(
            Msg(
                "claim.accrual",
                {
                    "kind": d.kind,
                    "from_day": d.from_day,
                    "to_day": d.to_day,
                    "base": d.base,
                    "rate": d.rate_pct,
                    "days": d.days,
                    "exact": show_exact(d.exact),
                },
            )
            for d in self.details
        )
        return ClaimLine(
            kind=self.kind,
            amount=amount,
            exact=self.outstanding,
            accrued=self.accrued,
            paid=self.paid,
            details=tuple(self.details),
            explanation=tuple(lines),
        )


def _penalty_rate_on(terms: LoanTerms, day: date) -> Decimal:
    if terms.penalty_rates:
        return rate_on(terms.penalty_rates, day)
    return rate_on(terms.contract_rates, day) * (100 + terms.penalty_markup_pct) / 100


def _statement(cutoff: date, lines: list[ClaimLine], allocations: list[alloc.Allocation]) -> ClaimStatement:
    total = sum((line.amount for line in lines), ZERO)
    return ClaimStatement(
        cutoff=cutoff,
        lines=tuple(lines),
        total=total,
        allocations=tuple(allocations),
        explanation=(
            *(m for line in lines for m in line.explanation[:1]),
            Msg("claim.total", {"total": total, "cutoff": cutoff}),
        ),
    )


def _validate_loan(terms: LoanTerms, cutoff: date, payments: Sequence[Payment], costs: Sequence[Cost]) -> None:
    principal = require_money(terms.principal, name="principal")
    check_basis(terms.basis)
    require_rate(terms.penalty_markup_pct, name="penalty_markup_pct")
    check_segments(terms.contract_rates)
    for schedule in (terms.penalty_rates, terms.compound_rates):
        if schedule:
            check_segments(schedule)
    dues = [i.due for i in terms.instalments]
    scheduled = sum((require_money(i.principal, name="instalment") for i in terms.instalments), ZERO)
    if not dues or scheduled != principal or dues != sorted(set(dues)) or dues[0] <= terms.value_date:
        raise LawInputError("claim.bad_schedule", scheduled=scheduled, principal=principal)
    _in_range("cutoff", cutoff, terms.value_date, cutoff, allow_start=True)
    if terms.acceleration_date is not None:
        _in_range("acceleration_date", terms.acceleration_date, terms.value_date, cutoff)
    for payment in payments:
        require_money(payment.amount, name="payment")
        _in_range("payment", payment.paid_on, terms.value_date, cutoff)
    for cost in costs:
        require_money(cost.amount, name="cost")
        _in_range("cost", cost.incurred_on, terms.value_date, cutoff, allow_start=True)


def loan_claim(
    terms: LoanTerms,
    cutoff: date,
    *,
    payments: Sequence[Payment] = (),
    costs: Sequence[Cost] = (),
    agreed_order: Sequence[str] | None = None,
) -> ClaimStatement:
    """Statement of a loan claim to ``cutoff``: lines principal, contract_interest, penalty_interest,
    compound_interest (and costs when given), exact to the cent. Rules: module docstring.

    ``payments`` are repayments after the value date, applied on their day (after that day's accrual)
    per Civil Code art. 561 or ``agreed_order`` (bucket names from ``allocation``).
    """
    _validate_loan(terms, cutoff, payments, costs)
    accel = terms.acceleration_date
    # Mutable working copies: [effective due date, outstanding]; acceleration brings later dues forward.
    pieces = [_Item(min(i.due, accel) if accel else i.due, i.principal) for i in terms.instalments]
    due_interest: list[_Item] = []  # contract interest that fell due, oldest first
    cost_items = [_Item(c.incurred_on, c.amount, c.label) for c in costs]
    contract = _Accrual(alloc.CONTRACT_INTEREST)
    penalty = _Accrual(alloc.PENALTY_INTEREST)
    compound = _Accrual(alloc.COMPOUND_INTEREST)
    principal_paid = ZERO
    costs_paid = ZERO
    not_due_interest = ZERO  # contract interest accrued, not yet due (inside contract.outstanding)

    interest_days = set(terms.interest_due_dates or ()) | {i.due for i in terms.instalments}
    interest_days = {min(d, accel) if accel else d for d in interest_days}
    if accel:
        interest_days.add(accel)
    boundaries = {terms.value_date, cutoff, *interest_days, *(p.paid_on for p in payments)}
    boundaries |= {c.incurred_on for c in costs}
    for schedule in (terms.contract_rates, terms.penalty_rates, terms.compound_rates):
        boundaries |= {s.start - timedelta(days=1) for s in schedule}
    points = sorted(d for d in boundaries if terms.value_date <= d <= cutoff)
    by_day: dict[date, list[Payment]] = {}
    for payment in payments:
        by_day.setdefault(payment.paid_on, []).append(payment)
    allocations: list[alloc.Allocation] = []

    for a, b in itertools.pairwise(points):
        days = day_count(a, b, terms.basis)
        first = a + timedelta(days=1)
        normal_base = sum((p.owed for p in pieces if p.due > a), ZERO)
        overdue_base = sum((p.owed for p in pieces if p.due <= a), ZERO)
        compound_base = sum((d.owed for d in due_interest), ZERO)
        before = contract.outstanding
        contract.add(a, b, normal_base, rate_on(terms.contract_rates, first), days, terms.basis)
        not_due_interest += contract.outstanding - before
        penalty.add(a, b, overdue_base, _penalty_rate_on(terms, first), days, terms.basis)
        if terms.compound:
            rate = rate_on(terms.compound_rates, first) if terms.compound_rates else _penalty_rate_on(terms, first)
            compound.add(a, b, compound_base, rate, days, terms.basis)
        if b in interest_days and not_due_interest > 0:
            billed = round_half_up(not_due_interest)
            contract.outstanding += billed - not_due_interest  # the bill is in whole cents
            contract.accrued += billed - not_due_interest
            due_interest.append(_Item(b, billed))
            not_due_interest = ZERO
        for payment in by_day.get(b, ()):
            penalty.settle()
            compound.settle()
            balances: list[tuple[str, Decimal]] = [(alloc.COSTS, c.owed) for c in cost_items]
            balances += [(alloc.CONTRACT_INTEREST, d.owed) for d in due_interest]
            balances += [(alloc.PENALTY_INTEREST, penalty.outstanding), (alloc.COMPOUND_INTEREST, compound.outstanding)]
            ordered = sorted(pieces, key=lambda p: p.due)
            balances += [(alloc.PRINCIPAL, p.owed) for p in ordered]
            result = alloc.allocate_pre_judgment(payment.amount, balances, agreed_order)
            allocations.append(result)
            penalty.outstanding -= result.to(alloc.PENALTY_INTEREST)
            penalty.paid += result.to(alloc.PENALTY_INTEREST)
            compound.outstanding -= result.to(alloc.COMPOUND_INTEREST)
            compound.paid += result.to(alloc.COMPOUND_INTEREST)
            contract.outstanding -= result.to(alloc.CONTRACT_INTEREST)
            contract.paid += result.to(alloc.CONTRACT_INTEREST)
            principal_paid += _reduce(ordered, result.to(alloc.PRINCIPAL))
            _reduce(due_interest, result.to(alloc.CONTRACT_INTEREST))
            costs_paid += _reduce(cost_items, result.to(alloc.COSTS))

    outstanding_principal = sum((p.owed for p in pieces), ZERO)
    principal_line = ClaimLine(
        kind=alloc.PRINCIPAL,
        amount=round_half_up(outstanding_principal),
        exact=outstanding_principal,
        accrued=terms.principal,
        paid=principal_paid,
        details=(),
        explanation=(Msg("claim.line.principal", {"amount": round_half_up(outstanding_principal)}),),
    )
    lines: list[ClaimLine] = [principal_line]
    lines += [line for acc in (contract, penalty, compound) if (line := acc.line()) is not None]
    if costs:
        owed = sum((c.owed for c in cost_items), ZERO)
        lines.append(
            ClaimLine(
                kind=alloc.COSTS,
                amount=round_half_up(owed),
                exact=owed,
                accrued=sum((c.amount for c in costs), ZERO),
                paid=costs_paid,
                details=(),
                explanation=(Msg("claim.line.costs", {"amount": round_half_up(owed)}),),
            )
        )
    return _statement(cutoff, lines, allocations)


def _reduce(items: Sequence[_Item], amount: Decimal) -> Decimal:
    """Take ``amount`` off ``items`` in their order; returns what was taken."""
    left = amount
    for item in items:
        if left <= 0:
            break
        part = min(item.owed, left)
        item.owed -= part
        left -= part
    return amount - left


def recourse_claim(
    payments: Sequence[Payment],
    cutoff: date,
    rate_pct: Decimal | None = None,
    basis: DayCountBasis = "actual/365",
    *,
    table: LprTable | None = None,
) -> ClaimStatement:
    """A guarantor's recourse claim (Civil Code art. 700): lines recourse_principal (代偿款) and
    fund_occupation_fee (资金占用费), each payment from its own payment date (not counted) to ``cutoff``.

    ``rate_pct``: the agreed fee rate, %/year; None uses the one-year LPR in force on each payment date
    [practice: the usual measure of fund-occupation loss when none is agreed].
    """
    check_basis(basis)
    principal = _Accrual(RECOURSE_PRINCIPAL)
    fee = _Accrual(FUND_OCCUPATION_FEE)
    for payment in payments:
        amount = require_money(payment.amount, name="payment")
        if payment.paid_on > cutoff:
            raise LawInputError(
                "claim.date_out_of_range", what="payment", day=payment.paid_on, start=payment.paid_on, cutoff=cutoff
            )
        rate = require_rate(rate_pct) if rate_pct is not None else lpr_on(payment.paid_on, table=table).lpr_1y
        principal.outstanding += amount
        principal.accrued += amount
        fee.add(payment.paid_on, cutoff, amount, rate, day_count(payment.paid_on, cutoff, basis), basis)
    lines = [line for line in (principal.line(), fee.line()) if line is not None]
    return _statement(cutoff, lines, [])


@dataclass(frozen=True)
class JudgmentItem:
    """One money item of a judgment (判决主文). ``bears_delay_interest`` is False for ordinary debt
    interest, which the doubled interest does not run on (法释〔2014〕8号 art. 1)."""

    kind: str
    amount: Decimal
    bears_delay_interest: bool = True


def enforcement_claim(
    items: Sequence[JudgmentItem],
    performance_ends: date,
    cutoff: date,
    *,
    payments: Sequence[Payment] = (),
    judgment_order: Sequence[str] | None = None,
) -> ClaimStatement:
    """What is owed in enforcement at ``cutoff``: the unpaid judgment debt and the doubled interest for
    delayed performance (CPL art. 264; 法释〔2014〕8号 arts. 1–4).

    The doubled interest runs at 0.0175 %/day on the unpaid items that bear it, from the day after
    ``performance_ends`` (the last day of the performance period) to each payment and to ``cutoff``.
    Each recovery pays the judgment debt first, then the doubled interest (art. 4); within the judgment
    debt the items are paid in the order listed (list them in the judgment's own order), unless
    ``judgment_order`` (item kinds plus ``delayed_performance_interest``) says otherwise.
    """
    owed = [
        _Item(performance_ends, require_money(item.amount, name=item.kind), item.kind, item.bears_delay_interest)
        for item in items
    ]
    delayed = _Accrual(alloc.DELAYED_PERFORMANCE_INTEREST)
    debt_paid = ZERO
    allocations: list[alloc.Allocation] = []
    last = performance_ends
    for payment in sorted(payments, key=lambda p: p.paid_on):
        _in_range("payment", payment.paid_on, date.min, cutoff, allow_start=True)
        last = _accrue_delay(delayed, owed, last, payment.paid_on)
        delayed.settle()
        balances: list[tuple[str, Decimal]] = [(o.kind, o.owed) for o in owed]
        balances.append((alloc.DELAYED_PERFORMANCE_INTEREST, delayed.outstanding))
        if judgment_order is not None:
            result = alloc.allocate_in_enforcement(payment.amount, balances, judgment_order)
        else:
            order = (*dict.fromkeys(o.kind for o in owed), alloc.DELAYED_PERFORMANCE_INTEREST)
            result = alloc.allocate(payment.amount, balances, order, explanation_code="allocation.enforcement")
        allocations.append(result)
        for kind, part in result.applied:
            if kind == alloc.DELAYED_PERFORMANCE_INTEREST:
                delayed.outstanding -= part
                delayed.paid += part
                continue
            debt_paid += _reduce([o for o in owed if o.kind == kind], part)
    _accrue_delay(delayed, owed, last, cutoff)
    remaining = sum((o.owed for o in owed), ZERO)
    debt_line = ClaimLine(
        kind=alloc.JUDGMENT_DEBT,
        amount=round_half_up(remaining),
        exact=remaining,
        accrued=sum((require_money(i.amount) for i in items), ZERO),
        paid=debt_paid,
        details=(),
        explanation=(Msg("claim.line.judgment_debt", {"amount": round_half_up(remaining)}),),
    )
    delayed_line = delayed.line()
    assert delayed_line is not None
    return _statement(cutoff, [debt_line, delayed_line], allocations)


def _accrue_delay(delayed: _Accrual, owed: Sequence[_Item], start: date, end: date) -> date:
    if end <= start:
        return start
    base = sum((o.owed for o in owed if o.bears), ZERO)
    days = (end - start).days
    if base > 0:
        exact = delayed_performance_exact(base, days)
        delayed.outstanding += exact
        delayed.accrued += exact
        daily = Decimal("0.0175")
        delayed.details.append(AccrualDetail(delayed.kind, start + timedelta(days=1), end, base, daily, days, exact))
    return end
