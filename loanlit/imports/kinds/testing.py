"""A tiny import kind used only by the pipeline's own tests, so they do not depend on the real kinds.

Rows are org units under the batch's handling unit: ``code`` is the key, NEW rows are created through
``accounts.services.org_unit_create`` (a real, audited, transactional write), a unit that exists with
the same name is UNCHANGED, with another name an UPDATE (counted, not written). Registered by the tests
themselves (``register()``), never at app start. Labels are ``lazystr``: test data, not catalogue text.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, ClassVar

from django.utils.functional import lazystr
from django.utils.translation import gettext_noop

from loanlit.imports import cells
from loanlit.imports.errors import RowError
from loanlit.imports.kinds import register_kind, register_preset
from loanlit.imports.kinds.base import (
    CommitResult,
    FieldSpec,
    FieldType,
    ImportKind,
    KindContext,
    ParsedRow,
    Preset,
    RowStatus,
)
from loanlit.imports.table import Cell, CellKind

CODE = "testing"


class SimulatedWorkerKill(BaseException):
    """Not an ``Exception``: like a killed process it passes every ``except Exception``, so the job stays
    RUNNING and the chunk's transaction is rolled back."""


class UnitsKind(ImportKind):
    code: ClassVar[str] = CODE
    label: ClassVar[Any] = lazystr("Test units")
    fields: ClassVar[tuple[FieldSpec, ...]] = (
        FieldSpec(
            "code",
            lazystr("Unit code"),
            FieldType.IDENTIFIER,
            required=True,
            key_column=True,
            synonyms=("unit no", "unit number"),
            help=lazystr("The unit's code."),
            example="U001",
            group="unit",
        ),
        FieldSpec(
            "name",
            lazystr("Unit name"),
            FieldType.TEXT,
            required=True,
            personal=True,
            max_length=200,
            example="Test unit",
            group="unit",
        ),
        FieldSpec("amount", lazystr("Amount"), FieldType.AMOUNT, places=2, example="1234.50", group="money"),
        FieldSpec("opened_on", lazystr("Opened on"), FieldType.DATE, example="2024-01-31"),
        FieldSpec("phone", lazystr("Phone"), FieldType.PHONE, example="13800138000"),
        FieldSpec(
            "unit_kind",
            lazystr("Unit kind"),
            FieldType.CHOICE,
            choices=(("branch", lazystr("Branch")), ("sub_branch", lazystr("Sub-branch"))),
        ),
    )
    default_options: ClassVar[dict[str, Any]] = {"grouping": "contract"}

    # Test hooks: raise SimulatedWorkerKill inside the commit of chunk number ``kill_in_chunk`` (1-based).
    kill_in_chunk: int | None = None
    chunks_seen: int = 0

    def row_key(self, values: dict[str, Any]) -> str:
        code = values.get("code")
        return cells.normalise_key(str(code)) if code else ""

    def chunk_key(self, row: ParsedRow, ctx: KindContext) -> str:
        if ctx.options.get("grouping") == "borrower":
            return str(row.values.get("name", row.number))
        return str(row.number)

    def validate(self, rows: Sequence[ParsedRow], ctx: KindContext) -> None:
        for row in rows:
            amount = row.values.get("amount")
            if isinstance(amount, Decimal) and amount < 0:
                row.errors.append(
                    RowError(gettext_noop("%(field)s must not be negative."), {"field": "amount"}, field="amount")
                )

    def classify(self, rows: Sequence[ParsedRow], ctx: KindContext) -> None:
        from loanlit.core.models import OrgUnit

        existing = {unit.code: unit for unit in OrgUnit.objects.filter(code__in=[r.values["code"] for r in rows])}
        for row in rows:
            unit = existing.get(row.values["code"])
            if unit is None:
                row.status = RowStatus.NEW
                continue
            row.target_id = unit.pk
            if unit.name == row.values["name"]:
                row.status = RowStatus.UNCHANGED
            else:
                row.status = RowStatus.UPDATE
                row.diff = {"name": [unit.name, row.values["name"]]}
                if unit.responsible_person:  # stands for "a user changed it since the last import"
                    row.conflicts = {"name": [unit.name, row.values["name"]]}

    def commit(self, rows: Sequence[ParsedRow], ctx: KindContext) -> CommitResult:
        from loanlit.accounts.services import org_unit_create
        from loanlit.core.models import OrgUnit

        self.chunks_seen += 1
        result = CommitResult()
        for row in rows:
            code = row.values["code"]
            if row.values["name"] == "WRITE-FAIL":
                result.errors.append((row.number, RowError(gettext_noop("Refused when written."))))
                continue
            if row.status == RowStatus.UPDATE:
                result.updated += 1
                row.result = {"unit": row.target_id}
                continue
            unit = OrgUnit.objects.filter(code=code).first()
            if unit is None:  # idempotent: a resumed commit finds what an earlier run wrote
                unit = org_unit_create(
                    actor=ctx.actor,
                    code=code,
                    name=row.values["name"],
                    kind=row.values.get("unit_kind", "branch"),
                    parent=ctx.unit,
                )
                result.created += 1
            row.result = {"unit": unit.pk}
            if self.kill_in_chunk is not None and self.chunks_seen == self.kill_in_chunk:
                raise SimulatedWorkerKill()
        return result


def _transform(cells_by_header: dict[str, Cell], number: int) -> dict[str, Cell] | None:
    skip = cells_by_header.get("skip")
    if skip is not None and skip.kind == CellKind.TEXT and str(skip.value).strip().upper() == "Y":
        return None
    return {
        "code": cells_by_header.get("ref", Cell(CellKind.EMPTY)),
        "name": cells_by_header.get("title", Cell(CellKind.EMPTY)),
    }


LEGACY = Preset(
    code="testing.legacy",
    label=lazystr("Legacy system"),
    kind=CODE,
    columns={"code": ("legacy id",), "name": ("legacy name",)},
    required_headers=("legacy id",),
)
DERIVED = Preset(
    code="testing.derived",
    label=lazystr("Derived rows"),
    kind=CODE,
    transform=_transform,
    required_headers=("ref", "title"),
)


def register() -> UnitsKind:
    kind = UnitsKind()
    register_kind(kind)
    register_preset(LEGACY)
    register_preset(DERIVED)
    return kind
