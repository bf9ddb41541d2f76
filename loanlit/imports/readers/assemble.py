"""Grid → Table: find the header, fill merged ranges, drop empty edge columns.

* Header: ``headers.detect_header_row`` over the first non-empty rows, with vertically merged cells
  seen as filled (a header cell merged down from the group-title row, "合同编号" in A1:A2 above "姓名" in
  B2, belongs to the header row). Rows above the header are left out.
* Merged ranges that reach below the header are the data area's (``Table.merged_ranges``). A range's
  first column is filled down from its anchor; every cell of the range, the anchor included, carries
  ``merged_from`` (e.g. "A5:A9") so the pipeline can refuse a merge outside a key column, and the other
  columns of a wider range stay empty (a note merged across three columns is not copied into them).
* Columns empty in the header and every data row are dropped at both edges; inner ones are kept.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Final

from django.utils.translation import gettext as _

from loanlit.imports import headers as header_rules
from loanlit.imports.readers.grid import Grid, Range, range_ref
from loanlit.imports.table import EMPTY_CELL, Cell, CellKind, FileRefused, SourceRow, Table

SCAN_ROWS: Final = header_rules.HEADER_SCAN_ROWS


def _filled_view(grid: Grid, count: int) -> list[list[Cell]]:
    """The first ``count`` rows with vertical merges filled from their anchors (for finding the header)."""
    view = [list(cells) for _index, cells in grid.rows[:count]]
    position = {index: number for number, (index, _cells) in enumerate(grid.rows[:count])}
    for first_row, first_col, last_row, _last_col in grid.merges:
        if last_row == first_row or first_row not in position:
            continue
        anchor_cells = view[position[first_row]]
        anchor = anchor_cells[first_col] if first_col < len(anchor_cells) else EMPTY_CELL
        if anchor.kind == CellKind.EMPTY:
            continue
        for row in range(first_row + 1, last_row + 1):
            if row in position:
                cells = view[position[row]]
                if len(cells) <= first_col:
                    cells.extend([EMPTY_CELL] * (first_col + 1 - len(cells)))
                if cells[first_col].kind == CellKind.EMPTY:
                    cells[first_col] = Cell(anchor.kind, anchor.value)
    return view


def _fill_data_merges(grid: Grid, header_index: int) -> list[str]:
    position = {index: number for number, (index, _cells) in enumerate(grid.rows)}
    refs: list[str] = []
    for merge in sorted(grid.merges):
        first_row, first_col, last_row, _last_col = merge
        if last_row <= header_index:
            continue
        ref = range_ref(merge)
        refs.append(ref)
        anchor = EMPTY_CELL
        if first_row > header_index and first_row in position:
            anchor_cells = grid.rows[position[first_row]][1]
            anchor = anchor_cells[first_col] if first_col < len(anchor_cells) else EMPTY_CELL
        for row in range(max(first_row, header_index + 1), last_row + 1):
            if row not in position:
                continue  # an empty row inside the range stays out of the table
            _fill_row(grid.rows[position[row]][1], merge, anchor, ref)
    return refs


def _fill_row(cells: list[Cell], merge: Range, anchor: Cell, ref: str) -> None:
    _first_row, first_col, _last_row, last_col = merge
    if len(cells) <= last_col:
        cells.extend([EMPTY_CELL] * (last_col + 1 - len(cells)))
    cells[first_col] = Cell(anchor.kind, anchor.value, ref)
    for column in range(first_col + 1, last_col + 1):
        cells[column] = Cell(CellKind.EMPTY, None, ref)


def _used(cell: Cell) -> bool:
    return cell.kind != CellKind.EMPTY or cell.merged_from is not None


def _used_columns(rows: list[list[Cell]]) -> tuple[int, int]:
    """The first used column and one past the last, over all rows (lists end at their last used cell)."""
    first: int | None = None
    last = 0
    for cells in rows:
        if len(cells) > last:
            last = len(cells)
        if first == 0 or not cells:
            continue
        for index, cell in enumerate(cells):
            if first is not None and index >= first:
                break
            if _used(cell):
                first = index
                break
    return first or 0, last


def assemble(
    grid: Grid,
    *,
    known_headers: Collection[str],
    file_name: str,
    format: str,
    sheet_name: str | None = None,
    sheet_names: list[str] | None = None,
    encoding: str | None = None,
    encoding_reason: str = "",
    date1904: bool = False,
    problems: list[str] | None = None,
) -> Table:
    if not grid.rows:
        if sheet_name is not None:
            message = _("The sheet “%(sheet)s” is empty.") % {"sheet": sheet_name}
        else:
            message = _("The file is empty.")
        raise FileRefused(message, code="empty")
    view = _filled_view(grid, SCAN_ROWS)
    header_position = header_rules.detect_header_row(view, known_headers=known_headers)
    header_index, _cells = grid.rows[header_position]
    header_cells = view[header_position]
    merged_ranges = _fill_data_merges(grid, header_index)
    data = grid.rows[header_position + 1 :]

    first, last = _used_columns([header_cells, *(cells for _index, cells in data)])
    width = max(last - first, 0)
    padding = (EMPTY_CELL,) * width

    header_slice = (header_cells[first:last] + [EMPTY_CELL] * width)[:width]
    raw_headers = [header_rules.cell_text(cell).strip() for cell in header_slice]
    headers = [header_rules.normalise_header(text) for text in raw_headers]
    rows: list[SourceRow] = []
    for index, cells in data:
        values = tuple(cells[first:last])
        if len(values) < width:
            values = values + padding[: width - len(values)]
        rows.append(SourceRow(number=index + 1, cells=values))

    notes = list(problems or [])
    if header_index > 0:
        notes.append(_("The header is row %(row)s; the rows above it were left out.") % {"row": header_index + 1})
    return Table(
        file_name=file_name,
        format=format,
        sheet_name=sheet_name,
        sheet_names=list(sheet_names or []),
        encoding=encoding,
        encoding_reason=encoding_reason,
        date1904=date1904,
        header_row=header_index + 1,
        raw_headers=raw_headers,
        headers=headers,
        duplicate_headers=header_rules.duplicate_headers(headers),
        merged_ranges=merged_ranges,
        rows=rows,
        problems=notes,
    )
