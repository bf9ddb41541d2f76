"""The judgment debt and the doubled interest for delayed performance, to the cent and to the day."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from loanlit.law.allocation import DELAYED_PERFORMANCE_INTEREST, JUDGMENT_DEBT
from loanlit.law.enforcement_debt import JudgmentDebt, PriorPayment, allocate_payment, debt_position
from loanlit.law.money import LawInputError

D = Decimal
ENDS = date(2025, 1, 10)


def test_vector_i13_one_hundred_thousand_for_one_hundred_days_is_1750():
    debt = JudgmentDebt(principal=D("100000.00"), ordinary_interest=D("0"), costs=D("0"), performance_ends=ENDS)
    position = debt_position(debt, [], as_of=date(2025, 4, 20))
    assert (position.delay_days, position.delayed_accrued) == (100, D("1750.00"))
    assert position.total == D("101750.00")


def test_ordinary_interest_carries_no_doubled_interest():
    debt = JudgmentDebt(principal=D("100000.00"), ordinary_interest=D("10000.00"), costs=D("0"), performance_ends=ENDS)
    position = debt_position(debt, [], as_of=date(2025, 1, 20))
    assert position.delayed_accrued == D("175.00")  # 100000 × 0.0175% × 10, not on the 110000
    assert position.judgment_debt == D("110000.00")


def test_rounding_happens_once_at_the_end():
    debt = JudgmentDebt(
        principal=D("12345.67"), ordinary_interest=D("0"), costs=D("0"), performance_ends=date(2025, 6, 30)
    )
    # 12345.67 × 0.000175 × 31 = 66.97525975
    assert debt_position(debt, [], as_of=date(2025, 7, 31)).delayed_accrued == D("66.98")


def test_no_delay_before_the_performance_period_ends_or_while_the_judgment_is_not_effective():
    debt = JudgmentDebt(principal=D("5000.00"), ordinary_interest=D("0"), costs=D("0"), performance_ends=ENDS)
    assert debt_position(debt, [], as_of=date(2025, 1, 5)).delayed_accrued == D("0.00")
    pending = JudgmentDebt(principal=D("5000.00"), ordinary_interest=D("0"), costs=D("0"), performance_ends=None)
    position = debt_position(pending, [], as_of=date(2026, 1, 5))
    assert (position.delayed_accrued, position.delay_days) == (D("0.00"), 0)
    assert position.explanation[-2].code == "enforcement_debt.not_effective"


DEBT = JudgmentDebt(principal=D("100000.00"), ordinary_interest=D("5000.00"), costs=D("2300.00"), performance_ends=ENDS)


def test_a_part_payment_goes_to_the_judgment_debt_and_lowers_the_base_from_its_day():
    # 30 days on 102300.00 (principal + costs, not the 5000 interest) = 537.075 exact.
    first = allocate_payment(DEBT, [], amount=D("20000.00"), paid_on=date(2025, 2, 9))
    assert first.before.balances() == [(JUDGMENT_DEBT, D("107300.00")), (DELAYED_PERFORMANCE_INTEREST, D("537.08"))]
    assert first.allocation.applied == ((JUDGMENT_DEBT, D("20000.00")),)
    # Within the judgment debt: costs 2300, interest 5000, then 12700 of principal (Civil Code art. 561).
    paid = [PriorPayment(date(2025, 2, 9), D("20000.00"), D("0.00"))]
    after = debt_position(DEBT, paid, as_of=date(2025, 2, 9))
    assert (after.costs, after.ordinary_interest, after.principal) == (D("0.00"), D("0.00"), D("87300.00"))

    # Next 30 days on 87300.00 = 458.325; exact total 995.400 → 995.40.
    second = allocate_payment(DEBT, paid, amount=D("90000.00"), paid_on=date(2025, 3, 11))
    assert second.before.delayed_accrued == D("995.40")
    assert second.allocation.applied == ((JUDGMENT_DEBT, D("87300.00")), (DELAYED_PERFORMANCE_INTEREST, D("995.40")))
    assert second.allocation.remainder == D("1704.60")

    settled = [*paid, PriorPayment(date(2025, 3, 11), D("87300.00"), D("995.40"))]
    final = debt_position(DEBT, settled, as_of=date(2025, 6, 1))
    assert (final.judgment_debt, final.delayed_outstanding, final.total) == (D("0.00"), D("0.00"), D("0.00"))


def test_an_order_the_judgment_states_wins():
    result = allocate_payment(
        DEBT,
        [],
        amount=D("600.00"),
        paid_on=date(2025, 2, 9),
        order=(DELAYED_PERFORMANCE_INTEREST, JUDGMENT_DEBT),
    )
    assert result.allocation.applied == ((DELAYED_PERFORMANCE_INTEREST, D("537.08")), (JUDGMENT_DEBT, D("62.92")))


def test_payments_after_the_day_asked_for_are_left_out():
    paid = [PriorPayment(date(2025, 3, 1), D("1000.00"), D("0.00"))]
    assert debt_position(DEBT, paid, as_of=date(2025, 2, 1)).judgment_debt == D("107300.00")


def test_the_order_within_the_debt_must_name_each_part_once():
    with pytest.raises(LawInputError):
        debt_position(DEBT, [], as_of=ENDS, within_order=("costs", "costs", "principal"))


def test_floats_are_refused():
    with pytest.raises(LawInputError):
        allocate_payment(DEBT, [], amount=100.0, paid_on=ENDS)  # type: ignore[arg-type]
