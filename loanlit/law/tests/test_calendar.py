"""The injected calendar: package data, administrator overrides, and years without data."""

from __future__ import annotations

from datetime import date
from importlib.metadata import version

import pytest

from loanlit.law.calendar import (
    PACKAGE_YEARS,
    Calendar,
    DataSource,
    DayKind,
    RolloverPolicy,
    YearOverride,
    calendar_year_summary,
    missing_years,
    missing_years_warning,
)
from loanlit.law.money import LawInputError

from .conftest import TEST_NOTICE_2027


def test_chinesecalendar_is_pinned_to_the_tested_version_covering_2004_to_2026():
    assert version("chinesecalendar") == "1.11.0"
    assert PACKAGE_YEARS == (2004, 2026)


@pytest.mark.parametrize(
    ("today", "missing"),
    [
        (date(2026, 12, 3), (2027,)),  # the real situation when these rules were written
        (date(2026, 11, 1), (2027,)),  # the warning starts on 1 November
        (date(2026, 10, 31), ()),  # not yet: the State Council notice usually comes in November
        (date(2027, 3, 1), (2027,)),  # a current year without data is always reported
        (date(2025, 11, 15), ()),
    ],
)
def test_next_years_holiday_data_is_reported_missing_from_1_november(calendar, today, missing):
    assert missing_years(calendar, today) == missing
    warning = missing_years_warning(calendar, today)
    if missing:
        assert warning is not None
        assert warning.code == "calendar.years_missing"
        assert warning.params == {"years": "2027"}
    else:
        assert warning is None


def test_missing_2027_warning_is_produced_without_override_and_gone_with_one(calendar, calendar_2027):
    assert missing_years_warning(calendar, date(2026, 12, 3)) is not None
    assert missing_years_warning(calendar_2027, date(2026, 12, 3)) is None
    assert "2027" in missing_years_warning(calendar, date(2026, 12, 3)).text("en")  # type: ignore[union-attr]


def test_year_has_data_follows_package_and_override(calendar, calendar_2027):
    assert calendar.year_has_data(2026) is True
    assert calendar.year_has_data(2027) is False
    assert calendar.year_has_data(2003) is False
    assert calendar_2027.year_has_data(2027) is True
    assert Calendar(use_package=False).year_has_data(2025) is False


def test_a_year_without_data_answers_from_the_fallback_and_flags_it(calendar):
    new_year = calendar.day_info(date(2027, 1, 1))
    assert (new_year.kind, new_year.source, new_year.confirmed) == (DayKind.HOLIDAY, DataSource.NONE, False)
    for day in (date(2027, 5, 1), date(2027, 5, 2), date(2027, 10, 1), date(2027, 10, 3)):
        assert calendar.day_info(day).kind is DayKind.HOLIDAY
    assert calendar.day_info(date(2027, 10, 4)).kind is DayKind.WORKING  # Monday; the real block is unknown
    assert calendar.day_info(date(2027, 1, 2)).kind is DayKind.WEEKEND


def test_override_decides_a_year_the_package_lacks(calendar_2027):
    assert calendar_2027.day_info(date(2027, 1, 1)).kind is DayKind.HOLIDAY
    assert calendar_2027.day_info(date(2027, 2, 8)).kind is DayKind.SWAPPED_REST  # a Monday
    assert calendar_2027.day_info(date(2027, 1, 9)).kind is DayKind.MAKEUP_WORKING  # a Saturday
    plain = calendar_2027.day_info(date(2027, 10, 1))  # not in the (test) notice: an ordinary Friday
    assert (plain.kind, plain.source, plain.confirmed) == (DayKind.WORKING, DataSource.OVERRIDE, True)


def test_override_wins_over_the_package_date_by_date():
    correction = YearOverride(
        year=2025,
        notice="TEST-2025",
        rest_days=frozenset({date(2025, 9, 28)}),
        working_days=frozenset({date(2025, 10, 8)}),
    )
    cal = Calendar([correction])
    assert cal.day_info(date(2025, 9, 28)).kind is DayKind.HOLIDAY
    assert cal.day_info(date(2025, 10, 8)).kind is DayKind.WORKING
    assert cal.day_info(date(2025, 10, 7)).source is DataSource.PACKAGE
    assert cal.source_for_year(2025) is DataSource.OVERRIDE


def test_year_summary_lists_rest_days_make_up_days_and_source(calendar, calendar_2027):
    summary = calendar_year_summary(2025, calendar=calendar)
    assert summary.source is DataSource.PACKAGE and summary.notice is None
    assert date(2025, 10, 8) in summary.rest_days
    assert summary.working_days == (
        date(2025, 1, 26),
        date(2025, 2, 8),
        date(2025, 4, 27),
        date(2025, 9, 28),
        date(2025, 10, 11),
    )
    missing = calendar_year_summary(2027, calendar=calendar)
    assert (missing.source, missing.rest_days, missing.working_days) == (DataSource.NONE, (), ())
    assert missing.provisional_rest_days == (
        date(2027, 1, 1),
        date(2027, 5, 1),
        date(2027, 5, 2),
        date(2027, 10, 1),
        date(2027, 10, 2),
        date(2027, 10, 3),
    )
    entered = calendar_year_summary(2027, calendar=calendar_2027)
    assert (entered.source, entered.notice, entered.package_covers) == (DataSource.OVERRIDE, TEST_NOTICE_2027, False)
    assert entered.rest_days == (date(2027, 1, 1), date(2027, 1, 2), date(2027, 1, 3), date(2027, 2, 8))
    assert entered.working_days == (date(2027, 1, 9),)


def test_policy_decides_make_up_and_swapped_days(calendar):
    makeup, swapped = calendar.day_info(date(2025, 9, 28)), calendar.day_info(date(2025, 10, 8))
    assert makeup.is_rest() is False and swapped.is_rest() is True
    assert makeup.is_rest(RolloverPolicy(makeup_workday_is_working=False)) is True
    assert swapped.is_rest(RolloverPolicy(swapped_rest_day_is_rest=False)) is False


def test_previous_working_day_walks_back_over_a_holiday_block(calendar):
    assert calendar.previous_working_day(date(2025, 10, 5)) == (date(2025, 9, 30), True)
    assert calendar.previous_working_day(date(2027, 1, 1)) == (date(2026, 12, 31), False)


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"notice": " "}, "calendar.override_notice_missing"),
        ({"rest_days": frozenset({date(2026, 12, 31)})}, "calendar.override_wrong_year"),
        ({"rest_days": frozenset({date(2027, 1, 1)}), "working_days": frozenset({date(2027, 1, 1)})},
         "calendar.override_conflict"),
        ({"swapped_rest_days": frozenset({date(2027, 2, 8)})}, "calendar.override_swapped_not_rest"),
    ],
)  # fmt: skip
def test_bad_override_data_is_refused_with_a_clear_code(kwargs, code):
    with pytest.raises(LawInputError) as excinfo:
        YearOverride(**({"year": 2027, "notice": "TEST"} | kwargs))
    assert excinfo.value.code == code


def test_the_same_year_cannot_be_overridden_twice(override_2027):
    with pytest.raises(LawInputError) as excinfo:
        Calendar([override_2027, override_2027])
    assert excinfo.value.code == "calendar.override_duplicate_year"


def test_overrides_can_be_given_as_a_mapping(override_2027):
    assert Calendar({2027: override_2027}).source_for_year(2027) is DataSource.OVERRIDE
