"""The court's returned list (立案回执清单) written back to a batch.

Columns (found by their header in either language or a synonym, below any title rows): the internal
case number or the row key (the batch item's number), the court case number (案号), the filing date and
the fee notice amount (optional). Files are read by the imports pipeline's readers and cells
(``imports.readers.read_table``, ``imports.cells.convert``): .xlsx/.csv in any encoding Excel writes,
dates as dates, text or serial numbers, amounts with separators.

Each row is one transaction: the first-instance proceeding gets its 案号 and filing date through the
cases services (``proceeding_update`` on the pending one the filing pack prepared, else
``proceeding_open``), so the trial limit follows from the filing; the fee notice is recorded
(``deadlines.fee_notice_record``: the 7-day payment deadline) and the fee as a cost
(``cases.cost_record``). A row that fails writes nothing and is reported with its row number and the
exact reason; a row whose case already has the same 案号 changes nothing (a re-run is idempotent).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, Final

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from loanlit import audit
from loanlit.batches.models import Batch, BatchItem
from loanlit.batches.services.batches import batch_stream, lock_batch, require_batch
from loanlit.cases import services as cases
from loanlit.cases.models import CaseStage, CostEntry, Proceeding
from loanlit.core.errors import DomainError
from loanlit.deadlines.services import fee_notice_record
from loanlit.imports.cells import convert
from loanlit.imports.errors import CellError, RowError, render
from loanlit.imports.headers import normalise_header
from loanlit.imports.kinds.base import FieldSpec, FieldType
from loanlit.imports.readers import read_table
from loanlit.imports.table import FileRefused, SourceRow, Table

FIELDS: Final = (
    FieldSpec("internal_no", gettext_lazy("Internal case number"), FieldType.IDENTIFIER, max_length=64),
    FieldSpec("row_key", gettext_lazy("Row key"), FieldType.INTEGER),
    FieldSpec("court_case_number", gettext_lazy("Court case number"), FieldType.TEXT, required=True, max_length=64),
    FieldSpec("filed_on", gettext_lazy("Filing date"), FieldType.DATE, required=True),
    FieldSpec("fee_amount", gettext_lazy("Fee notice amount"), FieldType.AMOUNT, places=2),
)


@cache
def _synonyms() -> dict[str, list[str]]:
    path = Path(__file__).resolve().parent.parent / "data" / "words.json"
    headers: dict[str, list[str]] = json.loads(path.read_text(encoding="utf-8"))["headers"]
    return headers


def header_names(spec: FieldSpec) -> set[str]:
    names = {normalise_header(str(spec.label))}
    with translation.override("zh-hans"):
        names.add(normalise_header(str(spec.label)))
    names.update(normalise_header(text) for text in _synonyms().get(spec.key, []))
    return names


def _labels() -> dict[str, str]:
    return {spec.key: str(spec.label) for spec in FIELDS}


@dataclass
class RowProblem:
    row: int
    message: str


@dataclass
class WriteBackReport:
    rows: int = 0
    written: int = 0
    unchanged: int = 0
    errors: list[RowProblem] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "written": self.written,
            "unchanged": self.unchanged,
            "errors": [{"row": e.row, "message": e.message} for e in self.errors],
        }


def _columns(table: Table) -> dict[str, int]:
    found: dict[str, int] = {}
    for spec in FIELDS:
        names = header_names(spec)
        for index, header in enumerate(table.headers):
            if header in names and spec.key not in found:
                found[spec.key] = index
    missing = [str(spec.label) for spec in FIELDS if spec.required and spec.key not in found]
    if "internal_no" not in found and "row_key" not in found:
        missing.insert(0, _("%(a)s or %(b)s") % {"a": FIELDS[0].label, "b": FIELDS[1].label})
    if missing:
        raise DomainError(
            _("The file has no column for: %(columns)s.") % {"columns": ", ".join(missing)}, code="columns"
        )
    return found


def _values(row: SourceRow, columns: dict[str, int], date1904: bool) -> tuple[dict[str, Any], list[str]]:
    values: dict[str, Any] = {}
    errors: list[str] = []
    for spec in FIELDS:
        index = columns.get(spec.key)
        if index is None or index >= len(row.cells):
            continue
        try:
            value = convert(row.cells[index], spec, date1904=date1904)
        except CellError as error:
            errors.append(render(RowError(error.message, error.params, spec.key), labels=_labels()))
            continue
        if value is not None:
            values[spec.key] = value
    for spec in FIELDS:
        if spec.required and spec.key not in values and not any(spec.key in e for e in errors):
            errors.append(_("%(field)s is missing.") % {"field": spec.label})
    return values, errors


def _item_for(batch: Batch, values: dict[str, Any]) -> BatchItem:
    items = batch.items.select_related("case", "court", "proceeding")
    if "row_key" in values:
        item = items.filter(pk=values["row_key"]).first()
        if item is None:
            raise DomainError(_("Row key %(key)s is not an item of this batch.") % {"key": values["row_key"]})
        return item
    if "internal_no" not in values:
        raise DomainError(_("Give the internal case number or the row key."), code="no_key")
    item = items.filter(case__internal_no=values["internal_no"]).first()
    if item is None:
        raise DomainError(
            _("Case %(number)s is not in this batch.") % {"number": values["internal_no"]}, code="unknown_case"
        )
    return item


def _pending_proceeding(item: BatchItem) -> Proceeding | None:
    return (
        Proceeding.objects.filter(
            case=item.case, kind=Proceeding.Kind.FIRST_INSTANCE, is_active=True, court_case_number=""
        )
        .order_by("-pk")
        .first()
    )


@transaction.atomic
def _write_row(*, actor: Any, batch: Batch, item: BatchItem, values: dict[str, Any]) -> bool:
    """Write one row; False when the case already carries this 案号 (nothing to do)."""
    case = item.case
    if case is None:
        raise DomainError(_("This item has no case."), code="no_case")
    if item.status != BatchItem.Status.INCLUDED:
        raise DomainError(_("Case %(number)s was not included in the batch.") % {"number": case.internal_no})
    if item.court is None:
        raise DomainError(_("No court was chosen for case %(number)s.") % {"number": case.internal_no})
    number = cases.parse_court_case_number(
        values["court_case_number"], kind=Proceeding.Kind.FIRST_INSTANCE, court=item.court
    )
    filed_on: date = values["filed_on"]
    if Proceeding.objects.filter(case=case, kind=Proceeding.Kind.FIRST_INSTANCE, court_case_number=number).exists():
        return False
    if item.court_case_number:
        raise DomainError(
            _("Case %(case)s was already filed as %(number)s.")
            % {"case": case.internal_no, "number": item.court_case_number},
            code="filed_otherwise",
        )
    pending = _pending_proceeding(item)
    if pending is not None:
        proceeding = cases.proceeding_update(
            actor=actor,
            proceeding=pending,
            version=pending.version,
            court=item.court,
            court_case_number=number,
            filed_on=filed_on,
        )
    else:
        proceeding = cases.proceeding_open(
            actor=actor,
            case=case,
            kind=Proceeding.Kind.FIRST_INSTANCE,
            court=item.court,
            court_case_number=number,
            filed_on=filed_on,
        )
    fee: Decimal | None = values.get("fee_amount")
    if fee is not None:
        fee_notice_record(actor=actor, case=case, received_on=filed_on, proceeding=proceeding)
        cases.cost_record(
            actor=actor,
            case=case,
            kind=CostEntry.Kind.ACCEPTANCE_FEE,
            amount=fee,
            paid_on=filed_on,
            payer=CostEntry.Payer.CREDITOR,
            borne_by_defendant=True,
            proceeding=proceeding,
            note=_("Fee notice (batch %(name)s)") % {"name": batch.name},
        )
    case.refresh_from_db()
    if case.stage_id == CaseStage.PRE_LITIGATION and CaseStage.FILED in cases.allowed_stage_codes(case.stage_id):
        cases.case_change_stage(actor=actor, case=case, to_stage=CaseStage.FILED, version=case.version)
    item.proceeding = proceeding
    item.court_case_number = number
    item.filed_on = filed_on
    item.fee_notice_amount = fee
    item.save(update_fields=["proceeding", "court_case_number", "filed_on", "fee_notice_amount"])
    audit.record(
        actor=actor,
        action="batch.filed",
        target=batch,
        stream=batch_stream(batch),
        changes={
            "item": item.pk,
            "case": case.pk,
            "court_case_number": number,
            "filed_on": filed_on,
            "fee": f"{fee:.2f}" if fee is not None else None,
        },
    )
    return True


def batch_write_back(*, actor: Any, batch: Batch, content: bytes, file_name: str) -> WriteBackReport:
    """Write the court's returned list back; row by row, each row all or nothing."""
    require_batch(actor, batch)
    known = set().union(*(header_names(spec) for spec in FIELDS))
    try:
        table = read_table(content, file_name=file_name, known_headers=known)
    except FileRefused as error:
        raise DomainError(error.message, code=error.code) from None
    columns = _columns(table)
    report = WriteBackReport()
    for row in table.iter_rows():
        if all(cell.kind == "empty" for cell in row.cells):
            continue
        report.rows += 1
        values, errors = _values(row, columns, table.date1904)
        if errors:
            report.errors.append(RowProblem(row.number, " ".join(errors)))
            continue
        try:
            item = _item_for(batch, values)
            written = _write_row(actor=actor, batch=batch, item=item, values=values)
        except DomainError as error:
            report.errors.append(RowProblem(row.number, error.message))
            continue
        if written:
            report.written += 1
        else:
            report.unchanged += 1
    with transaction.atomic():
        locked = lock_batch(batch.pk)
        if report.written:
            locked.state = Batch.State.FILED
            locked.version += 1
            locked.save(update_fields=["state", "version", "updated_at"])
        audit.record(
            actor=actor,
            action="batch.write_back",
            target=locked,
            stream=batch_stream(locked),
            changes={
                "file": file_name,
                "rows": report.rows,
                "written": report.written,
                "unchanged": report.unchanged,
                "errors": len(report.errors),
            },
        )
    return report
