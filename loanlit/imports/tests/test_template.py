"""The standard template, re-opened with openpyxl."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import load_workbook

from loanlit.imports import template
from loanlit.imports.kinds.base import FieldSpec, FieldType

from . import pipeline_support as support
from .test_mapping import ContractsKind, bilingual

# The pipeline fixtures (a module, not a conftest: other import tests share this folder).
_pipeline_settings = support._pipeline_settings


class TemplateKind(ContractsKind):
    fields = (
        *ContractsKind.fields,
        FieldSpec(
            "id_no",
            bilingual("身份证号", "ID number"),
            FieldType.ID_NUMBER,
            example="110101199003071234",
            help="18 characters",
        ),
        FieldSpec("signed_on", bilingual("签订日期", "Signed on"), FieldType.DATE, example="2024-01-31"),
        FieldSpec(
            "class_",
            bilingual("五级分类", "Risk class"),
            FieldType.CHOICE,
            choices=(("normal", bilingual("正常", "Normal")), ("loss", bilingual("损失", "Loss"))),
        ),
    )


def open_template() -> Any:
    return load_workbook(io.BytesIO(template.standard_template(TemplateKind())))


def test_the_template_has_chinese_headers_with_required_marks() -> None:
    book = open_template()
    data = book.worksheets[0]
    headers = [cell.value for cell in data[1]]
    assert headers == ["*合同编号", "*借款人姓名", "本金余额", "身份证号", "签订日期", "五级分类"]


def test_identifier_columns_are_text_formatted_and_the_example_keeps_every_digit() -> None:
    data = open_template().worksheets[0]
    assert data["D2"].value == "110101199003071234"
    assert data["D2"].number_format == "@"
    assert data["A1"].number_format == "@"
    assert data.column_dimensions["D"].number_format == "@"
    assert data.column_dimensions["A"].number_format == "@"  # the contract number
    assert data.column_dimensions["E"].number_format == "yyyy-mm-dd"


def test_choice_columns_get_a_drop_down_of_chinese_labels() -> None:
    data = open_template().worksheets[0]
    validations = data.data_validations.dataValidation
    assert len(validations) == 1
    assert validations[0].formula1 == '"正常,损失"'
    assert str(validations[0].sqref).startswith("F2:F")


def test_the_second_sheet_explains_every_field() -> None:
    guide = open_template().worksheets[1]
    assert guide.title == "Field guide"
    rows = list(guide.iter_rows(min_row=1, max_row=7, values_only=True))
    assert rows[0] == ("Column header", "Field", "Required", "Type", "Format", "Help", "Example")
    assert rows[1][:4] == ("*合同编号", "Contract number", "Yes", "Number as text (contract, account, card no.)")
    assert rows[4][0] == "身份证号" and rows[4][2] == "No" and rows[4][5] == "18 characters"
    assert rows[4][6] == "110101199003071234"
    assert rows[5][4] == "YYYY-MM-DD, e.g. 2024-01-31 (2024/1/31 and Excel dates are read too)."
    assert rows[6][4] == "One of: 正常 / 损失."


def test_the_template_is_named_after_the_kind_in_chinese() -> None:
    assert template.template_file_name(TemplateKind()) == "合同.xlsx"
