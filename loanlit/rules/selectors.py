"""Reads: the calendar and LPR table the rules run on (package data + administrator rows)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from loanlit.core import money as m
from loanlit.core.errors import PermissionDeniedError
from loanlit.law.calendar import Calendar, YearOverride, missing_years_warning
from loanlit.law.lpr import LprRow, LprTable, default_lpr_table
from loanlit.rules.models import HolidayOverride, LprRate, LprSettings
from loanlit.rules.texts import msg_text

MANAGE_CODE = "admin.manage_reference_data"
AnyUser = AbstractBaseUser | AnonymousUser


def may_manage_reference_data(user: AnyUser) -> bool:
    has_code = getattr(user, "has_code", None)
    return bool(user.is_authenticated and has_code is not None and has_code(MANAGE_CODE))


def require_manage(user: AnyUser) -> None:
    if not may_manage_reference_data(user):
        raise PermissionDeniedError(
            _("You may not manage reference data (holidays, rates)."), code="reference_data_denied"
        )


def year_override(row: HolidayOverride) -> YearOverride:
    return YearOverride(
        year=row.year,
        notice=row.notice,
        rest_days=frozenset(row.rest_dates),
        working_days=frozenset(row.working_dates),
    )


def law_calendar() -> Calendar:
    """``law.calendar.Calendar`` from the package merged with every administrator override.

    Built per call (one small query): an override saved a moment ago must count at once.
    """
    return Calendar([year_override(row) for row in HolidayOverride.objects.all()])


def _exact_rate(value: Decimal) -> Decimal:
    # Stored with six places; the shipped table writes "3.45", so both compare and print alike.
    return Decimal(m.format_rate(value))


def lpr_table() -> LprTable:
    """The shipped LPR table extended with the rows administrators added (``LprTable.extended``)."""
    shipped = default_lpr_table()
    rows = [
        LprRow(lpr_1y=_exact_rate(r.lpr_1y), lpr_5y=_exact_rate(r.lpr_5y), published=r.published)
        for r in LprRate.objects.order_by("published")
    ]
    settings_row = LprSettings.objects.filter(pk=LprSettings.SINGLETON_PK).first()
    verified = settings_row.verified_through if settings_row else shipped.verified_through
    if not rows and verified <= shipped.verified_through:
        return shipped
    return shipped.extended(rows, verified)


@dataclass(frozen=True)
class LprListRow:
    row: LprRow
    added: LprRate | None  # None for a row shipped with the product


def lpr_rows_for_user(*, user: AnyUser) -> list[LprListRow]:
    """Every LPR row, newest first, marking which ones administrators added."""
    require_manage(user)
    added = {r.published: r for r in LprRate.objects.all()}
    return [LprListRow(row=row, added=added.get(row.published)) for row in reversed(lpr_table().rows)]


def holiday_override_list_for_user(*, user: AnyUser) -> QuerySet[HolidayOverride]:
    require_manage(user)
    return HolidayOverride.objects.order_by("-year")


def holiday_override_get_for_user(*, user: AnyUser, year: int) -> HolidayOverride:
    require_manage(user)
    return get_object_or_404(HolidayOverride, year=year)


def holiday_override_find_for_user(*, user: AnyUser, year: int) -> HolidayOverride | None:
    require_manage(user)
    return HolidayOverride.objects.filter(year=year).first()


def calendar_banner(*, calendar: Calendar | None = None, today: date | None = None) -> str | None:
    """The translated warning when this year's or (from 1 November) next year's holiday data is
    missing from both the package and the overrides (rules.md "holiday data missing"); else None."""
    warning = missing_years_warning(calendar or law_calendar(), today or timezone.localdate())
    return msg_text(warning) if warning is not None else None
