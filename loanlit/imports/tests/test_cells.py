"""Cell rules (issue 6): every field type, what it accepts with the exact value, what it refuses with
the exact message id and parameters."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy

from loanlit.imports import cells
from loanlit.imports.errors import CellError, RowError, render
from loanlit.imports.kinds.base import FieldSpec, FieldType
from loanlit.imports.table import EMPTY_CELL, Cell, CellKind


def spec(type_: FieldType, **extra) -> FieldSpec:
    return FieldSpec(key="f", label="Name", type=type_, **extra)  # type: ignore[arg-type]


def text(value: str) -> Cell:
    return Cell(CellKind.TEXT, value)


def number(value: str | int) -> Cell:
    return Cell(CellKind.NUMBER, Decimal(value))


def refused(cell: Cell, field: FieldSpec, *, date1904: bool = False) -> CellError:
    with pytest.raises(CellError) as caught:
        cells.convert(cell, field, date1904=date1904)
    assert caught.value.params["field"] == "f"
    assert caught.value.message.startswith("%(field)s")
    return caught.value


ALL_TYPES = list(FieldType)


# --- every type ------------------------------------------------------------------------------------


@pytest.mark.parametrize("type_", ALL_TYPES)
@pytest.mark.parametrize("cell", [EMPTY_CELL, text(""), text("   "), text("\u3000\u3000"), text(" \r\n ")])
def test_blank_cells_are_none_for_every_type(type_, cell):
    assert cells.convert(cell, spec(type_)) is None


@pytest.mark.parametrize("type_", ALL_TYPES)
def test_a_formula_without_a_saved_value_is_an_error_for_every_type(type_):
    error = refused(Cell(CellKind.FORMULA_NO_VALUE, None), spec(type_))
    assert error.message == "%(field)s: formula without a saved value: open and save the file in Excel."


@pytest.mark.parametrize("type_", ALL_TYPES)
def test_an_excel_error_is_an_error_naming_the_value(type_):
    error = refused(Cell(CellKind.ERROR, "#N/A"), spec(type_))
    assert (error.message, error.params) == (cells.MSG_EXCEL_ERROR, {"field": "f", "value": "#N/A"})


@pytest.mark.parametrize("type_", ALL_TYPES)
@pytest.mark.parametrize(
    ("value", "code"), [("A\x00B", "U+0000"), ("12\x0734", "U+0007"), ("x\x7fy", "U+007F"), ("a\x85b", "U+0085")]
)
def test_nul_and_control_characters_are_errors(type_, value, code):
    error = refused(text(value), spec(type_))
    assert (error.message, error.params) == (cells.MSG_CONTROL, {"field": "f", "code": code})


def test_an_error_renders_in_the_users_language_with_the_field_label():
    error = refused(text("A\x00B"), spec(FieldType.TEXT))
    row_error = RowError(message=error.message, params=error.params, field="f")
    with translation.override("en"):
        assert render(row_error, labels={"f": "Contract no."}) == "Contract no. contains a control character (U+0000)."


# --- text ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        (text("  张三  "), "张三"),
        (text("\u3000张三\u3000"), "张三"),
        (text("第一行\r\n第二行\t备注"), "第一行\n第二行\t备注"),  # tab and line break kept, CR LF → LF
        (number("12345"), "12345"),
        (number("12345.0"), "12345"),  # no ".0"
        (number("1.5"), "1.5"),
        (Cell(CellKind.DATE, date(2023, 3, 15)), "2023-03-15"),
        (Cell(CellKind.BOOL, True), "TRUE"),
    ],
)
def test_text(cell, value):
    assert cells.convert(cell, spec(FieldType.TEXT)) == value


def test_text_longer_than_max_length_is_an_error_never_truncated():
    field = spec(FieldType.TEXT, max_length=5)
    assert cells.convert(text("12345"), field) == "12345"
    error = refused(text("123456"), field)
    assert (error.message, error.params) == (cells.MSG_TOO_LONG, {"field": "f", "length": 6, "max_length": 5})


# --- identifiers -----------------------------------------------------------------------------------


@pytest.mark.parametrize("type_", [FieldType.IDENTIFIER, FieldType.ID_NUMBER, FieldType.PHONE])
def test_a_number_cell_with_more_than_15_digits_is_an_error_even_when_the_digits_look_intact(type_):
    # 6222020200112233 is exactly representable as a double, but Excel keeps 15 significant digits
    # (it would have stored 6222020200112230): a number cell cannot be trusted beyond 15.
    error = refused(number("6222020200112233"), spec(type_))
    assert (error.message, error.params) == (cells.MSG_TOO_MANY_DIGITS, {"field": "f", "digits": 16})
    # An 18-digit resident ID typed into a number cell: Excel saved 1.10101199001011E+17.
    error = refused(number("1.10101199001011E+17"), spec(type_))
    assert error.params == {"field": "f", "digits": 18}


def test_a_number_cell_of_15_digits_or_fewer_becomes_text_without_point_zero():
    assert cells.convert(number("110101900101123"), spec(FieldType.ID_NUMBER)) == "110101900101123"
    assert cells.convert(number("123456789012345"), spec(FieldType.IDENTIFIER)) == "123456789012345"
    assert cells.convert(number("2023001.0"), spec(FieldType.IDENTIFIER)) == "2023001"
    assert cells.convert(number("13800000000"), spec(FieldType.PHONE)) == "13800000000"


def test_identifier_number_cells_that_are_not_whole_or_negative_are_errors():
    assert refused(number("1.5"), spec(FieldType.IDENTIFIER)).message == cells.MSG_IDENTIFIER_NOT_WHOLE
    assert refused(number("-15"), spec(FieldType.IDENTIFIER)).message == cells.MSG_IDENTIFIER_NEGATIVE


def test_an_identifier_excel_turned_into_a_date_is_an_error():
    assert refused(Cell(CellKind.DATE, date(2023, 1, 1)), spec(FieldType.IDENTIFIER)).message == (
        cells.MSG_IDENTIFIER_DATE
    )
    assert refused(Cell(CellKind.BOOL, True), spec(FieldType.IDENTIFIER)).message == cells.MSG_IDENTIFIER_BOOL


def test_identifier_text_is_kept_as_written_but_trimmed():
    assert cells.convert(text("  HT-2023-001 "), spec(FieldType.IDENTIFIER)) == "HT-2023-001"
    assert cells.convert(text("00123"), spec(FieldType.IDENTIFIER)) == "00123"  # leading zeros kept
    assert refused(text("HT\n001"), spec(FieldType.IDENTIFIER)).params == {"field": "f", "code": "U+000A"}


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("11010119900101123x", "11010119900101123X"),  # lower-case x normalised
        (" 110101 19900101 123X ", "11010119900101123X"),  # inner spaces removed
        ("１１０１０１１９９００１０１１２３Ｘ", "11010119900101123X"),  # full-width
        ("91110000600037341L", "91110000600037341L"),  # a USCC
        ("e12345678", "E12345678"),  # a passport
        ("12345678-9", "12345678-9"),  # an organisation code
        ("110101199001011239", "110101199001011239"),  # a wrong checksum is the parties service's business
    ],
)
def test_id_number(raw, value):
    assert cells.convert(text(raw), spec(FieldType.ID_NUMBER)) == value


def test_id_number_characters_and_length_are_checked_loosely():
    assert refused(text("1101011990010112３4#"), spec(FieldType.ID_NUMBER)).message == (cells.MSG_ID_NUMBER_CHARACTERS)
    assert refused(text("军字第123456号"), spec(FieldType.ID_NUMBER)).message == cells.MSG_ID_NUMBER_CHARACTERS
    error = refused(text("12345"), spec(FieldType.ID_NUMBER))
    assert (error.message, error.params) == (cells.MSG_ID_NUMBER_LENGTH, {"field": "f", "length": 5})


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("+86 138 0000 0000", "+86 138 0000 0000"),
        ("010-12345678", "010-12345678"),  # leading zero kept
        ("０１０－１２３４５６７８", "010-12345678"),
        ("010-12345678转123", "010-12345678转123"),
        ("13800000000/13900000000", "13800000000/13900000000"),
    ],
)
def test_phone(raw, value):
    assert cells.convert(text(raw), spec(FieldType.PHONE)) == value


def test_phone_with_letters_is_an_error():
    assert refused(text("call me"), spec(FieldType.PHONE)).message == cells.MSG_PHONE
    assert refused(text("--"), spec(FieldType.PHONE)).message == cells.MSG_PHONE


def test_normalise_key_makes_contract_numbers_differing_by_spaces_or_full_width_collide():
    keys = {
        cells.normalise_key(raw)
        for raw in ("HT2023-001", " ht2023-001 ", "ＨＴ２０２３－００１", "HT 2023-001", "HT2023-001\u3000")
    }
    assert keys == {"HT2023-001"}
    assert cells.normalise_key("HT2023-002") != cells.normalise_key("HT2023-001")


# --- dates -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        (Cell(CellKind.DATE, date(2023, 3, 15)), date(2023, 3, 15)),
        (Cell(CellKind.DATETIME, datetime(2023, 3, 15)), date(2023, 3, 15)),  # midnight
        (number("45000"), date(2023, 3, 15)),  # Excel serial, 1900 system
        (number("45000.0"), date(2023, 3, 15)),
        (number("18264"), date(1950, 1, 1)),
        (number("73415"), date(2100, 12, 31)),
        (number("20230315"), date(2023, 3, 15)),  # eight digits typed into a number cell
        (text("2023-03-15"), date(2023, 3, 15)),
        (text("2023/3/15"), date(2023, 3, 15)),
        (text("2023.3.15"), date(2023, 3, 15)),
        (text("2023年3月15日"), date(2023, 3, 15)),
        (text("2023 年 3 月 15 日"), date(2023, 3, 15)),
        (text("20230315"), date(2023, 3, 15)),
        (text("２０２３－０３－１５"), date(2023, 3, 15)),  # full-width
        (text("2023-03-15 00:00:00"), date(2023, 3, 15)),  # a database export's midnight
    ],
)
def test_date(cell, value):
    assert cells.convert(cell, spec(FieldType.DATE)) == value


def test_serials_in_a_1904_workbook():
    assert cells.convert(number("43538"), spec(FieldType.DATE), date1904=True) == date(2023, 3, 15)
    assert cells.convert(number("43538"), spec(FieldType.DATE), date1904=False) == date(2019, 3, 14)
    # Serial 60 exists in the 1904 system (1904-03-01), but is long before 1950.
    assert refused(number("60"), spec(FieldType.DATE), date1904=True).message == cells.MSG_DATE_IMPLAUSIBLE


def test_serial_60_the_fictitious_29_february_1900_is_refused():
    error = refused(number("60"), spec(FieldType.DATE))
    assert (error.message, error.params) == (cells.MSG_SERIAL_60, {"field": "f"})


def test_serials_around_the_1900_leap_year_bug_are_shifted_and_still_implausible():
    assert refused(number("59"), spec(FieldType.DATE)).params == {"field": "f", "value": "1900-02-28"}
    assert refused(number("61"), spec(FieldType.DATE)).params == {"field": "f", "value": "1900-03-01"}


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        (text("1949-12-31"), "1949-12-31"),
        (text("2101-01-01"), "2101-01-01"),
        (Cell(CellKind.DATE, date(1900, 1, 1)), "1900-01-01"),
        (number("18263"), "1949-12-31"),
    ],
)
def test_implausible_dates_are_refused(cell, shown):
    error = refused(cell, spec(FieldType.DATE))
    assert (error.message, error.params) == (cells.MSG_DATE_IMPLAUSIBLE, {"field": "f", "value": shown})


@pytest.mark.parametrize("raw", ["2023-02-30", "15/03/2023", "2023-3", "yesterday", "2023/03-15", "202303155"])
def test_text_that_is_no_date_is_refused(raw):
    error = refused(text(raw), spec(FieldType.DATE))
    assert (error.message, error.params) == (cells.MSG_DATE, {"field": "f", "value": raw})


def test_numbers_that_are_no_date_are_refused():
    assert refused(number("20231345"), spec(FieldType.DATE)).params == {"field": "f", "value": "20231345"}
    assert refused(number("-5"), spec(FieldType.DATE)).message == cells.MSG_SERIAL
    assert refused(number("3000000"), spec(FieldType.DATE)).message == cells.MSG_SERIAL


def test_a_date_with_a_time_of_day_is_refused_for_a_date_field():
    error = refused(Cell(CellKind.DATETIME, datetime(2023, 3, 15, 9, 30)), spec(FieldType.DATE))
    assert (error.message, error.params) == (cells.MSG_DATE_HAS_TIME, {"field": "f", "value": "2023-03-15 09:30:00"})
    assert refused(number("45000.5"), spec(FieldType.DATE)).params["value"] == "2023-03-15 12:00:00"
    assert refused(Cell(CellKind.TIME, time(9, 30)), spec(FieldType.DATE)).message == cells.MSG_DATE


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        (Cell(CellKind.DATETIME, datetime(2023, 3, 15, 9, 30)), datetime(2023, 3, 15, 9, 30)),
        (Cell(CellKind.DATE, date(2023, 3, 15)), datetime(2023, 3, 15)),
        (number("45000.395833333336"), datetime(2023, 3, 15, 9, 30)),  # rounded to the second
        (number("45000"), datetime(2023, 3, 15)),
        (text("2023-03-15 09:30"), datetime(2023, 3, 15, 9, 30)),
        (text("2023/3/15 9:30:15"), datetime(2023, 3, 15, 9, 30, 15)),
        (text("2023-03-15T09:30:15.25"), datetime(2023, 3, 15, 9, 30, 15, 250000)),
        (text("2023年3月15日 9时30分"), datetime(2023, 3, 15, 9, 30)),
        (text("2023年3月15日 09:30"), datetime(2023, 3, 15, 9, 30)),
        (text("2023-03-15"), datetime(2023, 3, 15)),
        (text("20230315"), datetime(2023, 3, 15)),
    ],
)
def test_datetime(cell, value):
    assert cells.convert(cell, spec(FieldType.DATETIME)) == value


def test_datetime_refusals():
    assert refused(text("2023-03-15 25:00"), spec(FieldType.DATETIME)).message == cells.MSG_DATETIME
    assert refused(text("1949-12-31 10:00"), spec(FieldType.DATETIME)).message == cells.MSG_DATE_IMPLAUSIBLE


# --- amounts ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        (number("1234.56"), "1234.56"),
        (number("0.1"), "0.1"),
        (number("1.5E+6"), "1500000"),
        (text("1234.56"), "1234.56"),
        (text("1,234.56"), "1234.56"),
        (text("1，234.56"), "1234.56"),  # full-width comma
        (text("１，２３４．５６"), "1234.56"),  # full-width digits
        (text("￥1,234.56"), "1234.56"),
        (text("¥ 1,234.56"), "1234.56"),
        (text("1,234.56元"), "1234.56"),
        (text("RMB 1,000"), "1000"),
        (text("cny1000.00"), "1000.00"),
        (text("人民币1000元"), "1000"),
        (text("5.00E+05"), "500000"),
        (text("5e5"), "500000"),
        (text("1.2345e-2"), "0.012345"),
        (text("-1,234.56"), "-1234.56"),
        (text("(1,234.56)"), "-1234.56"),
        (text("−12.5"), "-12.5"),  # U+2212 minus sign
        (text("-¥5"), "-5"),
        (text("¥-5"), "-5"),
        (text("+7"), "7"),
        (text("0"), "0"),
        (text("-0.00"), "0.00"),
        (text("1234."), "1234"),
        (text(".5"), "0.5"),
        (text("999999999999999.99"), "999999999999999.99"),
    ],
)
def test_amount_exact(cell, value):
    result = cells.convert(cell, spec(FieldType.AMOUNT))
    assert isinstance(result, Decimal)
    assert str(result) == value


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        (number("2469.1200000000003"), "2469.12"),  # a formula's binary noise: half up
        (number("2469.1299999999997"), "2469.13"),
        (text("1234.560"), "1234.56"),  # a trailing zero is no third decimal
        (text("5.00E+05"), "500000.00"),
        (text("7"), "7.00"),
    ],
)
def test_amount_to_places(cell, value):
    assert str(cells.convert(cell, spec(FieldType.AMOUNT, places=2))) == value


@pytest.mark.parametrize("cell", [text("1234.565"), text("1234.564"), text("-1234.565"), number("1.005")])
def test_amount_with_more_decimals_than_places_is_refused_never_rounded_silently(cell):
    assert refused(cell, spec(FieldType.AMOUNT, places=2)).message == cells.MSG_AMOUNT_PLACES


@pytest.mark.parametrize(
    "raw", ["12,34.5", "1,2345", "1.2.3", "abc", "1 2 3x", "--5", "(-5)", "(5", "NaN", "Infinity", "1_000", "5万", "$5"]
)
def test_text_that_is_no_amount_is_refused(raw):
    error = refused(text(raw), spec(FieldType.AMOUNT))
    assert (error.message, error.params) == (cells.MSG_AMOUNT, {"field": "f", "value": raw})


def test_amount_refuses_dates_and_absurd_sizes():
    assert refused(Cell(CellKind.DATE, date(2023, 3, 15)), spec(FieldType.AMOUNT)).params["value"] == "2023-03-15"
    error = refused(text("1e20"), spec(FieldType.AMOUNT))
    assert (error.message, error.params) == (cells.MSG_AMOUNT_TOO_LARGE, {"field": "f", "value": "1e20"})
    assert refused(text("1000000000000000"), spec(FieldType.AMOUNT)).message == cells.MSG_AMOUNT_TOO_LARGE


# --- rates -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        (text("4.35"), "4.35"),  # text without % and >= 1: a percent
        (text("4.35%"), "4.35"),
        (text("4.35 ％"), "4.35"),  # full-width percent sign
        (text("0.5%"), "0.5"),  # with % it stays a percent, even below 1
        (text("0.0435"), "4.35"),  # text without % below 1: a fraction
        (number("0.0435"), "4.35"),  # a percent-formatted cell stores the fraction
        (number("0.05"), "5"),
        (number("4.35"), "4.35"),
        (number("24"), "24"),
        (number("1"), "1"),
        (text("0"), "0"),
        (text("3.650"), "3.65"),
        (text("１２％"), "12"),
    ],
)
def test_rate(cell, value):
    result = cells.convert(cell, spec(FieldType.RATE))
    assert isinstance(result, Decimal)
    assert str(result) == value


def test_rate_refusals():
    assert refused(text("-4.35%"), spec(FieldType.RATE)).message == cells.MSG_RATE_NEGATIVE
    assert refused(text("four"), spec(FieldType.RATE)).params == {"field": "f", "value": "four"}
    assert refused(text("¥4"), spec(FieldType.RATE)).message == cells.MSG_RATE


# --- integers, yes/no, choices ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        (number("36"), 36),
        (number("36.0"), 36),
        (text("1,200"), 1200),
        (text("3.0"), 3),
        (text("-2"), -2),
        (text("１２"), 12),
    ],
)
def test_integer(cell, value):
    result = cells.convert(cell, spec(FieldType.INTEGER))
    assert result == value and type(result) is int


@pytest.mark.parametrize(
    "cell", [number("1.5"), text("1.5"), text("12%"), text("twelve"), Cell(CellKind.DATE, date(2023, 1, 1))]
)
def test_integer_refusals(cell):
    assert refused(cell, spec(FieldType.INTEGER)).message == cells.MSG_INTEGER


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        (Cell(CellKind.BOOL, True), True),
        (Cell(CellKind.BOOL, False), False),
        (text("是"), True),
        (text("否"), False),
        (text("Y"), True),
        (text("n"), False),
        (text("Yes"), True),
        (text("NO"), False),
        (text("true"), True),
        (text("FALSE"), False),
        (text("1"), True),
        (text("0"), False),
        (number("1"), True),
        (number("0"), False),
        (text("√"), True),
        (text("×"), False),
        (text("１"), True),
    ],
)
def test_bool(cell, value):
    assert cells.convert(cell, spec(FieldType.BOOL)) is value


@pytest.mark.parametrize("cell", [text("maybe"), number("2"), Cell(CellKind.DATE, date(2023, 1, 1))])
def test_bool_refusals(cell):
    assert refused(cell, spec(FieldType.BOOL)).message == cells.MSG_BOOL


# Labels from Django's own catalogue, so both languages are known without this app's catalogue (called
# through another name so that makemessages leaves these test labels out of the app's catalogue).
django_label = gettext_lazy
WEEKDAYS = spec(
    FieldType.CHOICE,
    choices=(("mon", django_label("Monday")), ("tue", django_label("Tuesday")), ("2", django_label("Wednesday"))),
    choice_synonyms={"周一": "mon", "礼拜二": "tue"},
)


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        (text("mon"), "mon"),  # the value
        (text(" MON "), "mon"),
        (text("Monday"), "mon"),  # the English label
        (text("monday"), "mon"),
        (text("星期一"), "mon"),  # the zh-Hans label
        (text("星期二"), "tue"),
        (text("周一"), "mon"),  # a synonym
        (text("礼拜二"), "tue"),
        (text("ＴＵＥ"), "tue"),  # full-width
        (number("2"), "2"),  # a number cell matches a value by its digits
    ],
)
def test_choice(cell, value):
    assert cells.convert(cell, WEEKDAYS) == value


def test_choice_refusal():
    error = refused(text("Sunday"), WEEKDAYS)
    assert (error.message, error.params) == (cells.MSG_CHOICE, {"field": "f", "value": "Sunday"})


def test_choice_labels_are_matched_whatever_the_active_language():
    with translation.override("en"):
        assert cells.convert(text("星期一"), WEEKDAYS) == "mon"
    with translation.override("zh-hans"):
        assert cells.convert(text("Monday"), WEEKDAYS) == "mon"
