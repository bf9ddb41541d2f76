"""Downloads that show personal data carry who downloaded them and when (issue 10): a PDF is stamped on
every page of the copy sent, the stored original keeps its SHA-256; the evidence manifest sheet carries the
watermark in its page header and properties."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import UTC, datetime

import pytest
import time_machine
from defusedxml import ElementTree
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from loanlit.accounts.models import User
from loanlit.audit.models import AccessLog
from loanlit.documents import services, storage

from .support import make_case_world

pytestmark = pytest.mark.django_db

MOMENT = datetime(2026, 12, 3, 6, 5, 30, tzinfo=UTC)  # 14:05 in Asia/Shanghai
STAMP = "导出人 张三 (case_handler) (A1024) 2026-12-03 14:05"


@pytest.fixture
def world(personas, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    User.objects.filter(pk=personas.case_handler.pk).update(display_name="张三", staff_no="A1024")
    personas.case_handler.refresh_from_db()
    return make_case_world(personas)


def _report_pdf() -> bytes:
    """A real three-page PDF drawn by reportlab, with pages of different sizes."""
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    sheet = canvas.Canvas(out)
    for number, size in enumerate([(595, 842), (842, 595), (612, 792)], start=1):
        sheet.setPageSize(size)
        sheet.drawString(72, 72, f"Judgment page {number}")
        sheet.showPage()
    sheet.save()
    return out.getvalue()


@time_machine.travel(MOMENT, tick=False)
def test_a_downloaded_pdf_is_stamped_on_every_page_and_the_stored_file_keeps_its_hash(client, world):
    original = _report_pdf()
    document = services.document_add(
        actor=world.handler,
        case=world.case,
        category="judgment",
        title="Judgment",
        filename="判决书.pdf",
        content=original,
    )
    version = document.current_version
    assert version.sha256 == hashlib.sha256(original).hexdigest()
    client.force_login(world.handler)

    response = client.get(reverse("documents:download", args=[document.pk, 1]), headers={"accept-language": "zh-hans"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    sent = b"".join(response.streaming_content) if response.streaming else response.content
    pages = PdfReader(io.BytesIO(sent)).pages
    assert len(pages) == 3
    for number, page in enumerate(pages, start=1):
        text = page.extract_text()
        assert f"Judgment page {number}" in text
        assert STAMP in text
    # The stored original is untouched: same bytes, same hash as recorded at upload.
    assert storage.sha256_of_stored(version.storage_name)[0] == version.sha256 == hashlib.sha256(original).hexdigest()
    with storage.open_stored(version.storage_name) as handle:
        assert handle.read() == original
    log = AccessLog.objects.get(action=AccessLog.Action.DOWNLOAD, username="张三")
    assert log.detail == {
        "document": document.pk,
        "number": 1,
        "sha256": version.sha256,
        "inline": False,
        "watermarked": True,
    }


def test_another_users_download_carries_that_users_name(client, world, personas):
    document = services.document_add(
        actor=world.handler,
        case=world.case,
        category="judgment",
        title="Judgment",
        filename="j.pdf",
        content=_report_pdf(),
    )
    client.force_login(personas.legal_manager)

    sent = client.get(reverse("documents:download", args=[document.pk, 1]))

    text = (
        PdfReader(io.BytesIO(b"".join(sent.streaming_content) if sent.streaming else sent.content))
        .pages[0]
        .extract_text()
    )
    assert "legal_manager" in text and "case_handler" not in text.replace("Judgment", "")


def test_a_non_pdf_download_is_sent_byte_identical(client, world):
    content = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10
    document = services.document_add(
        actor=world.handler, case=world.case, category="evidence", title="Scan", filename="scan.png", content=content
    )
    client.force_login(world.handler)

    response = client.get(reverse("documents:download", args=[document.pk, 1]))

    assert (b"".join(response.streaming_content) if response.streaming else response.content) == content
    assert "watermarked" not in AccessLog.objects.get(action=AccessLog.Action.DOWNLOAD).detail


@time_machine.travel(MOMENT, tick=False)
def test_the_evidence_manifest_sheet_carries_the_watermark(client, world):
    client.force_login(world.handler)

    response = client.get(
        reverse("documents:manifest_xlsx", args=[world.case.pk]), headers={"accept-language": "zh-hans"}
    )

    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert load_workbook(io.BytesIO(content)).active.oddHeader.center.text == STAMP
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        core = ElementTree.fromstring(archive.read("docProps/core.xml"))
    properties = {element.tag.rsplit("}", 1)[-1]: element.text for element in core}
    assert properties["creator"] == properties["description"] == STAMP
