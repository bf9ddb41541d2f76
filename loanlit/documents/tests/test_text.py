"""Text for the index: extraction from real .docx and PDF files, CJK bigrams, personal numbers as tokens."""

from __future__ import annotations

import io
import subprocess

import pytest

from loanlit.core import crypto
from loanlit.documents import previews, text
from loanlit.documents.tests.support import pdf_bytes
from loanlit.parties.models import Party, PartyContact

ID_NUMBER = "11010519900307002X"
MOBILE = "13800138000"


def docx_bytes() -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph("民事起诉状")
    document.add_paragraph(f"被告：张三，身份证号{ID_NUMBER.lower()}，电话 138-0013-8000。")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "借款本金"
    table.cell(0, 1).text = "100000元"
    table.cell(1, 0).text = "担保人"
    table.cell(1, 1).text = "李四"
    document.sections[0].header.is_linked_to_previous = False
    document.sections[0].header.paragraphs[0].text = "某银行法律部"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_index_text_is_cjk_bigrams_and_lower_cased_words_each_once():
    assert text.index_text_for("借款合同 Loan-Contract 2024年，借款") == "借款 款合 合同 loan contract 2024 年"


def test_a_lone_cjk_character_stays_a_unigram_and_full_width_forms_fold():
    assert text.index_text_for("甲 ＡＢＣ１２３ 乙方") == "甲 abc123 乙方"


def test_id_numbers_and_mobiles_become_the_tokens_of_their_party_field_digests():
    ric_digest = Party._meta.get_field("id_number").hmac_for(ID_NUMBER)
    mobile_digest = PartyContact._meta.get_field("phone").hmac_for(MOBILE)

    tokens = text.index_text_for(f"身份证{ID_NUMBER.lower()}手机+86 138 0013 8000").split()

    assert tokens == ["身份", "份证", "pdric" + ric_digest[:32], "手机", "pdmob" + mobile_digest[:32]]
    assert ric_digest == crypto.keyed_hmac(ID_NUMBER, purpose="pd:ric")


def test_the_query_for_a_number_is_tokenised_the_same_way():
    assert text.query_tokens(ID_NUMBER) == [text.personal_token("ric", ID_NUMBER)]
    assert text.query_tokens("13800138000") == [text.personal_token("mobile", MOBILE)]
    assert text.query_tokens("138 0013 8000") == [text.personal_token("mobile", MOBILE)]


def test_longer_digit_runs_are_not_taken_for_ids_or_mobiles():
    # A 19-digit bank card and a 12-digit number are left as they are.
    assert (
        text.index_text_for("卡号6222020200112233445 编号138001380001") == "卡号 6222020200112233445 编号 138001380001"
    )


def test_docx_paragraphs_tables_and_headers_are_extracted(tmp_path):
    path = tmp_path / "complaint.docx"
    path.write_bytes(docx_bytes())

    extracted = text.extract_text(path, previews.detect_kind(path))

    assert extracted.split("\n") == [
        "民事起诉状",
        f"被告：张三，身份证号{ID_NUMBER.lower()}，电话 138-0013-8000。",
        "借款本金",
        "100000元",
        "担保人",
        "李四",
        "某银行法律部",
    ]
    index_text = text.index_text_for(extracted)
    assert ID_NUMBER not in index_text.upper()
    assert MOBILE not in index_text
    assert "138" not in index_text
    assert text.personal_token("ric", ID_NUMBER) in index_text.split()
    assert text.personal_token("mobile", MOBILE) in index_text.split()


def test_a_pdf_text_layer_is_extracted(tmp_path):
    path = tmp_path / "contract.pdf"
    path.write_bytes(pdf_bytes("Loan contract LC2024", pages=2))

    extracted = text.extract_text(path, "pdf")

    assert [line.strip() for line in extracted.splitlines()] == ["Loan contract LC2024 1", "Loan contract LC2024 2"]
    assert text.index_text_for(extracted) == "loan contract lc2024 1 2"


def test_an_image_only_pdf_has_no_text(tmp_path):
    from PIL import Image

    path = tmp_path / "scan.pdf"
    Image.new("RGB", (200, 200), "black").save(path, format="PDF")

    assert text.extract_text(path, "pdf").strip() == ""


@pytest.mark.skipif(previews.libreoffice_path() is None, reason="LibreOffice (soffice) is not installed")
def test_a_chinese_pdf_made_by_libreoffice_has_its_text_extracted(tmp_path):
    source = tmp_path / "complaint.docx"
    source.write_bytes(docx_bytes())
    subprocess.run(
        [
            previews.libreoffice_path(),
            f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )

    extracted = text.extract_text(tmp_path / "complaint.pdf", "pdf")

    assert "民事起诉状" in extracted
    assert "借款本金" in extracted
    assert text.personal_token("ric", ID_NUMBER) in text.index_text_for(extracted).split()


def test_a_damaged_docx_raises_for_the_job_to_catch(tmp_path):
    path = tmp_path / "broken.docx"
    path.write_bytes(b"PK\x03\x04 not really a zip")

    with pytest.raises(Exception):  # noqa: B017 — python-docx raises several kinds
        text.extract_text(path, "docx")


def test_xlsx_cell_values_are_extracted_from_a_temporary_name(tmp_path):
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.title = "还款记录"
    workbook.active.append(["借款人", "本金", None])
    workbook.active.append(["张三", 100000, ""])
    path = tmp_path / "file.bin"
    workbook.save(path)

    assert previews.detect_kind(path) == "xlsx"
    assert text.extract_text(path, "xlsx").split("\n") == ["还款记录", "借款人", "本金", "张三", "100000"]
