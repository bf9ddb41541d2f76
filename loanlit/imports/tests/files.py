"""Test files built in code: real .xlsx workbooks (XlsxWriter, plus raw edits of the zip where no
writer produces what real files contain) and encoded CSV bytes.

    xlsx(rows, *, merges=(), date1904=False, sheet_name="Sheet1", sheets=None) -> bytes
        ``rows`` is a list of rows of values: None (no cell), str, bool, int/float/Decimal, date,
        datetime, time, ``Formula`` or ``ExcelError``; ``sheets`` gives several ``Sheet``s instead.
    set_date1904(content) -> bytes      the same workbook with ``<workbookPr date1904="1">`` (raw edit,
                                        serials untouched: what Excel shows for a flag flipped later)
    csv_bytes(rows, *, encoding="utf-8", delimiter=",", newline="\\r\\n") -> bytes
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import xlsxwriter

NO_CACHE = object()
EMPTY_TEXT = object()
_NO_CACHE_MARK = "__NO_CACHED_VALUE__"
_EMPTY_TEXT_MARK = "__EMPTY_TEXT_RESULT__"
_PLAIN_ERROR_FORMULA = "__PLAIN_ERROR__"


@dataclass(frozen=True)
class Formula:
    """A formula cell. ``cached`` is the value saved with it; NO_CACHE writes no ``<v>`` at all (a
    generator that never calculates), "" an empty ``<v></v>`` (what openpyxl writes), EMPTY_TEXT a
    formula whose result is the empty text, as Excel saves it (``t="str"`` and ``<v></v>``)."""

    text: str
    cached: Any = NO_CACHE


@dataclass(frozen=True)
class ExcelError:
    """An Excel error value such as "#N/A": from a formula (``formula``) or pasted as a value (None)."""

    value: str
    formula: str | None = None


@dataclass
class Sheet:
    name: str
    rows: Sequence[Sequence[Any]]
    merges: Sequence[str] = ()
    hidden: bool = False
    column_formats: dict[int, str] = field(default_factory=dict)  # column → number format of its numbers


def xlsx(
    rows: Sequence[Sequence[Any]] = (),
    *,
    merges: Sequence[str] = (),
    date1904: bool = False,
    sheet_name: str = "Sheet1",
    sheets: Sequence[Sheet] | None = None,
) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "date_1904": date1904})
    formats = {
        "date": book.add_format({"num_format": "yyyy-mm-dd"}),
        "datetime": book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
        "time": book.add_format({"num_format": "hh:mm:ss"}),
    }
    custom: dict[str, Any] = {}
    activated = False
    for sheet in sheets or [Sheet(sheet_name, rows, merges)]:
        worksheet = book.add_worksheet(sheet.name)
        if sheet.hidden:
            worksheet.hide()
        elif not activated:  # XlsxWriter never hides the active sheet: make the first visible one active
            worksheet.activate()
            activated = True
        merged_anchors = {}
        for ref in sheet.merges:
            first = ref.split(":")[0]
            merged_anchors[first] = ref
        for r, row in enumerate(sheet.rows):
            for c, value in enumerate(row):
                number_format = sheet.column_formats.get(c)
                if number_format is not None and number_format not in custom:
                    custom[number_format] = book.add_format({"num_format": number_format})
                _write(worksheet, r, c, value, formats, custom.get(number_format or ""))
        for ref in sheet.merges:
            first_row, first_col, last_row, last_col = _bounds(ref)
            anchor = sheet.rows[first_row][first_col] if first_row < len(sheet.rows) else None
            worksheet.merge_range(first_row, first_col, last_row, last_col, "" if anchor is None else anchor)
            if anchor is not None and not isinstance(anchor, str):
                _write(worksheet, first_row, first_col, anchor, formats, None)
    book.close()
    return _drop_marks(buffer.getvalue())


def _bounds(ref: str) -> tuple[int, int, int, int]:
    first, last = ref.split(":")
    (r1, c1), (r2, c2) = _cell(first), _cell(last)
    return r1, c1, r2, c2


def _cell(ref: str) -> tuple[int, int]:
    match = re.fullmatch(r"([A-Z]+)(\d+)", ref)
    assert match, ref
    column = 0
    for char in match.group(1):
        column = column * 26 + ord(char) - ord("A") + 1
    return int(match.group(2)) - 1, column - 1


def _write(worksheet: Any, r: int, c: int, value: Any, formats: dict[str, Any], number_format: Any) -> None:
    if value is None:
        return
    if isinstance(value, Formula):
        cached = {NO_CACHE: _NO_CACHE_MARK, EMPTY_TEXT: _EMPTY_TEXT_MARK}.get(value.cached, value.cached)
        worksheet.write_formula(r, c, value.text, number_format, cached)
    elif isinstance(value, ExcelError):
        worksheet.write_formula(r, c, value.formula or _PLAIN_ERROR_FORMULA, None, value.value)
    elif isinstance(value, bool):
        worksheet.write_boolean(r, c, value)
    elif isinstance(value, int | float | Decimal):
        worksheet.write_number(r, c, float(value) if isinstance(value, Decimal) else value, number_format)
    elif isinstance(value, datetime):
        worksheet.write_datetime(r, c, value, formats["datetime"])
    elif isinstance(value, date):
        worksheet.write_datetime(r, c, datetime(value.year, value.month, value.day), formats["date"])
    elif isinstance(value, time):
        worksheet.write_datetime(r, c, value, formats["time"])
    else:
        worksheet.write_string(r, c, str(value))


def _rewrite(content: bytes, edit: Any) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, edit(info.filename, source.read(info.filename)))
    return out.getvalue()


def _drop_marks(content: bytes) -> bytes:
    def edit(name: str, data: bytes) -> bytes:
        if not name.startswith("xl/worksheets/"):
            return data
        # A formula saved without any cached value: <c r="B2" t="str"><f>A2*2</f><v>MARK</v></c> → no <v>.
        data = re.sub(
            rb'(<c r="[A-Z]+\d+"(?: s="\d+")?) t="str"(><f>[^<]*</f>)<v>' + _NO_CACHE_MARK.encode() + rb"</v>",
            rb"\1\2",
            data,
        )
        data = data.replace(b"<v>" + _EMPTY_TEXT_MARK.encode() + b"</v>", b"<v></v>")
        # An error pasted as a value: no formula, only t="e" and the error text.
        return data.replace(b"<f>" + _PLAIN_ERROR_FORMULA.encode() + b"</f>", b"")

    return _rewrite(content, edit)


def set_date1904(content: bytes) -> bytes:
    def edit(name: str, data: bytes) -> bytes:
        if name != "xl/workbook.xml":
            return data
        if b"date1904" in data:
            return data
        return data.replace(b"<workbookPr", b'<workbookPr date1904="1"', 1)

    return _rewrite(content, edit)


def sheet_xml(content: bytes, index: int = 1) -> str:
    """The raw XML of a worksheet (to show what a test file really holds)."""
    return zipfile.ZipFile(io.BytesIO(content)).read(f"xl/worksheets/sheet{index}.xml").decode("utf-8")


def csv_bytes(
    rows: Sequence[Sequence[str]], *, encoding: str = "utf-8", delimiter: str = ",", newline: str = "\r\n"
) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline)
    writer.writerows(rows)
    text = buffer.getvalue()
    if encoding == "utf-16-be-bom":
        return codecs.BOM_UTF16_BE + text.encode("utf-16-be")
    if encoding == "utf-16-le-bom":
        return codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    return text.encode(encoding)
