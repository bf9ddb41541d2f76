"""Cell rules: one converter per field type (issue 6).

    convert(cell: Cell, spec: FieldSpec, *, date1904: bool = False) -> Any
        The field's value (str / Decimal / date / datetime / int / bool), or None for a blank cell.
        Raises ``CellError`` (errors.py) with a gettext_noop msgid and params for anything it refuses;
        every message starts with ``%(field)s`` and ``params["field"]`` is the field key.
    normalise_key(text: str) -> str
        Identity of a contract/account number for duplicate detection: NFKC, trimmed (ASCII and
        ideographic spaces), inner whitespace removed, upper-cased.

What each type accepts (the file shows what Excel did to a value; nothing is guessed silently):

* every type: an empty cell (or only spaces) is None; an Excel error (#N/A …) and a formula saved
  without its value are errors; NUL and other control characters are errors (TEXT keeps tab and line
  break; a CR LF or lone CR becomes LF).
* TEXT: trimmed; a number becomes its digits without ".0"; longer than ``max_length`` is an error,
  never truncated.
* IDENTIFIER / ID_NUMBER / PHONE: text as written (trimmed; IDENTIFIER NFKC-normalised, so a
  full-width "Ｃ－００１" is the same contract as "C-001" in this file and on file). Text in Excel's
  scientific notation ("1.10105E+17": a long number Excel displayed and the file kept) is an error.
  A number cell is accepted only as a whole
  number of at most 15 digits (Excel keeps 15 significant digits: a longer number in a number cell may
  have lost its last digits, even when they look intact) and becomes its digits. A date cell (Excel
  turned "2023-1" into a date) is an error. ID_NUMBER is NFKC-normalised, inner spaces removed,
  upper-cased (x → X) and loosely checked: 6 to 30 characters of 0-9, A-Z and "-" (the 18-digit
  checksum is the parties service's job). PHONE is NFKC-normalised and must hold digits and only
  phone punctuation (+ - ( ) / , ; 、 # *) and an extension mark.
* DATE: a date cell; a datetime cell at midnight; an Excel serial in a number cell (1900 system, where
  serial 60 is the non-existent 1900-02-29 and is refused; the 1904 system when the workbook says so);
  an 8-digit number 20230315; text 2023-03-15, 2023/3/15, 2023.3.15, 2023年3月15日, 20230315 (a time
  part of 00:00 is allowed). Dates before 1950-01-01 or after 2100-12-31 are refused.
* DATETIME: as DATE, plus a time: a datetime cell, a serial with a fraction (to the second), text
  "2023-03-15 09:30", "2023/3/15 9:30:15", "2023-03-15T09:30", "2023年3月15日 9时30分". A date alone is
  midnight. Values are naive (the kind applies the time zone).
* AMOUNT: Decimal from a number cell or text with thousand separators ("1,234.56", full-width "，"),
  currency marks (￥ ¥ 元 RMB CNY 人民币) before or after, full-width digits, scientific notation
  ("5.00E+05" → 500000), a minus sign or parentheses for a negative. With ``spec.places`` set, a
  value with more decimals is an error (a third decimal of a money amount never vanishes silently)
  unless it is a number cell's binary noise (2469.1200000000003, from a formula: within 1e-9 of the
  value at ``places``), which is rounded half up; otherwise exact (an exponent is expanded:
  5.00E+05 → 500000). At most 15 integer digits. Never a float.
* RATE: Decimal percent a year, trailing zeros dropped. Text with "%" is a percent ("4.35%" → 4.35). A
  number cell, or text without "%", is a fraction of 1 when below 1 (0.0435 → 4.35: how Excel stores a
  percent-formatted cell) and a percent otherwise ("4.35" → 4.35). Negative rates are refused.
* INTEGER: a whole number from a number cell or text ("1,200" and "3.0" too; "1.5" is an error).
* BOOL: a boolean cell; 1/0; 是/否, Y/N, yes/no, true/false, √/× (and ✓/✗) in any case.
* CHOICE: the choice's value, its zh-Hans or English label, or a ``spec.choice_synonyms`` text,
  compared NFKC-normalised, trimmed, with inner whitespace collapsed and case-folded.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from typing import Any, Final

from django.utils import translation
from django.utils.translation import gettext_noop

from loanlit.imports.errors import CellError
from loanlit.imports.headers import cell_text, plain_number
from loanlit.imports.kinds.base import FieldSpec, FieldType
from loanlit.imports.table import Cell, CellKind
from loanlit.imports.words import fold, marks, words

EXCEL_DIGITS: Final = 15  # significant digits Excel keeps in a number
MAX_INTEGER_DIGITS: Final = 15
EARLIEST_DATE: Final = date(1950, 1, 1)
LATEST_DATE: Final = date(2100, 12, 31)
ID_NUMBER_LENGTH: Final = (6, 30)
DISPLAY_LENGTH: Final = 40

MSG_FORMULA: Final = gettext_noop("%(field)s: formula without a saved value: open and save the file in Excel.")
MSG_EXCEL_ERROR: Final = gettext_noop("%(field)s: the cell holds the Excel error %(value)s.")
MSG_CONTROL: Final = gettext_noop("%(field)s contains a control character (%(code)s).")
MSG_TOO_LONG: Final = gettext_noop("%(field)s is too long: %(length)s characters, at most %(max_length)s.")
MSG_TOO_MANY_DIGITS: Final = gettext_noop(
    "%(field)s: a number cell with %(digits)s digits. Excel keeps only 15 significant digits, so the last "
    "digits may have been lost: format the column as text and enter the numbers again."
)
MSG_IDENTIFIER_NOT_WHOLE: Final = gettext_noop(
    "%(field)s: a number cell that is not a whole number cannot be an identifier; format the column as text."
)
MSG_IDENTIFIER_NEGATIVE: Final = gettext_noop("%(field)s: a negative number cannot be an identifier.")
MSG_IDENTIFIER_DATE: Final = gettext_noop(
    "%(field)s: Excel turned this value into a date or time; format the column as text and enter it again."
)
MSG_IDENTIFIER_SCIENTIFIC: Final = gettext_noop(
    "%(field)s: a number Excel showed in scientific notation (such as 1.10105E+17), so its digits are lost: "
    "format the column as text and enter the numbers again."
)
MSG_IDENTIFIER_BOOL: Final = gettext_noop("%(field)s: a TRUE/FALSE cell cannot be an identifier.")
MSG_ID_NUMBER_CHARACTERS: Final = gettext_noop("%(field)s may contain only digits, Latin letters and hyphens.")
MSG_ID_NUMBER_LENGTH: Final = gettext_noop(
    "%(field)s: %(length)s characters is not the length of an identity document number."
)
MSG_PHONE: Final = gettext_noop("%(field)s is not a telephone number.")
MSG_DATE: Final = gettext_noop("%(field)s: “%(value)s” is not a date (write it as 2023-03-15).")
MSG_DATE_HAS_TIME: Final = gettext_noop("%(field)s: %(value)s has a time of day; a date is expected.")
MSG_DATE_IMPLAUSIBLE: Final = gettext_noop(
    "%(field)s: %(value)s lies outside the plausible dates (1950-01-01 to 2100-12-31)."
)
MSG_SERIAL_60: Final = gettext_noop("%(field)s: Excel serial 60 stands for 29 February 1900, a day that did not exist.")
MSG_SERIAL: Final = gettext_noop(
    "%(field)s: the number %(value)s is neither an Excel date nor a date written as YYYYMMDD."
)
MSG_DATETIME: Final = gettext_noop("%(field)s: “%(value)s” is not a date and time (write it as 2023-03-15 09:30).")
MSG_AMOUNT: Final = gettext_noop("%(field)s: “%(value)s” is not an amount.")
MSG_AMOUNT_TOO_LARGE: Final = gettext_noop("%(field)s: %(value)s is too large.")
MSG_AMOUNT_PLACES: Final = gettext_noop(
    "%(field)s: “%(value)s” has more than %(places)s decimal places; amounts are never rounded silently: "
    "correct the amount in the file."
)
MSG_RATE: Final = gettext_noop("%(field)s: “%(value)s” is not a rate.")
MSG_RATE_NEGATIVE: Final = gettext_noop("%(field)s: a rate cannot be negative.")
MSG_INTEGER: Final = gettext_noop("%(field)s: “%(value)s” is not a whole number.")
MSG_BOOL: Final = gettext_noop("%(field)s: “%(value)s” is neither yes nor no.")
MSG_CHOICE: Final = gettext_noop("%(field)s: “%(value)s” is not one of the allowed values.")
MSG_TEXT: Final = gettext_noop("%(field)s: “%(value)s” cannot be read as text.")

_ALL_WHITESPACE: Final = re.compile(r"\s+")
# Unicode category Cc: C0 controls, DEL and C1 controls (TEXT keeps tab and line feed).
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_EXCEPT_LAYOUT: Final = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# NFKC has already turned the full-width and small hyphen-minus into "-"; these remain.
_MINUS_SIGNS: Final = str.maketrans({"\u2212": "-", "\u2013": "-", "\u2014": "-"})
_NUMBER: Final = r"(?:\d{1,3}(?:,\d{3})+(?:\.\d*)?|\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d{1,4})?"
_ID_NUMBER: Final = re.compile(r"[0-9A-Z-]+")
# How Excel's General format shows a long number: one digit, decimals, "E+" and the exponent.
_SCIENTIFIC: Final = re.compile(r"\d(?:\.\d+)?E\+\d{2,3}", re.IGNORECASE)
NOISE: Final = Decimal("1e-9")  # a number cell this close to its value at ``places`` holds binary noise
_PHONE_PUNCTUATION: Final = re.compile(r"[0-9+\-()/,;#*.\s\u3001]+")
_ISO_TIME: Final = r"(?:[ T]+(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.(?P<fraction>\d{1,6}))?)?)?"
_SEPARATED_DATE: Final = re.compile(
    rf"(?P<year>\d{{4}})(?P<sep>[-/.])(?P<month>\d{{1,2}})(?P=sep)(?P<day>\d{{1,2}}){_ISO_TIME}"
)
_COMPACT_DATE: Final = re.compile(rf"(?P<year>\d{{4}})(?P<month>\d{{2}})(?P<day>\d{{2}}){_ISO_TIME}")


def _raise(message: str, spec: FieldSpec, **params: Any) -> CellError:
    return CellError(message, field=spec.key, **params)


def _display(cell: Cell) -> str:
    text = cell_text(cell)
    return text if len(text) <= DISPLAY_LENGTH else text[: DISPLAY_LENGTH - 1] + "…"


def _strip(text: str) -> str:
    return text.strip()  # str.strip() removes ASCII and ideographic (U+3000) spaces alike


def _check_controls(text: str, spec: FieldSpec, *, layout_allowed: bool) -> None:
    found = (_CONTROL_EXCEPT_LAYOUT if layout_allowed else _CONTROL).search(text)
    if found is not None:
        raise _raise(MSG_CONTROL, spec, code=f"U+{ord(found.group()):04X}")


def _blank(cell: Cell) -> bool:
    return cell.kind == CellKind.EMPTY or (cell.kind == CellKind.TEXT and not _strip(str(cell.value or "")))


def convert(cell: Cell, spec: FieldSpec, *, date1904: bool = False) -> Any:
    if _blank(cell):
        return None
    if cell.kind == CellKind.FORMULA_NO_VALUE:
        raise _raise(MSG_FORMULA, spec)
    if cell.kind == CellKind.ERROR:
        raise _raise(MSG_EXCEL_ERROR, spec, value=str(cell.value or "#VALUE!"))
    if cell.kind == CellKind.TEXT:
        text = str(cell.value)
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        _check_controls(text, spec, layout_allowed=spec.type == FieldType.TEXT)
        text = _strip(text)
        if text != cell.value:
            cell = Cell(CellKind.TEXT, text, cell.merged_from)
    converter = _CONVERTERS[spec.type]
    return converter(cell, spec, date1904)


def normalise_key(text: str) -> str:
    return _ALL_WHITESPACE.sub("", unicodedata.normalize("NFKC", text)).upper()


# --- text and identifiers --------------------------------------------------------------------------


def _check_length(text: str, spec: FieldSpec) -> str:
    if spec.max_length is not None and len(text) > spec.max_length:
        raise _raise(MSG_TOO_LONG, spec, length=len(text), max_length=spec.max_length)
    return text


def _text(cell: Cell, spec: FieldSpec, date1904: bool) -> str:
    if cell.kind in (CellKind.TEXT, CellKind.NUMBER, CellKind.BOOL, CellKind.DATE, CellKind.DATETIME, CellKind.TIME):
        return _check_length(cell_text(cell), spec)
    raise _raise(MSG_TEXT, spec, value=_display(cell))


def _number_as_identifier(value: Decimal, spec: FieldSpec) -> str:
    if value != value.to_integral_value():
        raise _raise(MSG_IDENTIFIER_NOT_WHOLE, spec)
    if value < 0:
        raise _raise(MSG_IDENTIFIER_NEGATIVE, spec)
    digits = str(int(value))
    if len(digits) > EXCEL_DIGITS:
        raise _raise(MSG_TOO_MANY_DIGITS, spec, digits=len(digits))
    return digits


def _identifier_text(cell: Cell, spec: FieldSpec) -> str:
    if cell.kind == CellKind.TEXT:
        text = str(cell.value)
        if _SCIENTIFIC.fullmatch(unicodedata.normalize("NFKC", text).strip()):
            raise _raise(MSG_IDENTIFIER_SCIENTIFIC, spec)  # never echoes an ID
        return text
    if cell.kind == CellKind.NUMBER and isinstance(cell.value, Decimal):
        return _number_as_identifier(cell.value, spec)
    if cell.kind == CellKind.BOOL:
        raise _raise(MSG_IDENTIFIER_BOOL, spec)
    raise _raise(MSG_IDENTIFIER_DATE, spec)


def _identifier(cell: Cell, spec: FieldSpec, date1904: bool) -> str:
    return _check_length(_strip(unicodedata.normalize("NFKC", _identifier_text(cell, spec))), spec)


def _id_number(cell: Cell, spec: FieldSpec, date1904: bool) -> str:
    text = unicodedata.normalize("NFKC", _identifier_text(cell, spec))
    text = _ALL_WHITESPACE.sub("", text).upper()
    if not _ID_NUMBER.fullmatch(text):
        raise _raise(MSG_ID_NUMBER_CHARACTERS, spec)
    low, high = ID_NUMBER_LENGTH
    if not low <= len(text) <= high:
        raise _raise(MSG_ID_NUMBER_LENGTH, spec, length=len(text))
    return _check_length(text, spec)


@cache
def _phone_extension() -> re.Pattern[str]:
    alternatives = "|".join(re.escape(word) for word in words("phone_extension_marks"))
    return re.compile(rf"(?:{alternatives})\s*\d+$", re.IGNORECASE)


def _phone(cell: Cell, spec: FieldSpec, date1904: bool) -> str:
    text = _strip(unicodedata.normalize("NFKC", _identifier_text(cell, spec)))
    body = _phone_extension().sub("", text)
    if not _PHONE_PUNCTUATION.fullmatch(body) or sum(char.isdigit() for char in body) < 3:
        raise _raise(MSG_PHONE, spec)
    return _check_length(text, spec)


# --- dates -----------------------------------------------------------------------------------------


def _plausible(day: date, spec: FieldSpec) -> None:
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise _raise(MSG_DATE_IMPLAUSIBLE, spec, value=day.isoformat())


def _serial(value: Decimal, spec: FieldSpec, date1904: bool) -> datetime:
    """A date in a number cell: 20230315 (eight digits), else an Excel serial day number with its
    fraction of a day."""
    if value == value.to_integral_value() and 10_000_000 <= value <= 99_999_999:
        digits = str(int(value))
        moment = _calendar(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
        if moment is None:
            raise _raise(MSG_SERIAL, spec, value=digits)
        return moment
    whole = int(value)
    if whole <= 0 or whole > 2_958_465:  # Excel's last day is 9999-12-31
        raise _raise(MSG_SERIAL, spec, value=plain_number(value))
    if date1904:
        base = datetime(1904, 1, 1)
    elif whole == 60:
        raise _raise(MSG_SERIAL_60, spec)
    else:
        # Excel counts a 29 February 1900 that never was (Lotus 1-2-3's bug): later serials are a day ahead.
        base = datetime(1899, 12, 31) if whole < 60 else datetime(1899, 12, 30)
    seconds = int(((value - whole) * 86_400).to_integral_value(rounding=ROUND_HALF_UP))
    return base + timedelta(days=whole, seconds=seconds)


def _calendar(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, microsecond: int = 0
) -> datetime | None:
    try:
        return datetime(year, month, day, hour, minute, second, microsecond)
    except ValueError:
        return None


@cache
def _cjk_date() -> tuple[re.Pattern[str], re.Pattern[str]]:
    def alt(name: str, part: str) -> str:
        return "(?:" + "|".join(re.escape(word) for word in marks(name, part)) + ")"

    year, month, day = alt("date_marks", "year"), alt("date_marks", "month"), alt("date_marks", "day")
    hour, minute, second = alt("time_marks", "hour"), alt("time_marks", "minute"), alt("time_marks", "second")
    date_part = rf"(?P<year>\d{{4}})\s*{year}\s*(?P<month>\d{{1,2}})\s*{month}\s*(?P<day>\d{{1,2}})\s*{day}?"
    cjk_time = (
        rf"(?:\s*(?P<hour>\d{{1,2}})\s*{hour}\s*(?P<minute>\d{{1,2}})\s*{minute}?"
        rf"(?:\s*(?P<second>\d{{1,2}})\s*{second}?)?)?"
    )
    return (re.compile(date_part + cjk_time, re.IGNORECASE), re.compile(date_part + _ISO_TIME, re.IGNORECASE))


def _parse_date_text(text: str) -> datetime | None:
    text = unicodedata.normalize("NFKC", text).strip()
    match = _SEPARATED_DATE.fullmatch(text) or _COMPACT_DATE.fullmatch(text)
    if match is None:
        cjk_time, iso_time = _cjk_date()
        match = cjk_time.fullmatch(text) or iso_time.fullmatch(text)
    if match is None:
        return None
    parts = match.groupdict()
    fraction = parts.get("fraction") or ""
    return _calendar(
        int(parts["year"]),
        int(parts["month"]),
        int(parts["day"]),
        int(parts.get("hour") or 0),
        int(parts.get("minute") or 0),
        int(parts.get("second") or 0),
        int(fraction.ljust(6, "0")) if fraction else 0,
    )


def _moment(cell: Cell, spec: FieldSpec, date1904: bool, message: str) -> datetime:
    value = cell.value
    if cell.kind == CellKind.DATETIME and isinstance(value, datetime):
        moment = value
    elif cell.kind == CellKind.DATE and isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif cell.kind == CellKind.NUMBER and isinstance(value, Decimal):
        moment = _serial(value, spec, date1904)
    elif cell.kind == CellKind.TEXT:
        parsed = _parse_date_text(str(value))
        if parsed is None:
            raise _raise(message, spec, value=_display(cell))
        moment = parsed
    else:
        raise _raise(message, spec, value=_display(cell))
    _plausible(moment.date(), spec)
    return moment


def _date(cell: Cell, spec: FieldSpec, date1904: bool) -> date:
    moment = _moment(cell, spec, date1904, MSG_DATE)
    if moment.time() != time(0, 0):
        raise _raise(MSG_DATE_HAS_TIME, spec, value=moment.isoformat(sep=" "))
    return moment.date()


def _datetime(cell: Cell, spec: FieldSpec, date1904: bool) -> datetime:
    return _moment(cell, spec, date1904, MSG_DATETIME)


# --- numbers ---------------------------------------------------------------------------------------


@cache
def _amount_pattern() -> re.Pattern[str]:
    currency = "(?:" + "|".join(re.escape(word) for word in words("currency_marks")) + ")"
    return re.compile(
        rf"(?P<open>\()?(?P<sign1>[-+])?(?:{currency})?(?P<sign2>[-+])?(?P<number>{_NUMBER})(?:{currency})?"
        r"(?P<close>\))?"
    )


_PLAIN_NUMBER: Final = re.compile(rf"(?P<open>\()?(?P<sign1>[-+])?(?P<number>{_NUMBER})(?P<percent>%)?(?P<close>\))?")


def _parse_number_text(text: str, *, currency: bool) -> tuple[Decimal, bool] | None:
    """A Decimal from text people write, and whether it ended in "%"; None when it is no number."""
    folded = _ALL_WHITESPACE.sub("", fold(text).translate(_MINUS_SIGNS))
    match = (_amount_pattern() if currency else _PLAIN_NUMBER).fullmatch(folded)
    if match is None:
        return None
    parts = match.groupdict()
    if bool(parts["open"]) != bool(parts["close"]):
        return None
    signs = [sign for sign in (parts.get("sign1"), parts.get("sign2")) if sign]
    if len(signs) > 1 or (parts["open"] and signs):
        return None
    try:
        number = Decimal(parts["number"].replace(",", ""))
    except InvalidOperation:
        return None
    if parts["open"] or signs == ["-"]:
        number = -number
    return number, bool(parts.get("percent"))


def _expanded(value: Decimal) -> Decimal:
    """No exponent above zero (5.00E+5 → 500000) and no negative zero."""
    if value.as_tuple().exponent > 0:  # type: ignore[operator]
        value = value.quantize(Decimal(1))
    return abs(value) if value == 0 else value


def _too_large(value: Decimal) -> bool:
    return value != 0 and value.adjusted() >= MAX_INTEGER_DIGITS


def _amount(cell: Cell, spec: FieldSpec, date1904: bool) -> Decimal:
    if cell.kind == CellKind.NUMBER and isinstance(cell.value, Decimal):
        value = cell.value
    elif cell.kind == CellKind.TEXT:
        parsed = _parse_number_text(str(cell.value), currency=True)
        if parsed is None:
            raise _raise(MSG_AMOUNT, spec, value=_display(cell))
        value = parsed[0]
    else:
        raise _raise(MSG_AMOUNT, spec, value=_display(cell))
    if _too_large(value):
        raise _raise(MSG_AMOUNT_TOO_LARGE, spec, value=_display(cell))
    value = _expanded(value)
    if spec.places is not None:
        rounded = _expanded(value.quantize(Decimal(1).scaleb(-spec.places), rounding=ROUND_HALF_UP))
        noise = cell.kind == CellKind.NUMBER and abs(rounded - value) <= NOISE
        if rounded != value and not noise:
            raise _raise(MSG_AMOUNT_PLACES, spec, value=_display(cell), places=spec.places)
        value = rounded
    return value


def _normalised(value: Decimal) -> Decimal:
    return _expanded(value.normalize())


def _rate(cell: Cell, spec: FieldSpec, date1904: bool) -> Decimal:
    if cell.kind == CellKind.NUMBER and isinstance(cell.value, Decimal):
        value, percent = cell.value, False
    elif cell.kind == CellKind.TEXT:
        parsed = _parse_number_text(str(cell.value), currency=False)
        if parsed is None:
            raise _raise(MSG_RATE, spec, value=_display(cell))
        value, percent = parsed
    else:
        raise _raise(MSG_RATE, spec, value=_display(cell))
    if value < 0:
        raise _raise(MSG_RATE_NEGATIVE, spec)
    if _too_large(value):
        raise _raise(MSG_RATE, spec, value=_display(cell))
    if not percent and value < 1:
        value = value * 100  # a fraction of 1, as Excel stores a percent-formatted cell
    return _normalised(value)


def _integer(cell: Cell, spec: FieldSpec, date1904: bool) -> int:
    if cell.kind == CellKind.NUMBER and isinstance(cell.value, Decimal):
        value = cell.value
    elif cell.kind == CellKind.TEXT:
        parsed = _parse_number_text(str(cell.value), currency=False)
        if parsed is None or parsed[1]:
            raise _raise(MSG_INTEGER, spec, value=_display(cell))
        value = parsed[0]
    else:
        raise _raise(MSG_INTEGER, spec, value=_display(cell))
    if value != value.to_integral_value() or _too_large(value):
        raise _raise(MSG_INTEGER, spec, value=_display(cell))
    return int(value)


# --- yes/no and choices ----------------------------------------------------------------------------


def _choice_text(text: str) -> str:
    return _ALL_WHITESPACE.sub(" ", fold(text)).strip()


def _bool(cell: Cell, spec: FieldSpec, date1904: bool) -> bool:
    if cell.kind == CellKind.BOOL:
        return bool(cell.value)
    if cell.kind in (CellKind.TEXT, CellKind.NUMBER):
        text = _choice_text(cell_text(cell))
        if text in words("bool_true"):
            return True
        if text in words("bool_false"):
            return False
    raise _raise(MSG_BOOL, spec, value=_display(cell))


_CHOICE_LOOKUPS: dict[int, tuple[FieldSpec, dict[str, str]]] = {}


def _choice_lookup(spec: FieldSpec) -> dict[str, str]:
    # FieldSpecs are module constants (and unhashable: choice_synonyms is a dict), so the lookup is kept
    # by identity, with the spec itself to make a reused id harmless.
    cached = _CHOICE_LOOKUPS.get(id(spec))
    if cached is not None and cached[0] is spec:
        return cached[1]
    lookup: dict[str, str] = {}
    for value, _label in spec.choices:
        lookup.setdefault(_choice_text(value), value)
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for value, label in spec.choices:
                lookup.setdefault(_choice_text(str(label)), value)
    for text, value in spec.choice_synonyms.items():
        lookup.setdefault(_choice_text(text), value)
    lookup.pop("", None)
    _CHOICE_LOOKUPS[id(spec)] = (spec, lookup)
    return lookup


def _choice(cell: Cell, spec: FieldSpec, date1904: bool) -> str:
    if cell.kind in (CellKind.TEXT, CellKind.NUMBER):
        found = _choice_lookup(spec).get(_choice_text(cell_text(cell)))
        if found is not None:
            return found
    raise _raise(MSG_CHOICE, spec, value=_display(cell))


_CONVERTERS: Final = {
    FieldType.TEXT: _text,
    FieldType.IDENTIFIER: _identifier,
    FieldType.ID_NUMBER: _id_number,
    FieldType.PHONE: _phone,
    FieldType.DATE: _date,
    FieldType.DATETIME: _datetime,
    FieldType.AMOUNT: _amount,
    FieldType.RATE: _rate,
    FieldType.INTEGER: _integer,
    FieldType.BOOL: _bool,
    FieldType.CHOICE: _choice,
}
