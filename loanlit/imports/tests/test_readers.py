"""Readers (issue 6): real .xlsx and CSV files built in code, read back to exact cells."""

from __future__ import annotations

import codecs
import io
import zipfile
from datetime import date, datetime, time
from decimal import Decimal

import pytest
from django.utils import translation

from loanlit.imports import cells
from loanlit.imports.errors import CellError
from loanlit.imports.kinds.base import FieldSpec, FieldType
from loanlit.imports.readers import merged_cells_in, read_table
from loanlit.imports.readers import xlsx as xlsx_reader
from loanlit.imports.readers.csvfile import decode, sniff_delimiter
from loanlit.imports.table import EMPTY_CELL, Cell, CellKind, FileRefused
from loanlit.imports.tests.files import EMPTY_TEXT, ExcelError, Formula, Sheet, csv_bytes, set_date1904, sheet_xml, xlsx


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English (the zh-Hans catalogue is checked in its own test)."""
    with translation.override("en"):
        yield


HEADER = ["合同编号", "借款人", "身份证号", "贷款金额", "放款日期"]
ROW = ["HT2023-001", "刘䶮", "11010119900101123X", "1,234.56", "2023-03-15"]


def T(value: str) -> Cell:
    return Cell(CellKind.TEXT, value)


def N(value: str) -> Cell:
    return Cell(CellKind.NUMBER, Decimal(value))


def values(table) -> list[tuple[int, tuple[Cell, ...]]]:
    return [(row.number, row.cells) for row in table.rows]


# --- CSV encodings ---------------------------------------------------------------------------------


def test_utf8_csv():
    table = read_table(csv_bytes([HEADER, ROW]), file_name="loans.csv")
    assert (table.format, table.encoding, table.encoding_reason) == ("csv", "utf-8", "utf-8")
    assert (table.sheet_name, table.sheet_names, table.date1904) == (None, [], False)
    assert table.header_row == 1
    assert table.raw_headers == HEADER
    assert table.headers == HEADER
    assert values(table) == [(2, tuple(T(v) for v in ROW))]
    assert table.problems == []


def test_utf8_csv_with_bom_keeps_the_bom_out_of_the_header():
    content = csv_bytes([HEADER, ROW], encoding="utf-8-sig")
    assert content.startswith(codecs.BOM_UTF8)
    table = read_table(content, file_name="loans.csv")
    assert (table.encoding, table.encoding_reason) == ("utf-8-sig", "bom")
    assert table.raw_headers[0] == "合同编号"
    assert table.headers[0] == "合同编号"


@pytest.mark.parametrize("name", ["䶮", "𠀀"])
def test_gb18030_csv_reads_characters_outside_gbk(name):
    # 䶮 (U+4DAE, two bytes FE 9F in GB18030) and 𠀀 (U+20000, four bytes) are not in GBK: a reader
    # falling back to gbk would refuse or garble them.
    with pytest.raises(UnicodeEncodeError):
        name.encode("gbk")
    content = csv_bytes([HEADER, ["HT1", f"刘{name}", "", "5", ""]], encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")
    table = read_table(content, file_name="loans.csv")
    assert (table.encoding, table.encoding_reason) == ("gb18030", "gb18030")
    assert table.raw_headers == HEADER
    assert values(table) == [(2, (T("HT1"), T(f"刘{name}"), EMPTY_CELL, T("5"), EMPTY_CELL))]


@pytest.mark.parametrize("encoding", ["utf-16-le-bom", "utf-16-be-bom"])
def test_utf16_with_bom_as_excel_saves_unicode_text(encoding):
    content = csv_bytes([HEADER, ROW], encoding=encoding, delimiter="\t")
    table = read_table(content, file_name="loans.txt")
    assert (table.format, table.encoding, table.encoding_reason) == ("tsv", "utf-16", "utf-16-bom")
    assert table.raw_headers == HEADER
    assert values(table) == [(2, tuple(T(v) for v in ROW))]


def test_utf16_without_bom_goes_to_the_detector():
    content = csv_bytes([["contract", "amount"], ["HT1", "5"]]).decode().encode("utf-16-le")
    table = read_table(content, file_name="loans.csv")
    assert table.encoding_reason == "detected"
    assert table.raw_headers == ["contract", "amount"]
    assert values(table) == [(2, (T("HT1"), T("5")))]
    assert any("guessed" in problem for problem in table.problems)


def test_neither_utf8_nor_gb18030_goes_to_the_detector_with_a_warning():
    content = "Amount;Note\r\n€100;café\r\n".encode("cp1252")  # 0x80 is no GB18030 character
    with pytest.raises(UnicodeDecodeError):
        content.decode("gb18030")
    decoded = decode(content)
    assert decoded.reason == "detected"
    table = read_table(content, file_name="notes.csv")
    assert table.encoding_reason == "detected"
    assert table.encoding == decoded.encoding
    assert table.raw_headers == ["Amount", "Note"]
    assert table.problems == [
        f"The text encoding was guessed as {decoded.encoding}: check the preview, and choose the encoding if "
        "characters look wrong."
    ]


def test_undecodable_bytes_are_refused():
    with pytest.raises(FileRefused) as caught:
        read_table(bytes(range(256)) * 4, file_name="noise.csv")
    assert caught.value.code == "encoding"


def test_an_encoding_override_is_used_and_gbk_means_gb18030():
    content = csv_bytes([HEADER, ["HT1", "刘䶮"]], encoding="gb18030")
    table = read_table(content, file_name="loans.csv", encoding="GBK")
    assert (table.encoding, table.encoding_reason) == ("gb18030", "override")
    assert table.rows[0].cells[1] == T("刘䶮")
    table = read_table(csv_bytes([HEADER, ROW], encoding="utf-8-sig"), file_name="a.csv", encoding="utf-8")
    assert (table.encoding, table.encoding_reason, table.raw_headers[0]) == ("utf-8-sig", "override", "合同编号")


def test_an_encoding_override_that_cannot_decode_the_file_is_refused_naming_it():
    content = csv_bytes([HEADER, ROW], encoding="gb18030")
    with pytest.raises(FileRefused) as caught:
        read_table(content, file_name="loans.csv", encoding="utf-8")
    assert caught.value.code == "encoding"
    assert caught.value.message.startswith("The file is not valid utf-8 text (at byte 0)")
    with pytest.raises(FileRefused) as caught:
        read_table(content, file_name="loans.csv", encoding="klingon")
    assert caught.value.message == "“klingon” is not a known text encoding."


def test_a_broken_utf8_bom_file_is_refused():
    with pytest.raises(FileRefused) as caught:
        read_table(codecs.BOM_UTF8 + "合同".encode("gb18030"), file_name="a.csv")
    assert caught.value.code == "encoding"


# --- CSV dialect -----------------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", "\t", ";"])
def test_delimiter_is_sniffed(delimiter):
    rows = [HEADER, ["HT1", "张三", "", "1,234.56", "2023-03-15"], ["HT2", "李四", "", "5", "2023-03-16"]]
    content = csv_bytes(rows, delimiter=delimiter)
    assert sniff_delimiter(content.decode()) == delimiter
    table = read_table(content, file_name="loans.csv")
    assert table.raw_headers == HEADER
    assert table.rows[0].cells[3] == T("1,234.56")


def test_quoted_fields_with_delimiters_and_line_breaks_and_record_numbers():
    content = (
        "合同编号,备注,金额\r\n"
        'HT1,"第一行\r\n第二行, 还有逗号",5\r\n'
        "\r\n"  # a blank line: skipped, but it still has its row number
        'HT2,"说""引号""",6\n'  # a bare LF line end too
        ",,\r\n"  # only empty fields: skipped
        "HT3,,7\r\n"
    ).encode()
    table = read_table(content, file_name="loans.csv")
    assert values(table) == [
        (2, (T("HT1"), T("第一行\r\n第二行, 还有逗号"), T("5"))),
        (4, (T("HT2"), T('说"引号"'), T("6"))),
        (6, (T("HT3"), EMPTY_CELL, T("7"))),
    ]


def test_tsv_is_tab_separated_even_with_commas_in_cells():
    content = csv_bytes([["合同编号", "金额"], ["HT1", "1,234.56"], ["HT2", "2,000"]], delimiter="\t")
    table = read_table(content, file_name="loans.tsv")
    assert table.format == "tsv"
    assert values(table) == [(2, (T("HT1"), T("1,234.56"))), (3, (T("HT2"), T("2,000")))]


def test_every_csv_cell_is_text_and_numbers_keep_their_digits():
    content = csv_bytes([["卡号", "金额", "日期"], ["6222020200112233445", "5.00E+05", "20230315"]])
    table = read_table(content, file_name="cards.csv")
    assert table.rows[0].cells == (T("6222020200112233445"), T("5.00E+05"), T("20230315"))
    card = FieldSpec(key="card", label="Card", type=FieldType.IDENTIFIER)
    assert cells.convert(table.rows[0].cells[0], card) == "6222020200112233445"  # text: all 19 digits


def test_csv_title_rows_trailing_empty_columns_and_duplicate_headers():
    content = csv_bytes(
        [
            ["某某银行不良贷款清单", "", "", "", ""],
            ["导出日期：2024-01-31", "", "", "", ""],
            ["合同编号 *", "金额", "合同编号", "", ""],
            ["HT1", "5", "HT1", "", ""],
            ["", "", "", "", ""],
            ["HT2", "6", "", "", ""],
        ]
    )
    table = read_table(content, file_name="loans.csv", known_headers=["合同编号"])
    assert table.header_row == 3
    assert table.raw_headers == ["合同编号 *", "金额", "合同编号"]
    assert table.headers == ["合同编号", "金额", "合同编号"]
    assert table.duplicate_headers == {"合同编号": [0, 2]}
    assert values(table) == [(4, (T("HT1"), T("5"), T("HT1"))), (6, (T("HT2"), T("6"), EMPTY_CELL))]
    assert table.problems == ["The header is row 3; the rows above it were left out."]


def test_nul_in_a_csv_cell_reaches_the_cell_rules_as_an_error():
    table = read_table("合同编号,姓名\r\nHT1,张\x00三\r\n".encode(), file_name="a.csv")
    assert table.rows[0].cells[1] == T("张\x00三")
    name = FieldSpec(key="name", label="Name", type=FieldType.TEXT)
    with pytest.raises(CellError) as caught:
        cells.convert(table.rows[0].cells[1], name)
    assert caught.value.params == {"field": "name", "code": "U+0000"}


# --- xlsx values -----------------------------------------------------------------------------------


def test_xlsx_values_keep_what_the_file_holds():
    content = xlsx(
        [
            ["文本", "整数", "小数", "日期", "日期时间", "时间", "布尔", "全角", "空白"],
            [
                "HT1",
                42,
                0.1,
                date(2023, 3, 15),
                datetime(2023, 3, 15, 9, 30),
                time(9, 30),
                True,
                "１２３，４５６.７８",
                " ",
            ],
            ["HT2", -7, 1234.56, date(1999, 12, 31), datetime(2023, 3, 15), time(0, 0, 1), False, None, None],
        ]
    )
    table = read_table(content, file_name="loans.xlsx")
    assert (table.format, table.sheet_name, table.sheet_names, table.date1904) == ("xlsx", "Sheet1", ["Sheet1"], False)
    assert (table.encoding, table.encoding_reason) == (None, "")
    assert values(table) == [
        (
            2,
            (
                T("HT1"),
                N("42"),
                N("0.1"),
                Cell(CellKind.DATE, date(2023, 3, 15)),
                Cell(CellKind.DATETIME, datetime(2023, 3, 15, 9, 30)),
                Cell(CellKind.TIME, time(9, 30)),
                Cell(CellKind.BOOL, True),
                T("１２３，４５６.７８"),
                EMPTY_CELL,
            ),
        ),
        (
            3,
            (
                T("HT2"),
                N("-7"),
                N("1234.56"),
                Cell(CellKind.DATE, date(1999, 12, 31)),
                # calamine reads a whole serial as a date whatever the format says
                Cell(CellKind.DATE, date(2023, 3, 15)),
                Cell(CellKind.TIME, time(0, 0, 1)),
                Cell(CellKind.BOOL, False),
                EMPTY_CELL,
                EMPTY_CELL,
            ),
        ),
    ]
    amount = FieldSpec(key="a", label="Amount", type=FieldType.AMOUNT, places=2)
    assert cells.convert(table.rows[0].cells[7], amount) == Decimal("123456.78")
    assert str(cells.convert(table.rows[1].cells[2], amount)) == "1234.56"


def test_numeric_id_cells_18_digits_are_errors_15_digits_become_text():
    content = xlsx(
        [
            ["借款人", "身份证号", "卡号"],
            ["张三", 110101199001011234, 6222020200112233],  # as typed: 18 and 16 digits in number cells
            ["李四", 110101900101123, 622202020011223],  # an old 15-digit ID; a 15-digit number
            ["王五", "11010119900101123x", "6222020200112233"],  # text cells, as it should be
        ]
    )
    assert '<c r="B2"><v>1.101011990010112E+17</v></c>' in sheet_xml(content)
    table = read_table(content, file_name="ids.xlsx")
    id_number = FieldSpec(key="id", label="ID", type=FieldType.ID_NUMBER)
    card = FieldSpec(key="card", label="Card", type=FieldType.IDENTIFIER)
    first, second, third = (row.cells for row in table.rows)
    assert first[1] == N("1.101011990010112E+17")
    assert first[2] == N("6222020200112233")
    for cell, field, digits in ((first[1], id_number, 18), (first[2], card, 16)):
        with pytest.raises(CellError) as caught:
            cells.convert(cell, field)
        assert (caught.value.message, caught.value.params) == (
            cells.MSG_TOO_MANY_DIGITS,
            {"field": field.key, "digits": digits},
        )
    assert cells.convert(second[1], id_number) == "110101900101123"
    assert cells.convert(second[2], card) == "622202020011223"
    assert cells.convert(third[1], id_number) == "11010119900101123X"
    assert cells.convert(third[2], card) == "6222020200112233"


def test_serial_dates_in_number_cells_and_date_cells():
    content = xlsx([["放款日期", "到期日"], [45000, date(2023, 3, 15)], [60, 20230315]])
    table = read_table(content, file_name="dates.xlsx")
    day = FieldSpec(key="d", label="Day", type=FieldType.DATE)
    (serial, dated), (sixty, compact) = (row.cells for row in table.rows)
    assert (serial, dated) == (N("45000"), Cell(CellKind.DATE, date(2023, 3, 15)))
    assert cells.convert(serial, day, date1904=table.date1904) == date(2023, 3, 15)
    assert cells.convert(dated, day, date1904=table.date1904) == date(2023, 3, 15)
    assert cells.convert(compact, day, date1904=table.date1904) == date(2023, 3, 15)
    with pytest.raises(CellError) as caught:
        cells.convert(sixty, day, date1904=table.date1904)
    assert caught.value.message == cells.MSG_SERIAL_60


def test_a_1904_workbook_gives_the_right_dates():
    # XlsxWriter writes the dates as 1904 serials (2023-03-15 is 43538) and sets the flag.
    content = xlsx([["日期", "序号"], [date(2023, 3, 15), 43538], [datetime(2023, 3, 15, 9, 30), 1]], date1904=True)
    assert '<c r="A2" s="1"><v>43538</v></c>' in sheet_xml(content)
    assert b'date1904="1"' in zipfile.ZipFile(io.BytesIO(content)).read("xl/workbook.xml")
    table = read_table(content, file_name="mac.xlsx")
    assert table.date1904 is True
    assert table.rows[0].cells == (Cell(CellKind.DATE, date(2023, 3, 15)), N("43538"))
    assert table.rows[1].cells[0] == Cell(CellKind.DATETIME, datetime(2023, 3, 15, 9, 30))
    day = FieldSpec(key="d", label="Day", type=FieldType.DATE)
    assert cells.convert(table.rows[0].cells[1], day, date1904=table.date1904) == date(2023, 3, 15)


def test_the_1904_flag_set_on_an_existing_workbook_moves_its_dates_as_excel_shows_them():
    content = set_date1904(xlsx([["日期"], [date(2023, 3, 15)]]))  # serial 45000 stays, the flag flips
    assert '<c r="A2" s="1"><v>45000</v></c>' in sheet_xml(content)
    table = read_table(content, file_name="flipped.xlsx")
    assert table.date1904 is True
    assert table.rows[0].cells == (Cell(CellKind.DATE, date(2027, 3, 16)),)  # 1904-01-01 + 45000 days


def test_formulas_with_and_without_cached_values_and_excel_errors():
    content = xlsx(
        [
            ["合同编号", "本金", "利息", "合计", "名称", "检查"],
            ["HT1", 100, 5, Formula("=B2+C2", 105), Formula('="A"&A2', "AHT1"), Formula("=1/0", "#DIV/0!")],
            ["HT2", 200, 6, Formula("=B3+C3"), Formula('=""', EMPTY_TEXT), ExcelError("#N/A", "NA()")],
            ["HT3", 300, 7, Formula("=B4+C4", ""), None, ExcelError("#REF!")],
        ]
    )
    xml = sheet_xml(content)
    assert '<c r="D3"><f>B3+C3</f></c>' in xml  # no cached value at all
    assert '<c r="D4"><f>B4+C4</f><v></v></c>' in xml  # an empty one, as openpyxl writes
    assert '<c r="E3" t="str"><f>""</f><v></v></c>' in xml  # a formula whose result is ""
    assert '<c r="F4" t="e"><v>#REF!</v></c>' in xml  # an error pasted as a value
    table = read_table(content, file_name="formulas.xlsx")
    no_value = Cell(CellKind.FORMULA_NO_VALUE, None)
    assert [row.cells[3:] for row in table.rows] == [
        (N("105"), T("AHT1"), Cell(CellKind.ERROR, "#DIV/0!")),
        (no_value, EMPTY_CELL, Cell(CellKind.ERROR, "#N/A")),
        (no_value, EMPTY_CELL, Cell(CellKind.ERROR, "#REF!")),
    ]
    assert table.problems == [
        "2 formula cells have no saved value (the first is D3): the program that wrote the file did not calculate "
        "them. Open the file in Excel, save it and upload it again."
    ]


def test_a_formula_column_outside_calamines_range_is_still_seen():
    # calamine's range ends at the last cell with a value; a trailing column of uncalculated formulas
    # lies outside it and would silently vanish.
    content = xlsx([["合同编号", "合计"], ["HT1", Formula("=1+1")], ["HT2", Formula("=1+2")], [None, Formula("=3")]])
    table = read_table(content, file_name="formulas.xlsx")
    no_value = Cell(CellKind.FORMULA_NO_VALUE, None)
    assert values(table) == [(2, (T("HT1"), no_value)), (3, (T("HT2"), no_value)), (4, (EMPTY_CELL, no_value))]


# --- xlsx layout -----------------------------------------------------------------------------------


def test_title_row_and_merged_group_titles_above_a_two_level_header():
    content = xlsx(
        [
            ["某某银行不良贷款清单", None, None, None, None],
            [],
            ["合同编号", "借款人信息", None, "贷款金额", "备注"],
            [None, "姓名", "身份证号", None, None],
            ["HT2023-001", "张三", "11010119900101123X", 1234.56, None],
            ["HT2023-002", "李四", "110101199001011250", 10, "已诉"],
        ],
        merges=["A1:E1", "A3:A4", "B3:C3", "D3:D4", "E3:E4"],
    )
    table = read_table(content, file_name="loans.xlsx", known_headers=["合同编号", "姓名", "身份证号"])
    assert table.header_row == 4
    assert table.raw_headers == ["合同编号", "姓名", "身份证号", "贷款金额", "备注"]
    assert table.merged_ranges == []  # the merges are all above the data
    assert values(table) == [
        (5, (T("HT2023-001"), T("张三"), T("11010119900101123X"), N("1234.56"), EMPTY_CELL)),
        (6, (T("HT2023-002"), T("李四"), T("110101199001011250"), N("10"), T("已诉"))),
    ]
    assert table.problems == ["The header is row 4; the rows above it were left out."]
    # The same file without the known headers finds the same row.
    assert read_table(content, file_name="loans.xlsx").header_row == 4


def test_vertical_merges_in_the_data_area_are_filled_down_and_marked():
    content = xlsx(
        [
            ["合同编号", "保证人", "担保金额", "备注"],
            ["HT1", "甲公司", 100, "一笔三保"],
            [None, "乙公司", None, None],
            [None, "丙", None, None],
            ["HT2", "丁", 50, None],
        ],
        merges=["A2:A4", "C2:C4", "D2:D3"],
    )
    table = read_table(content, file_name="guarantors.xlsx")
    assert table.merged_ranges == ["A2:A4", "C2:C4", "D2:D3"]
    a, c, d = "A2:A4", "C2:C4", "D2:D3"
    assert values(table) == [
        (
            2,
            (
                Cell(CellKind.TEXT, "HT1", a),
                T("甲公司"),
                Cell(CellKind.NUMBER, Decimal(100), c),
                Cell(CellKind.TEXT, "一笔三保", d),
            ),
        ),
        (
            3,
            (
                Cell(CellKind.TEXT, "HT1", a),
                T("乙公司"),
                Cell(CellKind.NUMBER, Decimal(100), c),
                Cell(CellKind.TEXT, "一笔三保", d),
            ),
        ),
        (4, (Cell(CellKind.TEXT, "HT1", a), T("丙"), Cell(CellKind.NUMBER, Decimal(100), c), EMPTY_CELL)),
        (5, (T("HT2"), T("丁"), N("50"), EMPTY_CELL)),
    ]
    assert merged_cells_in(table, 0) == ["A2:A4"]
    assert merged_cells_in(table, 1) == []
    assert merged_cells_in(table, 2) == ["C2:C4"]
    assert merged_cells_in(table, 3) == ["D2:D3"]
    assert merged_cells_in(table, 9) == []


def test_a_merge_across_columns_in_the_data_area_is_not_copied_sideways():
    content = xlsx([["合同编号", "金额", "备注"], ["HT1", "见备注说明", None], ["HT2", 5, "x"]], merges=["B2:C2"])
    table = read_table(content, file_name="loans.xlsx")
    assert table.merged_ranges == ["B2:C2"]
    assert table.rows[0].cells == (
        T("HT1"),
        Cell(CellKind.TEXT, "见备注说明", "B2:C2"),
        Cell(CellKind.EMPTY, None, "B2:C2"),
    )
    assert merged_cells_in(table, 2) == ["B2:C2"]


def test_data_away_from_a1_loses_its_empty_edge_columns_and_keeps_row_numbers():
    rows = [[], [], [], [], [None, None, "合同编号", None, "金额"], [None, None, "HT1", None, 5]]
    table = read_table(xlsx(rows), file_name="offset.xlsx")
    assert table.header_row == 5
    assert table.raw_headers == ["合同编号", "", "金额"]  # the inner empty column stays
    assert values(table) == [(6, (T("HT1"), EMPTY_CELL, N("5")))]


def test_duplicate_and_full_width_headers_in_xlsx():
    content = xlsx([["合同编号", "ＡＭＯＵＮＴ", "合同编号（必填）", "amount "], ["HT1", 1, "HT1", 2]])
    table = read_table(content, file_name="dups.xlsx")
    assert table.headers == ["合同编号", "amount", "合同编号", "amount"]
    assert table.duplicate_headers == {"合同编号": [0, 2], "amount": [1, 3]}


def test_sheet_choice_first_visible_by_default_listed_and_chosen_by_name():
    content = xlsx(
        sheets=[
            Sheet("说明", [["这是隐藏的说明页"]], hidden=True),
            Sheet("贷款", [["合同编号"], ["HT1"]]),
            Sheet("担保", [["保证人"], ["甲公司"]]),
        ]
    )
    table = read_table(content, file_name="book.xlsx")
    assert (table.sheet_name, table.sheet_names) == ("贷款", ["说明", "贷款", "担保"])
    assert values(table) == [(2, (T("HT1"),))]
    table = read_table(content, file_name="book.xlsx", sheet="担保")
    assert (table.sheet_name, table.raw_headers) == ("担保", ["保证人"])
    with pytest.raises(FileRefused) as caught:
        read_table(content, file_name="book.xlsx", sheet="不存在")
    assert caught.value.code == "no_such_sheet"
    assert caught.value.message == "The workbook has no sheet “不存在”. Its sheets: 说明, 贷款, 担保."


def test_xlsm_reads_like_xlsx():
    table = read_table(xlsx([["合同编号"], ["HT1"]]), file_name="macro.XLSM")
    assert (table.format, values(table)) == ("xlsm", [(2, (T("HT1"),))])


# --- refused files ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "name", "code"),
    [
        (b"", "empty.xlsx", "empty"),
        (b"", "empty.csv", "empty"),
        (b"\r\n,,\r\n\r\n", "blank.csv", "empty"),
        (csv_bytes([HEADER]), "named.xlsx", "not_xlsx"),
        (b"PK\x03\x04" + b"\x00" * 64, "damaged.xlsx", "damaged"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "old.xlsx", "xls"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "old.xls", "xls"),
        (b"%PDF-1.4", "scan.pdf", "format"),
    ],
)
def test_files_that_cannot_be_read_are_refused_with_a_code(content, name, code):
    with pytest.raises(FileRefused) as caught:
        read_table(content, file_name=name)
    assert caught.value.code == code
    assert caught.value.message


def test_a_workbook_named_csv_is_refused():
    with pytest.raises(FileRefused) as caught:
        read_table(xlsx([["a"]]), file_name="export.csv")
    assert caught.value.code == "not_csv"


def test_an_empty_sheet_is_refused_naming_it():
    content = xlsx(sheets=[Sheet("空表", [])])
    with pytest.raises(FileRefused) as caught:
        read_table(content, file_name="empty.xlsx")
    assert (caught.value.code, caught.value.message) == ("empty", "The sheet “空表” is empty.")


# --- the XML pass: the pattern pass and the parser agree, and the parser takes over when in doubt ----

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def sheet_archive(sheet_data: str, *, prefix: str = "") -> zipfile.ZipFile:
    p = f"{prefix}:" if prefix else ""
    declaration = f'xmlns:{prefix}="{MAIN}"' if prefix else f'xmlns="{MAIN}"'
    xml = f'<?xml version="1.0"?><{p}worksheet {declaration}><{p}sheetData>{sheet_data}</{p}sheetData></{p}worksheet>'
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/worksheets/sheet1.xml", xml)
    return zipfile.ZipFile(io.BytesIO(buffer.getvalue()))


SHEET_DATA = (
    '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1"><f>A1*2</f><v>4</v></c></row>'
    '<row r="2"><c r="A2"><f>1+1</f></c><c r="B2" s="3"><f t="shared" ref="B2:B3" si="0">A2*2</f><v></v></c>'
    '<c r="C2" t="str"><f>""</f><v></v></c><c r="D2" t="e"><f>1/0</f><v>#DIV/0!</v></c></row>'
    '<row r="3"><c r="B3"><f t="shared" si="0"/></c><c r="C3" t="e"><v>#N/A</v></c>'
    '<c r="D3" t="inlineStr"><f>"x"</f><is><t>x</t></is></c></row>'
)
EXPECTED = {
    (1, 0): Cell(CellKind.FORMULA_NO_VALUE, None),
    (1, 1): Cell(CellKind.FORMULA_NO_VALUE, None),
    (1, 3): Cell(CellKind.ERROR, "#DIV/0!"),
    (2, 1): Cell(CellKind.FORMULA_NO_VALUE, None),
    (2, 2): Cell(CellKind.ERROR, "#N/A"),
}


def test_the_pattern_pass_and_the_parser_find_the_same_cells():
    archive = sheet_archive(SHEET_DATA)
    path = "xl/worksheets/sheet1.xml"
    assert xlsx_reader._scan_fast(archive, path) == EXPECTED
    assert xlsx_reader._scan_with_parser(archive, path) == EXPECTED


def test_a_namespace_prefix_is_read_by_the_pattern_pass():
    prefixed = SHEET_DATA.replace("<", "<x:").replace("<x:/", "</x:")
    archive = sheet_archive(prefixed, prefix="x")
    assert xlsx_reader._scan_fast(archive, "xl/worksheets/sheet1.xml") == EXPECTED
    assert xlsx_reader._scan_sheet(archive, "xl/worksheets/sheet1.xml") == EXPECTED


@pytest.mark.parametrize(
    "sheet_data",
    [
        '<row r="1"><c r="A1"><v>1</v></c><c><f>A1+1</f></c></row>',  # a cell without "r": B1
        '<row r="1"><c r="A1"><v>1</v></c><c r="B1"><f><![CDATA[A1+1]]></f></c></row>',  # CDATA
        '<row r="1"><c r="A1"><v>1</v></c><c r="B1">\n  <f>A1+1</f>\n</c>\n</row>',  # pretty-printed, still read
    ],
)
def test_what_the_patterns_cannot_account_for_goes_to_the_parser(sheet_data):
    archive = sheet_archive(sheet_data)
    no_value = Cell(CellKind.FORMULA_NO_VALUE, None)
    assert xlsx_reader._scan_sheet(archive, "xl/worksheets/sheet1.xml") == {(0, 1): no_value}
    if "CDATA" in sheet_data or "<c>" in sheet_data:
        assert xlsx_reader._scan_fast(archive, "xl/worksheets/sheet1.xml") is None


def test_one_formula_without_a_value_is_named_in_the_singular():
    table = read_table(xlsx([["合同编号", "合计"], ["HT1", Formula("=1+1")]]), file_name="one.xlsx")
    assert table.problems == [
        "1 formula cell has no saved value (B2): the program that wrote the file did not calculate it. Open the "
        "file in Excel, save it and upload it again."
    ]


def test_messages_are_translated_for_zh_hans_users():
    with translation.override("zh-hans"):
        with pytest.raises(FileRefused) as caught:
            read_table(b"%PDF-1.4", file_name="scan.pdf")
        assert caught.value.message == "“scan.pdf”不是可以导入的文件：请上传 .xlsx、.xlsm、.csv 或 .tsv 文件。"
        table = read_table(csv_bytes([["标题"], HEADER, ROW]), file_name="a.csv", known_headers=HEADER)
        assert table.problems == ["表头在第 2 行，上面的行未读入。"]
