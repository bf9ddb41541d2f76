"""Search: the index holds tokens, not personal numbers; results stay within the user's scope."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.urls import reverse

from loanlit.documents import previews, search, services, tasks, text
from loanlit.documents.models import DocumentText
from loanlit.documents.tests.support import add_pdf, case_in_branch_b, make_case_world

pytestmark = pytest.mark.django_db

ID_NUMBER = "110105199003070028"
MOBILE = "13912345678"


@pytest.fixture(autouse=True)
def media(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    # Search needs the text only: skip the LibreOffice rendering of the .docx previews (test_preview.py).
    monkeypatch.setattr(previews, "libreoffice_path", lambda: None)


@pytest.fixture
def world(personas):
    return make_case_world(personas)


def docx_bytes(*paragraphs: str) -> bytes:
    import docx

    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def add_docx(world, *paragraphs: str, case=None, actor=None, title: str = "起诉状"):
    document = services.document_add(
        actor=actor or world.handler,
        case=case or world.case,
        category="complaint",
        title=title,
        filename=f"{title}.docx",
        content=docx_bytes(*paragraphs),
    )
    tasks.process_version(document.current_version_id)
    return document


def found(user, q) -> list[int]:
    return [document.pk for document in search.document_search_for_user(user=user, q=q)]


def test_the_index_holds_tokens_never_the_plain_numbers(world):
    document = add_docx(world, f"被告张三，身份证号码{ID_NUMBER}，手机{MOBILE}，借款合同纠纷。")

    row = DocumentText.objects.get(version=document.current_version)
    assert ID_NUMBER not in row.index_text
    assert MOBILE not in row.index_text
    assert row.index_text.split() == [
        "被告",
        "告张",
        "张三",
        "身份",
        "份证",
        "证号",
        "号码",
        text.personal_token("ric", ID_NUMBER),
        "手机",
        text.personal_token("mobile", MOBILE),
        "借款",
        "款合",
        "合同",
        "同纠",
        "纠纷",
    ]
    document.current_version.refresh_from_db()
    assert document.current_version.text_extracted is True


def test_searching_the_exact_id_or_mobile_finds_the_document(world):
    document = add_docx(world, f"被告身份证号码{ID_NUMBER}，手机{MOBILE}。")
    add_docx(world, "另一份与此无关的文件", title="其他")

    assert found(world.handler, ID_NUMBER) == [document.pk]
    assert found(world.handler, "139 1234 5678") == [document.pk]
    assert found(world.handler, ID_NUMBER[:12]) == []  # a part of the number is not searchable


def test_chinese_words_are_found_by_their_bigrams_and_all_words_must_match(world):
    complaint = add_docx(world, "民事起诉状：金融借款合同纠纷", title="诉状")
    letter = add_docx(world, "律师函：请于十日内归还借款", title="函")

    assert found(world.handler, "借款合同") == [complaint.pk]
    assert sorted(found(world.handler, "借款")) == sorted([complaint.pk, letter.pk])
    assert found(world.handler, "借款 律师") == [letter.pk]
    assert found(world.handler, "借") != []  # a single character is a prefix of its bigrams
    assert found(world.handler, "担保合同") == []
    assert found(world.handler, "   ") == []


def test_pdf_text_is_searched_case_insensitively(world):
    document = add_pdf(world.case, world.handler, text="Loan Contract LC2024-77")
    tasks.process_version(document.current_version_id)

    assert found(world.handler, "lc2024 CONTRACT") == [document.pk]


def test_results_stay_within_scope(world):
    mine = add_docx(world, f"借款合同 {ID_NUMBER}")
    theirs_case = case_in_branch_b(world)
    theirs = add_docx(world, f"借款合同 {ID_NUMBER}", case=theirs_case, actor=world.outsider)

    assert found(world.handler, ID_NUMBER) == [mine.pk]
    assert found(world.outsider, ID_NUMBER) == [theirs.pk]
    assert found(world.personas.outsider_creditor, ID_NUMBER) == []
    assert found(world.personas.outsider_creditor, "借款合同") == []


def test_documents_in_the_recycle_bin_are_not_found(world):
    document = add_docx(world, "借款合同")
    document.refresh_from_db()
    services.document_move_to_bin(actor=world.handler, document=document, version=document.version)

    assert found(world.handler, "借款合同") == []


def test_only_the_current_version_is_searched(world):
    document = add_docx(world, "第一稿：保证合同")
    document.refresh_from_db()
    version = services.version_add(
        actor=world.handler,
        document=document,
        filename="第二稿.docx",
        content=docx_bytes("第二稿：抵押合同"),
        version=document.version,
    )
    tasks.process_version(version.pk)

    assert found(world.handler, "抵押") == [document.pk]
    assert found(world.handler, "保证") == []


def test_the_title_is_searched_too(world):
    document = add_pdf(world.case, world.handler, title="还款记录 2024")

    assert found(world.handler, "还款记录") == [document.pk]


def test_the_index_follows_the_text_rows(world):
    document = add_docx(world, "借款合同")
    row = DocumentText.objects.get(version=document.current_version)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT rowid FROM {search.FTS_TABLE} WHERE {search.FTS_TABLE} MATCH %s", ['"合同"'])
            assert [r[0] for r in cursor.fetchall()] == [row.pk]
        search.index_rebuild()
        assert found(world.handler, "合同") == [document.pk]
        DocumentText.objects.filter(pk=row.pk).update(index_text="抵押")
        assert found(world.handler, "合同") == []
        DocumentText.objects.filter(pk=row.pk).delete()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {search.FTS_TABLE} WHERE {search.FTS_TABLE} MATCH %s", ['"抵押"'])
            assert cursor.fetchone()[0] == 0
    elif connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'documents_text_tsv_gin'")
            (definition,) = cursor.fetchone()
        assert "gin (to_tsvector('simple'::regconfig, index_text))" in definition
        assert found(world.handler, "合同") == [document.pk]


def test_the_search_page_shows_scoped_results(world, client):
    document = add_docx(world, f"身份证{ID_NUMBER}", title="民事起诉状（张三）")
    url = reverse("documents:search")

    client.force_login(world.handler)
    response = client.get(url, {"q": ID_NUMBER})
    assert response.status_code == 200
    assert [d.pk for d in response.context["results"]] == [document.pk]
    assert "民事起诉状（张三）" in response.content.decode()
    assert ID_NUMBER in response.content.decode()  # only in the search box, as typed

    client.force_login(world.outsider)
    response = client.get(url, {"q": ID_NUMBER})
    assert response.status_code == 200
    assert response.context["results"] == []
    assert "民事起诉状（张三）" not in response.content.decode()


def test_the_search_page_without_a_query_shows_the_form(world, client):
    client.force_login(world.handler)

    response = client.get(reverse("documents:search"))

    assert response.status_code == 200
    assert response.context["searched"] is False
    assert 'name="q"' in response.content.decode()
