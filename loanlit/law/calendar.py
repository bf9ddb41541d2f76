"""Working days and rest days for PRC court periods (CPL 2023 art. 85 para 3; Civil Code art. 203).

The statutory data comes from ``chinesecalendar`` (pinned 1.11.0, years 2004–2026), which mirrors the
State Council's yearly holiday notices under the Holiday Measures (全国年节及纪念日放假办法, 2024 rev.,
arts. 2, 6, 7). An administrator can add or correct a year with a :class:`YearOverride` (the notice's
rest days and make-up working days, with its reference number); an override wins over the package
date by date.

A year present in neither source is not guessed silently: :meth:`Calendar.day_info` answers from a
fallback (weekends plus the fixed-date holidays 1 Jan, 1–2 May and 1–3 Oct) and marks the answer
unconfirmed, so period computations built on it are flagged provisional (rules.md, "holiday data
missing" decision). The calendar is an object handed to the period rules, never a global.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Final

import chinese_calendar
from chinese_calendar.constants import holidays as _PACKAGE_HOLIDAYS
from chinese_calendar.constants import in_lieu_days as _PACKAGE_IN_LIEU
from chinese_calendar.constants import workdays as _PACKAGE_WORKDAYS

from loanlit.law.explain import Msg, register
from loanlit.law.money import LawInputError

# Fixed-date statutory holidays (Holiday Measures 2024 rev. art. 2): the only holiday dates known
# without the State Council's yearly notice, used for provisional results.
FALLBACK_FIXED_HOLIDAYS: Final = frozenset({(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)})

# The State Council publishes next year's notice around November; from this day on a missing next
# year is an administrator warning (rules.md decisions table).
WARN_FROM_MONTH_DAY: Final = (11, 1)


class DayKind(StrEnum):
    """What kind of day a date is for the purposes of roll-over."""

    WORKING = "working"
    MAKEUP_WORKING = "makeup_working"  # 调休上班: a Saturday/Sunday declared a working day
    WEEKEND = "weekend"  # ordinary Saturday or Sunday
    HOLIDAY = "holiday"  # statutory holiday, or a weekend day inside a holiday block
    SWAPPED_REST = "swapped_rest"  # 调休休息: a weekday made a rest day inside a holiday block


DAY_KIND_LABELS: Final[dict[DayKind, tuple[str, str]]] = {
    DayKind.WORKING: ("工作日", "working day"),
    DayKind.MAKEUP_WORKING: ("调休上班日", "make-up working day"),
    DayKind.WEEKEND: ("周末", "weekend"),
    DayKind.HOLIDAY: ("法定节假日", "statutory holiday"),
    DayKind.SWAPPED_REST: ("调休休息日", "swapped rest day"),
}


class DataSource(StrEnum):
    PACKAGE = "package"
    OVERRIDE = "override"
    NONE = "none"


@dataclass(frozen=True)
class RolloverPolicy:
    """The per-organisation choices the law leaves open (rules.md decisions table, §1.3).

    Defaults: a make-up working day is a working day (no roll-over); a swapped rest day is a rest
    day (roll-over); the 30-day publication period rolls over like any other period.
    """

    makeup_workday_is_working: bool = True
    swapped_rest_day_is_rest: bool = True
    publication_rollover: bool = True


DEFAULT_POLICY: Final = RolloverPolicy()


@dataclass(frozen=True)
class YearOverride:
    """One year of the State Council holiday notice, entered by an administrator.

    ``rest_days`` are the statutory holidays and swapped rest days (weekends inside a block may be
    listed too); ``working_days`` are the make-up working days; ``swapped_rest_days`` marks the
    rest days that are weekdays moved by the swap (a subset of ``rest_days``). ``notice`` is the
    notice's reference number, e.g. 国办发明电〔2026〕7号.
    """

    year: int
    notice: str
    rest_days: frozenset[date] = field(default_factory=frozenset)
    working_days: frozenset[date] = field(default_factory=frozenset)
    swapped_rest_days: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not self.notice.strip():
            raise LawInputError("calendar.override_notice_missing", year=self.year)
        for day in self.rest_days | self.working_days | self.swapped_rest_days:
            if day.year != self.year:
                raise LawInputError("calendar.override_wrong_year", year=self.year, day=day.isoformat())
        both = self.rest_days & self.working_days
        if both:
            raise LawInputError("calendar.override_conflict", day=min(both).isoformat())
        if not self.swapped_rest_days <= self.rest_days:
            stray = min(self.swapped_rest_days - self.rest_days)
            raise LawInputError("calendar.override_swapped_not_rest", day=stray.isoformat())


@dataclass(frozen=True)
class DayInfo:
    day: date
    kind: DayKind
    source: DataSource
    name: str | None = None  # holiday name as the package gives it, e.g. "National Day"

    @property
    def confirmed(self) -> bool:
        """False when the answer comes from the fallback because no data covers the year."""
        return self.source is not DataSource.NONE

    def is_rest(self, policy: RolloverPolicy = DEFAULT_POLICY) -> bool:
        """Whether a period ending on this day rolls over (CPL art. 85 para 3; Civil Code art. 203)."""
        if self.kind is DayKind.SWAPPED_REST:
            return policy.swapped_rest_day_is_rest
        if self.kind is DayKind.MAKEUP_WORKING:
            return not policy.makeup_workday_is_working
        return self.kind in (DayKind.WEEKEND, DayKind.HOLIDAY)


@dataclass(frozen=True)
class YearSummary:
    """What the calendar knows about one year, for the administrator's holiday page."""

    year: int
    source: DataSource
    package_covers: bool
    notice: str | None
    rest_days: tuple[date, ...]  # holidays and swapped rest days (ordinary weekends not listed)
    working_days: tuple[date, ...]  # make-up working days
    provisional_rest_days: tuple[date, ...]  # fallback fixed-date holidays when no data exists


def _package_range() -> tuple[int, int]:
    keys = chinese_calendar.holidays.keys()
    return min(keys).year, max(keys).year


PACKAGE_YEARS: Final = _package_range()


def _fallback_kind(day: date) -> DayKind:
    if (day.month, day.day) in FALLBACK_FIXED_HOLIDAYS:
        return DayKind.HOLIDAY
    return DayKind.WEEKEND if day.weekday() >= 5 else DayKind.WORKING


class Calendar:
    """Rest days and working days merged from the package and administrator overrides.

    Immutable once built; build a new one when an override changes (and recompute open deadlines,
    rules.md decisions table).
    """

    def __init__(
        self,
        overrides: Iterable[YearOverride] | Mapping[int, YearOverride] = (),
        *,
        use_package: bool = True,
    ) -> None:
        items = overrides.values() if isinstance(overrides, Mapping) else overrides
        table: dict[int, YearOverride] = {}
        for override in items:
            if override.year in table:
                raise LawInputError("calendar.override_duplicate_year", year=override.year)
            table[override.year] = override
        self._overrides: Mapping[int, YearOverride] = table
        self._use_package = use_package

    @property
    def overrides(self) -> Mapping[int, YearOverride]:
        return dict(self._overrides)

    def package_covers(self, year: int) -> bool:
        return self._use_package and PACKAGE_YEARS[0] <= year <= PACKAGE_YEARS[1]

    def source_for_year(self, year: int) -> DataSource:
        """The override when one is entered (it is authoritative), else the package, else none."""
        if year in self._overrides:
            return DataSource.OVERRIDE
        if self.package_covers(year):
            return DataSource.PACKAGE
        return DataSource.NONE

    def year_has_data(self, year: int) -> bool:
        return self.source_for_year(year) is not DataSource.NONE

    def day_info(self, day: date) -> DayInfo:
        """Classify one date; never raises for a year without data (the answer is unconfirmed)."""
        override = self._overrides.get(day.year)
        if override is not None:
            if day in override.working_days:
                kind = DayKind.MAKEUP_WORKING if day.weekday() >= 5 else DayKind.WORKING
                return DayInfo(day, kind, DataSource.OVERRIDE)
            if day in override.swapped_rest_days:
                return DayInfo(day, DayKind.SWAPPED_REST, DataSource.OVERRIDE)
            if day in override.rest_days:
                return DayInfo(day, DayKind.HOLIDAY, DataSource.OVERRIDE)
            if not self.package_covers(day.year):
                kind = DayKind.WEEKEND if day.weekday() >= 5 else DayKind.WORKING
                return DayInfo(day, kind, DataSource.OVERRIDE)
        if self.package_covers(day.year):
            return self._package_day(day)
        return DayInfo(day, _fallback_kind(day), DataSource.NONE)

    @staticmethod
    def _package_day(day: date) -> DayInfo:
        return _package_day_info(day)

    def is_working_day(self, day: date, policy: RolloverPolicy = DEFAULT_POLICY) -> bool:
        return not self.day_info(day).is_rest(policy)

    def next_working_day(self, day: date, policy: RolloverPolicy = DEFAULT_POLICY) -> tuple[date, bool]:
        """``day`` itself if a working day, else the first working day after it, and whether every
        day looked at was covered by data (CPL art. 85 para 3)."""
        return self._walk(day, policy, step=1)

    def previous_working_day(self, day: date, policy: RolloverPolicy = DEFAULT_POLICY) -> tuple[date, bool]:
        """``day`` itself if a working day, else the last working day before it."""
        return self._walk(day, policy, step=-1)

    def _walk(self, day: date, policy: RolloverPolicy, *, step: int) -> tuple[date, bool]:
        confirmed = True
        # No real holiday block is longer than a few weeks; a longer walk means broken override data.
        for _ in range(62):
            info = self.day_info(day)
            confirmed = confirmed and info.confirmed
            if not info.is_rest(policy):
                return day, confirmed
            day += timedelta(days=step)
        raise LawInputError("calendar.no_working_day", day=day.isoformat())

    def year_summary(self, year: int) -> YearSummary:
        source = self.source_for_year(year)
        rest: list[date] = []
        working: list[date] = []
        day = date(year, 1, 1)
        while day.year == year:
            info = self.day_info(day)
            if info.confirmed:
                if info.kind in (DayKind.HOLIDAY, DayKind.SWAPPED_REST):
                    rest.append(day)
                elif info.kind is DayKind.MAKEUP_WORKING:
                    working.append(day)
            day += timedelta(days=1)
        override = self._overrides.get(year)
        provisional = (
            tuple(date(year, m, d) for m, d in sorted(FALLBACK_FIXED_HOLIDAYS)) if source is DataSource.NONE else ()
        )
        return YearSummary(
            year=year,
            source=source,
            package_covers=self.package_covers(year),
            notice=override.notice if override else None,
            rest_days=tuple(rest),
            working_days=tuple(working),
            provisional_rest_days=provisional,
        )


@lru_cache(maxsize=16384)
def _package_day_info(day: date) -> DayInfo:
    """One package date, classified as chinese_calendar's is_workday / is_in_lieu / get_holiday_detail do.

    Read from the package's tables directly and cached: its public functions recompute the covered
    year range (min/max over every key) on each call, which made one deadline cost ~0.3 ms. The data
    is immutable for the process, so caching is safe; callers check ``package_covers`` first.
    """
    weekday = day.weekday()
    name: str | None = _PACKAGE_WORKDAYS.get(day) or _PACKAGE_HOLIDAYS.get(day)
    if day in _PACKAGE_WORKDAYS or (weekday <= 4 and day not in _PACKAGE_HOLIDAYS):
        kind = DayKind.MAKEUP_WORKING if weekday >= 5 else DayKind.WORKING
    elif day in _PACKAGE_IN_LIEU:
        kind = DayKind.SWAPPED_REST
    elif name is not None:
        kind = DayKind.HOLIDAY
    else:
        kind = DayKind.WEEKEND
    return DayInfo(day, kind, DataSource.PACKAGE, name)


def calendar_year_summary(year: int, *, calendar: Calendar) -> YearSummary:
    """Rest days, make-up working days and the data source of ``year`` (Holiday Measures art. 6–7)."""
    return calendar.year_summary(year)


def years_to_check(today: date) -> tuple[int, ...]:
    """The current year, plus next year from 1 November (when the State Council notice is due)."""
    if (today.month, today.day) >= WARN_FROM_MONTH_DAY:
        return (today.year, today.year + 1)
    return (today.year,)


def missing_years(calendar: Calendar, today: date) -> tuple[int, ...]:
    return tuple(year for year in years_to_check(today) if not calendar.year_has_data(year))


def missing_years_warning(calendar: Calendar, today: date) -> Msg | None:
    """An administrator warning when holiday data is missing for this year or, from 1 November,
    for next year (rules.md "holiday data missing" decision); ``None`` when all is covered."""
    missing = missing_years(calendar, today)
    if not missing:
        return None
    return Msg("calendar.years_missing", {"years": ", ".join(str(y) for y in missing)})


register(
    {
        "calendar.years_missing": (
            "缺少 {years} 年的法定节假日数据：涉及这些年份的期间只能按周末和固定日期节日暂算（未确认）。"
            "请录入国务院办公厅当年放假安排通知（含文号）。",
            "Holiday data for {years} is missing: periods ending in those years are provisional "
            "(weekends and fixed-date holidays only, unconfirmed). Enter the State Council notice for "
            "the year, with its reference number.",
        ),
        "calendar.override_notice_missing": (
            "{year} 年节假日数据须注明国务院通知文号",
            "The {year} holiday data must state the State Council notice number",
        ),
        "calendar.override_wrong_year": (
            "日期 {day} 不属于 {year} 年",
            "Date {day} is not in {year}",
        ),
        "calendar.override_conflict": (
            "{day} 不能同时是休息日和调休上班日",
            "{day} cannot be both a rest day and a make-up working day",
        ),
        "calendar.override_swapped_not_rest": (
            "调休休息日 {day} 必须同时列为休息日",
            "Swapped rest day {day} must also be listed as a rest day",
        ),
        "calendar.override_duplicate_year": (
            "{year} 年的节假日数据重复录入",
            "Holiday data for {year} was given twice",
        ),
        "calendar.no_working_day": (
            "{day} 前后两个月内没有工作日：节假日数据有误",
            "No working day within two months of {day}: the holiday data is wrong",
        ),
    }
)
