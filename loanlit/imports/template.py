"""The downloadable standard template of an import kind, generated from its ``FieldSpec``s.

Sheet 1 is the file to fill in: the zh-Hans labels as headers (the pipeline recognises them exactly), a
"*" on required fields, every identifier, ID-number, phone and text column formatted as text ("@") so
Excel keeps leading zeros and all 18 digits of an ID, dates and amounts formatted, a drop-down for
choice fields, and one example row. Sheet 2 explains every field in the reader's language.
"""

from __future__ import annotations

import io

import xlsxwriter
from django.utils import translation
from django.utils.translation import gettext as _

from loanlit.imports.kinds.base import FieldSpec, FieldType, ImportKind

REQUIRED_MARK = "*"
TEXT_TYPES = (FieldType.IDENTIFIER, FieldType.ID_NUMBER, FieldType.PHONE, FieldType.TEXT)
EXAMPLE_ROWS = 1
FORMATTED_ROWS = 5000  # the text format is applied to the column; validation to this many rows
MAX_LIST_CHARS = 255  # Excel's limit for an inline list in data validation


def zh_label(spec: FieldSpec) -> str:
    with translation.override("zh-hans"):
        return str(spec.label)


def header_text(spec: FieldSpec) -> str:
    return f"{REQUIRED_MARK}{zh_label(spec)}" if spec.required else zh_label(spec)


def type_text(spec: FieldSpec) -> str:
    texts = {
        FieldType.TEXT: _("Text"),
        FieldType.IDENTIFIER: _("Number as text (contract, account, card no.)"),
        FieldType.ID_NUMBER: _("ID number (resident ID, USCC, passport)"),
        FieldType.PHONE: _("Phone number"),
        FieldType.DATE: _("Date"),
        FieldType.DATETIME: _("Date and time"),
        FieldType.AMOUNT: _("Amount"),
        FieldType.RATE: _("Rate (percent a year)"),
        FieldType.INTEGER: _("Whole number"),
        FieldType.CHOICE: _("One of a list"),
        FieldType.BOOL: _("Yes or no"),
    }
    return texts[spec.type]


def format_text(spec: FieldSpec) -> str:
    if spec.type in (FieldType.IDENTIFIER, FieldType.ID_NUMBER, FieldType.PHONE):
        return _("Enter as text: keep every digit and leading zero; do not let Excel turn it into a number.")
    if spec.type == FieldType.DATE:
        return _("YYYY-MM-DD, e.g. 2024-01-31 (2024/1/31 and Excel dates are read too).")
    if spec.type == FieldType.DATETIME:
        return _("YYYY-MM-DD hh:mm, e.g. 2024-01-31 09:30.")
    if spec.type == FieldType.AMOUNT:
        if spec.places is not None:
            return _("Yuan, up to %(places)s decimal places, without currency sign, e.g. 1234.56.") % {
                "places": spec.places
            }
        return _("Yuan, without currency sign, e.g. 1234.56.")
    if spec.type == FieldType.RATE:
        return _("Percent a year, e.g. 4.35 or 4.35%.")
    if spec.type == FieldType.INTEGER:
        return _("A whole number, e.g. 30.")
    if spec.type == FieldType.CHOICE:
        with translation.override("zh-hans"):
            options = [str(label) for _value, label in spec.choices]
        return _("One of: %(options)s.") % {"options": " / ".join(options)}
    if spec.type == FieldType.BOOL:
        return _("Yes or no (also Y/N, 1/0).")
    if spec.max_length:
        return _("At most %(count)s characters.") % {"count": spec.max_length}
    return ""


def standard_template(kind: ImportKind) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}
    )
    text = book.add_format({"num_format": "@"})
    date_fmt = book.add_format({"num_format": "yyyy-mm-dd"})
    datetime_fmt = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    amount_fmt = book.add_format({"num_format": "#,##0.00"})
    header = book.add_format(
        {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top", "num_format": "@"}
    )
    required_header = book.add_format(
        {
            "bold": True,
            "bg_color": "#DDEBF7",
            "border": 1,
            "text_wrap": True,
            "valign": "top",
            "font_color": "#C00000",
            "num_format": "@",
        }
    )
    with translation.override("zh-hans"):
        data_title = _("Data")
        kind_label = str(kind.label)
    sheet = book.add_worksheet(data_title[:31])
    for col, spec in enumerate(kind.fields):
        sheet.write_string(0, col, header_text(spec), required_header if spec.required else header)
        if spec.type in TEXT_TYPES:
            column_format = text
        elif spec.type == FieldType.DATE:
            column_format = date_fmt
        elif spec.type == FieldType.DATETIME:
            column_format = datetime_fmt
        elif spec.type == FieldType.AMOUNT:
            column_format = amount_fmt
        else:
            column_format = None
        width = max(12, min(40, len(header_text(spec)) * 2 + 4))
        sheet.set_column(col, col, width, column_format)
        if spec.help:
            sheet.write_comment(0, col, str(spec.help))
        if spec.type == FieldType.CHOICE and spec.choices:
            with translation.override("zh-hans"):
                options = [str(label) for _value, label in spec.choices]
            if len(",".join(options)) <= MAX_LIST_CHARS:
                sheet.data_validation(
                    1, col, FORMATTED_ROWS, col, {"validate": "list", "source": options, "ignore_blank": True}
                )
        elif spec.type == FieldType.BOOL:
            sheet.data_validation(1, col, FORMATTED_ROWS, col, {"validate": "list", "source": ["Y", "N"]})
        if spec.example:
            # The example is text in every column: the pipeline reads text for every type, and the user
            # overwrites the row anyway.
            sheet.write_string(1, col, spec.example, text if spec.type in TEXT_TYPES else None)
    sheet.freeze_panes(1, 0)

    guide = book.add_worksheet(_("Field guide")[:31])
    bold = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    titles = [_("Column header"), _("Field"), _("Required"), _("Type"), _("Format"), _("Help"), _("Example")]
    widths = [24, 24, 10, 28, 50, 50, 20]
    for col, (title, width) in enumerate(zip(titles, widths, strict=True)):
        guide.write_string(0, col, title, bold)
        guide.set_column(col, col, width, wrap)
    for row, spec in enumerate(kind.fields, start=1):
        guide.write_string(row, 0, header_text(spec))
        guide.write_string(row, 1, str(spec.label))
        guide.write_string(row, 2, _("Yes") if spec.required else _("No"))
        guide.write_string(row, 3, type_text(spec))
        guide.write_string(row, 4, format_text(spec))
        guide.write_string(row, 5, str(spec.help or ""))
        guide.write_string(row, 6, spec.example, text)
    note_row = len(kind.fields) + 2
    guide.write_string(
        note_row,
        0,
        _(
            "Columns marked * are required. The header names the field: keep it, the column order does not "
            "matter. Template of: %(kind)s."
        )
        % {"kind": kind_label},
    )
    guide.freeze_panes(1, 0)
    book.close()
    return buffer.getvalue()


def template_file_name(kind: ImportKind) -> str:
    with translation.override("zh-hans"):
        return f"{kind.label}.xlsx"
