"""Allocation of payments: Civil Code art. 561 before judgment, 法释〔2014〕8号 art. 4 in enforcement."""

from __future__ import annotations

from decimal import Decimal

import pytest

from loanlit.law import allocation as alloc
from loanlit.law.money import LawInputError

D = Decimal
OWED = {
    alloc.PRINCIPAL: D("10000.00"),
    alloc.CONTRACT_INTEREST: D("300.00"),
    alloc.PENALTY_INTEREST: D("50.00"),
    alloc.COMPOUND_INTEREST: D("2.00"),
    alloc.COSTS: D("100.00"),
}


def test_before_judgment_costs_then_interest_then_principal() -> None:
    result = alloc.allocate_pre_judgment(D("1000.00"), OWED)
    assert result.applied == (
        (alloc.COSTS, D("100.00")),
        (alloc.CONTRACT_INTEREST, D("300.00")),
        (alloc.PENALTY_INTEREST, D("50.00")),
        (alloc.COMPOUND_INTEREST, D("2.00")),
        (alloc.PRINCIPAL, D("548.00")),
    )
    assert result.remainder == D("0")
    assert result.explanation[0].code == "allocation.pre_judgment"


def test_an_agreed_order_replaces_article_561() -> None:
    result = alloc.allocate_pre_judgment(D("1000.00"), OWED, [alloc.PRINCIPAL, alloc.CONTRACT_INTEREST])
    assert result.applied == ((alloc.PRINCIPAL, D("1000.00")),)
    assert result.explanation[0].code == "allocation.agreed"


def test_a_small_payment_stops_inside_the_first_bucket() -> None:
    result = alloc.allocate_pre_judgment(D("60.00"), OWED)
    assert result.applied == ((alloc.COSTS, D("60.00")),)
    assert result.to(alloc.PRINCIPAL) == D("0")


def test_items_of_one_bucket_are_paid_in_their_order() -> None:
    balances = [(alloc.PRINCIPAL, D("100.00")), (alloc.PRINCIPAL, D("200.00")), (alloc.CONTRACT_INTEREST, D("5.00"))]
    result = alloc.allocate(D("155.00"), balances)
    assert result.applied == (
        (alloc.CONTRACT_INTEREST, D("5.00")),
        (alloc.PRINCIPAL, D("100.00")),
        (alloc.PRINCIPAL, D("50.00")),
    )
    assert result.to(alloc.PRINCIPAL) == D("150.00")


def test_in_enforcement_the_judgment_debt_is_paid_before_the_delayed_interest() -> None:
    owed = {alloc.DELAYED_PERFORMANCE_INTEREST: D("500.00"), alloc.JUDGMENT_DEBT: D("1000.00")}
    result = alloc.allocate_in_enforcement(D("1200.00"), owed)
    assert result.applied == ((alloc.JUDGMENT_DEBT, D("1000.00")), (alloc.DELAYED_PERFORMANCE_INTEREST, D("200.00")))
    assert result.explanation[0].code == "allocation.enforcement"


def test_the_judgments_own_order_wins_in_enforcement() -> None:
    owed = {alloc.DELAYED_PERFORMANCE_INTEREST: D("500.00"), alloc.JUDGMENT_DEBT: D("1000.00")}
    result = alloc.allocate_in_enforcement(D("600.00"), owed, [alloc.DELAYED_PERFORMANCE_INTEREST, alloc.JUDGMENT_DEBT])
    assert result.applied == ((alloc.DELAYED_PERFORMANCE_INTEREST, D("500.00")), (alloc.JUDGMENT_DEBT, D("100.00")))


def test_an_overpayment_is_reported_as_remainder() -> None:
    result = alloc.allocate(D("20000.00"), OWED)
    assert result.remainder == D("9548.00")
    assert result.explanation[-1].code == "allocation.remainder"


@pytest.mark.parametrize(
    ("amount", "order", "code"),
    [
        (D("1.005"), alloc.PRE_JUDGMENT_ORDER, "allocation.not_cents"),
        (D("1.00"), (alloc.COSTS, alloc.COSTS), "allocation.duplicate_bucket"),
        (1.0, alloc.PRE_JUDGMENT_ORDER, "input.not_decimal"),
        (D("-1"), alloc.PRE_JUDGMENT_ORDER, "input.negative"),
    ],
)
def test_bad_payments_and_orders_are_refused(amount: object, order: tuple[str, ...], code: str) -> None:
    with pytest.raises(LawInputError) as caught:
        alloc.allocate(amount, OWED, order)  # type: ignore[arg-type]
    assert caught.value.code == code
