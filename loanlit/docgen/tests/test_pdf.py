"""PDF through LibreOffice with CJK fonts: the text extracted from the PDF is the Chinese source."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine

from loanlit.docgen import pdf, services
from loanlit.docgen.tests.helpers import stored_bytes
from loanlit.docgen.tests.support import BANK, BORROWER, CUT_OFF, GUARANTOR, build_world

pytestmark = pytest.mark.skipif(
    pdf.soffice_path() is None,
    reason="LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui to run the PDF test",
)
NOW = dt.datetime(2026, 12, 5, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _pdf_text(content: bytes) -> str:
    import pypdfium2

    document = pypdfium2.PdfDocument(content)
    try:
        return "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    finally:
        document.close()


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_generated_pdf_text_matches_the_chinese_source(personas):
    world = build_world(personas)
    with time_machine.travel(NOW, tick=False):
        document = services.document_generate(
            actor=personas.case_handler,
            case=world.case,
            template_code="complaint_element_financial_loan",
            cut_off=CUT_OFF,
            output="pdf",
        )

    content = stored_bytes(document)
    assert content.startswith(b"%PDF-")
    assert document.current_version.original_name.endswith(".pdf")
    text = _squash(_pdf_text(content))
    for expected in (
        "民事起诉状",
        "（金融借款合同纠纷）",
        BANK,
        BORROWER,
        GUARANTOR,
        world.ric,
        "壹拾万肆仟贰佰肆拾陆元玖角",
        "104,246.90",
        "2026年12月3日",
        "☑是",
        "北京市朝阳区人民法院",
        "日期：2026年12月5日",
    ):
        assert _squash(expected) in text, expected


def test_pdf_fonts_are_noto_cjk_for_songti_and_heiti():
    import subprocess

    def match(family: str) -> str:
        env = {"FONTCONFIG_FILE": str(pdf.FONTS_CONF), "PATH": "/usr/bin:/bin"}
        result = subprocess.run(["fc-match", family], env=env, capture_output=True, text=True, check=True)
        return result.stdout

    assert "Noto Serif CJK SC" in match("SimSun")
    assert "Noto Serif CJK SC" in match("宋体")
    assert "Noto Serif CJK SC" in match("仿宋")
    assert "Noto Sans CJK SC" in match("黑体")
    assert "Noto Sans CJK SC" in match("SimHei")
