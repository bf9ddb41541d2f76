"""Claim statements: contract, penalty and compound interest, acceleration, repayments, recourse, enforcement."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loanlit.law import allocation as alloc
from loanlit.law import claims
from loanlit.law.claims import Cost, Instalment, JudgmentItem, LoanTerms, Payment
from loanlit.law.interest import RateSegment
from loanlit.law.money import LawInputError

D = Decimal
FLAT_3_6 = (RateSegment(date(2024, 1, 1), D("3.6")),)


def two_instalments(**changes: object) -> LoanTerms:
    terms = {
        "principal": D("100000"),
        "value_date": date(2024, 1, 1),
        "contract_rates": FLAT_3_6,
        "instalments": (Instalment(date(2024, 2, 1), D("50000")), Instalment(date(2024, 3, 1), D("50000"))),
        "basis": "actual/360",
    }
    terms.update(changes)
    return LoanTerms(**terms)  # type: ignore[arg-type]


def test_bullet_loan_with_quarterly_interest_line_by_line() -> None:
    terms = LoanTerms(
        principal=D("100000"),
        value_date=date(2024, 1, 1),
        contract_rates=FLAT_3_6,
        instalments=(Instalment(date(2024, 7, 1), D("100000")),),
        interest_due_dates=(date(2024, 4, 1),),
    )
    statement = claims.loan_claim(terms, date(2024, 7, 31))
    # 910.00 + 910.00 contract interest; penalty 5.4 % on 100,000 for 30 days; compound on each 910 from its due date
    assert statement.totals == {
        "principal": D("100000.00"),
        "contract_interest": D("1820.00"),
        "penalty_interest": D("450.00"),
        "compound_interest": D("20.61"),
        "total": D("102290.61"),
    }
    assert statement.interest_total == D("2290.61")
    assert statement.explanation[-1].params == {"total": D("102290.61"), "cutoff": date(2024, 7, 31)}


def test_each_instalment_bears_penalty_interest_from_its_own_due_date() -> None:
    statement = claims.loan_claim(two_instalments(), date(2024, 3, 31))
    assert statement.amount("contract_interest") == D("455.00")
    assert statement.amount("penalty_interest") == D("667.50")  # 442.50 (59 days) + 225.00 (30 days)
    assert statement.amount("compound_interest") == D("3.40")
    penalty = next(line for line in statement.lines if line.kind == "penalty_interest")
    assert [(d.from_day, d.base, d.days) for d in penalty.details] == [
        (date(2024, 2, 2), D("50000"), 29),
        (date(2024, 3, 2), D("100000"), 30),
    ]


def test_acceleration_makes_all_principal_overdue_from_the_acceleration_date() -> None:
    statement = claims.loan_claim(two_instalments(acceleration_date=date(2024, 2, 15)), date(2024, 3, 31))
    assert statement.amount("contract_interest") == D("380.00")  # 310.00 + 70.00 billed on acceleration
    assert statement.amount("penalty_interest") == D("780.00")  # 442.50 + 337.50 (45 days)
    assert statement.amount("compound_interest") == D("3.22")


def test_compound_interest_never_runs_on_penalty_or_compound_interest() -> None:
    statement = claims.loan_claim(two_instalments(), date(2024, 3, 31))
    compound = next(line for line in statement.lines if line.kind == "compound_interest")
    assert {d.base for d in compound.details} == {D("310.00"), D("455.00")}


def test_contract_without_compound_interest_and_with_an_agreed_compound_rate() -> None:
    assert claims.loan_claim(two_instalments(compound=False), date(2024, 3, 31)).amount("compound_interest") == 0
    agreed = two_instalments(compound_rates=(RateSegment(date(2024, 1, 1), D("3.6")),))
    assert claims.loan_claim(agreed, date(2024, 3, 31)).amount("compound_interest") == D("2.26")


def test_agreed_penalty_rate_schedule_replaces_the_markup() -> None:
    terms = two_instalments(penalty_rates=(RateSegment(date(2024, 1, 1), D("7.2")),))
    assert claims.loan_claim(terms, date(2024, 3, 31)).amount("penalty_interest") == D("890.00")


def test_contract_rate_change_applies_from_its_start_day() -> None:
    rates = (RateSegment(date(2024, 1, 1), D("3.6")), RateSegment(date(2024, 1, 21), D("7.2")))
    statement = claims.loan_claim(two_instalments(contract_rates=rates), date(2024, 1, 31))
    # 2nd–20th January: 19 days at 3.6 % = 190.00; 21st–31st: 11 days at 7.2 % = 220.00
    assert statement.amount("contract_interest") == D("410.00")
    contract = next(line for line in statement.lines if line.kind == "contract_interest")
    assert [(d.days, d.rate_pct) for d in contract.details] == [(19, D("3.6")), (11, D("7.2"))]


def test_a_partial_repayment_pays_interest_before_principal_and_reduces_later_accrual() -> None:
    statement = claims.loan_claim(
        two_instalments(), date(2024, 3, 31), payments=[Payment(date(2024, 2, 11), D("1000.00"))]
    )
    assert statement.allocations[0].applied == (
        (alloc.CONTRACT_INTEREST, D("310.00")),
        (alloc.PENALTY_INTEREST, D("75.00")),
        (alloc.COMPOUND_INTEREST, D("0.47")),
        (alloc.PRINCIPAL, D("614.53")),
    )
    assert statement.totals == {
        "principal": D("99385.47"),
        "contract_interest": D("145.00"),
        "penalty_interest": D("587.98"),
        "compound_interest": D("0.65"),
        "total": D("100119.10"),
    }
    principal = statement.lines[0]
    assert (principal.accrued, principal.paid) == (D("100000"), D("614.53"))


def test_an_agreed_order_applies_repayments_to_principal_first() -> None:
    statement = claims.loan_claim(
        two_instalments(),
        date(2024, 2, 11),
        payments=[Payment(date(2024, 2, 11), D("1000.00"))],
        agreed_order=(alloc.PRINCIPAL, alloc.CONTRACT_INTEREST),
    )
    assert statement.amount("principal") == D("99000.00")
    # 310.00 billed on 1 February + 50.00 accrued, not yet due, on the second instalment to the cut-off
    assert statement.amount("contract_interest") == D("360.00")


def test_costs_are_paid_first_and_shown_on_their_own_line() -> None:
    statement = claims.loan_claim(
        two_instalments(),
        date(2024, 2, 11),
        payments=[Payment(date(2024, 2, 11), D("500.00"))],
        costs=[Cost(date(2024, 2, 5), D("300.00"), "notice")],
    )
    assert statement.allocations[0].applied[0] == (alloc.COSTS, D("300.00"))
    assert statement.amount("costs") == D("0.00")
    assert statement.amount("contract_interest") == D("160.00")  # 310.00 − 200.00 paid + 50.00 not yet due


def test_cutoff_before_maturity_claims_interest_accrued_so_far() -> None:
    statement = claims.loan_claim(two_instalments(), date(2024, 1, 11))
    assert statement.amount("contract_interest") == D("100.00")
    assert statement.amount("penalty_interest") == D("0.00")


@pytest.mark.parametrize(
    "change",
    [
        {"instalments": (Instalment(date(2024, 2, 1), D("60000")),)},
        {"instalments": (Instalment(date(2023, 12, 1), D("100000")),)},
        {"principal": 100000.0},
        {"basis": "actual/366"},
    ],
)
def test_inconsistent_terms_are_refused(change: dict[str, object]) -> None:
    with pytest.raises(LawInputError):
        claims.loan_claim(two_instalments(**change), date(2024, 3, 31))


def test_payment_after_the_cutoff_or_as_float_is_refused() -> None:
    with pytest.raises(LawInputError) as late:
        claims.loan_claim(two_instalments(), date(2024, 3, 31), payments=[Payment(date(2024, 4, 1), D("1"))])
    assert late.value.code == "claim.date_out_of_range"
    with pytest.raises(LawInputError) as floating:
        claims.loan_claim(two_instalments(), date(2024, 3, 31), payments=[Payment(date(2024, 3, 1), 1.0)])  # type: ignore[arg-type]
    assert floating.value.code == "input.not_decimal"


def test_guarantor_recourse_runs_fund_occupation_fee_from_each_payment_date() -> None:
    payments = [Payment(date(2024, 3, 1), D("100000")), Payment(date(2024, 6, 1), D("50000"))]
    agreed = claims.recourse_claim(payments, date(2024, 12, 31), D("6"))
    assert agreed.totals == {
        "recourse_principal": D("150000.00"),
        "fund_occupation_fee": D("6764.38"),
        "total": D("156764.38"),
    }
    by_lpr = claims.recourse_claim(payments, date(2024, 12, 31))
    assert by_lpr.amount("fund_occupation_fee") == D("3889.52")  # one-year LPR 3.45 % on both payment dates


def test_enforcement_statement_pays_the_judgment_debt_first_and_excludes_ordinary_interest() -> None:
    items = [
        JudgmentItem("costs", D("2300")),
        JudgmentItem("interest", D("5000"), bears_delay_interest=False),
        JudgmentItem("principal", D("100000")),
    ]
    statement = claims.enforcement_claim(
        items, date(2024, 6, 30), date(2024, 9, 30), payments=[Payment(date(2024, 8, 9), D("50000.00"))]
    )
    assert statement.allocations[0].applied == (
        ("costs", D("2300")),
        ("interest", D("5000")),
        ("principal", D("42700.00")),
    )
    # 102,300 × 0.0175 % × 40 days = 716.10; then 57,300 × 0.0175 % × 52 days = 521.43
    assert statement.totals == {
        "judgment_debt": D("57300.00"),
        "delayed_performance_interest": D("1237.53"),
        "total": D("58537.53"),
    }


def test_enforcement_recovery_beyond_the_debt_pays_the_delayed_interest() -> None:
    statement = claims.enforcement_claim(
        [JudgmentItem("principal", D("100000"))],
        date(2024, 6, 30),
        date(2024, 10, 8),
        payments=[Payment(date(2024, 10, 8), D("101000.00"))],
    )
    assert statement.allocations[0].applied == (
        ("principal", D("100000")),
        (alloc.DELAYED_PERFORMANCE_INTEREST, D("1000.00")),
    )
    assert statement.totals == {
        "judgment_debt": D("0.00"),
        "delayed_performance_interest": D("750.00"),
        "total": D("750.00"),
    }


@settings(max_examples=40, deadline=None)
@given(
    amount=st.decimals(min_value=D("0.01"), max_value=D("5000"), places=2),
    day=st.dates(min_value=date(2024, 1, 2), max_value=date(2024, 3, 31)),
)
def test_a_repayment_never_makes_the_statement_larger(amount: Decimal, day: date) -> None:
    cutoff = date(2024, 3, 31)
    before = claims.loan_claim(two_instalments(), cutoff).total
    after = claims.loan_claim(two_instalments(), cutoff, payments=[Payment(day, amount)])
    assert after.total <= before - amount + D("0.05")
    assert sum((a.amount for a in after.allocations), D(0)) == amount
