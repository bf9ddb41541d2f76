"""Interest arithmetic: day counts, bases, segments, penalty rate, delayed performance, refusing floats."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, localcontext

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loanlit.law import interest
from loanlit.law.interest import RateSegment
from loanlit.law.money import LawInputError

D = Decimal


def test_start_day_is_not_counted_and_end_day_is() -> None:
    result = interest.simple_interest(D("100000"), D("3.65"), date(2024, 1, 1), date(2024, 1, 2))
    assert result.days == 1
    assert result.interest == D("10.00")


def test_inclusive_option_counts_both_ends() -> None:
    result = interest.simple_interest(D("100000"), D("3.65"), date(2024, 1, 1), date(2024, 1, 2), count_both_ends=True)
    assert result.days == 2
    assert result.interest == D("20.00")
    assert result.explanation[-1].code == "interest.simple_inclusive"


@pytest.mark.parametrize(
    ("basis", "days", "amount"),
    [("actual/360", 366, "4575.00"), ("actual/365", 366, "4512.33"), ("30/360", 360, "4500.00")],
)
def test_day_count_basis_changes_a_leap_year_result(basis: interest.DayCountBasis, days: int, amount: str) -> None:
    result = interest.simple_interest(D("100000"), D("4.5"), date(2024, 1, 1), date(2025, 1, 1), basis)
    assert result.days == days
    assert result.interest == D(amount)


def test_thirty_360_counts_the_31st_as_the_30th() -> None:
    assert interest.day_count(date(2024, 1, 31), date(2024, 3, 31), "30/360") == 60
    assert interest.day_count(date(2024, 2, 29), date(2024, 3, 1), "30/360") == 2


def test_end_before_start_and_unknown_basis_are_refused() -> None:
    with pytest.raises(LawInputError) as backwards:
        interest.simple_interest(D("1"), D("1"), date(2024, 2, 1), date(2024, 1, 1))
    assert backwards.value.code == "interest.end_before_start"
    with pytest.raises(LawInputError) as basis:
        interest.simple_interest(D("1"), D("1"), date(2024, 1, 1), date(2024, 2, 1), "actual/366")  # type: ignore[arg-type]
    assert basis.value.code == "interest.unknown_basis"


@pytest.mark.parametrize(
    "call",
    [
        lambda: interest.simple_interest(100000.0, D("4.35"), date(2024, 1, 1), date(2024, 2, 1)),  # type: ignore[arg-type]
        lambda: interest.simple_interest(D("100000"), 4.35, date(2024, 1, 1), date(2024, 2, 1)),  # type: ignore[arg-type]
        lambda: interest.interest_for_days(D("1"), D("1"), 3.0),  # type: ignore[arg-type]
        lambda: interest.penalty_rate(4.35, D("50")),  # type: ignore[arg-type]
        lambda: interest.penalty_rate(D("4.35"), 0.5),  # type: ignore[arg-type]
        lambda: RateSegment(date(2024, 1, 1), 4.35),  # type: ignore[arg-type]
        lambda: interest.delayed_performance_interest(1.5, performance_ends=date(2024, 1, 1), paid_on=date(2024, 2, 1)),  # type: ignore[arg-type]
    ],
)
def test_a_float_money_or_rate_is_refused(call: object) -> None:
    with pytest.raises(LawInputError) as caught:
        call()  # type: ignore[operator]
    assert caught.value.code == "input.not_decimal"


def test_rate_segments_split_the_period_at_each_change() -> None:
    segments = (RateSegment(date(2024, 1, 1), D("3.65")), RateSegment(date(2024, 1, 11), D("7.30")))
    result = interest.segmented_interest(D("100000"), segments, date(2024, 1, 5), date(2024, 1, 20), "actual/365")
    # 6 days (6th-10th Jan... 5 days) at 3.65 % and 10 days at 7.30 %: 50.00 + 200.00
    assert result.days == 15
    assert result.interest == D("250.00")
    assert [m.params.get("days") for m in result.explanation[:-1]] == [5, 10]


def test_a_day_before_the_first_segment_is_refused() -> None:
    with pytest.raises(LawInputError) as caught:
        interest.segmented_interest(
            D("1"), (RateSegment(date(2024, 2, 1), D("1")),), date(2024, 1, 1), date(2024, 3, 1)
        )
    assert caught.value.code == "interest.no_rate_for_day"


def test_unordered_segments_are_refused() -> None:
    segments = (RateSegment(date(2024, 2, 1), D("1")), RateSegment(date(2024, 1, 1), D("2")))
    with pytest.raises(LawInputError):
        interest.segmented_interest(D("1"), segments, date(2024, 2, 1), date(2024, 3, 1))


def test_penalty_rate_adds_the_markup_to_the_contract_rate() -> None:
    assert interest.penalty_rate(D("4.35"), D("30")) == D("5.655")
    assert interest.penalty_rate(D("4.35"), D("100")) == D("8.70")
    assert interest.penalty_rate_explanation(D("4.35"), D("50")).params["penalty"] == D("6.525")


def test_delayed_performance_runs_from_the_day_after_the_performance_period() -> None:
    result = interest.delayed_performance_interest(
        D("123456.78"), performance_ends=date(2024, 6, 30), paid_on=date(2024, 7, 31)
    )
    assert result.days == 31
    assert result.interest == D("669.75")  # 123456.78 × 0.000175 × 31 = 669.753...


def test_explanations_render_in_both_languages() -> None:
    result = interest.simple_interest(D("200000"), D("6.525"), date(2024, 1, 1), date(2024, 1, 31), "actual/360")
    assert result.explanation[0].text("en") == (
        "CNY 200000 × 6.525 %/year × 30 days / 360 (actual/360, from the day after 2024-01-01 to 2024-01-31) "
        "= 1087.5, rounded half-up to 1087.50"
    )
    assert "1087.50" in result.explanation[0].text("zh-hans")


money = st.decimals(min_value=0, max_value=D("100000000"), places=2, allow_nan=False, allow_infinity=False)
rates = st.decimals(min_value=0, max_value=D("36"), places=4, allow_nan=False, allow_infinity=False)
starts = st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 1, 1))
spans = st.integers(min_value=0, max_value=4000)


@given(
    principal=money,
    rate=rates,
    start=starts,
    first=spans,
    second=spans,
    basis=st.sampled_from(interest.DAY_COUNT_BASES),
)
def test_interest_is_additive_over_split_periods(
    principal: Decimal, rate: Decimal, start: date, first: int, second: int, basis: interest.DayCountBasis
) -> None:
    """Exact values add up (to 1e-30 when added in the 50-digit context); each rounded part is within half a cent of its
    exact value, so the rounded parts differ from the rounded whole by at most one cent per split."""
    middle = start + timedelta(days=first)
    end = middle + timedelta(days=second)
    whole = interest.simple_interest(principal, rate, start, end, basis)
    left = interest.simple_interest(principal, rate, start, middle, basis)
    right = interest.simple_interest(principal, rate, middle, end, basis)
    assert left.days + right.days == whole.days
    with localcontext(prec=interest.PRECISION):
        assert abs(left.exact + right.exact - whole.exact) < D("1e-30")
    assert abs(left.interest + right.interest - whole.interest) <= D("0.01")
