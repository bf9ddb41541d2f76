"""What a format reader hands the assembly step: the non-empty rows of one sheet as cells, in the file's
own coordinates, with its merged ranges."""

from __future__ import annotations

from dataclasses import dataclass, field

from loanlit.imports.table import Cell, CellKind

# (first row, first column, last row, last column), 0-based and inclusive, as in the file.
Range = tuple[int, int, int, int]


@dataclass
class Grid:
    # (0-based row in the file, its cells from column A on); rows with nothing in them are left out, and a
    # row's list ends at its last non-empty cell.
    rows: list[tuple[int, list[Cell]]] = field(default_factory=list)
    merges: list[Range] = field(default_factory=list)


def column_letters(index: int) -> str:
    """0 → "A", 25 → "Z", 26 → "AA"."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def column_index(letters: str) -> int:
    """ "A" → 0, "AA" → 26."""
    index = 0
    for char in letters:
        index = index * 26 + (ord(char) - ord("A") + 1)
    return index - 1


def range_ref(merge: Range) -> str:
    first_row, first_col, last_row, last_col = merge
    return f"{column_letters(first_col)}{first_row + 1}:{column_letters(last_col)}{last_row + 1}"


def trim(cells: list[Cell]) -> list[Cell]:
    """The list without its trailing empty cells (in place)."""
    while cells and cells[-1].kind == CellKind.EMPTY and cells[-1].merged_from is None:
        cells.pop()
    return cells
