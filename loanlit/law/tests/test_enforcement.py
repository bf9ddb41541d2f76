"""Enforcement periods, the 终本 review rhythm and the auction ladder."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from loanlit.law.calendar import Calendar
from loanlit.law.enforcement import (
    allowed_next_steps,
    application_check,
    auction_reserve_floor,
    check_auction_step,
    enforcement_limit,
    next_review_on,
    resumption_after_settlement_deadline,
)
from loanlit.law.explain import known_codes
from loanlit.law.money import LawInputError

PLAIN = Calendar()


def test_the_application_period_is_two_years_from_the_end_of_performance_rolled_past_national_day():
    # vectors P23: 2024-10-05 + 24 months = 2026-10-05 (National Day) → 2026-10-08.
    on_time = application_check(date(2026, 10, 8), performance_ends=date(2024, 10, 5), calendar=PLAIN)
    assert (on_time.deadline.nominal_end, on_time.deadline.deadline, on_time.late) == (
        date(2026, 10, 5),
        date(2026, 10, 8),
        False,
    )
    late = application_check(date(2026, 10, 9), performance_ends=date(2024, 10, 5), calendar=PLAIN)
    assert late.late is True
    assert late.explanation[-1].code == "enforcement.application_late"


def test_the_application_period_from_29_february_ends_on_the_28th():
    # vectors P22: no 2026-02-29; 2026-02-28 is an adjusted working Saturday, no roll-over.
    check = application_check(date(2026, 2, 28), performance_ends=date(2024, 2, 29), calendar=PLAIN)
    assert (check.deadline.deadline, check.late) == (date(2026, 2, 28), False)


def test_resuming_after_a_breached_settlement_has_two_years_from_its_last_performance_day():
    result = resumption_after_settlement_deadline(date(2024, 6, 30), calendar=PLAIN)
    assert (result.nominal_end, result.deadline) == (date(2026, 6, 30), date(2026, 6, 30))


def test_the_enforcement_limit_is_six_months_from_filing():
    # vectors P20
    result = enforcement_limit(date(2025, 4, 30), calendar=PLAIN)
    assert (result.nominal_end, result.deadline) == (date(2025, 10, 30), date(2025, 10, 30))


@pytest.mark.parametrize(
    "since, months, expected",
    [
        (date(2025, 3, 15), 6, date(2025, 9, 15)),
        (date(2025, 8, 31), 6, date(2026, 2, 28)),  # no 31 February: the month's last day
        (date(2025, 8, 31), 3, date(2025, 11, 30)),
    ],
)
def test_the_next_review_of_a_terminated_case_is_months_later(since, months, expected):
    assert next_review_on(since, months=months) == expected


def test_a_review_interval_outside_one_to_sixty_months_is_refused():
    with pytest.raises(LawInputError):
        next_review_on(date(2025, 1, 1), months=0)


@pytest.mark.parametrize(
    "previous, floor",
    [
        (Decimal("100000.00"), Decimal("80000.00")),
        (Decimal("100000.01"), Decimal("80000.01")),
        (Decimal("0.05"), Decimal("0.04")),
    ],
)
def test_the_second_auction_reserve_may_fall_by_at_most_a_fifth(previous, floor):
    assert auction_reserve_floor(previous) == floor


def test_the_auction_ladder():
    assert allowed_next_steps([]) == ("appraisal",)
    appraised = [("appraisal", "done")]
    assert allowed_next_steps(appraised) == ("appraisal", "first_auction")
    first_failed = [*appraised, ("first_auction", "failed")]
    assert allowed_next_steps(first_failed) == ("second_auction", "settlement_in_kind")
    second_failed = [*first_failed, ("second_auction", "failed")]
    assert allowed_next_steps(second_failed) == ("sale", "settlement_in_kind")
    sale_failed = [*second_failed, ("sale", "failed")]
    assert allowed_next_steps(sale_failed) == ("settlement_in_kind",)
    assert allowed_next_steps([*first_failed, ("second_auction", "sold")]) == ()
    assert allowed_next_steps([*first_failed, ("settlement_in_kind", "done")]) == ()
    # A withdrawn round did not take place: the first auction may be held again.
    assert allowed_next_steps([*appraised, ("first_auction", "withdrawn")]) == ("appraisal", "first_auction")


def test_steps_out_of_order_and_a_reserve_below_the_floor_are_refused():
    with pytest.raises(LawInputError) as caught:
        check_auction_step([("appraisal", "done")], "second_auction")
    assert caught.value.code == "enforcement.auction_out_of_order"
    history = [("appraisal", "done"), ("first_auction", "failed")]
    check_auction_step(history, "second_auction", reserve=Decimal("80000.00"), previous_reserve=Decimal("100000.00"))
    with pytest.raises(LawInputError) as caught:
        check_auction_step(
            history, "second_auction", reserve=Decimal("79999.99"), previous_reserve=Decimal("100000.00")
        )
    assert caught.value.code == "enforcement.reserve_below_floor"


CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize(
    "code", sorted(c for c in known_codes() if c.startswith(("enforcement.", "enforcement_debt.")))
)
def test_enforcement_texts_exist_in_both_languages(code):
    import loanlit.law.enforcement_debt  # noqa: F401  (registers its codes)

    texts = known_codes()[code]
    assert CJK.search(texts["zh-hans"]) and texts["en"].strip() and not CJK.search(texts["en"])
    assert set(re.findall(r"{(\w+)}", texts["zh-hans"])) == set(re.findall(r"{(\w+)}", texts["en"]))
