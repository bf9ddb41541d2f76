"""Spreadsheets this app hands out carry who exported them and when (issue 10, loanlit.core.watermark):
the case-list xlsx export job and the import error report, in the page header and the properties."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
import time_machine
from defusedxml import ElementTree
from django.urls import reverse

from loanlit.accounts.models import User
from loanlit.core.watermark import watermark_text
from loanlit.imports import selectors
from loanlit.imports.exports import services
from loanlit.imports.tests.export_support import build_portfolio
from loanlit.jobs.models import Job
from loanlit.jobs.worker import run_pending

from . import pipeline_support as support
from .pipeline_support import xlsx_bytes
from .test_pipeline import to_preview

_pipeline_settings = support._pipeline_settings
run_jobs = support.run_jobs
test_kind = support.test_kind
pytestmark = pytest.mark.django_db

MOMENT = datetime(2026, 12, 3, 6, 5, 30, tzinfo=UTC)  # 14:05 in Asia/Shanghai
# In the language active when the file is written (zh-hans: "导出人 张三 (case_handler) (A1024) 2026-12-03 14:05").
STAMP_TAIL = " 张三 (case_handler) (A1024) 2026-12-03 14:05"


def _stamped(personas: Any) -> User:
    User.objects.filter(pk=personas.case_handler.pk).update(display_name="张三", staff_no="A1024")
    personas.case_handler.refresh_from_db()
    return personas.case_handler


def _watermarks(content: bytes) -> tuple[list[str], dict[str, str]]:
    headers = [sheet.oddHeader.center.text for sheet in openpyxl.load_workbook(io.BytesIO(content)).worksheets]
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        core = ElementTree.fromstring(archive.read("docProps/core.xml"))
    return headers, {element.tag.rsplit("}", 1)[-1]: element.text or "" for element in core}


@pytest.mark.urls("loanlit.imports.tests.exports_urls")
@time_machine.travel(MOMENT, tick=False)
def test_the_case_list_xlsx_export_names_who_asked_for_it(client, personas):
    build_portfolio(personas)
    user = _stamped(personas)
    client.force_login(user)

    assert client.post(reverse("imports:export_xlsx", kwargs={"kind": "cases"})).status_code == 302
    run_pending(worker_id="test", limit=1)

    job = Job.objects.get(kind=services.XLSX_JOB_KIND, created_by=user)
    assert job.state == Job.State.SUCCEEDED, job.error_message
    with job.result_file.open("rb") as handle:
        headers, properties = _watermarks(handle.read())
    assert headers == [watermark_text(user)]
    assert headers[0].endswith(STAMP_TAIL)
    assert properties["creator"] == properties["description"] == headers[0]


@time_machine.travel(MOMENT, tick=False)
def test_the_import_error_report_names_who_downloaded_it(personas: Any, test_kind: Any, run_jobs: Any) -> None:
    rows = [["00123", "", Decimal("-5"), None, None, None]]
    batch = to_preview(personas, run_jobs, xlsx_bytes(rows, text_columns=(0, 4)), name="units.xlsx")

    user = _stamped(personas)
    content = selectors.import_error_report(batch, user=user)

    headers, properties = _watermarks(content)
    assert headers == [watermark_text(user)]
    assert headers[0].endswith(STAMP_TAIL)
    assert properties["creator"] == properties["description"] == headers[0]
