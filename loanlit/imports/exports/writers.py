"""The two file formats: CSV streamed row by row, xlsx written by XlsxWriter in constant-memory mode.

CSV: UTF-8 with a BOM (Excel then reads Chinese correctly), money "1234.56", dates ISO, and any text
cell that Excel or LibreOffice would run as a formula (starting with = + - @, tab or carriage return)
prefixed with an apostrophe (CSV injection). ID and contract numbers are plain text, digit for digit.
xlsx: text cells are always ``write_string`` (never a number, never a formula) with the text format on
code columns, money is a number with two decimals, dates are date cells.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime, time
from decimal import Decimal
from typing import Any, Final

import xlsxwriter

from loanlit.core import money as m
from loanlit.core.spreadsheets import (
    BOM,
    XLSX_DATE_FORMAT,
    XLSX_MONEY_FORMAT,
    XLSX_TEXT_OPTIONS,
    neutralise,
    sheet_name,
)
from loanlit.core.watermark import xlsx_watermark_xlsxwriter
from loanlit.imports.exports.columns import CODE, DATE, MONEY, Column

CSV_ROWS_PER_WRITE: Final = 200


def csv_cell(value: Any, column: Column) -> str:
    if value is None or value == "":
        return ""
    if column.type == MONEY:
        return m.format_money(value, grouping=False)
    if column.type == DATE:
        return value.isoformat()
    return neutralise(str(value))


class _Echo:
    """A file-like object whose ``write`` hands back the line csv.writer produced."""

    def write(self, value: str) -> str:
        return value


def csv_chunks(
    columns: Sequence[Column], rows: Iterable[Sequence[Any]], *, on_finish: Callable[[int, bool], None]
) -> Iterator[bytes]:
    """The CSV file as byte chunks; ``on_finish(rows_written, completed)`` runs at the end, also when the
    download is broken off (the generator is closed) or a row fails."""
    writer = csv.writer(_Echo())
    written, completed = 0, False
    try:
        yield (BOM + writer.writerow([neutralise(str(column.label)) for column in columns])).encode("utf-8")
        lines: list[str] = []
        for row in rows:
            lines.append(writer.writerow([csv_cell(value, column) for value, column in zip(row, columns, strict=True)]))
            written += 1
            if len(lines) >= CSV_ROWS_PER_WRITE:
                yield "".join(lines).encode("utf-8")
                lines = []
        if lines:
            yield "".join(lines).encode("utf-8")
        completed = True
    finally:
        on_finish(written, completed)


def write_xlsx(
    path: str,
    *,
    title: str,
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    on_row: Callable[[int], None] | None = None,
    watermark: str = "",
) -> int:
    """Write ``rows`` under a header row to a new workbook at ``path``; returns the number of rows.

    ``constant_memory`` flushes each row to disk as soon as the next one starts, so a million rows need
    no more memory than one. ``on_row(rows_so_far)`` runs after every row (progress, cancel checks).
    ``watermark``: who exported it and when (loanlit.core.watermark), in the page header and properties.
    """
    options = {"constant_memory": True, **XLSX_TEXT_OPTIONS}
    workbook = xlsxwriter.Workbook(path, options)
    try:
        sheet = workbook.add_worksheet(sheet_name(title))
        if watermark:
            xlsx_watermark_xlsxwriter(workbook, sheet, watermark)
        header = workbook.add_format({"bold": True, "bg_color": "#E9EEF5", "text_wrap": True, "valign": "top"})
        text = workbook.add_format({"num_format": "@"})
        money = workbook.add_format({"num_format": XLSX_MONEY_FORMAT})
        day = workbook.add_format({"num_format": XLSX_DATE_FORMAT})
        for index, column in enumerate(columns):
            sheet.set_column(index, index, column.width, text if column.type == CODE else None)
        sheet.freeze_panes(1, 0)
        for index, column in enumerate(columns):
            sheet.write_string(0, index, str(column.label), header)
        written = 0
        for written, row in enumerate(rows, start=1):
            for index, (value, column) in enumerate(zip(row, columns, strict=True)):
                if value is None or value == "":
                    continue
                if column.type == MONEY:
                    amount = m.to_money(value) if isinstance(value, Decimal) else value
                    # xlsx stores numbers as doubles; a cent amount round-trips exactly through repr().
                    sheet.write_number(written, index, float(amount), money)
                elif column.type == DATE:
                    moment = value if isinstance(value, datetime) else datetime.combine(value, time())
                    sheet.write_datetime(written, index, moment, day)
                else:
                    sheet.write_string(written, index, str(value), text if column.type == CODE else None)
            if on_row is not None:
                on_row(written)
        if columns:
            sheet.autofilter(0, 0, max(written, 1), len(columns) - 1)
    finally:
        workbook.close()
    return written
