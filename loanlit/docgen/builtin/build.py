"""Write the built-in .docx templates from their specs (builtin/specs/*.json).

    .venv/bin/python -m loanlit.docgen.builtin.build          # rewrites loanlit/docgen/builtin/*.docx

Every placeholder is written as one Word run, so the upload check (``render.check_template``) passes
and docxtpl never sees a tag split by formatting. The output is deterministic for a given spec (fixed
core properties), so a rebuild without spec changes leaves the committed files byte-for-byte alike
apart from the zip timestamps python-docx writes.
"""

from __future__ import annotations

import datetime as dt
import io
import sys
from typing import Any

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from loanlit.docgen.specs import builtin_specs, docx_path

BODY_FONT = "SimSun"
TITLE_FONT = "SimHei"
ALIGN = {"right": WD_ALIGN_PARAGRAPH.RIGHT, "center": WD_ALIGN_PARAGRAPH.CENTER}


def _font(target: Any, name: str, size: float, *, bold: bool = False) -> None:
    target.font.name = name
    target.font.size = Pt(size)
    target.font.bold = bold
    r_pr = target.element.get_or_add_rPr()
    r_fonts = r_pr.find(qn("w:rFonts"))
    if r_fonts is None:
        r_fonts = r_pr.makeelement(qn("w:rFonts"), {})
        r_pr.insert(0, r_fonts)
    r_fonts.set(qn("w:eastAsia"), name)


def _paragraph(
    document: Any, text: str, *, font: str = BODY_FONT, size: float = 12, bold: bool = False, align: str = ""
) -> None:
    paragraph = document.add_paragraph()
    if align:
        paragraph.alignment = ALIGN[align]
    _font(paragraph.add_run(text), font, size, bold=bold)


def _cell(cell: Any, text: str, *, bold: bool = False) -> None:
    _font(cell.paragraphs[0].add_run(text), BODY_FONT, 10.5, bold=bold)


def _value_text(row: dict[str, Any]) -> str:
    if "choices" in row:
        return "  ".join(f'{{{{ ({row["expr"]})|box("{choice}") }}}}' for choice in row["choices"])
    return f"{{{{ {row['expr']} }}}}"


def _table(document: Any, block: dict[str, Any]) -> None:
    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    if "repeat" in block:
        var, source = block["repeat"]
        _cell(table.add_row().cells[0], f"{{%tr for {var} in {source} %}}")
    head = table.add_row().cells
    _cell(head[0], block["label"], bold=True)
    for row in block["rows"]:
        cells = table.add_row().cells
        _cell(cells[0], row["label"])
        _cell(cells[1], _value_text(row))
    if "repeat" in block:
        _cell(table.add_row().cells[0], "{%tr endfor %}")
    for row in table.rows:
        row.cells[0].width = Cm(6)
        row.cells[1].width = Cm(10)
    document.add_paragraph()


def _grid(document: Any, block: dict[str, Any]) -> None:
    """A table with a header row and one row per item of a context list (``{%tr for %}``)."""
    columns = len(block["headers"])
    table = document.add_table(rows=0, cols=columns)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, header in zip(table.add_row().cells, block["headers"], strict=True):
        _cell(cell, header, bold=True)
    var, source = block["repeat"]
    _cell(table.add_row().cells[0], f"{{%tr for {var} in {source} %}}")
    for cell, expr in zip(table.add_row().cells, block["cells"], strict=True):
        _cell(cell, f"{{{{ {expr} }}}}")
    _cell(table.add_row().cells[0], "{%tr endfor %}")
    document.add_paragraph()


def build(spec: dict[str, Any]) -> bytes:
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.6)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    _font(document.styles["Normal"], BODY_FONT, 12)
    props = document.core_properties
    props.title, props.author, props.comments = spec["name"], "Loanlit", spec["code"]
    props.created = props.modified = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    props.last_modified_by = "Loanlit"
    props.revision = 1
    for block in spec["blocks"]:
        kind = block["type"]
        if kind == "title":
            _paragraph(document, block["text"], font=TITLE_FONT, size=22, bold=True, align="center")
        elif kind == "subtitle":
            _paragraph(document, block["text"], font=TITLE_FONT, size=16, align="center")
        elif kind == "heading":
            _paragraph(document, block["text"], font=TITLE_FONT, size=14, bold=True)
        elif kind == "para":
            _paragraph(document, block["text"], align=block.get("align", ""))
        elif kind == "list":
            _paragraph(document, f"{{%p for {block['var']} in {block['items']} %}}")
            _paragraph(document, block["text"])
            _paragraph(document, "{%p endfor %}")
        elif kind == "table":
            _table(document, block)
        elif kind == "grid":
            _grid(document, block)
        else:
            raise ValueError(f"unknown block type {kind!r} in {spec['code']}")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def main() -> int:
    for spec in builtin_specs():
        path = docx_path(spec)
        path.write_bytes(build(spec))
        print(f"wrote {path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
