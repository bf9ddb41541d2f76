"""The error report, re-opened with openpyxl; downloading it is access-logged."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook

from loanlit.audit.models import AccessLog
from loanlit.imports import selectors

from . import pipeline_support as support
from .pipeline_support import xlsx_bytes
from .test_pipeline import to_preview

# The pipeline fixtures (a module, not a conftest: other import tests share this folder).
_pipeline_settings = support._pipeline_settings
run_jobs = support.run_jobs
test_kind = support.test_kind
pytestmark = pytest.mark.django_db


def test_the_error_report_holds_the_original_rows_and_their_errors(
    personas: Any, test_kind: Any, run_jobs: Any
) -> None:
    rows = [
        ["00123", "", Decimal("-5"), date(2024, 1, 31), "13800138000", "Branch"],
        ["OK-1", "Fine", Decimal("1"), None, None, None],
        ["DUP", "One", None, None, None, None],
        ["DUP", "Two", None, None, None, None],
    ]
    batch = to_preview(personas, run_jobs, xlsx_bytes(rows, text_columns=(0, 4)), name="units.xlsx")
    content = selectors.import_error_report(batch, user=personas.case_handler)
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == (
        "Row in the file",
        "Unit code",
        "Unit name",
        "Amount",
        "Opened on",
        "Phone",
        "Unit kind",
        "Errors",
    )
    assert [row[0] for row in values[1:]] == [2, 4, 5]
    first = values[1]
    assert first[1] == "00123" and sheet["B2"].number_format == "@"  # leading zeros kept, as text
    assert first[3] == -5 and first[4].date() == date(2024, 1, 31)
    assert first[5] == "13800138000" and sheet["F2"].number_format == "@"
    assert first[7] == "Unit name is required.\nAmount must not be negative."
    assert values[2][7] == "The same key “DUP” is also on rows 5; choose the row to import."
    log = AccessLog.objects.get(action="download")
    assert log.user_id == personas.case_handler.pk and log.target_id == str(batch.pk)
