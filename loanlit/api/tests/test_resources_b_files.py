"""/api/v1/ process resources, part 2: tasks, documents (multipart upload, download), comments, imports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from loanlit.audit.models import AccessLog
from loanlit.cases.tests.views_support import build_case_world
from loanlit.collaboration.models import Comment, Mention
from loanlit.documents.models import Document, DocumentVersion
from loanlit.documents.tests.support import add_pdf, pdf_bytes
from loanlit.imports.models import ImportBatch
from loanlit.imports.tests.views_support import CSV, import_batch_in_preview
from loanlit.workflow.models import Task
from loanlit.workflow.services import tasks as task_services
from tests.support.authz import row_counts

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def isolated_media(settings, tmp_path):
    settings.LANGUAGE_CODE = "en"
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def cw(personas):
    return build_case_world(personas)


def api(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def post(client: Client, name: str, data: dict, **kwargs):
    return client.post(reverse(name, kwargs=kwargs), json.dumps(data), content_type="application/json")


def body(response) -> dict:
    return json.loads(response.content)


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


# --- tasks ----------------------------------------------------------------------------------------------


def test_task_is_created_and_completed_with_its_version(personas, cw):
    client = api(personas.legal_manager)
    response = post(
        client,
        "api:task-list",
        {
            "title": "Prepare the hearing",
            "case": cw.case.pk,
            "assignee": personas.case_handler.pk,
            "due_on": "2026-12-18",
        },
    )
    assert response.status_code == 201, response.content
    data = body(response)
    assert (data["title"], data["case"], data["assignee"], data["due_on"], data["status"]) == (
        "Prepare the hearing",
        cw.case.pk,
        personas.case_handler.pk,
        "2026-12-18",
        "open",
    )
    task = Task.objects.get(pk=data["id"])
    before = row_counts()
    stale = post(api(personas.case_handler), "api:task-complete", {"version": task.version + 1}, pk=task.pk)
    assert stale.status_code == 409
    assert row_counts() == before
    missing = post(api(personas.case_handler), "api:task-complete", {}, pk=task.pk)
    assert missing.status_code == 428
    done = post(
        api(personas.case_handler),
        "api:task-complete",
        {"version": task.version, "completion_note": "Ready."},
        pk=task.pk,
    )
    assert done.status_code == 200, done.content
    assert (body(done)["status"], body(done)["completion_note"], body(done)["completed_by"]) == (
        "done",
        "Ready.",
        personas.case_handler.pk,
    )
    listed = body(client.get(reverse("api:task-list"), {"case": cw.case.pk, "status": "done"}))["results"]
    assert [row["id"] for row in listed] == [task.pk]


def test_outsider_cannot_create_see_or_complete_a_case_task(personas, cw):
    task = task_services.task_create_ad_hoc(actor=None, title="Call", case=cw.case, assignee=personas.case_handler)
    client = api(personas.outsider_branch)
    before = row_counts()
    assert post(client, "api:task-list", {"title": "Mine now", "case": cw.case.pk}).status_code == 404
    assert client.get(reverse("api:task-detail", kwargs={"pk": task.pk})).status_code == 404
    assert post(client, "api:task-complete", {"version": task.version}, pk=task.pk).status_code == 404
    assert task.pk not in [row["id"] for row in body(client.get(reverse("api:task-list")))["results"]]
    assert row_counts() == before


def test_a_viewer_who_may_not_work_the_case_gets_403_on_its_task(personas, cw):
    task = task_services.task_create_ad_hoc(actor=None, title="Call", case=cw.case, assignee=personas.case_handler)
    before = row_counts()
    response = post(api(personas.read_only), "api:task-complete", {"version": task.version}, pk=task.pk)
    assert response.status_code == 403
    assert row_counts() == before


def test_task_list_keeps_a_constant_number_of_queries(personas, cw, django_assert_max_num_queries):
    for n in range(6):
        task_services.task_create_ad_hoc(actor=None, title=f"Task {n}", case=cw.case, assignee=personas.case_handler)
    client = api(personas.case_handler)
    with django_assert_max_num_queries(13):
        rows = body(client.get(reverse("api:task-list")))["results"]
    assert [row["title"] for row in rows] == [f"Task {n}" for n in range(5, -1, -1)]


# --- documents ------------------------------------------------------------------------------------------


def test_document_upload_is_multipart_through_the_store(personas, cw, settings):
    pdf = pdf_bytes("Complaint")
    response = api(personas.case_handler).post(
        reverse("api:document-list"),
        {
            "case": cw.case.pk,
            "category": "loan_contract",
            "title": "Loan contract",
            "tags": "signed, 2024",
            "doc_date": "2024-03-01",
            "file": SimpleUploadedFile("借款合同.pdf", pdf, content_type="application/pdf"),
        },
    )
    assert response.status_code == 201, response.content
    data = body(response)
    assert (data["case"], data["category"], data["title"], data["tags"], data["doc_date"]) == (
        cw.case.pk,
        "loan_contract",
        "Loan contract",
        ["signed", "2024"],
        "2024-03-01",
    )
    version = data["current_version"]
    assert (version["number"], version["original_name"], version["size"]) == (1, "借款合同.pdf", len(pdf))
    assert data["version_count"] == 1
    assert DocumentVersion.objects.get(document_id=data["id"]).size == len(pdf)


def test_an_upload_over_the_limit_is_413_and_leaves_nothing_behind(personas, cw, settings):
    settings.MAX_UPLOAD_BYTES = 100
    before = row_counts()
    response = api(personas.case_handler).post(
        reverse("api:document-list"),
        {"case": cw.case.pk, "category": "other", "file": SimpleUploadedFile("big.pdf", pdf_bytes("x" * 50))},
    )
    # Refused by loanlit.core.middleware.UploadLimitMiddleware before the view (the same limit the pages have).
    assert response.status_code == 413
    assert row_counts() == before
    assert stored_files(settings) == []


def test_outsider_cannot_upload_see_or_download(personas, cw, settings):
    document = add_pdf(cw.case, None)
    client = api(personas.outsider_branch)
    before = row_counts()
    upload = client.post(
        reverse("api:document-list"),
        {"case": cw.case.pk, "category": "other", "file": SimpleUploadedFile("a.pdf", pdf_bytes())},
    )
    assert upload.status_code == 404
    assert client.get(reverse("api:document-detail", kwargs={"pk": document.pk})).status_code == 404
    download = client.get(reverse("api:document-download", kwargs={"pk": document.pk, "number": 1}))
    assert download.status_code == 404
    after = row_counts()
    assert after == before
    assert Document.objects.filter(case=cw.case).count() == 1
    # The refused download is in the access log, as on the page.
    assert AccessLog.objects.filter(user=personas.outsider_branch, action="denied").exists()


def test_download_is_the_pages_download_access_logged_and_watermarked(personas, cw):
    document = add_pdf(cw.case, None, filename="合同.pdf")
    logged = AccessLog.objects.filter(action="download").count()
    response = api(personas.read_only).get(reverse("api:document-download", kwargs={"pk": document.pk, "number": 1}))
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert content.startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]
    entry = AccessLog.objects.filter(action="download").order_by("-pk").first()
    assert AccessLog.objects.filter(action="download").count() == logged + 1
    assert entry.user_id == personas.read_only.pk
    assert (
        api(personas.read_only)
        .get(reverse("api:document-download", kwargs={"pk": document.pk, "number": 2}))
        .status_code
        == 404
    )


def test_new_version_needs_the_documents_version(personas, cw):
    document = add_pdf(cw.case, None)
    client = api(personas.case_handler)
    url = reverse("api:document-versions", kwargs={"pk": document.pk})
    before = row_counts()
    stale = client.post(url, {"version": document.version + 1, "file": SimpleUploadedFile("v2.pdf", pdf_bytes("2"))})
    assert stale.status_code == 409
    assert row_counts() == before
    ok = client.post(url, {"version": document.version, "file": SimpleUploadedFile("v2.pdf", pdf_bytes("2"))})
    assert ok.status_code == 201, ok.content
    assert (body(ok)["number"], body(ok)["original_name"]) == (2, "v2.pdf")


def test_document_list_keeps_a_constant_number_of_queries(personas, cw, django_assert_max_num_queries):
    for n in range(5):
        add_pdf(cw.case, None, title=f"Doc {n}")
    client = api(personas.case_handler)
    with django_assert_max_num_queries(13):
        rows = body(client.get(reverse("api:document-list"), {"case": cw.case.pk}))["results"]
    assert [row["title"] for row in rows] == [f"Doc {n}" for n in range(4, -1, -1)]


# --- comments -------------------------------------------------------------------------------------------


def test_comment_with_a_mention_is_posted_through_the_service(personas, cw):
    response = post(
        api(personas.legal_manager),
        "api:comment-list",
        {"case": cw.case.pk, "body": "Hearing moved, @case_handler please check."},
    )
    assert response.status_code == 201, response.content
    data = body(response)
    assert (data["case"], data["author"], data["internal"], data["mentions"]) == (
        cw.case.pk,
        personas.legal_manager.pk,
        True,
        ["case_handler"],
    )
    assert Mention.objects.filter(comment_id=data["id"], user=personas.case_handler).count() == 1
    reply = post(
        api(personas.case_handler), "api:comment-list", {"case": cw.case.pk, "body": "OK", "parent": data["id"]}
    )
    assert reply.status_code == 201 and body(reply)["parent"] == data["id"]
    listed = body(api(personas.read_only).get(reverse("api:comment-list"), {"case": cw.case.pk}))["results"]
    assert [row["id"] for row in listed] == [body(reply)["id"], data["id"]]


def test_outsider_cannot_comment_or_read_comments(personas, cw):
    post(api(personas.case_handler), "api:comment-list", {"case": cw.case.pk, "body": "Internal note"})
    client = api(personas.outsider_creditor)
    before = row_counts()
    assert post(client, "api:comment-list", {"case": cw.case.pk, "body": "Hi"}).status_code == 404
    assert body(client.get(reverse("api:comment-list")))["results"] == []
    assert row_counts() == before
    assert Comment.objects.count() == 1


def test_an_empty_comment_is_the_services_400(personas, cw):
    before = row_counts()
    response = post(api(personas.case_handler), "api:comment-list", {"case": cw.case.pk, "body": "   "})
    assert response.status_code == 400
    assert row_counts() == before


# --- imports --------------------------------------------------------------------------------------------


def test_import_is_started_from_a_multipart_upload_and_polled(personas):
    client = api(personas.case_handler)
    response = client.post(reverse("api:import-list"), {"kind": "loans", "file": SimpleUploadedFile("loans.csv", CSV)})
    assert response.status_code == 201, response.content
    data = body(response)
    batch = ImportBatch.objects.get(pk=data["id"])
    assert (data["kind"], data["status"], data["file_name"], data["file_size"]) == (
        "loans",
        "analysing",
        "loans.csv",
        len(CSV),
    )
    assert (data["creditor"], data["unit"], data["created_by"]) == (
        personas.creditor.pk,
        personas.beijing.pk,
        personas.case_handler.pk,
    )
    assert data["job"]["id"] == batch.job_id and data["job"]["state"] == "queued"
    assert data["job"]["url"] == reverse("jobs:job_detail", args=[batch.job_id])
    polled = client.get(reverse("api:import-detail", kwargs={"pk": batch.pk}))
    assert polled.status_code == 200 and body(polled)["status"] == "analysing"
    assert body(polled)["error_rows"] == []


def test_import_start_refuses_without_a_file_or_the_right(personas):
    before = row_counts()
    no_file = api(personas.case_handler).post(reverse("api:import-list"), {"kind": "loans"})
    assert no_file.status_code == 400 and "file" in body(no_file)["error"]["fields"]
    refused = api(personas.read_only).post(
        reverse("api:import-list"), {"kind": "loans", "file": SimpleUploadedFile("loans.csv", CSV)}
    )
    assert refused.status_code == 403
    lawyer = api(personas.external_lawyer).post(
        reverse("api:import-list"), {"kind": "loans", "file": SimpleUploadedFile("loans.csv", CSV)}
    )
    assert lawyer.status_code == 403  # the service: imports.progress does not cover loans
    assert row_counts() == before


def test_import_poll_shows_counts_and_error_rows_and_commit_checks_version_and_owner(personas):
    batch = import_batch_in_preview(user=personas.case_handler, creditor=personas.creditor, unit=personas.beijing)
    client = api(personas.case_handler)
    data = body(client.get(reverse("api:import-detail", kwargs={"pk": batch.pk})))
    assert data["counts"] == {"new": 1, "error": 1}
    assert data["error_rows"] == [{"row": 3, "fields": ["borrower_name"]}]
    before = row_counts()
    assert post(client, "api:import-commit", {"version": batch.version + 1}, pk=batch.pk).status_code == 409
    assert post(api(personas.auditor), "api:import-commit", {"version": batch.version}, pk=batch.pk).status_code == 403
    assert (
        post(api(personas.outsider_branch), "api:import-commit", {"version": batch.version}, pk=batch.pk).status_code
        == 404
    )
    assert api(personas.outsider_branch).get(reverse("api:import-detail", kwargs={"pk": batch.pk})).status_code == 404
    assert row_counts() == before


# --- with an API key ------------------------------------------------------------------------------------


def test_an_api_key_downloads_as_its_user_and_writes_only_with_its_codes(personas, cw):
    from loanlit.api.services.keys import api_key_create

    document = add_pdf(cw.case, None)
    _key, secret = api_key_create(actor=None, name="DMS", user=personas.case_handler, permissions=["cases.view"])
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    response = client.get(reverse("api:document-download", kwargs={"pk": document.pk, "number": 1}))
    assert response.status_code == 200
    entry = AccessLog.objects.filter(action="download").order_by("-pk").first()
    assert entry.user_id == personas.case_handler.pk
    before = row_counts()
    commented = client.post(
        reverse("api:comment-list"), json.dumps({"case": cw.case.pk, "body": "x"}), content_type="application/json"
    )
    assert commented.status_code == 201  # commenting needs only cases.view, as on the page
    after_comment = row_counts()
    assert after_comment != before
    upload = client.post(
        reverse("api:document-list"),
        {"case": cw.case.pk, "category": "other", "file": SimpleUploadedFile("a.pdf", pdf_bytes())},
    )
    assert upload.status_code == 403  # the key does not carry cases.edit
    assert row_counts() == after_comment
