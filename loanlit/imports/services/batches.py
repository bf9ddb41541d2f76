"""The user's steps of an import: start (upload), configure (map), resolve duplicates, commit, cancel.

Each is atomic and audited; the heavy work runs in the jobs ``imports.analyse``, ``imports.validate``
and ``imports.commit`` (``services.runs``), queued after the transaction commits. Every status change
bumps the batch's version, so a page loaded before a background step moved on cannot act on it.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from loanlit import audit
from loanlit.accounts.models import User
from loanlit.core.errors import DomainError, PermissionDeniedError
from loanlit.core.models import Creditor, OrgUnit
from loanlit.imports.kinds.base import RowStatus
from loanlit.imports.models import ImportBatch, ImportRow
from loanlit.imports.services import common, steps, storage
from loanlit.jobs.models import Job
from loanlit.jobs.services import job_cancel, job_enqueue

ANALYSE = "imports.analyse"
VALIDATE = "imports.validate"
COMMIT = "imports.commit"

# For the UI next to the cancel button of a running import.
CANCEL_COMMIT_NOTE = gettext_lazy(
    "Cancelling stops the import after rolling back the chunk being written. Chunks already written stay "
    "written; the result lists them."
)


def audit_stream(batch: ImportBatch) -> str:
    return audit.stream_key("import", batch.pk)


def same_file_warnings(*, creditor_id: int, kind: str, sha256: str, exclude_pk: int | None = None) -> list[str]:
    """A warning (not a refusal) when the very same file was imported before for this creditor."""
    done = ImportBatch.objects.filter(
        creditor_id=creditor_id, kind=kind, file_sha256=sha256, status=ImportBatch.Status.DONE
    )
    if exclude_pk is not None:
        done = done.exclude(pk=exclude_pk)
    earlier = done.order_by("-committed_at", "-pk").first()
    if earlier is None:
        return []
    when = earlier.committed_at or earlier.created_at
    return [
        _(
            "This very file was already imported on %(date)s (import no. %(number)s). Importing it again changes "
            "only what differs."
        )
        % {"date": date_format(when, "SHORT_DATE_FORMAT"), "number": earlier.pk}
    ]


def _enqueue(batch: ImportBatch, kind: str, actor: User | None, **params: Any) -> Job:
    job = job_enqueue(kind=kind, params={"batch": batch.pk, **params}, actor=actor)
    batch.job = job
    return job


def _save(batch: ImportBatch, *fields: str) -> None:
    batch.version += 1
    batch.save(update_fields=[*fields, "version", "updated_at"])


@transaction.atomic
def import_start(
    *,
    actor: User,
    creditor: Creditor,
    kind: str,
    file_name: str,
    content: bytes,
    preset: str | None = None,
    unit: OrgUnit | None = None,
) -> ImportBatch:
    """Store the uploaded file encrypted and queue its analysis (status ANALYSING)."""
    import_kind = common.get_kind(kind)
    chosen = common.get_preset(preset, kind=kind)
    common.require_may_import(actor, kind=kind, creditor=creditor)
    handling_unit = common.resolve_unit(actor, unit)
    common.check_upload(content)
    name = os.path.basename(str(file_name).replace("\\", "/")).strip() or "upload"
    digest = storage.sha256(content)
    batch = ImportBatch.objects.create(
        creditor=creditor,
        unit=handling_unit,
        kind=import_kind.code,
        preset=chosen.code if chosen else "",
        status=ImportBatch.Status.ANALYSING,
        file_name=name[:255],
        file_sha256=digest,
        file_size=len(content),
        options=common.initial_options(import_kind, chosen),
        problems=same_file_warnings(creditor_id=creditor.pk, kind=import_kind.code, sha256=digest),
        created_by=actor,
    )
    batch.file_path = storage.store_file(batch_id=batch.pk, content=content)
    try:
        _enqueue(batch, ANALYSE, actor)
        batch.save(update_fields=["file_path", "job", "updated_at"])
    except BaseException:
        storage.delete_file(batch.file_path)  # the batch row is rolled back: leave no orphan file
        raise
    audit.record(
        actor=actor,
        action="import.started",
        target=batch,
        stream=audit_stream(batch),
        changes={
            "kind": batch.kind,
            "preset": batch.preset,
            "file_name": batch.file_name,
            "sha256": digest,
            "size": len(content),
            "unit": handling_unit.code,
        },
    )
    return batch


@transaction.atomic
def import_configure(
    *,
    actor: User,
    batch: ImportBatch,
    version: int,
    mapping: dict[str, Any],
    options: dict[str, Any] | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
) -> ImportBatch:
    """Save the mapping and options and queue validation; a new encoding or sheet reads the file again
    first (the headers may change, so the mapping is suggested afresh and shown again)."""
    batch = common.lock(batch)
    common.require_owner(actor, batch)
    common.check_version(batch, version)
    if batch.status not in (ImportBatch.Status.MAPPING, ImportBatch.Status.PREVIEW):
        raise DomainError(
            _("The columns can be mapped once the file has been read and until the import starts."), code="state"
        )
    kind = common.get_kind(batch.kind)
    preset = common.get_preset(batch.preset, kind=batch.kind)
    batch.options = common.clean_options(kind, preset, options, batch.options or {})
    new_encoding = (encoding or "").strip()
    new_sheet = (sheet or "").strip()
    reread = bool(new_encoding and new_encoding != batch.encoding_override) or bool(
        new_sheet and new_sheet != batch.sheet_name
    )
    if reread:
        if new_sheet and batch.sheet_names and new_sheet not in batch.sheet_names:
            raise DomainError(_("The file has no sheet named “%(sheet)s”.") % {"sheet": new_sheet}, code="sheet")
        # If the file cannot be read this way, the analysis goes back to what worked (see runs._analyse).
        previous = {"encoding_override": batch.encoding_override, "sheet_name": batch.sheet_name}
        if new_encoding:
            batch.encoding_override = new_encoding[:30]
        if new_sheet:
            batch.sheet_name = new_sheet[:100]
        batch.status = ImportBatch.Status.ANALYSING
        _enqueue(batch, ANALYSE, actor, previous=previous)
        _save(batch, "options", "encoding_override", "sheet_name", "status", "job")
        changes: dict[str, Any] = {"encoding": batch.encoding_override, "sheet": batch.sheet_name}
    else:
        if steps.uses_transform(preset):
            batch.mapping = {}
        else:
            batch.mapping = steps.validate_mapping(kind, mapping or {}, len(batch.headers or []))
        batch.status = ImportBatch.Status.VALIDATING
        batch.counts = {}
        _enqueue(batch, VALIDATE, actor)
        _save(batch, "options", "mapping", "status", "counts", "job")
        changes = {"mapping": batch.mapping}
    audit.record(
        actor=actor,
        action="import.configured",
        target=batch,
        stream=audit_stream(batch),
        changes={**changes, "options": batch.options},
    )
    return batch


@transaction.atomic
def import_resolve_duplicates(
    *, actor: User, batch: ImportBatch, version: int, keep: dict[str, int | None]
) -> ImportBatch:
    """For each duplicate key, the row number to import (None: none of them); the rows are checked again."""
    batch = common.lock(batch)
    common.require_owner(actor, batch)
    common.check_version(batch, version)
    if batch.status != ImportBatch.Status.PREVIEW:
        raise DomainError(_("Duplicates can be resolved once the rows have been checked."), code="state")
    choices = dict(batch.duplicate_choices or {})
    for key, kept in keep.items():
        numbers = list(ImportRow.objects.filter(batch=batch, key=key).values_list("number", flat=True))
        if len(numbers) < 2:
            raise DomainError(_("“%(key)s” is not a duplicate in this file.") % {"key": key}, code="not_duplicate")
        if kept is not None and int(kept) not in numbers:
            raise DomainError(
                _("Row %(row)s does not carry “%(key)s”.") % {"row": kept, "key": key}, code="not_in_group"
            )
        choices[key] = None if kept is None else int(kept)
    batch.duplicate_choices = choices
    batch.status = ImportBatch.Status.VALIDATING
    _enqueue(batch, VALIDATE, actor)
    _save(batch, "duplicate_choices", "status", "job")
    audit.record(
        actor=actor,
        action="import.duplicates_resolved",
        target=batch,
        stream=audit_stream(batch),
        changes={"keep": {key: choices[key] for key in keep}},
    )
    return batch


@transaction.atomic
def import_commit(*, actor: User, batch: ImportBatch, version: int) -> ImportBatch:
    """Queue the commit of the NEW and UPDATE rows; refused while a required field is unmapped."""
    batch = common.lock(batch)
    common.require_owner(actor, batch)
    common.check_version(batch, version)
    if batch.status != ImportBatch.Status.PREVIEW:
        raise DomainError(_("Only an import whose rows have been checked can be started."), code="state")
    kind = common.get_kind(batch.kind)
    preset = common.get_preset(batch.preset, kind=batch.kind)
    missing = steps.unmapped_required(kind, batch.mapping or {}, preset)
    if missing:
        raise DomainError(steps.unmapped_message(kind, missing), code="required_unmapped")
    if not ImportRow.objects.filter(batch=batch, status__in=(RowStatus.NEW, RowStatus.UPDATE)).exists():
        raise DomainError(_("There is no new or changed row to import."), code="nothing_to_import")
    batch.status = ImportBatch.Status.COMMITTING
    batch.result = {}
    _enqueue(batch, COMMIT, actor)
    _save(batch, "status", "result", "job")
    audit.record(
        actor=actor,
        action="import.commit_started",
        target=batch,
        stream=audit_stream(batch),
        changes={"counts": batch.counts},
    )
    return batch


CANCELLABLE = (
    ImportBatch.Status.ANALYSING,
    ImportBatch.Status.MAPPING,
    ImportBatch.Status.VALIDATING,
    ImportBatch.Status.PREVIEW,
    ImportBatch.Status.COMMITTING,
)


@transaction.atomic
def import_cancel(*, actor: User, batch: ImportBatch, version: int) -> ImportBatch:
    """Cancel the import; a running step is asked to stop (a commit rolls back the chunk in progress,
    chunks already written stay written and are reported in the result)."""
    batch = common.lock(batch)
    if actor is None or not actor.is_authenticated or (batch.created_by_id != actor.pk and not actor.is_superuser):
        raise PermissionDeniedError(_("You may not change this import."), code="not_allowed")
    common.check_version(batch, version)
    if batch.status not in CANCELLABLE:
        raise DomainError(_("This import has finished and cannot be cancelled."), code="finished")
    was = batch.status
    job = Job.objects.filter(pk=batch.job_id).first() if batch.job_id else None
    if job is not None and not job.is_finished:
        # It may finish between the two reads: the batch's own status below says cancelled all the same.
        with contextlib.suppress(DomainError):
            job_cancel(job=job, actor=actor)
    batch.status = ImportBatch.Status.CANCELLED
    _save(batch, "status")
    audit.record(
        actor=actor,
        action="import.cancelled",
        target=batch,
        stream=audit_stream(batch),
        changes={"status": {"old": was, "new": batch.status}, "result": batch.result},
    )
    return batch
