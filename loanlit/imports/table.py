"""What a reader hands the pipeline: a table of typed cells, the header found, and file-level facts.

Contract between ``loanlit.imports.readers`` (which builds it from .xlsx/.xlsm/.csv/.tsv bytes) and the
pipeline (``loanlit.imports.services``), which maps columns to fields and converts cells with
``loanlit.imports.cells``. Readers never convert a cell to a field's type: they report what the file
holds (a number is a number, even in an ID column) so the cell rules can refuse what Excel has damaged.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from enum import StrEnum


class CellKind(StrEnum):
    EMPTY = "empty"
    TEXT = "text"  # str (CSV cells are always text)
    NUMBER = "number"  # Decimal, exactly as stored (xlsx numbers come as the shortest repr of the double)
    DATE = "date"  # date: an xlsx cell with a date format (1900 or 1904 system already applied)
    DATETIME = "datetime"  # datetime
    TIME = "time"  # time
    BOOL = "bool"  # bool
    ERROR = "error"  # an Excel error value such as #N/A or #DIV/0!: value is its text
    FORMULA_NO_VALUE = "formula_no_value"  # a formula cell saved without a cached value: value is None


@dataclass(frozen=True, slots=True)
class Cell:
    kind: CellKind
    value: str | Decimal | date | datetime | time | bool | None = None
    # The cell came from filling a merged range down: the range's anchor, e.g. "A5:A9".
    merged_from: str | None = None


EMPTY_CELL = Cell(CellKind.EMPTY, None)


@dataclass(frozen=True, slots=True)
class SourceRow:
    number: int  # 1-based row (xlsx) or record/line number (CSV) in the file, as the user sees it
    cells: tuple[Cell, ...]  # one per header column, padded with EMPTY_CELL


@dataclass
class Table:
    file_name: str
    format: str  # "xlsx" | "xlsm" | "csv" | "tsv"
    sheet_name: str | None  # xlsx: the sheet read
    sheet_names: list[str]  # xlsx: every sheet, for the user to choose another
    encoding: str | None  # CSV: the encoding used ("utf-8-sig", "utf-8", "utf-16", "gb18030", or a detector's)
    encoding_reason: str  # CSV: how it was chosen: "bom" | "utf-8" | "utf-16-bom" | "gb18030" | "detected" | "override"
    date1904: bool  # xlsx: the workbook uses the 1904 date system
    header_row: int  # 1-based row number of the header in the file
    raw_headers: list[str]  # as in the file
    headers: list[str]  # normalised (``loanlit.imports.headers.normalise_header``)
    duplicate_headers: dict[str, list[int]]  # normalised header → 0-based column indexes, when > 1
    merged_ranges: list[str]  # xlsx: every merged range in the data area, e.g. "A5:A9"
    rows: list[SourceRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # file-level warnings, translated

    def iter_rows(self) -> Iterator[SourceRow]:
        return iter(self.rows)


class FileRefused(Exception):
    """The whole file cannot be read (unknown format, damaged archive, encoding override that fails,
    a merged range across a key column that cannot be filled down…). ``message`` is translated and
    names what is wrong (the range, the sheet, the line)."""

    def __init__(self, message: str, *, code: str = "file_refused") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
