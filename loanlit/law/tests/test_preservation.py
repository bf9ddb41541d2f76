"""Terms of seizures and freezes per asset type, exact to the day, and their renewals."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loanlit.law.calendar import Calendar
from loanlit.law.explain import known_codes
from loanlit.law.money import LawInputError
from loanlit.law.periods import compute_deadline
from loanlit.law.preservation import (
    ASSET_TERM_CLASS,
    AssetClass,
    TermClass,
    check_measure_kind,
    max_term_months,
    measure_term,
    renewal_term,
)

PLAIN = Calendar()


@pytest.mark.parametrize(
    "asset, months",
    [
        ("deposit", 12),  # 冻结银行存款 1 year
        ("vehicle", 24),  # 查封、扣押动产 2 years
        ("other_movable", 24),
        ("real_estate", 36),  # 查封不动产 3 years
        ("equity", 36),  # 冻结其他财产权 3 years
        ("receivable", 36),
        ("other_right", 36),
    ],
)
def test_the_statutory_maximum_term_follows_the_asset(asset, months):
    assert max_term_months(asset) == months


@pytest.mark.parametrize(
    "asset, start, nominal, expiry, renewal_due, rolled",
    [
        # 1 year, expiry a Tuesday; the latest safe application day is 7 days earlier, also a Tuesday.
        ("deposit", date(2025, 3, 10), date(2026, 3, 10), date(2026, 3, 10), date(2026, 3, 3), False),
        # The year ends on National Day 2025: the term rolls to the first working day, 2025-10-09; the
        # safe application day is counted from the nominal end (2025-09-24, a Wednesday).
        ("deposit", date(2024, 10, 1), date(2025, 10, 1), date(2025, 10, 9), date(2025, 9, 24), True),
        # New Year 2026 ends on Saturday 3 January; Sunday the 4th is a make-up working day.
        ("deposit", date(2025, 1, 1), date(2026, 1, 1), date(2026, 1, 4), date(2025, 12, 25), True),
        # 2 years from 29 February: no 29 February in 2026, so the 28th, an adjusted working Saturday (no
        # roll-over); 7 days earlier is inside the Spring Festival block, so the safe day walks back to
        # Saturday 14 February, a make-up working day.
        ("vehicle", date(2024, 2, 29), date(2026, 2, 28), date(2026, 2, 28), date(2026, 2, 14), False),
        ("other_movable", date(2023, 10, 15), date(2025, 10, 15), date(2025, 10, 15), date(2025, 9, 30), False),
        # 3 years ending on National Day 2026 (1–7 October): expiry Thursday 8 October.
        ("real_estate", date(2023, 10, 5), date(2026, 10, 5), date(2026, 10, 8), date(2026, 9, 28), True),
        ("equity", date(2023, 1, 28), date(2026, 1, 28), date(2026, 1, 28), date(2026, 1, 21), False),
    ],
)
def test_first_term_expiry_and_latest_safe_renewal_day_are_exact(asset, start, nominal, expiry, renewal_due, rolled):
    term = measure_term(asset, start, calendar=PLAIN)
    assert (term.nominal_expiry, term.expiry, term.renewal_due, term.rolled) == (nominal, expiry, renewal_due, rolled)
    assert term.confirmed is True
    assert term.term_months == term.max_months == max_term_months(asset)


def test_a_term_ending_in_a_year_without_holiday_data_is_provisional():
    term = measure_term("real_estate", date(2024, 1, 8), calendar=PLAIN)
    assert (term.nominal_expiry, term.renewal_due) == (date(2027, 1, 8), date(2026, 12, 31))
    assert term.confirmed is False


def test_a_shorter_term_set_by_the_court_is_counted_the_same_way():
    term = measure_term("deposit", date(2025, 3, 10), calendar=PLAIN, term_months=6)
    assert (term.nominal_expiry, term.expiry, term.renewal_due) == (
        date(2025, 9, 10),
        date(2025, 9, 10),
        date(2025, 9, 3),
    )
    codes = [m.code for m in term.explanation]
    assert "preservation.term" in codes and "period.rule.preservation_deposit" not in codes


def test_an_expiry_stated_by_the_court_wins_and_is_not_rolled():
    # The registry's receipt says "至2026年3月9日止": one day earlier than the art. 85 count.
    term = measure_term("deposit", date(2025, 3, 10), calendar=PLAIN, stated_expiry=date(2026, 3, 9))
    assert (term.nominal_expiry, term.expiry, term.renewal_due, term.stated) == (
        date(2026, 3, 9),
        date(2026, 3, 9),
        date(2026, 3, 2),
        True,
    )
    # A stated expiry on a rest day stays where the court put it; the safe day (Sunday 1 March) walks back to
    # the previous working day, Saturday 28 February 2026, a make-up working day after the Spring Festival.
    sunday = measure_term("deposit", date(2025, 3, 10), calendar=PLAIN, stated_expiry=date(2026, 3, 8))
    assert (sunday.expiry, sunday.renewal_due) == (date(2026, 3, 8), date(2026, 2, 28))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"term_months": 13},
        {"term_months": 0},
        {"stated_expiry": date(2026, 3, 11)},  # beyond the 1-year maximum
        {"stated_expiry": date(2025, 3, 10)},  # not after the start
    ],
)
def test_terms_beyond_the_statutory_maximum_are_refused(kwargs):
    with pytest.raises(LawInputError):
        measure_term("deposit", date(2025, 3, 10), calendar=PLAIN, **kwargs)


def test_a_renewal_runs_on_from_the_previous_nominal_expiry():
    first = measure_term("deposit", date(2024, 1, 15), calendar=PLAIN)
    assert (first.nominal_expiry, first.renewal_due) == (date(2025, 1, 15), date(2025, 1, 8))
    renewed = renewal_term(
        "deposit",
        previous_nominal_expiry=first.nominal_expiry,
        previous_expiry=first.expiry,
        renewed_on=date(2025, 1, 10),
        applied_on=date(2025, 1, 6),
        previous_renewal_due=first.renewal_due,
        calendar=PLAIN,
    )
    assert (renewed.start, renewed.nominal_expiry, renewed.expiry, renewed.renewal_due) == (
        date(2025, 1, 15),
        date(2026, 1, 15),
        date(2026, 1, 15),
        date(2026, 1, 8),
    )
    assert renewed.applied_late is False


def test_a_renewal_after_a_rolled_expiry_continues_from_the_nominal_end():
    first = measure_term("deposit", date(2024, 10, 1), calendar=PLAIN)
    renewed = renewal_term(
        "deposit",
        previous_nominal_expiry=first.nominal_expiry,
        previous_expiry=first.expiry,
        renewed_on=date(2025, 10, 9),  # the rolled last day still counts
        calendar=PLAIN,
    )
    assert (renewed.nominal_expiry, renewed.expiry) == (date(2026, 10, 1), date(2026, 10, 8))


def test_an_application_after_the_safe_day_is_flagged_but_the_renewal_stands():
    renewed = renewal_term(
        "deposit",
        previous_nominal_expiry=date(2025, 1, 15),
        previous_expiry=date(2025, 1, 15),
        renewed_on=date(2025, 1, 14),
        applied_on=date(2025, 1, 9),
        previous_renewal_due=date(2025, 1, 8),
        calendar=PLAIN,
    )
    assert renewed.applied_late is True
    assert renewed.explanation[-1].code == "preservation.applied_late"


def test_an_expired_measure_cannot_be_renewed():
    with pytest.raises(LawInputError) as caught:
        renewal_term(
            "deposit",
            previous_nominal_expiry=date(2025, 1, 15),
            previous_expiry=date(2025, 1, 15),
            renewed_on=date(2025, 1, 16),
            calendar=PLAIN,
        )
    assert caught.value.code == "preservation.renewal_after_expiry"


@pytest.mark.parametrize(
    "asset, kind, ok",
    [
        ("deposit", "freeze", True),
        ("deposit", "seizure", False),
        ("real_estate", "seizure", True),
        ("real_estate", "distraint", False),
        ("vehicle", "distraint", True),
        ("equity", "freeze", True),
        ("equity", "seizure", False),
    ],
)
def test_a_measure_must_fit_the_asset(asset, kind, ok):
    if ok:
        check_measure_kind(asset, kind)
    else:
        with pytest.raises(LawInputError):
            check_measure_kind(asset, kind)


def test_unknown_assets_and_datetimes_are_refused():
    with pytest.raises(LawInputError):
        measure_term("ship", date(2025, 1, 1), calendar=PLAIN)
    from datetime import datetime

    with pytest.raises(LawInputError):
        measure_term("deposit", datetime(2025, 1, 1, 9, 0), calendar=PLAIN)


_RULES = {TermClass.DEPOSIT: "preservation_deposit", TermClass.MOVABLE: "preservation_movable"}
_RULES[TermClass.REAL_ESTATE] = "preservation_real_estate"


@settings(max_examples=200, deadline=None)
@given(
    asset=st.sampled_from(sorted(ASSET_TERM_CLASS)),
    start=st.dates(min_value=date(2005, 1, 1), max_value=date(2023, 12, 31)),
)
def test_a_full_term_gives_the_deadlines_apps_dates(asset, start):
    term = measure_term(asset, start, calendar=PLAIN)
    period = compute_deadline(_RULES[ASSET_TERM_CLASS[asset]], start, calendar=PLAIN)
    assert (term.nominal_expiry, term.expiry, term.renewal_due) == (
        period.nominal_end,
        period.deadline,
        period.reminder_date,
    )
    assert term.renewal_due <= term.nominal_expiry - timedelta(days=7)


def test_every_asset_class_has_a_term_class():
    assert set(ASSET_TERM_CLASS) == {a.value for a in AssetClass}


CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("code", sorted(c for c in known_codes() if c.startswith("preservation.")))
def test_preservation_texts_exist_in_both_languages(code):
    texts = known_codes()[code]
    assert CJK.search(texts["zh-hans"]) and texts["en"].strip() and not CJK.search(texts["en"])
    assert set(re.findall(r"{(\w+)}", texts["zh-hans"])) == set(re.findall(r"{(\w+)}", texts["en"]))
