"""Interest caps: private lending at formation, the art. 31 transitional rule, licensed lenders."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from loanlit.law import caps
from loanlit.law.money import LawInputError

D = Decimal


def test_cap_uses_the_lpr_at_formation_not_at_filing() -> None:
    result = caps.interest_cap(date(2024, 10, 20), D("20"), filed=date(2025, 6, 1))
    assert (result.lpr_1y, result.cap_pct, result.supported_rate_pct) == (D("3.35"), D("13.40"), D("13.40"))


def test_agreed_rate_below_the_cap_is_supported_in_full() -> None:
    result = caps.interest_cap(date(2021, 3, 15), D("15"))
    assert result.supported_rate_pct == D("15")
    assert result.applies is True
    assert result.warnings == []


def test_old_contract_needs_the_filing_date() -> None:
    with pytest.raises(LawInputError) as caught:
        caps.interest_cap(date(2019, 6, 1), D("20"))
    assert caught.value.code == "cap.filing_date_required"


def test_old_contract_interest_from_2020_08_20_is_capped_at_four_times_the_lpr_at_filing() -> None:
    result = caps.interest_cap(date(2019, 6, 1), D("20"), filed=date(2021, 3, 1))
    assert result.lpr_1y == D("3.85")
    assert result.lpr_published == date(2021, 2, 22)
    assert result.cap_pct == D("15.40")
    assert result.supported_rate_pct == D("15.40")
    assert [(s.from_day, s.to_day, s.cap_pct, s.supported_rate_pct) for s in result.segments] == [
        (date(2019, 6, 1), date(2020, 8, 19), D("24"), D("20")),
        (date(2020, 8, 20), None, D("15.40"), D("15.40")),
    ]


def test_old_contract_filed_before_the_new_rules_keeps_the_24_percent_rule() -> None:
    result = caps.interest_cap(date(2019, 6, 1), D("30"), filed=date(2020, 8, 1))
    assert (result.cap_pct, result.supported_rate_pct) == (D("24"), D("24"))
    assert [w.code for w in result.warnings] == ["cap.filed_before_new_rules"]


def test_contract_formed_on_2020_08_20_is_under_the_new_rules() -> None:
    result = caps.interest_cap(date(2020, 8, 20), D("20"))
    assert (result.lpr_1y, result.cap_pct) == (D("3.85"), D("15.40"))


@pytest.mark.parametrize("lender", ["licensed", "local_financial"])
def test_licensed_lenders_are_outside_the_cap_and_get_the_total_cost_warning(lender: caps.LenderKind) -> None:
    result = caps.interest_cap(date(2024, 1, 10), D("26"), lender)
    assert result.applies is False
    assert (result.lpr_1y, result.cap_pct, result.supported_rate_pct) == (None, None, D("26"))
    assert [w.code for w in result.warnings] == ["cap.total_cost_ceiling_exceeded"]
    assert result.warnings[0].params["ceiling"] == D("24")


def test_total_cost_ceiling_is_configurable() -> None:
    result = caps.interest_cap(date(2024, 1, 10), D("20"), "licensed", ceiling_pct=D("18"))
    assert result.warnings[0].code == "cap.total_cost_ceiling_exceeded"
    assert result.warnings[0].params == {"rate": D("20"), "ceiling": D("18")}


def test_licensed_lender_does_not_need_an_lpr_for_a_recent_contract() -> None:
    assert caps.interest_cap(date(2026, 6, 1), D("10"), "licensed").supported_rate_pct == D("10")


def test_unknown_lender_and_float_rate_are_refused() -> None:
    with pytest.raises(LawInputError):
        caps.interest_cap(date(2024, 1, 10), D("10"), "pawnshop")  # type: ignore[arg-type]
    with pytest.raises(LawInputError):
        caps.interest_cap(date(2024, 1, 10), 10.0)  # type: ignore[arg-type]


def test_formation_after_the_verified_date_is_refused() -> None:
    with pytest.raises(LawInputError) as caught:
        caps.interest_cap(date(2026, 1, 1), D("10"))
    assert caught.value.code == "lpr.not_verified"


def test_overdue_charges_are_capped_together() -> None:
    result = caps.overdue_cost_cap(date(2023, 9, 1), overdue_rate_pct=D("8"), penalty_pct=D("3"), other_fees_pct=D("1"))
    assert (result.cap_pct, result.supported_rate_pct) == (D("13.80"), D("12"))
    assert result.explanation[-1].code == "cap.combined"
