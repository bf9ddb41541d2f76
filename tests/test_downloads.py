from __future__ import annotations

import io

import pytest

from loanlit.core.downloads import ascii_fallback, content_disposition, file_response


def test_chinese_filename_gets_an_ascii_fallback_and_an_rfc5987_name():
    response = file_response(b"PK\x03\x04", "起诉状-张三.docx")

    assert response["Content-Disposition"] == (
        "attachment; filename=\"download.docx\"; filename*=UTF-8''%E8%B5%B7%E8%AF%89%E7%8A%B6-%E5%BC%A0%E4%B8%89.docx"
    )
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content == b"PK\x03\x04"


def test_quotes_and_semicolons_cannot_break_out_of_the_header():
    response = file_response(b"x", 'report "Q1"; filename=evil.exe.pdf')

    assert response["Content-Disposition"] == (
        'attachment; filename="report _Q1__ filename=evil.exe.pdf"; '
        "filename*=UTF-8''report%20%22Q1%22%3B%20filename%3Devil.exe.pdf"
    )
    assert response["Content-Type"] == "application/pdf"


def test_plain_ascii_name_needs_no_extended_parameter():
    assert content_disposition("judgment-2026.pdf") == 'attachment; filename="judgment-2026.pdf"'
    assert content_disposition("judgment-2026.pdf", as_attachment=False) == 'inline; filename="judgment-2026.pdf"'


def test_path_separators_and_control_characters_are_dropped_from_the_name():
    assert content_disposition("../../etc/pa\r\nsswd.txt") == 'attachment; filename="passwd.txt"'
    assert ascii_fallback("Überweisung.pdf") == "Uberweisung.pdf"


def test_file_response_streams_a_path_and_a_file_object(tmp_path):
    target = tmp_path / "pack.zip"
    target.write_bytes(b"zip-bytes")

    from_path = file_response(target, "批量诉讼材料.zip")
    from_file = file_response(io.BytesIO(b"abc"), "notes.txt", content_type="text/plain; charset=utf-8")

    assert b"".join(from_path.streaming_content) == b"zip-bytes"
    assert from_path["Content-Type"] == "application/zip"
    assert from_path["Content-Disposition"].startswith('attachment; filename="download.zip"; filename*=UTF-8')
    assert b"".join(from_file.streaming_content) == b"abc"
    assert from_file["Content-Type"] == "text/plain; charset=utf-8"
    assert from_file["X-Content-Type-Options"] == "nosniff"


def test_unknown_type_is_sent_as_octet_stream():
    assert file_response(b"", "data.unknownext")["Content-Type"] == "application/octet-stream"


def test_unsupported_source_is_refused():
    with pytest.raises(TypeError):
        file_response(12345, "x.bin")  # type: ignore[arg-type]
