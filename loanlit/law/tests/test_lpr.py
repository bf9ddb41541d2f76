"""LPR table: look-up rule, verified-through refusal, administrator rows, data file integrity."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from loanlit.law import lpr
from loanlit.law.lpr import LprRow, LprTable
from loanlit.law.money import LawInputError

D = Decimal


def test_a_value_applies_until_the_day_before_the_next_publication() -> None:
    assert lpr.lpr_on(date(2024, 10, 20)).lpr_1y == D("3.35")
    assert lpr.lpr_on(date(2024, 10, 21)).lpr_1y == D("3.10")
    assert lpr.lpr_on(date(2019, 8, 20)).lpr_1y == D("4.25")


def test_the_last_verified_value_holds_through_the_verified_date() -> None:
    assert date(2025, 8, 19) == lpr.LPR_VERIFIED_THROUGH
    row = lpr.lpr_on(date(2025, 8, 19))
    assert (row.lpr_1y, row.lpr_5y, row.published) == (D("3.00"), D("3.50"), date(2025, 7, 21))


def test_a_date_after_the_verified_date_is_refused_with_a_clear_message() -> None:
    with pytest.raises(LawInputError) as caught:
        lpr.lpr_on(date(2026, 1, 5))
    assert caught.value.code == "lpr.not_verified"
    assert caught.value.params == {"date": date(2026, 1, 5), "verified_through": date(2025, 8, 19)}
    assert "verified only through 2025-08-19" in str(caught.value)


def test_a_date_before_the_reform_is_refused() -> None:
    with pytest.raises(LawInputError) as caught:
        lpr.lpr_on(date(2019, 8, 19))
    assert caught.value.code == "lpr.before_reform"


def test_administrator_rows_extend_the_table_and_its_verified_date() -> None:
    table = lpr.default_lpr_table().extended(
        [LprRow(lpr_1y=D("2.90"), lpr_5y=D("3.40"), published=date(2025, 8, 20))], date(2025, 9, 21)
    )
    assert lpr.lpr_on(date(2025, 9, 1), table=table).lpr_1y == D("2.90")
    assert lpr.lpr_on(date(2025, 8, 19), table=table).lpr_1y == D("3.00")
    with pytest.raises(LawInputError):
        lpr.lpr_on(date(2025, 9, 22), table=table)


def test_table_refuses_rows_out_of_order_and_a_verified_date_before_the_last_row() -> None:
    rows = (LprRow(D("1"), D("1"), date(2020, 2, 1)), LprRow(D("1"), D("1"), date(2020, 1, 1)))
    with pytest.raises(LawInputError):
        LprTable(rows=rows, verified_through=date(2020, 3, 1))
    with pytest.raises(LawInputError):
        LprTable(rows=rows[:1], verified_through=date(2020, 1, 1))


def test_csv_parser_reads_the_verified_mark_and_refuses_bad_lines() -> None:
    table = lpr.parse_lpr_csv("# verified_through: 2020-01-31\npublished,lpr_1y_pct,lpr_5y_pct\n2020-01-20,4.15,4.80\n")
    assert table.verified_through == date(2020, 1, 31)
    assert table.rows == (LprRow(D("4.15"), D("4.80"), date(2020, 1, 20)),)
    with pytest.raises(LawInputError) as caught:
        lpr.parse_lpr_csv("published,lpr_1y_pct,lpr_5y_pct\n2020-01-20,abc,4.80\n")
    assert caught.value.code == "lpr.bad_data"


def test_shipped_table_has_every_monthly_release_in_order() -> None:
    rows = lpr.default_lpr_table().rows
    assert len(rows) == 72
    assert rows[0].published == date(2019, 8, 20)
    assert rows[-1].published == date(2025, 7, 21)
    assert all(isinstance(r.lpr_1y, Decimal) and r.lpr_1y < r.lpr_5y for r in rows)
