"""Readers: file bytes → ``Table`` (issue 6).

    read_table(content: bytes, *, file_name: str, encoding: str | None = None, sheet: str | None = None,
               known_headers: Collection[str] = ()) -> Table
        Format from the name (.xlsx/.xlsm/.csv/.tsv; .txt sniffed as CSV/TSV) and checked against the
        bytes. ``encoding`` overrides the CSV choice; ``known_headers`` (normalised field labels and
        synonyms) helps find the header row below title rows. Raises ``FileRefused``.
    merged_cells_in(table: Table, column_index: int) -> list[str]
        The merged ranges ("A5:A9") whose cells lie in a column of the table, in row order.

Formats: ``readers.xlsx`` (python-calamine + one streaming pass over the sheet XML) and
``readers.csvfile`` (encoding order, delimiter sniffing); ``readers.assemble`` finds the header, fills
merged ranges and drops empty edge columns for both.
"""

from __future__ import annotations

import gc
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import PurePath
from typing import Final

from django.utils.translation import gettext as _

from loanlit.imports.readers.assemble import assemble
from loanlit.imports.readers.csvfile import read_csv
from loanlit.imports.readers.xlsx import read_xlsx
from loanlit.imports.table import FileRefused, Table

ZIP_MAGIC: Final = b"PK\x03\x04"
OLE_MAGIC: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and password-protected .xlsx
EXCEL_SUFFIXES: Final = {".xlsx": "xlsx", ".xlsm": "xlsm"}
TEXT_SUFFIXES: Final = {".csv": "csv", ".tsv": "tsv", ".txt": "txt"}

__all__ = ["merged_cells_in", "read_table"]


def _refuse_binary(content: bytes) -> None:
    if content.startswith(OLE_MAGIC):
        raise FileRefused(
            _(
                "This is an old-style .xls workbook or a password-protected one: save it in Excel as an "
                "unprotected .xlsx workbook and upload that."
            ),
            code="xls",
        )


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Reading creates millions of small objects that all survive; the cyclic garbage collector would
    rescan them again and again (a third of the reading time of a 100,000-row sheet) and find nothing
    to free, so it waits until the table is built."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def read_table(
    content: bytes,
    *,
    file_name: str,
    encoding: str | None = None,
    sheet: str | None = None,
    known_headers: Collection[str] = (),
) -> Table:
    with _collector_paused():
        return _read_table(content, file_name=file_name, encoding=encoding, sheet=sheet, known_headers=known_headers)


def _read_table(
    content: bytes, *, file_name: str, encoding: str | None, sheet: str | None, known_headers: Collection[str]
) -> Table:
    suffix = PurePath(file_name).suffix.lower()
    if not content:
        raise FileRefused(_("The file is empty."), code="empty")
    if suffix in EXCEL_SUFFIXES:
        if not content.startswith(ZIP_MAGIC):
            _refuse_binary(content)
            raise FileRefused(
                _("“%(name)s” is not an Excel workbook, although its name ends in %(suffix)s.")
                % {"name": file_name, "suffix": suffix},
                code="not_xlsx",
            )
        book = read_xlsx(content, sheet=sheet)
        return assemble(
            book.grid,
            known_headers=known_headers,
            file_name=file_name,
            format=EXCEL_SUFFIXES[suffix],
            sheet_name=book.sheet_name,
            sheet_names=book.sheet_names,
            date1904=book.date1904,
            problems=book.problems,
        )
    if suffix in TEXT_SUFFIXES:
        _refuse_binary(content)
        if content.startswith(ZIP_MAGIC):
            raise FileRefused(
                _("“%(name)s” is an Excel workbook, not a text file: upload it with the name ending in .xlsx.")
                % {"name": file_name},
                code="not_csv",
            )
        grid, decoded, delimiter = read_csv(content, encoding=encoding, suffix=suffix)
        problems = []
        if decoded.reason == "detected":
            problems.append(
                _(
                    "The text encoding was guessed as %(encoding)s: check the preview, and choose the encoding if "
                    "characters look wrong."
                )
                % {"encoding": decoded.encoding}
            )
        file_format = TEXT_SUFFIXES[suffix]
        if file_format == "txt":
            file_format = "tsv" if delimiter == "\t" else "csv"
        return assemble(
            grid,
            known_headers=known_headers,
            file_name=file_name,
            format=file_format,
            encoding=decoded.encoding,
            encoding_reason=decoded.reason,
            problems=problems,
        )
    if suffix == ".xls":
        raise FileRefused(
            _("Old-style .xls workbooks are not read: save the file in Excel as .xlsx and upload that."),
            code="xls",
        )
    raise FileRefused(
        _("“%(name)s” is not a file that can be imported: upload an .xlsx, .xlsm, .csv or .tsv file.")
        % {"name": file_name},
        code="format",
    )


def merged_cells_in(table: Table, column_index: int) -> list[str]:
    found: list[str] = []
    for row in table.rows:
        if column_index < len(row.cells):
            ref = row.cells[column_index].merged_from
            if ref is not None and ref not in found:
                found.append(ref)
    return found
