"""Watched drop folders: nightly files from core banking, imported like a command-line import.

Layout of one folder (``DROP_ROOT/<path>/``, see docs/integration.md):

    <path>/                 files are dropped here (top level only; sub-folders are ignored)
    <path>/processing/      a file being imported
    <path>/processed/       imported files, each with <name>.result.json and <name>.result.txt beside it
    <path>/failed/          refused files (bad format, empty, unknown preset, row errors, a repeat), with reports

Stability rule: a file is taken when a scan sees the same size and modification time as the previous scan
(so a file still being copied waits for the next scan), or at once when ``<name>.done`` is beside it.
Names starting with ``.`` or ``~$`` and ending in ``.tmp``, ``.part``, ``.partial``, ``.filepart``,
``.crdownload`` or ``.done`` are never taken: upload under such a name and rename when complete. Symbolic
links are never followed.

A taken file is moved to processing/, hashed (the same content in one folder is imported once: a repeat
goes to failed/ with a report naming the first), and queued as the job ``imports.drop_process``, which runs
``import_file`` (the command-line import: same reading, mapping, checks and commit) as the folder's service
account in ONE transaction, together with the file's result. With ``on_row_errors="reject"`` a file with a
row error imports nothing; with ``"import_valid"`` the valid rows are imported and the others reported.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
from datetime import timedelta
from pathlib import Path
from typing import Any, Final

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from loanlit.core.errors import DomainError
from loanlit.imports.models import DropFile, DropFolder
from loanlit.imports.services import common
from loanlit.imports.services import dropfolders as services
from loanlit.imports.services.cli import ImportReport, import_file
from loanlit.jobs.context import JobContext
from loanlit.jobs.models import Job
from loanlit.jobs.services import job_enqueue

logger = logging.getLogger(__name__)

PROCESS_JOB: Final = "imports.drop_process"
DONE_MARKER: Final = ".done"
IGNORED_PREFIXES: Final = (".", "~$")
IGNORED_SUFFIXES: Final = (".tmp", ".part", ".partial", ".filepart", ".crdownload", DONE_MARKER)
RESULT_SUFFIXES: Final = (".result.json", ".result.txt")
MAX_FILES_PER_SCAN: Final = 100
REQUEUE_AFTER: Final = timedelta(minutes=15)
HASH_CHUNK: Final = 1024 * 1024


class _RowErrors(Exception):
    """Rolls the import back when the folder rejects files with row errors."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__()
        self.report = report


# --- scanning -------------------------------------------------------------------------------------------


def _candidate(entry: os.DirEntry[str]) -> bool:
    name = entry.name
    if name.startswith(IGNORED_PREFIXES) or name.lower().endswith(IGNORED_SUFFIXES + RESULT_SUFFIXES):
        return False
    return entry.is_file(follow_symlinks=False) and not entry.is_symlink()


def _free_name(directory: Path, name: str) -> str:
    """``name``, or ``<stem>-<n><suffix>`` when the name (or its reports) is already in ``directory``."""

    def taken(candidate: str) -> bool:
        return any(os.path.lexists(directory / f"{candidate}{extra}") for extra in ("", *RESULT_SUFFIXES))

    if not taken(name):
        return name
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem:
        stem, suffix = name, ""
    n = 2
    while True:
        candidate = f"{stem}-{n}.{suffix}" if suffix else f"{stem}-{n}"
        if not taken(candidate):
            return candidate
        n += 1


def _sha256(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def scan_folder(folder: DropFolder) -> list[DropFile]:
    """One scan of one folder: take the stable files (see the module docstring); returns the files taken."""
    try:
        directory = services.ensure_layout(folder.path)
    except (DomainError, OSError) as exc:
        message = exc.message if isinstance(exc, DomainError) else str(exc)
        services.drop_folder_scan_saved(folder=folder, scan_state={}, error=message)
        return []
    previous: dict[str, Any] = dict(folder.scan_state or {})
    waiting: dict[str, list[int]] = {}
    taken: list[DropFile] = []
    try:
        entries = sorted((e for e in os.scandir(directory) if _candidate(e)), key=lambda e: e.name)
    except OSError as exc:
        services.drop_folder_scan_saved(folder=folder, scan_state=previous, error=str(exc))
        return []
    for entry in entries:
        try:
            stat = entry.stat(follow_symlinks=False)
        except OSError:
            continue  # gone since the listing
        seen = [stat.st_size, stat.st_mtime_ns]
        marker = directory / f"{entry.name}{DONE_MARKER}"
        stable = previous.get(entry.name) == seen
        if not (marker.is_file() or stable) or len(taken) >= MAX_FILES_PER_SCAN:
            waiting[entry.name] = seen
            continue
        drop_file = _take(folder, directory, entry.name)
        if drop_file is not None:
            taken.append(drop_file)
        with contextlib.suppress(OSError):
            marker.unlink(missing_ok=True)
    services.drop_folder_scan_saved(folder=folder, scan_state=waiting)
    _tidy_processing(folder, directory)
    return taken


def _tidy_processing(folder: DropFolder, directory: Path) -> None:
    """Files whose import finished but which were not moved (the worker stopped in between) are moved now."""
    processing = directory / services.PROCESSING
    try:
        names = [e.name for e in os.scandir(processing) if e.is_file(follow_symlinks=False)]
    except OSError:
        return
    if not names:
        return
    finished = DropFile.objects.filter(folder=folder, stored_name__in=names).exclude(state=DropFile.State.PROCESSING)
    for drop_file in finished.select_related("folder"):
        _finish_files(drop_file, directory, processing / drop_file.stored_name)


def _take(folder: DropFolder, directory: Path, name: str) -> DropFile | None:
    processing = directory / services.PROCESSING
    stored = _free_name(processing, name)
    try:
        os.rename(directory / name, processing / stored)  # atomic on one file system: one scanner wins
    except OSError:
        return None
    path = processing / stored
    digest, size = _sha256(path)
    original = DropFile.objects.filter(folder=folder, sha256=digest).first()
    if original is not None and original.state == DropFile.State.FAILED:
        # A refused file dropped again unchanged (say, after the service account got its permission) is retried.
        return services.drop_file_retake(drop_file=original, name=name, stored_name=stored)
    drop_file = (
        None
        if original is not None
        else services.drop_file_take(folder=folder, name=name, stored_name=stored, size=size, sha256=digest)
    )
    if drop_file is None:
        original = original or DropFile.objects.filter(folder=folder, sha256=digest).first()
        _duplicate(folder, directory, path, name, digest, size, original)
        return None
    return drop_file


def _duplicate(
    folder: DropFolder, directory: Path, path: Path, name: str, digest: str, size: int, original: DropFile | None
) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        when = timezone.localtime(original.taken_at).strftime("%Y-%m-%d %H:%M") if original else ""
        reason = _(
            "The same file (same content) was already taken from this folder on %(when)s as “%(name)s”; "
            "it is not imported twice."
        ) % {
            "when": when,
            "name": original.name if original else "",
        }
        summary = _summary(folder, name=name, sha256=digest, size=size, state="duplicate", reason=reason)
        target = _move(path, directory / services.FAILED)
        _write_reports(target, summary)
    if original is not None:
        services.drop_file_duplicate_skipped(folder=folder, name=name, sha256=digest, original=original)


def scan_all() -> list[int]:
    """Scan every enabled folder and queue the taken files; re-queue files whose job was lost."""
    queued: list[int] = []
    with translation.override(settings.LANGUAGE_CODE):
        for folder in DropFolder.objects.filter(enabled=True).select_related("creditor", "unit", "run_as"):
            for drop_file in scan_folder(folder):
                queued.append(_enqueue(drop_file))
        cutoff = timezone.now() - REQUEUE_AFTER
        stale = DropFile.objects.filter(state=DropFile.State.PROCESSING, taken_at__lt=cutoff, folder__enabled=True)
        for drop_file in stale.select_related("job"):
            if drop_file.job is None or drop_file.job.state in Job.FINISHED_STATES:
                queued.append(_enqueue(drop_file))
    return queued


def _enqueue(drop_file: DropFile) -> int:
    with transaction.atomic():
        job = job_enqueue(kind=PROCESS_JOB, params={"file": drop_file.pk})
        services.drop_file_job_set(drop_file=drop_file, job_id=job.pk)
    return job.pk


# --- processing -----------------------------------------------------------------------------------------


def _summary(
    folder: DropFolder,
    *,
    name: str,
    sha256: str,
    size: int,
    state: str,
    reason: str = "",
    report: ImportReport | None = None,
) -> dict[str, Any]:
    counts = dict(report.counts) if report is not None else {}
    return {
        "file": name,
        "folder": folder.name,
        "path": folder.path,
        "kind": folder.kind,
        "preset": folder.preset,
        "sha256": sha256,
        "size": size,
        "state": state,
        "reason": reason,
        "rows_read": sum(counts.values()),
        "created": report.created if report is not None else 0,
        "updated": report.updated if report is not None else 0,
        "unchanged": report.unchanged if report is not None else 0,
        "cases_opened": report.cases_opened if report is not None else 0,
        "counts": counts,
        "errors": [{"row": row, "messages": list(messages)} for row, messages in (report.errors if report else [])],
        "problems": list(report.problems) if report is not None else [],
        "encoding": report.encoding if report is not None else None,
        "processed_at": timezone.localtime().isoformat(timespec="seconds"),
        "language": settings.LANGUAGE_CODE,
    }


def _rolled_back(report: ImportReport) -> ImportReport:
    report.created = report.updated = report.cases_opened = 0
    return report


def process_file(drop_file_id: int) -> dict[str, Any]:
    """Import one taken file (the job's body); returns its summary. Every outcome ends in a report."""
    drop_file = DropFile.objects.select_related("folder__creditor", "folder__unit", "folder__run_as").get(
        pk=drop_file_id
    )
    folder = drop_file.folder
    with translation.override(settings.LANGUAGE_CODE):
        directory = services.resolve_sub_path(folder.path)
        path = directory / services.PROCESSING / drop_file.stored_name
        if drop_file.state != DropFile.State.PROCESSING:
            if path.exists():  # the import committed, the move did not happen (worker stopped in between)
                _finish_files(drop_file, directory, path)
            return drop_file.summary
        base: dict[str, Any] = {"name": drop_file.name, "sha256": drop_file.sha256, "size": drop_file.size}
        if not path.is_file():
            reason = _("The file is no longer in the processing folder.")
            services.drop_file_finish(
                drop_file=drop_file,
                state=DropFile.State.FAILED,
                summary=_summary(folder, state="failed", reason=reason, **base),
                error_message=reason,
            )
            return drop_file.summary
        strict = folder.on_row_errors == DropFolder.OnRowErrors.REJECT
        try:
            with transaction.atomic():
                if not folder.run_as.is_active:
                    raise DomainError(_("The folder's service account is deactivated."), code="run_as_inactive")
                common.get_preset(folder.preset or None, kind=folder.kind)
                report = import_file(
                    actor=folder.run_as,
                    creditor=folder.creditor,
                    path=path,
                    kind=folder.kind,
                    preset=folder.preset or None,
                    unit=folder.unit,
                )
                if not sum(report.counts.values()):
                    raise DomainError(_("The file has no data rows."), code="no_rows")
                if strict and report.errors:
                    raise _RowErrors(report)
                services.drop_file_finish(
                    drop_file=drop_file,
                    state=DropFile.State.DONE,
                    summary=_summary(folder, state="done", report=report, **base),
                )
        except _RowErrors as refused:
            reason = _(
                "%(count)d rows have errors: nothing from this file was imported. Correct them and drop the file again."
            ) % {"count": len(refused.report.errors)}
            summary = _summary(folder, state="failed", reason=reason, report=_rolled_back(refused.report), **base)
            services.drop_file_finish(
                drop_file=drop_file, state=DropFile.State.FAILED, summary=summary, error_message=reason
            )
        except DomainError as exc:
            summary = _summary(folder, state="failed", reason=exc.message, **base)
            services.drop_file_finish(
                drop_file=drop_file, state=DropFile.State.FAILED, summary=summary, error_message=exc.message
            )
        except Exception as exc:  # an unexpected failure still ends in failed/ with a report, never a loop
            logger.exception("Drop file %s (%s) failed.", drop_file.pk, drop_file.name)
            reason = _("An unexpected error stopped the import (%(error)s). It has been logged.") % {
                "error": type(exc).__name__
            }
            summary = _summary(folder, state="failed", reason=reason, **base)
            services.drop_file_finish(
                drop_file=drop_file, state=DropFile.State.FAILED, summary=summary, error_message=reason
            )
        drop_file.refresh_from_db()
        _finish_files(drop_file, directory, path)
        return drop_file.summary


def _move(path: Path, directory: Path) -> Path:
    os.makedirs(directory, exist_ok=True)
    target = directory / _free_name(directory, path.name)
    os.replace(path, target)
    return target


def _finish_files(drop_file: DropFile, directory: Path, path: Path) -> None:
    where = services.PROCESSED if drop_file.state == DropFile.State.DONE else services.FAILED
    target = _move(path, directory / where)
    _write_reports(target, drop_file.summary)
    if target.name != drop_file.stored_name:
        services.drop_file_stored_as(drop_file=drop_file, stored_name=target.name)


# --- reports --------------------------------------------------------------------------------------------

STATE_LABELS: Final = {
    "done": gettext_lazy("Imported"),
    "failed": gettext_lazy("Failed"),
    "duplicate": gettext_lazy("Skipped: already imported"),
}


def report_text(summary: dict[str, Any]) -> str:
    """The human-readable report (in the active language): what was read, written and refused, by row."""
    try:
        kind_label = str(common.get_kind(summary.get("kind", "")).label)
    except DomainError:
        kind_label = summary.get("kind", "")
    lines = [
        _("Import result: %(file)s") % {"file": summary.get("file", "")},
        _("Drop folder: %(name)s (%(path)s)") % {"name": summary.get("folder", ""), "path": summary.get("path", "")},
        _("Kind: %(kind)s") % {"kind": kind_label}
        + (("; " + _("preset: %(preset)s") % {"preset": summary["preset"]}) if summary.get("preset") else ""),
        _("Processed at: %(when)s") % {"when": summary.get("processed_at", "")},
        _("Result: %(state)s") % {"state": STATE_LABELS.get(summary.get("state", ""), summary.get("state", ""))},
    ]
    if summary.get("reason"):
        lines.append(_("Reason: %(reason)s") % {"reason": summary["reason"]})
    lines += [
        "",
        _("Rows read: %(count)d") % {"count": summary.get("rows_read", 0)},
        _("Created: %(count)d") % {"count": summary.get("created", 0)},
        _("Updated: %(count)d") % {"count": summary.get("updated", 0)},
        _("Unchanged: %(count)d") % {"count": summary.get("unchanged", 0)},
        _("Rows with errors: %(count)d") % {"count": len(summary.get("errors", []))},
    ]
    if summary.get("cases_opened"):
        lines.append(_("Cases opened: %(count)d") % {"count": summary["cases_opened"]})
    for problem in summary.get("problems", []):
        lines.append(_("Note: %(problem)s") % {"problem": problem})
    if summary.get("errors"):
        lines += ["", _("Errors:")]
        for error in summary["errors"]:
            for message in error["messages"]:
                lines.append("  " + _("Row %(row)d: %(message)s") % {"row": error["row"], "message": message})
    lines += ["", "SHA-256: " + summary.get("sha256", "")]
    return "\n".join(lines) + "\n"


def _write_reports(target: Path, summary: dict[str, Any]) -> None:
    (target.parent / f"{target.name}.result.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    (target.parent / f"{target.name}.result.txt").write_text(report_text(summary), encoding="utf-8")


def process_job(job: JobContext) -> dict[str, Any]:
    summary = process_file(int(job.params["file"]))
    return {key: summary.get(key) for key in ("file", "state", "rows_read", "created", "updated", "unchanged")}
