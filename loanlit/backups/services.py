"""Backups: take one (command line, app, schedule), record it, prune old ones by the retention policy.

The export reads a consistent snapshot (:mod:`loanlit.backups.snapshot`) table by table with keyset
pagination, so memory stays flat whatever the size; each table is spooled compressed to a temporary
file next to the archive, then the archive is written in one pass (see :mod:`loanlit.backups.archive`).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
import shutil
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.translation import gettext as _

from loanlit import audit
from loanlit.backups import archive, crypto, retention
from loanlit.backups.models import BackupRun
from loanlit.backups.snapshot import Snapshot, database_snapshot
from loanlit.backups.tables import BUILTIN_PREFIX, Table, backed_up_tables, exporter
from loanlit.core.errors import DomainError

logger = logging.getLogger(__name__)

BATCH = 2000
Progress = Callable[[int, int | None, str], None]


@dataclass
class ExportResult:
    path: Path
    size: int
    sha256: str
    key_id: str
    counts: dict[str, int]
    file_count: int
    file_bytes: int
    manifest: dict[str, Any] = field(default_factory=dict)


def _noop(done: int, total: int | None, message: str) -> None:
    return None


def migration_state(using: str = "default") -> dict[str, str]:
    """App label → the last applied migration (by name) in this database."""
    latest: dict[str, str] = {}
    for app_label, name in MigrationRecorder(connection).applied_migrations():
        if name > latest.get(app_label, ""):
            latest[app_label] = name
    return dict(sorted(latest.items()))


def media_root() -> Path:
    return Path(settings.MEDIA_ROOT).resolve()


# --- export ----------------------------------------------------------------------------------------------


def _export_table(
    snap: Snapshot,
    table: Table,
    spool: Path,
    *,
    missing: Callable[[Table, Any, str], None],
    tick: Callable[[int], None],
) -> tuple[int, str, int]:
    """Write one table as gzip'd JSON lines in primary-key order; returns (rows, sha256, bytes)."""
    columns = table.column_names
    convert = exporter(table.columns)
    pk_index = columns.index(table.pk)
    file_indexes = [columns.index(c) for c in table.file_columns]
    rows = 0
    with open(spool, "wb") as raw:
        hashing = archive.HashingWriter(raw)
        with gzip.GzipFile(filename="", mode="wb", fileobj=hashing, compresslevel=6, mtime=0) as gz:  # type: ignore[arg-type]
            after: Any = None
            while True:
                page = snap.page(table.name, columns, table.pk, after, BATCH)
                if not page:
                    break
                lines = []
                for row in page:
                    for index in file_indexes:
                        name = row[index]
                        if name and not str(name).startswith(BUILTIN_PREFIX):
                            missing(table, row[pk_index], str(name))
                    lines.append(json.dumps(convert(row), ensure_ascii=False, separators=(",", ":")))
                gz.write(("\n".join(lines) + "\n").encode())
                rows += len(page)
                tick(len(page))
                after = page[-1][pk_index]
                if len(page) < BATCH:
                    break
    return rows, hashing.digest.hexdigest(), hashing.size


def _walk_media(root: Path) -> Iterator[tuple[str, Path]]:
    if not root.is_dir():
        return
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            full = Path(dirpath) / name
            if full.is_symlink() or not full.is_file():
                continue
            yield full.relative_to(root).as_posix(), full


def _sha256_of(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(archive.COPY_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _tar_add_file(tar: tarfile.TarFile, name: str, path: Path, size: int, mtime: float = 0) -> str:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = int(mtime)
    info.mode = 0o600
    with open(path, "rb") as handle:
        reader = archive.HashingReader(handle)
        tar.addfile(info, reader)  # type: ignore[arg-type]
    return reader.hexdigest()


def export_archive(*, output: Path, encrypt: bool, progress: Progress = _noop) -> ExportResult:
    """Write the archive to ``output`` (atomically: a ``.partial`` file renamed at the end)."""
    key = crypto.configured_key() if encrypt else None
    if encrypt and key is None:
        raise DomainError(_("Encryption was asked for, but LOANLIT_BACKUP_KEY is not set."), code="no_key")
    output = output.resolve()
    root = media_root()
    if output.is_relative_to(root):
        raise DomainError(_("The backup must not be written inside the media directory (%(root)s).") % {"root": root})
    output.parent.mkdir(parents=True, exist_ok=True)
    tables = backed_up_tables(connection)
    state = migration_state()
    created_at = timezone.now()
    workdir = Path(tempfile.mkdtemp(prefix=".loanlit-backup-", dir=output.parent))
    partial = output.with_name(output.name + ".partial")
    try:
        counts: dict[str, int] = {}
        parts: list[dict[str, Any]] = []
        problems: list[str] = []

        def missing(table: Table, pk: Any, name: str) -> None:
            if not archive.safe_relative(name) or not (root / name).is_file():
                problems.append(
                    _("file “%(name)s” (table %(table)s, row %(pk)s)") % {"name": name, "table": table.name, "pk": pk}
                )

        with database_snapshot(workdir=workdir) as snap:
            totals = {t.name: snap.count(t.name) for t in tables}
            grand = sum(totals.values())
            done = 0

            def tick(n: int) -> None:
                nonlocal done
                done += n
                progress(done, grand, _("Exporting tables"))

            for index, table in enumerate(tables):
                spool = workdir / f"t{index}.gz"
                rows, digest, size = _export_table(snap, table, spool, missing=missing, tick=tick)
                if rows != totals[table.name]:
                    raise DomainError(
                        _("Table %(table)s changed while it was exported (%(rows)s rows, %(count)s counted).")
                        % {"table": table.name, "rows": rows, "count": totals[table.name]}
                    )
                counts[table.name] = rows
                parts.append(
                    {
                        "table": table.name,
                        "model": table.label,
                        "part": archive.table_part(table.name),
                        "columns": [[c.name, c.kind] for c in table.columns],
                        "pk": table.pk,
                        "rows": rows,
                        "sha256": digest,
                        "size": size,
                        "spool": str(spool),
                    }
                )
        if problems:
            shown = "; ".join(problems[:5])
            more = len(problems) - 5
            message = _("The backup was stopped: referenced files are missing from the media directory: %(files)s.") % {
                "files": shown
            }
            if more > 0:
                message += " " + _("(and %(count)s more)") % {"count": more}
            raise DomainError(message, code="missing_file")

        # The file index: hashes first, so the manifest (which names the index's hash) can lead the archive.
        index_path = workdir / "files.gz"
        file_count = 0
        file_bytes = 0
        with open(index_path, "wb") as raw:
            hashing = archive.HashingWriter(raw)
            with gzip.GzipFile(filename="", mode="wb", fileobj=hashing, mtime=0) as gz:  # type: ignore[arg-type]
                for rel, full in _walk_media(root):
                    digest, size = _sha256_of(full)
                    gz.write(
                        (json.dumps({"path": rel, "size": size, "sha256": digest}, ensure_ascii=False) + "\n").encode()
                    )
                    file_count += 1
                    file_bytes += size
                    if file_count % 200 == 0:
                        progress(done, grand, _("Hashing files (%(count)s)") % {"count": file_count})
        manifest: dict[str, Any] = {
            "format": archive.FORMAT,
            "format_version": archive.FORMAT_VERSION,
            "created_at": created_at.isoformat(),
            "vendor": connection.vendor,
            "migrations": state,
            "tables": [{k: v for k, v in p.items() if k != "spool"} for p in parts],
            "files": {
                "part": archive.FILE_INDEX,
                "count": file_count,
                "bytes": file_bytes,
                "sha256": hashing.digest.hexdigest(),
                "size": hashing.size,
            },
        }
        manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=1).encode()

        with open(partial, "wb") as out:
            counted = archive.HashingWriter(out)
            sink: Any = crypto.EncryptingWriter(counted, key) if key is not None else counted  # type: ignore[arg-type]
            with tarfile.open(fileobj=sink, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                mpath = workdir / "manifest.json"
                mpath.write_bytes(manifest_bytes)
                _tar_add_file(tar, archive.MANIFEST, mpath, len(manifest_bytes), created_at.timestamp())
                for part in parts:
                    _tar_add_file(tar, part["part"], Path(part["spool"]), part["size"])
                    Path(part["spool"]).unlink()
                _tar_add_file(tar, archive.FILE_INDEX, index_path, hashing.size)
                written = 0
                with gzip.open(index_path, "rt", encoding="utf-8") as entries:
                    for line in entries:
                        entry = json.loads(line)
                        full = root / entry["path"]
                        try:
                            digest = _tar_add_file(
                                tar, archive.media_part(entry["path"]), full, entry["size"], full.stat().st_mtime
                            )
                        except (OSError, tarfile.TarError):
                            digest = ""
                        if digest != entry["sha256"]:
                            raise DomainError(
                                _("File “%(name)s” changed or disappeared during the backup; run the backup again.")
                                % {"name": entry["path"]},
                                code="file_changed",
                            )
                        written += 1
                        if written % 200 == 0:
                            progress(
                                done,
                                grand,
                                _("Copying files (%(done)s of %(count)s)") % {"done": written, "count": file_count},
                            )
            if key is not None:
                sink.close()
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, output)
        return ExportResult(
            path=output,
            size=counted.size,
            sha256=counted.digest.hexdigest(),
            key_id=key.kid if key else "",
            counts=counts,
            file_count=file_count,
            file_bytes=file_bytes,
            manifest=manifest,
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if partial.exists():
            partial.unlink()


# --- the recorded run ------------------------------------------------------------------------------------


def backup_start(*, kind: str, actor: Any = None, job_id: int | None = None, path: str = "") -> BackupRun:
    """Record a running backup (its own short transaction, so the row survives a failed export)."""
    with transaction.atomic():
        return BackupRun.objects.create(
            kind=kind,
            path=path,
            job_id=job_id,
            created_by_id=actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None,
            started_at=timezone.now(),
        )


def backup_create(
    *,
    output: Path,
    kind: str = BackupRun.Kind.MANUAL,
    actor: Any = None,
    encrypt: bool = False,
    run: BackupRun | None = None,
    progress: Progress = _noop,
) -> BackupRun:
    """Take a backup into ``output`` and record it; a failure is recorded too, then raised again."""
    run = run or backup_start(kind=kind, actor=actor, path=str(output))
    if not run.path:
        run.path = str(output)
    try:
        result = export_archive(output=output, encrypt=encrypt, progress=progress)
    except Exception as exc:
        message = exc.message if isinstance(exc, DomainError) else f"{type(exc).__name__}: {exc}"
        with transaction.atomic():
            BackupRun.objects.filter(pk=run.pk).update(
                state=BackupRun.State.FAILED, error=message[:5000], finished_at=timezone.now(), path=str(output)
            )
        run.refresh_from_db()
        raise
    with transaction.atomic():
        BackupRun.objects.filter(pk=run.pk).update(
            state=BackupRun.State.SUCCEEDED,
            path=str(result.path),
            size_bytes=result.size,
            sha256=result.sha256,
            encrypted_key_id=result.key_id,
            counts=result.counts,
            file_count=result.file_count,
            finished_at=timezone.now(),
        )
        audit.record(
            actor=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
            action="backup.created",
            target=run,
            changes={
                "kind": {"old": None, "new": run.kind},
                "sha256": {"old": None, "new": result.sha256},
                "encrypted_key_id": {"old": None, "new": result.key_id},
            },
        )
    run.refresh_from_db()
    return run


def default_output(now: datetime | None = None, *, encrypted: bool) -> Path:
    """``BACKUP_DIR/loanlit-YYYYmmdd-HHMMSS.tar[.enc]`` in local time."""
    local = timezone.localtime(now or timezone.now())
    suffix = ".tar.enc" if encrypted else ".tar"
    return Path(settings.BACKUP_DIR) / f"loanlit-{local:%Y%m%d-%H%M%S}{suffix}"


# --- retention -------------------------------------------------------------------------------------------


def backups_prune(*, now: datetime | None = None) -> list[BackupRun]:
    """Delete archives the retention policy no longer keeps and mark their runs ``pruned_at``."""
    now = now or timezone.now()
    candidates = list(
        BackupRun.objects.filter(
            kind=BackupRun.Kind.SCHEDULED, state=BackupRun.State.SUCCEEDED, pruned_at__isnull=True
        ).order_by("started_at", "pk")
    )
    keep = retention.kept(
        [(run.pk, timezone.localtime(run.started_at)) for run in candidates],
        daily=settings.BACKUP_KEEP_DAILY,
        weekly=settings.BACKUP_KEEP_WEEKLY,
        monthly=settings.BACKUP_KEEP_MONTHLY,
    )
    pruned: list[BackupRun] = []
    for run in candidates:
        if run.pk in keep:
            continue
        try:
            Path(run.path).unlink(missing_ok=True)
        except OSError as exc:
            logger.warning("backup %s: cannot remove %s: %s", run.pk, run.path, exc)
            continue
        with transaction.atomic():
            BackupRun.objects.filter(pk=run.pk).update(pruned_at=now)
        run.pruned_at = now
        pruned.append(run)
    return pruned


def archive_open(run: BackupRun) -> IO[bytes]:
    """The finished archive of ``run`` for download; DomainError when it is gone."""
    if run.state != BackupRun.State.SUCCEEDED or run.pruned_at is not None or not run.path:
        raise DomainError(_("This backup has no archive to download."), code="no_archive")
    try:
        return open(run.path, "rb")
    except OSError:
        raise DomainError(_("The archive of this backup is no longer on disk."), code="no_archive") from None


# --- in the background (the page's "Back up now" and the schedule) ----------------------------------------

JOB_KIND = "backups.run"


@transaction.atomic
def backup_request(*, actor: Any, kind: str = BackupRun.Kind.APP) -> BackupRun:
    """Record a backup and queue the job that takes it (it starts after this transaction commits)."""
    from loanlit.jobs.services import job_enqueue

    encrypt = crypto.configured_key() is not None
    run = BackupRun.objects.create(
        kind=kind,
        created_by_id=actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None,
        started_at=timezone.now(),
    )
    job = job_enqueue(kind=JOB_KIND, params={"run_id": run.pk, "encrypt": encrypt}, actor=actor, max_attempts=1)
    BackupRun.objects.filter(pk=run.pk).update(job=job)
    run.job = job
    return run


def scheduled_backup_due(*, now: datetime | None = None) -> bool:
    """Once a day, from BACKUP_HOUR local time on, when LOANLIT_BACKUP_SCHEDULE is on."""
    if not settings.BACKUP_SCHEDULE:
        return False
    local = timezone.localtime(now or timezone.now())
    if local.hour < settings.BACKUP_HOUR:
        return False
    start_of_day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return not BackupRun.objects.filter(kind=BackupRun.Kind.SCHEDULED, started_at__gte=start_of_day).exists()


def scheduled_backup_tick(*, now: datetime | None = None) -> BackupRun | None:
    """The periodic task: queue today's scheduled backup if it is due (idempotent)."""
    if not scheduled_backup_due(now=now):
        return None
    return backup_request(actor=None, kind=BackupRun.Kind.SCHEDULED)
