"""Every vector of the money sections of vectors.json: meta, court_fees, lpr, lpr_lookup, interest."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from loanlit.law import caps, fees, interest, lpr
from loanlit.law.money import LawInputError, round_half_up
from loanlit.law.tests.vectors import cases, meta, section

D = Decimal


def test_meta_money_convention_is_two_decimals_half_up() -> None:
    conventions = meta()["conventions"]
    assert "ROUND_HALF_UP" in conventions["money"]
    assert round_half_up(D("0.005")) == D("0.01")
    assert round_half_up(D("2.345")) == D("2.35")
    assert fees.acceptance_fee(D("8000")).fee.as_tuple().exponent == -2


def test_meta_day_convention_does_not_count_the_start_day() -> None:
    conventions = meta()["conventions"]
    assert "start day not counted" in conventions["day_period"]
    assert interest.day_count(date(2024, 1, 1), date(2024, 1, 31), "actual/365") == 30


@pytest.mark.parametrize("vector", cases("court_fees", where=lambda v: v["inputs"]["fee_type"] == "acceptance"))
def test_acceptance_fee_vector(vector: dict[str, Any]) -> None:
    claim = D(vector["inputs"]["amount"])
    expected = vector["expected"]
    procedure = vector["inputs"].get("procedure")
    if "payable" in expected:
        grounds: list[fees.HalvingGround] = []
        if procedure == "summary":
            grounds.append("summary")
        if vector["inputs"].get("closed_by") == "mediation":
            grounds.append("mediation")
        assert fees.acceptance_fee(claim, grounds=grounds).fee == D(expected["payable"])
        return
    full = fees.acceptance_fee(claim)
    half = fees.acceptance_fee(claim, halved=True)
    assert full.fee == D(expected["full"])
    if "full_exact" in expected:
        assert full.exact == D(expected["full_exact"])
        assert half.fee == D(expected["half_from_exact"])
        assert round_half_up(full.fee / 2) == D(expected["half_from_rounded_full"])
    else:
        assert half.fee == D(expected["half_summary_or_mediation_or_withdrawal"])


@pytest.mark.parametrize("vector", cases("court_fees", where=lambda v: v["inputs"]["fee_type"] != "acceptance"))
def test_other_court_fee_vector(vector: dict[str, Any]) -> None:
    kind = {"payment_order_application": "payment_order"}.get(
        vector["inputs"]["fee_type"], vector["inputs"]["fee_type"]
    )
    assert fees.court_fee(kind, D(vector["inputs"]["amount"])).fee == D(vector["expected"]["fee"])


@pytest.mark.parametrize("vector", cases("lpr", where=lambda v: v["confidence"] != "unverified"))
def test_lpr_row_vector(vector: dict[str, Any]) -> None:
    published = date.fromisoformat(vector["inputs"]["published"])
    row = lpr.lpr_on(published)
    assert row.published == published
    assert row.lpr_1y == D(vector["expected"]["lpr_1y_pct"])
    assert row.lpr_5y == D(vector["expected"]["lpr_5y_pct"])


@pytest.mark.parametrize("vector", cases("lpr", where=lambda v: v["confidence"] == "unverified"))
def test_unverified_lpr_vector_is_refused_not_guessed(vector: dict[str, Any]) -> None:
    first_unverified = date.fromisoformat(vector["inputs"]["published"].split()[0])
    assert first_unverified - timedelta(days=1) == lpr.LPR_VERIFIED_THROUGH
    with pytest.raises(LawInputError) as caught:
        lpr.lpr_on(first_unverified)
    assert caught.value.code == "lpr.not_verified"
    with pytest.raises(LawInputError):
        caps.interest_cap(first_unverified, D("12"))


@pytest.mark.parametrize("vector", cases("lpr_lookup"))
def test_lpr_lookup_vector(vector: dict[str, Any]) -> None:
    row = lpr.lpr_on(date.fromisoformat(vector["inputs"]["date"]))
    assert row.lpr_1y == D(vector["expected"]["lpr_1y_pct"])
    assert row.published == date.fromisoformat(vector["expected"]["from_release"])


def _cap_vector(v: dict[str, Any]) -> bool:
    return "agreed_rate_pct" in v["inputs"]


@pytest.mark.parametrize("vector", cases("interest", where=_cap_vector))
def test_private_lending_cap_vector(vector: dict[str, Any]) -> None:
    result = caps.interest_cap(
        date.fromisoformat(vector["inputs"]["contract_formed"]), D(vector["inputs"]["agreed_rate_pct"])
    )
    lpr_used, published = vector["expected"]["lpr_1y_used"].split(" ", 1)
    assert result.applies is True
    assert result.lpr_1y == D(lpr_used)
    assert result.lpr_published == date.fromisoformat(published.strip("()").split()[-1])
    assert result.cap_pct == D(vector["expected"]["cap_pct"])
    assert result.supported_rate_pct == D(vector["expected"]["supported_rate_pct"])


@pytest.mark.parametrize("vector", cases("interest", where=lambda v: v["id"] == "I07"))
def test_combined_overdue_cost_cap_vector(vector: dict[str, Any]) -> None:
    inputs = vector["inputs"]
    result = caps.overdue_cost_cap(
        date.fromisoformat(inputs["contract_formed"]),
        overdue_rate_pct=D(inputs["overdue_rate_pct"]),
        penalty_pct=D(inputs["penalty_pct_per_year"]),
        other_fees_pct=D(inputs["other_fees_pct_per_year"]),
    )
    assert result.cap_pct == D(vector["expected"]["combined_cap_pct"])
    assert result.supported_rate_pct == D(vector["expected"]["supported_total_pct"])


@pytest.mark.parametrize("vector", cases("interest", where=lambda v: v["id"] == "I08"))
def test_licensed_lender_vector(vector: dict[str, Any]) -> None:
    result = caps.interest_cap(date(2024, 1, 10), D("18"), "licensed")
    assert result.applies is vector["expected"]["private_lending_cap_applies"]
    assert result.cap_pct is None
    assert result.supported_rate_pct == D("18")
    assert [w.code for w in result.warnings] == ["cap.total_cost_ceiling"]


@pytest.mark.parametrize("vector", cases("interest", where=lambda v: v["id"] == "I10"))
def test_penalty_interest_vector(vector: dict[str, Any]) -> None:
    inputs, expected = vector["inputs"], vector["expected"]
    rate = interest.penalty_rate(D(inputs["bank_contract_rate_pct"]), D(inputs["penalty_markup"].rstrip("%")))
    assert rate == D(expected["penalty_rate_pct"])
    start = date(2024, 3, 1)
    end = start + timedelta(days=inputs["days"])
    principal = D(inputs["overdue_principal"])
    assert interest.simple_interest(principal, rate, start, end, "actual/360").interest == D(
        expected["interest_actual_360"]
    )
    assert interest.simple_interest(principal, rate, start, end, "actual/365").interest == D(
        expected["interest_actual_365"]
    )


@pytest.mark.parametrize("vector", cases("interest", where=lambda v: v["id"] == "I11"))
def test_compound_interest_vector(vector: dict[str, Any]) -> None:
    inputs, expected = vector["inputs"], vector["expected"]
    unpaid, rate, days = D(inputs["unpaid_interest"]), D(inputs["penalty_rate_pct"]), inputs["days"]
    assert interest.interest_for_days(unpaid, rate, days, "actual/360").interest == D(expected["compound_360"])
    assert interest.interest_for_days(unpaid, rate, days, "actual/365").interest == D(expected["compound_365"])


@pytest.mark.parametrize("vector", cases("interest", where=lambda v: v["id"] == "I13"))
def test_delayed_performance_vector(vector: dict[str, Any]) -> None:
    debt = D(vector["inputs"]["unpaid_money_debt_excluding_ordinary_interest"])
    ends = date(2024, 5, 31)
    result = interest.delayed_performance_interest(
        debt, performance_ends=ends, paid_on=ends + timedelta(days=vector["inputs"]["days_of_delay"])
    )
    assert result.days == vector["inputs"]["days_of_delay"]
    assert result.interest == D(vector["expected"]["doubled_part_interest"])


def test_every_interest_vector_has_a_test() -> None:
    covered = {"I07", "I08", "I10", "I11", "I13"} | {v["id"] for v in section("interest") if _cap_vector(v)}
    assert {v["id"] for v in section("interest")} <= covered


def test_every_money_message_has_matching_chinese_and_english_texts() -> None:
    import string

    from loanlit.law import allocation, claims  # noqa: F401  (registers their codes)
    from loanlit.law.explain import known_codes

    prefixes = ("fee.", "interest.", "lpr.", "cap.", "claim.", "allocation.")
    texts = {code: t for code, t in known_codes().items() if code.startswith(prefixes)}
    assert len(texts) > 50
    for code, t in texts.items():
        fields = {name for text in t.values() for _, name, _, _ in string.Formatter().parse(text) if name}
        zh_fields = {name for _, name, _, _ in string.Formatter().parse(t["zh-hans"]) if name}
        en_fields = {name for _, name, _, _ in string.Formatter().parse(t["en"]) if name}
        assert zh_fields == en_fields == fields, code
        assert any("\u4e00" <= ch <= "\u9fff" for ch in t["zh-hans"]), code
