"""The contract between the import pipeline and each import kind (loans, snapshots, case progress).

The pipeline (``loanlit.imports.services``) reads the file into a ``Table``, maps columns to a kind's
``FieldSpec``s, converts every mapped cell by its field type (``loanlit.imports.cells``), flags rows
whose ``key`` repeats inside the file as duplicates, and stores one ``ParsedRow`` per source row. The
kind then checks what only it knows:

* ``validate(rows, ctx)`` — cross-field rules (a guarantor needs an ID, maturity after start …): append
  ``RowError``s; never touches the database for writing.
* ``classify(rows, ctx)`` — against the database, for rows without errors and not duplicates: set
  ``status`` to NEW, UPDATE or UNCHANGED, fill ``target_id``, ``diff`` (field → [on file, in file]) and
  ``conflicts`` (fields a user changed since the last import: kept unless ``ctx.options["overwrite"]``).
* ``commit(rows, ctx)`` — write NEW and UPDATE rows of one chunk through batch-shaped services (bulk
  writes, bulk audit, bulk events) inside the transaction the pipeline opened for the chunk. Must be
  idempotent: running it again on rows already written changes nothing (a resumed commit relies on it).
  ``chunk_key`` keeps rows that must land together (one case per borrower) in one chunk.

Everything a kind stores in ``ParsedRow.values`` must be JSON-able through ``encode_value``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar

from django.utils.functional import Promise

from loanlit.imports.errors import RowError
from loanlit.imports.table import Cell


class FieldType(StrEnum):
    TEXT = "text"  # free text; numbers become their text without ".0"
    # Contract, card, account and loan numbers: a numeric cell of more than 15 significant digits is an error.
    IDENTIFIER = "identifier"
    ID_NUMBER = "id_number"  # resident ID / USCC / passport: as IDENTIFIER, lower-case x → X, no inner spaces
    PHONE = "phone"  # as IDENTIFIER (leading zeros and +86 kept)
    DATE = "date"
    DATETIME = "datetime"
    AMOUNT = "amount"  # Decimal, rounded to the cent only when the field says ``places``
    RATE = "rate"  # Decimal percent a year: "4.35", "4.35%", a number cell below 1 as a fraction (cells.py)
    INTEGER = "integer"
    CHOICE = "choice"  # one of ``choices`` by value, either language's label, or a ``choice_synonyms`` text
    BOOL = "bool"  # 是/否, Y/N, yes/no, true/false, 1/0


class RowStatus(StrEnum):
    NEW = "new"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    DUPLICATE = "duplicate"  # its key appears on another row of the file: the user resolves it
    ERROR = "error"
    SKIPPED = "skipped"  # left out by the preset (e.g. a loan that is not in default) or by the user


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: Promise  # the template's header (zh-Hans) and the preview's column title
    type: FieldType
    required: bool = False
    synonyms: tuple[str, ...] = ()  # other headers (Chinese and English) that suggest this field
    help: Promise | str = ""  # one line for the template's explanation sheet
    max_length: int | None = None
    choices: tuple[tuple[str, Promise], ...] = ()
    choice_synonyms: dict[str, str] = field(default_factory=dict)  # normalised text → choice value
    key_column: bool = False  # filled down across a merged range; the row identity is built from these
    places: int | None = None  # AMOUNT: quantize half up to this many places (2 for money); None keeps exact
    group: str = ""  # for the template and the mapping page: "loan", "borrower", "guarantor_1" …
    example: str = ""  # the template's example row
    # Personal data (a natural person's name, address, account…): masked in the preview unless the viewer
    # may unmask. ID_NUMBER and PHONE fields are always treated as personal.
    personal: bool = False


@dataclass
class ParsedRow:
    number: int  # the row number in the file
    values: dict[str, Any] = field(default_factory=dict)  # field key → converted value; absent when blank
    errors: list[RowError] = field(default_factory=list)
    key: str = ""  # identity inside the file (contract no. after trim and NFKC), "" when not keyed
    status: RowStatus = RowStatus.NEW
    target_id: int | None = None  # the object on file an UPDATE/UNCHANGED row refers to
    diff: dict[str, list[str]] = field(default_factory=dict)  # field → [on file, in file], rendered
    conflicts: dict[str, list[str]] = field(default_factory=dict)  # field → [on file (user's), in file]
    result: dict[str, Any] = field(default_factory=dict)  # what commit wrote: {"loan": id, "case": id …}
    # A kind's work on this row kept for its next step in the same process (never stored: a job
    # reloads rows, and the kind derives it again). Keyed by the kind.
    memo: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass
class KindContext:
    actor: Any  # accounts.User
    creditor: Any  # core.Creditor
    unit: Any  # core.OrgUnit: default handling unit for rows that name none
    today: date
    options: dict[str, Any] = field(default_factory=dict)  # "grouping", "overwrite", "as_of" …
    batch_id: int | None = None


@dataclass
class CommitResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    cases_opened: int = 0
    errors: list[tuple[int, RowError]] = field(default_factory=list)  # (row number, error) found only at write


class ImportKind:
    """Subclass per kind; register an instance with ``loanlit.imports.kinds.register_kind``."""

    code: ClassVar[str]
    label: ClassVar[Promise]
    fields: ClassVar[tuple[FieldSpec, ...]]
    # Options the mapping page offers for this kind, with defaults: e.g. {"grouping": "contract"}.
    default_options: ClassVar[dict[str, Any]] = {}
    # The fields ``row_key`` and ``chunk_key`` read: a first pass over a large file converts only these
    # (empty: every field).
    key_fields: ClassVar[tuple[str, ...]] = ()

    def field(self, key: str) -> FieldSpec:
        by_key = self.__dict__.get("_fields_by_key")
        if by_key is None:  # once per kind instance: this runs for every cell of a file
            by_key = self.__dict__["_fields_by_key"] = {spec.key: spec for spec in self.fields}
        return by_key[key]  # type: ignore[no-any-return]

    def row_key(self, values: dict[str, Any]) -> str:
        """The row's identity for duplicate detection inside the file ("" = not keyed)."""
        return ""

    def chunk_key(self, row: ParsedRow, ctx: KindContext) -> str:
        """Rows with the same chunk key are committed in the same transaction."""
        return str(row.number)

    def validate(self, rows: Sequence[ParsedRow], ctx: KindContext) -> None:
        return None

    def classify(self, rows: Sequence[ParsedRow], ctx: KindContext) -> None:
        raise NotImplementedError

    def commit(self, rows: Sequence[ParsedRow], ctx: KindContext) -> CommitResult:
        raise NotImplementedError


# A preset's transform sees one source row as {normalised header: Cell} and returns the cells for the
# kind's fields ({field key: Cell}), or None to leave the row out (status SKIPPED).
Transform = Callable[[dict[str, Cell], int], dict[str, Cell] | None]


@dataclass(frozen=True)
class Preset:
    """How one source system's file maps onto a kind: a column per field, default options, and for
    files that need it (the public data sets) a transform that derives the fields from the row."""

    code: str
    label: Promise | str
    kind: str
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)  # field key → its header(s) in this file
    required_headers: tuple[str, ...] = ()  # headers the file must have for the preset to apply
    options: dict[str, Any] = field(default_factory=dict)
    transform: Transform | None = None
    description: Promise | str = ""


def encode_value(value: Any) -> Any:
    """JSON form of a converted value (Decimal and dates as text, tagged so ``decode_value`` restores them)."""
    if isinstance(value, Decimal):
        return {"d": str(value)}
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    return value


def decode_value(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        ((tag, text),) = value.items()
        if tag == "d":
            return Decimal(text)
        if tag == "dt":
            return datetime.fromisoformat(text)
        if tag == "date":
            return date.fromisoformat(text)
    return value
