"""The steps every import runs, on rows in memory: shared by the jobs (which store ``ImportRow``s) and
the CLI's synchronous ``import_file`` (which stores nothing but what the kind commits).

No database writes here: reading the (stored) file, converting cells, finding duplicates, letting the kind
validate and classify, and planning commit chunks.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from loanlit.imports import cells, mapping, readers
from loanlit.imports.errors import CellError, RowError
from loanlit.imports.kinds.base import FieldSpec, FieldType, ImportKind, KindContext, ParsedRow, Preset, RowStatus
from loanlit.imports.models import ImportBatch
from loanlit.imports.services import storage
from loanlit.imports.table import EMPTY_CELL, Cell, CellKind, FileRefused, SourceRow, Table

VALIDATE_CHUNK = 2_000
COMMIT_CHUNK = 1_000
KEY_MAX_LENGTH = 100

REQUIRED_MESSAGE = gettext_noop("%(field)s is required.")
TRANSFORM_FAILED = gettext_noop("The preset could not read this row (%(error)s).")

T = TypeVar("T")


def read(
    content: bytes,
    *,
    file_name: str,
    kind: ImportKind,
    preset: Preset | None,
    encoding: str | None = None,
    sheet: str | None = None,
) -> Table:
    """The file as a table (raises ``FileRefused``)."""
    return readers.read_table(
        content,
        file_name=file_name,
        encoding=encoding or None,
        sheet=sheet or None,
        known_headers=mapping.known_headers(kind, preset),
    )


def read_batch_file(batch: ImportBatch, kind: ImportKind, preset: Preset | None) -> Table:
    """The stored upload of ``batch``, decrypted and read as the batch was set up (encoding, sheet). The
    table is never stored: the encrypted file stays the only copy of the source cells."""
    content = storage.load_file(batch_id=batch.pk, name=batch.file_path)
    return read(
        content,
        file_name=batch.file_name,
        kind=kind,
        preset=preset,
        encoding=batch.encoding_override or None,
        sheet=batch.sheet_name or None,
    )


def batch_mapping(batch: ImportBatch, preset: Preset | None) -> dict[str, int]:
    """The batch's saved column mapping (field key → column); a transform preset maps nothing."""
    if uses_transform(preset):
        return {}
    return {key: int(col) for key, col in (batch.mapping or {}).items()}


def labels(kind: ImportKind) -> dict[str, str]:
    """Field key → label in the active language (for rendering row errors)."""
    return {spec.key: str(spec.label) for spec in kind.fields}


def uses_transform(preset: Preset | None) -> bool:
    return preset is not None and preset.transform is not None


def unmapped_required(kind: ImportKind, field_map: Mapping[str, int], preset: Preset | None) -> list[str]:
    """Keys of required fields no column feeds (a transform preset derives its fields itself)."""
    if uses_transform(preset):
        return []
    return [spec.key for spec in kind.fields if spec.required and spec.key not in field_map]


def unmapped_message(kind: ImportKind, keys: Sequence[str]) -> str:
    names = ", ".join(str(kind.field(key).label) for key in keys)
    return _("Map a column to every required field before importing. Not mapped: %(fields)s.") % {"fields": names}


def validate_mapping(kind: ImportKind, field_map: Mapping[str, Any], column_count: int) -> dict[str, int]:
    """A user's mapping, checked: known field keys, columns in range, no column twice."""
    from loanlit.core.errors import DomainError

    keys = {spec.key for spec in kind.fields}
    clean: dict[str, int] = {}
    seen: dict[int, str] = {}
    for key, column in field_map.items():
        if column is None or column == "":
            continue
        if key not in keys:
            raise DomainError(_("There is no field “%(field)s” in this kind of import.") % {"field": key})
        try:
            index = int(column)
        except (TypeError, ValueError):
            raise DomainError(
                _("The column for “%(field)s” is not a column of the file.") % {"field": str(kind.field(key).label)}
            ) from None
        if not 0 <= index < column_count:
            raise DomainError(
                _("The column for “%(field)s” is not a column of the file.") % {"field": str(kind.field(key).label)}
            )
        if index in seen:
            raise DomainError(
                _("One column is mapped to both “%(first)s” and “%(second)s”; a column feeds one field.")
                % {"first": str(kind.field(seen[index]).label), "second": str(kind.field(key).label)}
            )
        seen[index] = key
        clean[key] = index
    return clean


def check_merged(table: Table, kind: ImportKind, field_map: Mapping[str, int], preset: Preset | None) -> None:
    """Refuse a merged range filled down into a column of a field that is not a key column: the reader
    copied the anchor's value into every row of the range, which is right for a contract number shared by
    several guarantor rows, but would silently repeat an amount or a date."""
    if uses_transform(preset):
        return
    guarded = {index: kind.field(key) for key, index in field_map.items() if not kind.field(key).key_column}
    if not guarded:
        return
    for row in table.rows:
        for index, spec in guarded.items():
            cell = row.cells[index] if index < len(row.cells) else EMPTY_CELL
            if cell.merged_from:
                raise FileRefused(
                    _(
                        "The merged cells %(range)s lie in the column “%(column)s”, mapped to “%(field)s”. Only "
                        "key columns (such as the contract number) may be merged. Unmerge those cells and "
                        "upload the file again."
                    )
                    % {"range": cell.merged_from, "column": table.raw_headers[index], "field": str(spec.label)},
                    code="merged_cells",
                )


def row_is_blank(row: SourceRow) -> bool:
    return all(
        cell.kind == CellKind.EMPTY or (cell.kind == CellKind.TEXT and not str(cell.value).strip())
        for cell in row.cells
    )


def _cells_by_header(table: Table, row: SourceRow) -> dict[str, Cell]:
    found: dict[str, Cell] = {}
    for index, header in enumerate(table.headers):
        if header and header not in found:
            found[header] = row.cells[index] if index < len(row.cells) else EMPTY_CELL
    return found


def _field_error(spec: FieldSpec, exc: CellError) -> RowError:
    params = dict(exc.params)
    params.setdefault("field", spec.key)
    return RowError(message=exc.message, params=params, field=spec.key)


def _bounded_key(key: str) -> str:
    # The stored key has 100 characters; a longer identity keeps its start and a digest of the whole, so
    # two keys that differ only after character 100 stay distinct.
    if len(key) <= KEY_MAX_LENGTH:
        return key
    return key[:60] + "~" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:39]


def parse_row(
    row: SourceRow, table: Table, kind: ImportKind, field_map: Mapping[str, int], preset: Preset | None
) -> ParsedRow:
    """Convert every mapped cell of one source row, collecting every error of the row."""
    parsed = ParsedRow(number=row.number)
    if uses_transform(preset):
        assert preset is not None and preset.transform is not None
        try:
            derived = preset.transform(_cells_by_header(table, row), row.number)
        except (CellError, ValueError, KeyError, TypeError) as exc:
            parsed.errors.append(RowError(message=TRANSFORM_FAILED, params={"error": str(exc)}))
            parsed.status = RowStatus.ERROR
            return parsed
        if derived is None:
            parsed.status = RowStatus.SKIPPED
            return parsed
        known = {spec.key for spec in kind.fields}
        items = [(key, cell) for key, cell in derived.items() if key in known]
        required = [spec for spec in kind.fields if spec.required]
    else:
        items = [(key, row.cells[index] if index < len(row.cells) else EMPTY_CELL) for key, index in field_map.items()]
        required = [spec for spec in kind.fields if spec.required and spec.key in field_map]
    blank: set[str] = set()
    for key, cell in items:
        spec = kind.field(key)
        try:
            value = cells.convert(cell, spec, date1904=table.date1904)
        except CellError as exc:
            parsed.errors.append(_field_error(spec, exc))
            continue
        if value is None or (isinstance(value, str) and not value.strip()):
            blank.add(key)
            continue
        parsed.values[key] = value
    given = {key for key, _cell in items}
    for spec in required:
        if spec.key in blank or spec.key not in given:
            parsed.errors.append(RowError(message=REQUIRED_MESSAGE, params={"field": spec.key}, field=spec.key))
    try:
        parsed.key = _bounded_key(kind.row_key(parsed.values) or "")
    except (KeyError, TypeError, ValueError):
        parsed.key = ""
    if parsed.errors:
        order = {spec.key: index for index, spec in enumerate(kind.fields)}
        parsed.errors.sort(key=lambda error: order.get(error.field or "", len(order)))
        parsed.status = RowStatus.ERROR
    return parsed


def parse_keys(
    row: SourceRow, table: Table, kind: ImportKind, field_map: Mapping[str, int], preset: Preset | None
) -> ParsedRow:
    """Only what duplicate detection and chunk planning read (the kind's ``key_fields``); a row whose key
    field does not convert is ERROR. A kind that names no key fields, or a preset with a transform, is
    parsed in full."""
    if not kind.key_fields or uses_transform(preset):
        return parse_row(row, table, kind, field_map, preset)
    parsed = ParsedRow(number=row.number)
    for key in kind.key_fields:
        index = field_map.get(key)
        if index is None:
            continue
        cell = row.cells[index] if index < len(row.cells) else EMPTY_CELL
        try:
            value = cells.convert(cell, kind.field(key), date1904=table.date1904)
        except CellError:
            parsed.status = RowStatus.ERROR
            continue
        if value is not None and not (isinstance(value, str) and not value.strip()):
            parsed.values[key] = value
    try:
        parsed.key = _bounded_key(kind.row_key(parsed.values) or "")
    except (KeyError, TypeError, ValueError):
        parsed.key = ""
    return parsed


def parse_rows(
    table: Table,
    kind: ImportKind,
    field_map: Mapping[str, int],
    preset: Preset | None,
    *,
    start: int = 0,
    stop: int | None = None,
) -> Iterator[ParsedRow]:
    """Parsed rows of ``table.rows[start:stop]``, blank rows left out."""
    for row in table.rows[start:stop]:
        if row_is_blank(row):
            continue
        yield parse_row(row, table, kind, field_map, preset)


def duplicate_groups(keys: Iterable[tuple[int, str]]) -> dict[str, list[int]]:
    """Key → row numbers, for every non-empty key on more than one row."""
    rows: dict[str, list[int]] = defaultdict(list)
    for number, key in keys:
        if key:
            rows[key].append(number)
    return {key: numbers for key, numbers in rows.items() if len(numbers) > 1}


def apply_duplicates(
    rows: Iterable[ParsedRow], groups: Mapping[str, list[int]], choices: Mapping[str, int | None]
) -> None:
    """Rows of a duplicate group are DUPLICATE until the user says which one to keep (the others are then
    SKIPPED; ``None`` skips them all). A later row never silently wins over an earlier one."""
    for row in rows:
        if row.status == RowStatus.SKIPPED or row.key not in groups:
            continue
        if row.key in choices:
            kept = choices[row.key]
            if kept is not None and int(kept) == row.number:
                continue
            if row.status != RowStatus.ERROR:
                row.status = RowStatus.SKIPPED
        elif row.status != RowStatus.ERROR:
            row.status = RowStatus.DUPLICATE


def check_rows(rows: Sequence[ParsedRow], kind: ImportKind, ctx: KindContext) -> None:
    """The kind's own checks, then its classification of the clean rows against the database."""
    checked = [row for row in rows if row.status != RowStatus.SKIPPED]
    if checked:
        kind.validate(checked, ctx)
    for row in checked:
        if row.errors:
            row.status = RowStatus.ERROR
    clean = [row for row in checked if row.status == RowStatus.NEW]
    if clean:
        kind.classify(clean, ctx)


def chunked(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def plan_chunks(items: Iterable[tuple[str, T]], size: int = COMMIT_CHUNK) -> list[list[T]]:
    """Group by chunk key (in order of first appearance), then pack whole groups into chunks of about
    ``size``; a group larger than ``size`` is a chunk of its own (one case per borrower stays together)."""
    groups: dict[str, list[T]] = {}
    for chunk_key, item in items:
        groups.setdefault(chunk_key, []).append(item)
    chunks: list[list[T]] = []
    current: list[T] = []
    for group in groups.values():
        if current and len(current) + len(group) > size:
            chunks.append(current)
            current = []
        current.extend(group)
    if current:
        chunks.append(current)
    return chunks


def is_personal(spec: FieldSpec) -> bool:
    return spec.personal or spec.type in (FieldType.ID_NUMBER, FieldType.PHONE)
