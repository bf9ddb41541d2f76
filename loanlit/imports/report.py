"""The error report: the rows of the file that were not imported, exactly as they were, plus a column
with every reason, so the user fixes them in place and uploads just those rows again.

Cells keep their type (a number stays a number, a date a date); a column that holds identifiers (mapped
to an identifier, ID number or phone field) is written as text with the text format "@", so Excel
neither rounds an 18-digit ID nor drops a leading zero when the file is opened and saved again.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, time
from decimal import Decimal

import xlsxwriter
from django.utils.translation import gettext as _

from loanlit.core.watermark import xlsx_watermark_xlsxwriter
from loanlit.imports.headers import cell_text
from loanlit.imports.kinds.base import FieldType, ImportKind
from loanlit.imports.table import Cell, CellKind, Table

ID_TYPES = (FieldType.IDENTIFIER, FieldType.ID_NUMBER, FieldType.PHONE)
MAX_FLOAT_DIGITS = 15


def id_columns(kind: ImportKind, mapping: Mapping[str, int]) -> set[int]:
    return {int(index) for key, index in mapping.items() if kind.field(key).type in ID_TYPES}


def _plain(value: Decimal) -> str:
    if value == value.to_integral_value():
        return str(int(value))
    return format(value, "f")


def _write(sheet: object, row: int, col: int, cell: Cell, *, as_text: bool, formats: dict[str, object]) -> None:
    ws = sheet  # xlsxwriter.Worksheet
    value = cell.value
    text_format = formats["text"]
    if cell.kind in (CellKind.EMPTY, CellKind.FORMULA_NO_VALUE) or value is None:
        if as_text:
            ws.write_blank(row, col, None, text_format)  # type: ignore[attr-defined]
        return
    if as_text or cell.kind in (CellKind.TEXT, CellKind.ERROR):
        text = _plain(value) if isinstance(value, Decimal) else str(value)
        ws.write_string(row, col, text, text_format)  # type: ignore[attr-defined]
    elif cell.kind == CellKind.NUMBER and isinstance(value, Decimal):
        # A float holds 15 significant digits; anything longer is kept as text rather than changed.
        if len(value.normalize().as_tuple().digits) > MAX_FLOAT_DIGITS:
            ws.write_string(row, col, _plain(value), text_format)  # type: ignore[attr-defined]
        else:
            ws.write_number(row, col, float(value))  # type: ignore[attr-defined]
    elif isinstance(value, datetime):
        ws.write_datetime(row, col, value.replace(tzinfo=None), formats["datetime"])  # type: ignore[attr-defined]
    elif isinstance(value, date):
        ws.write_datetime(row, col, datetime(value.year, value.month, value.day), formats["date"])  # type: ignore[attr-defined]
    elif isinstance(value, time):
        ws.write_datetime(row, col, value, formats["time"])  # type: ignore[attr-defined]
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value)  # type: ignore[attr-defined]
    else:
        ws.write_string(row, col, str(value), text_format)  # type: ignore[attr-defined]


def error_report_xlsx(
    *,
    table: Table,
    kind: ImportKind,
    mapping: Mapping[str, int],
    problems: Mapping[int, Sequence[str]],
    sheet_title: str | None = None,
    masked: Mapping[int, Callable[[str], str]] | None = None,
    watermark: str = "",
) -> bytes:
    """An .xlsx of the source rows named in ``problems`` (row number → messages), in file order.

    ``masked``: column index → how to mask its text, for a reader who may not see personal data.
    ``watermark``: who downloaded it and when (loanlit.core.watermark), in the page header and properties."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}
    )
    formats: dict[str, object] = {
        "text": book.add_format({"num_format": "@"}),
        "date": book.add_format({"num_format": "yyyy-mm-dd"}),
        "datetime": book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
        "time": book.add_format({"num_format": "hh:mm:ss"}),
    }
    header_format = book.add_format({"bold": True, "bg_color": "#DDEBF7", "text_wrap": True, "valign": "top"})
    error_format = book.add_format({"text_wrap": True, "font_color": "#9C0006", "bg_color": "#FFC7CE", "valign": "top"})
    sheet = book.add_worksheet((sheet_title or _("Rows not imported"))[:31])
    if watermark:
        xlsx_watermark_xlsxwriter(book, sheet, watermark)
    text_columns = id_columns(kind, mapping)
    headers = list(table.raw_headers)
    row_label = _("Row in the file")
    error_label = _("Errors")
    sheet.write_string(0, 0, row_label, header_format)
    for index, header in enumerate(headers):
        sheet.write_string(0, index + 1, header, header_format)
        if index in text_columns:
            sheet.set_column(index + 1, index + 1, 22, formats["text"])
        else:
            sheet.set_column(index + 1, index + 1, 14)
    error_col = len(headers) + 1
    sheet.write_string(0, error_col, error_label, header_format)
    sheet.set_column(error_col, error_col, 60)
    sheet.freeze_panes(1, 1)
    out = 1
    for source in table.rows:
        messages = problems.get(source.number)
        if not messages:
            continue
        sheet.write_number(out, 0, source.number)
        for index in range(len(headers)):
            cell = source.cells[index] if index < len(source.cells) else Cell(CellKind.EMPTY)
            if masked and index in masked and cell.kind != CellKind.EMPTY:
                cell = Cell(CellKind.TEXT, masked[index](cell_text(cell)))
            _write(sheet, out, index + 1, cell, as_text=index in text_columns, formats=formats)
        sheet.write_string(out, error_col, "\n".join(messages), error_format)
        out += 1
    if out > 1:
        sheet.autofilter(0, 0, out - 1, error_col)
    book.close()
    return buffer.getvalue()
