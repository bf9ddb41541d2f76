"""The claim statement download carries who exported it and when (issue 10, loanlit.core.watermark)."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from loanlit.accounts.models import User

from .test_views import CLAIM

pytestmark = pytest.mark.django_db

MOMENT = datetime(2026, 12, 3, 6, 5, 30, tzinfo=UTC)  # 14:05 in Asia/Shanghai


@time_machine.travel(MOMENT, tick=False)
def test_claim_statement_sheets_carry_the_exporters_watermark(client, personas):
    User.objects.filter(pk=personas.case_handler.pk).update(staff_no="A1024")
    client.force_login(personas.case_handler)

    response = client.post(
        reverse("rules:claim_export"), {f"claim-{k}": v for k, v in CLAIM.items()}, headers={"Accept-Language": "en"}
    )

    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    expected = "Exported by case_handler (A1024) 2026-12-03 14:05"
    assert [sheet.oddHeader.center.text for sheet in book.worksheets] == [expected, expected]
    assert book.properties.creator == book.properties.description == expected
