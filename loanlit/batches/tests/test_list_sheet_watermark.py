"""The court package's list sheet carries who exported it and when (issue 10, loanlit.core.watermark)."""

from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import load_workbook

from loanlit.batches.services.packs import list_sheet


def test_the_court_package_list_sheet_carries_the_watermark():
    content = list_sheet(
        [("LL-1", "王某", Decimal("1.00"), ["a.pdf"])], watermark="导出人 张三 (A1024) 2026-12-03 14:05"
    )

    book = load_workbook(io.BytesIO(content))
    assert book.active.oddHeader.center.text == "导出人 张三 (A1024) 2026-12-03 14:05"
    assert book.properties.creator == "导出人 张三 (A1024) 2026-12-03 14:05"
