from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from loanlit.demo.portfolio import readers
from loanlit.demo.portfolio.loader import SAMPLE_DIR

REAL = Path(__file__).resolve().parents[4] / "shared" / "real-inputs"
needs_real = pytest.mark.skipif(not (REAL / readers.UCI_FILE).is_file(), reason="../shared/real-inputs is absent")


@pytest.mark.parametrize(
    "text, value",
    [("5.00E+05", Decimal("500000.00")), ("2.00E+05", Decimal("200000.00")), ("3913", Decimal("3913.00"))],
)
def test_scientific_notation_is_read_exactly_to_the_cent(text, value):
    assert readers.money(text) == value
    assert str(readers.money(text)) == str(value)


@pytest.mark.parametrize("text", ["nan", "NaN", "", "  "])
def test_nan_and_empty_cells_are_missing_values(text):
    assert readers.decimal_or_none(text) is None


def test_ten_decimal_amounts_round_half_up_to_the_cent_not_truncated():
    assert readers.money("5202.6426724643") == Decimal("5202.64")
    assert readers.money("10875.4051250000") == Decimal("10875.41")
    assert readers.money("0.005") == Decimal("0.01")


def test_issue_month_is_the_first_of_the_month():
    assert readers.issue_month("Mar-2018") == date(2018, 3, 1)
    with pytest.raises(readers.InputError):
        readers.issue_month("2018-03")


@needs_real
def test_uci_defaulters_are_the_69_rows_with_default_next_month():
    defaulters = readers.read_card_defaulters(REAL / readers.UCI_FILE)
    assert len(defaulters) == 69
    row = next(d for d in defaulters if d.source_id == "61")
    assert row.credit_limit == Decimal("500000.00")
    assert row.latest_bill == Decimal("22848.00")
    assert (row.sex, row.age, row.months_delayed) == (2, 28, 0)


@needs_real
def test_both_uci_headers_give_the_same_defaulters():
    kaggle = readers.read_card_defaulters(REAL / readers.UCI_FILE)
    coded = readers.read_card_defaulters(REAL / readers.UCI_X_FILE)
    assert coded == kaggle


@needs_real
def test_uci_nan_age_is_unknown_not_an_error():
    # Rows 3 and 4 of the Kaggle-style copy have AGE nan (the coded copy has 34 and 37).
    rows = dict(readers._rows(REAL / readers.UCI_FILE))
    assert rows[4]["AGE"] == "nan"
    assert readers.integer_or_none(rows[4]["AGE"]) is None


@needs_real
def test_lendingclub_defaulted_loans_are_178_with_exact_amounts():
    loans = readers.read_defaulted_loans(REAL / readers.LENDINGCLUB_FILE)
    assert len(loans) == 178
    first = loans[0]
    assert first.source_line == 7
    assert first.emp_title == "supplies clerk"
    assert (first.loan_amount, first.interest_rate, first.term_months) == (
        Decimal("24000.00"),
        Decimal("15.04"),
        60,
    )
    assert first.issued_on == date(2018, 3, 1)
    assert (first.balance, first.paid_total, first.paid_principal) == (
        Decimal("23455.27"),
        Decimal("1102.83"),
        Decimal("544.73"),
    )
    assert {loan.status for loan in loans} == readers.LENDINGCLUB_DEFAULT_STATUSES


def test_built_in_sample_parses_with_the_same_readers():
    cards = readers.read_card_defaulters(SAMPLE_DIR / "cards.csv")
    loans = readers.read_defaulted_loans(SAMPLE_DIR / "loans.csv")
    assert [c.source_id for c in cards] == ["9001", "9002", "9004"]
    assert cards[0].credit_limit == Decimal("150000.00")
    assert cards[1].age is None
    assert [loan.emp_title for loan in loans] == ["warehouse supervisor", "nurse", "Sales Manager"]
    assert loans[0].balance == Decimal("10875.40")
