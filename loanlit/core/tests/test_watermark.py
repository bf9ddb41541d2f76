"""Visible watermarks: the page tile, its place on every signed-in page, spreadsheet headers and properties,
and PDF stamping (loanlit/core/watermark.py)."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime

import pytest
import time_machine
import xlsxwriter
from defusedxml import ElementTree
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook
from pypdf import PdfReader

from loanlit.core import watermark

User = get_user_model()  # core may not import accounts (import-linter)

# 2026-12-03 06:05:30 UTC is 14:05 in Asia/Shanghai.
MOMENT = datetime(2026, 12, 3, 6, 5, 30, tzinfo=UTC)


@pytest.fixture
def zhang(personas):
    User.objects.filter(pk=personas.case_handler.pk).update(display_name="张三", staff_no="A1024")
    return User.objects.get(pk=personas.case_handler.pk)


def _pdf(pages: list[tuple[float, float]]) -> bytes:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    sheet = canvas.Canvas(out)
    for number, size in enumerate(pages, start=1):
        sheet.setPageSize(size)
        sheet.drawString(72, 72, f"Page {number}")
        sheet.showPage()
    sheet.save()
    return out.getvalue()


# --- the text ---------------------------------------------------------------------------------------------


def test_export_watermark_names_the_user_staff_number_and_the_local_minute(zhang):
    with translation.override("zh-hans"):
        assert watermark.watermark_text(zhang, MOMENT) == "导出人 张三 (case_handler) (A1024) 2026-12-03 14:05"
    with translation.override("en"):
        assert watermark.watermark_text(zhang, MOMENT) == "Exported by 张三 (case_handler) (A1024) 2026-12-03 14:05"


def test_a_user_without_display_name_or_staff_number_is_named_by_user_name(personas):
    with translation.override("en"):
        assert watermark.watermark_text(personas.auditor, MOMENT) == "Exported by auditor (-) 2026-12-03 14:05"


# --- the page tile ------------------------------------------------------------------------------------------


def test_page_tile_is_valid_svg_with_name_user_name_staff_number_and_time(zhang):
    with translation.override("en"):
        svg = watermark.page_svg(zhang, MOMENT)

    root = ElementTree.fromstring(svg)
    lines = [text.text for text in root.iter("{http://www.w3.org/2000/svg}text")]
    assert lines == ["张三 (case_handler)", "Staff no. A1024", "2026-12-03 14:05"]
    assert root.find("{http://www.w3.org/2000/svg}g").get("transform") == "rotate(-28 210 120)"


def test_a_name_with_markup_characters_cannot_break_the_svg(personas):
    User.objects.filter(pk=personas.read_only.pk).update(display_name='<script>&"x"</script>', staff_no="<b>&1")
    user = User.objects.get(pk=personas.read_only.pk)
    with translation.override("en"):
        svg = watermark.page_svg(user, MOMENT)

    assert "<script>" not in svg and "<b>" not in svg
    root = ElementTree.fromstring(svg)  # still well-formed
    lines = [text.text for text in root.iter("{http://www.w3.org/2000/svg}text")]
    assert lines[:2] == ['<script>&"x"</script> (read_only)', "Staff no. <b>&1"]
    assert list(root.iter("{http://www.w3.org/2000/svg}script")) == []


def test_control_and_zero_width_characters_in_a_name_are_dropped_so_the_svg_still_parses(personas):
    User.objects.filter(pk=personas.read_only.pk).update(display_name="张三\x01\u200b<x>]]>", staff_no="E\x0b7")
    user = User.objects.get(pk=personas.read_only.pk)
    with translation.override("en"):
        svg = watermark.page_svg(user, MOMENT)
    root = ElementTree.fromstring(svg)
    lines = [text.text for text in root.iter("{http://www.w3.org/2000/svg}text")]
    assert lines[:2] == ["张三<x>]]> (read_only)", "Staff no. E7"]


@time_machine.travel(MOMENT, tick=False)
def test_watermark_view_serves_the_signed_in_users_tile_never_cached(client, zhang):
    client.force_login(zhang)

    response = client.get("/watermark.svg", headers={"accept-language": "en"})

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert response["Cache-Control"] == "no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    body = response.content.decode()
    assert ">张三 (case_handler)<" in body and ">Staff no. A1024<" in body and ">2026-12-03 14:05<" in body


def test_watermark_view_needs_a_sign_in(client, db):
    response = client.get(reverse("watermark"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_signed_in_pages_carry_the_watermark_class_and_the_login_page_does_not(client, personas):
    assert 'class="d-flex flex-column min-vh-100 auth-page"' in client.get(reverse("accounts:login")).content.decode()

    client.force_login(personas.case_handler)
    html = client.get(reverse("cases:case_list")).content.decode()

    assert '<body class="d-flex flex-column min-vh-100  watermarked">' in html


def test_pages_carry_no_watermark_when_it_is_turned_off(client, personas, settings):
    settings.WATERMARK_PAGES = False
    client.force_login(personas.case_handler)

    assert "watermarked" not in client.get(reverse("core:home")).content.decode()


def test_stylesheet_lays_the_tile_over_the_page_without_catching_clicks_and_prints_it():
    from django.conf import settings

    css = (settings.BASE_DIR / "static/css/app.css").read_text(encoding="utf-8")
    rule = css[css.index("body.watermarked::after {") :]
    rule = rule[: rule.index("}")]
    for declaration in (
        "position: fixed;",
        "pointer-events: none;",
        'background-image: url("/watermark.svg");',
        "print-color-adjust: exact;",
    ):
        assert declaration in rule
    assert "@media print {\n  body.watermarked::after" in css


# --- spreadsheets ----------------------------------------------------------------------------------------------


def _core_properties(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        root = ElementTree.fromstring(archive.read("docProps/core.xml"))
    return {element.tag.rsplit("}", 1)[-1]: element.text or "" for element in root}


def test_openpyxl_workbook_gets_the_watermark_in_every_sheets_header_and_its_properties():
    book = Workbook()
    book.create_sheet("Second")
    watermark.xlsx_watermark_openpyxl(book, "Exported by A&B (1) 2026-12-03 14:05")
    out = io.BytesIO()
    book.save(out)

    reopened = load_workbook(io.BytesIO(out.getvalue()))
    assert [sheet.oddHeader.center.text for sheet in reopened.worksheets] == [
        "Exported by A&&B (1) 2026-12-03 14:05"
    ] * 2
    properties = _core_properties(out.getvalue())
    assert properties["creator"] == properties["description"] == "Exported by A&B (1) 2026-12-03 14:05"


def test_xlsxwriter_workbook_gets_the_watermark_in_the_header_and_its_properties():
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet()
    watermark.xlsx_watermark_xlsxwriter(book, sheet, "导出人 张三 (A1024) 2026-12-03 14:05")
    book.close()

    assert (
        load_workbook(io.BytesIO(out.getvalue())).active.oddHeader.center.text == "导出人 张三 (A1024) 2026-12-03 14:05"
    )
    properties = _core_properties(out.getvalue())
    assert properties["creator"] == properties["description"] == "导出人 张三 (A1024) 2026-12-03 14:05"


# --- PDF ----------------------------------------------------------------------------------------------------


def test_every_page_of_a_stamped_pdf_carries_the_watermark_text_and_keeps_its_own():
    original = _pdf([(595, 842), (842, 595), (300, 300)])

    stamped = PdfReader(io.BytesIO(watermark.pdf_watermark(original, "导出人 张三 (A1024) 2026-12-03 14:05")))

    assert len(stamped.pages) == 3
    for number, page in enumerate(stamped.pages, start=1):
        text = page.extract_text()
        assert f"Page {number}" in text
        assert "导出人 张三 (A1024) 2026-12-03 14:05" in text


def test_an_unreadable_pdf_is_a_watermark_error():
    with pytest.raises(watermark.WatermarkError):
        watermark.pdf_watermark(b"%PDF-1.4 not really a pdf", "x")


def test_a_pdf_that_cannot_be_stamped_is_sent_unchanged_and_reported_as_unstamped():
    sent, stamped = watermark.pdf_for_download(io.BytesIO(b"%PDF-1.4 broken"), "x")

    assert (sent, stamped) == (b"%PDF-1.4 broken", False)
