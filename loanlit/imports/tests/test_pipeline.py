"""The pipeline end to end through jobs, with the fake kind (``kinds/testing.py``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone, translation

from loanlit.audit.models import AccessLog, AuditEntry
from loanlit.core.errors import DomainError, PermissionDeniedError
from loanlit.core.models import OrgUnit
from loanlit.imports import selectors, services
from loanlit.imports.kinds import testing
from loanlit.imports.models import ImportBatch, ImportRow
from loanlit.imports.services import runs, steps, storage
from loanlit.imports.services.rows import decode_payload
from loanlit.jobs import services as job_services
from loanlit.jobs.models import Job
from loanlit.notifications.models import Notification

from . import pipeline_support as support
from .pipeline_support import csv_bytes, xlsx_bytes

# The pipeline fixtures (a module, not a conftest: other import tests share this folder).
_pipeline_settings = support._pipeline_settings
run_jobs = support.run_jobs
test_kind = support.test_kind

pytestmark = pytest.mark.django_db

ROWS = [
    ["T-001", "Alpha unit", "1234.5", "2024-01-31", "13800138000", "Branch"],
    ["T-002", "Beta unit", "99", "2024-02-29", "", "sub_branch"],
]


def start(personas: Any, content: bytes, *, name: str = "units.csv", user: Any = None, **kwargs: Any) -> ImportBatch:
    return services.import_start(
        actor=user or personas.case_handler,
        creditor=personas.creditor,
        kind="testing",
        file_name=name,
        content=content,
        **kwargs,
    )


def fresh(batch: ImportBatch) -> ImportBatch:
    return ImportBatch.objects.get(pk=batch.pk)


def configure(personas: Any, batch: ImportBatch, mapping: dict[str, int] | None = None, **kwargs: Any) -> ImportBatch:
    batch = fresh(batch)
    return services.import_configure(
        actor=batch.created_by,
        batch=batch,
        version=batch.version,
        mapping=batch.suggested_mapping if mapping is None else mapping,
        options=kwargs.pop("options", {}),
        **kwargs,
    )


def to_preview(personas: Any, run_jobs: Any, content: bytes, **kwargs: Any) -> ImportBatch:
    batch = start(personas, content, **kwargs)
    run_jobs()
    batch = fresh(batch)
    assert batch.status == ImportBatch.Status.MAPPING, batch.error_message
    configure(personas, batch)
    run_jobs()
    batch = fresh(batch)
    assert batch.status == ImportBatch.Status.PREVIEW, batch.error_message
    return batch


def commit(batch: ImportBatch) -> ImportBatch:
    batch = fresh(batch)
    return services.import_commit(actor=batch.created_by, batch=batch, version=batch.version)


def test_a_csv_goes_through_every_step_to_done(personas: Any, test_kind: Any, run_jobs: Any) -> None:
    content = csv_bytes(ROWS)
    batch = start(personas, content)
    assert batch.status == ImportBatch.Status.ANALYSING
    assert batch.job is not None and batch.job.kind == "imports.analyse"
    assert batch.unit == personas.beijing  # the uploader's unit by default
    assert batch.file_sha256 == storage.sha256(content) and batch.file_size == len(content)

    run_jobs()
    batch = fresh(batch)
    assert batch.status == ImportBatch.Status.MAPPING
    assert batch.format == "csv"
    assert batch.headers == ["Unit code", "Unit name", "Amount", "Opened on", "Phone", "Unit kind"]
    assert batch.row_count == 2
    assert batch.suggested_mapping == {"code": 0, "name": 1, "amount": 2, "opened_on": 3, "phone": 4, "unit_kind": 5}

    configure(personas, batch)
    batch = fresh(batch)
    assert batch.status == ImportBatch.Status.VALIDATING and batch.job.kind == "imports.validate"
    run_jobs()
    batch = fresh(batch)
    assert batch.status == ImportBatch.Status.PREVIEW
    assert batch.counts == {"new": 2, "update": 0, "unchanged": 0, "duplicate": 0, "error": 0, "skipped": 0}
    row = ImportRow.objects.get(batch=batch, number=2)
    values = decode_payload(row.payload)["values"]
    assert values["code"] == "T-001" and values["name"] == "Alpha unit"
    assert str(values["amount"]) == "1234.50"
    assert values["opened_on"].isoformat() == "2024-01-31"
    assert values["unit_kind"] == "branch"
    assert "Alpha unit" not in row.payload  # encrypted at rest

    commit(batch)
    batch = fresh(batch)
    assert batch.status == ImportBatch.Status.COMMITTING and batch.job.kind == "imports.commit"
    run_jobs()
    batch = fresh(batch)
    assert batch.status == ImportBatch.Status.DONE
    assert batch.committed_at is not None
    assert batch.result["created"] == 2 and batch.result["updated"] == 0 and batch.result["rows_committed"] == 2
    alpha = OrgUnit.objects.get(code="T-001")
    assert (alpha.name, alpha.kind, alpha.parent_id) == ("Alpha unit", "branch", personas.beijing.pk)
    assert OrgUnit.objects.get(code="T-002").kind == "sub_branch"
    assert ImportRow.objects.filter(batch=batch, committed=True).count() == 2
    assert ImportRow.objects.get(batch=batch, number=2).result == {"unit": alpha.pk}
    actions = list(
        AuditEntry.objects.filter(stream=f"import:{batch.pk}").order_by("pk").values_list("action", flat=True)
    )
    assert actions == ["import.started", "import.configured", "import.commit_started", "import.committed"]
    note = Notification.objects.get(recipient=personas.case_handler, code="imports.done")
    assert note.title == f"Import no. {batch.pk} finished"
    assert note.body == "2 created, 0 updated, 0 rows not imported."
    assert note.link == reverse("imports:batch_detail", args=[batch.pk])
    assert Job.objects.filter(kind__startswith="imports.").exclude(state=Job.State.SUCCEEDED).count() == 0


def test_the_stored_file_is_encrypted_and_bound_to_its_batch(personas: Any, test_kind: Any) -> None:
    content = csv_bytes(ROWS)
    batch = start(personas, content)
    assert batch.file_path == f"imports/{timezone.localdate():%Y}/{batch.pk}.bin"
    with default_storage.open(batch.file_path, "rb") as handle:
        blob = handle.read()
    assert b"Alpha unit" not in blob and b"T-001" not in blob
    assert storage.load_file(batch_id=batch.pk, name=batch.file_path) == content
    from loanlit.core.crypto import DecryptionError

    with pytest.raises(DecryptionError):
        storage.decrypt_bytes(blob, context="imports.file:999999")


def test_an_xlsx_below_a_title_row_keeps_its_types(personas: Any, test_kind: Any, run_jobs: Any) -> None:
    from datetime import date
    from decimal import Decimal

    content = xlsx_bytes(
        [["007", "Gamma unit", Decimal("10.25"), date(2023, 12, 1), "13900139000", "Branch"]],
        title="Units to import",
        text_columns=(0, 4),
    )
    batch = to_preview(personas, run_jobs, content, name="units.xlsx")
    assert batch.format == "xlsx" and batch.header_row == 2 and batch.sheet_name == "Units"
    row = ImportRow.objects.get(batch=batch)
    assert row.number == 3
    values = decode_payload(row.payload)["values"]
    assert values["code"] == "007"
    assert values["amount"] == Decimal("10.25")
    assert values["opened_on"] == date(2023, 12, 1)


def test_duplicates_by_spaces_and_full_width_forms_are_flagged_until_resolved(
    personas: Any, test_kind: Any, run_jobs: Any
) -> None:
    rows = [
        ["D-001", "First", "1", "", "", ""],
        [" D-001 ", "Second", "2", "", "", ""],
        ["\uff24\uff0d\uff10\uff10\uff11", "Third", "3", "", "", ""],  # full-width D-001
        ["D-002", "Other", "4", "", "", ""],
    ]
    batch = to_preview(personas, run_jobs, csv_bytes(rows))
    assert batch.counts["duplicate"] == 3 and batch.counts["new"] == 1
    preview = selectors.import_preview(batch, user=personas.case_handler)
    assert preview.duplicates == {"D-001": [2, 3, 4]}
    assert [r.number for r in preview.rows["duplicate"]] == [2, 3, 4]
    assert "also on rows 3, 4" in preview.rows["duplicate"][0].errors[0]

    services.import_resolve_duplicates(
        actor=personas.case_handler, batch=batch, version=batch.version, keep={"D-001": 3}
    )
    run_jobs()
    batch = fresh(batch)
    assert batch.status == ImportBatch.Status.PREVIEW
    statuses = dict(ImportRow.objects.filter(batch=batch).values_list("number", "status"))
    assert statuses == {2: "skipped", 3: "new", 4: "skipped", 5: "new"}
    with translation.override("en"):
        skipped = selectors.import_preview(batch, user=personas.case_handler).rows["skipped"]
    assert [(r.number, r.errors) for r in skipped] == [
        (2, ["Another row with the key “D-001” was chosen; this one is not imported."]),
        (4, ["Another row with the key “D-001” was chosen; this one is not imported."]),
    ]
    commit(batch)
    run_jobs()
    assert OrgUnit.objects.get(code="D-001").name == "Second"
    assert not OrgUnit.objects.filter(name__in=["First", "Third"]).exists()


def test_resolving_a_key_that_is_not_a_duplicate_is_refused(personas: Any, test_kind: Any, run_jobs: Any) -> None:
    batch = to_preview(personas, run_jobs, csv_bytes(ROWS))
    with pytest.raises(DomainError, match="is not a duplicate"):
        services.import_resolve_duplicates(
            actor=personas.case_handler, batch=batch, version=batch.version, keep={"T-001": 2}
        )


def test_every_error_of_a_row_is_listed(personas: Any, test_kind: Any, run_jobs: Any) -> None:
    rows = [["E-001", "", "abc", "2024-02-30", "", "Nowhere"], ["E-002", "Fine", "-5", "", "", ""]]
    batch = to_preview(personas, run_jobs, csv_bytes(rows))
    assert batch.counts["error"] == 2
    first = ImportRow.objects.get(batch=batch, number=2)
    assert sorted(e["field"] for e in first.errors) == ["amount", "name", "opened_on", "unit_kind"]
    preview = selectors.import_preview(batch, user=personas.case_handler)
    messages = {r.number: r.errors for r in preview.rows["error"]}
    assert messages[2] == [
        "Unit name is required.",
        "Amount: “abc” is not an amount.",
        "Opened on: “2024-02-30” is not a date (write it as 2023-03-15).",
        "Unit kind: “Nowhere” is not one of the allowed values.",
    ]
    assert messages[3] == ["Amount must not be negative."]
    with pytest.raises(DomainError, match=r"There is no new or changed row to import\."):
        commit(batch)


def test_an_unmapped_required_field_blocks_the_commit_with_its_message(
    personas: Any, test_kind: Any, run_jobs: Any
) -> None:
    content = csv_bytes([["R-001", "12"]], headers=["Unit code", "Amount"])
    batch = to_preview(personas, run_jobs, content)
    message = "Map a column to every required field before importing. Not mapped: Unit name."
    assert batch.error_message == message
    preview = selectors.import_preview(batch, user=personas.case_handler)
    assert preview.unmapped_required == ["Unit name"]
    assert preview.unmapped_message == message and not preview.can_commit
    with pytest.raises(DomainError) as refused:
        commit(batch)
    assert refused.value.message == message
    assert fresh(batch).status == ImportBatch.Status.PREVIEW
    assert not OrgUnit.objects.filter(code="R-001").exists()


def test_a_mapping_that_names_a_column_twice_or_out_of_range_is_refused(
    personas: Any, test_kind: Any, run_jobs: Any
) -> None:
    batch = start(personas, csv_bytes(ROWS))
    run_jobs()
    batch = fresh(batch)
    for mapping, text in (
        ({"code": 0, "name": 0}, "One column is mapped to both"),
        ({"code": 0, "name": 9}, "is not a column of the file"),
        ({"nope": 1}, "There is no field"),
    ):
        with pytest.raises(DomainError, match=text):
            services.import_configure(
                actor=personas.case_handler, batch=batch, version=batch.version, mapping=mapping, options={}
            )
    with pytest.raises(DomainError, match="Unknown import option"):
        services.import_configure(
            actor=personas.case_handler,
            batch=batch,
            version=batch.version,
            mapping={"code": 0, "name": 1},
            options={"colour": "red"},
        )
    from loanlit.core.errors import StaleVersionError

    with pytest.raises(StaleVersionError):
        services.import_configure(
            actor=personas.case_handler,
            batch=batch,
            version=batch.version - 1,
            mapping={"code": 0, "name": 1},
            options={},
        )
    assert fresh(batch).status == ImportBatch.Status.MAPPING


def test_a_transform_preset_needs_no_mapping_and_skips_what_it_leaves_out(
    personas: Any, test_kind: Any, run_jobs: Any
) -> None:
    content = csv_bytes([["P-1", "Kept", ""], ["P-2", "Left out", "Y"]], headers=["ref", "title", "skip"])
    batch = start(personas, content, preset="testing.derived")
    run_jobs()  # analyse queues validate, which runs in the same pass
    batch = fresh(batch)
    assert batch.status == ImportBatch.Status.PREVIEW
    assert batch.counts["new"] == 1 and batch.counts["skipped"] == 1
    commit(batch)
    run_jobs()
    assert OrgUnit.objects.get(code="P-1").name == "Kept"
    assert not OrgUnit.objects.filter(code="P-2").exists()


def test_a_column_preset_maps_its_own_headers(personas: Any, test_kind: Any, run_jobs: Any) -> None:
    content = csv_bytes([["L-1", "Legacy"]], headers=["Legacy ID", "Legacy name"])
    batch = start(personas, content, preset="testing.legacy")
    run_jobs()
    assert fresh(batch).suggested_mapping == {"code": 0, "name": 1}


def test_a_merged_range_in_a_non_key_column_fails_the_batch_naming_the_range(
    personas: Any, test_kind: Any, run_jobs: Any
) -> None:
    content = xlsx_bytes(
        [["M-1", "Merged", 5, None, None, None], ["M-2", None, None, None, None, None]],
        merge="B2:B3",
        text_columns=(0,),
    )
    batch = start(personas, content, name="merged.xlsx")
    run_jobs()
    configure(personas, fresh(batch))
    run_jobs()
    batch = fresh(batch)
    assert batch.status == ImportBatch.Status.FAILED
    assert "B2:B3" in batch.error_message and "Unit name" in batch.error_message
    assert not ImportRow.objects.filter(batch=batch).exists()
    assert Notification.objects.filter(recipient=personas.case_handler, code="imports.failed").exists()


def test_a_refused_file_fails_the_batch_with_the_readers_message(personas: Any, test_kind: Any, run_jobs: Any) -> None:
    batch = start(personas, b"PK\x03\x04 this is no workbook", name="broken.xlsx")
    run_jobs()
    batch = fresh(batch)
    assert batch.status == ImportBatch.Status.FAILED
    assert batch.error_message
    assert Job.objects.get(pk=batch.job_id).state == Job.State.FAILED


def test_the_same_file_again_is_a_warning_not_a_refusal(personas: Any, test_kind: Any, run_jobs: Any) -> None:
    content = csv_bytes(ROWS)
    first = to_preview(personas, run_jobs, content)
    commit(first)
    run_jobs()
    second = start(personas, content)
    assert len(second.problems) == 1 and f"import no. {first.pk}" in second.problems[0]
    run_jobs()
    second = fresh(second)
    assert second.status == ImportBatch.Status.MAPPING
    assert f"import no. {first.pk}" in second.problems[0]


def test_a_second_import_classifies_unchanged_and_updated_rows(personas: Any, test_kind: Any, run_jobs: Any) -> None:
    first = to_preview(personas, run_jobs, csv_bytes(ROWS))
    commit(first)
    run_jobs()
    OrgUnit.objects.filter(code="T-002").update(responsible_person="Edited by a user")
    changed = [ROWS[0], ["T-002", "Beta renamed", "99", "", "", ""]]
    second = to_preview(personas, run_jobs, csv_bytes(changed))
    assert second.counts["unchanged"] == 1 and second.counts["update"] == 1
    preview = selectors.import_preview(second, user=personas.case_handler)
    assert preview.rows["update"][0].diff == [("Unit name", "Beta unit", "Beta renamed")]
    assert [(c.row, c.field, c.on_file, c.in_file) for c in preview.conflicts] == [
        (3, "Unit name", "Beta unit", "Beta renamed")
    ]


def test_a_killed_commit_resumes_without_writing_anything_twice(
    personas: Any, test_kind: Any, run_jobs: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(steps, "COMMIT_CHUNK", 1)
    rows = [[f"K-{n}", f"Unit {n}", "", "", "", ""] for n in range(1, 4)]
    batch = to_preview(personas, run_jobs, csv_bytes(rows))
    commit(batch)
    test_kind.kill_in_chunk = 2  # the worker dies while writing the second chunk
    with pytest.raises(testing.SimulatedWorkerKill):
        run_jobs()
    job = Job.objects.get(pk=fresh(batch).job_id)
    assert job.state == Job.State.RUNNING
    assert list(OrgUnit.objects.filter(code__startswith="K-").values_list("code", flat=True)) == ["K-1"]
    assert list(ImportRow.objects.filter(batch=batch, committed=True).values_list("number", flat=True)) == [2]
    assert fresh(batch).result["created"] == 1

    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    assert job_services.job_recover_stale().requeued == [job.pk]
    test_kind.kill_in_chunk = None
    run_jobs()
    batch = fresh(batch)
    assert batch.status == ImportBatch.Status.DONE
    assert sorted(OrgUnit.objects.filter(code__startswith="K-").values_list("code", flat=True)) == ["K-1", "K-2", "K-3"]
    assert batch.result["created"] == 3 and batch.result["rows_committed"] == 3
    assert ImportRow.objects.filter(batch=batch, committed=True).count() == 3
    assert (
        AuditEntry.objects.filter(
            action="org_unit.created",
            target_id__in=[
                str(pk) for pk in OrgUnit.objects.filter(code__startswith="K-").values_list("pk", flat=True)
            ],
        ).count()
        == 3
    )


def test_a_write_error_marks_only_its_row(personas: Any, test_kind: Any, run_jobs: Any) -> None:
    rows = [["W-1", "WRITE-FAIL", "", "", "", ""], ["W-2", "Good", "", "", "", ""]]
    batch = to_preview(personas, run_jobs, csv_bytes(rows))
    commit(batch)
    run_jobs()
    batch = fresh(batch)
    assert batch.status == ImportBatch.Status.DONE
    assert batch.counts["error"] == 1 and batch.counts["new"] == 1
    assert batch.result["write_errors"] == 1 and batch.result["created"] == 1
    assert ImportRow.objects.get(batch=batch, number=2).errors[-1]["message"] == "Refused when written."


def test_cancel_before_the_commit_runs_writes_nothing(personas: Any, test_kind: Any, run_jobs: Any) -> None:
    batch = to_preview(personas, run_jobs, csv_bytes(ROWS))
    batch = commit(batch)
    services.import_cancel(actor=personas.case_handler, batch=batch, version=batch.version)
    run_jobs()
    batch = fresh(batch)
    assert batch.status == ImportBatch.Status.CANCELLED
    assert Job.objects.get(pk=batch.job_id).state == Job.State.CANCELLED
    assert not OrgUnit.objects.filter(code__startswith="T-").exists()
    with pytest.raises(DomainError):
        services.import_commit(actor=personas.case_handler, batch=batch, version=batch.version)


def test_a_cancel_during_the_commit_rolls_back_the_chunk_in_progress_and_keeps_earlier_chunks(
    personas: Any, test_kind: Any, run_jobs: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from loanlit.jobs.context import JobCancelled, JobContext

    monkeypatch.setattr(steps, "COMMIT_CHUNK", 1)
    rows = [[f"C-{n}", f"Unit {n}", "", "", "", ""] for n in range(1, 4)]
    batch = to_preview(personas, run_jobs, csv_bytes(rows))
    commit(batch)
    original = JobContext.check_cancelled

    def cancel_inside_the_second_chunk(self: JobContext) -> None:
        # Somebody presses cancel on the jobs page while chunk 2 is being written.
        if test_kind.chunks_seen == 2 and OrgUnit.objects.filter(code="C-2").exists():
            raise JobCancelled()
        original(self)

    monkeypatch.setattr(JobContext, "check_cancelled", cancel_inside_the_second_chunk)
    run_jobs()
    batch = fresh(batch)
    assert batch.status == ImportBatch.Status.CANCELLED
    assert batch.result["cancelled"] is True and batch.result["created"] == 1
    assert list(OrgUnit.objects.filter(code__startswith="C-").values_list("code", flat=True)) == ["C-1"]
    assert Job.objects.get(pk=batch.job_id).state == Job.State.CANCELLED


def test_viewers_and_outsiders_cannot_start_see_or_download_an_import(
    personas: Any, test_kind: Any, run_jobs: Any
) -> None:
    batch = to_preview(personas, run_jobs, csv_bytes(ROWS))
    before = (ImportBatch.objects.count(), Job.objects.count(), AuditEntry.objects.count())
    for user in (personas.read_only, personas.branch_manager, personas.external_lawyer, personas.outsider_creditor):
        with pytest.raises(PermissionDeniedError):
            start(personas, csv_bytes(ROWS), user=user)
    with pytest.raises(PermissionDeniedError):  # Guangdong may import, but not into Beijing
        start(personas, csv_bytes(ROWS), user=personas.outsider_branch, unit=personas.beijing)
    assert (ImportBatch.objects.count(), Job.objects.count(), AuditEntry.objects.count()) == before

    for user in (personas.read_only, personas.outsider_branch, personas.outsider_creditor, personas.legal_manager):
        with pytest.raises(selectors.BatchNotFound):
            selectors.import_batch_get_for_user(user, batch.pk)
        assert not selectors.import_batches_for_user(user).filter(pk=batch.pk).exists()
    from django.http import Http404

    assert issubclass(selectors.BatchNotFound, Http404) and issubclass(
        selectors.BatchNotFound, ImportBatch.DoesNotExist
    )
    for user in (personas.outsider_branch, personas.legal_manager):
        for call in (
            lambda u: services.import_commit(actor=u, batch=batch, version=batch.version),
            lambda u: services.import_cancel(actor=u, batch=batch, version=batch.version),
            lambda u: services.import_configure(actor=u, batch=batch, version=batch.version, mapping={}, options={}),
        ):
            with pytest.raises(PermissionDeniedError):
                call(user)
    assert fresh(batch).status == ImportBatch.Status.PREVIEW and fresh(batch).version == batch.version
    assert (ImportBatch.objects.count(), Job.objects.count(), AuditEntry.objects.count()) == before
    assert selectors.import_batch_get_for_user(personas.case_handler, batch.pk) == batch
    assert selectors.import_batch_get_for_user(personas.auditor, batch.pk) == batch  # jobs.view_all


def test_the_preview_masks_personal_data_unless_the_viewer_may_unmask(
    personas: Any, test_kind: Any, run_jobs: Any
) -> None:
    batch = to_preview(personas, run_jobs, csv_bytes(ROWS))
    masked = selectors.import_preview(batch, user=personas.auditor)
    first = dict(masked.rows["new"][0].values)
    assert masked.masked and first["Unit name"] == "A*********" and first["Phone"] == "138****8000"
    assert first["Unit code"] == "T-001" and first["Amount"] == "1234.50" and first["Unit kind"] == "Branch"
    assert not AccessLog.objects.filter(action="personal_data.read").exists()
    clear = selectors.import_preview(batch, user=personas.case_handler)
    assert dict(clear.rows["new"][0].values)["Unit name"] == "Alpha unit"
    assert AccessLog.objects.filter(action="personal_data.read", user=personas.case_handler).count() == 1
    assert [(c.header, c.field_label) for c in clear.columns][:2] == [
        ("Unit code", "Unit code"),
        ("Unit name", "Unit name"),
    ]


def test_runs_skip_a_batch_that_moved_on(personas: Any, test_kind: Any, run_jobs: Any) -> None:
    batch = start(personas, csv_bytes(ROWS))
    services.import_cancel(actor=personas.case_handler, batch=batch, version=fresh(batch).version)
    assert fresh(batch).status == ImportBatch.Status.CANCELLED
    run_jobs()
    assert fresh(batch).status == ImportBatch.Status.CANCELLED
    assert runs.current_counts(batch)["new"] == 0


def test_choosing_another_sheet_reads_the_file_again_and_validates_that_sheet(
    personas: Any, test_kind: Any, run_jobs: Any
) -> None:
    import io

    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "Notes"
    book.active.append(["Nothing to import here"])
    second = book.create_sheet("Units")
    second.append(["Unit code", "Unit name"])
    second.append(["S-1", "From the second sheet"])
    buffer = io.BytesIO()
    book.save(buffer)
    batch = start(personas, buffer.getvalue(), name="two-sheets.xlsx")
    run_jobs()
    batch = fresh(batch)
    assert batch.sheet_names == ["Notes", "Units"]
    if batch.sheet_name != "Notes":  # the reader may already pick the sheet with the known headers
        configure(personas, batch, sheet="Notes")
        run_jobs()
        batch = fresh(batch)
    assert batch.sheet_name == "Notes"
    configure(personas, batch, sheet="Units")
    batch = fresh(batch)
    assert batch.status == ImportBatch.Status.ANALYSING and batch.job.kind == "imports.analyse"
    run_jobs()
    batch = fresh(batch)
    assert (batch.status, batch.sheet_name, batch.headers) == ("mapping", "Units", ["Unit code", "Unit name"])
    configure(personas, batch)
    run_jobs()
    batch = fresh(batch)
    assert batch.status == ImportBatch.Status.PREVIEW and batch.counts["new"] == 1
    with pytest.raises(DomainError, match="no sheet named"):
        services.import_configure(
            actor=personas.case_handler, batch=batch, version=batch.version, mapping={}, options={}, sheet="Missing"
        )


def test_an_import_whose_job_was_given_up_fails_instead_of_waiting_forever(
    personas: Any, test_kind: Any, run_jobs: Any
) -> None:
    batch = to_preview(personas, run_jobs, csv_bytes(ROWS))
    commit(batch)
    job_id = fresh(batch).job_id
    Job.objects.filter(pk=job_id).update(state=Job.State.FAILED, error_message="The worker stopped responding.")
    assert runs.reconcile_stopped_jobs() == 1
    batch = fresh(batch)
    assert (batch.status, batch.error_message) == ("failed", "The worker stopped responding.")
    assert runs.reconcile_stopped_jobs() == 0


def test_an_encoding_that_cannot_read_the_file_goes_back_to_the_earlier_reading(
    personas: Any, test_kind: Any, run_jobs: Any
) -> None:
    content = csv_bytes([["U-1", "Caf\u00e9 unit"]], headers=["Unit code", "Unit name"])
    batch = start(personas, content)
    run_jobs()
    batch = fresh(batch)
    assert batch.status == ImportBatch.Status.MAPPING and batch.encoding_override == ""
    configure(personas, batch, encoding="ascii")
    run_jobs()
    batch = fresh(batch)
    assert batch.status == ImportBatch.Status.MAPPING
    assert batch.encoding_override == "" and batch.error_message
    assert batch.headers == ["Unit code", "Unit name"]
    configure(personas, batch)
    run_jobs()
    batch = fresh(batch)
    assert batch.status == ImportBatch.Status.PREVIEW and batch.counts["new"] == 1


def test_a_progress_import_needs_imports_progress_and_others_imports_run(
    personas: Any, test_kind: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from loanlit.imports import kinds

    class ProgressLike(testing.UnitsKind):
        code = "progress"

    monkeypatch.setitem(kinds._KINDS, "progress", ProgressLike())
    lawyer = personas.external_lawyer  # imports.progress only
    batch = services.import_start(
        actor=lawyer, creditor=personas.creditor, kind="progress", file_name="p.csv", content=csv_bytes(ROWS)
    )
    assert batch.kind == "progress" and batch.created_by == lawyer
    with pytest.raises(PermissionDeniedError):
        start(personas, csv_bytes(ROWS), user=lawyer)
    assert ImportBatch.objects.count() == 1


def test_a_file_over_the_upload_limit_or_empty_is_refused_and_nothing_is_written(
    personas: Any, test_kind: Any, settings: Any
) -> None:
    settings.MAX_UPLOAD_BYTES = 1024 * 1024
    with pytest.raises(DomainError) as refused:
        start(personas, b"x" * (1024 * 1024 + 1))
    assert refused.value.message == "The file is larger than the upload limit of 1 MB."
    with pytest.raises(DomainError, match="The file is empty"):
        start(personas, b"")
    assert not ImportBatch.objects.exists() and not Job.objects.exists()
    assert not default_storage.exists("imports")


def test_the_preview_samples_each_status_in_one_query_whatever_the_number_of_statuses(
    personas: Any, test_kind: Any, run_jobs: Any, django_assert_num_queries: Any
) -> None:
    rows = [  # file rows 2 to 7
        ["S-001", "First", "1", "", "", ""],
        ["S-002", "", "2", "", "", ""],  # error: no name
        ["S-003", "Third", "3", "", "", ""],  # duplicate of row 5
        ["S-003", "Twin", "4", "", "", ""],  # duplicate of row 4
        ["S-005", "Fifth", "x", "", "", ""],  # error: not an amount
        ["S-006", "Sixth", "6", "", "", ""],
    ]
    batch = to_preview(personas, run_jobs, csv_bytes(rows))
    assert {status: n for status, n in batch.counts.items() if n} == {"new": 2, "error": 2, "duplicate": 2}
    # duplicate keys, duplicate groups, the sampled rows, the conflicts: four queries, not one per status
    with django_assert_num_queries(4):
        preview = selectors.import_preview(batch, sample=1)
    assert {status: [row.number for row in found] for status, found in preview.rows.items()} == {
        "new": [2],
        "error": [3],
        "duplicate": [4],
    }
