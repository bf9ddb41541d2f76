"""The report files: xlsx, CSV and PDF written, re-opened and read back value for value."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.http import Http404
from django.test import RequestFactory
from django.utils import translation
from openpyxl import load_workbook
from pypdf import PdfReader

from loanlit.audit.models import AccessLog
from loanlit.reports import exporting as ex
from loanlit.reports.definitions import Measures

WATERMARK = "导出人 张三 (A1024) 2026-12-03 14:05"
NOW = dt.datetime(2026, 3, 2, 6, 5, tzinfo=dt.UTC)  # 14:05 in Beijing


def _table(rows: int = 2) -> ex.Table:
    columns = [
        ex.Col("branch", "分行"),
        ex.Col("no", "案件编号", ex.CODE),
        ex.Col("cases", "案件数", ex.COUNT),
        ex.Col("recovered", "回款", ex.MONEY),
        ex.Col("rate", "执行到位率", ex.RATE),
        ex.Col("days", "平均天数", ex.DAYS),
        ex.Col("due", "到期日", ex.DATE),
    ]
    data = [
        ["北京分行", "0012", 3, Decimal("1234567.89"), Decimal("12.34"), Decimal("45.5"), dt.date(2026, 3, 9)],
        ['=HYPERLINK("x")', "-1", 0, Decimal("0.10"), None, None, None],
    ]
    for n in range(rows - 2):
        day = dt.date(2026, 1, 1)
        data.append([f"支行{n}", f"{n:04d}", n, Decimal("1.00"), Decimal("100.00"), Decimal("1.0"), day])
    return ex.Table(
        title="月度诉讼报告: 2026/03",
        columns=columns,
        rows=data[:rows] if rows < 2 else data,
        notes=["回款: 收到的全部回款。", "Figures as of 2026-03-02 14:05."],
        subtitle="月份: 2026-03",
    )


def test_xlsx_holds_exact_values_number_formats_notes_and_the_watermark():
    content = ex.to_xlsx([_table(), _table()], watermark=WATERMARK)

    book = load_workbook(io.BytesIO(content))
    # Sheet names: forbidden characters replaced, unique within the workbook.
    assert book.sheetnames == ["月度诉讼报告 2026 03", "月度诉讼报告 2026 03 (2)"]
    sheet = book.worksheets[0]
    assert sheet["A1"].value == "月度诉讼报告: 2026/03"
    assert sheet["A2"].value == "月份: 2026-03"
    assert [c.value for c in sheet[3]] == ["分行", "案件编号", "案件数", "回款", "执行到位率", "平均天数", "到期日"]
    first = sheet[4]
    assert first[0].value == "北京分行"
    assert first[1].value == "0012" and first[1].data_type == "s" and first[1].number_format == "@"
    assert first[2].value == 3 and first[2].number_format == "0"
    assert Decimal(str(first[3].value)) == Decimal("1234567.89") and first[3].number_format == "#,##0.00"
    assert Decimal(str(first[4].value)) == Decimal("0.1234") and first[4].number_format == "0.00%"
    assert first[5].value == 45.5 and first[5].number_format == "0.0"
    assert first[6].value == dt.datetime(2026, 3, 9) and first[6].number_format == "yyyy-mm-dd"
    second = sheet[5]
    # A formula-looking text is a string cell, never a formula; None leaves the cell empty.
    assert second[0].value == '=HYPERLINK("x")' and second[0].data_type == "s"
    assert second[1].value == "-1" and second[1].data_type == "s"
    assert second[4].value is None and second[5].value is None and second[6].value is None
    assert sheet["A7"].value == "回款: 收到的全部回款。"
    assert sheet["A8"].value == "Figures as of 2026-03-02 14:05."
    for each in book.worksheets:
        assert each.oddHeader.center.text == WATERMARK
        assert each.print_title_rows == "$3:$3"
    assert book.properties.creator == WATERMARK


def test_csv_has_a_bom_exact_text_values_neutralised_formulas_and_the_notes_last():
    content = ex.to_csv(_table())

    assert content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0] == ["分行", "案件编号", "案件数", "回款", "执行到位率", "平均天数", "到期日"]
    assert rows[1] == ["北京分行", "0012", "3", "1234567.89", "12.34%", "45.5", "2026-03-09"]
    assert rows[2] == ['\'=HYPERLINK("x")', "'-1", "0", "0.10", "—", "—", "—"]
    assert rows[3] == []
    assert rows[4:] == [
        ["月度诉讼报告: 2026/03"],
        ["月份: 2026-03"],
        ["回款: 收到的全部回款。"],
        ["Figures as of 2026-03-02 14:05."],
    ]


def test_pdf_prints_chinese_and_runs_a_long_table_over_pages_with_its_header_and_the_watermark_on_each():
    content = ex.to_pdf([_table(rows=120)], watermark=WATERMARK)

    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) >= 3
    first = reader.pages[0].extract_text()
    assert "月度诉讼报告: 2026/03" in first
    assert "北京分行" in first and "1234567.89" in first and "12.34%" in first and "—" in first
    texts = [page.extract_text() for page in reader.pages]
    assert all(WATERMARK in text for text in texts)
    # The header row is repeated on every page that holds rows of the table.
    pages_with_rows = [text for text in texts if "支行" in text]
    assert len(pages_with_rows) >= 2
    assert all("执行到位率" in text for text in pages_with_rows)
    assert "支行117" in texts[-1] or "支行117" in texts[-2]
    assert "回款: 收到的全部回款。" in reader.pages[-1].extract_text()
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    assert (round(width), round(height)) == (842, 595)  # A4 landscape


def test_pdf_of_two_tables_starts_the_second_on_a_new_page():
    second = ex.Table(title="第二张表", columns=[ex.Col("a", "甲")], rows=[["乙"]])
    reader = PdfReader(io.BytesIO(ex.to_pdf([_table(), second], watermark=WATERMARK)))

    assert len(reader.pages) == 2
    assert "第二张表" in reader.pages[1].extract_text()
    assert "第二张表" not in reader.pages[0].extract_text()


def test_measures_table_takes_labels_values_and_column_types_from_the_measure_definitions():
    class Bucket:
        def __init__(self, label, measures):
            self.label, self.measures = label, measures

    measures = Measures(cases=4, recovered=Decimal("10.00"), won=1, lost=2, recovery_n=2, recovery_days=7)
    table = ex.measures_table(
        title="By branch",
        first_label="Branch",
        buckets=[Bucket("Beijing", measures)],
        measure_codes=["cases", "recovered", "won_rate", "mean_days_to_recovery"],
        notes=["n"],
    )

    assert [c.type for c in table.columns] == [ex.TEXT, ex.COUNT, ex.MONEY, ex.RATE, ex.DAYS]
    with translation.override("en"):
        labels = [str(c.label) for c in table.columns]
    assert labels == ["Branch", "Cases", "Recovered", "Won", "Mean days to first recovery"]
    assert table.rows == [["Beijing", 4, Decimal("10.00"), Decimal("33.33"), Decimal("3.5")]]
    assert table.notes == ["n"]


# --- the download -----------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fmt, content_type",
    [
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("csv", "text/csv; charset=utf-8"),
        ("pdf", "application/pdf"),
    ],
)
def test_export_response_sends_the_file_with_a_utf8_name_and_logs_the_export(personas, fmt, content_type):
    request = RequestFactory().get("/reports/monthly/export/x/?unit=3&month=2026-02")
    request.user = personas.legal_manager
    with time_machine.travel(NOW, tick=False):
        response = ex.export_response(request, tables=[_table()], fmt=fmt, filename_stem="月度诉讼报告")

    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Cache-Control"] == "no-store"
    assert (
        "filename*=UTF-8''%E6%9C%88%E5%BA%A6%E8%AF%89%E8%AE%BC%E6%8A%A5%E5%91%8A-20260302-1405." + fmt
        in (response["Content-Disposition"])
    )
    log = AccessLog.objects.get()
    assert log.action == AccessLog.Action.EXPORT
    assert log.user_id == personas.legal_manager.pk
    assert log.path == "/reports/monthly/export/x/"  # the query string stays out of the log
    assert log.detail == {"report": "月度诉讼报告", "format": fmt, "tables": ["月度诉讼报告: 2026/03"], "rows": 2}


@pytest.mark.django_db
def test_the_xlsx_download_carries_the_users_watermark(personas):
    request = RequestFactory().get("/x/")
    request.user = personas.legal_manager
    with time_machine.travel(NOW, tick=False):
        response = ex.export_response(request, tables=[_table()], fmt="xlsx", filename_stem="r")

    header = load_workbook(io.BytesIO(response.content)).worksheets[0].oddHeader.center.text
    assert "legal_manager" in header and "2026-03-02 14:05" in header


@pytest.mark.django_db
def test_a_csv_of_several_tables_says_which_tables_it_left_out(personas):
    request = RequestFactory().get("/x/")
    request.user = personas.legal_manager
    other = ex.Table(title="Second", columns=[ex.Col("a", "A")], rows=[["x"]])
    with translation.override("en"):
        response = ex.export_response(request, tables=[_table(), other], fmt="csv", filename_stem="r")

    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[-1] == "This CSV holds the first table only; download xlsx or PDF for: Second"
    assert ["x"] not in list(csv.reader(io.StringIO(text)))  # the second table's row is not in the file


@pytest.mark.django_db
def test_an_unknown_format_is_404_and_logs_nothing(personas):
    request = RequestFactory().get("/x/")
    request.user = personas.legal_manager
    with pytest.raises(Http404):
        ex.export_response(request, tables=[_table()], fmt="docx", filename_stem="r")
    assert not AccessLog.objects.exists()
