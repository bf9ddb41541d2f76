"""Header normalisation, header-row detection and duplicate headers (issue 6)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from loanlit.imports.headers import detect_header_row, duplicate_headers, normalise_header
from loanlit.imports.table import EMPTY_CELL, Cell, CellKind


def text(value: str) -> Cell:
    return Cell(CellKind.TEXT, value)


def number(value: str) -> Cell:
    return Cell(CellKind.NUMBER, Decimal(value))


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("合同编号", "合同编号"),
        ("  合同编号  ", "合同编号"),
        ("\u3000合同编号\u3000", "合同编号"),  # ideographic spaces
        ("合同编号*", "合同编号"),
        ("* 合同编号", "合同编号"),
        ("合同编号＊", "合同编号"),  # full-width asterisk
        ("身份证号（必填）", "身份证号"),
        ("身份证号(必填)", "身份证号"),
        ("身份证号 【必填】", "身份证号"),
        ("【必填项】身份证号", "身份证号"),
        ("合同编号*（必填）", "合同编号"),
        ("Loan Amount (required)", "loan amount"),
        ("借款人\n身份证号", "借款人身份证号"),  # Alt+Enter inside a header
        ("贷款 金额（元）", "贷款金额(元)"),
        ("Loan   Amount", "loan amount"),
        ("ＣＯＮＴＲＡＣＴ　ＮＯ．", "contract no."),  # full-width Latin, NFKC
        ("\ufeff合同号", "合同号"),  # a stray BOM
        ("合\u200b同号", "合同号"),  # a zero-width space
        ("Contract No", "contract no"),
        ("*", ""),
        ("", ""),
    ],
)
def test_normalise_header(raw, normalised):
    assert normalise_header(raw) == normalised


def test_normalise_header_is_idempotent():
    for raw in ("身份证号（必填）", "ＣＯＮＴＲＡＣＴ　ＮＯ", "借款人\n身份证号 *"):
        once = normalise_header(raw)
        assert normalise_header(once) == once


def test_header_row_below_a_title_row_and_a_merged_group_title():
    rows = [
        [text("XX银行不良贷款清单")],  # title (merged across the sheet: only the anchor holds it)
        [text("制表日期：2024-01-31"), EMPTY_CELL, EMPTY_CELL, text("单位：元")],
        [EMPTY_CELL, text("借款人信息"), EMPTY_CELL, text("贷款信息")],  # merged group titles
        [text("合同编号"), text("姓名"), text("身份证号"), text("贷款金额"), text("放款日期")],
        [text("HT2023001"), text("张三"), text("110101199001011234"), number("1234.56"), text("2023-03-15")],
        [text("HT2023002"), text("李四"), text("110101199001011235"), number("10"), text("2023-03-16")],
    ]
    assert detect_header_row(rows) == 3
    assert detect_header_row(rows, known_headers=["合同编号", "身份证号"]) == 3


def test_known_headers_outweigh_a_wider_row_of_other_texts():
    rows = [
        [text("说明"), text("本表"), text("由核心系统"), text("导出"), text("请勿修改"), text("格式")],
        [text("合同编号"), text("金额"), text("备注")],
        [text("HT2023001"), number("5"), text("张三")],
    ]
    assert detect_header_row(rows) == 0
    assert detect_header_row(rows, known_headers=["合同编号 *", "金额"]) == 1


def test_csv_data_rows_of_text_do_not_beat_the_header():
    # In a CSV every cell is text: amounts, dates, codes and IDs must not look like headers.
    rows = [
        [text(f"列{i}") for i in range(6)],
        [
            text("HT00000001"),
            text("张三"),
            text("1,234.56"),
            text("2023年3月15日"),
            text("11010119900101123X"),
            text("1,000元"),
        ],
    ]
    assert detect_header_row(rows) == 0


def test_first_row_wins_a_tie():
    rows = [[text("合同编号"), text("姓名")], [text("张三"), text("李四")]]
    assert detect_header_row(rows) == 0


def test_rows_without_text_give_the_first_row():
    assert detect_header_row([[number("1"), number("2")], [number("3")]]) == 0
    assert detect_header_row([]) == 0


def test_duplicate_headers_map_each_normalised_header_to_its_columns():
    headers = [normalise_header(h) for h in ["合同编号", "金额", " 合同编号 ", "", "", "ＡＢ", "ab"]]
    assert duplicate_headers(headers) == {"合同编号": [0, 2], "ab": [5, 6]}
