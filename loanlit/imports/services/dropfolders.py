"""Writes of the drop folders (DESIGN rule 1): configure a folder, take a file, record its result.

Configuring is for ``api.manage`` holders and audited on the global stream; a folder's kind, preset,
creditor, unit and service account are checked as a command-line import would check them (the service
account must be allowed to run that kind of import for the creditor, the unit inside its scope). The
scanner (``loanlit.imports.dropfolders``) takes and finishes files as the system, audited on the
creditor's stream.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any, Final

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loanlit import audit
from loanlit.accounts.models import User
from loanlit.core.errors import DomainError, PermissionDeniedError, StaleVersionError
from loanlit.core.models import Creditor, OrgUnit
from loanlit.imports.models import DropFile, DropFolder
from loanlit.imports.services import common

MANAGE_CODE = "api.manage"
PROCESSING: Final = "processing"
PROCESSED: Final = "processed"
FAILED: Final = "failed"
SUBFOLDERS: Final = (PROCESSING, PROCESSED, FAILED)
FIELDS = ("name", "path", "kind", "preset", "creditor", "unit", "run_as", "on_row_errors", "enabled")


# --- paths: every folder is inside DROP_ROOT, whatever the configuration or the disk says ----------------


def drop_root() -> Path:
    return Path(settings.DROP_ROOT).resolve()


def clean_sub_path(path: str) -> str:
    """The sub-path as stored ("core/balances"); refuses an absolute path, ``..``, a hidden or reserved part."""
    text = (path or "").strip().replace("\\", "/").strip("/")
    raw = (path or "").strip()
    if not text:
        raise DomainError(_("Name a folder inside the drop root."), code="path_required")
    if raw.startswith(("/", "\\")) or (len(raw) > 1 and raw[1] == ":") or PurePosixPath(raw).is_absolute():
        raise DomainError(_("Give a folder inside the drop root, not an absolute path."), code="path_absolute")
    parts = [part for part in text.split("/") if part not in ("", ".")]
    if any(part == ".." for part in parts):
        raise DomainError(_("The folder may not leave the drop root (“..”)."), code="path_escape")
    if any(part.startswith(".") or part in SUBFOLDERS for part in parts):
        raise DomainError(
            _("A folder name may not start with a dot or be processing, processed or failed."), code="path_reserved"
        )
    if len("/".join(parts)) > 200:
        raise DomainError(_("The folder path is too long."), code="path_long")
    return "/".join(parts)


def resolve_sub_path(path: str) -> Path:
    """The folder on disk; refused when it (through a symlink on the way) resolves outside DROP_ROOT."""
    root = drop_root()
    target = (root / clean_sub_path(path)).resolve()
    if not target.is_relative_to(root) or target == root:
        raise DomainError(_("The folder leaves the drop root through a symbolic link."), code="path_escape")
    probe = root
    for part in PurePosixPath(clean_sub_path(path)).parts:
        probe = probe / part
        if probe.is_symlink():
            raise DomainError(_("The folder leaves the drop root through a symbolic link."), code="path_escape")
    return target


def paths_overlap(first: str, second: str) -> bool:
    a, b = PurePosixPath(first).parts, PurePosixPath(second).parts
    return a[: len(b)] == b or b[: len(a)] == a


def ensure_layout(path: str) -> Path:
    """Create the folder and its processing/, processed/ and failed/ sub-folders when missing."""
    folder = resolve_sub_path(path)
    for name in SUBFOLDERS:
        os.makedirs(folder / name, exist_ok=True)
    return folder


# --- folders --------------------------------------------------------------------------------------------


def require_manage(actor: Any) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.has_code(MANAGE_CODE):
        raise PermissionDeniedError(_("You may not manage drop folders."), code="not_allowed")


def _check(
    *,
    name: str,
    path: str,
    kind: str,
    preset: str,
    creditor: Creditor,
    unit: OrgUnit,
    run_as: User,
    on_row_errors: str,
    exclude_pk: int | None = None,
) -> str:
    """The cleaned sub-path; a ``DomainError`` naming what is wrong otherwise."""
    if not name.strip():
        raise DomainError(_("Give the drop folder a name."), code="name_required")
    clean_path = clean_sub_path(path)
    resolve_sub_path(clean_path)  # refuses an escape through a symlink already on disk
    others = DropFolder.objects.exclude(pk=exclude_pk) if exclude_pk else DropFolder.objects.all()
    if others.filter(name=name.strip()).exists():
        raise DomainError(_("Another drop folder has this name."), code="name_taken")
    for other in others.only("path"):
        if paths_overlap(other.path, clean_path):
            raise DomainError(
                _("The folder overlaps the drop folder “%(path)s”: each needs its own folder.") % {"path": other.path},
                code="path_taken",
            )
    common.get_kind(kind)
    common.get_preset(preset or None, kind=kind)
    if on_row_errors not in DropFolder.OnRowErrors.values:
        raise DomainError(_("Choose what happens to a file with row errors."), code="on_row_errors")
    if not run_as.is_active:
        raise DomainError(_("The service account is deactivated."), code="run_as_inactive")
    try:
        common.require_may_import(run_as, kind=kind, creditor=creditor)
        common.resolve_unit(run_as, unit)
    except PermissionDeniedError as exc:
        raise DomainError(
            _("The service account %(user)s cannot run this import: %(reason)s")
            % {"user": run_as.username, "reason": exc.message},
            code="run_as_not_allowed",
        ) from None
    return clean_path


def _audit_values(folder: DropFolder) -> dict[str, Any]:
    return {
        "name": folder.name,
        "path": folder.path,
        "kind": folder.kind,
        "preset": folder.preset,
        "creditor": folder.creditor_id,
        "unit": folder.unit_id,
        "run_as": folder.run_as_id,
        "on_row_errors": folder.on_row_errors,
        "enabled": folder.enabled,
    }


@transaction.atomic
def drop_folder_create(
    *,
    actor: User,
    name: str,
    path: str,
    kind: str,
    creditor: Creditor,
    unit: OrgUnit,
    run_as: User,
    preset: str = "",
    on_row_errors: str = DropFolder.OnRowErrors.REJECT,
    enabled: bool = True,
) -> DropFolder:
    """Configure a new drop folder and create it (with processing/, processed/, failed/) under DROP_ROOT."""
    require_manage(actor)
    clean_path = _check(
        name=name,
        path=path,
        kind=kind,
        preset=preset,
        creditor=creditor,
        unit=unit,
        run_as=run_as,
        on_row_errors=on_row_errors,
    )
    folder = DropFolder.objects.create(
        name=name.strip(),
        path=clean_path,
        kind=kind,
        preset=preset or "",
        creditor=creditor,
        unit=unit,
        run_as=run_as,
        on_row_errors=on_row_errors,
        enabled=enabled,
        created_by=actor,
    )
    ensure_layout(clean_path)
    audit.record(actor=actor, action="drop_folder.created", target=folder, changes=_audit_values(folder))
    return folder


@transaction.atomic
def drop_folder_update(*, actor: User, folder: DropFolder, version: int, **changes: Any) -> DropFolder:
    """Change a folder's settings (any of ``FIELDS``); a stale ``version`` is refused (409)."""
    require_manage(actor)
    unknown = sorted(set(changes) - set(FIELDS))
    if unknown:
        raise DomainError(_("These fields cannot be changed: %(fields)s.") % {"fields": ", ".join(unknown)})
    locked = DropFolder.objects.select_for_update().select_related("creditor", "unit", "run_as").get(pk=folder.pk)
    if int(version) != locked.version:
        raise StaleVersionError(
            _("This drop folder was changed by somebody else since the page was loaded. Reload it and try again."),
            code="stale",
        )
    before = _audit_values(locked)
    wanted = {name: changes.get(name, getattr(locked, name)) for name in FIELDS}
    wanted["preset"] = wanted["preset"] or ""
    wanted["path"] = _check(exclude_pk=locked.pk, **{k: v for k, v in wanted.items() if k != "enabled"})
    for name, value in wanted.items():
        setattr(locked, name, value.strip() if name == "name" else value)
    if wanted["path"] != before["path"]:
        locked.scan_state = {}
    locked.version += 1
    locked.save()
    ensure_layout(locked.path)
    after = _audit_values(locked)
    diff = {name: {"old": before[name], "new": after[name]} for name in after if before[name] != after[name]}
    audit.record(actor=actor, action="drop_folder.updated", target=locked, changes=diff)
    return locked


def drop_folder_scan_saved(
    *, folder: DropFolder, scan_state: dict[str, Any], error: str = "", now: datetime | None = None
) -> None:
    """Bookkeeping of the scanner: what it saw of waiting files, and the last problem (not audited)."""
    DropFolder.objects.filter(pk=folder.pk).update(
        scan_state=scan_state, last_error=error[:500], last_scan_at=now or timezone.now()
    )


def _stream(folder: DropFolder) -> str:
    return audit.stream_key("creditor", folder.creditor_id)


@transaction.atomic
def drop_file_take(*, folder: DropFolder, name: str, stored_name: str, size: int, sha256: str) -> DropFile | None:
    """Record a file taken from ``folder``; None when the same content was taken before (never twice)."""
    try:
        with transaction.atomic():
            drop_file = DropFile.objects.create(
                folder=folder,
                name=name,
                stored_name=stored_name,
                size=size,
                sha256=sha256,
                state=DropFile.State.PROCESSING,
                taken_at=timezone.now(),
            )
    except IntegrityError:
        return None
    audit.record(
        actor=None,
        action="drop_file.taken",
        target=drop_file,
        stream=_stream(folder),
        changes={"folder": folder.pk, "name": name, "size": size, "sha256": sha256},
    )
    return drop_file


@transaction.atomic
def drop_file_retake(*, drop_file: DropFile, name: str, stored_name: str) -> DropFile:
    """A file that failed is dropped again with the same content: process it again (same row, audited)."""
    locked = DropFile.objects.select_for_update().get(pk=drop_file.pk)
    if locked.state != DropFile.State.FAILED:
        raise DomainError(_("Only a failed file is taken again."), code="not_failed")
    previous = {"state": locked.state, "reason": locked.error_message, "taken_at": locked.taken_at}
    locked.name, locked.stored_name = name, stored_name
    locked.state, locked.summary, locked.error_message = DropFile.State.PROCESSING, {}, ""
    locked.taken_at, locked.processed_at, locked.job = timezone.now(), None, None
    locked.save()
    audit.record(
        actor=None,
        action="drop_file.retaken",
        target=locked,
        stream=audit.stream_key("creditor", locked.folder.creditor_id),
        changes={"folder": locked.folder_id, "name": name, "previous": previous},
    )
    return locked


def drop_file_duplicate_skipped(*, folder: DropFolder, name: str, sha256: str, original: DropFile) -> None:
    """The same content was dropped again: nothing imported, the skip audited."""
    with transaction.atomic():
        audit.record(
            actor=None,
            action="drop_file.duplicate_skipped",
            target=original,
            stream=_stream(folder),
            changes={"folder": folder.pk, "name": name, "sha256": sha256, "original": original.pk},
        )


def drop_file_job_set(*, drop_file: DropFile, job_id: int) -> None:
    DropFile.objects.filter(pk=drop_file.pk).update(job_id=job_id)


def drop_file_finish(
    *, drop_file: DropFile, state: str, summary: dict[str, Any], error_message: str = "", stored_name: str = ""
) -> DropFile:
    """Record the outcome; called inside the import's transaction when it succeeds (so both commit or neither)."""
    if state not in (DropFile.State.DONE, DropFile.State.FAILED):
        raise ValueError(state)
    with transaction.atomic():
        drop_file.state = state
        drop_file.summary = summary
        drop_file.error_message = error_message
        drop_file.processed_at = timezone.now()
        if stored_name:
            drop_file.stored_name = stored_name
        drop_file.save(update_fields=["state", "summary", "error_message", "processed_at", "stored_name"])
        audit.record(
            actor=None,
            action="drop_file.imported" if state == DropFile.State.DONE else "drop_file.failed",
            target=drop_file,
            stream=audit.stream_key("creditor", drop_file.folder.creditor_id),
            changes={
                "folder": drop_file.folder_id,
                "name": drop_file.name,
                "created": summary.get("created", 0),
                "updated": summary.get("updated", 0),
                "errors": len(summary.get("errors", [])),
                "reason": error_message,
            },
        )
    return drop_file


def drop_file_stored_as(*, drop_file: DropFile, stored_name: str) -> None:
    DropFile.objects.filter(pk=drop_file.pk).update(stored_name=stored_name)
