"""The background steps of an import (registered in ``loanlit.imports.tasks``).

* analyse: read the file, record what was found, suggest a mapping → MAPPING (a transform preset
  needs no mapping: validation is queued at once).
* validate: read the file again (the table is never stored: the file stays the only, encrypted, copy
  of the personal data), convert and check every row in chunks, store one ``ImportRow`` each → PREVIEW.
* commit: write NEW and UPDATE rows chunk by chunk, each chunk in its own transaction together with the
  rows' ``committed`` mark and the running totals, so a worker killed mid-way resumes where it stopped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from loanlit import audit
from loanlit.core.errors import DomainError
from loanlit.imports import mapping
from loanlit.imports.errors import RowError
from loanlit.imports.kinds.base import CommitResult, ImportKind, ParsedRow, RowStatus
from loanlit.imports.models import ImportBatch, ImportRow
from loanlit.imports.services import batches, common, rows, steps
from loanlit.imports.table import FileRefused, Table
from loanlit.jobs.context import JobCancelled, JobContext
from loanlit.notifications.services import notify

RESULT_TOTALS = ("created", "updated", "unchanged", "cases_opened", "write_errors", "rows_committed")


def batch_link(batch: ImportBatch) -> str:
    try:
        return reverse("imports:batch_detail", args=[batch.pk])
    except NoReverseMatch:
        return ""


def _notify(batch: ImportBatch, *, code: str, title: str, body: str = "") -> None:
    # In-app only, and no file name (it may name a borrower): DESIGN rule 11.
    notify(recipients=[batch.created_by], code=code, title=title[:200], body=body, link=batch_link(batch), target=batch)


def _fail(batch_id: int, message: str, *, expected: Sequence[str]) -> None:
    with transaction.atomic():
        batch = common.lock(batch_id)
        if batch.status not in expected:
            return
        batch.status = ImportBatch.Status.FAILED
        batch.error_message = message
        batch.version += 1
        batch.save(update_fields=["status", "error_message", "version", "updated_at"])
        audit.record(
            actor=None,
            action="import.failed",
            target=batch,
            stream=batches.audit_stream(batch),
            changes={"message": message},
        )
        _notify(
            batch,
            code="imports.failed",
            title=_("Import no. %(number)s failed") % {"number": batch.pk},
            body=message[:1000],
        )


def _guarded(batch_id: int, expected: Sequence[str], body: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run a step; a refused file fails the batch with its message, an unexpected error fails it too.
    A cancel propagates (the batch is already CANCELLED). A kill leaves everything to the re-run."""
    try:
        return body()
    except JobCancelled:
        _record_cancelled(batch_id, expected=expected)
        raise
    except FileRefused as exc:
        _fail(batch_id, exc.message, expected=expected)
        raise DomainError(exc.message, code=exc.code) from None
    except DomainError as exc:
        _fail(batch_id, exc.message, expected=expected)
        raise
    except Exception as exc:
        _fail(
            batch_id,
            _("An unexpected error stopped the import (%(error)s). It has been logged.")
            % {"error": type(exc).__name__},
            expected=expected,
        )
        raise


def _load(batch: ImportBatch) -> tuple[ImportKind, Any, Table]:
    kind = common.get_kind(batch.kind)
    preset = common.get_preset(batch.preset, kind=batch.kind)
    return kind, preset, steps.read_batch_file(batch, kind, preset)


def _batch(job: JobContext) -> ImportBatch:
    return ImportBatch.objects.select_related("creditor", "unit", "created_by").get(pk=int(job.params["batch"]))


# --- analyse --------------------------------------------------------------------------------------------


def run_analyse(job: JobContext) -> dict[str, Any]:
    batch = _batch(job)
    if batch.status != ImportBatch.Status.ANALYSING:
        return {"skipped": batch.status}
    return _guarded(batch.pk, (ImportBatch.Status.ANALYSING,), lambda: _analyse(job, batch))


def _analyse(job: JobContext, batch: ImportBatch) -> dict[str, Any]:
    job.set_progress(0, None, _("Reading the file"))
    previous = job.params.get("previous")
    try:
        kind, preset, table = _load(batch)
    except FileRefused as exc:
        if not previous:
            raise
        return _back_to_mapping(batch.pk, previous, exc.message)
    suggested = {} if steps.uses_transform(preset) else mapping.suggest(kind, table.headers, preset)
    row_count = sum(1 for row in table.rows if not steps.row_is_blank(row))
    with transaction.atomic():
        locked = common.lock(batch.pk)
        if locked.status != ImportBatch.Status.ANALYSING:
            return {"skipped": locked.status}
        locked.format = table.format
        locked.encoding = table.encoding or ""
        locked.encoding_reason = table.encoding_reason or ""
        locked.sheet_name = table.sheet_name or ""
        locked.sheet_names = list(table.sheet_names)
        locked.date1904 = table.date1904
        locked.header_row = table.header_row
        locked.headers = list(table.raw_headers)
        locked.duplicate_headers = dict(table.duplicate_headers)
        locked.merged_ranges = list(table.merged_ranges)
        locked.problems = [
            *batches.same_file_warnings(
                creditor_id=locked.creditor_id, kind=locked.kind, sha256=locked.file_sha256, exclude_pk=locked.pk
            ),
            *[str(problem) for problem in table.problems],
        ]
        locked.row_count = row_count
        locked.suggested_mapping = suggested
        locked.mapping = dict(suggested)
        locked.error_message = ""
        fields = [
            "format",
            "encoding",
            "encoding_reason",
            "sheet_name",
            "sheet_names",
            "date1904",
            "header_row",
            "headers",
            "duplicate_headers",
            "merged_ranges",
            "problems",
            "row_count",
            "suggested_mapping",
            "mapping",
            "error_message",
            "status",
        ]
        if steps.uses_transform(preset):
            locked.status = ImportBatch.Status.VALIDATING
            batches._enqueue(locked, batches.VALIDATE, locked.created_by)
            fields.append("job")
        else:
            locked.status = ImportBatch.Status.MAPPING
        batches._save(locked, *fields)
    job.set_progress(1, 1, _("File read"))
    return {"rows": row_count, "mapped": len(suggested)}


def _back_to_mapping(batch_id: int, previous: dict[str, str], message: str) -> dict[str, Any]:
    """An encoding or sheet the user chose cannot be read: keep the earlier reading (its headers and
    mapping are still there) and say why, instead of failing an import that was fine a moment ago."""
    with transaction.atomic():
        locked = common.lock(batch_id)
        if locked.status != ImportBatch.Status.ANALYSING:
            return {"skipped": locked.status}
        locked.encoding_override = previous.get("encoding_override", "")
        locked.sheet_name = previous.get("sheet_name", "")
        locked.status = ImportBatch.Status.MAPPING
        locked.error_message = message
        batches._save(locked, "encoding_override", "sheet_name", "status", "error_message")
    return {"refused": message}


# --- validate -------------------------------------------------------------------------------------------


def run_validate(job: JobContext) -> dict[str, Any]:
    batch = _batch(job)
    if batch.status != ImportBatch.Status.VALIDATING:
        return {"skipped": batch.status}
    return _guarded(batch.pk, (ImportBatch.Status.VALIDATING,), lambda: _validate(job, batch))


def _validate(job: JobContext, batch: ImportBatch) -> dict[str, Any]:
    job.set_progress(0, None, _("Reading the file"))
    kind, preset, table = _load(batch)
    field_map = steps.batch_mapping(batch, preset)
    steps.check_merged(table, kind, field_map, preset)
    ctx = common.kind_context(batch)
    total = len(table.rows)
    # First pass: only the keys, to find every duplicate before any row is stored (memory stays flat:
    # the second pass converts again, chunk by chunk).
    keys: list[tuple[int, str]] = []
    for index, parsed in enumerate(steps.parse_rows(table, kind, field_map, preset)):
        keys.append((parsed.number, parsed.key))
        if index % 500 == 0:
            job.check_cancelled()
    groups = steps.duplicate_groups(keys)
    del keys
    ImportRow.objects.filter(batch=batch).delete()  # a re-run (new mapping, resolved duplicates, killed worker)
    counts: Counter[str] = Counter()
    choices = batch.duplicate_choices or {}
    for start in range(0, total, steps.VALIDATE_CHUNK):
        job.check_cancelled()
        chunk = list(steps.parse_rows(table, kind, field_map, preset, start=start, stop=start + steps.VALIDATE_CHUNK))
        steps.apply_duplicates(chunk, groups, choices)
        steps.check_rows(chunk, kind, ctx)
        ImportRow.objects.bulk_create([rows.to_model(batch, row) for row in chunk], batch_size=500)
        counts.update(str(row.status) for row in chunk)
        done = min(start + steps.VALIDATE_CHUNK, total)
        job.set_progress(done, total, _("Checked %(done)s of %(total)s rows") % {"done": done, "total": total})
    with transaction.atomic():
        locked = common.lock(batch.pk)
        if locked.status != ImportBatch.Status.VALIDATING:
            return {"skipped": locked.status}
        locked.counts = {status.value: counts.get(status.value, 0) for status in RowStatus}
        locked.status = ImportBatch.Status.PREVIEW
        missing = steps.unmapped_required(kind, field_map, preset)
        locked.error_message = steps.unmapped_message(kind, missing) if missing else ""
        batches._save(locked, "counts", "status", "error_message")
    return {"counts": dict(counts)}


# --- commit ---------------------------------------------------------------------------------------------


def run_commit(job: JobContext) -> dict[str, Any]:
    batch = _batch(job)
    if batch.status != ImportBatch.Status.COMMITTING:
        return {"skipped": batch.status}
    return _guarded(batch.pk, (ImportBatch.Status.COMMITTING,), lambda: _commit(job, batch))


def _pending(batch: ImportBatch) -> Any:
    return ImportRow.objects.filter(
        batch=batch, status__in=(RowStatus.NEW, RowStatus.UPDATE), committed=False
    ).order_by("number")


def _commit(job: JobContext, batch: ImportBatch) -> dict[str, Any]:
    kind = common.get_kind(batch.kind)
    ctx = common.kind_context(batch)
    already = ImportRow.objects.filter(batch=batch, committed=True).count()
    planned: list[tuple[str, int]] = []
    for model in _pending(batch).iterator(chunk_size=2000):
        planned.append((kind.chunk_key(rows.from_model(model), ctx), model.pk))
    chunks = steps.plan_chunks(planned, steps.COMMIT_CHUNK)
    total = already + len(planned)
    done = already
    job.set_progress(done, total, _("Importing"))
    for chunk in chunks:
        job.check_cancelled()
        models = list(ImportRow.objects.filter(pk__in=chunk, committed=False).order_by("number"))
        if not models:
            continue
        parsed = [rows.from_model(model) for model in models]
        with transaction.atomic():
            result = kind.commit(parsed, ctx)
            job.check_cancelled()  # asked to cancel while this chunk was written: roll it back
            _record_chunk(batch.pk, models, parsed, result)
        done += len(models)
        job.set_progress(done, total, _("Imported %(done)s of %(total)s rows") % {"done": done, "total": total})
    with transaction.atomic():
        locked = common.lock(batch.pk)
        if locked.status != ImportBatch.Status.COMMITTING:
            return {"skipped": locked.status}
        locked.counts = current_counts(locked)
        locked.status = ImportBatch.Status.DONE
        locked.committed_at = timezone.now()
        batches._save(locked, "counts", "status", "committed_at")
        audit.record(
            actor=locked.created_by,
            action="import.committed",
            target=locked,
            stream=batches.audit_stream(locked),
            changes={"counts": locked.counts, "result": locked.result},
        )
        totals = locked.result or {}
        _notify(
            locked,
            code="imports.done",
            title=_("Import no. %(number)s finished") % {"number": locked.pk},
            body=_("%(created)s created, %(updated)s updated, %(errors)s rows not imported.")
            % {
                "created": totals.get("created", 0),
                "updated": totals.get("updated", 0),
                "errors": sum(locked.counts.get(s, 0) for s in (RowStatus.ERROR, RowStatus.DUPLICATE)),
            },
        )
    return dict(locked.result or {})


def _record_chunk(batch_id: int, models: list[ImportRow], parsed: list[ParsedRow], result: CommitResult) -> None:
    write_errors: dict[int, list[RowError]] = {}
    for number, error in result.errors:
        write_errors.setdefault(number, []).append(error)
    for model, row in zip(models, parsed, strict=True):
        model.committed = True
        model.result = rows.jsonable(row.result)
        model.target_id = row.target_id
        if row.number in write_errors:
            model.status = RowStatus.ERROR
            model.errors = [*model.errors, *(rows.error_json(e) for e in write_errors[row.number])]
    ImportRow.objects.bulk_update(models, ["committed", "result", "target_id", "status", "errors"])
    locked = common.lock(batch_id)
    totals = {name: int((locked.result or {}).get(name, 0)) for name in RESULT_TOTALS}
    totals["created"] += result.created
    totals["updated"] += result.updated
    totals["unchanged"] += result.unchanged
    totals["cases_opened"] += result.cases_opened
    totals["write_errors"] += len(write_errors)
    totals["rows_committed"] += len(models) - len(write_errors)
    locked.result = {**(locked.result or {}), **totals}
    locked.save(update_fields=["result", "updated_at"])


def current_counts(batch: ImportBatch) -> dict[str, int]:
    found = dict(
        ImportRow.objects.filter(batch=batch).values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    return {status.value: int(found.get(status.value, 0)) for status in RowStatus}


def _record_cancelled(batch_id: int, *, expected: Sequence[str]) -> None:
    """The job stopped on a cancel request: through ``import_cancel`` (the batch is CANCELLED already) or
    from the jobs page (the batch is cancelled here). Chunks already written stay and are counted."""
    with transaction.atomic():
        locked = common.lock(batch_id)
        fields = ["counts", "result"]
        if locked.status in expected:
            locked.status = ImportBatch.Status.CANCELLED
            locked.version += 1
            fields += ["status", "version"]
        elif locked.status != ImportBatch.Status.CANCELLED:
            return
        locked.counts = current_counts(locked)
        if ImportRow.objects.filter(batch=locked, committed=True).exists() or locked.result:
            locked.result = {**(locked.result or {}), "cancelled": True}
        locked.save(update_fields=[*fields, "updated_at"])
        audit.record(
            actor=None,
            action="import.stopped",
            target=locked,
            stream=batches.audit_stream(locked),
            changes={"result": locked.result},
        )


RUNNING = (ImportBatch.Status.ANALYSING, ImportBatch.Status.VALIDATING, ImportBatch.Status.COMMITTING)


def reconcile_stopped_jobs() -> int:
    """A batch whose job ended without moving it on (the worker died once too often and the job was
    failed by ``job_recover_stale``, or the job was cancelled before it started from the jobs page) is
    failed or cancelled too, so no import waits forever. Returns the batches changed."""
    from loanlit.jobs.models import Job

    changed = 0
    stale = ImportBatch.objects.filter(status__in=RUNNING).filter(
        Q(job__isnull=True) | Q(job__state__in=(Job.State.FAILED, Job.State.CANCELLED))
    )
    for batch_id, state, message in stale.values_list("pk", "job__state", "job__error_message"):
        if state == Job.State.CANCELLED:
            _record_cancelled(batch_id, expected=RUNNING)
        else:
            _fail(
                batch_id,
                message or _("The background step of this import stopped. Start the import again."),
                expected=RUNNING,
            )
        changed += 1
    return changed
