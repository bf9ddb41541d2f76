"""An import in PREVIEW built without running the jobs, for the authorization matrix (fast: no analysis,
no validation). The file is stored encrypted as the pipeline stores it, so the error report reads it."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_noop

from loanlit.imports.errors import RowError
from loanlit.imports.kinds.base import ParsedRow, RowStatus
from loanlit.imports.models import ImportBatch, ImportRow
from loanlit.imports.services import rows, storage

CSV = "\ufeff合同编号,借款人姓名\r\nJK-0001,张三\r\nJK-0002,\r\n".encode()


def import_batch_in_preview(*, user: Any, creditor: Any, unit: Any) -> ImportBatch:
    batch = ImportBatch.objects.create(
        creditor=creditor,
        unit=unit,
        kind="loans",
        status=ImportBatch.Status.PREVIEW,
        file_name="loans.csv",
        file_size=len(CSV),
        file_sha256=storage.sha256(CSV),
        format="csv",
        encoding="utf-8-sig",
        encoding_reason="bom",
        header_row=1,
        headers=["合同编号", "借款人姓名"],
        row_count=2,
        suggested_mapping={"contract_no": 0, "borrower_name": 1},
        mapping={"contract_no": 0, "borrower_name": 1},
        options={"grouping": "contract"},
        counts={RowStatus.NEW.value: 1, RowStatus.ERROR.value: 1},
        created_by=user,
    )
    batch.file_path = storage.store_file(batch_id=batch.pk, content=CSV)
    batch.save(update_fields=["file_path"])
    good = ParsedRow(number=2, values={"contract_no": "JK-0001", "borrower_name": "张三"}, key="JK-0001")
    bad = ParsedRow(
        number=3,
        values={"contract_no": "JK-0002"},
        key="JK-0002",
        status=RowStatus.ERROR,
        errors=[RowError(gettext_noop("%(field)s is required."), {"field": "borrower_name"}, field="borrower_name")],
    )
    ImportRow.objects.bulk_create([rows.to_model(batch, good), rows.to_model(batch, bad)])
    return batch


def matrix_batch(world: Any) -> ImportBatch:
    """The world's import (the case handler's), made once per world on first use."""
    batch = getattr(world, "import_batch", None)
    if batch is None:
        batch = import_batch_in_preview(user=world.case_handler, creditor=world.creditor, unit=world.beijing)
        world.import_batch = batch
    return batch
