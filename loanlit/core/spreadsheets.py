"""What every CSV and xlsx file the application writes has in common (the case exports of ``imports`` and
the statistics exports of ``reports``): the BOM, formula neutralising, worksheet names, number formats.

CSV: UTF-8 with a BOM, so Excel reads Chinese correctly. A text cell that Excel or LibreOffice would run
as a formula (starting with = + - @, tab or carriage return) is prefixed with an apostrophe (CSV
injection). xlsx: text is always written as a string, never converted to a number, formula or link.
"""

from __future__ import annotations

from typing import Final

BOM: Final = "\ufeff"
FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
SHEET_NAME_FORBIDDEN: Final = str.maketrans(dict.fromkeys("[]:*?/\\", " "))
SHEET_NAME_LIMIT: Final = 31
XLSX_MONEY_FORMAT: Final = "#,##0.00"
XLSX_DATE_FORMAT: Final = "yyyy-mm-dd"
# XlsxWriter options: strings stay strings (an ID or contract number never becomes a number or a link).
XLSX_TEXT_OPTIONS: Final = {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}


def neutralise(text: str) -> str:
    """A text cell that cannot start a formula in a spreadsheet."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def sheet_name(title: str, taken: set[str] | None = None) -> str:
    """A valid worksheet name: at most 31 characters, none of []:*?/\\, no leading or trailing apostrophe;
    with ``taken`` (lower-cased names already used), unique within the workbook, as Excel compares names
    case-insensitively."""
    base = " ".join(str(title).translate(SHEET_NAME_FORBIDDEN).split()).strip("'").strip() or "Sheet1"
    name = base[:SHEET_NAME_LIMIT]
    if taken is None:
        return name
    number = 1
    while name.lower() in taken:
        number += 1
        suffix = f" ({number})"
        name = base[: SHEET_NAME_LIMIT - len(suffix)] + suffix
    taken.add(name.lower())
    return name
