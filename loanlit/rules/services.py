"""Writes for holiday overrides and LPR rows: atomic, validated, audited on the global stream."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Final

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from loanlit.audit import services as audit
from loanlit.audit.changes import diff
from loanlit.core import money as m
from loanlit.core.errors import DomainError
from loanlit.law.calendar import YearOverride
from loanlit.law.lpr import default_lpr_table
from loanlit.law.money import LawInputError
from loanlit.rules.models import HolidayOverride, LprRate, LprSettings
from loanlit.rules.signals import HOLIDAYS, LPR, reference_data_changed
from loanlit.rules.texts import law_message

# The package covers 2004–2026; overrides make sense from the first year of data to a few years ahead.
FIRST_YEAR: Final = 2004
LAST_YEAR: Final = 2100
# A published LPR above this is a typing error (the 1y LPR has never exceeded 4.5 % since 2019).
MAX_LPR_PCT: Final = Decimal("20")

AUDIT_HOLIDAY_CREATED: Final = "holiday_override.created"
AUDIT_HOLIDAY_UPDATED: Final = "holiday_override.updated"
AUDIT_HOLIDAY_DELETED: Final = "holiday_override.deleted"
AUDIT_LPR_ADDED: Final = "lpr_rate.added"


def _check_days(year: int, rest: list[date], working: list[date]) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise DomainError(
            _("The year must be between %(first)d and %(last)d.") % {"first": FIRST_YEAR, "last": LAST_YEAR},
            code="bad_year",
        )
    for day in (*rest, *working):
        if day.year != year:
            raise DomainError(
                _("%(day)s is not in %(year)d.") % {"day": day.isoformat(), "year": year}, code="wrong_year"
            )
    both = sorted(set(rest) & set(working))
    if both:
        raise DomainError(
            _("%(day)s cannot be both a rest day and a make-up working day.") % {"day": both[0].isoformat()},
            code="conflict",
        )


@transaction.atomic
def holiday_override_save(
    *,
    actor: AbstractBaseUser | None,
    year: int,
    notice: str,
    rest_days: Iterable[date],
    working_days: Iterable[date],
) -> HolidayOverride:
    """Create or replace the override for ``year`` (Holiday Measures art. 6–7 notice data).

    Validated as law.calendar.YearOverride validates it: a notice number, every date inside the year,
    no date both a rest day and a make-up working day. Open deadlines are recomputed by their owners
    from ``selectors.law_calendar()`` when ``signals.reference_data_changed`` reaches them.
    """
    rest = sorted(set(rest_days))
    working = sorted(set(working_days))
    notice = notice.strip()
    if not notice:
        raise DomainError(_("Enter the State Council notice number."), code="notice_missing")
    _check_days(year, rest, working)
    try:
        YearOverride(year=year, notice=notice, rest_days=frozenset(rest), working_days=frozenset(working))
    except LawInputError as error:
        raise DomainError(law_message(error), code=error.code) from None
    values = {
        "notice": notice,
        "rest_days": [d.isoformat() for d in rest],
        "working_days": [d.isoformat() for d in working],
    }
    existing = HolidayOverride.objects.select_for_update().filter(year=year).first()
    if existing is None:
        override = HolidayOverride.objects.create(year=year, **values)
        audit.record(
            actor=actor, action=AUDIT_HOLIDAY_CREATED, target=override, changes=diff({}, {"year": year, **values})
        )
        reference_data_changed.send(sender=HolidayOverride, kind=HOLIDAYS, years=[year], actor=actor)
        return override
    before = {"notice": existing.notice, "rest_days": existing.rest_days, "working_days": existing.working_days}
    changes = diff(before, values)
    if not changes:
        return existing
    for name, value in values.items():
        setattr(existing, name, value)
    existing.save(update_fields=[*values, "updated_at"])
    audit.record(actor=actor, action=AUDIT_HOLIDAY_UPDATED, target=existing, changes=changes)
    reference_data_changed.send(sender=HolidayOverride, kind=HOLIDAYS, years=[year], actor=actor)
    return existing


@transaction.atomic
def holiday_override_delete(*, actor: AbstractBaseUser | None, override: HolidayOverride) -> None:
    """Remove a year's override; the package data (or the provisional fallback) applies again."""
    locked = HolidayOverride.objects.select_for_update().filter(pk=override.pk).first()
    if locked is None:
        raise DomainError(_("This holiday override no longer exists."), code="missing")
    target = audit.TargetRef(type="rules.holidayoverride", id=str(locked.pk), repr=str(locked))
    before = {"year": locked.year, "notice": locked.notice, "rest_days": locked.rest_days}
    before["working_days"] = locked.working_days
    locked.delete()
    audit.record(actor=actor, action=AUDIT_HOLIDAY_DELETED, target=target, changes=diff(before, {}))
    reference_data_changed.send(sender=HolidayOverride, kind=HOLIDAYS, years=[before["year"]], actor=actor)


def _clean_rate(value: Decimal, label: str) -> Decimal:
    try:
        rate = m.to_rate(value)
    except m.MoneyError as error:
        raise DomainError(f"{label}: {error.message}", code="bad_rate") from None
    if not Decimal(0) < rate <= MAX_LPR_PCT:
        raise DomainError(
            _("%(label)s must be above 0 and at most %(max)s %%.") % {"label": label, "max": MAX_LPR_PCT},
            code="bad_rate",
        )
    return rate


@transaction.atomic
def lpr_rate_add(
    *,
    actor: AbstractBaseUser | None,
    published: date,
    lpr_1y: Decimal,
    lpr_5y: Decimal,
    verified_through: date,
) -> LprRate:
    """Add a newly published LPR (PBoC Announcement [2019] No. 15; CFETS publishes monthly).

    Refused: a date already in the table (shipped or added), a date before the last row, a
    verified-through date before the publication or before the date already verified.
    """
    one_year = _clean_rate(lpr_1y, _("One-year LPR"))
    five_year = _clean_rate(lpr_5y, _("Five-year-plus LPR"))
    settings_row = LprSettings.objects.select_for_update().filter(pk=LprSettings.SINGLETON_PK).first()
    shipped = default_lpr_table()
    known = {row.published for row in shipped.rows} | set(LprRate.objects.values_list("published", flat=True))
    if published in known:
        raise DomainError(
            _("An LPR published on %(day)s is already in the table.") % {"day": published.isoformat()},
            code="duplicate",
        )
    last = max(known)
    if published < last:
        raise DomainError(
            _("%(day)s is before the last row of the table (%(last)s); only a later publication can be added.")
            % {"day": published.isoformat(), "last": last.isoformat()},
            code="before_last_row",
        )
    current_verified = max(shipped.verified_through, settings_row.verified_through if settings_row else date.min)
    if verified_through < published:
        raise DomainError(
            _("The verified-through date cannot be before the publication date %(day)s.")
            % {"day": published.isoformat()},
            code="verified_before_row",
        )
    if verified_through < current_verified:
        raise DomainError(
            _("The table is already verified through %(day)s; the date cannot move back.")
            % {"day": current_verified.isoformat()},
            code="verified_moves_back",
        )
    rate = LprRate.objects.create(published=published, lpr_1y=one_year, lpr_5y=five_year)
    if settings_row is None:
        LprSettings.objects.create(pk=LprSettings.SINGLETON_PK, verified_through=verified_through)
        old_verified: str | None = shipped.verified_through.isoformat()
    else:
        old_verified = settings_row.verified_through.isoformat()
        settings_row.verified_through = verified_through
        settings_row.save(update_fields=["verified_through", "updated_at"])
    audit.record(
        actor=actor,
        action=AUDIT_LPR_ADDED,
        target=rate,
        changes={
            "published": {"old": None, "new": published.isoformat()},
            "lpr_1y": {"old": None, "new": m.format_rate(one_year)},
            "lpr_5y": {"old": None, "new": m.format_rate(five_year)},
            "verified_through": {"old": old_verified, "new": verified_through.isoformat()},
        },
    )
    reference_data_changed.send(sender=LprRate, kind=LPR, years=[], actor=actor)
    return rate
