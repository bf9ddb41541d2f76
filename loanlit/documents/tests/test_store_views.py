"""The document store pages: upload and download with equal SHA-256, Chinese names in the header, scope
(404 and an access-log entry), the size limit, never-inline types, the bin, purge, categories, integrity."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from loanlit.audit.models import AccessLog, AuditEntry
from loanlit.documents import services
from loanlit.documents.models import Document, DocumentCategory, DocumentVersion

from .support import add_pdf, case_in_branch_b, make_case_world, pdf_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def media(settings) -> Path:
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def world(personas):
    return make_case_world(personas)


def stored_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def download_url(document, number=1):
    return reverse("documents:download", args=[document.pk, number])


def test_several_files_upload_and_download_with_the_same_sha256_and_exact_names(client, world):
    client.force_login(world.handler)
    first, second = pdf_bytes("first"), b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 300
    response = client.post(
        reverse("documents:upload", args=[world.case.pk]),
        {
            "category": "evidence",
            "source": "court",
            "tags": "原件，扫描, 2024",
            "files": [
                SimpleUploadedFile("借款合同 (甲方) [1].pdf", first, content_type="application/pdf"),
                SimpleUploadedFile("scan 01.png", second, content_type="image/png"),
            ],
        },
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200
    payload = response.json()
    assert (payload["ok"], payload["errors"], [d["title"] for d in payload["documents"]]) == (
        True,
        [],
        ["借款合同 (甲方) [1]", "scan 01"],
    )
    documents = list(Document.objects.order_by("pk"))
    assert [(d.source, d.tags, d.category_id) for d in documents] == [
        ("court", ["原件", "扫描", "2024"], "evidence")
    ] * 2
    for document, data in zip(documents, (first, second), strict=True):
        response = client.get(download_url(document))
        assert response.status_code == 200
        content = body(response)
        assert hashlib.sha256(data).hexdigest() == document.current_version.sha256
        if document.current_version.content_type == "application/pdf":
            # A PDF is sent as a watermarked copy (loanlit.core.watermark); the stored file keeps its hash.
            assert content.startswith(b"%PDF") and content != data
        else:
            assert hashlib.sha256(content).hexdigest() == document.current_version.sha256
    response = client.get(download_url(documents[0]))
    assert response["Content-Disposition"] == (
        "attachment; filename=\"() [1].pdf\"; filename*=UTF-8''" + quote("借款合同 (甲方) [1].pdf", safe="")
    )
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    downloads = AccessLog.objects.filter(action=AccessLog.Action.DOWNLOAD, username="case_handler")
    assert downloads.count() == 3
    assert downloads.first().detail == {
        "document": documents[0].pk,
        "number": 1,
        "sha256": documents[0].current_version.sha256,
        "inline": False,
        "watermarked": True,
    }


def test_a_plain_form_post_without_javascript_redirects_with_a_message(client, world):
    client.force_login(world.handler)
    response = client.post(
        reverse("documents:upload", args=[world.case.pk]),
        {
            "category": "complaint",
            "source": "uploaded",
            "title": "起诉状",
            "files": [SimpleUploadedFile("a.pdf", pdf_bytes())],
        },
        follow=True,
    )
    assert response.redirect_chain == [(reverse("documents:case", args=[world.case.pk]), 302)]
    assert "1 document added." in response.content.decode()
    assert Document.objects.get().title == "起诉状"


def test_another_branchs_document_is_404_everywhere_and_the_refusal_is_logged(client, world):
    other_case = case_in_branch_b(world)
    foreign = add_pdf(other_case, world.outsider)
    client.force_login(world.handler)
    urls = [
        download_url(foreign),
        reverse("documents:versions", args=[foreign.pk]),
        reverse("documents:document", args=[foreign.pk]),
        reverse("documents:case", args=[other_case.pk]),
        reverse("documents:manifest_json", args=[other_case.pk]),
    ]
    missing = reverse("documents:download", args=[foreign.pk + 1000, 1])
    for url in [*urls, missing]:
        assert client.get(url).status_code == 404, url
    denied = AccessLog.objects.filter(action=AccessLog.Action.DENIED).order_by("pk")
    assert [(row.username, row.target_type, row.target_id, row.detail) for row in denied] == [
        ("case_handler", "documents.document", str(foreign.pk), {"reason": "out_of_scope", "path": urls[0]}),
        ("case_handler", "documents.document", str(foreign.pk), {"reason": "out_of_scope", "path": urls[1]}),
        ("case_handler", "documents.document", str(foreign.pk), {"reason": "out_of_scope", "path": urls[2]}),
        ("case_handler", "cases.case", str(other_case.pk), {"reason": "out_of_scope", "path": urls[3]}),
        ("case_handler", "cases.case", str(other_case.pk), {"reason": "out_of_scope", "path": urls[4]}),
    ]
    assert not AccessLog.objects.filter(action__in=[AccessLog.Action.DOWNLOAD, AccessLog.Action.EXPORT]).exists()
    # The owner of the other case gets it.
    client.force_login(world.outsider)
    assert body(client.get(download_url(foreign))).startswith(b"%PDF-")  # a watermarked copy (core.watermark)


def test_an_over_limit_upload_is_refused_with_the_message_and_nothing_is_created(client, world, settings, media):
    settings.MAX_UPLOAD_BYTES = 2048
    add_pdf(world.case, world.handler)
    before = stored_files(media)
    client.force_login(world.handler)
    response = client.post(
        reverse("documents:upload", args=[world.case.pk]),
        {"category": "evidence", "source": "uploaded", "files": [SimpleUploadedFile("大文件.bin", b"x" * 4096)]},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 413
    assert "The file is larger than the 1 MB limit. Nothing was saved." in response.content.decode()
    assert (Document.objects.count(), DocumentVersion.objects.count(), stored_files(media)) == (1, 1, before)
    assert AuditEntry.objects.filter(action="document.add").count() == 1


def test_the_service_refusal_of_an_over_limit_file_answers_413_json(client, world, settings, media, monkeypatch):
    # The upload handler is bypassed here, so the service's own streaming check answers.
    settings.MAX_UPLOAD_BYTES = 4096
    from loanlit.core import middleware

    monkeypatch.setattr(middleware.FileSizeLimitUploadHandler, "receive_data_chunk", lambda self, raw, start: raw)
    monkeypatch.setattr(middleware, "MULTIPART_OVERHEAD_BYTES", 10**6)
    client.force_login(world.handler)
    response = client.post(
        reverse("documents:upload", args=[world.case.pk]),
        {"category": "evidence", "source": "uploaded", "files": [SimpleUploadedFile("big.bin", b"y" * 5000)]},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 413
    assert response.json() == {
        "ok": False,
        "errors": ["big.bin: The file is larger than the 1 MB limit. Nothing was saved."],
        "documents": [],
    }
    assert (Document.objects.count(), stored_files(media)) == (0, [])


def test_the_upload_form_carries_the_limit_and_its_message_for_the_script(client, world, settings):
    settings.MAX_UPLOAD_BYTES = 5 * 1024 * 1024
    client.force_login(world.handler)
    html = client.get(reverse("documents:case", args=[world.case.pk])).content.decode()
    assert 'data-max-bytes="5242880"' in html
    assert 'data-msg-too-large="The file is larger than the 5 MB limit. Nothing was saved."' in html
    assert "documents/upload.js" in html
    assert "<script>" not in html


def test_html_is_stored_but_served_as_an_attachment_with_nosniff(client, world):
    html = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
    document = services.document_add(
        actor=world.handler, case=world.case, category="other", title="page", filename="page.html", content=html
    )
    client.force_login(world.handler)
    for url in (download_url(document), download_url(document) + "?inline=1"):
        response = client.get(url)
        assert response["Content-Disposition"] == 'attachment; filename="page.html"'
        assert response["Content-Type"] == "application/octet-stream"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert body(response) == html
    pdf = add_pdf(world.case, world.handler, filename="a.pdf")
    response = client.get(download_url(pdf) + "?inline=1")
    assert response["Content-Disposition"] == 'inline; filename="a.pdf"'


def test_the_document_page_lists_versions_and_a_new_version_is_added(client, world):
    document = add_pdf(world.case, world.handler, filename="v1.pdf")
    client.force_login(world.handler)
    response = client.post(
        reverse("documents:version_upload", args=[document.pk]),
        {
            "version": document.version,
            "note": "signed copy",
            "files": SimpleUploadedFile("v2 (签字).pdf", pdf_bytes("2")),
        },
    )
    assert response.status_code == 302
    stale = client.post(
        reverse("documents:version_upload", args=[document.pk]),
        {"version": document.version, "files": SimpleUploadedFile("v3.pdf", pdf_bytes("3"))},
        HTTP_ACCEPT="application/json",
    )
    assert stale.status_code == 409
    assert [v.number for v in DocumentVersion.objects.filter(document=document)] == [2, 1]
    html = client.get(reverse("documents:document", args=[document.pk])).content.decode()
    assert "v2 (签字).pdf" in html and "signed copy" in html
    assert hashlib.sha256(pdf_bytes("2")).hexdigest() in html
    assert download_url(document, 1) in html and download_url(document, 2) in html
    versions = client.get(reverse("documents:versions", args=[document.pk])).content.decode()
    assert versions.count('id="version-') == 2


def test_a_viewer_may_read_but_not_write_and_nothing_changes(client, world, personas, media):
    document = add_pdf(world.case, world.handler)
    client.force_login(personas.read_only)
    assert client.get(reverse("documents:document", args=[document.pk])).status_code == 200
    assert client.get(download_url(document)).status_code == 200
    before = stored_files(media)
    assert (
        client.post(
            reverse("documents:upload", args=[world.case.pk]),
            {"category": "evidence", "source": "uploaded", "files": [SimpleUploadedFile("a.pdf", pdf_bytes())]},
        ).status_code
        == 403
    )
    assert client.post(reverse("documents:bin", args=[document.pk]), {"version": document.version}).status_code == 403
    assert (Document.objects.count(), stored_files(media)) == (1, before)
    assert Document.objects.get().deleted_at is None


def test_bin_restore_and_purge_through_the_pages(client, world, personas, media, django_capture_on_commit_callbacks):
    document = add_pdf(world.case, world.handler, title="Old complaint")
    client.force_login(world.handler)
    response = client.post(reverse("documents:bin", args=[document.pk]), {"version": document.version})
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.deleted_at is not None
    listing = client.get(reverse("documents:case", args=[world.case.pk])).content.decode()
    assert "Old complaint" not in listing
    bin_page = client.get(reverse("documents:case_bin", args=[world.case.pk])).content.decode()
    assert "Old complaint" in bin_page and "Delete for good" not in bin_page
    client.post(reverse("documents:restore", args=[document.pk]), {"version": document.version})
    document.refresh_from_db()
    assert document.deleted_at is None
    client.post(reverse("documents:bin", args=[document.pk]), {"version": document.version})

    purge = reverse("documents:purge", args=[document.pk])
    assert client.post(purge).status_code == 403  # the handler
    client.force_login(personas.legal_manager)
    assert client.post(purge).status_code == 403
    client.force_login(world.outsider)
    assert client.post(purge).status_code == 404
    assert (Document.objects.count(), len(stored_files(media))) == (1, 1)
    assert AccessLog.objects.filter(action="denied", detail__reason="documents.purge").count() == 2

    client.force_login(world.admin)
    assert "Delete for good" in client.get(reverse("documents:case_bin", args=[world.case.pk])).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(purge)
    assert response.status_code == 302
    assert (Document.objects.count(), DocumentVersion.objects.count(), stored_files(media)) == (0, 0, [])
    assert AuditEntry.objects.filter(action="document.purge", actor=world.admin).count() == 1


def test_the_case_page_shows_the_documents_panel_by_category(client, world):
    document = add_pdf(world.case, world.handler, title="Contract A")
    services.version_add(
        actor=world.handler, document=document, filename="b.pdf", content=pdf_bytes("b"), version=document.version
    )
    client.force_login(world.handler)
    html = client.get(world.case.get_absolute_url()).content.decode()
    assert 'id="case-documents-panel"' in html
    assert "Loan contract" in html and "Contract A" in html and "v2" in html
    assert 'id="panel-upload-form"' in html


def test_categories_are_added_by_administrators(client, world):
    client.force_login(world.handler)
    assert client.get(reverse("documents:categories")).status_code == 403
    client.force_login(world.admin)
    response = client.post(
        reverse("documents:categories"), {"code": "notice", "label": "Collection notice", "order": 150}
    )
    assert response.status_code == 302
    row = DocumentCategory.objects.get(pk="notice")
    assert (row.label, row.order, row.builtin) == ("Collection notice", 150, False)
    assert "Collection notice" in client.get(reverse("documents:categories")).content.decode()


def test_the_integrity_page_names_the_missing_and_altered_files(client, world, media):
    gone = add_pdf(world.case, world.handler, title="Gone", filename="gone.pdf")
    changed = add_pdf(world.case, world.handler, title="Changed", filename="changed.pdf")
    client.force_login(world.admin)
    assert 'id="integrity-ok"' in client.get(reverse("documents:integrity")).content.decode()
    (media / gone.current_version.storage_name).unlink()
    (media / changed.current_version.storage_name).write_bytes(b"changed")
    html = client.get(reverse("documents:integrity")).content.decode()
    assert "2 files are missing or altered." in html
    assert gone.current_version.storage_name in html and changed.current_version.storage_name in html
    assert hashlib.sha256(b"changed").hexdigest() in html
    assert 'id="integrity-orphans"' not in html
    client.force_login(world.handler)
    assert client.get(reverse("documents:integrity")).status_code == 403


def test_the_manifest_downloads_are_logged_exports(client, world):
    add_pdf(world.case, world.handler)
    client.force_login(world.handler)
    response = client.get(reverse("documents:manifest_json", args=[world.case.pk]))
    data = json.loads(body(response))
    assert [len(d["versions"]) for d in data["documents"]] == [1]
    assert response["Content-Disposition"] == f'attachment; filename="{world.case.internal_no}-manifest.json"'
    response = client.get(reverse("documents:manifest_xlsx", args=[world.case.pk]))
    assert body(response)[:2] == b"PK"
    assert list(AccessLog.objects.filter(action="export").values_list("detail", flat=True)) == [
        {"format": "json"},
        {"format": "xlsx"},
    ]


def test_the_pages_speak_chinese(client, world, settings):
    document = add_pdf(world.case, world.handler, title="合同")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    client.force_login(world.admin)
    pages = {
        reverse("documents:case", args=[world.case.pk]): ["上传文档", "借款合同", "证据清单（xlsx）"],
        reverse("documents:document", args=[document.pk]): ["上传新版本", "移入回收站", "上传人"],
        reverse("documents:case_bin", args=[world.case.pk]): ["回收站为空。"],
        reverse("documents:categories"): ["新增类别", "判决书", "类别名称"],
        reverse("documents:integrity"): ["所有存储文件均存在且未被改动。"],
        reverse("documents:document_edit", args=[document.pk]): ["编辑信息"],
    }
    for url, texts in pages.items():
        with translation.override("zh-hans"):
            html = client.get(url).content.decode()
        for text in texts:
            assert text in html, (url, text)


def test_the_documents_page_takes_the_same_number_of_queries_however_many_documents(client, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.handler)
    url = reverse("documents:case", args=[world.case.pk])
    counts = []
    for total in (2, 8):
        while Document.objects.count() < total:
            add_pdf(world.case, world.handler, category=("evidence", "loan_contract")[Document.objects.count() % 2])
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_document_page_and_its_version_list_are_access_logged_as_views(client, world):
    document = add_pdf(world.case, world.handler)
    client.force_login(world.handler)
    assert client.get(reverse("documents:document", args=[document.pk])).status_code == 200
    assert client.get(reverse("documents:versions", args=[document.pk])).status_code == 200
    views = AccessLog.objects.filter(action=AccessLog.Action.VIEW).order_by("pk")
    assert [(row.username, row.target_type, row.target_id, row.detail) for row in views] == [
        ("case_handler", "documents.document", str(document.pk), {"page": "document"}),
        ("case_handler", "documents.document", str(document.pk), {"page": "versions"}),
    ]
