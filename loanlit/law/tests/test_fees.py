"""Court fees (诉讼费用交纳办法): brackets, halving once, other fee kinds, currency, rounding."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loanlit.law import fees
from loanlit.law.money import LawInputError

D = Decimal
amounts = st.decimals(min_value=0, max_value=D("500000000"), places=2, allow_nan=False, allow_infinity=False)


@pytest.mark.parametrize(
    ("claim", "full", "half"),
    [
        ("0", "50.00", "25.00"),
        ("10000", "50.00", "25.00"),
        ("100000", "2300.00", "1150.00"),  # F03
        ("200000", "4300.00", "2150.00"),
        ("1000000", "13800.00", "6900.00"),
        ("5000000", "46800.00", "23400.00"),
        ("10000000", "81800.00", "40900.00"),
        ("20000000", "141800.00", "70900.00"),
        ("25000000", "166800.00", "83400.00"),  # F06
        ("100000000", "541800.00", "270900.00"),  # F09
    ],
)
def test_acceptance_fee_follows_the_cumulative_brackets_of_article_13(claim: str, full: str, half: str) -> None:
    assert fees.acceptance_fee(D(claim)).fee == D(full)
    assert fees.acceptance_fee(D(claim), halved=True).fee == D(half)


def test_halving_first_then_rounding_differs_from_rounding_first_by_a_cent() -> None:
    result = fees.acceptance_fee(D("10001"), halved=True)
    assert result.exact == D("25.0125")
    assert result.fee == D("25.01")


def test_several_halving_grounds_halve_only_once() -> None:
    result = fees.acceptance_fee(D("100000"), halved=True, grounds=["summary", "mediation", "withdrawal"])
    assert result.fee == D("1150.00")
    assert result.halved is True
    assert [m.code for m in result.explanation].count("fee.halved") == 1


def test_unknown_halving_ground_is_refused() -> None:
    with pytest.raises(LawInputError) as caught:
        fees.acceptance_fee(D("100000"), grounds=["goodwill"])  # type: ignore[list-item]
    assert caught.value.code == "fee.unknown_ground"


def test_appeal_fee_is_computed_on_the_amount_appealed() -> None:
    assert fees.appeal_fee(D("250000")).fee == D("5050.00")
    assert fees.appeal_fee(D("250000"), grounds=["withdrawal"]).fee == D("2525.00")
    assert fees.court_fee("appeal", D("50000")).fee == D("1050.00")


def test_payment_order_fee_is_a_third_of_the_property_case_fee() -> None:
    assert fees.payment_order_fee(D("100000")).fee == D("766.67")
    assert fees.payment_order_fee(D("8000")).fee == D("16.67")


@pytest.mark.parametrize(
    ("amount", "fee"), [("1000", "30.00"), ("8000", "100.00"), ("250000", "1770.00"), ("895998", "4999.99")]
)
def test_preservation_fee_brackets_and_cap(amount: str, fee: str) -> None:
    assert fees.preservation_fee(D(amount)).fee == D(fee)


def test_preservation_fee_over_the_cap_explains_the_cap() -> None:
    result = fees.preservation_fee(D("2000000"))
    assert result.fee == D("5000.00")
    assert "fee.preservation_capped" in [m.code for m in result.explanation]


@pytest.mark.parametrize(
    ("amount", "fee"),
    [
        ("10000", "50.00"),
        ("50000", "650.00"),
        ("500000", "7400.00"),
        ("1234567.89", "14745.68"),
        ("5000000", "52400.00"),
    ],
)
def test_enforcement_fee_starts_the_one_and_a_half_percent_bracket_at_ten_thousand(amount: str, fee: str) -> None:
    assert fees.enforcement_fee(D(amount)).fee == D(fee)


def test_dispatcher_refuses_unknown_kind_and_halving_a_fee_that_cannot_be_halved() -> None:
    with pytest.raises(LawInputError) as unknown:
        fees.court_fee("lawyer", D("1000"))
    assert unknown.value.code == "fee.unknown_kind"
    with pytest.raises(LawInputError) as not_halvable:
        fees.court_fee("preservation", D("1000"), halved=True)
    assert not_halvable.value.code == "fee.not_halvable"


def test_dispatcher_reaches_every_kind() -> None:
    results = {kind: fees.court_fee(kind, D("100000")).fee for kind in fees.FEE_KINDS}
    assert results == {
        "acceptance": D("2300.00"),
        "appeal": D("2300.00"),
        "preservation": D("1020.00"),
        "enforcement": D("1400.00"),
        "payment_order": D("766.67"),
    }


def test_whole_yuan_rounding_is_a_court_setting() -> None:
    assert fees.acceptance_fee(D("1234567.89"), rounding_unit=D("1")).fee == D("15911")
    with pytest.raises(LawInputError):
        fees.acceptance_fee(D("1000"), rounding_unit=D("0.1"))


def test_foreign_currency_claim_needs_the_filing_date_rate() -> None:
    with pytest.raises(LawInputError) as caught:
        fees.acceptance_fee(D("10000"), currency="USD")
    assert caught.value.code == "fee.currency_rate_required"
    with pytest.raises(LawInputError):
        fees.acceptance_fee(D("10000"), currency="USD", exchange_rate=D("7.1"))


def test_foreign_currency_claim_is_converted_at_the_stated_rate() -> None:
    result = fees.acceptance_fee(D("10000"), currency="usd", exchange_rate=D("7.1"), rate_date=date(2025, 3, 3))
    assert result.base == D("71000.0")
    assert result.fee == D("1575.00")
    assert result.explanation[0].code == "fee.converted"
    assert result.explanation[0].params["rate_date"] == date(2025, 3, 3)


@pytest.mark.parametrize("bad", [8000.0, "8000", None, True, D("NaN"), D("-1")])
def test_a_float_or_other_non_decimal_amount_is_refused(bad: object) -> None:
    with pytest.raises(LawInputError):
        fees.acceptance_fee(bad)  # type: ignore[arg-type]


def test_a_float_exchange_rate_is_refused() -> None:
    with pytest.raises(LawInputError):
        fees.acceptance_fee(D("1000"), currency="USD", exchange_rate=7.1, rate_date=date(2025, 3, 3))  # type: ignore[arg-type]


def test_explanation_renders_in_both_languages() -> None:
    for message in fees.acceptance_fee(D("250000"), halved=True).explanation:
        assert message.text("zh-hans") != message.code
        assert message.text("en") != message.code
        assert "{" not in message.text("en")


@given(a=amounts, b=amounts)
def test_fees_never_fall_as_the_amount_grows(a: Decimal, b: Decimal) -> None:
    low, high = sorted((a, b))
    for kind in fees.FEE_KINDS:
        assert fees.court_fee(kind, low).fee <= fees.court_fee(kind, high).fee
        assert fees.court_fee(kind, low).exact <= fees.court_fee(kind, high).exact


@given(a=amounts)
def test_half_fee_is_never_more_than_half_a_cent_from_half_the_full_fee(a: Decimal) -> None:
    full = fees.acceptance_fee(a)
    half = fees.acceptance_fee(a, halved=True)
    assert abs(half.fee - full.exact / 2) <= D("0.005")
    assert half.exact == full.exact / 2
