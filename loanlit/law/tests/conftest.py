"""Fixtures for the pure legal rules: no database, the calendar injected as an object."""

from __future__ import annotations

from datetime import date

import pytest

from loanlit.law.calendar import Calendar, YearOverride

# A made-up 2027 notice for tests: the real one did not exist when these tests were written.
TEST_NOTICE_2027 = "TEST-2027"


@pytest.fixture
def calendar() -> Calendar:
    """The package data only, as a fresh installation has it."""
    return Calendar()


@pytest.fixture
def override_2027() -> YearOverride:
    return YearOverride(
        year=2027,
        notice=TEST_NOTICE_2027,
        rest_days=frozenset({date(2027, 1, 1), date(2027, 1, 2), date(2027, 1, 3), date(2027, 2, 8)}),
        working_days=frozenset({date(2027, 1, 9)}),
        swapped_rest_days=frozenset({date(2027, 2, 8)}),
    )


@pytest.fixture
def calendar_2027(override_2027: YearOverride) -> Calendar:
    return Calendar([override_2027])
