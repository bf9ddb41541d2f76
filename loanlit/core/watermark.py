"""Visible watermarks: who saw or exported personal data, and when (issue 10, data protection).

One home for the watermark's wording and for stamping it:

- pages: ``page_svg(user, at)`` is the tile that ``/watermark.svg`` serves; static/css/app.css lays it over
  every signed-in page (``body.watermarked``, on screen and in print) when ``settings.WATERMARK_PAGES``;
- spreadsheets: ``xlsx_watermark_openpyxl`` / ``xlsx_watermark_xlsxwriter`` put ``watermark_text`` into the
  centre page header (shown when printed and in page-layout view) and the workbook properties;
- PDF downloads: ``pdf_watermark`` stamps a diagonal line of text on every page of the copy that is sent
  (the stored original and its SHA-256 stay untouched).

CSV files carry no watermark: a first comment line would break re-importing them.
"""

from __future__ import annotations

import io
import logging
import unicodedata
from datetime import datetime
from typing import IO, Any, Final
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

# The page tile: wide enough for a long name at 15px, slanted like a paper watermark.
TILE_WIDTH: Final = 420
TILE_HEIGHT: Final = 240
TILE_ANGLE: Final = -28
TILE_OPACITY: Final = "0.09"
# Excel stores at most 255 characters per header/footer section; a name is cut well before that.
NAME_LIMIT: Final = 60
PDF_FONT: Final = "STSong-Light"  # reportlab's built-in Adobe CID font: Chinese text, no font file
PDF_FONT_SIZE: Final = 16
PDF_OPACITY: Final = 0.18


class WatermarkError(Exception):
    """The file could not be stamped (an encrypted or malformed PDF)."""


def _printable(text: str) -> str:
    """Drop control and format characters (Unicode Cc, Cf, Cs): XML 1.0 refuses most of them, and an SVG
    that does not parse would drop the watermark; a zero-width character would hide what it says."""
    return "".join(ch for ch in text if unicodedata.category(ch) not in {"Cc", "Cf", "Cs"} or ch in "\t\n")


def _limited(text: str) -> str:
    text = " ".join(_printable(str(text)).split())
    return text if len(text) <= NAME_LIMIT else text[: NAME_LIMIT - 1] + "…"


def user_label(user: Any) -> str:
    """The display name with the user name in brackets, or the user name alone without a display name."""
    username = _limited(user.get_username())
    display = _limited(getattr(user, "display_name", "") or "")
    return f"{display} ({username})" if display and display != username else username


def staff_no(user: Any) -> str:
    return _limited(getattr(user, "staff_no", "") or "") or "-"


def local_minute(at: datetime | None = None) -> str:
    """The time in the site's zone (Asia/Shanghai by default), to the minute."""
    return timezone.localtime(at or timezone.now()).strftime("%Y-%m-%d %H:%M")


def watermark_text(user: Any, at: datetime | None = None) -> str:
    """The export watermark, e.g. "导出人 张三 (zhangsan) (A1024) 2026-12-03 14:05"."""
    return _("Exported by %(user)s (%(staff_no)s) %(time)s") % {
        "user": user_label(user),
        "staff_no": staff_no(user),
        "time": local_minute(at),
    }


def page_svg(user: Any, at: datetime | None = None) -> str:
    """The tile laid over signed-in pages: display name, user name, staff no. and time, slanted and faint."""
    lines = [
        user_label(user),
        _("Staff no. %(staff_no)s") % {"staff_no": staff_no(user)},
        local_minute(at),
    ]
    cx, cy = TILE_WIDTH // 2, TILE_HEIGHT // 2
    texts = "".join(
        f'<text x="{cx}" y="{cy - 22 + 22 * index}">{escape(line)}</text>' for index, line in enumerate(lines)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{TILE_WIDTH}" height="{TILE_HEIGHT}" '
        f'viewBox="0 0 {TILE_WIDTH} {TILE_HEIGHT}">'
        f'<g transform="rotate({TILE_ANGLE} {cx} {cy})" fill="#000" fill-opacity="{TILE_OPACITY}" '
        'font-family="Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, sans-serif" '
        f'font-size="15" text-anchor="middle">{texts}</g></svg>'
    )


def _header(text: str) -> str:
    # "&" starts a code in Excel's header language; "&&" is a literal ampersand.
    return "&C" + text.replace("&", "&&")


def xlsx_watermark_openpyxl(workbook: Any, text: str) -> None:
    """Stamp an openpyxl workbook before it is saved: every sheet's page header and the properties."""
    for sheet in workbook.worksheets:
        for header in (sheet.oddHeader, sheet.evenHeader, sheet.firstHeader):
            header.center.text = text.replace("&", "&&")
    workbook.properties.creator = text
    workbook.properties.lastModifiedBy = text
    workbook.properties.description = text


def xlsx_watermark_xlsxwriter(workbook: Any, worksheet: Any, text: str) -> None:
    """Stamp an XlsxWriter workbook and its (only) worksheet before the workbook is closed."""
    worksheet.set_header(_header(text))
    workbook.set_properties({"author": text, "comments": text})


def _overlay(width: float, height: float, text: str) -> Any:
    """One page of the size given with ``text`` drawn diagonally, three times down the page."""
    from pypdf import PdfReader
    from reportlab.lib.colors import Color
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer, pagesize=(width, height))
    sheet.setFillColor(Color(0.3, 0.3, 0.3, alpha=PDF_OPACITY))
    sheet.setFont(PDF_FONT, PDF_FONT_SIZE)
    for fraction in (0.2, 0.5, 0.8):
        sheet.saveState()
        sheet.translate(width / 2, height * fraction)
        sheet.rotate(30)
        sheet.drawCentredString(0, 0, text)
        sheet.restoreState()
    sheet.showPage()
    sheet.save()  # write-ok: a reportlab canvas writing its PDF into memory, not a model
    return PdfReader(io.BytesIO(buffer.getvalue())).pages[0]


def pdf_watermark(pdf_bytes: bytes, text: str) -> bytes:
    """A copy of the PDF with ``text`` stamped on every page; raises ``WatermarkError`` when it cannot be
    read (malformed, or encrypted with a password)."""
    from pypdf import PdfReader, PdfWriter, Transformation
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(pdf_bytes))
        if reader.is_encrypted and not reader.decrypt(""):
            raise WatermarkError("the PDF is encrypted with a password")
        writer = PdfWriter(clone_from=reader)
        overlays: dict[tuple[float, float], Any] = {}
        for page in writer.pages:
            box = page.mediabox
            size = (float(box.width), float(box.height))
            if size not in overlays:
                overlays[size] = _overlay(*size, text)
            page.merge_transformed_page(
                overlays[size], Transformation().translate(float(box.left), float(box.bottom)), over=True
            )
        out = io.BytesIO()
        writer.write(out)
    except WatermarkError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise WatermarkError(str(exc)) from exc
    return out.getvalue()


def pdf_for_download(handle: IO[bytes], text: str) -> tuple[bytes | IO[bytes], bool]:
    """What to send for a stored PDF: a stamped copy and True, or — for a file that cannot be stamped
    (malformed, password-protected) — the stored file unchanged and False (logged), so that evidence
    stays reachable. The stored file itself is never written."""
    with handle:
        original = handle.read()
    try:
        return pdf_watermark(original, text), True
    except WatermarkError as exc:
        logger.warning("PDF download sent without a watermark: %s", exc)
        return original, False
