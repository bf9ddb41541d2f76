"""Retention keeps the newest backup of each of the last N days, M ISO weeks and K months."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from loanlit.backups.retention import kept


def _daily(first: date, last: date) -> list[tuple[str, date]]:
    days = (last - first).days
    return [((first + timedelta(d)).isoformat(), first + timedelta(d)) for d in range(days + 1)]


def test_seven_daily_four_weekly_three_monthly_over_a_quarter_of_daily_backups():
    backups = _daily(date(2026, 9, 1), date(2026, 12, 4))  # Tue 1 Sep .. Fri 4 Dec 2026
    keep = kept(backups, daily=7, weekly=4, monthly=3)
    assert sorted(keep) == [
        "2026-10-31",  # month October
        "2026-11-15",  # ISO week 46 (Sunday)
        "2026-11-22",  # ISO week 47
        "2026-11-28",  # daily
        "2026-11-29",  # daily, ISO week 48 (Sunday)
        "2026-11-30",  # daily, month November
        "2026-12-01",
        "2026-12-02",
        "2026-12-03",
        "2026-12-04",  # daily, ISO week 49, month December
    ]


def test_nothing_to_keep_keeps_nothing_and_zero_limits_prune_everything():
    assert kept([], daily=7, weekly=4, monthly=12) == set()
    assert kept(_daily(date(2026, 1, 1), date(2026, 1, 10)), daily=0, weekly=0, monthly=0) == set()


def test_the_newest_backup_of_a_day_fills_its_slot():
    backups = [
        ("early", datetime(2026, 12, 3, 2, 0)),
        ("late", datetime(2026, 12, 3, 14, 0)),
        ("yesterday", datetime(2026, 12, 2, 2, 0)),
    ]
    assert kept(backups, daily=1, weekly=0, monthly=0) == {"late"}
    assert kept(backups, daily=2, weekly=0, monthly=0) == {"late", "yesterday"}


def test_gaps_do_not_use_up_slots():
    backups = [("a", date(2026, 12, 4)), ("b", date(2026, 11, 20)), ("c", date(2026, 10, 1))]
    assert kept(backups, daily=3, weekly=0, monthly=0) == {"a", "b", "c"}
    assert kept(backups, daily=0, weekly=0, monthly=2) == {"a", "b"}
