"""Tables of figures → xlsx / CSV / PDF files.

Used by the dashboard's widget exports, the fixed reports and the report builder.
xlsx and PDF carry the user's watermark (``core.watermark``); CSV is UTF-8 with a BOM, text cells that
could start a formula are neutralised. PDF uses a CJK font (reportlab's built-in STSong-Light CID font,
as ``core.watermark`` does) so Chinese prints. Money is written as numbers with two decimals (xlsx) and
"1234.56" (CSV/PDF); rates as "12.34%"; None as "—" (PDF/CSV) or an empty cell (xlsx).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Final

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from loanlit import audit
from loanlit.core import money as m
from loanlit.core.downloads import file_response
from loanlit.core.spreadsheets import BOM, XLSX_TEXT_OPTIONS, neutralise, sheet_name
from loanlit.core.watermark import PDF_FONT, pdf_watermark, watermark_text, xlsx_watermark_xlsxwriter

TEXT: Final = "text"
CODE: Final = "code"  # internal numbers, court case numbers: always text
COUNT: Final = "count"
MONEY: Final = "money"
RATE: Final = "rate"  # Decimal percentage
DAYS: Final = "days"
DATE: Final = "date"
FORMATS: Final = ("xlsx", "csv", "pdf")
NUMERIC: Final = (COUNT, MONEY, RATE, DAYS)

NONE_TEXT: Final = "—"
# A text cell starting with one of these runs as a formula in Excel or LibreOffice (CSV injection).
XLSX_FORMATS: Final = {
    COUNT: "0",
    MONEY: "#,##0.00",
    RATE: "0.00%",
    DAYS: "0.0",
    DATE: "yyyy-mm-dd",
    CODE: "@",
}
CONTENT_TYPES: Final = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "pdf": "application/pdf",
}
MEASURE_COLUMN_TYPES: Final = {"count": COUNT, "money": MONEY, "rate": RATE, "days": DAYS}


@dataclass(frozen=True)
class Col:
    key: str
    label: str | Promise
    type: str = TEXT


@dataclass
class Table:
    title: str
    columns: list[Col]
    rows: list[list[Any]]
    notes: list[str] = field(default_factory=list)  # definitions, "as of", filters: printed under the table
    subtitle: str = ""


# --- cell text (CSV and PDF) -------------------------------------------------------------------------------


def cell_text(value: Any, kind: str) -> str:
    """How a value prints in CSV and PDF: money "1234.56", rates "12.34%", days "12.5", None "—"."""
    if value is None:
        return NONE_TEXT
    if kind == MONEY:
        return m.format_money(Decimal(value), grouping=False)
    if kind == RATE:
        return f"{Decimal(value):.2f}%"
    if kind == DAYS:
        return f"{Decimal(value):.1f}"
    if kind == COUNT:
        return str(int(value))
    if kind == DATE:
        return value.isoformat() if isinstance(value, date) else str(value)
    return str(value)


# --- xlsx ------------------------------------------------------------------------------------------------------


def _xlsx_number(value: Any, kind: str) -> float:
    # xlsx stores doubles; a cent amount or a two-place percentage round-trips exactly through repr().
    if kind == RATE:
        return float(Decimal(value) / 100)
    if kind == MONEY:
        return float(m.to_money(Decimal(value)))
    return float(value)


def to_xlsx(tables: Sequence[Table], *, watermark: str) -> bytes:
    """One sheet per table (title as sheet name, made safe and unique), notes under the rows."""
    import xlsxwriter

    out = io.BytesIO()
    options = {"in_memory": True, **XLSX_TEXT_OPTIONS}
    workbook = xlsxwriter.Workbook(out, options)
    try:
        title_format = workbook.add_format({"bold": True, "font_size": 13})
        header_format = workbook.add_format({"bold": True, "bg_color": "#E9EEF5", "text_wrap": True, "valign": "top"})
        note_format = workbook.add_format({"italic": True, "font_color": "#555555"})
        formats = {kind: workbook.add_format({"num_format": spec}) for kind, spec in XLSX_FORMATS.items()}
        taken: set[str] = set()
        for table in tables or [Table(title=_("Report"), columns=[], rows=[])]:
            sheet = workbook.add_worksheet(sheet_name(table.title, taken))
            if watermark:
                xlsx_watermark_xlsxwriter(workbook, sheet, watermark)
            sheet.set_landscape()
            sheet.set_paper(9)  # A4
            sheet.fit_to_pages(1, 0)
            row = 0
            sheet.write_string(row, 0, str(table.title), title_format)
            row += 1
            if table.subtitle:
                sheet.write_string(row, 0, str(table.subtitle))
                row += 1
            header_row = row
            for index, column in enumerate(table.columns):
                sheet.write_string(header_row, index, str(column.label), header_format)
                width = 14 if column.type in NUMERIC or column.type == DATE else 22
                sheet.set_column(index, index, width)
            sheet.repeat_rows(header_row)
            sheet.freeze_panes(header_row + 1, 0)
            for values in table.rows:
                row += 1
                for index, (value, column) in enumerate(zip(values, table.columns, strict=True)):
                    if value is None or value == "":
                        continue
                    if column.type in NUMERIC:
                        sheet.write_number(row, index, _xlsx_number(value, column.type), formats[column.type])
                    elif column.type == DATE and isinstance(value, date):
                        moment = value if isinstance(value, datetime) else datetime.combine(value, time())
                        sheet.write_datetime(row, index, moment, formats[DATE])
                    else:
                        sheet.write_string(row, index, str(value), formats[CODE] if column.type == CODE else None)
            if table.notes:
                row += 1
                for note in table.notes:
                    row += 1
                    sheet.write_string(row, 0, str(note), note_format)
    finally:
        workbook.close()
    return out.getvalue()


# --- CSV -------------------------------------------------------------------------------------------------------


def to_csv(table: Table, *, extra_notes: Sequence[str] = ()) -> bytes:
    """The header row, the rows, then an empty line and the title, subtitle and notes (one per line)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise(str(column.label)) for column in table.columns])
    for values in table.rows:
        writer.writerow(
            [
                cell_text(value, column.type) if column.type in NUMERIC else neutralise(cell_text(value, column.type))
                for value, column in zip(values, table.columns, strict=True)
            ]
        )
    trailer = [str(table.title), str(table.subtitle), *map(str, table.notes), *map(str, extra_notes)]
    trailer = [line for line in trailer if line]
    if trailer:
        writer.writerow([])
        for line in trailer:
            writer.writerow([neutralise(line)])
    return (BOM + buffer.getvalue()).encode("utf-8")


# --- PDF -------------------------------------------------------------------------------------------------------


def to_pdf(tables: Sequence[Table], *, watermark: str) -> bytes:
    """A4 landscape, CJK font, table headers repeated on each page, watermark on every page."""
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, TableStyle
    from reportlab.platypus import Table as PdfTable

    if PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
    title_style = ParagraphStyle("title", fontName=PDF_FONT, fontSize=14, leading=18, spaceAfter=4)
    subtitle_style = ParagraphStyle("subtitle", fontName=PDF_FONT, fontSize=9, leading=12, spaceAfter=6)
    cell_style = ParagraphStyle("cell", fontName=PDF_FONT, fontSize=8, leading=10)
    number_style = ParagraphStyle("number", parent=cell_style, alignment=2)  # right
    header_style = ParagraphStyle("header", parent=cell_style, textColor=colors.black)
    note_style = ParagraphStyle("note", fontName=PDF_FONT, fontSize=7.5, leading=10, textColor=colors.HexColor("#444"))

    buffer = io.BytesIO()
    page = landscape(A4)
    margin = 12 * mm
    document = SimpleDocTemplate(
        buffer, pagesize=page, leftMargin=margin, rightMargin=margin, topMargin=margin, bottomMargin=margin
    )
    document.title = str(tables[0].title) if tables else ""
    width = page[0] - 2 * margin

    def page_number(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(PDF_FONT, 7)
        canvas.drawRightString(page[0] - margin, margin / 2, str(doc.page))
        canvas.restoreState()

    story: list[Any] = []
    for number, table in enumerate(tables):
        if number:
            story.append(PageBreak())
        story.append(Paragraph(escape(str(table.title)), title_style))
        if table.subtitle:
            story.append(Paragraph(escape(str(table.subtitle)), subtitle_style))
        if table.columns:
            header = [Paragraph(escape(str(column.label)), header_style) for column in table.columns]
            body = [
                [
                    Paragraph(
                        escape(cell_text(value, column.type)),
                        number_style if column.type in NUMERIC else cell_style,
                    )
                    for value, column in zip(values, table.columns, strict=True)
                ]
                for values in table.rows
            ]
            grid = PdfTable([header, *body], repeatRows=1, colWidths=[width / len(table.columns)] * len(table.columns))
            grid.setStyle(
                TableStyle(
                    [
                        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E9EEF5")),
                        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#999999")),
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ]
                )
            )
            story.append(grid)
        if table.notes:
            story.append(Spacer(1, 4 * mm))
            story.extend(Paragraph(escape(str(note)), note_style) for note in table.notes)
    if not story:
        story.append(Spacer(1, 1))
    document.build(story, onFirstPage=page_number, onLaterPages=page_number)
    pdf = buffer.getvalue()
    return pdf_watermark(pdf, watermark) if watermark else pdf


# --- the download ------------------------------------------------------------------------------------------


class _PathOnly:
    """The request as the access log sees it, without the query string (the filters are in the detail)."""

    def __init__(self, request: HttpRequest) -> None:
        self.META = request.META
        self.method = request.method
        self.path = request.path

    def get_full_path(self) -> str:
        return self.path


def export_response(
    request: HttpRequest, *, tables: Sequence[Table], fmt: str, filename_stem: str
) -> HttpResponse | FileResponse:
    """The file download (Content-Disposition with a UTF-8 filename), an EXPORT access-log row; an unknown
    ``fmt`` raises Http404; CSV of several tables exports the first only (say so in the file's notes)."""
    if fmt not in FORMATS:
        raise Http404(fmt)
    user = request.user
    tables = list(tables)
    if fmt == "csv":
        first = tables[0] if tables else Table(title=filename_stem, columns=[], rows=[])
        left_out = [str(t.title) for t in tables[1:]]
        extra = []
        if left_out:
            message = _("This CSV holds the first table only; download xlsx or PDF for: %(tables)s")
            extra.append(message % {"tables": ", ".join(left_out)})
        content = to_csv(first, extra_notes=extra)
    elif fmt == "xlsx":
        content = to_xlsx(tables, watermark=watermark_text(user))
    else:
        content = to_pdf(tables, watermark=watermark_text(user))
    audit.access_log(
        user=user,
        action=audit.AccessAction.EXPORT,
        request=_PathOnly(request),  # type: ignore[arg-type]
        detail={
            "report": filename_stem,
            "format": fmt,
            "tables": [str(t.title) for t in tables],
            "rows": sum(len(t.rows) for t in tables),
        },
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    name = f"{filename_stem}-{stamp}.{fmt}"
    response: HttpResponse | FileResponse = file_response(content, name, content_type=CONTENT_TYPES[fmt])
    response["Cache-Control"] = "no-store"
    return response


def measures_table(
    *, title: str, first_label: str, buckets: Sequence[Any], measure_codes: Sequence[str], notes: Sequence[str] = ()
) -> Table:
    """A Table from ``selectors.stats.Bucket`` rows: the bucket label, then each ``definitions.MEASURES``
    code's value (a Measures field or rate property), column types from the measure kind."""
    from loanlit.reports.definitions import MEASURES

    columns = [Col("label", first_label, TEXT)]
    for code in measure_codes:
        measure = MEASURES[code]
        columns.append(Col(code, measure.label, MEASURE_COLUMN_TYPES.get(measure.kind, TEXT)))
    rows = [[bucket.label, *(getattr(bucket.measures, code) for code in measure_codes)] for bucket in buckets]
    return Table(title=str(title), columns=columns, rows=rows, notes=[str(n) for n in notes])
