# ruff: noqa: F811
"""The import pages: list and upload, the batch page through every status, the POST endpoints and their
refusals (another user's batch, a viewer who did not start it, a stale version, a bad file)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from loanlit.audit.models import AccessLog, AuditEntry
from loanlit.core.models import OrgUnit
from loanlit.imports import services, template
from loanlit.imports.models import ImportBatch

# The pipeline's fixtures (the fake kind, running the jobs, English and a temporary MEDIA_ROOT); test
# functions take them by name, which ruff reads as a redefinition.
from .pipeline_support import _pipeline_settings, csv_bytes, run_jobs, test_kind  # noqa: F401

pytestmark = pytest.mark.django_db

GOOD = [
    ["T-001", "Alpha unit", "1234.5", "2024-01-31", "13800138000", "Branch"],
    ["T-002", "Beta unit", "99", "2024-02-29", "", "sub_branch"],
]
# Row numbers are the file's lines (the header is line 1): line 4 has a negative amount (an error),
# lines 5 and 6 carry the same code (a duplicate).
WITH_PROBLEMS = [
    *GOOD,
    ["T-003", "Gamma unit", "-5", "2024-03-01", "", "Branch"],
    ["T-004", "Delta unit", "10", "2024-03-02", "", "Branch"],
    ["T-004", "Delta again", "11", "2024-03-03", "", "Branch"],
]


def fresh(batch: ImportBatch) -> ImportBatch:
    return ImportBatch.objects.get(pk=batch.pk)


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(name: str, batch: ImportBatch | None = None, **kwargs: Any) -> str:
    if batch is not None:
        kwargs["pk"] = batch.pk
    return reverse(f"imports:{name}", kwargs=kwargs)


def upload(
    client: Client, personas: Any, content: bytes, *, name: str = "units.csv", kind: str = "testing", **extra: Any
) -> Any:
    data = {
        "kind": kind,
        "creditor": personas.creditor.pk,
        "unit": personas.beijing.pk,
        "preset": "",
        "file": _file(content, name),
        **extra,
    }
    return client.post(url("batch_list"), data)


def _file(content: bytes, name: str) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def start(personas: Any, rows: list[list[str]] = GOOD, *, user: Any = None, name: str = "units.csv") -> ImportBatch:
    return services.import_start(
        actor=user or personas.case_handler,
        creditor=personas.creditor,
        kind="testing",
        file_name=name,
        content=csv_bytes(rows),
    )


def mapping_data(batch: ImportBatch, mapping: dict[str, int] | None = None, **options: Any) -> dict[str, Any]:
    batch = fresh(batch)
    chosen = batch.suggested_mapping if mapping is None else mapping
    data: dict[str, Any] = {"version": batch.version, "grouping": "contract"}
    for key in ("code", "name", "amount", "opened_on", "phone", "unit_kind"):
        data[f"field_{key}"] = str(chosen[key]) if key in chosen else ""
    data.update(options)
    return data


def to_mapping(personas: Any, run_jobs: Any, rows: list[list[str]] = GOOD, **kwargs: Any) -> ImportBatch:
    batch = start(personas, rows, **kwargs)
    run_jobs()
    batch = fresh(batch)
    assert batch.status == ImportBatch.Status.MAPPING, batch.error_message
    return batch


def to_preview(
    personas: Any, run_jobs: Any, rows: list[list[str]] = GOOD, mapping: dict[str, int] | None = None, **kwargs: Any
) -> ImportBatch:
    batch = to_mapping(personas, run_jobs, rows, **kwargs)
    client = login(batch.created_by)
    response = client.post(url("batch_configure", batch), mapping_data(batch, mapping))
    assert response.status_code == 302, response.content.decode()[:2000]
    run_jobs()
    batch = fresh(batch)
    assert batch.status == ImportBatch.Status.PREVIEW, batch.error_message
    return batch


def snapshot(batch: ImportBatch) -> tuple[Any, ...]:
    batch = fresh(batch)
    return (
        batch.status,
        batch.version,
        batch.mapping,
        batch.duplicate_choices,
        batch.options,
        AuditEntry.objects.count(),
    )


# --- the list and the upload ----------------------------------------------------------------------------


def test_the_list_shows_the_users_own_imports_and_an_auditor_sees_all_of_the_creditor(personas, test_kind):
    mine = start(personas, name="mine.csv")
    theirs = start(personas, name="theirs.csv", user=personas.outsider_branch)

    page = login(personas.case_handler).get(url("batch_list")).content.decode()
    assert "mine.csv" in page and url("batch_detail", mine) in page
    assert "theirs.csv" not in page

    page = login(personas.auditor).get(url("batch_list")).content.decode()
    assert "mine.csv" in page and "theirs.csv" in page
    assert 'id="import-start-form"' not in page  # may look, may not import
    assert theirs.pk


def test_users_who_may_not_import_get_403_and_no_imports_link(personas, test_kind):
    client = login(personas.read_only)
    assert client.get(url("batch_list")).status_code == 403
    assert 'id="nav-imports"' not in client.get(reverse("cases:case_list")).content.decode()
    assert 'id="nav-imports"' in login(personas.case_handler).get(reverse("cases:case_list")).content.decode()


def test_the_new_import_form_offers_only_the_kinds_the_user_may_run(personas, test_kind):
    lawyer = login(personas.external_lawyer)  # imports.progress only
    page = lawyer.get(url("batch_list")).content.decode()
    assert 'value="progress"' in page
    assert 'value="loans"' not in page and 'value="testing"' not in page
    assert url("template_download", kind="progress") in page
    assert url("template_download", kind="loans") not in page

    response = upload(lawyer, personas, csv_bytes(GOOD))
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_uploading_a_csv_shows_the_progress_then_the_mapping_with_the_suggestions(personas, test_kind, run_jobs):
    client = login(personas.case_handler)
    response = upload(client, personas, csv_bytes(GOOD))
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == url("batch_detail", batch)
    assert (batch.kind, batch.file_name, batch.created_by, batch.unit) == (
        "testing",
        "units.csv",
        personas.case_handler,
        personas.beijing,
    )

    page = client.get(url("batch_detail", batch)).content.decode()
    assert 'id="import-progress"' in page
    assert f"{url('batch_status', batch)}?shown=analysing" in page
    assert 'id="import-cancel-button"' in page

    run_jobs()
    page = client.get(url("batch_detail", batch)).content.decode()
    assert 'id="mapping-form"' in page
    # Every field has a select listing the file's columns; the suggestion is preselected.
    assert '<option value="0" selected>A · Unit code</option>' in page
    assert '<option value="1" selected>B · Unit name</option>' in page
    assert 'id="detected-encoding"' in page and "the whole file is valid UTF-8" in page


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("units.pdf", b"%PDF-1.4", "“units.pdf” is not a file this import reads."),
        ("units.csv", b"", "The submitted file is empty."),
    ],
)
def test_a_file_the_import_cannot_take_is_refused_with_a_clear_message(personas, test_kind, name, content, message):
    response = upload(login(personas.case_handler), personas, content, name=name)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_a_damaged_workbook_fails_with_the_readers_message(personas, test_kind, run_jobs):
    client = login(personas.case_handler)
    upload(client, personas, b"PK\x03\x04 not really a workbook", name="units.xlsx")
    run_jobs()
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.FAILED
    page = client.get(url("batch_detail", batch)).content.decode()
    assert 'id="import-ended"' in page and "The import failed" in page
    assert batch.error_message and batch.error_message in page


def test_a_gb18030_csv_shows_the_detected_encoding_and_offers_the_override(personas, test_kind, run_jobs):
    content = csv_bytes([["T-001", "\u5317\u4eac\u5206\u884c", "1", "2024-01-31", "", "Branch"]], encoding="gb18030")
    batch = services.import_start(
        actor=personas.case_handler, creditor=personas.creditor, kind="testing", file_name="gbk.csv", content=content
    )
    run_jobs()
    page = login(personas.case_handler).get(url("batch_detail", batch)).content.decode()
    assert "gb18030" in fresh(batch).encoding
    assert "read as GB18030" in page
    assert '<select name="encoding"' in page and '<option value="big5">Big5</option>' in page


def test_repeated_headers_are_pointed_out_on_the_mapping_page(personas, test_kind, run_jobs):
    headers = ["Unit code", "Unit name", "Unit name", "Amount"]
    batch = services.import_start(
        actor=personas.case_handler,
        creditor=personas.creditor,
        kind="testing",
        file_name="twice.csv",
        content=csv_bytes([["T-001", "Alpha", "Alpha 2", "1"]], headers=headers),
    )
    run_jobs()
    assert fresh(batch).status == ImportBatch.Status.MAPPING
    page = login(personas.case_handler).get(url("batch_detail", batch)).content.decode()
    assert 'id="duplicate-headers"' in page
    assert "B, C" in page  # the two columns headed "Unit name", by their letters


def test_an_encoding_that_cannot_read_the_file_keeps_the_earlier_reading_and_says_why(personas, test_kind, run_jobs):
    content = csv_bytes([["T-001", "\u5317\u4eac\u5206\u884c\u2014\u6d4b\u8bd5", "1", "2024-01-31", "", "Branch"]])
    batch = services.import_start(
        actor=personas.case_handler, creditor=personas.creditor, kind="testing", file_name="utf8.csv", content=content
    )
    run_jobs()
    client = login(personas.case_handler)
    response = client.post(url("batch_configure", batch), {**mapping_data(batch), "encoding": "big5"})
    assert response.status_code == 302
    assert fresh(batch).status == ImportBatch.Status.ANALYSING
    run_jobs()
    batch = fresh(batch)
    page = client.get(url("batch_detail", batch)).content.decode()
    assert batch.status == ImportBatch.Status.MAPPING
    assert batch.encoding_override == ""  # the earlier reading is kept
    assert "big5" in batch.error_message.lower()
    assert 'id="step-message"' in page and batch.error_message in page
    assert 'id="mapping-form"' in page


# --- mapping, preview, duplicates, commit -----------------------------------------------------------------


def test_configure_checks_the_rows_and_the_preview_lists_counts_errors_and_duplicates(personas, test_kind, run_jobs):
    batch = to_mapping(personas, run_jobs, WITH_PROBLEMS)
    client = login(personas.case_handler)
    response = client.post(url("batch_configure", batch), mapping_data(batch))
    assert response.status_code == 302
    assert fresh(batch).status == ImportBatch.Status.VALIDATING
    assert fresh(batch).mapping == {"code": 0, "name": 1, "amount": 2, "opened_on": 3, "phone": 4, "unit_kind": 5}

    run_jobs()
    page = client.get(url("batch_detail", batch)).content.decode()
    assert {k: v for k, v in fresh(batch).counts.items() if v} == {"new": 2, "error": 1, "duplicate": 2}
    assert 'id="count-new">2<' in page and 'id="count-error">1<' in page and 'id="count-duplicate">2<' in page
    assert 'id="count-update">0<' in page and 'id="count-skipped">0<' in page
    assert "Amount must not be negative." in page
    assert "The same key “T-004” is also on rows 6; choose the row to import." in page
    assert 'id="duplicates-form"' in page
    assert "Keep row 5" in page and "Keep row 6" in page and "Keep none of them" in page
    assert 'id="row-4"' in page  # the error row, under "With errors"
    assert url("error_report", batch) in page
    assert 'id="commit-button"' in page


def test_the_loans_mapping_offers_the_options_and_configure_saves_them(personas, run_jobs):
    content = (
        "合同编号,产品,借款本金,年利率,放款日,借款人姓名\r\nLN-001,消费贷款,50000.00,4.35,2023-01-15,赵六\r\n"
    ).encode()
    batch = services.import_start(
        actor=personas.case_handler, creditor=personas.creditor, kind="loans", file_name="loans.csv", content=content
    )
    run_jobs()
    batch = fresh(batch)
    client = login(personas.case_handler)
    page = client.get(url("batch_detail", batch)).content.decode()
    for name in ("grouping", "overwrite", "open_cases"):
        assert f'name="{name}"' in page, name
    assert "Borrower" in page and "Guarantor 1" in page  # the field groups, headed
    data = {"version": batch.version, "grouping": "borrower", "overwrite": "on"}
    for key, column in batch.suggested_mapping.items():
        data[f"field_{key}"] = str(column)
    response = client.post(url("batch_configure", batch), data)
    assert response.status_code == 302
    batch = fresh(batch)
    assert batch.status == ImportBatch.Status.VALIDATING
    assert (batch.options["grouping"], batch.options["overwrite"], batch.options["open_cases"]) == (
        "borrower",
        True,
        False,
    )
    assert batch.mapping == batch.suggested_mapping


def test_two_fields_on_one_column_are_refused_on_the_form(personas, test_kind, run_jobs):
    batch = to_mapping(personas, run_jobs)
    before = snapshot(batch)
    data = mapping_data(batch, {"code": 0, "name": 0})
    response = login(personas.case_handler).post(url("batch_configure", batch), data)
    assert response.status_code == 200
    assert "This column is already mapped to “Unit code”." in response.content.decode()
    assert snapshot(batch) == before


def test_resolving_a_duplicate_keeps_the_chosen_row(personas, test_kind, run_jobs):
    batch = to_preview(personas, run_jobs, WITH_PROBLEMS)
    client = login(personas.case_handler)
    response = client.post(url("batch_resolve_duplicates", batch), {"version": batch.version, "group_0": "6"})
    assert response.status_code == 302
    assert fresh(batch).duplicate_choices == {"T-004": 6}
    run_jobs()
    batch = fresh(batch)
    assert batch.status == ImportBatch.Status.PREVIEW
    assert {k: v for k, v in batch.counts.items() if v} == {"new": 3, "error": 1, "skipped": 1}
    assert 'id="duplicates-form"' not in client.get(url("batch_detail", batch)).content.decode()


def test_keeping_none_of_the_duplicates_leaves_them_all_out(personas, test_kind, run_jobs):
    batch = to_preview(personas, run_jobs, WITH_PROBLEMS)
    client = login(personas.case_handler)
    response = client.post(url("batch_resolve_duplicates", batch), {"version": batch.version, "group_0": "none"})
    assert response.status_code == 302
    assert fresh(batch).duplicate_choices == {"T-004": None}
    run_jobs()
    assert {k: v for k, v in fresh(batch).counts.items() if v} == {"new": 2, "error": 1, "skipped": 2}


def test_commit_imports_the_rows_and_shows_the_result(personas, test_kind, run_jobs):
    batch = to_preview(personas, run_jobs, GOOD)
    client = login(personas.case_handler)
    response = client.post(url("batch_commit", batch), {"version": batch.version})
    assert response.status_code == 302
    assert fresh(batch).status == ImportBatch.Status.COMMITTING
    page = client.get(url("batch_detail", batch)).content.decode()
    assert "?shown=committing" in page and "Chunks already written stay written" in page

    run_jobs()
    batch = fresh(batch)
    assert batch.status == ImportBatch.Status.DONE
    assert set(OrgUnit.objects.filter(code__in=["T-001", "T-002"]).values_list("name", flat=True)) == {
        "Alpha unit",
        "Beta unit",
    }
    page = client.get(url("batch_detail", batch)).content.decode()
    assert 'id="result-created">2<' in page
    assert 'id="result-updated">0<' in page
    assert reverse("cases:case_list") in page


def test_rows_refused_when_written_are_counted_in_the_result(personas, test_kind, run_jobs):
    batch = to_preview(personas, run_jobs, [*GOOD, ["T-009", "WRITE-FAIL", "1", "2024-01-31", "", "Branch"]])
    client = login(personas.case_handler)
    client.post(url("batch_commit", batch), {"version": batch.version})
    run_jobs()
    page = client.get(url("batch_detail", batch)).content.decode()
    assert fresh(batch).status == ImportBatch.Status.DONE
    assert 'id="result-created">2<' in page and 'id="result-write-errors">1<' in page


def test_commit_is_refused_with_the_message_while_a_required_field_is_unmapped(personas, test_kind, run_jobs):
    batch = to_preview(personas, run_jobs, GOOD, mapping={"code": 0, "amount": 2})
    client = login(personas.case_handler)
    page = client.get(url("batch_detail", batch)).content.decode()
    assert 'id="unmapped-required"' in page and "Unit name" in page
    assert 'id="commit-button" disabled' in page
    before = snapshot(batch)

    response = client.post(url("batch_commit", batch), {"version": batch.version}, follow=True)
    assert response.status_code == 200
    assert "Unit name" in response.content.decode() and 'class="alert alert-danger' in response.content.decode()
    assert snapshot(batch) == before


def test_the_mapping_can_be_changed_from_the_preview(personas, test_kind, run_jobs):
    batch = to_preview(personas, run_jobs, GOOD, mapping={"code": 0, "amount": 2})
    client = login(personas.case_handler)
    assert 'id="remap" open' in client.get(url("batch_detail", batch)).content.decode()
    response = client.post(url("batch_configure", batch), mapping_data(batch))
    assert response.status_code == 302
    run_jobs()
    assert fresh(batch).mapping["name"] == 1
    assert 'id="unmapped-required"' not in client.get(url("batch_detail", batch)).content.decode()


def test_cancel_ends_the_import(personas, test_kind, run_jobs):
    batch = to_mapping(personas, run_jobs)
    client = login(personas.case_handler)
    response = client.post(url("batch_cancel", batch), {"version": batch.version})
    assert response.status_code == 302
    assert fresh(batch).status == ImportBatch.Status.CANCELLED
    page = client.get(url("batch_detail", batch)).content.decode()
    assert "The import was cancelled" in page
    assert 'id="import-cancel-button"' not in page


def test_an_htmx_post_answers_with_a_redirect_header(personas, test_kind, run_jobs):
    batch = to_mapping(personas, run_jobs)
    response = login(personas.case_handler).post(
        url("batch_cancel", batch), {"version": batch.version}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 204 and response["HX-Redirect"] == url("batch_detail", batch)


# --- the polled status ------------------------------------------------------------------------------------


def test_the_status_poll_reloads_the_page_once_the_step_is_over(personas, test_kind, run_jobs):
    batch = start(personas)
    client = login(personas.case_handler)
    polled = f"{url('batch_status', batch)}?shown=analysing"
    response = client.get(polled, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "HX-Refresh" not in response
    body = response.content.decode()
    assert 'id="import-progress"' in body and "hx-disable" in body  # the job's card, its own poll switched off

    run_jobs()
    response = client.get(polled, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response["HX-Refresh"] == "true"


# --- downloads --------------------------------------------------------------------------------------------


def test_the_error_report_is_a_workbook_with_the_bad_rows_and_their_errors(personas, test_kind, run_jobs):
    batch = to_preview(personas, run_jobs, WITH_PROBLEMS)
    before = AccessLog.objects.count()
    response = login(personas.case_handler).get(url("error_report", batch))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="units errors.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    text = "\n".join(str(value) for row in sheet.iter_rows(values_only=True) for value in row if value is not None)
    assert "T-003" in text and "Amount must not be negative." in text
    assert "T-004" in text
    assert "T-001" not in text  # a good row is not in the report
    assert AccessLog.objects.count() == before + 1


def test_the_error_report_asks_for_the_password_again_when_the_confirmation_is_old(personas, test_kind, run_jobs):
    from tests.support.reauth import confirm, forget

    batch = to_preview(personas, run_jobs, WITH_PROBLEMS)
    client = login(personas.case_handler)
    forget(client)
    before = AccessLog.objects.count()
    response = client.get(url("error_report", batch))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/confirm/?next=")
    assert AccessLog.objects.count() == before  # nothing was exported
    confirm(client)
    assert client.get(url("error_report", batch)).status_code == 200


def test_the_standard_template_downloads_as_a_workbook(personas, test_kind):
    response = login(personas.case_handler).get(url("template_download", kind="testing"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    book = load_workbook(io.BytesIO(response.content))
    headers = [cell.value for cell in book.worksheets[0][1]]
    assert headers == [template.header_text(spec) for spec in test_kind.fields]
    assert [str(cell.value) for cell in book.worksheets[0][2]][:2] == ["U001", "Test unit"]  # the example row
    assert len(book.worksheets) == 2  # the data sheet and the field guide


def test_a_template_the_user_may_not_import_is_403_and_an_unknown_kind_404(personas, test_kind):
    lawyer = login(personas.external_lawyer)
    assert lawyer.get(url("template_download", kind="loans")).status_code == 403
    assert lawyer.get(url("template_download", kind="progress")).status_code == 200
    assert lawyer.get(url("template_download", kind="nothing")).status_code == 404


# --- refusals ---------------------------------------------------------------------------------------------


def test_another_users_import_is_404_and_nothing_changes(personas, test_kind, run_jobs):
    batch = to_preview(personas, run_jobs, WITH_PROBLEMS)
    before = snapshot(batch)
    other = login(personas.outsider_branch)
    for name in ("batch_detail", "batch_status", "error_report"):
        assert other.get(url(name, batch)).status_code == 404, name
    posts = {
        "batch_configure": mapping_data(batch),
        "batch_resolve_duplicates": {"version": batch.version, "group_0": "5"},
        "batch_commit": {"version": batch.version},
        "batch_cancel": {"version": batch.version},
    }
    for name, data in posts.items():
        assert other.post(url(name, batch), data).status_code == 404, name
    assert snapshot(batch) == before
    assert other.get(url("batch_list")).content.decode().count(batch.file_name) == 0


def test_an_auditor_sees_an_import_but_may_not_move_it_on(personas, test_kind, run_jobs):
    batch = to_preview(personas, run_jobs, GOOD)
    before = snapshot(batch)
    auditor = login(personas.auditor)
    page = auditor.get(url("batch_detail", batch)).content.decode()
    assert 'id="count-new">2<' in page
    assert 'id="commit-button"' not in page
    for name in ("batch_commit", "batch_cancel"):
        assert auditor.post(url(name, batch), {"version": batch.version}).status_code == 403
    assert snapshot(batch) == before


@pytest.mark.parametrize("name", ["batch_commit", "batch_cancel", "batch_resolve_duplicates", "batch_configure"])
def test_a_stale_version_answers_409_and_changes_nothing(personas, test_kind, run_jobs, name):
    batch = to_preview(personas, run_jobs, WITH_PROBLEMS)
    before = snapshot(batch)
    data = {
        "batch_commit": {},
        "batch_cancel": {},
        "batch_resolve_duplicates": {"group_0": "5"},
        "batch_configure": mapping_data(batch),
    }[name]
    data["version"] = batch.version - 1
    response = login(personas.case_handler).post(url(name, batch), data)
    assert response.status_code == 409
    page = response.content.decode()
    assert 'id="stale-notice"' in page and "Nothing was changed." in page
    assert snapshot(batch) == before


def test_a_step_that_no_longer_applies_is_a_message_not_an_error_page(personas, test_kind, run_jobs):
    batch = to_preview(personas, run_jobs, GOOD)
    client = login(personas.case_handler)
    client.post(url("batch_cancel", batch), {"version": batch.version})
    batch = fresh(batch)
    before = snapshot(batch)
    response = client.post(url("batch_commit", batch), {"version": batch.version}, follow=True)
    assert response.status_code == 200
    assert "Only an import whose rows have been checked can be started." in response.content.decode()
    response = client.post(url("batch_configure", batch), mapping_data(batch), follow=True)
    assert response.status_code == 200
    assert "The columns can be mapped once the file has been read" in response.content.decode()
    response = client.post(url("batch_resolve_duplicates", batch), {"version": batch.version}, follow=True)
    assert "Duplicates can be resolved once the rows have been checked." in response.content.decode()
    assert snapshot(batch) == before
