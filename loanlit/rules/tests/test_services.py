"""Holiday overrides and LPR rows: validated, audited, and what the rules then compute with."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from loanlit.audit.models import AuditEntry
from loanlit.core.errors import DomainError
from loanlit.law.calendar import DataSource
from loanlit.law.lpr import default_lpr_table
from loanlit.law.periods import compute_deadline
from loanlit.rules import selectors, services
from loanlit.rules.models import HolidayOverride, LprRate, LprSettings

pytestmark = pytest.mark.django_db
NOTICE = "GUOBANFA-2026-7"


def save_2027(actor, **changes):
    values: dict[str, Any] = {
        "year": 2027,
        "notice": NOTICE,
        "rest_days": [date(2027, 1, 1), date(2027, 1, 4)],
        "working_days": [date(2027, 1, 9)],
    }
    values.update(changes)
    return services.holiday_override_save(actor=actor, **values)


@pytest.mark.smoke
def test_saving_an_override_stores_sorted_iso_days_and_audits_it(personas):
    override = save_2027(personas.administrator, rest_days=[date(2027, 1, 4), date(2027, 1, 1)])
    assert (override.year, override.notice, override.rest_days, override.working_days) == (
        2027,
        NOTICE,
        ["2027-01-01", "2027-01-04"],
        ["2027-01-09"],
    )
    entry = AuditEntry.objects.get(action="holiday_override.created")
    assert entry.changes is not None
    assert (entry.stream, entry.actor_id, entry.target_id) == ("global", personas.administrator.pk, str(override.pk))
    assert entry.changes["rest_days"] == {"old": None, "new": ["2027-01-01", "2027-01-04"]}


def test_saving_again_updates_the_year_and_audits_only_the_difference(personas):
    save_2027(personas.administrator)
    save_2027(personas.administrator, working_days=[])
    assert HolidayOverride.objects.count() == 1
    entry = AuditEntry.objects.get(action="holiday_override.updated")
    assert entry.changes == {"working_days": {"old": ["2027-01-09"], "new": []}}
    before = AuditEntry.objects.count()
    save_2027(personas.administrator, working_days=[])  # no change, no entry
    assert AuditEntry.objects.count() == before


@pytest.mark.parametrize(
    "changes, code",
    [
        ({"rest_days": [date(2026, 12, 31)]}, "wrong_year"),
        ({"working_days": [date(2027, 1, 4)]}, "conflict"),
        ({"notice": "  "}, "notice_missing"),
        ({"year": 1999, "rest_days": [date(1999, 1, 1)], "working_days": []}, "bad_year"),
    ],
)
def test_an_invalid_override_is_refused_and_nothing_is_written(personas, changes, code):
    before = AuditEntry.objects.count()
    with pytest.raises(DomainError) as caught:
        save_2027(personas.administrator, **changes)
    assert caught.value.code == code
    assert HolidayOverride.objects.count() == 0
    assert AuditEntry.objects.count() == before


def test_an_override_makes_a_working_day_a_rest_day_and_the_deadline_rolls(personas):
    # 2026-12-20 + 15 days = Monday 2027-01-04: a working day on the provisional fallback.
    before = compute_deadline("appeal_judgment", date(2026, 12, 20), calendar=selectors.law_calendar())
    assert (before.deadline, before.confirmed) == (date(2027, 1, 4), False)
    save_2027(personas.administrator)
    after = compute_deadline("appeal_judgment", date(2026, 12, 20), calendar=selectors.law_calendar())
    assert (after.nominal_end, after.deadline, after.rolled, after.confirmed) == (
        date(2027, 1, 4),
        date(2027, 1, 5),
        True,
        True,
    )


def test_an_override_makes_a_saturday_a_working_day(personas):
    # 2026-12-25 + 15 = Saturday 2027-01-09: rolls to Monday unless it is a make-up working day.
    without = compute_deadline("appeal_judgment", date(2026, 12, 25), calendar=selectors.law_calendar())
    assert without.deadline == date(2027, 1, 11)
    save_2027(personas.administrator)
    with_override = compute_deadline("appeal_judgment", date(2026, 12, 25), calendar=selectors.law_calendar())
    assert (with_override.deadline, with_override.rolled) == (date(2027, 1, 9), False)


def test_deleting_an_override_restores_the_fallback_and_is_audited(personas):
    override = save_2027(personas.administrator)
    services.holiday_override_delete(actor=personas.administrator, override=override)
    assert HolidayOverride.objects.count() == 0
    assert selectors.law_calendar().source_for_year(2027) is DataSource.NONE
    entry = AuditEntry.objects.get(action="holiday_override.deleted")
    assert entry.changes is not None
    assert (entry.target_type, entry.changes["year"]) == ("rules.holidayoverride", {"old": 2027, "new": None})


def test_lpr_table_without_added_rows_is_the_shipped_table():
    assert selectors.lpr_table() == default_lpr_table()


def test_adding_an_lpr_extends_the_table_and_the_verified_date(personas):
    shipped = default_lpr_table()
    rate = services.lpr_rate_add(
        actor=personas.legal_manager,
        published=date(2031, 1, 20),
        lpr_1y=Decimal("2.85"),
        lpr_5y=Decimal("3.35"),
        verified_through=date(2031, 2, 19),
    )
    assert LprRate.objects.get().lpr_1y == Decimal("2.850000")
    table = selectors.lpr_table()
    assert table.rows[-1].published == date(2031, 1, 20)
    assert (table.rows[-1].lpr_1y, table.rows[-1].lpr_5y) == (Decimal("2.85"), Decimal("3.35"))
    assert len(table.rows) == len(shipped.rows) + 1
    assert table.verified_through == date(2031, 2, 19)
    entry = AuditEntry.objects.get(action="lpr_rate.added")
    assert entry.changes is not None
    assert entry.target_id == str(rate.pk)
    assert entry.changes["lpr_1y"] == {"old": None, "new": "2.85"}
    assert entry.changes["verified_through"] == {"old": shipped.verified_through.isoformat(), "new": "2031-02-19"}


@pytest.mark.parametrize(
    "published, lpr_1y, verified, code",
    [
        (None, "3.0", None, "duplicate"),  # the shipped table's last publication
        (date(2020, 1, 20), "3.0", date(2031, 1, 1), "duplicate"),
        (date(2020, 2, 3), "3.0", date(2031, 1, 1), "before_last_row"),
        (date(2031, 1, 20), "0", date(2031, 1, 20), "bad_rate"),
        (date(2031, 1, 20), "25", date(2031, 1, 20), "bad_rate"),
        (date(2031, 1, 20), "3.0", date(2031, 1, 19), "verified_before_row"),
    ],
)
def test_a_bad_lpr_row_is_refused_and_nothing_is_written(personas, published, lpr_1y, verified, code):
    last = default_lpr_table().rows[-1].published
    before = AuditEntry.objects.count()
    with pytest.raises(DomainError) as caught:
        services.lpr_rate_add(
            actor=personas.administrator,
            published=published or last,
            lpr_1y=Decimal(lpr_1y),
            lpr_5y=Decimal("3.5"),
            verified_through=verified or last,
        )
    assert caught.value.code == code
    assert (LprRate.objects.count(), LprSettings.objects.count(), AuditEntry.objects.count()) == (0, 0, before)


def test_a_later_row_cannot_move_the_verified_date_back(personas):
    services.lpr_rate_add(
        actor=None, published=date(2031, 1, 20), lpr_1y=Decimal("2.85"), lpr_5y=Decimal("3.35"),
        verified_through=date(2031, 6, 30),
    )  # fmt: skip
    with pytest.raises(DomainError) as caught:
        services.lpr_rate_add(
            actor=None, published=date(2031, 2, 20), lpr_1y=Decimal("2.85"), lpr_5y=Decimal("3.35"),
            verified_through=date(2031, 3, 1),
        )  # fmt: skip
    assert caught.value.code == "verified_moves_back"
    assert LprRate.objects.count() == 1
