"""The document store services: streamed storage with SHA-256, versions, recycle bin, purge, integrity and
the evidence manifest."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from loanlit.audit.models import AuditEntry
from loanlit.cases.models import CaseEvent
from loanlit.core.errors import DomainError, PermissionDeniedError, StaleVersionError
from loanlit.documents import manifest, services, storage
from loanlit.documents.models import Document, DocumentCategory, DocumentVersion

from .support import add_pdf, case_in_branch_b, make_case_world, pdf_bytes, png_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media"


@pytest.fixture
def world(personas):
    return make_case_world(personas)


def stored_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_the_thirteen_builtin_categories_are_seeded_with_translated_labels():
    codes = list(DocumentCategory.objects.filter(builtin=True).values_list("code", flat=True))
    assert codes == [
        "complaint",
        "evidence",
        "loan_contract",
        "iou",
        "repayment_record",
        "summons",
        "judgment",
        "ruling",
        "mediation",
        "enforcement_application",
        "lawyer_letter",
        "fee_receipt",
        "other",
    ]
    with translation.override("zh-hans"):
        labels = [str(c) for c in DocumentCategory.objects.filter(builtin=True)]
    assert labels == [
        "起诉状",
        "证据",
        "借款合同",
        "借据",
        "还款记录",
        "传票",
        "判决书",
        "裁定书",
        "调解书",
        "执行申请书",
        "律师函",
        "缴费凭证",
        "其他",
    ]
    with translation.override("en"):
        assert str(DocumentCategory.objects.get(pk="judgment")) == "Judgment"


def test_document_add_streams_the_file_with_its_sha256_and_keeps_the_name_exactly(world, media):
    data = pdf_bytes("hello", pages=2)
    name = "张三 借款合同 [副本] (2024).pdf"
    upload = SimpleUploadedFile(name, data, content_type="text/html")  # the browser's claim is ignored
    document = services.document_add(
        actor=world.handler,
        case=world.case,
        category="loan_contract",
        title="",
        filename=name,
        content=upload,
        tags=["原件", "原件", " 扫描 "],
        doc_date=dt.date(2024, 5, 6),
    )
    version = document.current_version
    assert (document.title, document.tags, document.case_id) == (
        "张三 借款合同 [副本] (2024)",
        ["原件", "扫描"],
        world.case.pk,
    )
    assert (version.number, version.original_name, version.size) == (1, name, len(data))
    assert version.sha256 == hashlib.sha256(data).hexdigest()
    assert (version.content_type, version.inline_safe, version.uploaded_by) == ("application/pdf", True, world.handler)
    assert version.storage_name.startswith(f"documents/{timezone.now():%Y}/{timezone.now():%m}/")
    assert version.storage_name.endswith(".bin")
    assert storage.read_all(version.storage_name) == data
    assert stored_files(media) == [version.storage_name]
    event = CaseEvent.objects.get(case=world.case, kind=CaseEvent.Kind.DOCUMENT_ADDED)
    assert (event.actor, event.params, event.target_id) == (
        world.handler,
        {"category": "loan_contract", "category_label": "Loan contract", "number": 1},
        str(document.pk),
    )
    from loanlit.cases.templatetags.case_format import event_summary

    with translation.override("zh-hans"):
        assert (event.get_kind_display(), event_summary(event, {})) == ("添加文档", "借款合同 v1")
    entry = AuditEntry.objects.get(action="document.add")
    assert entry.stream == f"case:{world.case.pk}"
    assert entry.changes["sha256"] == version.sha256
    assert entry.changes["original_name"] == name


def test_a_file_larger_than_the_chunk_is_hashed_across_chunks(world):
    data = bytes(range(256)) * 1000 + b"tail"  # 256,004 bytes: four chunks
    document = services.document_add(
        actor=None, case=world.case, category="other", title="blob", filename="blob.dat", content=io.BytesIO(data)
    )
    assert document.current_version.sha256 == hashlib.sha256(data).hexdigest()
    assert document.current_version.size == 256004
    assert document.current_version.content_type == "application/octet-stream"


@pytest.mark.parametrize(
    ("content", "content_type", "inline_safe"),
    [
        (pdf_bytes(), "application/pdf", True),
        (png_bytes(), "image/png", True),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "image/jpeg", True),
        (b"GIF89a\x01\x00\x01\x00", "image/gif", True),
        (b"II*\x00\x08\x00\x00\x00", "image/tiff", False),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "application/x-ole-storage", False),
        (b"<!DOCTYPE html><html><body><script>alert(1)</script>", "text/html", False),
        (
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>',
            "image/svg+xml",
            False,
        ),
        (b"#!/bin/sh\nrm -rf /\n", "text/x-script", False),
        (b"MZ\x90\x00\x03\x00", "application/x-msdownload", False),
        ("还款记录 2024\n".encode(), "text/plain", False),
    ],
)
def test_type_is_detected_from_the_content_not_the_name(world, content, content_type, inline_safe):
    document = services.document_add(
        actor=None, case=world.case, category="other", title="x", filename="innocent.pdf", content=content
    )
    assert (document.current_version.content_type, document.current_version.inline_safe) == (content_type, inline_safe)


def _zip(names: list[str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in names:
            archive.writestr(name, "x")
    return out.getvalue()


def test_office_files_are_told_apart_by_their_zip_directory(world):
    from docx import Document as DocxDocument

    docx = io.BytesIO()
    DocxDocument().save(docx)
    cases = {
        "a.docx": (docx.getvalue(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        "b.xlsx": (
            _zip(["[Content_Types].xml", "xl/workbook.xml"]),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        "c.zip": (_zip(["readme.txt"]), "application/zip"),
    }
    for filename, (content, expected) in cases.items():
        document = services.document_add(
            actor=None, case=world.case, category="evidence", title="", filename=filename, content=content
        )
        assert document.current_version.content_type == expected


def test_an_over_limit_file_is_refused_and_nothing_is_left(world, settings, media):
    settings.MAX_UPLOAD_BYTES = 100 * 1024
    add_pdf(world.case, world.handler)
    before_files = stored_files(media)
    with pytest.raises(DomainError) as error, translation.override("en"):
        services.document_add(
            actor=world.handler,
            case=world.case,
            category="evidence",
            title="big",
            filename="big.bin",
            content=SimpleUploadedFile("big.bin", b"x" * (100 * 1024 + 1)),
        )
    assert error.value.code == "too_large"
    assert error.value.message == "The file is larger than the 1 MB limit. Nothing was saved."
    assert Document.objects.count() == 1
    assert DocumentVersion.objects.count() == 1
    assert stored_files(media) == before_files


def test_a_refusal_after_storing_removes_the_file_again(world, media, monkeypatch):
    from loanlit.documents.services import store as store_services

    def boom(*args, **kwargs):
        raise DomainError("refused", code="boom")

    monkeypatch.setattr(store_services, "case_event_record", boom)
    with pytest.raises(DomainError):
        add_pdf(world.case, world.handler)
    assert Document.objects.count() == 0
    assert stored_files(media) == []


def test_an_empty_file_is_refused(world, media):
    with pytest.raises(DomainError) as error:
        services.document_add(actor=None, case=world.case, category="other", title="", filename="e.txt", content=b"")
    assert error.value.code == "empty_file"
    assert (Document.objects.count(), stored_files(media)) == (0, [])


def test_a_handler_of_another_branch_may_not_add_and_nothing_is_written(world, media):
    with pytest.raises(PermissionDeniedError):
        add_pdf(world.case, world.outsider)
    assert (
        Document.objects.count(),
        stored_files(media),
        AuditEntry.objects.filter(action="document.add").count(),
    ) == (
        0,
        [],
        0,
    )


def test_versions_are_numbered_one_two_three_and_nothing_is_overwritten(world, media):
    document = add_pdf(world.case, world.handler, text="one")
    services.version_add(
        actor=world.handler, document=document, filename="v2.pdf", content=pdf_bytes("two"), version=document.version
    )
    document.refresh_from_db()
    third = services.version_add(
        actor=world.handler,
        document=document,
        filename="v3.pdf",
        content=pdf_bytes("three"),
        version=document.version,
        note="signed",
    )
    document.refresh_from_db()
    versions = list(document.versions.order_by("number"))
    assert [v.number for v in versions] == [1, 2, 3]
    assert [v.sha256 for v in versions] == [hashlib.sha256(pdf_bytes(t)).hexdigest() for t in ("one", "two", "three")]
    assert [storage.read_all(v.storage_name) for v in versions] == [pdf_bytes(t) for t in ("one", "two", "three")]
    assert (document.current_version, document.version, third.note) == (third, 3, "signed")
    assert len(stored_files(media)) == 3
    assert list(
        CaseEvent.objects.filter(kind=CaseEvent.Kind.DOCUMENT_VERSION_ADDED).values_list("params", flat=True)
    ) == [
        {"category": "loan_contract", "category_label": "Loan contract", "number": 2},
        {"category": "loan_contract", "category_label": "Loan contract", "number": 3},
    ]


def test_a_stale_version_is_refused_and_nothing_is_stored(world, media):
    document = add_pdf(world.case, world.handler)
    with pytest.raises(StaleVersionError):
        services.version_add(actor=world.handler, document=document, filename="v.pdf", content=pdf_bytes(), version=7)
    assert (document.versions.count(), len(stored_files(media))) == (1, 1)


def test_a_new_version_of_an_approved_document_unlocks_it_and_a_pending_one_is_refused(world):
    document = add_pdf(world.case, world.handler)
    Document.objects.filter(pk=document.pk).update(approval=Document.Approval.PENDING)
    document.refresh_from_db()
    with pytest.raises(DomainError) as error:
        services.version_add(
            actor=world.handler, document=document, filename="v.pdf", content=pdf_bytes(), version=document.version
        )
    assert error.value.code == "approval_pending"
    Document.objects.filter(pk=document.pk).update(approval=Document.Approval.APPROVED, locked=True)
    document.refresh_from_db()
    services.version_add(
        actor=world.handler, document=document, filename="v.pdf", content=pdf_bytes(), version=document.version
    )
    document.refresh_from_db()
    assert (document.approval, document.locked, document.versions.count()) == ("", False, 2)


def test_bin_and_restore_keep_everything_and_leave_events(world, media):
    document = add_pdf(world.case, world.handler)
    services.document_move_to_bin(actor=world.handler, document=document, version=document.version)
    document.refresh_from_db()
    assert document.deleted_at is not None and document.deleted_by == world.handler
    assert (Document.objects.count(), len(stored_files(media))) == (1, 1)
    with pytest.raises(DomainError):
        services.document_move_to_bin(actor=world.handler, document=document, version=document.version)
    services.document_restore(actor=world.handler, document=document, version=document.version)
    document.refresh_from_db()
    assert (document.deleted_at, document.deleted_by, document.version) == (None, None, 3)
    kinds = list(CaseEvent.objects.filter(case=world.case, kind__startswith="document").values_list("kind", flat=True))
    assert kinds == ["document_added", "document_binned", "document_restored"]
    actions = AuditEntry.objects.filter(action__startswith="document.").order_by("pk")  # no default order on PostgreSQL
    assert list(actions.values_list("action", flat=True)) == [
        "document.add",
        "document.bin",
        "document.restore",
    ]


def test_only_an_administrator_purges_and_only_from_the_bin(world, media, django_capture_on_commit_callbacks):
    document = add_pdf(world.case, world.handler)
    services.version_add(
        actor=world.handler, document=document, filename="v2.pdf", content=pdf_bytes("2"), version=document.version
    )
    document.refresh_from_db()
    with pytest.raises(DomainError) as error:
        services.document_purge(actor=world.admin, document=document)
    assert error.value.code == "not_in_bin"
    services.document_move_to_bin(actor=world.handler, document=document, version=document.version)
    document.refresh_from_db()
    for persona in (world.handler, world.personas.legal_manager):
        with pytest.raises(PermissionDeniedError):
            services.document_purge(actor=persona, document=document)
    assert (Document.objects.count(), DocumentVersion.objects.count(), len(stored_files(media))) == (1, 2, 2)
    hashes = list(document.versions.order_by("number").values_list("sha256", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        services.document_purge(actor=world.admin, document=document)
    assert (Document.objects.count(), DocumentVersion.objects.count(), stored_files(media)) == (0, 0, [])
    entry = AuditEntry.objects.get(action="document.purge")
    assert (entry.stream, entry.target_id) == (f"case:{world.case.pk}", str(document.pk))
    assert [v["sha256"] for v in entry.changes["versions"]] == hashes
    assert [v["number"] for v in entry.changes["versions"]] == [1, 2]


def test_a_category_is_added_by_an_administrator_only(world):
    with pytest.raises(PermissionDeniedError):
        services.category_create(actor=world.handler, code="notice", label="催收通知")
    assert not DocumentCategory.objects.filter(pk="notice").exists()
    row = services.category_create(actor=world.admin, code="collection-notice", label=" 催收通知 ", order=150)
    assert (row.code, row.label, row.builtin, str(row)) == ("collection_notice", "催收通知", False, "催收通知")
    with pytest.raises(DomainError):
        services.category_create(actor=world.admin, code="collection_notice", label="again")
    services.category_set_active(actor=world.admin, category=row, is_active=False)
    with pytest.raises(DomainError) as error:
        add_pdf(world.case, world.handler, category="collection_notice")
    assert error.value.code == "category"


def test_check_documents_reports_a_deleted_and_an_altered_file(world, media):
    kept = add_pdf(world.case, world.handler, title="kept")
    gone = add_pdf(world.case, world.handler, title="gone", filename="gone.pdf")
    changed = add_pdf(world.case, world.handler, title="changed", filename="changed.pdf")
    out = io.StringIO()
    call_command("check_documents", stdout=out)
    assert out.getvalue() == "checked 3 versions: 0 missing or altered\n"

    gone_name = gone.current_version.storage_name
    changed_name = changed.current_version.storage_name
    (media / gone_name).unlink()
    (media / changed_name).write_bytes(b"%PDF-1.4 tampered")
    out = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("check_documents", stdout=out)
    assert str(error.value) == "checked 3 versions: 2 missing or altered"
    lines = out.getvalue().splitlines()
    assert lines == [
        f"MISSING case={world.case.pk} document={gone.pk} version=1 file={gone_name} name='gone.pdf' "
        f"expected_sha256={gone.current_version.sha256}",
        f"ALTERED case={world.case.pk} document={changed.pk} version=1 file={changed_name} name='changed.pdf' "
        f"expected_sha256={changed.current_version.sha256} "
        f"actual_sha256={hashlib.sha256(b'%PDF-1.4 tampered').hexdigest()} "
        f"size={changed.current_version.size}->17",
    ]
    assert kept.current_version.storage_name not in out.getvalue()


def test_check_documents_lists_orphan_files_without_failing(world, media):
    add_pdf(world.case, world.handler)
    orphan = media / "documents" / "2020" / "01" / "left-over.bin"
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"x")
    out = io.StringIO()
    call_command("check_documents", stdout=out)
    assert out.getvalue().splitlines() == [
        "ORPHAN file=documents/2020/01/left-over.bin (no version refers to it)",
        "checked 1 versions: 0 missing or altered",
    ]


@time_machine.travel(dt.datetime(2026, 3, 20, 10, 0, tzinfo=dt.UTC), tick=False)
def test_the_manifest_lists_every_version_with_hash_uploader_and_time(world):
    first = add_pdf(world.case, world.handler, title="Contract", filename="合同 (1).pdf", text="a", tags=["原件"])
    services.version_add(
        actor=world.admin, document=first, filename="合同 (2).pdf", content=pdf_bytes("b"), version=first.version
    )
    binned = services.document_add(
        actor=world.handler,
        case=world.case,
        category="complaint",
        title="Complaint draft",
        filename="=cmd.txt",
        content=b"draft",
        doc_date=dt.date(2026, 3, 1),
    )
    services.document_move_to_bin(actor=world.handler, document=binned, version=binned.version)
    case_in_branch_b(world)  # another case's documents never appear
    with translation.override("en"):
        data = manifest.manifest_data(case=world.case)
    sha = {t: hashlib.sha256(pdf_bytes(t)).hexdigest() for t in ("a", "b")}
    assert json.loads(manifest.manifest_json(data)) == {
        "format": "loanlit.documents.manifest/1",
        "case": {"id": world.case.pk, "internal_no": world.case.internal_no},
        "generated_at": "2026-03-20T18:00:00+08:00",
        "documents": [
            {
                "id": binned.pk,
                "title": "Complaint draft",
                "category": "complaint",
                "category_label": "Complaint",
                "source": "uploaded",
                "proceeding": None,
                "doc_date": "2026-03-01",
                "tags": [],
                "in_recycle_bin": True,
                "current_version": 1,
                "versions": [
                    {
                        "number": 1,
                        "file_name": "=cmd.txt",
                        "size": 5,
                        "sha256": hashlib.sha256(b"draft").hexdigest(),
                        "content_type": "text/plain",
                        "uploaded_by": "case_handler",
                        "uploaded_at": "2026-03-20T18:00:00+08:00",
                        "note": "",
                    }
                ],
            },
            {
                "id": first.pk,
                "title": "Contract",
                "category": "loan_contract",
                "category_label": "Loan contract",
                "source": "uploaded",
                "proceeding": None,
                "doc_date": None,
                "tags": ["原件"],
                "in_recycle_bin": False,
                "current_version": 2,
                "versions": [
                    {
                        "number": 1,
                        "file_name": "合同 (1).pdf",
                        "size": len(pdf_bytes("a")),
                        "sha256": sha["a"],
                        "content_type": "application/pdf",
                        "uploaded_by": "case_handler",
                        "uploaded_at": "2026-03-20T18:00:00+08:00",
                        "note": "",
                    },
                    {
                        "number": 2,
                        "file_name": "合同 (2).pdf",
                        "size": len(pdf_bytes("b")),
                        "sha256": sha["b"],
                        "content_type": "application/pdf",
                        "uploaded_by": "administrator",
                        "uploaded_at": "2026-03-20T18:00:00+08:00",
                        "note": "",
                    },
                ],
            },
        ],
    }


@time_machine.travel(dt.datetime(2026, 3, 20, 10, 0, tzinfo=dt.UTC), tick=False)
def test_the_manifest_workbook_reopens_with_its_cells(world):
    from openpyxl import load_workbook

    document = add_pdf(world.case, world.handler, title="Contract", filename="=HYPERLINK(1).pdf", text="a")
    with translation.override("zh-hans"):
        workbook = load_workbook(io.BytesIO(manifest.manifest_xlsx(manifest.manifest_data(case=world.case))))
    sheet = workbook.active
    assert sheet.title == "证据清单"
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][:2] == ["案件", world.case.internal_no]
    assert rows[1][:2] == ["生成时间", "2026-03-20T18:00:00+08:00"]
    assert rows[3] == [
        "文档编号",
        "标题",
        "类别",
        "来源",
        "文档日期",
        "标签",
        "在回收站",
        "版本",
        "当前版本",
        "文件名",
        "大小（字节）",
        "SHA-256",
        "内容类型",
        "上传人",
        "上传时间",
    ]
    assert rows[4] == [
        document.pk,
        "Contract",
        "借款合同",
        "上传",
        None,
        None,
        "否",
        1,
        "是",
        "=HYPERLINK(1).pdf",
        len(pdf_bytes("a")),
        hashlib.sha256(pdf_bytes("a")).hexdigest(),
        "application/pdf",
        "case_handler",
        "2026-03-20T18:00:00+08:00",
    ]
    assert sheet.cell(row=5, column=10).data_type == "s"
    assert len(rows) == 5


class _Generated(io.RawIOBase):
    """A readable file of ``size`` pseudo-random bytes that never exists in memory as a whole."""

    def __init__(self, size: int) -> None:
        self.remaining = size
        self.digest = hashlib.sha256()
        self.counter = 0

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        n = min(self.remaining, 1024 * 1024 if n < 0 else n)
        if n <= 0:
            return b""
        chunk = (hashlib.sha256(str(self.counter).encode()).digest() * (n // 32 + 1))[:n]
        self.counter += 1
        self.remaining -= n
        self.digest.update(chunk)
        return chunk


def test_a_large_upload_streams_in_constant_memory(world, settings):
    import tracemalloc

    settings.MAX_UPLOAD_BYTES = 64 * 1024 * 1024
    source = _Generated(40 * 1024 * 1024)
    tracemalloc.start()
    try:
        document = services.document_add(
            actor=None, case=world.case, category="evidence", title="big", filename="big.bin", content=source
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert document.current_version.size == 40 * 1024 * 1024
    assert document.current_version.sha256 == source.digest.hexdigest()
    assert peak < 4 * 1024 * 1024, f"peak {peak} bytes"
