""".xlsx / .xlsm: values from python-calamine, plus one streaming pass over the sheet's XML for what
calamine does not tell (it shows both as an empty string): formula cells saved without a cached value
and Excel error cells (#N/A, #DIV/0! …). The pass reads the decompressed XML piece by piece and
matches only formula elements and ``t="e"`` cells by byte pattern; a piece with anything the patterns
cannot account for (a cell without its "r" reference, a formula in CDATA …) sends the sheet to lxml's
streaming parser instead (``_scan_with_parser``), which gives the same answer three times slower.

calamine already applies the workbook's date system to date-formatted cells (checked: serial 43538 in
a 1904 workbook reads as 2023-03-15); the 1904 flag is read from ``workbook.xml`` so that the cell
rules can convert serial numbers found in unformatted number cells. Merged ranges are calamine's
reading of the sheet's ``<mergeCell ref=…>`` elements.

Numbers arrive as doubles: a whole number below 2^53 becomes an exact integer Decimal, anything else
the Decimal of the double's shortest repr (``Decimal(repr(f))``), so 0.1 stays 0.1 and a 19-digit
number keeps the digits Excel actually stored.
"""

from __future__ import annotations

import functools
import io
import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import IO, Any, Final
from xml.sax.saxutils import unescape

import python_calamine
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from lxml import etree

from loanlit.imports.readers.grid import Grid, Range, column_index, column_letters, trim
from loanlit.imports.table import EMPTY_CELL, Cell, CellKind, FileRefused

MAX_SHEET_XML_BYTES: Final = 2 * 1024**3  # an uncompressed sheet beyond this is refused (zip bombs)
# A part that inflates this much is a zip bomb, not a workbook: real sheet and shared-string XML
# compresses 5–15 times; a part of millions of one repeated byte, around 1000 times. Small parts may.
MAX_PART_RATIO: Final = 200
RATIO_CHECKED_FROM: Final = 16 * 1024**2
EXACT_INTEGERS: Final = 2**53  # a double holds every whole number below this exactly
CACHE_LIMIT: Final = 200_000  # distinct texts and numbers whose Cell is shared between rows
SCAN_CHUNK: Final = 1 << 20
_ROOT_TAG: Final = re.compile(rb"<(?:([A-Za-z_][\w.-]*):)?worksheet[\s>]")
_ERROR_ATTRIBUTE: Final = re.compile(rb" t=[\"']e[\"']")
_ATTRIBUTE_R: Final = re.compile(rb"\sr=[\"']\$?([A-Z]{1,3})\$?(\d+)[\"']")
_ATTRIBUTE_T: Final = re.compile(rb"\st=[\"'](\w+)[\"']")
TRUE_VALUES: Final = frozenset({"1", "true"})
NO_VALUE_TYPES: Final = frozenset({"str", "inlineStr"})  # an empty cached value is a real "" for these
NO_VALUE: Final = Cell(CellKind.FORMULA_NO_VALUE, None)


@dataclass
class Workbook:
    grid: Grid
    sheet_name: str
    sheet_names: list[str]
    date1904: bool
    problems: list[str] = field(default_factory=list)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def _local(tag: Any) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _attribute(element: Any, name: str) -> str | None:
    """An attribute by local name, whatever its namespace (transitional or strict OOXML)."""
    for key, value in element.attrib.items():
        if _local(key) == name:
            return str(value)
    return None


@dataclass
class Package:
    sheet_paths: dict[str, str]  # sheet name → part name in the archive
    date1904: bool


def _read_part(archive: zipfile.ZipFile, name: str) -> Any | None:
    try:
        data = archive.read(name)
    except KeyError:
        return None
    return etree.fromstring(data, _parser())


def _package(archive: zipfile.ZipFile) -> Package:
    workbook_path = "xl/workbook.xml"
    root_rels = _read_part(archive, "_rels/.rels")
    if root_rels is not None:
        for rel in root_rels:
            if (rel.get("Type") or "").endswith("/officeDocument") and rel.get("Target"):
                workbook_path = rel.get("Target").lstrip("/")
                break
    workbook = _read_part(archive, workbook_path)
    if workbook is None:
        raise FileRefused(_("The file is not an Excel workbook (it has no workbook part)."), code="not_xlsx")
    date1904 = False
    for element in workbook:
        if _local(element.tag) == "workbookPr":
            date1904 = (_attribute(element, "date1904") or "").strip().lower() in TRUE_VALUES
    folder = posixpath.dirname(workbook_path)
    rels_path = posixpath.join(folder, "_rels", posixpath.basename(workbook_path) + ".rels")
    targets: dict[str, str] = {}
    rels = _read_part(archive, rels_path)
    if rels is not None:
        for rel in rels:
            target = rel.get("Target") or ""
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
            targets[rel.get("Id") or ""] = path
    sheet_paths: dict[str, str] = {}
    for element in workbook.iter("{*}sheet"):
        name, rel_id = element.get("name"), _attribute(element, "id")
        if name is not None and rel_id in targets:
            sheet_paths[name] = targets[rel_id]
    return Package(sheet_paths=sheet_paths, date1904=date1904)


# --- the XML pass ----------------------------------------------------------------------------------


def _parts(stream: IO[bytes]) -> Iterator[bytes]:
    """The sheet XML in pieces of about ``SCAN_CHUNK`` bytes, each cut after a row tag so that no cell
    is split between two pieces."""
    carry = b""
    read = 0
    while chunk := stream.read(SCAN_CHUNK):
        read += len(chunk)
        if read > MAX_SHEET_XML_BYTES:
            raise FileRefused(_("The sheet is too large to be read."), code="too_large")
        buffer = carry + chunk
        cut = buffer.rfind(b"row>")
        if cut < 0:
            carry = buffer
            continue
        cut += 4
        yield buffer[:cut]
        carry = buffer[cut:]
    if carry:
        yield carry


@dataclass(frozen=True)
class _Patterns:
    """The byte patterns of a sheet whose elements carry ``prefix`` (b"" or e.g. b"x:")."""

    prefix: bytes
    # A formula element, then the cell's cached value (<v>…</v>, <v/>), inline text, or nothing. It
    # starts with a literal, so the regex engine skips to the next formula at search speed.
    formula: re.Pattern[bytes]
    cell_start: re.Pattern[bytes]  # the start tag of the formula's cell, ending where the formula begins
    error_value: re.Pattern[bytes]  # after an error cell's start tag: its formula if any, then <v>…</v>
    formula_tags: tuple[bytes, ...]


@functools.cache
def _patterns(prefix: bytes) -> _Patterns:
    p = re.escape(prefix)
    element = rb"<" + p + rb"f(?:\s[^<>]*)?(?:/>|>[^<]*</" + p + rb"f>)"
    return _Patterns(
        prefix=prefix,
        formula=re.compile(
            element + rb"\s*(?:<" + p + rb"v\s*/>|<" + p + rb"v>([^<]*)</" + p + rb"v>|(<" + p + rb"is>))?"
        ),
        cell_start=re.compile(rb"<" + p + rb"c(\s[^<>]*)?>\s*"),
        error_value=re.compile(rb"\s*(?:" + element + rb"\s*)?<" + p + rb"v>([^<]*)</" + p + rb"v>"),
        formula_tags=(b"<" + prefix + b"f>", b"<" + prefix + b"f ", b"<" + prefix + b"f/"),
    )


def _scan_part(part: bytes, patterns: _Patterns, found: dict[tuple[int, int], Cell]) -> bool:
    """Formula cells without a value and error cells of one piece, by pattern; False when the piece
    holds something the patterns do not account for (a cell without "r", a formula in CDATA, odd
    spacing …): every formula element and every ``t="e"`` must belong to a cell the patterns read."""
    formulas = sum(part.count(tag) for tag in patterns.formula_tags)
    if formulas:
        matched = 0
        for match in patterns.formula.finditer(part):
            matched += 1
            value, inline = match.groups()
            if value or inline is not None:
                continue  # the usual case: a cached value
            start = part.rfind(b"<", 0, match.start())
            cell = patterns.cell_start.fullmatch(part, start, match.start())
            if cell is None:
                return False
            attributes = cell.group(1) or b""
            position = _attribute_position(attributes)
            if position is None:
                return False
            kind = _ATTRIBUTE_T.search(attributes)
            if (kind.group(1) if kind else b"n") not in (b"str", b"inlineStr", b"e"):
                found[position] = NO_VALUE
        if matched != formulas:
            return False
    if b"t=" not in part or (b' t="e"' not in part and b" t='e'" not in part):
        return True
    for attribute in _ERROR_ATTRIBUTE.finditer(part):
        start, end = part.rfind(b"<", 0, attribute.start()), part.find(b">", attribute.end())
        cell = patterns.cell_start.match(part, start, end + 1)
        value = patterns.error_value.match(part, end + 1)
        position = _attribute_position(cell.group(1) or b"") if cell else None
        if position is None or value is None:
            return False
        found[position] = _error_cell(unescape(value.group(1).decode("utf-8", "replace")).strip() or "#VALUE!")
    return True


def _attribute_position(attributes: bytes | None) -> tuple[int, int] | None:
    match = _ATTRIBUTE_R.search(attributes or b"")
    if match is None:
        return None
    return int(match.group(2)) - 1, column_index(match.group(1).decode("ascii"))


def _error_cell(text: str, _cache: dict[str, Cell] = {}) -> Cell:  # noqa: B006 (a deliberate cache)
    cell = _cache.get(text)
    if cell is None:
        cell = _cache[text] = Cell(CellKind.ERROR, text)
    return cell


def _scan_fast(archive: zipfile.ZipFile, path: str) -> dict[tuple[int, int], Cell] | None:
    found: dict[tuple[int, int], Cell] = {}
    patterns: _Patterns | None = None
    with archive.open(path) as stream:
        for part in _parts(stream):
            if patterns is None:
                root = _ROOT_TAG.search(part)
                if root is None:
                    return None
                patterns = _patterns(root.group(1) + b":" if root.group(1) else b"")
            if not _scan_part(part, patterns, found):
                return None
    return found


def _reference(ref: str | None) -> tuple[int, int] | None:
    if not ref:
        return None
    letters = ref.rstrip("0123456789").lstrip("$").upper()
    digits = ref[len(letters) :].lstrip("$") if letters else ""
    if not letters.isalpha() or not digits.isdigit():
        return None
    return int(digits) - 1, column_index(letters)


def _cell_position(cell: Any, row: Any, row_index: int) -> tuple[int, int]:
    position = _reference(cell.get("r"))
    if position is not None:
        return position
    # No "r" attribute (allowed, rare): the column follows the previous cell's.
    column = -1
    for sibling in row:
        if _local(sibling.tag) != "c":
            continue
        ref = _reference(sibling.get("r"))
        column = ref[1] if ref is not None else column + 1
        if sibling is cell:
            break
    return row_index, column


def _error_text(cell: Any) -> str:
    value = cell.find("{*}v")
    return (value.text or "").strip() if value is not None and value.text else "#VALUE!"


def _scan_sheet(archive: zipfile.ZipFile, path: str) -> dict[tuple[int, int], Cell]:
    """Cells whose calamine value must be replaced: FORMULA_NO_VALUE and ERROR, by (row, column).

    One streaming pass matches the few cells that matter by pattern (a sheet of 100,000 rows with
    formulas takes a second, where building every element takes three); a piece the patterns cannot
    fully account for sends the sheet to the XML parser instead, so the patterns never decide alone."""
    found = _scan_fast(archive, path)
    if found is None:
        found = _scan_with_parser(archive, path)
    return found


def _scan_with_parser(archive: zipfile.ZipFile, path: str) -> dict[tuple[int, int], Cell]:
    """The same answer by parsing every row (lxml, streaming: each row is dropped once looked at)."""
    found: dict[tuple[int, int], Cell] = {}
    row_index = -1
    with archive.open(path) as stream:
        events = etree.iterparse(
            stream, events=("end",), tag="{*}row", resolve_entities=False, no_network=True, load_dtd=False
        )
        for _event, row in events:
            ref = row.get("r")
            row_index = int(ref) - 1 if ref and ref.isdigit() else row_index + 1
            for cell in row:
                if _local(cell.tag) != "c":
                    continue
                kind = cell.get("t") or "n"
                if kind == "e":
                    found[_cell_position(cell, row, row_index)] = _error_cell(_error_text(cell))
                    continue
                if cell.find("{*}f") is None:
                    continue
                value = cell.find("{*}v")
                if (value is None or not value.text) and kind not in NO_VALUE_TYPES:
                    found[_cell_position(cell, row, row_index)] = NO_VALUE
            row.clear()
            parent = row.getparent()
            while parent is not None and row.getprevious() is not None:
                del parent[0]
    return found


# --- values ----------------------------------------------------------------------------------------


def _number(value: float) -> Decimal:
    if value.is_integer() and abs(value) < EXACT_INTEGERS:
        return Decimal(int(value))
    return Decimal(repr(value))


class _CellMaker:
    """calamine value → Cell, sharing one Cell between equal texts, numbers and dates (names, branches,
    terms and days repeat down a column: one object instead of 100,000)."""

    def __init__(self) -> None:
        self.texts: dict[str, Cell] = {}
        self.numbers: dict[float, Cell] = {}
        self.days: dict[date, Cell] = {}

    def row(self, values: list[Any], lead: int) -> list[Cell]:
        """One row's cells from column A on (``lead`` empty cells before calamine's first column),
        without trailing empty cells. The common types are handled inline: this runs once per cell."""
        texts, numbers, days = self.texts, self.numbers, self.days
        cells: list[Cell] = [EMPTY_CELL] * lead
        append = cells.append
        for value in values:
            kind = type(value)
            if kind is str:
                cell = texts.get(value)
                if cell is None:
                    if not value or value.isspace():
                        cell = EMPTY_CELL
                    else:
                        cell = Cell(CellKind.TEXT, value)
                        if len(texts) < CACHE_LIMIT:
                            texts[value] = cell
            elif kind is float:
                cell = numbers.get(value)
                if cell is None:
                    cell = Cell(CellKind.NUMBER, _number(value))
                    if len(numbers) < CACHE_LIMIT:
                        numbers[value] = cell
            elif kind is date:
                cell = days.get(value)
                if cell is None:
                    cell = days[value] = Cell(CellKind.DATE, value)
            else:
                cell = _other(value)
            append(cell)
        return trim(cells)


def _other(value: Any) -> Cell:
    kind = type(value)
    if kind is bool:
        return Cell(CellKind.BOOL, value)
    if kind is int:
        return Cell(CellKind.NUMBER, Decimal(value))
    if kind is datetime:
        return Cell(CellKind.DATETIME, value)
    if kind is time:
        return Cell(CellKind.TIME, value)
    if kind is timedelta:  # a duration format ([h]:mm): the number of days, as Excel stores it
        return Cell(CellKind.NUMBER, _number(value.total_seconds() / 86_400))
    if value is None:
        return EMPTY_CELL
    return Cell(CellKind.TEXT, str(value))


def _choose_sheet(book: Any, sheet: str | None) -> tuple[str, list[str]]:
    worksheets = [meta for meta in book.sheets_metadata if meta.typ == python_calamine.SheetTypeEnum.WorkSheet]
    names = [meta.name for meta in worksheets]
    if sheet is not None:
        if sheet not in names:
            raise FileRefused(
                _("The workbook has no sheet “%(sheet)s”. Its sheets: %(sheets)s.")
                % {"sheet": sheet, "sheets": ", ".join(names)},
                code="no_such_sheet",
            )
        return sheet, names
    visible = [meta.name for meta in worksheets if meta.visible == python_calamine.SheetVisibleEnum.Visible]
    if visible:
        return visible[0], names
    if names:
        return names[0], names
    raise FileRefused(_("The workbook has no worksheet."), code="no_sheet")


def _refuse_bombs(archive: zipfile.ZipFile) -> None:
    """Before calamine inflates anything (it holds every shared string in memory at once)."""
    total = 0
    for info in archive.infolist():
        total += info.file_size
        inflates = info.file_size >= RATIO_CHECKED_FROM and info.file_size > MAX_PART_RATIO * max(info.compress_size, 1)
        if inflates or info.file_size > MAX_SHEET_XML_BYTES or total > 2 * MAX_SHEET_XML_BYTES:
            raise FileRefused(_("The sheet is too large to be read."), code="too_large")


def read_xlsx(content: bytes, *, sheet: str | None = None) -> Workbook:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        _refuse_bombs(archive)
        package = _package(archive)
    except (zipfile.BadZipFile, etree.XMLSyntaxError, KeyError, ValueError, OSError) as exc:
        raise FileRefused(_("The Excel file is damaged and cannot be read."), code="damaged") from exc
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(content))
    except python_calamine.PasswordError as exc:
        raise FileRefused(
            _("The workbook is protected with a password: remove it and upload again."), code="password"
        ) from exc
    except (python_calamine.CalamineError, ValueError, OSError) as exc:
        raise FileRefused(_("The Excel file is damaged and cannot be read."), code="damaged") from exc
    with archive, book:
        sheet_name, sheet_names = _choose_sheet(book, sheet)
        problems: list[str] = []
        overrides: dict[tuple[int, int], Cell] = {}
        path = package.sheet_paths.get(sheet_name)
        try:
            if path is not None and path in archive.namelist():
                if archive.getinfo(path).file_size > MAX_SHEET_XML_BYTES:
                    raise FileRefused(_("The sheet is too large to be read."), code="too_large")
                overrides = _scan_sheet(archive, path)
            else:
                problems.append(_("Formulas without a saved value could not be checked in this workbook."))
            calamine_sheet = book.get_sheet_by_name(sheet_name)
            grid = _grid(calamine_sheet, overrides)
        except (python_calamine.CalamineError, etree.XMLSyntaxError, zipfile.BadZipFile, OSError) as exc:
            raise FileRefused(
                _("The sheet “%(sheet)s” is damaged and cannot be read.") % {"sheet": sheet_name}, code="damaged"
            ) from exc
    missing = sorted(position for position, cell in overrides.items() if cell.kind == CellKind.FORMULA_NO_VALUE)
    if missing:
        row, column = missing[0]
        problems.append(
            ngettext(
                "%(count)s formula cell has no saved value (%(cell)s): the program that wrote the file did not "
                "calculate it. Open the file in Excel, save it and upload it again.",
                "%(count)s formula cells have no saved value (the first is %(cell)s): the program that wrote the "
                "file did not calculate them. Open the file in Excel, save it and upload it again.",
                len(missing),
            )
            % {"count": len(missing), "cell": f"{column_letters(column)}{row + 1}"}
        )
    return Workbook(
        grid=grid, sheet_name=sheet_name, sheet_names=sheet_names, date1904=package.date1904, problems=problems
    )


def _grid(sheet: Any, overrides: dict[tuple[int, int], Cell]) -> Grid:
    grid = Grid()
    merges: list[Range] = []
    for (first_row, first_col), (last_row, last_col) in sheet.merged_cell_ranges or ():
        merges.append((first_row, first_col, last_row, last_col))
    grid.merges = merges
    by_row: dict[int, dict[int, Cell]] = {}
    for (row, column), cell in overrides.items():
        by_row.setdefault(row, {})[column] = cell
    start = sheet.start
    if start is not None:
        maker = _CellMaker()
        lead = start[1]
        # python-calamine's iter_rows yields rows from row 0 (empty ones before the data included) and
        # columns from the first used column on.
        for index, values in enumerate(sheet.iter_rows()):
            cells = maker.row(values, lead)
            patch = by_row.pop(index, None)
            if patch:
                cells = _patched(cells, patch)
            if cells:
                grid.rows.append((index, cells))
    for index in sorted(by_row):  # formula rows below calamine's range (they have no value)
        grid.rows.append((index, _patched([], by_row[index])))
    grid.rows.sort(key=lambda item: item[0])
    return grid


def _patched(cells: list[Cell], patch: dict[int, Cell]) -> list[Cell]:
    width = max(len(cells), max(patch) + 1)
    cells = cells + [EMPTY_CELL] * (width - len(cells))
    for column, cell in patch.items():
        if column >= 0:
            cells[column] = cell
    return trim(cells)
