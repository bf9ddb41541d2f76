"""Fixtures and file builders for the pipeline tests (imported by each test module, not a conftest, so
the other import tests in this folder keep their own settings)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest
from django.utils import translation

from loanlit.imports import kinds
from loanlit.imports.kinds import testing
from loanlit.jobs import registry
from loanlit.jobs.worker import run_pending


@pytest.fixture(autouse=True)
def _pipeline_settings(settings: Any, tmp_path: Any) -> Iterator[None]:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.JOB_PROGRESS_INTERVAL_SECONDS = 0  # every cancel check reads, every progress call writes
    settings.JOB_TRANSPORT = "worker"
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def test_kind(monkeypatch: pytest.MonkeyPatch) -> testing.UnitsKind:
    """The fake kind and its two presets, registered for this test only."""
    registry.ensure_discovered()
    monkeypatch.setattr(kinds, "_KINDS", dict(kinds._KINDS))
    monkeypatch.setattr(kinds, "_PRESETS", dict(kinds._PRESETS))
    return testing.register()


@pytest.fixture
def run_jobs() -> Callable[[], list[tuple[int, str]]]:
    def run() -> list[tuple[int, str]]:
        return run_pending(worker_id="test-worker")

    return run


HEADERS = ["Unit code", "Unit name", "Amount", "Opened on", "Phone", "Unit kind"]


def csv_bytes(rows: Sequence[Sequence[Any]], headers: Sequence[str] = HEADERS, encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow(row)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(
    rows: Sequence[Sequence[Any]],
    headers: Sequence[str] = HEADERS,
    *,
    title: str | None = None,
    merge: str | None = None,
    text_columns: Sequence[int] = (),
) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Units"
    if title:
        sheet.append([title])
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    for column in text_columns:
        for cells in sheet.iter_rows(min_row=2, min_col=column + 1, max_col=column + 1):
            for cell in cells:
                cell.number_format = "@"
    if merge:
        sheet.merge_cells(merge)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
